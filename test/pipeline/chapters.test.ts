/**
 * The chapters as committed: each has one parameters cell (papermill's convention) whose defaults are the
 * committed configuration's, then one setup call; cells hold calls and small literals, no logic; the
 * model chapter is one notebook run once per outcome, and its formulas are the model ladder's.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { basename } from "node:path";
import { modelLadder, robustnessModel } from "../../src/analysis/models";
import { loadConfig, DEFAULT_CONFIG_PATH, configToJson } from "../../src/config";
import { MODEL_CHAPTER_NOTEBOOK, MODEL_CHAPTERS, cellSource, chapterRuns, listNotebooks, readNotebook, type Notebook } from "../../src/pipeline/notebooks";
import { CHAPTER_8_DEFAULTS } from "../../src/pipeline/robustness-chapter";
import { OUTCOMES } from "../../src/vocabulary";

/** Parameters a chapter declares beyond the configuration's, with their documented defaults in src/. */
const CHAPTER_DEFAULTS: Readonly<Record<string, Readonly<Record<string, unknown>>>> = { "08-zekerheid-robuustheid.ipynb": CHAPTER_8_DEFAULTS };

const notebooks = listNotebooks();
const codeCells = (nb: Notebook) => nb.cells.filter((c) => c.cell_type === "code");

/** The values a parameters cell declares: `const name = <JSON literal>;`, over one line or several (a trailing comment allowed). */
function parameterValues(source: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const m of source.matchAll(/^const (\w+) = ([\s\S]+?);(?:[ \t]*\/\/.*)?$/gm)) {
    const literal = (m[2] ?? "").replace(/([{,]\s*)(\w+):/g, '$1"$2":');
    out[m[1] ?? ""] = JSON.parse(literal);
  }
  return out;
}

test("every chapter has exactly one parameters cell, its defaults are the committed configuration's, and the setup is one call after it", () => {
  assert.ok(notebooks.length >= 6);
  const config = configToJson(loadConfig({ defaultPath: DEFAULT_CONFIG_PATH, overridePath: DEFAULT_CONFIG_PATH }));
  for (const path of notebooks) {
    const nb = readNotebook(path);
    const cells = codeCells(nb);
    const params = cells.filter((c) => (c.metadata?.tags ?? []).includes("parameters"));
    assert.equal(params.length, 1, `${basename(path)}: one cell tagged parameters`);
    const values = parameterValues(cellSource(params[0]!));
    assert.ok(Object.keys(values).length > 0, `${basename(path)}: the parameters cell declares parameters`);
    for (const [name, value] of Object.entries(values)) {
      const own = CHAPTER_DEFAULTS[basename(path)];
      if (name === "outcome") assert.equal(value, "doorstroom", `${basename(path)}: opened in Jupyter the model chapter is the doorstroom chapter`);
      else if (own !== undefined && name in own) assert.deepEqual(value, own[name], `${basename(path)}: the default of ${name} is the chapter's own default in src/`);
      else assert.deepEqual(value, config[name], `${basename(path)}: the default of ${name} is notebooks/config.json's`);
    }
    const setup = cells.filter((c) => (c.metadata?.tags ?? []).includes("setup"));
    assert.equal(setup.length, 1, `${basename(path)}: one setup cell`);
    assert.equal(cells.indexOf(setup[0]!), cells.indexOf(params[0]!) + 1, `${basename(path)}: the setup cell is the code cell after the parameters`);
    assert.equal(cellSource(setup[0]!).match(/await open(Model)?Chapter\(/g)?.length, 1, `${basename(path)}: the setup is one call`);
  }
});

test("cells hold calls and small literals: no loops, conditions or data wrangling", () => {
  const logic = /\bfor\s*\(|\bwhile\s*\(|\bif\s*\(|\.map\(|\.filter\(|\.reduce\(|\.forEach\(|\bfunction\b/;
  for (const path of notebooks) {
    codeCells(readNotebook(path)).forEach((cell) => {
      assert.doesNotMatch(cellSource(cell), logic, `${basename(path)}, cell ${cell.id}: logic belongs in src/`);
    });
  }
});

test("the model chapter is one notebook, run once per outcome into chapters 5 and 6, and its formulas are the model ladder's", () => {
  assert.ok(notebooks.some((p) => basename(p) === MODEL_CHAPTER_NOTEBOOK));
  assert.ok(!notebooks.some((p) => /modellen-(doorstroom|vsv)\.ipynb$/.test(p)), "no copy per outcome");
  const base = loadConfig({ defaultPath: DEFAULT_CONFIG_PATH, overridePath: DEFAULT_CONFIG_PATH });
  const runs = chapterRuns(base);
  const model = runs.filter((r) => basename(r.notebook) === MODEL_CHAPTER_NOTEBOOK);
  assert.deepEqual(model.map((r) => [r.name, r.parameters["outcome"]]), OUTCOMES.map((o) => [MODEL_CHAPTERS[o].name, o]));
  assert.deepEqual(runs.map((r) => r.name), ["01-definities", "02-data", "03-missende-waarden", "04-beschrijvend", "05-modellen-doorstroom", "06-modellen-vsv", "07-robuustheid", "08-zekerheid-robuustheid"]);
  assert.deepEqual(runs[0]?.parameters, { outcomes: ["doorstroom", "vsv"], years: [2020, 2021], reference: { ...base.reference } });
  assert.deepEqual(chapterRuns({ ...base, outcomes: ["vsv"] }).map((r) => r.name).filter((n) => n.includes("modellen")), ["06-modellen-vsv"], "only the configured outcomes' chapters");

  const nb = readNotebook(notebooks.find((p) => basename(p) === MODEL_CHAPTER_NOTEBOOK)!);
  const formulas = new Map<string, string>();
  for (const cell of codeCells(nb)) {
    for (const m of cellSource(cell).matchAll(/const formule(\w+) = `([^`]*)`;/g)) formulas.set(m[1] ?? "", m[2] ?? "");
  }
  for (const outcome of OUTCOMES) {
    for (const spec of modelLadder(outcome)) {
      const literal = formulas.get(spec.id);
      assert.ok(literal !== undefined, `model ${spec.id} has a formula cell`);
      assert.equal(literal.replace("${outcome}", outcome), spec.formula, `model ${spec.id} for ${outcome}`);
    }
  }
});

test("chapter 7's formulas are the ladder's model 2 and the robustness model of 3a 3.4", () => {
  const nb = readNotebook(notebooks.find((p) => basename(p).startsWith("07-"))!);
  const source = codeCells(nb).map(cellSource).join("\n");
  const literal = (name: string): string => {
    const m = new RegExp(`const ${name} = \\(y: string\\) => \`([^\`]*)\`;`).exec(source);
    assert.ok(m, `chapter 7 has ${name}`);
    return m[1] ?? "";
  };
  for (const outcome of OUTCOMES) {
    assert.equal(literal("formule2").replace("${y}", outcome), modelLadder(outcome)[4]?.formula);
    assert.equal(literal("formuleZonderCito").replace("${y}", outcome), robustnessModel(outcome).formula);
  }
});
