// The bench's trivial consumer logic in JavaScript (see trivial_check.py).
'use strict';

function check(message) {
  const fields = JSON.parse(message);
  const ok = fields !== null && typeof fields === 'object' && String(fields.type).startsWith('backbeat.');
  if (!ok) throw new SyntaxError('not a BACKBEAT message');
}

module.exports = { check };
