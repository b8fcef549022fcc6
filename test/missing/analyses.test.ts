/**
 * The four missing-data analyses (analyses.ts) and their comparison (compare.ts) on the small frame:
 * what each fits, that a failed or non-converged completed-data fit is counted and reported (never
 * dropped silently), and the comparison table's lines.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { fitDesign } from "../../src/glmm/fit";
import type { GlmmFit, GlmmOptions } from "../../src/glmm/types";
import type { GlmmDesign } from "../../src/model/types";
import {
  buildCitoImputationModel,
  compareMissingDataMethods,
  imputeCito,
  completeCaseAnalysis,
  completeDataFormula,
  missingIndicatorAnalysis,
  multipleImputationAnalysis,
  noCitoAnalysis,
  FOCUS_TERMS,
} from "../../src/missing";
import { smallFrame } from "./small-frame";

const frame = smallFrame();
const quick = { burnIn: 200, between: 20 } as const;

test("the single-fit methods fit what they say, on the rows they say", async () => {
  const mi = await missingIndicatorAnalysis(frame);
  assert.ok(mi.formula.includes("cito_missing"));
  assert.equal(mi.nobs, 2000);
  assert.equal(mi.m, 1);
  assert.equal(mi.fits.length, 1);
  assert.ok(mi.coefficients.every((c) => c.fmi === null && c.df === Infinity));
  const nc = await noCitoAnalysis(frame);
  assert.ok(!nc.formula.includes("cito"));
  const cc = await completeCaseAnalysis(frame);
  assert.equal(cc.formula, completeDataFormula("doorstroom"));
  const nMissing = Array.from(frame.columns.cito_missing as Float64Array).filter((v) => v === 1).length;
  assert.equal(cc.nobs, 2000 - nMissing);
  assert.equal(cc.rowsLeftOut, nMissing);
  assert.ok(!cc.coefficients.some((c) => c.term === "cito_missing"));
  // Wald rows: estimate +- 1.96 SE.
  const nw = cc.coefficients.find((c) => c.term === "migratieniet-westers");
  assert.ok(nw && Math.abs(nw.upper - nw.estimate - 1.959963984540054 * nw.se) < 1e-12);
  assert.ok(cc.fit !== null);
});

test("multiple imputation pools every fit, with Rubin's quantities for every coefficient and AME", async () => {
  const r = await multipleImputationAnalysis(frame, { m: 5, seed: 3, ...quick });
  assert.equal(r.m, 5);
  assert.equal(r.seed, 3);
  assert.equal(r.fits.length, 5);
  assert.deepEqual(r.convergence, { converged: 5, notConverged: 0, failed: 0, pooled: 5 });
  assert.equal(r.coefficients.length, 20);
  assert.equal(r.ames.length, 19);
  for (const row of [...r.coefficients, ...r.ames]) {
    assert.ok(row.within !== null && row.between !== null && row.total !== null && row.fmi !== null && row.lambda !== null && row.riv !== null);
    assert.ok(Math.abs(row.total - (row.within + 1.2 * row.between)) < 1e-12 * row.total);
    assert.ok(row.df > 0 && row.fmi >= 0 && row.fmi <= 1);
  }
  // The complete-data df: nobs - (20 fixed effects + 4 variance parameters).
  assert.equal(r.dfComplete, 2000 - 24);
  assert.ok(r.imputationModel !== null && r.imputationModel.imputed > 0 && r.imputationModel.chain.sweeps === 200 + 5 * 20);
  assert.ok(r.imputationModel.description.includes("random intercepts for location and institution"));
  assert.ok(r.timing.totalSeconds >= r.timing.fitSeconds);
  // The first fit starts where lme4 does, the others at the first one's estimates.
  assert.deepEqual(r.fits.map((f) => f.start), ["lme4 start", "warm start", "warm start", "warm start", "warm start"]);
  const cold = await multipleImputationAnalysis(frame, { m: 5, seed: 3, ...quick, completedFits: "full", warmStart: false });
  assert.ok(cold.fits.every((f) => f.start === "lme4 start"));
  // Same completed data sets, same optima up to the solver's convergence tolerance: the refits near the
  // first optimum (the default) find the optima of full fits from lme4's start.
  r.coefficients.forEach((c, j) => assert.ok(Math.abs(c.estimate - cold.coefficients[j].estimate) < 1e-4 * Math.max(1, c.se), `${c.term}: refit ${c.estimate} cold ${cold.coefficients[j].estimate}`));
  // The refits' within-imputation covariance, (RX'RX)^-1 plus the first fit's Hessian correction, gives
  // the pooled SEs of full fits with their own Hessians, to well within a percent.
  for (const [rows, fullRows] of [[r.coefficients, cold.coefficients], [r.ames, cold.ames]] as const) {
    rows.forEach((c, j) => assert.ok(Math.abs(c.se / fullRows[j].se - 1) < 0.005, `${c.term}: SE refit ${c.se} full ${fullRows[j].se}`));
  }
  // cito is the most affected coefficient: its FMI is the largest among the covariates of interest.
  const fmi = (t: string): number => r.coefficients.find((c) => c.term === t)?.fmi ?? Number.NaN;
  assert.ok(fmi("cito") > fmi("geslachtvrouw"));
});

test("a failed fit is left out and counted; a non-converged one is pooled or excluded as asked, never silently", async () => {
  let call = 0;
  const flaky = (design: GlmmDesign, options?: GlmmOptions): GlmmFit => {
    call++;
    if (call === 2) throw new Error("simulated solver failure");
    const fit = fitDesign(design, options);
    if (call === 3) return { ...fit, convergence: { ...fit.convergence, converged: false, messages: ["Model failed to converge (simulated)"] } };
    return fit;
  };
  const kept = await multipleImputationAnalysis(frame, { m: 4, seed: 5, ...quick, completedFits: "full", solve: flaky });
  assert.deepEqual(kept.convergence, { converged: 2, notConverged: 1, failed: 1, pooled: 3 });
  assert.equal(kept.fits[1].status, "failed");
  assert.deepEqual(kept.fits[1].messages, ["simulated solver failure"]);
  assert.equal(kept.fits[1].pooled, false);
  assert.equal(kept.fits[2].status, "not-converged");
  assert.equal(kept.fits[2].pooled, true);
  call = 0;
  const excluded = await multipleImputationAnalysis(frame, { m: 4, seed: 5, ...quick, completedFits: "full", solve: flaky, nonConverged: "exclude" });
  assert.deepEqual(excluded.convergence, { converged: 2, notConverged: 1, failed: 1, pooled: 2 });
  assert.equal(excluded.fits[2].pooled, false);
  call = 0;
  const failing = (design: GlmmDesign, options?: GlmmOptions): GlmmFit => {
    call++;
    if (call > 1) throw new Error("boom");
    return fitDesign(design, options);
  };
  await assert.rejects(multipleImputationAnalysis(frame, { m: 3, seed: 5, ...quick, solve: failing }), /only 1 of 3 completed-data fits can be pooled[\s\S]*imputation 2: failed \(boom\)/);
});

test("the comparison lines: focus terms, coefficient and AME, each method, differences from the published estimate", async () => {
  const analyses = [
    await missingIndicatorAnalysis(frame),
    await noCitoAnalysis(frame),
    await completeCaseAnalysis(frame),
    await multipleImputationAnalysis(frame, { m: 3, seed: 1, ...quick }),
  ];
  const cmp = compareMissingDataMethods(analyses);
  assert.equal(cmp.lines.length, 2 * FOCUS_TERMS.length * 4);
  const published = cmp.lines.filter((l) => l.method === "missing-indicator");
  assert.ok(published.every((l) => l.differenceFromPublished === 0));
  const mi = cmp.lines.find((l) => l.method === "multiple-imputation" && l.term === "migratieniet-westers" && l.quantity === "ame");
  const base = published.find((l) => l.term === "migratieniet-westers" && l.quantity === "ame");
  assert.ok(mi && base && mi.fmi !== null && mi.m === 3);
  assert.equal(mi.differenceFromPublished, mi.estimate - base.estimate);
  assert.throws(() => compareMissingDataMethods([]), /no analyses/);
  assert.throws(() => compareMissingDataMethods(analyses, ["nonexistent"]), /has no coefficient 'nonexistent'/);
});

test("predictive mean matching and normal draws give the same pooled estimates within Monte Carlo error", async () => {
  // The scores of the small frame are rounded normal values clipped to 0-50, so drawing donors' scores
  // (pmm) or normal values around the same predictions must agree up to the Monte Carlo error of two
  // independent MI runs, 4 sqrt((B_1 + B_2) / m), plus 0.1 SE for what differs between the two on purpose
  // (the donors' empirical residual distribution, with its pile-up at 50, against the normal one).
  const m = 20;
  const pmm = await multipleImputationAnalysis(frame, { m, seed: 31, burnIn: 500, between: 50, draw: "pmm" });
  const normal = await multipleImputationAnalysis(frame, { m, seed: 32, burnIn: 500, between: 50, draw: "normal" });
  for (const term of ["cito", ...FOCUS_TERMS]) {
    const a = pmm.coefficients.find((c) => c.term === term);
    const b = normal.coefficients.find((c) => c.term === term);
    assert.ok(a && b && a.between !== null && b.between !== null);
    const tol = 4 * Math.sqrt((a.between + b.between) / m) + 0.1 * a.se;
    assert.ok(Math.abs(a.estimate - b.estimate) <= tol, `${term}: pmm ${a.estimate} vs normal ${b.estimate} (tolerance ${tol})`);
  }
});

test("another random structure on the same imputations: reuse, and every method takes the random terms", async () => {
  const imputations = imputeCito(buildCitoImputationModel(frame), { m: 3, seed: 8, ...quick });
  const randomTerms = ["(1 | locatie)", "(1 | instelling)"];
  const a = await multipleImputationAnalysis(frame, { imputations, randomTerms });
  assert.equal(a.formula, "doorstroom ~ migratie + ouders + geslacht + leeftijd + niveau + sector + leerweg + cito + citojaar + (1 | locatie) + (1 | instelling)");
  assert.equal(a.timing.imputationSeconds, 0);
  assert.equal(a.seed, 8);
  const b = await multipleImputationAnalysis(frame, { imputations, otherAmeRandomEffects: ["excluded"] });
  assert.ok(b.formula.includes("(1 + niet_westers | locatie)"));
  // Another AME convention pooled from the same fits is the analysis asked for that convention, bit for bit.
  const excluded = await multipleImputationAnalysis(frame, { imputations, ameRandomEffects: "excluded" });
  assert.deepEqual(b.otherAmes?.map((o) => o.ameRandomEffects), ["excluded"]);
  assert.deepEqual(b.otherAmes?.[0]?.ames, excluded.ames);
  assert.deepEqual(b.coefficients, excluded.coefficients);
  // Same completed data sets: the cito coefficient's between-imputation variance comes from the same draws.
  assert.ok(a.coefficients.some((c) => c.term === "cito"));
  for (const f of [missingIndicatorAnalysis, noCitoAnalysis, completeCaseAnalysis]) {
    const r = await f(frame, { randomTerms });
    assert.ok(r.formula.endsWith("(1 | locatie) + (1 | instelling)"), r.formula);
  }
  const other = { ...frame, columns: { ...frame.columns, doorstroom: (frame.columns.doorstroom as Float64Array).subarray(0, 10) } };
  await assert.rejects(multipleImputationAnalysis(other, { imputations }), /imputations given are of a 2000-row doorstroom frame, not of this 10-row/);
});
