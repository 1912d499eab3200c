'use strict';
// Serve a BACKBEAT consumer function as a backbeat-fuzz `stdio:` target (Node.js 16+).
//
// Copy this file next to your consumer (it needs only Node's standard library):
//
//   const { serve, Reject } = require('./backbeat-stdio');
//   serve((message) => { /* return to accept; throw new Reject('why') to reject */ });
//
// then `backbeat-fuzz --target 'stdio:node my-consumer.js'`. The protocol (docs/targets.md):
// each message arrives as its length in bytes, "\n", the bytes, "\n"; the answer is one line,
// "accept" or "reject <reason>". The handler gets a Buffer (or a string with {text: true}) and
// may be async. Returning false rejects; throwing a Reject or a SyntaxError (what JSON.parse
// throws) rejects with its message as the reason; any other throw is a crash: the stack and a
// last line "crash: <Name>: <message> at <file>:<line>" (the file from the working folder,
// its basename when outside it) go to stderr and the process exits with status 70 (backbeat-fuzz starts it again). console.log and friends are sent to stderr,
// so the handler's logging cannot garble the answers.

const { Console } = require('console');
const fs = require('fs');
const path = require('path');

const CRASH_STATUS = 70;
const CHUNK = 65536;

class Reject extends Error {
  constructor(reason) {
    super(reason);
    this.name = 'Reject';
  }
}

const pause = new Int32Array(new SharedArrayBuffer(4));

// Blocking reads of the framed messages on a file descriptor.
class Frames {
  constructor(fd) {
    this.fd = fd;
    this.chunk = Buffer.allocUnsafe(CHUNK);
    this.buffer = Buffer.alloc(0);
  }

  fill() {
    for (;;) {
      try {
        const got = fs.readSync(this.fd, this.chunk, 0, CHUNK, null);
        const read = this.chunk.subarray(0, got);
        this.buffer = this.buffer.length ? Buffer.concat([this.buffer, read]) : Buffer.from(read);
        return got > 0;
      } catch (err) {
        if (err.code !== 'EAGAIN') throw err;
        Atomics.wait(pause, 0, 0, 1); // a non-blocking stdin: wait a millisecond
      }
    }
  }

  take(size) {
    while (this.buffer.length < size) {
      if (!this.fill()) fail('the input ended inside a message');
    }
    const taken = this.buffer.subarray(0, size);
    this.buffer = this.buffer.subarray(size);
    return taken;
  }

  // The next message, or null when the input has ended.
  next() {
    let end;
    while ((end = this.buffer.indexOf(10)) < 0) {
      if (!this.fill()) {
        if (this.buffer.length) fail('the input ended inside a length line');
        return null;
      }
    }
    const header = this.buffer.subarray(0, end).toString('latin1');
    if (!/^[0-9]+$/.test(header)) fail(`expected a length line, got ${JSON.stringify(header)}`);
    this.buffer = this.buffer.subarray(end + 1);
    const message = this.take(Number(header)); // its own memory: chunks are copied out
    if (this.take(1)[0] !== 10) fail('a message was not followed by a newline');
    return message;
  }
}

function fail(problem) {
  fs.writeSync(2, `backbeat-stdio: ${problem}\n`);
  process.exit(2);
}

const oneLine = (text) => String(text).split(/\s+/).filter(Boolean).join(' ');

// A file as a report shows it: from the working folder, else its basename (node:internal/...
// as it is).
function shown(file) {
  if (!path.isAbsolute(file)) return file;
  const relative = path.relative(process.cwd(), file);
  return relative.startsWith('..') || path.isAbsolute(relative) ? path.basename(file) : relative;
}

// Where an error was thrown, from its stack: " at src/check.js:12" (empty when unknown).
function thrownAt(err) {
  const frame = /\n\s+at (?:.*? \()?(.+?):(\d+):\d+\)?/.exec((err && err.stack) || '');
  return frame ? ` at ${shown(frame[1])}:${frame[2]}` : '';
}

function crash(err) {
  const name = (err && err.name) || typeof err;
  const message = err && err.message !== undefined ? err.message : String(err);
  fs.writeSync(2, `${(err && err.stack) || String(err)}\n`);
  fs.writeSync(2, `crash: ${name}: ${oneLine(message)}${thrownAt(err)}\n`);
  process.exit(CRASH_STATUS);
}

function reasonOf(err) {
  if (err instanceof Reject) return err.message;
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function rejection(err, options) {
  if (!options.rejectOn(err)) crash(err);
  return oneLine(`reject ${reasonOf(err)}`);
}

const answer = (result) => (result === false ? 'reject' : 'accept');

// The answer line to one message: a string, or a promise of one for an async handler.
function verdict(handler, data, options) {
  let message = data;
  if (options.text) {
    try {
      message = utf8.decode(data);
    } catch (err) {
      return 'reject not UTF-8';
    }
  }
  let result;
  try {
    result = handler(message);
  } catch (err) {
    return rejection(err, options);
  }
  if (result && typeof result.then === 'function') {
    return result.then(answer, (err) => rejection(err, options));
  }
  return answer(result);
}

// Answer every message on stdin with handler's verdict, until stdin is closed.
// options.text: give the handler a string (a message that is not UTF-8 is rejected unseen);
// options.rejectOn(err): which throws mean "rejected" (default: Reject and SyntaxError).
// A synchronous handler is served without a turn of the event loop per message.
function serve(handler, options = {}) {
  const settings = {
    text: options.text === true,
    rejectOn: options.rejectOn || ((err) => err instanceof Reject || err instanceof SyntaxError),
  };
  globalThis.console = new Console({ stdout: process.stderr, stderr: process.stderr });
  const frames = new Frames(0);
  const loop = () => {
    for (let data = frames.next(); data !== null; data = frames.next()) {
      const line = verdict(handler, data, settings);
      if (typeof line !== 'string') {
        line.then((later) => {
          fs.writeSync(1, `${later}\n`);
          loop();
        });
        return;
      }
      fs.writeSync(1, `${line}\n`);
    }
  };
  loop();
}

module.exports = { serve, Reject, CRASH_STATUS };
