#!/usr/bin/env node
/**
 * The glmm command as compiled JavaScript (`npm run --silent glmm -- ...`, or `kansen-glmm ...` after
 * `npm link`): checks that dist/ was built from the present src/ (a content fingerprint, a few ms;
 * scripts/build.cjs), builds it first if not (in a fresh clone: npm ci, then tsc, notes on stderr),
 * then runs dist/cli/glmm.js in this process. No TypeScript loader at run time.
 */
"use strict";
const { ensureBuilt } = require("../scripts/build.cjs");

try {
  ensureBuilt("glmm");
} catch (error) {
  process.stderr.write(`glmm: cannot build the command: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
const { runGlmm } = require("../dist/cli/glmm.js");
process.exitCode = runGlmm(process.argv.slice(2));
