/**
 * `npm start -- --inspect FN=PORT`: the first environment alive listens on PORT (before, every
 * environment took a random port, so a saved attach configuration never found one), the others on
 * free ports while it lives, and the next one to start after it has gone takes PORT again; each
 * environment's port is announced on the local cloud's own records.
 */
import { describe, expect, it } from 'vitest';
import { formatLogRecord, type LogRecord } from '../../../core/log-record';
import { InspectorPorts } from '../../../lambda/inspector-ports';

describe('the inspector ports of one function', () => {
  it('gives the port to the first environment, free ports to the others while it lives, and the port again once it has gone', () => {
    const ports = new InspectorPorts({ functionName: 'App-Greeter', port: 9229 });
    const first = ports.claim();
    const second = ports.claim();
    expect(first.execArgv).toEqual(['--inspect=127.0.0.1:9229']);
    expect(second.execArgv).toEqual(['--inspect=127.0.0.1:0']);
    second.release();
    expect(ports.claim().port).toBe(0);
    first.release();
    first.release();
    expect(ports.claim().execArgv).toEqual(['--inspect=127.0.0.1:9229']);
    expect(ports.claim().port).toBe(0);
  });

  it('gives every environment a free port when no port was asked for, as --inspect FN always did', () => {
    const ports = new InspectorPorts({ functionName: 'App-Greeter' });
    expect([ports.claim().execArgv, ports.claim().execArgv]).toEqual([['--inspect=127.0.0.1:0'], ['--inspect=127.0.0.1:0']]);
    expect(ports.inspects('App-Greeter')).toBe(true);
    expect(ports.inspects('App-Other')).toBe(false);
  });

  it("announces each environment's port from Node's own line, and a port it could not take", () => {
    const records: LogRecord[] = [];
    const ports = new InspectorPorts({ functionName: 'App-Greeter', port: 9229 });
    const firstLines = ports.announcer('App-Greeter', ports.claim(), (record) => records.push(record));
    const secondLines = ports.announcer('App-Greeter', ports.claim(), (record) => records.push(record));
    firstLines('Debugger listening on ws://127.0.0.1:9229/0f1e2d3c-aaaa-bbbb-cccc-000000000000');
    firstLines('For help, see: https://nodejs.org/en/docs/inspector');
    secondLines('Debugger listening on ws://127.0.0.1:40123/0f1e2d3c-aaaa-bbbb-cccc-000000000001');
    secondLines('Starting inspector on 127.0.0.1:9229 failed: address already in use');
    expect(records.map(formatLogRecord)).toEqual([
      "[local-lambda] App-Greeter: an environment's debugger listens on 127.0.0.1:9229; attach with chrome://inspect or your editor (ws://127.0.0.1:9229/0f1e2d3c-aaaa-bbbb-cccc-000000000000)",
      "[local-lambda] App-Greeter: an environment's debugger listens on 127.0.0.1:40123 (9229 is its first environment's); attach with chrome://inspect or your editor (ws://127.0.0.1:40123/0f1e2d3c-aaaa-bbbb-cccc-000000000001)",
      '[local-lambda] warning: App-Greeter: Starting inspector on 127.0.0.1:9229 failed: address already in use; that environment runs without a debugger',
    ]);
  });
});
