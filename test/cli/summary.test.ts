import { test } from "node:test";
import assert from "node:assert/strict";
import { fitToJson } from "../../src/cli/fitJson";
import { twoSidedNormalP } from "../../src/numeric/distributions";
import { erfc } from "../../src/numeric/special-functions";
import { formatPValue, formatSummary, scaledResidualQuantiles, significanceStars } from "../../src/cli/summary";
import { buildDesign } from "../../src/model/design";
import type { GlmmFit } from "../../src/glmm/types";

test("two-sided normal p-values: exact quantiles and R's 2 * pnorm(-z) to 1e-13 relative", () => {
  assert.equal(twoSidedNormalP(0), 1);
  // 1.959963984540054 = qnorm(0.975), 2.5758293035489 = qnorm(0.995), 3.2905267314919 = qnorm(0.9995)
  assert.ok(Math.abs(twoSidedNormalP(1.959963984540054) - 0.05) < 1e-15);
  assert.ok(Math.abs(twoSidedNormalP(-2.5758293035489004) - 0.01) < 1e-15);
  assert.ok(Math.abs(twoSidedNormalP(3.2905267314918945) / 0.001 - 1) < 1e-12);
  // Values printed by R 4.2: 2 * pnorm(-z) with options(digits = 17).
  const r: [number, number][] = [
    [0.5, 6.1707507745197387e-1],
    [2, 4.5500263896358424e-2],
    [3, 2.6997960632601892e-3],
    [6, 1.9731752900753962e-9],
    [10, 1.5239706048321054e-23],
    [20, 5.5072482372124675e-89],
  ];
  for (const [z, p] of r) assert.ok(Math.abs(twoSidedNormalP(z) / p - 1) < 1e-13, `z = ${z}: ${twoSidedNormalP(z)} vs ${p}`);
  assert.equal(erfc(-Infinity), 2);
  assert.ok(Number.isNaN(twoSidedNormalP(NaN)));
});

test("p-value text and stars as R prints them", () => {
  assert.equal(formatPValue(1e-20), "< 2e-16");
  assert.equal(formatPValue(9.39e-8), "9.39e-08");
  assert.equal(formatPValue(0.01533), "0.0153");
  assert.equal(formatPValue(NaN), "NA");
  assert.deepEqual([0.0005, 0.005, 0.03, 0.07, 0.5].map(significanceStars), ["***", "**", "*", ".", ""]);
});

/** A fit object made by hand around a real design, to test the output layer alone. */
function handMadeFit(converged: boolean): GlmmFit {
  const design = buildDesign("y ~ x + c2 + (1 + x | g) + (1 | h)", {
    y: [1, 0, 1, 1, 0, 0, 1, 0, 1, 1, 0, 1],
    x: Float64Array.from([0.5, 1.2, -0.3, 2.2, 0.1, NaN, -1.1, 0.4, 0.9, 1.5, -0.2, 0.3]),
    c2: new Float64Array(12).fill(2),
    g: ["a", "a", "a", "b", "b", "b", "c", "c", "c", "d", "d", "d"],
    h: ["p", "p", "p", "p", "p", "p", "q", "q", "q", "q", "q", "q"],
  });
  const n = design.nobs;
  return {
    design,
    beta: Float64Array.from([-0.25, 0.8]),
    se: Float64Array.from([0.5, 0.2]),
    vcov: Float64Array.from([0.25, 0, 0, 0.04]),
    seMethod: "hessian (test)",
    theta: Float64Array.from([0.5, 0.1, 0.2, 0.3]),
    varcorr: [
      { group: "g", terms: ["(Intercept)", "x"], covariance: Float64Array.from([0.25, 0.05, 0.05, 0.16]), sd: [0.5, 0.4], corr: [[1, 0.25], [0.25, 1]] },
      { group: "h", terms: ["(Intercept)"], covariance: Float64Array.from([0.09]), sd: [0.3], corr: [[1]] },
    ],
    ranef: [],
    eta: new Float64Array(n),
    etaFixed: new Float64Array(n),
    fitted: new Float64Array(n).fill(0.5),
    logLik: -7.5,
    deviance: 15,
    aic: 27,
    bic: 29.5,
    df: 6,
    nobs: n,
    ngroups: { g: 4, h: 2 },
    convergence: {
      converged,
      optimizer: "test optimiser",
      iterations: 12,
      functionEvaluations: 40,
      maxAbsGradient: converged ? 1e-5 : 0.116,
      maxAbsScaledGradient: converged ? 1e-7 : 0.02,
      minHessianEigenvalue: converged ? 0.8 : -0.003,
      singular: false,
      messages: converged ? [] : ["Model failed to converge with max|grad| = 0.116 (tol = 0.002)"],
    },
    elapsedSeconds: 0.125,
    threads: 1,
  };
}

test("fitToJson: the fields of issue 3 item 6, with design notes and dropped columns/rows", () => {
  const json = fitToJson(handMadeFit(true));
  assert.equal(json.converged, true);
  assert.deepEqual(
    Object.keys(json).filter((k) => ["converged", "logLik", "deviance", "aic", "bic", "nobs", "ngroups", "fixef", "varcorr", "diagnostics", "elapsedSeconds"].includes(k)).length,
    11,
  );
  assert.deepEqual(json.fixef, [
    { term: "(Intercept)", estimate: -0.25, se: 0.5 },
    { term: "x", estimate: 0.8, se: 0.2 },
  ]);
  assert.deepEqual(json.varcorr[0], { group: "g", terms: ["(Intercept)", "x"], sd: [0.5, 0.4], corr: [[1, 0.25], [0.25, 1]] });
  assert.equal(json.nobs, 11);
  assert.deepEqual(json.ngroups, { g: 4, h: 2 });
  assert.deepEqual(json.diagnostics.iterations, 12);
  assert.deepEqual(json.dropped, { rows: 1, columns: [{ name: "c2", reason: "constant column (aliased with the intercept)" }] });
  assert.equal(json.messages.length, 2);
  assert.match(json.messages[0], /rank deficient so dropping 1 column \/ coefficient: c2/);
  assert.match(json.messages[1], /1 row dropped for missing values/);
  // Non-finite numbers become null so the output stays valid JSON.
  const bad = { ...handMadeFit(true), se: Float64Array.from([NaN, Infinity]) };
  const text = JSON.stringify(fitToJson(bad));
  assert.deepEqual(JSON.parse(text).fixef[0], { term: "(Intercept)", estimate: -0.25, se: null });
});

test("summary: lme4 layout, Wald z and p, random-effects table with correlations", () => {
  const text = formatSummary(handMadeFit(true), "d.csv");
  const lines = text.split("\n");
  assert.equal(lines[0], "Generalized linear mixed model fit by maximum likelihood (Laplace Approximation)");
  assert.ok(lines.includes("Formula: y ~ x + c2 + (1 + x | g) + (1 | h)"));
  assert.ok(lines.includes("   Data: d.csv"));
  assert.match(text, / Groups Name +Variance Std\.Dev\. Corr\n g +\(Intercept\) 0\.25000 +0\.5000 *\n +x +0\.16000 +0\.4000 +0\.25\n h +\(Intercept\) 0\.09000 +0\.3000\n/);
  assert.ok(lines.includes("Number of obs: 11, groups:  g, 4; h, 2"));
  // z = -0.25 / 0.5 = -0.5 (p = 0.617), z = 0.8 / 0.2 = 4 (p = 6.33e-05)
  assert.match(text, /\(Intercept\) +-0\.2500 +0\.5000 +-0\.500 +0\.617 *\n/);
  assert.match(text, /\nx +0\.8000 +0\.2000 +4\.000 +6\.33e-05 \*\*\*\n/);
  assert.match(text, /AIC +BIC +logLik deviance df\.resid\n +27\.0 +29\.5 +-7\.5 +15\.0 +5/);
  assert.match(text, /Convergence: converged \(test optimiser, 12 iterations, 40 function evaluations\)/);
  assert.doesNotMatch(text, /NOT CONVERGE/);
  assert.match(text, /Note: fixed-effect model matrix is rank deficient/);
});

test("scaled (Pearson) residuals: (y/m - mu) / sqrt(mu (1 - mu) / m), quantiles as R's type 7", () => {
  const fit = handMadeFit(true);
  // 11 Bernoulli rows at mu = 0.5: residual +1 for y = 1 (7 rows), -1 for y = 0 (4 rows).
  assert.deepEqual(scaledResidualQuantiles(fit), [-1, -1, 1, 1, 1]);
  const fitted = Float64Array.from({ length: fit.nobs }, (_, i) => 0.2 + 0.05 * i);
  const q = scaledResidualQuantiles({ ...fit, fitted });
  const y = Array.from(fit.design.response.successes);
  const r = y.map((v, i) => (v - fitted[i]) / Math.sqrt(fitted[i] * (1 - fitted[i]))).sort((a, b) => a - b);
  assert.equal(q[0], r[0]);
  assert.equal(q[2], r[5]);
  assert.ok(Math.abs(q[1] - (r[2] + 0.5 * (r[3] - r[2]))) < 1e-15);
  assert.equal(q[4], r[10]);
  const text = formatSummary(fit);
  assert.match(text, /Scaled residuals:\n +Min +1Q +Median +3Q +Max\n -1\.0000 -1\.0000 1\.0000 1\.0000 1\.0000\n/);
  assert.match(text, /Correlation of Fixed Effects:\n +\(Intr\)\nx +0\.000\n/);
});

test("summary: variances at zero print in scientific notation, not as a row of zeros", () => {
  const fit = handMadeFit(true);
  const singular = {
    ...fit,
    varcorr: [
      { ...fit.varcorr[0], sd: [1e-7, 0.4] },
      { ...fit.varcorr[1], sd: [0] },
    ],
  };
  const text = formatSummary(singular);
  assert.match(text, / g +\(Intercept\) 1\.000e-14 1\.000e-07\n +x +1\.600e-01 4\.000e-01 +0\.25\n h +\(Intercept\) 0\.000e\+00 0\.000e\+00\n/);
});

test("summary: a fit that did not converge says so at the top and the bottom, with max|grad| and the Hessian eigenvalue", () => {
  const text = formatSummary(handMadeFit(false));
  const lines = text.split("\n");
  assert.match(lines[0], /WARNING: THIS FIT DID NOT CONVERGE/);
  assert.match(lines[1], /max\|grad\| = 0\.116, smallest Hessian eigenvalue = -0\.003/);
  assert.match(text, /Convergence: \*\*\* NOT CONVERGED \*\*\*/);
  assert.match(text, /Note: Model failed to converge with max\|grad\| = 0\.116/);
  assert.equal(text.match(/THIS FIT DID NOT CONVERGE/g)?.length, 2);
});
