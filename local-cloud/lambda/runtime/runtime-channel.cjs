'use strict';
/**
 * The runtime's channel to the platform: a socket of its own on fd 3, one JSON document a line
 * (runtime-messages.ts says why not Node's IPC channel). So `process.send` is undefined in the
 * function, as on Lambda.
 */
const net = require('node:net');

const channel = new net.Socket({ fd: 3, readable: true, writable: true });
// The channel keeps the process alive only while it waits for the next event (`awaitNext`), as
// the runtime client's pending `next` call does: during INIT and a handler's run, only the
// function's own handles do, so a handler awaiting an unref'd timer or a promise nothing settles
// ends the process (exit status 0), as on Lambda. A reply being written keeps it alive until sent.
// A streaming invocation's response holds it too while open, as the client's HTTP request to the
// Runtime API for it does from the invocation's start until the stream has ended.
channel.unref();
let waitingForNext = false;
let streamsOpen = 0;

function holdWhileNeeded() {
  if (waitingForNext || streamsOpen > 0) channel.ref();
  else channel.unref();
}

/** Waiting for the platform's next event: nothing else may need to keep the process alive. */
function awaitNext() {
  waitingForNext = true;
  holdWhileNeeded();
}

/** A streaming invocation's response is open: the process is kept alive until the returned function is called. */
function holdWhileStreaming() {
  streamsOpen += 1;
  holdWhileNeeded();
  let released = false;
  return () => {
    if (released) return;
    released = true;
    streamsOpen -= 1;
    holdWhileNeeded();
  };
}

function send(message) {
  channel.write(`${JSON.stringify(message)}\n`);
}

/** The service refuses a response over 6 MB (Function.ResponseSizeTooLarge): what it cannot use need not cross the channel. */
const RESPONSE_LIMIT_BYTES = 6_291_556;

/** Cut just past the limit, so the parent still sees that it was exceeded (a character is at least one byte). */
function withinChannel(payload) {
  return payload.length > RESPONSE_LIMIT_BYTES ? payload.slice(0, RESPONSE_LIMIT_BYTES + 1) : payload;
}

/** Calls `handle` with each invoke message from the platform, one line each. */
function onInvoke(handle) {
  let partial = [];
  channel.setEncoding('utf8');
  channel.on('data', (text) => {
    let start = 0;
    for (let newline = text.indexOf('\n'); newline !== -1; newline = text.indexOf('\n', start)) {
      partial.push(text.slice(start, newline));
      const message = JSON.parse(partial.join(''));
      partial = [];
      start = newline + 1;
      if (message !== null && typeof message === 'object' && message.type === 'invoke') {
        waitingForNext = false;
        holdWhileNeeded();
        handle(message);
      }
    }
    if (start < text.length) partial.push(text.slice(start));
  });
}

// The environment ends with the local service: a parent that died (even by SIGKILL) closes the
// channel, and the sandbox goes, whatever timers or sockets the function left open.
channel.on('end', () => process.exit(0));
channel.on('error', () => process.exit(0));

module.exports = { awaitNext, holdWhileStreaming, onInvoke, send, withinChannel };
