/**
 * The specification curve on a small frame: the Rekenkamer's specification reads model 2 from the fit
 * cache that the workbench (chapters 5 and 6) wrote and gives its AME to the bit; the curve is sorted,
 * its panel partitions the points, and the figure and CSV carry every point.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { modelLadder } from "../../src/analysis/models";
import { parseRunLog, RUN_LOG_ENV } from "../../src/audit/run-log";
import { parseConfig } from "../../src/config";
import { fitDesign } from "../../src/glmm/fit";
import { buildCitoImputationModel, imputeCito } from "../../src/missing";
import { cachedDesignSolver, tableKeyedSolver } from "../../src/pipeline/cached-fits";
import { FitCache } from "../../src/pipeline/fit-cache";
import { firstImputations } from "../../src/pipeline/robustness-chapter";
import { ModelWorkbench } from "../../src/pipeline/workbench";
import { CURVE_SUMMARY_HEADER, curveSummaryRows, SPECIFICATION_CURVE_CSV_HEADER, specificationCurveFigure, specificationCurveRows } from "../../src/report/specification-curve";
import { choicePanel, estimateSpecifications, specificationCurve, type CurveSolvers } from "../../src/robustness/specification-curve";
import { specificationGrid } from "../../src/robustness/specification-grid";
import { referencesFor } from "../../src/analysis/models";
import { buildDesign } from "../../src/model/design";
import { reparametrise } from "../../src/robustness/reparametrise";
import { averageMarginalEffects } from "../../src/stats/ame";
import { PUBLISHED_REFERENCE } from "../../src/vocabulary";
import { analysisFrame } from "../pipeline/frame-fixture";

const frame = analysisFrame(900, "doorstroom", 2020, 31);
const plain: CurveSolvers = { single: () => fitDesign, completed: () => fitDesign };

test("the published specification reads chapter 5's model 2 from the fit cache and gives its non-western and parents' AME to the bit", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kansen-curve-"));
  const log = join(dir, "run-log.jsonl");
  const before = process.env[RUN_LOG_ENV];
  process.env[RUN_LOG_ENV] = log;
  try {
    const cache = new FitCache(join(dir, "fit-cache"));
    const config = parseConfig({ data: { kind: "folder", path: dir }, years: [2020], outcomes: ["doorstroom"], reference: { ...PUBLISHED_REFERENCE }, outDir: join(dir, "out"), cacheDir: dir }, "test");
    const wb = new ModelWorkbench({ ctx: { display: { html: () => undefined }, outDir: join(dir, "out"), source: "synthetic" }, config, frames: [frame], reference: PUBLISHED_REFERENCE, fitCache: cache });
    const model2 = wb.statistics(wb.fit(wb.design("2", modelLadder("doorstroom")[4]!.formula)));
    const published = model2.byFrame[0]!.ame.effects;
    const grid = specificationGrid({ missing: ["missing-indicator", "no-cito"], random: ["3-niveaus-helling", "3-niveaus"], reference: ["geen", "westers"] });
    const solvers: CurveSolvers = { single: (table, ref, label) => tableKeyedSolver(cache, table, ref, label), completed: (label) => cachedDesignSolver(cache, () => label) };
    const result = await estimateSpecifications({ outcome: "doorstroom", year: 2020, columns: frame.columns, reference: PUBLISHED_REFERENCE }, { grid, solvers });
    for (const [quantity, term] of [["niet-westers", "migratieniet-westers"], ["ouders-hoger", "oudershoger"]] as const) {
      const point = result.estimates.find((e) => e.quantity === quantity && e.specification.published);
      assert.ok(point, quantity);
      const expected = published.find((e) => e.term === term)!;
      assert.equal(point.estimate, expected.estimate, `${quantity}: the published AME`);
      assert.equal(point.se, expected.se);
    }
    const events = parseRunLog(readFileSync(log, "utf8"), log).flatMap((e) => (e.type === "fitCache" ? [e.event] : []));
    const curveModel2 = events.filter((e) => e.label === "doorstroom 2020 missing-indicator/3-niveaus-helling/geen");
    assert.equal(curveModel2.length, 1);
    assert.equal(curveModel2[0]!.status, "hit", "model 2 of the curve comes from the workbench's fit");
    // 2 methods x 2 random structures: 4 fits, each once, whatever the AME conventions; the western
    // comparison group is the same fits recoded (reparametrise.ts), not refitted.
    assert.equal(events.filter((e) => e.label.includes("/")).length, 4);
    // The western comparison group is another contrast: not the published estimate.
    const westers = result.estimates.find((e) => e.specification.id === "missing-indicator/3-niveaus-helling/included/westers");
    assert.ok(westers && westers.estimate !== published.find((e) => e.term === "migratieniet-westers")!.estimate);
  } finally {
    if (before === undefined) delete process.env[RUN_LOG_ENV];
    else process.env[RUN_LOG_ENV] = before;
  }
});

test("the curve is sorted by estimate, marks the published point, and its panel gives every point exactly one choice per dimension", async () => {
  const grid = specificationGrid({ missing: ["missing-indicator", "complete-cases"], random: ["3-niveaus-helling", "2-niveaus"] });
  const result = await estimateSpecifications({ outcome: "doorstroom", year: 2020, columns: frame.columns, reference: PUBLISHED_REFERENCE }, { grid, solvers: plain });
  const curve = specificationCurve(result, "niet-westers");
  assert.equal(curve.points.length, 2 * 2 * 3 * 2);
  for (let i = 1; i < curve.points.length; i++) assert.ok(curve.points[i - 1]!.estimate <= curve.points[i]!.estimate, `sorted at ${i}`);
  assert.ok(curve.points[curve.publishedIndex]!.specification.published);
  assert.equal(curve.summary.publishedRank, curve.publishedIndex + 1);
  assert.equal(curve.summary.min, curve.points[0]!.estimate);
  for (const p of curve.points) assert.ok(p.lower < p.estimate && p.estimate < p.upper);
  const panel = choicePanel(curve, grid);
  assert.deepEqual([...new Set(panel.rows.map((r) => r.dimension))], ["missing", "random", "ame", "reference"]);
  for (const dimension of ["missing", "random", "ame", "reference"] as const) {
    const positions = panel.rows.filter((r) => r.dimension === dimension).flatMap((r) => r.points).sort((a, b) => a - b);
    assert.deepEqual(positions, curve.points.map((_, i) => i), `${dimension}: each point once`);
  }
  for (const r of panel.rows) for (const i of r.points) assert.equal(curve.points[i]!.specification[r.dimension], r.choice);
  // The parents' curve has one comparison group, so its panel has no reference rows.
  const parents = specificationCurve(result, "ouders-hoger");
  assert.equal(parents.points.length, 2 * 2 * 3);
  assert.ok(!choicePanel(parents, grid).rows.some((r) => r.dimension === "reference"));

  const figure = specificationCurveFigure(curve, panel);
  assert.equal(figure.id, "spec-curve-niet-westers-doorstroom-2020");
  const [others, publishedTrace] = figure.data;
  assert.equal((others!.x as number[]).length + (publishedTrace!.x as number[]).length, curve.points.length);
  assert.deepEqual(publishedTrace!.x, [curve.publishedIndex + 1]);
  assert.ok(figure.data.some((t) => t["yaxis"] === "y2"), "the choice panel is a second axis under the curve");

  const rows = specificationCurveRows(curve);
  assert.equal(rows.length, curve.points.length);
  for (const r of rows) assert.equal(r.length, SPECIFICATION_CURVE_CSV_HEADER.length);
  assert.deepEqual(rows.map((r) => r[4]), curve.points.map((_, i) => i + 1));
  assert.equal(rows.filter((r) => r[10] === true).length, 1, "one published row");
  assert.equal(curveSummaryRows([curve, parents])[0]!.length, CURVE_SUMMARY_HEADER.length);
});

test("multiple imputation in the curve: one set of imputations for every random structure, the AME conventions pooled from the same completed-data fits", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kansen-curve-mi-"));
  const cache = new FitCache(join(dir, "fit-cache"));
  let fitted = 0;
  const counting: CurveSolvers = {
    single: () => fitDesign,
    completed: (label) => {
      const inner = cachedDesignSolver(cache, () => label);
      return (design, options) => {
        fitted++;
        return inner(design, options);
      };
    },
  };
  const imputations = imputeCito(buildCitoImputationModel({ outcome: "doorstroom", columns: frame.columns, reference: PUBLISHED_REFERENCE }), { m: 3, seed: 7, burnIn: 50, between: 10 });
  const grid = specificationGrid({ missing: ["multiple-imputation"], random: ["3-niveaus-helling", "2-niveaus"], reference: ["geen"] });
  const result = await estimateSpecifications({ outcome: "doorstroom", year: 2020, columns: frame.columns, reference: PUBLISHED_REFERENCE }, { grid, solvers: counting, imputations: firstImputations(imputations, 2) });
  assert.equal(result.imputations, 2);
  assert.equal(fitted, 2 * 2, "the solver is asked m x structures times: the three conventions share one pass over the fits");
  const entries = readdirSync(join(dir, "fit-cache")).filter((n) => !n.includes(".partial-")).length;
  assert.equal(entries, 2 * 2, "each completed data set is fitted once per random structure");
  const mi = result.estimates.filter((e) => e.quantity === "niet-westers");
  assert.equal(mi.length, 2 * 3);
  for (const e of mi) assert.ok(e.fmi !== null && e.m === 2);
  assert.throws(() => firstImputations(imputations, 4), /cannot take the first 4 of 3/);
});

test("the western comparison group recodes the published fit: the same estimates as a refit with that reference, without the fit", async () => {
  const formula = modelLadder("doorstroom")[4]!.formula;
  const reference = { ...PUBLISHED_REFERENCE, migratie: "westers" };
  const refit = fitDesign(buildDesign(formula, frame.columns, { reference: referencesFor(formula, reference) }));
  const base = fitDesign(buildDesign(formula, frame.columns, { reference: referencesFor(formula, PUBLISHED_REFERENCE) }));
  const recoded = reparametrise(base, refit.design);
  assert.deepEqual(recoded.design.fixed.names, refit.design.fixed.names);
  const p = refit.beta.length;
  for (let j = 0; j < p; j++) {
    assert.ok(Math.abs(recoded.beta[j]! - refit.beta[j]!) < 1e-4 * (1 + Math.abs(refit.beta[j]!)), `beta ${refit.design.fixed.names[j]}: ${recoded.beta[j]} vs ${refit.beta[j]}`);
    assert.ok(Math.abs(recoded.se[j]! - refit.se[j]!) < 2e-3 * refit.se[j]!, `se ${refit.design.fixed.names[j]}: ${recoded.se[j]} vs ${refit.se[j]}`);
  }
  const a = averageMarginalEffects(recoded).effects.find((e) => e.term === "migratieniet-westers")!;
  const b = averageMarginalEffects(refit).effects.find((e) => e.term === "migratieniet-westers")!;
  assert.ok(Math.abs(a.estimate - b.estimate) < 1e-5, `${a.estimate} vs ${b.estimate}`);
  assert.throws(() => reparametrise(base, buildDesign(modelLadder("doorstroom")[3]!.formula.replace(" + citojaar", ""), frame.columns, { reference: referencesFor(formula, PUBLISHED_REFERENCE) })), /not a recoding of the same model/);
});
