import { test } from "node:test";
import assert from "node:assert/strict";
import { chiSquareUpperTail } from "../../src/numeric/distributions";
import { logGamma, upperIncompleteGammaQ } from "../../src/numeric/special-functions";
import { likelihoodRatioTest } from "../../src/stats/lrt";
import { compareModels, informationCriteria } from "../../src/stats/compare";
import { buildFit, INTERCEPT, numeric } from "./fit-builder";

const close = (a: number, b: number, rel: number, what: string) =>
  assert.ok(Math.abs(a - b) <= rel * Math.abs(b), `${what}: ${a} vs ${b}`);

test("chi-square upper tail: exact for df = 2 (exp(-x/2)), the 5% points of df 1 and 3, tiny tails keep precision", () => {
  for (const x of [0.1, 1, 5, 30, 200, 1400]) close(chiSquareUpperTail(x, 2), Math.exp(-x / 2), 1e-12, `df 2, x ${x}`);
  close(chiSquareUpperTail(3.841458820694124, 1), 0.05, 1e-10, "df 1");
  close(chiSquareUpperTail(7.814727903251178, 3), 0.05, 1e-10, "df 3");
  // df = 1: P(chi2 > x) = erfc(sqrt(x/2)); at x = 100, 1.523970e-23 (R: pchisq(100, 1, lower = FALSE)).
  close(chiSquareUpperTail(100, 1), 1.5239706048320995e-23, 1e-8, "df 1 tail");
  assert.equal(chiSquareUpperTail(0, 4), 1);
  close(Math.exp(logGamma(5)), 24, 1e-13, "Gamma(5)");
  close(Math.exp(logGamma(0.5)), Math.sqrt(Math.PI), 1e-13, "Gamma(1/2)");
  close(upperIncompleteGammaQ(1, 2), Math.exp(-2), 1e-13, "Q(1, 2)");
});

function fitWith(names: string[], beta: number[], logLik: number, theta: number[]) {
  const n = 10;
  return buildFit({
    columns: names.map((name, j) => ({ name, info: j === 0 ? INTERCEPT : numeric(name), values: Array.from({ length: n }, (_, i) => (j === 0 ? 1 : ((i + j) % 3) - 1)) })),
    beta,
    logLik,
    theta,
    random: [{ group: "g", terms: ["(Intercept)"], rowLevels: Array.from({ length: n }, (_, i) => `g${i % 2}`), z: {}, sigma: [1], modes: {} }],
  });
}

test("LRT: statistic 2 (ll1 - ll0), df = difference in parameters, p from chi2", () => {
  const m0 = fitWith(["(Intercept)"], [0.1], -120, [1]);
  const m1 = fitWith(["(Intercept)", "a", "b"], [0.2, 0.5, -0.3], -115, [0.9]);
  const lrt = likelihoodRatioTest(m0, m1, { smaller: "0", larger: "1a" });
  assert.equal(lrt.statistic, 10);
  assert.equal(lrt.df, 2);
  close(lrt.pValue, Math.exp(-5), 1e-12, "p");
  assert.equal(lrt.boundary, false);
  assert.throws(() => likelihoodRatioTest(m1, m0), /does not have more parameters/);
  const slope = fitWith(["(Intercept)", "a", "b"], [0.2, 0.5, -0.3], -114, [0.9, 0.1, 0.2]);
  assert.equal(likelihoodRatioTest(m1, slope).boundary, true);
});

test("model comparison: AIC/BIC, one LRT per step, coefficient paths with changes", () => {
  const fits = [
    { name: "0", fit: fitWith(["(Intercept)"], [0.1], -120, [1]) },
    { name: "1a", fit: fitWith(["(Intercept)", "a"], [0.2, 0.5], -115, [1]) },
    { name: "1b", fit: fitWith(["(Intercept)", "a", "b"], [0.3, 0.4, -0.3], -110, [1]) },
  ];
  const cmp = compareModels(fits);
  assert.deepEqual(cmp.models, ["0", "1a", "1b"]);
  const ic = informationCriteria(-110, 4, 10);
  assert.equal(ic.aic, 228);
  close(ic.bic, 220 + 4 * Math.log(10), 1e-15, "BIC");
  assert.equal(cmp.criteria[2].aic, 228);
  assert.equal(cmp.tests.length, 2);
  assert.equal(cmp.tests[1].statistic, 10);
  assert.equal(cmp.tests[1].df, 1);
  const a = cmp.coefficients.find((c) => c.term === "a");
  assert.ok(a);
  assert.deepEqual(a.estimates, [null, 0.5, 0.4]);
  assert.equal(a.change[0], null);
  assert.equal(a.change[1], null);
  close(a.change[2] ?? NaN, -0.1, 1e-12, "change of a");
  assert.deepEqual(cmp.coefficients.map((c) => c.term), ["(Intercept)", "a", "b"]);
});

test("model comparison: a pair fitted to different rows is reported as untestable, not thrown", () => {
  const small = fitWith(["(Intercept)"], [0.1], -120, [1]);
  const other = buildFit({
    columns: [
      { name: "(Intercept)", info: INTERCEPT, values: [1, 1, 1] },
      { name: "a", info: numeric("a"), values: [0, 1, 0] },
    ],
    beta: [0, 1],
    logLik: -100,
    theta: [1],
    random: [{ group: "g", terms: ["(Intercept)"], rowLevels: ["g0", "g1", "g0"], z: {}, sigma: [1], modes: {} }],
  });
  const cmp = compareModels([{ name: "0", fit: small }, { name: "1a", fit: other }]);
  assert.equal(cmp.tests.length, 0);
  assert.equal(cmp.untestable.length, 1);
  assert.match(cmp.untestable[0], /^0 -> 1a: likelihood-ratio test needs the same rows: .* has 10, .* has 3/);
});
