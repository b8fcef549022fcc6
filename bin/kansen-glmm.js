#!/usr/bin/env -S node --no-concurrent-recompilation
/**
 * The glmm command as compiled JavaScript (`npm run --silent glmm -- ...`, or `kansen-glmm ...` after
 * `npm link`): checks that dist/ was built from the present src/ (a content fingerprint, a few ms;
 * scripts/build.cjs), builds it first if not (in a fresh clone: npm ci, then tsc, notes on stderr),
 * then runs dist/cli/glmm.js in this process. No TypeScript loader at run time.
 *
 * --no-concurrent-recompilation: V8 optimises the hot row kernels on the main thread, at the point they
 * become hot, instead of in background threads whose result a short fit often does not live to use
 * (a 20,000-row model-2 fit ran its first kernel calls unoptimised while the compiler threads took
 * 0.4 s of its 1.0 s CPU). Measured, alternating runs at load 5: 1.00 s CPU (median of 6) with the
 * flag against 1.34 s without. V8 flags cannot be set from inside the process, hence the shebang
 * (env -S, coreutils >= 8.30) and the same flag in package.json's "glmm" script.
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
