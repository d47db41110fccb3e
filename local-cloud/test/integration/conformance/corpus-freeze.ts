/**
 * Cases of the environment frozen between invocations: Lambda freezes it once the runtime asks for
 * the next event and none is pending, so what a handler left running after `return` (a timer, a
 * fire-and-forget chain of writes) runs only when the next invocation thaws it, and its log lines
 * land in that invocation's window. Each case runs twice in one environment (`secondEvent`); the
 * runtime client's Runtime API freezes it in between (SIGSTOP) as Lambda does.
 * https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html
 */
import type { ConformanceCase } from './corpus';

/**
 * Whether something that ran at `at` ran while the environment idled (400 ms), `returnedAt` being
 * when the first invocation returned. Each case's first step comes 100 ms after the return: time
 * enough for the freeze to have come first on a loaded machine.
 */
const whileIdle = `const ranWhileIdle = (at) => at !== undefined && at - returnedAt < 300;`;

export const freezeCases: readonly ConformanceCase[] = [
  {
    name: 'frozen between invocations: a timer left running after return',
    event: '{"n":1}',
    secondEvent: '{"n":2}',
    files: {
      'index.js': `let returnedAt;
let firedAt;
${whileIdle}
exports.handler = async (event) => {
  if (event.n === 1) {
    setTimeout(() => {
      firedAt = Date.now();
      console.log('timer left running after return');
    }, 100);
    returnedAt = Date.now();
    return 'first';
  }
  await new Promise((resolve) => setTimeout(resolve, 100));
  return { firedWhileIdle: ranWhileIdle(firedAt), fired: firedAt !== undefined };
};`,
    },
  },
  {
    name: 'frozen between invocations: a fire-and-forget chain of writes',
    event: '{"n":1}',
    secondEvent: '{"n":2}',
    files: {
      'index.js': `const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
let returnedAt;
const written = [];
${whileIdle}
async function flush() {
  for (let index = 0; index < 5; index += 1) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    await fs.promises.appendFile(path.join(os.tmpdir(), 'metrics.log'), 'metric ' + index + '\\n');
    written.push(Date.now());
  }
  console.log('metrics flushed');
}
exports.handler = async (event) => {
  if (event.n === 1) {
    flush();
    returnedAt = Date.now();
    return 'sent';
  }
  await new Promise((resolve) => setTimeout(resolve, 600));
  return { writtenWhileIdle: written.filter(ranWhileIdle).length, writtenInAll: written.length };
};`,
    },
  },
];
