import { describe, expect, it } from 'vitest';
import { MessageLines, parseRuntimeMessage } from '../../../lambda/runtime/runtime-messages';

const outputBytes = { stdout: 0, stderr: 12 };
const error = { errorType: 'Error', errorMessage: 'boom', trace: ['at x'] };

describe('parseRuntimeMessage', () => {
  it.each([
    [{ type: 'ready', maxRssKb: 40_000 }],
    [{ type: 'ready' }],
    [{ type: 'init-error', error, outputBytes }],
    [{ type: 'result', requestId: 'r', payload: '{"ok":true}', outputBytes, maxRssKb: 1 }],
    [{ type: 'error', requestId: 'r', error, outputBytes }],
  ])('accepts %j', (message) => {
    expect(parseRuntimeMessage(JSON.stringify(message))).toEqual({ ok: true, message });
  });

  it.each([
    ['garbage', 'a line that is not JSON'],
    ['[1,2]', 'a message that is not an object'],
    ['null', 'a message that is not an object'],
    ['{"type":"invoke"}', 'a message of type "invoke" with a missing or invalid type'],
    ['{"type":"result"}', 'a message of type "result" with a missing or invalid requestId'],
    [
      '{"type":"result","requestId":"r","outputBytes":{"stdout":0,"stderr":0}}',
      'a message of type "result" with a missing or invalid payload',
    ],
    ['{"type":"result","requestId":"r","payload":"1"}', 'a message of type "result" with a missing or invalid outputBytes'],
    [
      '{"type":"result","requestId":"r","payload":"1","outputBytes":{"stdout":-1,"stderr":0}}',
      'a message of type "result" with a missing or invalid outputBytes',
    ],
    [
      '{"type":"error","requestId":"r","error":{"errorType":"E"},"outputBytes":{"stdout":0,"stderr":0}}',
      'a message of type "error" with a missing or invalid error',
    ],
    [
      '{"type":"init-error","error":{"errorType":"E","errorMessage":"m","trace":[1]},"outputBytes":{"stdout":0,"stderr":0}}',
      'a message of type "init-error" with a missing or invalid error',
    ],
    ['{"type":"ready","maxRssKb":"lots"}', 'a message of type "ready" with a missing or invalid maxRssKb'],
  ])('refuses %s: %s', (line, reason) => {
    expect(parseRuntimeMessage(line)).toEqual({ ok: false, reason });
  });
});

describe('MessageLines', () => {
  it('splits lines across chunks, and holds a partial line until its newline', () => {
    const lines: string[] = [];
    const splitter = new MessageLines(
      (line) => lines.push(line),
      () => undefined,
    );

    splitter.push(Buffer.from('{"a":1}\n{"b"'));
    expect(lines).toEqual(['{"a":1}']);
    splitter.push(Buffer.from(':2}\n\n'));

    expect(lines).toEqual(['{"a":1}', '{"b":2}', '']);
  });

  it('keeps a UTF-8 character split between chunks whole', () => {
    const lines: string[] = [];
    const splitter = new MessageLines(
      (line) => lines.push(line),
      () => undefined,
    );
    const bytes = Buffer.from('"é"\n');

    splitter.push(bytes.subarray(0, 2));
    splitter.push(bytes.subarray(2));

    expect(lines).toEqual(['"é"']);
  });

  it('refuses a line over its limit as soon as it is, and everything after it', () => {
    const lines: string[] = [];
    let refused = 0;
    const splitter = new MessageLines(
      (line) => lines.push(line),
      () => {
        refused += 1;
      },
      8,
    );

    splitter.push(Buffer.from('12345'));
    splitter.push(Buffer.from('6789'));
    splitter.push(Buffer.from('\n{}\n'));

    expect(refused).toBe(1);
    expect(lines).toEqual([]);
  });

  it('accepts a line of exactly its limit', () => {
    const lines: string[] = [];
    const splitter = new MessageLines(
      (line) => lines.push(line),
      () => undefined,
      4,
    );

    splitter.push(Buffer.from('1234\n'));

    expect(lines).toEqual(['1234']);
  });
});
