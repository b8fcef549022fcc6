#!/usr/bin/env node
// Serves the compiled src/ (dist/) to the notebooks as the package "kansen-mbo".
// tslab roots its compilation at the notebook's folder and ignores tsconfig.json, so notebooks
// cannot import "../src/x"; they import "kansen-mbo/<module>" instead, resolved through
// node_modules/kansen-mbo -> dist/ (JavaScript plus .d.ts declarations from `tsc`).
import { writeFileSync, symlinkSync, lstatSync, unlinkSync, existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";

const root = resolve(new URL("..", import.meta.url).pathname);
const dist = join(root, "dist");
if (!existsSync(dist)) {
  console.error("link-dist: dist/ does not exist; run `npm run build` first");
  process.exit(1);
}
const version = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version;
writeFileSync(
  join(dist, "package.json"),
  JSON.stringify({ name: "kansen-mbo", version, private: true, main: "index.js", types: "index.d.ts" }, null, 2) + "\n",
);
const link = join(root, "node_modules", "kansen-mbo");
try {
  lstatSync(link);
  unlinkSync(link);
} catch {
  /* no previous link */
}
symlinkSync("../dist", link, "dir");
