// check.js served through the Node.js stdio adapter.
'use strict';
const path = require('path');
const { serve } = require(path.join(__dirname, '..', '..', 'examples', 'adapters', 'node', 'backbeat-stdio.js'));
const { check } = require('./check');

serve(check);
