#!/usr/bin/env node
// The `concord` command. The sources are TypeScript, run through tsx's require hook (no build step).
require('tsx/cjs');
require('../server/cli/index.ts');
