// check.js as a cmd: program: the message on stdin, exit 0 accepts, 1 rejects.
'use strict';
const fs = require('fs');
const { check } = require('./check');

try {
  check(fs.readFileSync(0));
} catch (err) {
  process.exit(1);
}
