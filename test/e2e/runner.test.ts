/**
 * The headless runner on notebooks written by the test: it must name the failing notebook and cell
 * (position, id, tags, first line) and the error message, which tslab hands Jupyter only as a bare
 * "<Error>:"; stop at the first failure; and echo what a cell writes to the kernel's stderr (progress).
 * Skips, saying why, only when Jupyter or the tslab kernel is not installed.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cellSource, jupyterStatus, readNotebook, runNotebooks } from "../../src/pipeline/notebooks";
import { writeNotebook } from "./notebook-fixtures";

const jupyter = jupyterStatus();
const skip = jupyter.available ? false : `Jupyter is not installed, so notebooks cannot run: ${jupyter.reason}`;

test("the runner names the notebook, cell, id, tags, first line and message of a failing cell, and stops there", { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "kansen-runner-"));
  const ok = writeNotebook(join(dir, "01-ok.ipynb"), [
    { id: "title", source: "# Een titel\n## Een sectie", markdown: true },
    { id: "compute", source: 'const n: number = 6 * 7;\nrequire("fs").writeSync(2, "[voortgang] halverwege\\n");\nconsole.log("n =", n);' },
  ]);
  const failing = writeNotebook(join(dir, "02-fails.ipynb"), [
    { id: "intro", source: "Uitleg", markdown: true },
    { id: "setup", source: "const rows: number[] = [1, 2, 3];" },
    { id: "boom", tags: ["3a-3.2-test", "second-tag"], source: 'const total = rows.reduce((a, b) => a + b, 0);\nif (total > 5) throw new RangeError(`deliberate failure: total ${total}`);' },
    { id: "after", source: 'console.log("must not run");' },
  ]);
  const never = writeNotebook(join(dir, "03-never.ipynb"), [{ id: "x", source: 'console.log("must not run either");' }]);

  const result = await runNotebooks([ok, failing, never], {
    outDir: join(dir, "executed"),
    htmlDir: join(dir, "html"),
    summaryPath: join(dir, "summary.json"),
    capture: true,
    echo: false,
  });

  assert.equal(result.exitCode, 1, result.log);
  const log = result.log;
  assert.match(log, /\[voortgang\] halverwege/, "the kernel's stderr is echoed on the terminal");
  assert.match(log, /FAILED: .*02-fails\.ipynb, cell 3 of 4 \(id "boom"; tags: 3a-3\.2-test, second-tag\), first line: `const total = rows\.reduce/);
  assert.match(log, /error: RangeError: deliberate failure: total 6/);
  assert.doesNotMatch(log, /03-never/, "the run stops at the first failure");

  const failure = result.summary?.failure;
  assert.ok(failure);
  assert.equal(failure.cellId, "boom");
  assert.equal(failure.cellNumber, 3);
  assert.deepEqual(failure.tags, ["3a-3.2-test", "second-tag"]);
  assert.match(failure.message ?? "", /^RangeError: deliberate failure: total 6/);

  // The good notebook is executed and exported; the failed one is kept, with its error, for inspection.
  const executedOk = readNotebook(join(dir, "executed", "01-ok.ipynb"));
  assert.match(JSON.stringify(executedOk.cells[1]?.outputs), /n = 42/);
  assert.equal(executedOk.cells[1]?.execution_count, 1);
  assert.ok(!JSON.stringify(executedOk).includes('"execution":'), "no execution timestamps (two runs give identical files)");
  assert.ok(existsSync(join(dir, "html", "01-ok.html")));
  assert.match(readFileSync(join(dir, "html", "01-ok.html"), "utf8"), /id="Een-sectie"/);
  const executedFail = readNotebook(join(dir, "executed", "02-fails.ipynb"));
  assert.match(JSON.stringify(executedFail.cells[2]?.outputs), /deliberate failure/);
  assert.deepEqual(executedFail.cells[3]?.outputs, []);
  assert.ok(!existsSync(join(dir, "executed", "03-never.ipynb")));
});

test("a TypeScript compile error is reported with tslab's line:column message", { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "kansen-runner-"));
  const nb = writeNotebook(join(dir, "01-types.ipynb"), [{ id: "typed", source: 'const label: string = 5;' }]);
  const result = await runNotebooks([nb], { outDir: join(dir, "out"), summaryPath: join(dir, "s.json"), capture: true, echo: false });
  assert.equal(result.exitCode, 1, result.log);
  assert.match(result.log, /cell 1 of 1 \(id "typed"\)/);
  assert.match(result.log, /error: 1:7 - Type 'number' is not assignable to type 'string'/);
});

test("the runner injects a plan's parameters after the parameters cell (papermill's convention) and names the executed chapter", { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "kansen-runner-"));
  const nb = writeNotebook(join(dir, "05-model.ipynb"), [
    { id: "intro", source: "Uitleg", markdown: true },
    { id: "parameters", tags: ["parameters"], source: '// defaults\nconst outcome = "doorstroom"; // of "vsv"\nconst years = [2020, 2021];' },
    { id: "use", source: 'console.log(`uitkomst ${outcome}, jaren ${years.join("+")}`);' },
  ]);
  const result = await runNotebooks(
    [
      { notebook: nb, name: "05-model-doorstroom", parameters: {} },
      { notebook: nb, name: "06-model-vsv", parameters: { outcome: "vsv", years: [2021], outcomes: ["vsv"] } },
    ],
    { outDir: join(dir, "out"), summaryPath: join(dir, "s.json"), capture: true, echo: false },
  );
  assert.equal(result.exitCode, 0, result.log);
  assert.match(result.log, /notebook 2\/2: .*05-model\.ipynb as 06-model-vsv .*parameters: outcome = "vsv", years = \[2021\]/);
  assert.match(result.log, /not parameters of 06-model-vsv, not injected: outcomes/);
  const doorstroom = readNotebook(join(dir, "out", "05-model-doorstroom.ipynb"));
  assert.equal(doorstroom.cells.length, 3, "nothing injected without parameters");
  assert.match(JSON.stringify(doorstroom.cells[2]?.outputs), /uitkomst doorstroom, jaren 2020\+2021/);
  const vsv = readNotebook(join(dir, "out", "06-model-vsv.ipynb"));
  const injected = vsv.cells[2];
  assert.deepEqual(injected?.metadata?.tags, ["injected-parameters"]);
  assert.equal(injected?.id, "injected-parameters");
  assert.match(cellSource(injected!), /^const outcome = "vsv";\nconst years = \[2021\];$/m);
  assert.match(JSON.stringify(vsv.cells[3]?.outputs), /uitkomst vsv, jaren 2021/, "the chapter ran with the injected values");
  assert.deepEqual(vsv.metadata?.["kansen"], { notebook: "05-model.ipynb", chapter: "06-model-vsv", parameters: { outcome: "vsv", years: [2021] } });
  assert.deepEqual(result.summary?.notebooks.map((n) => n.chapter), ["05-model-doorstroom", "06-model-vsv"]);
});
