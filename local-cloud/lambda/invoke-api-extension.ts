/**
 * A service that answers on the Lambda API's port beside Invoke (the durable execution service):
 * its own paths, and the Invoke of the functions it runs. The Invoke API reads and verifies each
 * request (SigV4, size limits) before it reaches an extension, and answers its errors in Lambda's
 * shapes. Defined here, in the Lambda layer, so that the service above it plugs in without this
 * layer importing upward.
 */
import type { IncomingHttpHeaders } from 'node:http';

export interface ExtensionResponse {
  readonly statusCode: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** JSON documents are serialized by the Invoke API; a Buffer is sent as it is. */
  readonly body?: Buffer | unknown;
}

export interface ExtensionRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export interface InvokeExtensionRequest {
  readonly functionName: string;
  readonly qualifier: string | undefined;
  readonly invocationType: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** Aborted when the caller hangs up. */
  readonly signal: AbortSignal;
}

export interface InvokeApiExtension {
  /** The largest body a request to this path may carry, or undefined when the path is not this extension's. */
  bodyLimitFor(method: string, pathname: string): number | undefined;
  handle(request: ExtensionRequest): Promise<ExtensionResponse>;
  /** Answers an Invoke of a function this extension runs; undefined leaves it to the Lambda service. */
  invoke(request: InvokeExtensionRequest): Promise<ExtensionResponse> | undefined;
}
