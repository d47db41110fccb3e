import { setMaxListeners } from 'node:events';
import type { HttpHandler, HttpHandlerOptions, HttpRequest, HttpResponse } from '@smithy/core/protocols';
import type { RequestHandlerMetadata } from '@smithy/types';

/**
 * A request handler for the AWS SDK that can abort, at once, every request in flight through it:
 * the coordinator's one abort is at its request's deadline, for everything still out.
 *
 * It wraps the SDK's own handler (`NodeHttpHandler`, or any `HttpHandler`) and hands each request
 * the signal of one `AbortController` that it owns, through the handler options the SDK defines
 * for that purpose; the wrapped handler destroys the connection and rejects with an `AbortError`.
 * `abortInFlight()` aborts that controller and starts a new one, so the requests that follow are
 * not affected. Callers thus send with `client.send(command)` and no signal of their own: no
 * controller per call, and no patch to the SDK to carry one.
 * https://docs.aws.amazon.com/sdk-for-javascript/v3/developer-guide/abortcontroller.html
 */
export class AbortInFlightHandler<Config extends object> implements HttpHandler<Config> {
  private controller = newController();

  constructor(private readonly inner: HttpHandler<Config>) {}

  get metadata(): RequestHandlerMetadata {
    // The wrapped handler's (`http/1.1` for NodeHttpHandler, `h2` for NodeHttp2Handler).
    return this.inner.metadata ?? { handlerProtocol: 'http/1.1' };
  }

  handle(request: HttpRequest, options: HttpHandlerOptions = {}): Promise<{ response: HttpResponse }> {
    const own = this.controller.signal;
    const given = options.abortSignal as AbortSignal | undefined;
    // A caller's own signal still works, alongside the request-wide one.
    const abortSignal = given === undefined ? own : AbortSignal.any([given, own]);
    return this.inner.handle(request, { ...options, abortSignal });
  }

  /** Aborts every request in flight now; requests made afterwards go out as usual. */
  abortInFlight(reason: string): void {
    const controller = this.controller;
    this.controller = newController();
    controller.abort(new Error(reason));
  }

  updateHttpClientConfig(key: keyof Config, value: Config[typeof key]): void {
    this.inner.updateHttpClientConfig(key, value);
  }

  httpHandlerConfigs(): Config {
    return this.inner.httpHandlerConfigs();
  }

  destroy(): void {
    this.inner.destroy?.();
  }
}

function newController(): AbortController {
  const controller = new AbortController();
  // Every request in flight listens to this one signal: as many listeners as the socket pool allows
  // requests, so Node's leak warning (past 10 listeners) would misfire.
  setMaxListeners(0, controller.signal);
  return controller;
}
