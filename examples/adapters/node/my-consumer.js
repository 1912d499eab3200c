// A BACKBEAT consumer served as a backbeat-fuzz target: stdio:node my-consumer.js
'use strict';
const { serve, Reject } = require('./backbeat-stdio');

const KINDS = new Set([
  'backbeat.beatframe.v1',
  'backbeat.statusclaim.v1',
  'backbeat.barreport.v1',
]);

// Your handler: return to accept, throw a Reject (or a SyntaxError) to reject. It gets a
// Buffer, or a string with serve(handle, { text: true }), and may be async. Any other throw
// (a TypeError...) is a crash: backbeat-fuzz reports it and starts the program again.
function handle(message) {
  const fields = JSON.parse(message); // not JSON: a SyntaxError, so rejected
  if (fields === null || typeof fields !== 'object' || Array.isArray(fields)) {
    throw new Reject('not a JSON object');
  }
  if (!KINDS.has(fields.type)) throw new Reject(`unknown type ${JSON.stringify(fields.type)}`);
}

serve(handle);
