import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { modelLadder, referencesFor } from "../../src/analysis/models";
import { fitDesign } from "../../src/glmm/fit";
import type { GlmmFit } from "../../src/glmm/types";
import { buildDesign } from "../../src/model/design";
import { FitCache, configuredFitCache, decodeFit, encodeFit, fitCacheKey, fitKeyParts, solverVersion, statisticsVersion } from "../../src/pipeline/fit-cache";
import { modelTableCsv } from "../../src/report/csv";
import { summariseFit } from "../../src/report/summary";
import { modelTable } from "../../src/report/tables";
import { averageMarginalEffects } from "../../src/stats/ame";
import { intraclassCorrelation } from "../../src/stats/icc";
import { nakagawaR2 } from "../../src/stats/r2";
import { PUBLISHED_REFERENCE } from "../../src/vocabulary";
import { frameColumns } from "./frame-fixture";

/** Every number of a fit, bit for bit: typed arrays by their bytes, other numbers with Object.is (so -0 and NaN count). */
function assertSameBits(actual: unknown, expected: unknown, path = "fit"): void {
  if (expected instanceof Float64Array) {
    assert.ok(actual instanceof Float64Array, `${path}: not a Float64Array`);
    assert.ok(Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength).equals(Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength)), `${path}: other bits`);
    return;
  }
  if (typeof expected === "number") {
    assert.ok(Object.is(actual, expected), `${path}: ${String(actual)} is not ${String(expected)}`);
    return;
  }
  if (expected === null || typeof expected !== "object") {
    assert.equal(actual, expected, path);
    return;
  }
  assert.equal(typeof actual, "object", path);
  const a = actual as Record<string, unknown>;
  const e = expected as Record<string, unknown>;
  assert.deepEqual(Object.keys(a).sort(), Object.keys(e).sort(), `${path}: other fields`);
  for (const k of Object.keys(e)) assertSameBits(a[k], e[k], `${path}.${k}`);
}

/** The published-layout table and every statistic of one fit, as text. */
function tablesOf(fit: GlmmFit): string {
  const r2 = nakagawaR2(fit);
  const icc = intraclassCorrelation(fit);
  const ame = averageMarginalEffects(fit);
  const summary = summariseFit(fit, { model: "2", outcome: "doorstroom", year: 2020, r2: { conditional: r2.conditional, marginal: r2.marginal }, ame: ame.effects.map((e) => ({ term: e.term, estimate: e.estimate, se: e.se })) });
  const { elapsedSeconds: _time, ...timeless } = summary;
  return modelTableCsv(modelTable([summary])) + JSON.stringify({ timeless, icc, meanDensity: ame.meanDensity });
}

const data = frameColumns(900);
const formula = modelLadder("doorstroom")[4]!.formula; // model 2: random slope per location
const designOptions = { reference: referencesFor(formula, PUBLISHED_REFERENCE) };

test("a fit read back from the fit cache is the fit, bit for bit, and gives the same tables as a fresh fit", () => {
  const dir = mkdtempSync(join(tmpdir(), "kansen-fitcache-"));
  try {
    const design = buildDesign(formula, data, designOptions);
    const fresh = fitDesign(design, { threads: 1 });
    const parts = fitKeyParts(formula, data, designOptions);
    const key = fitCacheKey(parts);
    const cache = new FitCache(dir);
    assert.equal(cache.read(key, design).status, "miss");
    cache.write(key, parts, fresh);

    // Read back with a design rebuilt from the frame, as a chapter rerun does.
    const again = buildDesign(formula, data, designOptions);
    const found = cache.read(key, again);
    assert.equal(found.status, "hit");
    if (found.status !== "hit") return;
    const { design: _d1, ...stored } = found.fit;
    const { design: _d2, ...original } = fresh;
    assertSameBits(stored, original);
    assert.equal(found.fit.design, again, "the stored fit is joined to the design it was read for");
    assert.deepEqual(found.entry.parts, parts);

    // Every table from the cached fit equals the one from a fresh fit of the same design.
    const refit = fitDesign(buildDesign(formula, data, designOptions), { threads: 1 });
    assert.equal(tablesOf(found.fit), tablesOf(refit));
    assert.equal(tablesOf(found.fit), tablesOf(fresh));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("statistics stored beside a fit come back bit for bit, under their version only, and only for an entry that exists", () => {
  const dir = mkdtempSync(join(tmpdir(), "kansen-fitcache-stats-"));
  try {
    const design = buildDesign(formula, data, designOptions);
    const fit = fitDesign(design, { threads: 1 });
    const parts = fitKeyParts(formula, data, designOptions);
    const key = fitCacheKey(parts);
    const cache = new FitCache(dir);
    const version = `${statisticsVersion()} r2 icc ame:published`;
    const stats = { r2: nakagawaR2(fit), icc: intraclassCorrelation(fit), ame: averageMarginalEffects(fit), odd: { nan: NaN, negZero: -0, inf: -Infinity, gone: undefined, arr: Float64Array.from([1.5, NaN, -0]) } };
    cache.writeStatistics(key, version, stats);
    assert.equal(cache.readStatistics(key, version), undefined, "no fit under the key: nothing stored");
    cache.write(key, parts, fit);
    assert.equal(cache.readStatistics(key, version), undefined);
    cache.writeStatistics(key, version, stats);
    assertSameBits(cache.readStatistics(key, version), stats, "statistics");
    assert.equal(cache.readStatistics(key, `${version}x`), undefined, "another statistics version is not read");
    assert.equal(cache.readStatistics(fitCacheKey({ ...parts, formula: `${parts.formula} ` }), version), undefined, "another key is not read");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the key follows the data, the formula, the reference levels, the solver settings and the solver code, and nothing else", () => {
  const base = fitCacheKey(fitKeyParts(formula, data, designOptions));
  assert.equal(fitCacheKey(fitKeyParts(formula, data, designOptions)), base, "the same inputs give the same key");
  assert.equal(fitCacheKey(fitKeyParts(formula, { ...data }, designOptions, { threads: 1 })), base, "a copy of the table and the thread count do not change it");
  const other = frameColumns(900, "doorstroom", 777);
  assert.notEqual(fitCacheKey(fitKeyParts(formula, other, designOptions)), base, "other data");
  const cito = Float64Array.from(data["cito"] as Float64Array);
  cito[17] = (cito[17] as number) + 1;
  assert.notEqual(fitCacheKey(fitKeyParts(formula, { ...data, cito }, designOptions)), base, "one value of one column used");
  const unusedChanged = { ...data, id: (data["id"] as string[]).map((x) => `${x}!`) };
  assert.equal(fitCacheKey(fitKeyParts(formula, unusedChanged, designOptions)), base, "a column the formula does not use");
  assert.notEqual(fitCacheKey(fitKeyParts(formula.replace(" + leeftijd", ""), data, designOptions)), base, "another formula");
  assert.notEqual(fitCacheKey(fitKeyParts(formula, data, { reference: { ...designOptions.reference, migratie: "westers" } })), base, "another reference level");
  assert.notEqual(fitCacheKey(fitKeyParts(formula, data, designOptions, { se: "rx" })), base, "another SE method");
  assert.notEqual(fitCacheKey(fitKeyParts(formula, data, designOptions, { maxIterations: 10 })), base, "another iteration limit");
  assert.notEqual(fitCacheKey(fitKeyParts(formula, data, designOptions, { control: { newton: { tolerance: 1e-4 } } })), base, "another tolerance of the control");
  assert.equal(fitCacheKey(fitKeyParts(formula, data, designOptions, { control: { newton: { tolerance: 1e-3 } } })), base, "a default written out is the same key");
  assert.notEqual(fitCacheKey(fitKeyParts(formula, data, designOptions, { start: { theta: [0.5, 0, 0.3, 0.2], beta: [0] } })), base, "a warm start");
  const parts = fitKeyParts(formula, data, designOptions);
  assert.equal(parts.solver, solverVersion());
  assert.notEqual(fitCacheKey({ ...parts, solver: "changed" }), base, "other solver code");
  assert.deepEqual(Object.keys(parts.data.columns), ["doorstroom", "migratie", "ouders", "geslacht", "leeftijd", "niveau", "sector", "leerweg", "cito", "cito_missing", "citojaar", "niet_westers", "locatie", "instelling"]);
});

test("numbers JSON cannot hold (-0, NaN, the infinities) come back as they went in", () => {
  const fit = { design: null, beta: Float64Array.of(-0, NaN, Infinity, 1.1), logLik: -0, aic: NaN, bic: Infinity, df: -Infinity, list: [NaN, -0, 0.1 + 0.2], nested: { x: Float64Array.of(5e-324) } } as unknown as GlmmFit;
  const { json, arrays } = encodeFit(fit);
  const back = decodeFit(JSON.parse(JSON.stringify(json)), arrays) as unknown as Record<string, unknown>;
  const { design: _design, ...expected } = fit as unknown as Record<string, unknown>;
  assertSameBits(back, expected);
});

test("a stored fit that does not belong to the design, or an unreadable entry, is a miss that says why", () => {
  const dir = mkdtempSync(join(tmpdir(), "kansen-fitcache-"));
  try {
    const small = frameColumns(300);
    const f0 = modelLadder("doorstroom")[0]!.formula;
    const design = buildDesign(f0, small);
    const fit = fitDesign(design, { threads: 1 });
    const cache = new FitCache(dir);
    const parts = fitKeyParts(f0, small, {});
    cache.write("k1", parts, fit);
    const other = buildDesign(f0, frameColumns(200));
    const miss = cache.read("k1", other);
    assert.equal(miss.status, "miss");
    if (miss.status === "miss") assert.match(miss.reason, /opgeslagen voor een ander ontwerp \(300 waarnemingen opgeslagen, het ontwerp heeft er 200\)/);
    writeFileSync(join(dir, "k1", "arrays.f64"), "short");
    const broken = cache.read("k1", design);
    assert.equal(broken.status, "miss");
    if (broken.status === "miss") assert.match(broken.reason, /arrays\.f64 heeft 5 bytes, verwacht \d+/);
    writeFileSync(join(dir, "k1", "fit.json"), "{");
    const garbled = cache.read("k1", design);
    if (garbled.status === "miss") assert.match(garbled.reason, /onleesbaar/);
    else assert.fail("a garbled entry must be a miss");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("KANSEN_FIT_CACHE places the fit cache or switches it off; by default it lives under the cache folder", () => {
  assert.equal(configuredFitCache("/x/data", {})?.dir, "/x/data/fit-cache");
  assert.equal(configuredFitCache("/x/data", { KANSEN_FIT_CACHE: "/tmp/fc" })?.dir, "/tmp/fc");
  assert.equal(configuredFitCache("/x/data", { KANSEN_FIT_CACHE: "off" }), null);
});
