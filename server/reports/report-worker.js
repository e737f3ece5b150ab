// Worker threads do not inherit the parent's require hooks: register tsx here, then run the TypeScript worker.
require('tsx/cjs');
require('./report.worker.ts');
