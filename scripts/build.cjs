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
 * them makes dist/ stale, one that changes nothing does not. The glmm command (bin/kansen-glmm.js)
 * checks on every call and scripts/setup.sh on every run.
 *
 * Listing and hashing the ~180 inputs costs 40-50 ms, most of a call's start-up. dist/.build-stamps
 * therefore keeps, next to the fingerprint they were hashed for, the stat (inode, size, mtime, ctime)
 * of every input and of every folder under src/: when they all have the same stat, the folders hold
 * the same files (adding, removing or renaming an entry moves its folder's times) and the files the
 * content that was hashed (any write moves ctime, which no user call can set back), and the check
 * costs one stat per path (a few ms). Any difference -- a new, removed or touched file, a fresh
 * clone -- falls back to hashing the content, which decides; a match then records the new stat.
 *
 * ensureBuilt() is the library form: it installs the npm packages first when TypeScript is missing
 * (a fresh clone: `npm ci`), then builds if stale. Everything it prints goes to stderr, so a command
 * whose stdout is its result (glmm --json) stays clean.
 */
"use strict";
const { existsSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } = require("node:fs");
const { join, relative, resolve } = require("node:path");

const ROOT = resolve(__dirname, "..");
/** Where the fingerprint of the sources dist/ was built from is kept, relative to the root. */
const FINGERPRINT = join("dist", ".build-fingerprint");
/** The stat of every build input when the fingerprint was last confirmed by hashing, relative to the root. */
const STAMPS = join("dist", ".build-stamps");
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

/** Every build input (src/**, BUILD_INPUTS that exist), sorted. */
function buildInputs(root) {
  const files = [...filesUnder(join(root, "src")), ...BUILD_INPUTS.map((f) => join(root, f))].filter((f) => existsSync(f));
  return files.sort();
}

/** SHA-256 over the path and content of every build input, in a fixed order. */
function fingerprint(root = ROOT) {
  // Loaded here: a check that the stamps answer never needs it.
  const hash = require("node:crypto").createHash("sha256");
  for (const file of buildInputs(root)) {
    hash.update(relative(root, file));
    hash.update("\0");
    hash.update(readFileSync(file));
    hash.update("\0");
  }
  return hash.digest("hex");
}

/**
 * The stat of a build input or a folder under src/, "path inode size mtime ctime" (times in ms with
 * their sub-ms fraction), or "path absent" (tsconfig.json or package-lock.json missing). A folder's times move when an entry is added, removed or
 * renamed in it, so the same folder stamps mean the same list of files, without reading the folders.
 */
function stampLine(root, path) {
  const s = statSync(path, { throwIfNoEntry: false });
  if (s === undefined) return `${relative(root, path)}\0absent`;
  return `${relative(root, path)}\0${s.ino}\0${s.size}\0${s.mtimeMs}\0${s.ctimeMs}`;
}

/** The stamps of the present inputs, from a listing of the folders (what a build and a hash record). */
function inputStamps(root) {
  const folders = [];
  const walk = (dir) => {
    folders.push(dir);
    for (const entry of readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) walk(join(dir, entry.name));
  };
  walk(join(root, "src"));
  const files = buildInputs(root).filter((f) => !BUILD_INPUTS.includes(relative(root, f)));
  return [...folders.sort(), ...files, ...BUILD_INPUTS.map((f) => join(root, f))].map((path) => stampLine(root, path)).join("\n");
}

/** The stamps of the paths a stamps text lists, as they are now. */
function restamp(root, kept) {
  const lines = kept.split("\n").slice(1, -1);
  return lines.map((line) => stampLine(root, join(root, line.slice(0, line.indexOf("\0"))))).join("\n");
}

/** The stamps file's text for this fingerprint and these stamps. */
function stampsText(print, stamps) {
  return `${print}\n${stamps}\n`;
}

/** Writes dist/.build-stamps atomically (best effort: a read-only dist/ only costs the fast path). */
function writeStamps(root, print, stamps) {
  const file = join(root, STAMPS);
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, stampsText(print, stamps));
    renameSync(tmp, file);
  } catch {
    rmSync(tmp, { force: true });
  }
}

/**
 * Why dist/ must be rebuilt, or null when it was built from exactly the present sources. The stamps
 * answer when every input has the stat it had when its content was last hashed; otherwise the
 * content is hashed, and a match records the present stat (refresh = false: check only).
 */
function staleness(root = ROOT, refresh = true) {
  if (!existsSync(join(root, "dist", "cli", "glmm.js")) || !existsSync(join(root, "dist", "package.json"))) return "dist/ is missing";
  let recorded = "";
  try {
    recorded = readFileSync(join(root, FINGERPRINT), "utf8").trim();
  } catch {
    return "dist/ records no build fingerprint";
  }
  let kept = "";
  try {
    kept = readFileSync(join(root, STAMPS), "utf8");
  } catch {
    /* no stamps yet: hash */
  }
  // The paths the stamps list, restamped; equal only if they belong to this fingerprint and nothing moved.
  if (kept.startsWith(`${recorded}\n`) && kept === stampsText(recorded, restamp(root, kept))) return null;
  const stamps = inputStamps(root);
  if (recorded !== fingerprint(root)) return "src/ changed since dist/ was built";
  if (refresh) writeStamps(root, recorded, stamps);
  return null;
}

function run(command, args, what) {
  const r = require("node:child_process").spawnSync(command, args, { cwd: ROOT, stdio: ["ignore", process.stderr, process.stderr] });
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

/** tsc, link-dist, orphans, fingerprint. The fingerprint (and the stamps) are taken before tsc reads the sources. */
function build() {
  const stamps = inputStamps(ROOT);
  const print = fingerprint();
  // The same tsc as `tsc` in an npm script: node_modules/.bin/tsc (npm links it to the TypeScript of
  // @tslab/typescript-for-tslab, 5.0, which the notebooks' kernel compiles with too).
  const bin = join(ROOT, "node_modules", ".bin", "tsc");
  if (!existsSync(bin)) throw new Error("TypeScript is not installed (node_modules/.bin/tsc); run `npm ci` first");
  const tsc = realpathSync(bin);
  const file = join(ROOT, FINGERPRINT);
  rmSync(file, { force: true });
  rmSync(join(ROOT, STAMPS), { force: true });
  run(process.execPath, [tsc, "-p", "tsconfig.json"], "tsc -p tsconfig.json");
  run(process.execPath, [join(ROOT, "scripts", "link-dist.mjs")], "scripts/link-dist.mjs");
  removeOrphans();
  // Written last and atomically: a build that stopped half-way leaves no fingerprint, so it is redone.
  writeFileSync(`${file}.tmp`, `${print}\n`);
  renameSync(`${file}.tmp`, file);
  writeStamps(ROOT, print, stamps);
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

module.exports = { FINGERPRINT, STAMPS, fingerprint, staleness, removeOrphans, build, ensureBuilt };

if (require.main === module) {
  try {
    if (process.argv.includes("--if-stale")) ensureBuilt("build");
    else build();
  } catch (error) {
    process.stderr.write(`build: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
