import { test } from "node:test";
import assert from "node:assert/strict";
import { intraclassCorrelation } from "../../src/stats/icc";
import { nakagawaR2 } from "../../src/stats/r2";
import { fixedEffectVariance } from "../../src/stats/variance-components";
import { buildFit, INTERCEPT, numeric } from "./fit-builder";

const PI2_3 = (Math.PI * Math.PI) / 3;

// Model 0 by hand: 4 students, 2 locations in 2 institutions, sigma2_loc = 1, sigma2_inst = 0.5.
function emptyModel() {
  return buildFit({
    columns: [{ name: "(Intercept)", info: INTERCEPT, values: [1, 1, 1, 1] }],
    beta: [-1],
    random: [
      { group: "locatie", terms: ["(Intercept)"], rowLevels: ["a", "a", "b", "b"], z: {}, sigma: [1], modes: { a: [0.3], b: [-0.3] } },
      { group: "instelling", terms: ["(Intercept)"], rowLevels: ["I", "I", "J", "J"], z: {}, sigma: [0.5], modes: { I: [0.1], J: [-0.1] } },
    ],
  });
}

test("ICC of the empty model: (1 + 0.5) / (1 + 0.5 + pi^2/3), per level 1 and 0.5 over the same denominator", () => {
  const icc = intraclassCorrelation(emptyModel());
  const denominator = 1.5 + PI2_3;
  assert.ok(Math.abs(icc.adjusted - 1.5 / denominator) < 1e-15);
  assert.ok(Math.abs(icc.unadjusted - icc.adjusted) < 1e-15, "no fixed-effect variance in model 0");
  assert.deepEqual(icc.byGroup.map((g) => g.group), ["locatie", "instelling"]);
  assert.ok(Math.abs(icc.byGroup[0].icc - 1 / denominator) < 1e-15);
  assert.ok(Math.abs(icc.byGroup[1].icc - 0.5 / denominator) < 1e-15);
  assert.equal(icc.hasRandomSlopes, false);
});

test("fixed-effect variance uses the n - 1 denominator: var(0, 0, 1, 1) = 1/3", () => {
  assert.ok(Math.abs(fixedEffectVariance(Float64Array.from([0, 0, 1, 1])) - 1 / 3) < 1e-15);
});

// A random slope by hand: x = (0, 0, 1, 1), beta = (0, 1) so var(X beta) = 1/3;
// Sigma = [[1, 0.5], [0.5, 2]]: mean z' Sigma z = 1 + 2 * 0.5 * mean(x) + 2 * mean(x^2) = 1 + 0.5 + 1 = 2.5.
function slopeModel(slopeName: string) {
  const x = [0, 0, 1, 1];
  return buildFit({
    columns: [
      { name: "(Intercept)", info: INTERCEPT, values: [1, 1, 1, 1] },
      { name: "x", info: numeric("x"), values: x },
    ],
    beta: [0, 1],
    random: [
      { group: "locatie", terms: ["(Intercept)", slopeName], rowLevels: ["a", "b", "a", "b"], z: { [slopeName]: x }, sigma: [1, 0.5, 0.5, 2], modes: {} },
    ],
  });
}

test("Nakagawa R2 with a random slope: sigma2_r = mean z' Sigma z = 2.5, sigma2_f = 1/3", () => {
  const r2 = nakagawaR2(slopeModel("x"));
  const total = 1 / 3 + 2.5 + PI2_3;
  assert.ok(Math.abs(r2.variances.random - 2.5) < 1e-15);
  assert.ok(Math.abs(r2.marginal - 1 / 3 / total) < 1e-15);
  assert.ok(Math.abs(r2.conditional - (1 / 3 + 2.5) / total) < 1e-15);
  assert.deepEqual(r2.droppedSlopes, []);
});

test("a random slope whose name is not a column of X is dropped as performance does, kept with slopes = 'all'", () => {
  const fit = slopeModel("x_copy");
  const asPerformance = nakagawaR2(fit);
  assert.ok(Math.abs(asPerformance.variances.random - 1) < 1e-15, "only the intercept variance remains");
  assert.deepEqual(asPerformance.droppedSlopes, ["x_copy | locatie"]);
  const all = nakagawaR2(fit, { slopes: "all" });
  assert.ok(Math.abs(all.variances.random - 2.5) < 1e-15);
  assert.ok(all.conditional > asPerformance.conditional);
});

test("ICC unadjusted counts the fixed-effect variance in the denominator", () => {
  const icc = intraclassCorrelation(slopeModel("x"));
  assert.ok(Math.abs(icc.adjusted - 2.5 / (2.5 + PI2_3)) < 1e-15);
  assert.ok(Math.abs(icc.unadjusted - 2.5 / (1 / 3 + 2.5 + PI2_3)) < 1e-15);
  assert.equal(icc.hasRandomSlopes, true);
});

test("(1 | g) + (0 + x | g): performance counts only the first term of a grouping factor (its VarCorr key 'g'), 'all' counts both", () => {
  const x = [0, 0, 1, 1];
  const fit = buildFit({
    columns: [
      { name: "(Intercept)", info: INTERCEPT, values: [1, 1, 1, 1] },
      { name: "x", info: numeric("x"), values: x },
    ],
    beta: [0, 1],
    random: [
      { group: "g", terms: ["(Intercept)"], rowLevels: ["a", "b", "a", "b"], z: {}, sigma: [1], modes: {} },
      { group: "g", terms: ["x"], rowLevels: ["a", "b", "a", "b"], z: { x }, sigma: [2], modes: {} },
    ],
  });
  const asPerformance = nakagawaR2(fit);
  assert.ok(Math.abs(asPerformance.variances.random - 1) < 1e-15);
  assert.deepEqual(asPerformance.droppedSlopes, ["x | g"]);
  // mean z' Sigma z of the slope term: 2 * mean(x^2) = 1.
  assert.ok(Math.abs(nakagawaR2(fit, { slopes: "all" }).variances.random - 2) < 1e-15);
  const icc = intraclassCorrelation(fit);
  assert.deepEqual(icc.byGroup.map((g) => g.group), ["g"], "the slope-only term has no intercept variance to report");
});
