// A strict consumer of the whole BACKBEAT v1 contract through the Node.js adapter, written from
// README's "The contract", docs/validate.md and the schemas alone (standard library only):
// `correct` or `buggy`. The buggy one has three planted bugs, each marked BUG: a crash on every
// leap second, a false reject of beats_left 0, a false accept of a negative BeatFrame
// beat_index. A correct consumer in another language must get no finding at all: any would
// be a false report.
'use strict';
const path = require('path');
const { serve, Reject } = require(
  path.join(__dirname, '..', '..', 'examples', 'adapters', 'node', 'backbeat-stdio.js'),
);

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

class Parser {
  constructor(text) {
    this.s = text;
    this.i = 0;
  }
  fail(why) {
    throw new Reject(`json: ${why} at ${this.i}`);
  }
  ws() {
    while (this.i < this.s.length && ' \t\n\r'.includes(this.s[this.i])) this.i++;
  }
  document() {
    this.ws();
    if (this.i >= this.s.length) this.fail('empty');
    const value = this.value(0);
    this.ws();
    if (this.i < this.s.length) this.fail('trailing data');
    return value;
  }
  value(depth) {
    const c = this.s[this.i];
    if (c === '{') return this.object(depth + 1);
    if (c === '[') return this.array(depth + 1);
    if (c === '"') return this.string();
    if (c === '-' || (c >= '0' && c <= '9')) return this.number();
    for (const [word, v] of [['true', true], ['false', false], ['null', null]]) {
      if (this.s.startsWith(word, this.i)) {
        this.i += word.length;
        return v;
      }
    }
    return this.fail('unexpected character');
  }
  object(depth) {
    const out = new Map();
    this.i++;
    this.ws();
    if (this.s[this.i] === '}') {
      this.i++;
      return out;
    }
    for (;;) {
      this.ws();
      if (this.s[this.i] !== '"') this.fail('expected a key');
      const key = this.string();
      if (out.has(key)) this.fail(`duplicate key ${JSON.stringify(key)}`);
      this.ws();
      if (this.s[this.i++] !== ':') this.fail('expected :');
      this.ws();
      out.set(key, this.value(depth));
      this.ws();
      const c = this.s[this.i++];
      if (c === '}') return out;
      if (c !== ',') this.fail('expected , or }');
    }
  }
  array(depth) {
    const out = [];
    this.i++;
    this.ws();
    if (this.s[this.i] === ']') {
      this.i++;
      return out;
    }
    for (;;) {
      this.ws();
      out.push(this.value(depth));
      this.ws();
      const c = this.s[this.i++];
      if (c === ']') return out;
      if (c !== ',') this.fail('expected , or ]');
    }
  }
  string() {
    const m = /"((?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*)"/y;
    m.lastIndex = this.i;
    const found = m.exec(this.s);
    if (!found) this.fail('bad string');
    this.i = m.lastIndex;
    const value = JSON.parse(found[0]);
    if (!value.isWellFormed()) this.fail('lone surrogate');
    return value;
  }
  number() {
    const m = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
    m.lastIndex = this.i;
    const found = m.exec(this.s);
    if (!found) this.fail('bad number');
    this.i = m.lastIndex;
    const value = Number(found[0]);
    if (!Number.isFinite(value)) this.fail('number beyond a double');
    return value;
  }
}

const isObject = (v) => v instanceof Map;
const chars = (s) => [...s].length;

function str(v, name, { min = 0, max = Infinity, pattern } = {}) {
  if (typeof v !== 'string') throw new Reject(`${name} must be a string`);
  const n = chars(v);
  if (n < min || n > max) throw new Reject(`${name} length ${n}`);
  if (pattern && !pattern.test(v)) throw new Reject(`${name} does not match ${pattern}`);
}

function count(v, name, negativeOk = false) {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new Reject(`${name} must be an integer`);
  if (v > 9007199254740991) throw new Reject(`${name} too big`);
  if (v < 0 && !negativeOk) throw new Reject(`${name} must be >= 0`);
}

function num(v, name, min = -Infinity, max = Infinity) {
  if (typeof v !== 'number') throw new Reject(`${name} must be a number`);
  if (v < min || v > max) throw new Reject(`${name} out of range`);
}

function oneOf(v, name, values) {
  if (!values.includes(v)) throw new Reject(`${name} must be one of ${values}`);
}

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;

function dateTime(v, name, bugs) {
  str(v, name, { max: 64 });
  const m = DATE_TIME.exec(v);
  if (!m) throw new Reject(`${name} is not an RFC 3339 date-time`);
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number);
  const [oh, om] = [Number(m[8] || 0), Number(m[9] || 0)];
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  const days = mo === 2 && leap ? 29 : DAYS[mo - 1];
  if (mo < 1 || mo > 12 || d < 1 || d > days || h > 23 || mi > 59 || s > 60 || oh > 23 || om > 59) {
    throw new Reject(`${name} out of range`);
  }
  if (s === 60) {
    if (bugs.buggy) {
      const when = new Date(v.replace(':60', ':59'));
      when.leap.second = 60; // BUG: a TypeError (a crash) on every leap second
    }
    const sign = m[7] === '-' ? -1 : 1;
    const utc = (((h * 60 + mi - sign * (oh * 60 + om)) % 1440) + 1440) % 1440;
    if (utc !== 23 * 60 + 59) throw new Reject(`${name} leap second not at 23:59 UTC`);
  }
}

const HLC = /^[0-9a-fA-F]{4}:[0-9a-fA-F]{4}:[0-9a-fA-F]{4}$/;
const WINDOW = /^[0-9a-fA-F]{32}$/;

function need(msg, names) {
  for (const name of names) if (!msg.has(name)) throw new Reject(`${name} field is required`);
}

function beatframe(msg, bugs) {
  need(msg, ['cluster_id', 'beat_index', 'downbeat', 'phase', 'hlc', 'deadline_at', 'tempo_bpm', 'window_id']);
  str(msg.get('cluster_id'), 'cluster_id', { min: 1, max: 64, pattern: /^[A-Za-z0-9][A-Za-z0-9._-]*$/ });
  count(msg.get('beat_index'), 'beat_index', bugs.buggy); // BUG: a negative one accepted
  if (typeof msg.get('downbeat') !== 'boolean') throw new Reject('downbeat must be a boolean');
  oneOf(msg.get('phase'), 'phase', ['plan', 'execute', 'review']);
  str(msg.get('hlc'), 'hlc', { pattern: HLC });
  dateTime(msg.get('deadline_at'), 'deadline_at', bugs);
  num(msg.get('tempo_bpm'), 'tempo_bpm', 0.1, 10000);
  str(msg.get('window_id'), 'window_id', { pattern: WINDOW });
}

const STATES = ['idle', 'planning', 'executing', 'reviewing', 'completed', 'failed', 'blocked', 'helping'];

function statusclaim(msg, bugs) {
  need(msg, ['agent_id', 'beat_index', 'state', 'hlc']);
  str(msg.get('agent_id'), 'agent_id', { min: 1, max: 256 });
  count(msg.get('beat_index'), 'beat_index');
  oneOf(msg.get('state'), 'state', STATES);
  str(msg.get('hlc'), 'hlc', { pattern: HLC });
  if (msg.has('task_id')) str(msg.get('task_id'), 'task_id', { max: 256 });
  if (msg.has('beats_left')) {
    count(msg.get('beats_left'), 'beats_left');
    if (bugs.buggy && msg.get('beats_left') === 0) {
      throw new Reject('beats_left must be positive'); // BUG: 0 is valid
    }
  }
  if (msg.has('progress')) num(msg.get('progress'), 'progress', 0, 1);
  if (msg.has('notes')) str(msg.get('notes'), 'notes', { max: 4096 });
}

function issue(item) {
  if (!isObject(item)) throw new Reject('issue must be an object');
  need(item, ['code', 'severity', 'message']);
  str(item.get('code'), 'code', { max: 64, pattern: /^[a-z][a-z0-9_.-]*$/ });
  oneOf(item.get('severity'), 'severity', ['info', 'warning', 'error', 'critical']);
  str(item.get('message'), 'message', { max: 1024 });
  if (item.has('agent_id')) str(item.get('agent_id'), 'issue agent_id', { min: 1, max: 256 });
  if (item.has('beat_index')) count(item.get('beat_index'), 'issue beat_index');
}

const COUNTS = ['from_beat', 'to_beat', 'agents_reporting', 'on_time_reviews', 'help_promises_fulfilled'];

function barreport(msg) {
  need(msg, ['window_id', ...COUNTS, 'secret_rotations_ok', 'tempo_drift_ms', 'issues']);
  str(msg.get('window_id'), 'window_id', { pattern: WINDOW });
  for (const name of COUNTS) count(msg.get(name), name);
  if (typeof msg.get('secret_rotations_ok') !== 'boolean') throw new Reject('secret_rotations_ok must be a boolean');
  num(msg.get('tempo_drift_ms'), 'tempo_drift_ms');
  const issues = msg.get('issues');
  if (!Array.isArray(issues) || issues.length > 1000) throw new Reject('issues must be an array of <= 1000');
  for (const item of issues) issue(item);
  if (msg.get('from_beat') > msg.get('to_beat')) throw new Reject('from_beat > to_beat');
  if (msg.get('on_time_reviews') > msg.get('agents_reporting')) throw new Reject('on_time_reviews > agents_reporting');
}

const KINDS = {
  'backbeat.beatframe.v1': beatframe,
  'backbeat.statusclaim.v1': statusclaim,
  'backbeat.barreport.v1': barreport,
};

function validate(buffer, bugs = {}) {
  let text;
  try {
    text = utf8.decode(buffer);
  } catch (err) {
    throw new Reject('not UTF-8');
  }
  const msg = new Parser(text).document();
  if (!isObject(msg)) throw new Reject('not a JSON object');
  if (!msg.has('type')) throw new Reject('type field is required');
  const check = KINDS[msg.get('type')];
  if (!check) throw new Reject('unknown type');
  check(msg, bugs);
}

const MODES = { correct: { buggy: false }, buggy: { buggy: true } };
const bugs = MODES[process.argv[2]];
serve((message) => validate(message, bugs));
