/**
 * The Node inspector of one function's environments (`npm start -- --inspect FN[=PORT]`), always
 * on loopback (it runs any code it is sent, unauthenticated; reach it from afar through an SSH
 * tunnel). With a port, the first environment alive listens on it, so a saved editor attach
 * configuration or `chrome://inspect` on 9229 finds it; while that one lives, the others take free
 * ports; once it has gone, the next environment to start takes the port again. Each port is
 * announced as the environment starts, as SAM's `--debug-port` prints its own.
 */
import { type LogSink, noticeRecord, warningRecord } from '../core/log-record';

/** Where the inspector listens, whatever `--host` says. */
export const INSPECTOR_HOST = '127.0.0.1';

/** Which function's environments run with the inspector, and the port its first one takes. */
export interface InspectOptions {
  readonly functionName: string;
  /** @default none: every environment on a free port */
  readonly port?: number;
}

/** What a new environment is started with, and what to call when it has gone. */
export interface InspectorClaim {
  readonly execArgv: readonly string[];
  /** The port asked for (0: a free one). */
  readonly port: number;
  /** Gives the fixed port back for the next environment. */
  release(): void;
}

export class InspectorPorts {
  private held = false;

  constructor(private readonly options: InspectOptions) {}

  /** Whether `functionName`'s environments run with the inspector. */
  inspects(functionName: string): boolean {
    return functionName === this.options.functionName;
  }

  /** The flag for a new environment: the fixed port when none alive holds it, else a free one. */
  claim(): InspectorClaim {
    const fixed = this.options.port;
    const takesFixed = fixed !== undefined && fixed !== 0 && !this.held;
    if (takesFixed) this.held = true;
    const port = takesFixed ? fixed : 0;
    let released = false;
    return {
      execArgv: [`--inspect=${INSPECTOR_HOST}:${port}`],
      port,
      release: () => {
        if (!takesFixed || released) return;
        released = true;
        this.held = false;
      },
    };
  }

  /**
   * Watches an environment's own lines for Node's inspector report, and announces it on `logSink`
   * as the local cloud's notice (shown whatever `--logs-of` hides): the port each environment
   * listens on, or why it could not listen on the one asked for.
   */
  announcer(functionName: string, claim: InspectorClaim, logSink: LogSink): (line: string) => void {
    return (line) => {
      const listening = /^Debugger listening on (ws:\/\/([^/\s]+)\/\S+)/.exec(line);
      if (listening !== null) {
        const others = claim.port === 0 && this.options.port !== undefined && this.options.port !== 0;
        logSink(
          noticeRecord(
            'local-lambda',
            `${functionName}: an environment's debugger listens on ${listening[2]}${others ? ` (${this.options.port} is its first environment's)` : ''}; attach with chrome://inspect or your editor (${listening[1]})`,
          ),
        );
      } else if (line.startsWith(`Starting inspector on ${INSPECTOR_HOST}:`) && line.includes('failed')) {
        logSink(warningRecord('local-lambda', `${functionName}: ${line}; that environment runs without a debugger`));
      }
    };
  }
}
