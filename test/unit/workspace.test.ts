import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, statSync } from "node:fs";

/** The commands of README's first sh block, comments stripped. */
function readmeCommands(): string[] {
  const readme = readFileSync("README.md", "utf8");
  const block = /```sh\n([\s\S]*?)```/.exec(readme);
  assert.ok(block, "README.md has a sh code block");
  assert.ok(readme.indexOf(block[0]) < readme.indexOf("\n## "), "the block comes before the first section");
  return block[1].trim().split("\n").map((line) => line.replace(/#.*$/, "").trim());
}

/** The commands .ci/run runs in the clone: the arguments of its `step` lines, in order. */
function ciCommands(): string[] {
  const ci = readFileSync(".ci/run", "utf8");
  return [...ci.matchAll(/^step (.+)$/gm)].map((m) => m[1].trim());
}

test("README opens with the reproduce command and the test command", () => {
  assert.deepEqual(readmeCommands(), ["npm run reproduce", "npm test"]);
});

test(".ci/run runs README's two commands, in README's order and as README gives them (the reproduce with a scale flag only)", () => {
  const readme = readmeCommands();
  const ci = ciCommands();
  assert.equal(ci.length, readme.length, `.ci/run steps: ${ci.join(" | ")}`);
  readme.forEach((command, k) => {
    const extra = ci[k].startsWith(command) ? ci[k].slice(command.length).trim() : null;
    assert.notEqual(extra, null, `step ${k + 1} of .ci/run is "${ci[k]}", README's command is "${command}"`);
    if (command === "npm run reproduce") assert.match(extra ?? "", /^(-- --scale "?\$scale"?)?$/, "only a scale may be added");
    else assert.equal(extra, "", "the command exactly as README gives it");
  });
});

test(".ci/run works in a fresh clone of HEAD, alone in an empty temporary folder, with no outside settings", () => {
  const ci = readFileSync(".ci/run", "utf8");
  assert.ok(statSync(".ci/run").mode & 0o100, ".ci/run is executable");
  assert.match(ci, /^#!\/usr\/bin\/env bash\n/);
  assert.match(ci, /^set -euo pipefail$/m);
  assert.match(ci, /work="\$\(mktemp -d [^)]*\)"/, "an empty temporary folder");
  assert.match(ci, /git clone --quiet --no-checkout "\$repo" "\$clone"\n\s*git -C "\$clone" checkout --quiet --detach "\$commit"/, "HEAD, cloned");
  assert.match(ci, /^\s*clone="\$work\/kansen-mbo"$/m, "the clone is the folder's only entry");
  // Each README command is the first command in a clone of its own.
  const steps = ci.split("\n").filter((l) => /^(fresh_clone|cd "\$clone"|step .+)$/.test(l));
  assert.deepEqual(steps.map((l) => l.split(" ")[0]), ["fresh_clone", "cd", "step", "fresh_clone", "cd", "step"]);
  assert.match(ci, /^unset KANSEN_CONFIG KANSEN_REFERENCE_DIR KANSEN_RUN_DIR KANSEN_RUN_LOG KANSEN_GLMM_THREADS$/m);
  // Nothing is installed or built before README's commands: each installs what it needs itself.
  const code = ci.split("\n").filter((l) => !l.trimStart().startsWith("#") && !/^\s*echo /.test(l)).join("\n");
  assert.doesNotMatch(code.replace(/^step .*$/gm, ""), /setup\.sh|npm (ci|install|run|test)|tsc/);
});

test("each README command installs what it needs first (scripts/setup.sh, idempotent)", () => {
  const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { scripts: Record<string, string> };
  assert.match(pkg.scripts["test"], /^bash scripts\/setup\.sh && /);
  assert.equal(pkg.scripts["reproduce"], "bash scripts/reproduce.sh");
  assert.match(readFileSync("scripts/reproduce.sh", "utf8"), /\n  bash scripts\/setup\.sh\n/);
  // setup.sh needs nothing from npm: it is what installs npm's packages.
  const setup = readFileSync("scripts/setup.sh", "utf8");
  assert.ok(setup.indexOf("npm ci") < setup.indexOf("node scripts/build.cjs"), "install before build");
  assert.doesNotMatch(setup.slice(0, setup.indexOf("npm ci")), /node_modules\/\.bin|npx |tsx|tsc/);
});
