import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";

/**
 * The product speaks of itself only (issue 12, item 6): no document, code, test or script assumes a
 * folder outside the repository. Checked over every tracked file: no path into the machine it was
 * written on, no name of a folder beside the repository, and no relative path (an import, a Markdown
 * link, a require) that climbs out of it.
 */
const ROOT = resolve(__dirname, "..", "..");

function trackedFiles(): string[] {
  try {
    return execFileSync("git", ["ls-files", "-z"], { cwd: ROOT, encoding: "utf8" }).split("\0").filter((f) => f !== "");
  } catch {
    // Not a git checkout (an unpacked archive): every file but what the workspace makes itself.
    const skip = new Set(["node_modules", "dist", "data", "outputs", ".git", ".jupyter-local"]);
    const out: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
        const path = dir === "" ? entry.name : `${dir}/${entry.name}`;
        if (entry.isDirectory()) {
          if (!skip.has(entry.name) && !entry.name.startsWith("outputs.")) walk(path);
        } else out.push(path);
      }
    };
    walk("");
    return out;
  }
}

/** Text files worth reading (the lockfile lists registry URLs only). */
const files = trackedFiles().filter((f) => f !== "package-lock.json" && statSync(join(ROOT, f)).size < 2_000_000 && !/\.(png|jpg|gz|zip)$/.test(f));

function read(file: string): string {
  return readFileSync(join(ROOT, file), "utf8");
}

/** A 1-based line number of an offset, for the message. */
function lineOf(text: string, offset: number): number {
  return text.slice(0, offset).split("\n").length;
}

test("no tracked file names a folder of the machine it was written on, or one beside the repository", () => {
  // This file names the patterns it looks for; the patterns are built so that it does not match itself.
  const outside = [
    ["/", "work/"].join(""),
    ["..", "/shared"].join(""),
    ["shared", "/seeds"].join(""),
    ["shared", "/reference"].join(""),
    ["shared", "/notes"].join(""),
    ["wt", "-clone"].join(""),
  ];
  const hits: string[] = [];
  for (const file of files) {
    const text = read(file);
    for (const pattern of outside) {
      let at = text.indexOf(pattern);
      while (at >= 0) {
        hits.push(`${file}:${lineOf(text, at)}: ${JSON.stringify(pattern)}`);
        at = text.indexOf(pattern, at + 1);
      }
    }
  }
  assert.deepEqual(hits, []);
});

test("no relative path in code, tests, scripts or documents climbs out of the repository", () => {
  const escapes: string[] = [];
  const check = (file: string, text: string, at: number, target: string): void => {
    if (!target.startsWith("..")) return;
    const resolved = resolve(ROOT, dirname(file), target);
    const rel = relative(ROOT, resolved);
    if (rel === ".." || rel.startsWith(`..${sep}`)) escapes.push(`${file}:${lineOf(text, at)}: ${target}`);
  };
  for (const file of files) {
    const text = read(file);
    if (/\.(ts|mjs|cjs|js)$/.test(file)) {
      // import ... from "../x", require("../x"), import("../x")
      for (const m of text.matchAll(/(?:from\s+|require\(\s*|import\(\s*)["'](\.\.[^"']*)["']/g)) check(file, text, m.index ?? 0, m[1]);
    }
    if (/\.(md|ipynb)$/.test(file)) {
      // Markdown links and images: [text](../x). (Inline code such as `../src/x` is not a link: its base
      // is whatever the sentence says, so the folder names above catch what matters there.)
      for (const m of text.matchAll(/\]\((\.\.[^)\s#]*)/g)) check(file, text, m.index ?? 0, m[1]);
    }
  }
  assert.deepEqual(escapes, []);
});

test("the table book and the methodology are inside the repository, and what cites them cites those copies", () => {
  for (const copy of ["reference/bijlage-3a/bijlage-3a.txt", "reference/bijlage-3b/bijlage-3b.txt"]) assert.ok(files.includes(copy), copy);
  const index = JSON.parse(read("notebooks/methodology-index.json")) as { source: string };
  assert.match(index.source, /reference\/bijlage-3a\/bijlage-3a\.txt/);
  assert.match(read("reference/bijlage-3b/README.md"), /`bijlage-3b\.txt`/);
});
