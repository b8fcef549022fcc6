import { test } from "node:test";
import assert from "node:assert/strict";
import { locationEffects } from "../../src/stats/location-effects";
import { compareCoefficients, dropFixedTerms, refitWithout } from "../../src/stats/robustness";
import { buildFit, INTERCEPT, level, numeric } from "./fit-builder";

function slopeFit() {
  const nw = [0, 1, 0, 1, 1, 0];
  return buildFit({
    columns: [
      { name: "(Intercept)", info: INTERCEPT, values: [1, 1, 1, 1, 1, 1] },
      { name: "migratieniet-westers", info: level("migratie", "niet-westers", "geen"), values: nw },
    ],
    beta: [-1, 0.6],
    random: [
      {
        group: "locatie",
        terms: ["(Intercept)", "niet_westers"],
        rowLevels: ["a", "a", "b", "b", "c", "c"],
        z: { niet_westers: nw },
        sigma: [0.25, 0.02, 0.02, 0.04],
        modes: { a: [0.3, -0.1], b: [-0.2, 0.05], c: [0.1, 0.2] },
        condVar: { a: [0.04, 0, 0, 0.09], b: [0.01, 0, 0, 0.01], c: [0.0025, 0, 0, 0.0016] },
      },
    ],
  });
}

test("location effects: caterpillar data sorted by mode, conditional SDs, beta_nw +- 1.96 sd_slope", () => {
  const fit = slopeFit();
  const le = locationEffects(fit);
  assert.equal(le.slopeName, "niet_westers");
  assert.equal(le.fixedSlopeTerm, "migratieniet-westers");
  assert.deepEqual(le.byIntercept.map((e) => e.level), ["b", "c", "a"]);
  assert.deepEqual(le.bySlope.map((e) => e.level), ["a", "b", "c"]);
  const a = le.byIntercept[2];
  assert.equal(a.interceptSd, 0.2);
  assert.equal(a.slopeSd, 0.3);
  assert.equal(a.n, 2);
  assert.ok(le.slopeSpread);
  assert.equal(le.slopeSpread.sd, 0.2);
  assert.ok(Math.abs(le.slopeSpread.lower - (0.6 - 1.959963984540054 * 0.2)) < 1e-15);
  assert.ok(Math.abs(le.slopeSpread.upper - (0.6 + 1.959963984540054 * 0.2)) < 1e-15);
  assert.ok(Math.abs(le.interceptSpread.sd - 0.5) < 1e-15);
  let md = 0;
  for (const p of fit.fitted) md += p * (1 - p);
  md /= 6;
  assert.ok(le.slopeSpreadProbability);
  assert.ok(Math.abs(le.slopeSpreadProbability.upper - md * le.slopeSpread.upper) < 1e-15);
  assert.throws(() => locationEffects(fit, { group: "instelling" }), /no random-effects term for group 'instelling'/);
});

test("dropFixedTerms removes top-level terms only and names a term that is not there", () => {
  const f = "doorstroom ~ migratie + cito + cito_missing + citojaar + (1 + niet_westers | locatie) + (1 | instelling)";
  assert.equal(dropFixedTerms(f, ["cito", "cito_missing", "citojaar"]), "doorstroom ~ migratie + (1 + niet_westers | locatie) + (1 | instelling)");
  assert.throws(() => dropFixedTerms(f, ["citoscore"]), /term 'citoscore' is not a term/);
});

function linearFit(formula: string, names: string[], beta: number[], converged: boolean) {
  const fit = buildFit({
    formula,
    columns: names.map((name, j) => ({ name, info: j === 0 ? INTERCEPT : numeric(name), values: [1, j % 2, (j + 1) % 2, 1] })),
    beta,
    random: [],
  });
  return { ...fit, convergence: { ...fit.convergence, converged } };
}

test("robustness: refit without the cito terms and compare every remaining coefficient", async () => {
  const full = linearFit("y ~ a + cito + b", ["(Intercept)", "a", "cito", "b"], [0.5, 0.4, 0.1, -0.2], false);
  const seen: string[] = [];
  const { comparison } = await refitWithout(full, {}, ["cito"], (formula) => {
    seen.push(formula);
    return linearFit(formula, ["(Intercept)", "a", "b"], [0.45, 0.42, -0.25], true);
  });
  assert.deepEqual(seen, ["y ~ a + b"]);
  assert.deepEqual(comparison.coefficients.map((c) => c.term), ["(Intercept)", "a", "b"]);
  const b = comparison.coefficients[2];
  assert.ok(Math.abs(b.change - -0.05) < 1e-15);
  assert.ok(Math.abs(b.relativeChange - -0.25) < 1e-12);
  assert.ok(Math.abs(comparison.maxAbsRelativeChange - 0.25) < 1e-12);
  assert.ok(Math.abs(comparison.maxAbsChange - 0.05) < 1e-15, "the intercept's change is not counted");
  assert.equal(comparison.fullConvergence.converged, false);
  assert.equal(comparison.reducedConvergence.converged, true);
  assert.equal(compareCoefficients(full, full).maxAbsChange, 0);
});
