import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import {
  checkMethodologyIndex,
  formatIndexProblems,
  indexCoverage,
  loadMethodologyIndex,
  type IndexStatement,
  type MethodologyIndex,
} from "../../src/audit/methodology-index";

const ROOT = resolve(__dirname, "..", "..");
const INDEX_PATH = join(ROOT, "notebooks", "methodology-index.json");

/** A deep copy of the index whose statement `id` is replaced by `edit(statement)`. */
function withStatement(index: MethodologyIndex, id: string, edit: (s: IndexStatement) => IndexStatement): MethodologyIndex {
  assert.ok(index.statements.some((s) => s.id === id), `the committed index has no statement ${id}`);
  return { ...index, statements: index.statements.map((s) => (s.id === id ? edit(structuredClone(s)) : s)) };
}

test("the committed methodology index names only existing functions, tests and cells, and covers every export", () => {
  const index = loadMethodologyIndex(INDEX_PATH);
  const problems = checkMethodologyIndex(index, ROOT);
  assert.equal(problems.length, 0, `\n${formatIndexProblems(problems)}`);
  const coverage = indexCoverage(index);
  const sections = new Set(index.statements.map((s) => s.section.split(/[ ,]/)[0]));
  console.log(
    `methodology index: ${coverage.statements} statements of bijlage 3a mapped (${coverage.implemented} implemented, ` +
      `${coverage.notImplemented} not implemented with a reason) over sections ${[...sections].sort().join(" ")}; ` +
      `${index.exclusions.length} helper functions excluded with a reason`,
  );
  // Every chapter the task lists has at least one statement, and 2.2 (quality agendas) and the dropped diploma
  // outcome are listed as not implemented.
  for (const section of ["1.1", "1.2", "2.1", "2.2", "2.3", "2.4", "2.5", "3.1", "3.2", "3.3", "3.4"]) {
    assert.ok(sections.has(section), `no statement of 3a ${section}`);
  }
  assert.equal(index.statements.find((s) => s.section === "2.2")?.implemented, false);
  assert.equal(index.statements.find((s) => s.id === "2.3-diploma-dropped")?.implemented, false);
  for (const s of index.statements) if (!s.implemented) assert.ok((s.reason ?? "").length > 20, `${s.id}: the reason is too short to explain anything`);
});

test("a broken entry fails the check with a message naming the entry and what is missing", () => {
  const index = loadMethodologyIndex(INDEX_PATH);
  const renamed = withStatement(index, "3.3-ame", (s) => ({ ...s, functions: [{ module: "src/stats/ame.ts", name: "averageMarginalEffect" }] }));
  const missingTest = withStatement(index, "3.2-age", (s) => ({ ...s, tests: [{ file: "test/transform/frames.test.ts", name: "ages 14 and 25 are in" }] }));
  const missingCell = withStatement(index, "3.4-robustness", (s) => ({ ...s, cells: [{ notebook: "notebooks/07-robuustheid.ipynb", cell: "3a-3.4-no-such-cell" }] }));
  const missingNotebook = withStatement(index, "2.2-quality-agendas", (s) => ({ ...s, cells: [{ notebook: "notebooks/99-none.ipynb", cell: "x" }] }));
  const noReason = withStatement(index, "2.3-diploma-dropped", (s) => ({ ...s, reason: "" }));

  const cases: [MethodologyIndex, string][] = [
    [renamed, "methodology index: 3.3-ame: src/stats/ame.ts does not export averageMarginalEffect"],
    [missingTest, `methodology index: 3.2-age: test/transform/frames.test.ts has no test named "ages 14 and 25 are in"`],
    [missingCell, `methodology index: 3.4-robustness: notebooks/07-robuustheid.ipynb has no cell with id or tag "3a-3.4-no-such-cell"`],
    [missingNotebook, "methodology index: 2.2-quality-agendas: notebook notebooks/99-none.ipynb does not exist"],
    [noReason, "methodology index: 2.3-diploma-dropped: a statement that is not implemented needs a reason"],
  ];
  for (const [broken, expected] of cases) {
    const message = formatIndexProblems(checkMethodologyIndex(broken, ROOT));
    assert.ok(message.split("\n").includes(expected), `expected the line\n  ${expected}\ngot\n${message}`);
  }
  // The function that was renamed away is no longer named anywhere, so coverage fails too.
  assert.match(formatIndexProblems(checkMethodologyIndex(renamed, ROOT)), /coverage: src\/stats\/ame\.ts exports averageMarginalEffects, which no entry names/);
});

test("in a temporary module tree an uncovered export fails the check, and naming it makes the check pass", () => {
  const root = mkdtempSync(join(tmpdir(), "kansen-index-"));
  try {
    mkdirSync(join(root, "src", "stats"), { recursive: true });
    mkdirSync(join(root, "src", "transform"), { recursive: true });
    mkdirSync(join(root, "test", "stats"), { recursive: true });
    mkdirSync(join(root, "notebooks"), { recursive: true });
    writeFileSync(join(root, "src", "stats", "icc.ts"), [
      "/** ICC = s2 / (s2 + pi^2/3). */",
      "export function intraclassCorrelation(s2: number): number { return s2 / (s2 + Math.PI ** 2 / 3); }",
      "export const latentVariance = (): number => Math.PI ** 2 / 3;",
      "export interface IccResult { readonly icc: number }",
      "function helper(): number { return 1; }",
      "export { helper as internalHelper };",
    ].join("\n"));
    writeFileSync(join(root, "src", "transform", "select.ts"), "export class SelectionFlow {}\nexport const MIN_AGE = 14;\n");
    writeFileSync(join(root, "test", "stats", "icc.test.ts"), 'import { test } from "node:test";\ntest("ICC of the empty model", () => {});\n');
    writeFileSync(join(root, "notebooks", "05.ipynb"), JSON.stringify({ cells: [{ id: "05-icc", metadata: { tags: ["3b-icc"] }, source: [] }] }));

    const statement: IndexStatement = {
      id: "3b-icc", section: "3.3", quote: "Intra Class Correlation", summary: "latent ICC", implemented: true,
      functions: [{ module: "src/stats/icc.ts", name: "intraclassCorrelation" }],
      tests: [{ file: "test/stats/icc.test.ts", name: "ICC of the empty model" }],
      cells: [{ notebook: "notebooks/05.ipynb", cell: "3b-icc" }, { notebook: "notebooks/05.ipynb", cell: "05-icc" }],
    };
    const partial: MethodologyIndex = { source: "test", statements: [statement], exclusions: [] };
    const problems = formatIndexProblems(checkMethodologyIndex(partial, root)).split("\n");
    // Functions, arrow-function constants and classes must be covered; interfaces, plain constants and
    // re-exported aliases are not functions the checker can see as such.
    assert.deepEqual(problems.sort(), [
      "methodology index: coverage: src/stats/icc.ts exports latentVariance, which no entry names and no exclusion covers",
      "methodology index: coverage: src/transform/select.ts exports SelectionFlow, which no entry names and no exclusion covers",
    ]);

    const complete: MethodologyIndex = {
      ...partial,
      statements: [statement, { ...statement, id: "3.2-flow", functions: [{ module: "src/transform/select.ts", name: "SelectionFlow" }] }],
      exclusions: [{ module: "src/stats/icc.ts", name: "latentVariance", reason: "a constant of the logistic distribution" }],
    };
    assert.deepEqual(checkMethodologyIndex(complete, root), []);

    const unexplained: MethodologyIndex = { ...complete, exclusions: [{ module: "src/stats/icc.ts", name: "latentVariance", reason: "" }] };
    assert.deepEqual(formatIndexProblems(checkMethodologyIndex(unexplained, root)), "methodology index: exclusions: exclusion src/stats/icc.ts#latentVariance needs a reason");

    const duplicate: MethodologyIndex = { ...complete, statements: [...complete.statements, statement] };
    assert.match(formatIndexProblems(checkMethodologyIndex(duplicate, root)), /methodology index: 3b-icc: duplicate statement id/);

    writeFileSync(join(root, "bad.json"), JSON.stringify({ source: "x", statements: [] }));
    assert.throws(() => loadMethodologyIndex(join(root, "bad.json")), /bad\.json: "exclusions" must be an array/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
