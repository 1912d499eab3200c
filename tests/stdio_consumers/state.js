// A StatusClaim consumer's state check through the Node.js adapter: `correct` or `buggy`.
// The buggy one has three planted bugs (each marked BUG); the correct one also logs each
// message with console.log, which must not reach the protocol.
'use strict';
const path = require('path');
const { serve, Reject } = require(
  path.join(__dirname, '..', '..', 'examples', 'adapters', 'node', 'backbeat-stdio.js'),
);

const STATES = new Set([
  'idle', 'planning', 'executing', 'reviewing', 'completed', 'failed', 'blocked', 'helping',
]);

function correct(message) {
  console.log('got %d bytes', message.length); // the adapter sends it to stderr
  const fields = JSON.parse(message);
  if (fields === null || typeof fields !== 'object' || !STATES.has(fields.state)) {
    throw new Reject('state is not one of the known states');
  }
}

function buggy(message) {
  const state = JSON.parse(message).state;
  if (state === 'helping') throw new Reject('state helping is not supported'); // BUG: false reject
  // BUG: IDLE accepted; a TypeError (a crash) when state is missing or not a string
  if (!STATES.has(state.toLowerCase())) throw new Reject('state is not one of the known states');
}

serve({ correct, buggy }[process.argv[2]]);
