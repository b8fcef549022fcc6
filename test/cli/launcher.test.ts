import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { FINGERPRINT, STAMPS, fingerprint, removeOrphans, staleness, ensureBuilt } from "../../scripts/build.cjs";

const ROOT = resolve(__dirname, "..", "..");

/** A miniature repository: src/, tsconfig.json, package-lock.json and a dist/ built from them. */
function miniature(): string {
  const root = mkdtempSync(join(tmpdir(), "kansen-build-"));
  mkdirSync(join(root, "src", "cli"), { recursive: true });
  mkdirSync(join(root, "dist", "cli"), { recursive: true });
  writeFileSync(join(root, "src", "cli", "glmm.ts"), "export const x = 1;\n");
  writeFileSync(join(root, "src", "a.ts"), "export const a = 'abc';\n");
  writeFileSync(join(root, "tsconfig.json"), "{}\n");
  writeFileSync(join(root, "package-lock.json"), "{}\n");
  writeFileSync(join(root, "dist", "cli", "glmm.js"), "exports.x = 1;\n");
  writeFileSync(join(root, "dist", "package.json"), "{}\n");
  writeFileSync(join(root, FINGERPRINT), fingerprint(root) + "\n");
  return root;
}

test("dist/ is stale exactly when a build input's content changes, even at the same size and time", () => {
  const root = miniature();
  try {
    assert.equal(staleness(root), null);
    const file = join(root, "src", "a.ts");
    const { atime, mtime } = statSync(file);
    writeFileSync(file, "export const a = 'abd';\n"); // same size
    utimesSync(file, atime, mtime); // same time
    assert.equal(staleness(root), "src/ changed since dist/ was built");
    writeFileSync(file, "export const a = 'abc';\n");
    assert.equal(staleness(root), null, "the same content again: current");
    writeFileSync(join(root, "src", "b.ts"), "export {};\n");
    assert.equal(staleness(root), "src/ changed since dist/ was built", "a new source file");
    rmSync(join(root, "src", "b.ts"));
    writeFileSync(join(root, "package-lock.json"), '{"lockfileVersion":3}\n');
    assert.equal(staleness(root), "src/ changed since dist/ was built", "another TypeScript version");
    rmSync(join(root, FINGERPRINT));
    assert.equal(staleness(root), "dist/ records no build fingerprint");
    rmSync(join(root, "dist"), { recursive: true });
    assert.equal(staleness(root), "dist/ is missing");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("the stat stamps only spare the hashing: they answer for the fingerprint they were written with, and any stat change goes back to the content", () => {
  const root = miniature();
  try {
    assert.ok(!existsSync(join(root, STAMPS)));
    assert.equal(staleness(root, false), null, "no stamps: hashed");
    assert.ok(!existsSync(join(root, STAMPS)), "refresh = false writes nothing");
    assert.equal(staleness(root), null);
    const stamps = readFileSync(join(root, STAMPS), "utf8");
    assert.equal(stamps.split("\n")[0], fingerprint(root), "the stamps name the fingerprint they belong to");
    assert.equal(stamps.trim().split("\n").length, 1 + 2 + 4, "one line per folder under src/ and per build input");
    // Stamps of another fingerprint: not trusted, the content decides (and it changed).
    writeFileSync(join(root, "src", "a.ts"), "export const a = 'xyz';\n");
    writeFileSync(join(root, STAMPS), stamps.replace(/^[0-9a-f]+/, "0".repeat(64)));
    assert.equal(staleness(root), "src/ changed since dist/ was built");
    // The same content again under a new stat (ctime moved): hashed, current, stamps renewed.
    writeFileSync(join(root, "src", "a.ts"), "export const a = 'abc';\n");
    assert.equal(staleness(root), null);
    assert.notEqual(readFileSync(join(root, STAMPS), "utf8"), stamps);
    // A new file in a folder of src/ moves the folder's stamp.
    mkdirSync(join(root, "src", "new"));
    assert.equal(staleness(root), null, "an empty folder changes no content");
    assert.match(readFileSync(join(root, STAMPS), "utf8"), /^src\/new\0/m, "and is stamped");
    writeFileSync(join(root, "src", "new", "c.ts"), "export {};\n");
    assert.equal(staleness(root), "src/ changed since dist/ was built");
    rmSync(join(root, "src", "new"), { recursive: true });
    assert.equal(staleness(root), null);
    assert.equal(staleness(root), null, "and again from the stamps");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("a build removes compiled files whose source is gone, so nothing stale can be imported", () => {
  const root = miniature();
  try {
    for (const f of ["old.js", "old.js.map", "old.d.ts", "old.d.ts.map"]) writeFileSync(join(root, "dist", f), "");
    writeFileSync(join(root, "dist", "a.js"), "");
    removeOrphans(root);
    assert.deepEqual(["old.js", "old.js.map", "old.d.ts", "old.d.ts.map"].filter((f) => existsSync(join(root, "dist", f))), []);
    assert.ok(existsSync(join(root, "dist", "a.js")) && existsSync(join(root, "dist", "cli", "glmm.js")) && existsSync(join(root, "dist", "package.json")));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("npm run glmm runs the compiled command (bin/kansen-glmm.js -> dist/cli/glmm.js), never a TypeScript loader", () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string>; bin: Record<string, string> };
  assert.equal(pkg.scripts["glmm"], "node --no-concurrent-recompilation bin/kansen-glmm.js");
  assert.deepEqual(pkg.bin, { "kansen-glmm": "bin/kansen-glmm.js" });
  const launcher = readFileSync(join(ROOT, "bin", "kansen-glmm.js"), "utf8");
  // The executable (npm link's kansen-glmm) starts node with the same V8 flag as the npm script.
  assert.match(launcher, /^#!\/usr\/bin\/env -S node --no-concurrent-recompilation\n/);
  assert.match(launcher, /require\("\.\.\/dist\/cli\/glmm\.js"\)/);
  assert.doesNotMatch(launcher, /tsx/);
  ensureBuilt("test");
  // The process loads no module of tsx nor any .ts file.
  const probe = `process.on("exit", () => { const m = Object.keys(require.cache).filter((f) => /tsx|\\.ts$/.test(f)); process.stderr.write("LOADED " + JSON.stringify(m)); }); process.argv.splice(1, 0, "kansen-glmm"); require(${JSON.stringify(join(ROOT, "bin", "kansen-glmm.js"))});`;
  const r = spawnSync(process.execPath, ["-e", probe, "--", "--help"], { encoding: "utf8", cwd: ROOT });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^usage: npm run --silent glmm -- fit/);
  assert.match(r.stderr, /LOADED \[\]$/);
});
