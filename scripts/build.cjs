#!/usr/bin/env node
/**
 * Builds src/ -> dist/ (tsc), serves it to the notebooks as node_modules/kansen-mbo (link-dist.mjs),
 * removes compiled files whose source is gone, and records what it was built from.
 *
 *   node scripts/build.cjs              build (npm run build)
 *   node scripts/build.cjs --if-stale   build only if dist/ is missing or was built from other sources
 *
 * "Other sources" is decided by content, not by time stamps: dist/.build-fingerprint holds the SHA-256
 * of every file tsc reads from the repository (src/**, tsconfig.json, package-lock.json for the
 * TypeScript version), computed before tsc ran; a clone, a checkout or an edit that changes any of
 * them makes dist/ stale, one that changes nothing does not. Checking costs a few milliseconds, so
 * the glmm command (bin/kansen-glmm.js) checks on every call and scripts/setup.sh on every run.
 *
 * ensureBuilt() is the library form: it installs the npm packages first when TypeScript is missing
 * (a fresh clone: `npm ci`), then builds if stale. Everything it prints goes to stderr, so a command
 * whose stdout is its result (glmm --json) stays clean.
 */
"use strict";
const { createHash } = require("node:crypto");
const { existsSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, writeFileSync } = require("node:fs");
const { join, relative, resolve } = require("node:path");
const { spawnSync } = require("node:child_process");

const ROOT = resolve(__dirname, "..");
/** Where the fingerprint of the sources dist/ was built from is kept, relative to the root. */
const FINGERPRINT = join("dist", ".build-fingerprint");
/** Besides src/: the files whose content decides what tsc produces. */
const BUILD_INPUTS = ["tsconfig.json", "package-lock.json"];

function filesUnder(dir, out = []) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) filesUnder(path, out);
    else out.push(path);
  }
  return out;
}

/** SHA-256 over the path and content of every build input, in a fixed order. */
function fingerprint(root = ROOT) {
  const hash = createHash("sha256");
  const files = [...filesUnder(join(root, "src")), ...BUILD_INPUTS.map((f) => join(root, f))].filter((f) => existsSync(f));
  files.sort();
  for (const file of files) {
    hash.update(relative(root, file));
    hash.update("\0");
    hash.update(readFileSync(file));
    hash.update("\0");
  }
  return hash.digest("hex");
}

/** Why dist/ must be rebuilt, or null when it was built from exactly the present sources. */
function staleness(root = ROOT) {
  if (!existsSync(join(root, "dist", "cli", "glmm.js")) || !existsSync(join(root, "dist", "package.json"))) return "dist/ is missing";
  let recorded = "";
  try {
    recorded = readFileSync(join(root, FINGERPRINT), "utf8").trim();
  } catch {
    return "dist/ records no build fingerprint";
  }
  return recorded === fingerprint(root) ? null : "src/ changed since dist/ was built";
}

function run(command, args, what) {
  const r = spawnSync(command, args, { cwd: ROOT, stdio: ["ignore", process.stderr, process.stderr] });
  if (r.status !== 0) {
    const why = r.error ? r.error.message : `exit status ${r.status}`;
    throw new Error(`${what} failed (${why})`);
  }
}

/** Compiled files (.js, .d.ts and their maps) whose src/ file no longer exists: removed, so nothing stale can be imported. */
function removeOrphans(root = ROOT) {
  const dist = join(root, "dist");
  if (!existsSync(dist)) return;
  for (const file of filesUnder(dist)) {
    const m = /^(.*?)(\.d\.ts|\.js)(\.map)?$/.exec(relative(dist, file));
    if (!m) continue;
    if (!existsSync(join(root, "src", `${m[1]}.ts`))) rmSync(file);
  }
}

/** tsc, link-dist, orphans, fingerprint. The fingerprint is taken before tsc reads the sources. */
function build() {
  const print = fingerprint();
  // The same tsc as `tsc` in an npm script: node_modules/.bin/tsc (npm links it to the TypeScript of
  // @tslab/typescript-for-tslab, 5.0, which the notebooks' kernel compiles with too).
  const bin = join(ROOT, "node_modules", ".bin", "tsc");
  if (!existsSync(bin)) throw new Error("TypeScript is not installed (node_modules/.bin/tsc); run `npm ci` first");
  const tsc = realpathSync(bin);
  const file = join(ROOT, FINGERPRINT);
  rmSync(file, { force: true });
  run(process.execPath, [tsc, "-p", "tsconfig.json"], "tsc -p tsconfig.json");
  run(process.execPath, [join(ROOT, "scripts", "link-dist.mjs")], "scripts/link-dist.mjs");
  removeOrphans();
  // Written last and atomically: a build that stopped half-way leaves no fingerprint, so it is redone.
  writeFileSync(`${file}.tmp`, `${print}\n`);
  renameSync(`${file}.tmp`, file);
}

/**
 * Makes dist/ current: `npm ci` if the packages are not installed, a build if dist/ is stale.
 * `who` prefixes the notes on stderr. Returns what was done ("" when nothing was needed).
 */
function ensureBuilt(who = "build") {
  const done = [];
  if (!existsSync(join(ROOT, "node_modules", ".bin", "tsc"))) {
    process.stderr.write(`${who}: the npm packages are not installed; running npm ci (once)\n`);
    const npm = process.env["npm_execpath"];
    if (npm) run(process.execPath, [npm, "ci", "--no-audit", "--no-fund"], "npm ci");
    else run("npm", ["ci", "--no-audit", "--no-fund"], "npm ci");
    done.push("npm ci");
  }
  const why = staleness();
  if (why !== null) {
    process.stderr.write(`${who}: ${why}; building (tsc)\n`);
    build();
    done.push("build");
  }
  return done.join(", ");
}

module.exports = { FINGERPRINT, fingerprint, staleness, removeOrphans, build, ensureBuilt };

if (require.main === module) {
  try {
    if (process.argv.includes("--if-stale")) ensureBuilt("build");
    else build();
  } catch (error) {
    process.stderr.write(`build: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
