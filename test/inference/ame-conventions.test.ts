/**
 * The AMEs in the three random-effects conventions (conditional on the modes, at zero, integrated over
 * N(0, Sigma)) and both effect conventions (published derivative, discrete change), against a direct R
 * computation on lme4's own fit of the i_slope data (scripts/r/make-interval-fixtures.R "ame": R's
 * predictions on counterfactual X, the integral by the trapezoid rule on a fine grid, SEs by central
 * differences in beta with vcov(fit)). The fit is rebuilt from R's numbers (test/stats/r-fit.ts), so
 * only the AME computation is compared: estimates within 1e-8 (R's central differences, h = 1e-5,
 * carry ~1e-10), SEs within 1e-5 relative.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { AME_CONVENTIONS, AME_RANDOM_EFFECTS, averageMarginalEffects, type AmeConvention, type AmeRandomEffects } from "../../src/stats/ame";
import { marginalMoments, randomEffectVariance } from "../../src/stats/marginal-probability";
import { fitFromR, readPlainCsv, type RModel } from "../stats/r-fit";

const DIR = join(__dirname, "..", "fixtures", "intervals");

interface AmeFixture {
  formula: string;
  software: Record<string, string>;
  model: RModel;
  ame: Record<string, { term: string; estimate: number; se: number }[]>;
}

const fixture = JSON.parse(readFileSync(join(DIR, "i_slope.ame.json"), "utf8")) as AmeFixture;
const fit = fitFromR(fixture.model, readPlainCsv(join(DIR, "i_slope.csv"), ["y", "nw", "w"]));
const NAMES: Record<string, AmeRandomEffects> = { conditional: "included", zero: "excluded", integrated: "integrated" };

for (const key of Object.keys(fixture.ame)) {
  const [convention, reName] = key.split(".") as [AmeConvention, string];
  const randomEffects = NAMES[reName];
  test(`AME ${convention}, ${AME_RANDOM_EFFECTS[randomEffects]}: R's direct computation on lme4's fit`, () => {
    const ours = averageMarginalEffects(fit, { convention, randomEffects });
    assert.equal(ours.label, `${convention} (${AME_CONVENTIONS[convention]}), ${AME_RANDOM_EFFECTS[randomEffects]}`);
    for (const expected of fixture.ame[key]) {
      const e = ours.effects.find((x) => x.term === expected.term);
      assert.ok(e, `term ${expected.term}`);
      assert.ok(Math.abs(e.estimate - expected.estimate) < 1e-8, `${expected.term}: ${e.estimate} vs R ${expected.estimate}`);
      assert.ok(Math.abs(e.se / expected.se - 1) < 1e-5, `${expected.term} SE: ${e.se} vs R ${expected.se}`);
    }
    // The slope dummy mnw carries the random slope nw in every convention but "at zero".
    assert.equal(ours.effects.find((x) => x.term === "mnw")!.randomSlope, randomEffects !== "excluded");
    if (randomEffects === "integrated") {
      assert.equal(ours.quadrature!.nodes, 20);
      assert.ok(ours.quadrature!.error < 1e-10, `quadrature error ${ours.quadrature!.error}`);
    } else {
      assert.equal(ours.quadrature, null);
    }
  });
}

test("the three conventions differ as they should: integrated and conditional below the zero-effect AME (a logistic curve averaged over spread is flatter)", () => {
  const at = (randomEffects: AmeRandomEffects): number => averageMarginalEffects(fit, { randomEffects }).effects.find((e) => e.term === "w")!.estimate;
  assert.ok(at("integrated") < at("excluded") && at("included") < at("excluded"), `${at("integrated")} ${at("included")} ${at("excluded")}`);
});

test("the integrated probability: 60 nodes change no row's by more than 1e-9 at the fit's variances (z'Sigma z up to 0.93 here), and a zero variance gives logistic(eta)", () => {
  const variance = randomEffectVariance(fit);
  const a = marginalMoments(fit.etaFixed, variance, 20);
  const b = marginalMoments(fit.etaFixed, variance, 60);
  let worst = 0;
  for (let i = 0; i < fit.nobs; i++) worst = Math.max(worst, Math.abs(a.p[i] - b.p[i]));
  assert.ok(worst < 1e-9, `${worst}`);
  const zero = marginalMoments(Float64Array.of(-1, 0, 2), new Float64Array(3), 20);
  [-1, 0, 2].forEach((e, i) => assert.ok(Math.abs(zero.p[i] - 1 / (1 + Math.exp(-e))) < 1e-15));
  // Few nodes are visibly worse, and the reported error says so.
  const coarse = averageMarginalEffects(fit, { randomEffects: "integrated", quadratureNodes: 2 });
  assert.ok(coarse.quadrature!.error > 1e-6, `${coarse.quadrature!.error}`);
});

test("the options are checked: an unknown convention or node count is an error that names it", () => {
  assert.throws(() => averageMarginalEffects(fit, { randomEffects: "marginal" as AmeRandomEffects }), /random effects must be one of included, excluded, integrated, got "marginal"/);
  assert.throws(() => averageMarginalEffects(fit, { randomEffects: "integrated", quadratureNodes: 0 }), /quadratureNodes must be a whole number from 1 to 75, got 0/);
});
