'use strict';
// A consumer validating with ajv (JSON Schema draft 2020-12) and ajv-formats, served as a
// backbeat-fuzz `stdio:` target through the project's Node.js adapter:
//
//   stdio:node tests/consumers/ajv/consumer.js NODE_MODULES SCHEMAS_DIR
//
// NODE_MODULES holds ajv and ajv-formats at the versions of package-lock.json here (the test
// fixture installs them with `npm ci`); SCHEMAS_DIR is the packaged schemas folder. The message
// is parsed with JSON.parse, as users do; ajv runs with strict: false (the schemas carry
// annotations such as x-version that strict mode refuses) and every format of ajv-formats.
// The cross-field rules of rules-v1.json are not JSON Schema, so nothing checks them.

const fs = require('fs');
const path = require('path');

const [nodeModules, schemasDir] = process.argv.slice(2).map((arg) => path.resolve(arg));
const { serve, Reject } = require(
  path.join(__dirname, '..', '..', '..', 'examples', 'adapters', 'node', 'backbeat-stdio'),
);
const Ajv2020 = require(path.join(nodeModules, 'ajv', 'dist', '2020')).default;
const addFormats = require(path.join(nodeModules, 'ajv-formats')).default;

const ajv = new Ajv2020({ strict: false });
addFormats(ajv);

const validators = new Map();
for (const name of fs.readdirSync(schemasDir).sort()) {
  if (!name.endsWith('.schema.json')) continue;
  const schema = JSON.parse(fs.readFileSync(path.join(schemasDir, name), 'utf8'));
  validators.set(schema.properties.type.const, ajv.compile(schema));
}

function handle(text) {
  const message = JSON.parse(text); // a SyntaxError rejects
  const kind = message !== null && typeof message === 'object' ? message.type : undefined;
  const validate = typeof kind === 'string' ? validators.get(kind) : undefined;
  if (validate === undefined) throw new Reject(`unknown message type ${JSON.stringify(kind)}`);
  if (!validate(message)) {
    const [error] = validate.errors;
    throw new Reject(`${error.instancePath || '/'} ${error.message}`);
  }
}

serve(handle, { text: true });
