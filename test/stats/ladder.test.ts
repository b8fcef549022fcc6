import { test } from "node:test";
import assert from "node:assert/strict";
import type { GlmmFit } from "../../src/glmm/types";
import type { ColumnTable, GlmmDesign } from "../../src/model/types";
import { designFitter, fitLadder, modelLadder, robustnessModel, type LadderProgress } from "../../src/analysis/models";
import { frameColumns } from "../pipeline/frame-fixture";

test("the ladder of 3a Tabel 2 as formulas over the frame columns", () => {
  const ladder = modelLadder("vsv");
  assert.deepEqual(ladder.map((m) => m.id), ["0", "1a", "1b", "1c", "2"]);
  assert.equal(ladder[0].formula, "vsv ~ 1 + (1 | locatie) + (1 | instelling)");
  assert.equal(ladder[1].formula, "vsv ~ migratie + ouders + (1 | locatie) + (1 | instelling)");
  assert.equal(ladder[2].formula, "vsv ~ migratie + ouders + geslacht + leeftijd + niveau + sector + leerweg + (1 | locatie) + (1 | instelling)");
  assert.equal(
    ladder[3].formula,
    "vsv ~ migratie + ouders + geslacht + leeftijd + niveau + sector + leerweg + cito + cito_missing + citojaar + (1 | locatie) + (1 | instelling)",
  );
  assert.equal(
    ladder[4].formula,
    "vsv ~ migratie + ouders + geslacht + leeftijd + niveau + sector + leerweg + cito + cito_missing + citojaar + (1 + niet_westers | locatie) + (1 | instelling)",
  );
  assert.equal(
    robustnessModel("doorstroom").formula,
    "doorstroom ~ migratie + ouders + geslacht + leeftijd + niveau + sector + leerweg + (1 + niet_westers | locatie) + (1 | instelling)",
  );
});

// A small frame with every analysis-frame column (data-schema/README.md).
const frame = (n: number): ColumnTable => frameColumns(n);

// A stand-in for the solver: deterministic parameters on the real design (the plumbing is under test,
// not the optimiser). logLik grows with the number of parameters so every LRT step is positive.
function fakeSolver(design: GlmmDesign): GlmmFit {
  const n = design.nobs;
  const p = design.fixed.names.length;
  const beta = Float64Array.from({ length: p }, (_, j) => (j === 0 ? -0.8 : 0.1 * (j % 5) - 0.2));
  const etaFixed = new Float64Array(n);
  for (let j = 0; j < p; j++) for (let i = 0; i < n; i++) etaFixed[i] += beta[j] * design.fixed.columns[j][i];
  const varcorr = design.random.map((t) => {
    const k = t.terms.length;
    const covariance = new Float64Array(k * k);
    for (let s = 0; s < k; s++) covariance[s * k + s] = 0.2;
    return { group: t.group, terms: t.terms, covariance, sd: t.terms.map(() => Math.sqrt(0.2)), corr: t.terms.map((_, s) => t.terms.map((__, u) => (s === u ? 1 : 0))) };
  });
  const ranef = design.random.map((t) => {
    const k = t.terms.length;
    const modes = Float64Array.from({ length: t.levels.length * k }, (_, q) => 0.05 * ((q % 7) - 3));
    return { group: t.group, terms: t.terms, levels: t.levels, modes, condVar: new Float64Array(t.levels.length * k * k).fill(0.01) };
  });
  const eta = Float64Array.from(etaFixed);
  design.random.forEach((t, r) => {
    const k = t.terms.length;
    for (let i = 0; i < n; i++) for (let s = 0; s < k; s++) eta[i] += t.z[s][i] * ranef[r].modes[t.index[i] * k + s];
  });
  const theta = new Float64Array(design.random.reduce((a, t) => a + (t.terms.length * (t.terms.length + 1)) / 2, 0)).fill(0.4);
  const df = p + theta.length;
  const logLik = -0.6 * n + 2 * df;
  const vcov = new Float64Array(p * p);
  for (let j = 0; j < p; j++) vcov[j * p + j] = 0.01;
  return {
    design,
    beta,
    se: new Float64Array(p).fill(0.1),
    vcov,
    seMethod: "fake",
    theta,
    varcorr,
    ranef,
    eta,
    etaFixed,
    fitted: eta.map((e) => 1 / (1 + Math.exp(-e))),
    logLik,
    deviance: -2 * logLik,
    aic: -2 * logLik + 2 * df,
    bic: -2 * logLik + df * Math.log(n),
    df,
    nobs: n,
    ngroups: Object.fromEntries(design.random.map((t) => [t.group, t.levels.length])),
    convergence: { converged: true, optimizer: "fake", iterations: 0, functionEvaluations: 0, maxAbsGradient: 0, maxAbsScaledGradient: 0, minHessianEigenvalue: 1, singular: false, messages: [] },
    elapsedSeconds: 0,
    threads: 1,
  };
}

test("fitLadder fits 0..2 and the robustness model with the frame's reference levels, and computes every statistic", async () => {
  const progress: LadderProgress[] = [];
  const formulas: string[] = [];
  const solver = (design: GlmmDesign) => {
    formulas.push(design.formula);
    return fakeSolver(design);
  };
  const result = await fitLadder(frame(400), "doorstroom", designFitter(solver), { onProgress: (p) => progress.push(p) });
  assert.deepEqual(result.models.map((m) => m.spec.id), ["0", "1a", "1b", "1c", "2"]);
  assert.equal(formulas.length, 6);
  assert.equal(formulas[5], robustnessModel("doorstroom").formula);
  const m2 = result.models[4];
  const names = m2.fit.design.fixed.names;
  for (const t of ["niveau1", "niveau2", "niveau4", "migratieniet-westers", "leerwegbbl", "geslachtvrouw", "oudershoger", "oudersonbekend", "citojaar>2014"]) {
    assert.ok(names.includes(t), `${t} in ${names.join(", ")}`);
  }
  assert.ok(!names.includes("niveau3") && !names.includes("leerwegbol") && !names.includes("citojaar2009"), "references are the frame's");
  assert.equal(m2.ame.effects.length, names.length - 1);
  assert.equal(m2.ame.effects.find((e) => e.term === "migratieniet-westers")?.randomSlope, true);
  assert.ok(m2.r2.conditional > m2.r2.marginal);
  assert.equal(result.comparison.tests.length, 4);
  assert.equal(result.comparison.tests[3].boundary, true, "1c -> 2 adds slope variance parameters");
  assert.ok(result.locationEffects);
  assert.equal(result.locationEffects.byIntercept.length, 12);
  assert.equal(result.locationEffects.fixedSlopeTerm, "migratieniet-westers");
  assert.ok(result.robustness);
  assert.ok(result.robustness.comparison.coefficients.every((c) => !c.term.startsWith("cito")));
  for (const id of ["0", "1a", "1b", "1c", "2", "2-zonder-cito"]) {
    assert.ok(progress.some((p) => p.model === id && p.stage === "done"), `progress done for ${id}`);
  }
});

test("fitLadder with a subset of models skips the robustness refit when model 2 is not among them", async () => {
  const result = await fitLadder(frame(200), "doorstroom", designFitter(fakeSolver), { models: ["0", "1a"] });
  assert.deepEqual(result.models.map((m) => m.spec.id), ["0", "1a"]);
  assert.equal(result.robustness, null);
  assert.equal(result.locationEffects, null);
  assert.equal(result.comparison.tests.length, 1);
});

test("fitLadder with the real solver on the R check data: model 0's ICC equals performance::icc of R's own fit", async () => {
  const { readPlainCsv } = await import("./r-fit");
  const { readFileSync } = await import("node:fs");
  const reference = JSON.parse(readFileSync("test/stats/r/stats-check.json", "utf8")) as {
    models: { m0: { icc: { ICC_adjusted: number }; logLik: number } };
  };
  const d = readPlainCsv("test/stats/r/stats-check.csv", ["y", "niet_westers", "leeftijd"]);
  const extra = frame(d.y.length);
  const data: ColumnTable = { ...extra, doorstroom: d.y, migratie: d.migratie, niet_westers: d.niet_westers, leeftijd: d.leeftijd, leerweg: d.leerweg, locatie: d.locatie, instelling: d.instelling };
  const result = await fitLadder(data, "doorstroom", undefined, { models: ["0", "1a", "2"] });
  const [m0, m1a, m2] = result.models;
  assert.ok(m0.fit.convergence.converged && m1a.fit.convergence.converged && m2.fit.convergence.converged);
  assert.ok(Math.abs(m0.icc.adjusted - reference.models.m0.icc.ICC_adjusted) < 0.001, `ICC ${m0.icc.adjusted}`);
  assert.ok(Math.abs(m0.fit.logLik - reference.models.m0.logLik) < 0.01, `logLik ${m0.fit.logLik}`);
  assert.equal(result.comparison.tests[1].statistic, 2 * (m2.fit.logLik - m1a.fit.logLik));
  assert.ok(result.robustness && result.robustness.comparison.coefficients.length === m2.fit.beta.length - 7);
});
