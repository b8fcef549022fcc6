/**
 * Notebooks are committed WITHOUT outputs or execution counts (executed copies live only in the
 * outputs folder), on the tslab kernel, with nbformat 4.5 cell ids (the methodology index and the
 * report's anchors find cells by id).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { MODEL_CHAPTER_NOTEBOOK, NOTEBOOK_DIR, committedNotebookProblems, listNotebooks, readNotebook } from "../../src/pipeline/notebooks";

const notebooks = listNotebooks();
const skip = notebooks.length === 0 ? "no numbered notebooks in notebooks/ yet" : false;

test("committed notebooks carry no outputs and no execution counts", { skip }, () => {
  const problems = notebooks.flatMap((nb) => committedNotebookProblems(nb));
  assert.deepEqual(problems, [], problems.join("\n"));
});

test("committed notebooks run on the tslab kernel and every cell has a unique id", { skip }, () => {
  for (const path of notebooks) {
    const nb = readNotebook(path);
    const kernel = (nb.metadata?.["kernelspec"] as { name?: string } | undefined)?.name;
    assert.equal(kernel, "tslab", `${basename(path)}: kernelspec ${String(kernel)}, expected tslab`);
    const ids = nb.cells.map((c) => c.id);
    ids.forEach((id, i) => assert.ok(typeof id === "string" && id !== "", `${basename(path)}, cell ${i + 1}: no cell id`));
    assert.equal(new Set(ids).size, ids.length, `${basename(path)}: duplicate cell ids`);
  }
});

// Jupyter Notebook 6.4 puts an output taller than 100 lines in a scroll box unless the cell's metadata
// says "scrolled": false. A cell that publishes a table or walks a model's stages is read whole, so every
// code cell but the parameters and setup cells carries it.
test("every code cell that shows a table or a model's stages opens unscrolled (metadata scrolled: false)", { skip }, () => {
  const problems: string[] = [];
  for (const path of notebooks) {
    for (const cell of readNotebook(path).cells) {
      if (cell.cell_type !== "code") continue;
      const tags = cell.metadata?.tags ?? [];
      if (tags.includes("parameters") || tags.includes("setup")) continue;
      if (cell.metadata?.["scrolled"] !== false) problems.push(`${basename(path)}, cell ${cell.id ?? "?"}: metadata.scrolled is ${JSON.stringify(cell.metadata?.["scrolled"])}, expected false`);
    }
  }
  assert.deepEqual(problems, [], problems.join("\n"));
});

test("the model chapter named in MODEL_CHAPTER_NOTEBOOK (src/pipeline/notebooks.ts) is a numbered notebook", { skip }, () => {
  const file = MODEL_CHAPTER_NOTEBOOK;
  assert.ok(notebooks.includes(join(NOTEBOOK_DIR, file)), `MODEL_CHAPTER_NOTEBOOK = "${file}" is not among ${notebooks.map((nb) => basename(nb)).join(", ")}: update it in src/pipeline/notebooks.ts`);
});

test("the check itself catches outputs and execution counts", () => {
  const dir = mkdtempSync(join(tmpdir(), "kansen-nb-"));
  const path = join(dir, "01-x.ipynb");
  writeFileSync(path, JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: [
      { cell_type: "markdown", id: "m", metadata: {}, source: "# t" },
      { cell_type: "code", id: "clean", metadata: {}, source: "1", outputs: [], execution_count: null },
      { cell_type: "code", id: "ran", metadata: {}, source: "2", outputs: [{ output_type: "stream", name: "stdout", text: "2" }], execution_count: 3 },
    ],
  }));
  const problems = committedNotebookProblems(path);
  assert.equal(problems.length, 2);
  assert.match(problems[0] ?? "", /cell 3 \(id "ran"\): has 1 output/);
  assert.match(problems[1] ?? "", /cell 3 \(id "ran"\): has execution count 3/);
});
