import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

test("README opens with the reproduce command and the test command, and .ci/run calls the test command", () => {
  const readme = readFileSync("README.md", "utf8");
  const block = /```sh\n([\s\S]*?)```/.exec(readme);
  assert.ok(block, "README.md has a sh code block");
  const commands = block[1].trim().split("\n").map((line) => line.replace(/#.*$/, "").trim());
  assert.deepEqual(commands, ["npm run reproduce", "npm test"]);
  const ci = readFileSync(".ci/run", "utf8");
  assert.match(ci, /^npm test$/m);
});
