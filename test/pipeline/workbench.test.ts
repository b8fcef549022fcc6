import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { modelLadder } from "../../src/analysis/models";
import { parseRunLog, RUN_LOG_ENV } from "../../src/audit/run-log";
import { parseConfig } from "../../src/config";
import { FitCache } from "../../src/pipeline/fit-cache";
import { ModelWorkbench } from "../../src/pipeline/workbench";
import type { AnalysisFrame } from "../../src/transform/frames";
import { PUBLISHED_REFERENCE } from "../../src/vocabulary";
import { analysisFrame } from "./frame-fixture";

function workbench(dir: string, frames: readonly AnalysisFrame[], cache: FitCache | null): { wb: ModelWorkbench; shown: string[] } {
  const shown: string[] = [];
  const config = parseConfig(
    { data: { kind: "folder", path: dir }, years: [2020, 2021], outcomes: ["doorstroom", "vsv"], reference: { ...PUBLISHED_REFERENCE }, outDir: join(dir, "out"), cacheDir: dir },
    "test",
  );
  const wb = new ModelWorkbench({ ctx: { display: { html: (s) => shown.push(s) }, outDir: join(dir, "out"), source: "synthetic" }, config, frames, reference: PUBLISHED_REFERENCE, fitCache: cache });
  return { wb, shown };
}

const frames = [analysisFrame(700, "doorstroom", 2020, 11), analysisFrame(650, "doorstroom", 2021, 22)];
const ladder = modelLadder("doorstroom");

test("the workbench shows the design, fits (or reads the unchanged fit from the cache), and computes the statistics, and the run log records hits and misses", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kansen-wb-"));
  const log = join(dir, "run-log.jsonl");
  const before = process.env[RUN_LOG_ENV];
  process.env[RUN_LOG_ENV] = log;
  try {
    const cache = new FitCache(join(dir, "fit-cache"));
    const first = workbench(dir, frames, cache);
    const design = first.wb.design("1a", ladder[1]!.formula);
    assert.equal(design.byFrame.length, 2);
    assert.match(first.shown[0] ?? "", /Ontwerp van model 1a/);
    assert.match(first.shown[0] ?? "", /Formule: <code>doorstroom ~ migratie \+ ouders \+ \(1 \| locatie\) \+ \(1 \| instelling\)<\/code>/);
    assert.match(first.shown[0] ?? "", /<td>studenten \(n\)<\/td><td>700<\/td><td>650<\/td>/);
    assert.match(first.shown[0] ?? "", /migratie = geen; ouders = max_vmbo_kader/);
    const fitted = await first.wb.fit(design, { threads: 1 });
    assert.deepEqual(fitted.byFrame.map((f) => f.origin.kind), ["fitted", "fitted"]);
    const shownFirst = first.shown.join("\n");
    assert.match(first.shown[1] ?? "", /Doelfunctie van model 1a/, "stage 2: the objective");
    assert.match(first.shown[1] ?? "", /opgebouwd \(niet in de fitcache; sleutel [0-9a-f]{12}\)/);
    assert.match(first.shown[1] ?? "", /<code>convergence\.scaledGradient<\/code><\/td><td>0\.002<\/td>/, "the control with its lme4 counterparts");
    assert.match(first.shown[2] ?? "", /Optimalisatie van model 1a, doorstroom 2020<\/caption>[\s\S]*start \(als lme4\)[\s\S]*Newton[\s\S]*totaal/, "stage 3: the optimisation summary");
    assert.match(first.shown[3] ?? "", /Fit van model 1a: convergentie/, "stage 4: the fit");
    assert.match(first.shown[3] ?? "", /<td class="txt"><span title="hessian: [^"]+">uit de Hessiaan van de Laplace-deviantie/, "the SE method in a few words, the solver's description on hover, left-aligned");
    assert.match(first.shown[3] ?? "", /<td>studenten \(n\)<\/td>|<td>logLik<\/td><td>-?\d+\.\d\d<\/td>/, "numbers stay right-aligned");
    assert.match(first.shown[2] ?? "", /<th class="txt">melding<\/th>/, "a column of words has its header on the left");
    assert.match(shownFirst, /geschat \(niet in de fitcache; sleutel [0-9a-f]{12}\)/);

    // A rerun (a new kernel: a new workbench, a design rebuilt from the frame) reads both fits back.
    const second = workbench(dir, frames, cache);
    const again = await second.wb.fit(second.wb.design("1a", ladder[1]!.formula), { threads: 1 });
    assert.deepEqual(again.byFrame.map((f) => f.origin.kind), ["cache", "cache"]);
    assert.match(second.shown[1] ?? "", /niet opgebouwd: de fit komt uit de fitcache/);
    assert.doesNotMatch(second.shown[1] ?? "", /waarnemingen|parameters: beta/, "no empty rows for an objective that was not built");
    assert.match(second.shown[2] ?? "", /\(uit de fitcache: de samenvatting van toen\)/, "a cached fit shows the optimisation summary it was stored with");
    assert.match(second.shown[3] ?? "", /uit de fitcache \(sleutel [0-9a-f]{12}/);
    assert.deepEqual([...again.byFrame[0]!.fit.beta], [...fitted.byFrame[0]!.fit.beta]);
    assert.equal(again.byFrame[0]!.origin.kind === "cache" && again.byFrame[0]!.origin.key, fitted.byFrame[0]!.origin.key);

    const result = second.wb.statistics(again);
    assert.match(second.shown[4] ?? "", /Statistieken van model 1a/);
    assert.match(second.shown[4] ?? "", /Average marginal effects van model 1a/);
    assert.ok(existsSync(join(dir, "out", "fits", "doorstroom-2020-model-1a.json")), "the summary is saved under fits/");
    assert.equal(result.byFrame[0]!.summary.r2?.conditional, result.byFrame[0]!.r2.conditional);

    const entries = parseRunLog(readFileSync(log, "utf8"), log);
    const cacheEvents = entries.flatMap((e) => (e.type === "fitCache" ? [e.event] : []));
    assert.deepEqual(cacheEvents.map((e) => `${e.label}: ${e.status}`), [
      "doorstroom 2020 model 1a: miss", "doorstroom 2021 model 1a: miss", "doorstroom 2020 model 1a: hit", "doorstroom 2021 model 1a: hit",
    ]);
    assert.equal(entries.filter((e) => e.type === "fit").length, 4, "every fit's convergence report reaches the manifest, read back or not");
    assert.deepEqual(entries.filter((e) => e.type === "step").map((e) => (e.type === "step" ? e.step.name : "")), [
      "fit: doorstroom 2020 model 1a", "fit: doorstroom 2021 model 1a", "fit: doorstroom 2020 model 1a", "fit: doorstroom 2021 model 1a",
    ], "the same steps whether a fit was read or computed (the manifest id does not depend on the cache)");
  } finally {
    if (before === undefined) delete process.env[RUN_LOG_ENV];
    else process.env[RUN_LOG_ENV] = before;
    rmSync(dir, { recursive: true, force: true });
  }
});

test("walking the stages in cells (objective, optimise, assemble) gives the fit of fitDesign, bit for bit", async () => {
  const { fitDesign } = await import("../../src/glmm/fit");
  const dir = mkdtempSync(join(tmpdir(), "kansen-wb-"));
  try {
    const { wb } = workbench(dir, frames.slice(0, 1), null);
    const design = wb.design("2", ladder[4]!.formula);
    const objective = wb.objective(design, { threads: 1 });
    const optimum = wb.optimise(objective);
    const staged = wb.assemble(optimum).byFrame[0]!.fit;
    const direct = fitDesign(design.byFrame[0]!.design, { threads: 1 });
    for (const k of ["beta", "se", "vcov", "theta", "eta", "fitted"] as const) {
      assert.ok(Buffer.from(staged[k].buffer).equals(Buffer.from(direct[k].buffer)), `${k} differs`);
    }
    assert.deepEqual(staged.convergence, direct.convergence);
    assert.equal(staged.optimisation?.evaluations, direct.optimisation?.evaluations);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a formula or a reference level edited in a cell changes the model and the published table after it", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kansen-wb-"));
  try {
    const { wb, shown } = workbench(dir, frames.slice(0, 1), null);
    const asPublished = wb.statistics(await wb.fit(wb.design("1b", ladder[2]!.formula)));
    wb.publishTables([asPublished]);
    const table = join(dir, "out", "tables", "tabel-5-doorstroom-2020.csv");
    const publishedCsv = readFileSync(table, "utf8");
    assert.match(publishedCsv, /Geslacht/);

    const edited = wb.statistics(await wb.fit(wb.design("1b", "doorstroom ~ migratie + ouders + leeftijd + niveau + sector + leerweg + (1 | locatie) + (1 | instelling)")));
    wb.publishTables([edited]);
    const editedCsv = readFileSync(table, "utf8");
    assert.doesNotMatch(editedCsv, /Geslacht/, "the term taken out of the formula is gone from the table");
    assert.notEqual(editedCsv, publishedCsv);

    const westers = wb.statistics(await wb.fit(wb.design("1b", ladder[2]!.formula, { reference: { migratie: "westers" } })));
    const names = westers.byFrame[0]!.summary.fixed.map((f) => f.name);
    assert.ok(names.includes("migratiegeen") && !names.includes("migratiewesters"), `reference westers: ${names.join(", ")}`);
    wb.publishTables([westers]);
    assert.match(readFileSync(table, "utf8"), /Migratieachtergrond,Geen migratie-achtergrond,migratiegeen/, "the published reference is now a row of the table");
    assert.ok(shown.some((h) => h.includes("Migratieachtergrond (ref. westerse migratieachtergrond)")), "the table names the new reference in its group header");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a formula for another outcome, or a reference level for something that is not a factor, is refused with a message", () => {
  const dir = mkdtempSync(join(tmpdir(), "kansen-wb-"));
  try {
    const { wb } = workbench(dir, [frames[0]!, analysisFrame(500, "vsv", 2020)], null);
    assert.throws(() => wb.design("0", ladder[0]!.formula), /model 0: the formula models 'doorstroom', but this chapter's frame vsv 2020 has outcome 'vsv'; for a chapter over both outcomes write the formula as \(y\) => `\$\{y\} ~ \.\.\.`/);
    assert.equal(wb.design("0", (y) => `${y} ~ 1 + (1 | locatie) + (1 | instelling)`).byFrame.map((d) => d.formula).join(" | "), "doorstroom ~ 1 + (1 | locatie) + (1 | instelling) | vsv ~ 1 + (1 | locatie) + (1 | instelling)");
    assert.throws(() => wb.design("1a", (y) => `${y} ~ migratie + (1 | locatie)`, { reference: { leeftijd: "3" } }), /model 1a: a reference level was given for 'leeftijd', which is not a factor of the frames/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("fitFormula (the package entry's call for many fits) shares the workbench's cache key: a model fitted in a chapter is a hit, a new formula a miss that is stored, and a label logs it", async () => {
  const { fitFormula, FitCache: EntryFitCache } = await import("../../src/index");
  const { fitDesign } = await import("../../src/glmm/fit");
  const dir = mkdtempSync(join(tmpdir(), "kansen-wb-"));
  const log = join(dir, "run-log.jsonl");
  const before = process.env[RUN_LOG_ENV];
  process.env[RUN_LOG_ENV] = log;
  try {
    const cache = new EntryFitCache(join(dir, "fit-cache"));
    const frame = frames[0]!;
    const { wb } = workbench(dir, [frame], cache);
    const chapter = wb.fit(wb.design("1a", ladder[1]!.formula), { threads: 1 }).byFrame[0]!;

    const same = fitFormula(frame, ladder[1]!.formula, { cache, reference: PUBLISHED_REFERENCE, label: "spec 1a" });
    assert.equal(same.status, "hit");
    assert.equal(same.key, chapter.origin.key, "the same formula, references and settings give the workbench's key");
    assert.deepEqual([...same.fit.beta], [...chapter.fit.beta]);

    const formula = "doorstroom ~ migratie + geslacht + (1 | locatie) + (1 | instelling)";
    const first = fitFormula(frame, formula, { cache, reference: { ...PUBLISHED_REFERENCE, geslacht: "vrouw" }, glmm: { threads: 1 }, label: "spec geslacht" });
    assert.equal(first.status, "miss");
    assert.match(first.detail, /niet in de fitcache/);
    assert.deepEqual(first.reference, { migratie: "geen", geslacht: "vrouw" }, "only the factors the formula uses");
    assert.ok(first.design.fixed.names.includes("geslachtman"), first.design.fixed.names.join(", "));
    const direct = fitDesign(first.design, { threads: 1 });
    assert.ok(Buffer.from(first.fit.beta.buffer).equals(Buffer.from(direct.beta.buffer)), "the fit is fitDesign's, bit for bit");
    const second = fitFormula(frame, formula, { cache, reference: { ...PUBLISHED_REFERENCE, geslacht: "vrouw" } });
    assert.equal(second.status, "hit");
    assert.equal(second.design, first.design, "the design is built once per frame, formula and references");
    assert.notEqual(fitFormula(frame, formula, { cache, reference: PUBLISHED_REFERENCE }).key, first.key, "another reference level is another key");
    assert.equal(fitFormula(frame, ladder[0]!.formula, { cache: null }).status, "off");

    const events = parseRunLog(readFileSync(log, "utf8"), log).flatMap((e) => (e.type === "fitCache" ? [e.event] : []));
    assert.deepEqual(events.map((e) => `${e.label}: ${e.status}`), ["doorstroom 2020 model 1a: miss", "spec 1a: hit", "spec geslacht: miss"], "only labelled calls are logged");
  } finally {
    if (before === undefined) delete process.env[RUN_LOG_ENV];
    else process.env[RUN_LOG_ENV] = before;
    rmSync(dir, { recursive: true, force: true });
  }
});
