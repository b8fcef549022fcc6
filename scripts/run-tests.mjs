#!/usr/bin/env node
// Runs the test suite with node's own test runner and the tsx TypeScript loader.
// Usage: node scripts/run-tests.mjs [path-or-folder ...]   (default: every test/**/*.test.ts)
import { readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { spawnSync } from "node:child_process";

function collect(path, out) {
  const st = statSync(path);
  if (st.isDirectory()) {
    for (const entry of readdirSync(path).sort()) collect(join(path, entry), out);
  } else if (path.endsWith(".test.ts")) {
    out.push(path);
  }
  return out;
}

const roots = process.argv.slice(2);
const files = (roots.length ? roots : ["test"]).flatMap((r) => collect(resolve(r), []));
if (files.length === 0) {
  console.error("run-tests: no test files found under", roots.length ? roots.join(", ") : "test/");
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  ["--test", "--test-reporter=spec", "--test-concurrency=1", "--import", "tsx", ...files],
  { stdio: "inherit" },
);
process.exit(result.status ?? 1);
