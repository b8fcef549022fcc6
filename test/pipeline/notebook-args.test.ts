import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { NotebookUsageError, parseNotebookArgs } from "../../src/pipeline/notebook-args";

test("npm run notebook flags: defaults, --port N / --port=N, --no-browser, --config relative to where the command was typed", () => {
  assert.deepEqual(parseNotebookArgs([]), { port: undefined, openBrowser: true, configPath: undefined });
  assert.deepEqual(parseNotebookArgs(["--port", "8900", "--no-browser"]), { port: 8900, openBrowser: false, configPath: undefined });
  assert.equal((parseNotebookArgs(["--port=9001", "--skip-setup"]) as { port: number }).port, 9001);
  const saved = process.env["INIT_CWD"];
  try {
    process.env["INIT_CWD"] = "/home/r/study";
    assert.equal((parseNotebookArgs(["--config", "small.json"]) as { configPath: string }).configPath, join("/home/r/study", "small.json"));
    assert.equal((parseNotebookArgs(["--config=/etc/k.json"]) as { configPath: string }).configPath, "/etc/k.json");
  } finally {
    if (saved === undefined) delete process.env["INIT_CWD"];
    else process.env["INIT_CWD"] = saved;
  }
  assert.equal(parseNotebookArgs(["--help"]), "help");
  assert.equal(parseNotebookArgs(["--no-browser", "-h"]), "help");
});

test("npm run notebook flags: a bad port, a missing value or an unknown flag is named on the first line", () => {
  const firstLine = (argv: string[]): string => {
    try {
      parseNotebookArgs(argv);
    } catch (error) {
      assert.ok(error instanceof NotebookUsageError);
      return error.message.split("\n")[0] ?? "";
    }
    return assert.fail(`accepted ${argv.join(" ")}`);
  };
  assert.equal(firstLine(["--port", "http"]), '--port needs a port number from 1 to 65535, got "http"');
  assert.equal(firstLine(["--port", "70000"]), '--port needs a port number from 1 to 65535, got "70000"');
  assert.equal(firstLine(["--port"]), "--port needs a value");
  assert.equal(firstLine(["--config", "--no-browser"]), "--config needs a value");
  assert.equal(firstLine(["--lab"]), 'unknown argument "--lab"');
});
