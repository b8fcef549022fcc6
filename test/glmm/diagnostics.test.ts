/**
 * Honest diagnostics: complete separation is detected and reported as non-convergence, a variance at
 * zero is a singular fit, and every field of GlmmFit is filled consistently.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { simulateGlmm } from "../../src/glmm/simulate";
import { fitDesign } from "../../src/glmm/fit";

const spec = {
  n: 600,
  seed: 3,
  columns: [{ name: "x", kind: "normal" as const }],
  beta: [0, 1],
  terms: [{ group: "g", nLevels: 20, theta: [0.5] }],
};

test("complete separation is reported, not silently converged", () => {
  const { design } = simulateGlmm(spec);
  const x = design.fixed.columns[1];
  for (let i = 0; i < design.nobs; i++) design.response.successes[i] = x[i] > 0 ? 1 : 0;
  const fit = fitDesign(design);
  assert.equal(fit.convergence.converged, false);
  assert.ok(fit.convergence.messages.some((m) => m.includes("separation")), fit.convergence.messages.join("; "));
});

test("quasi-complete separation (a category without events) names the coefficients that run off", () => {
  const { design } = simulateGlmm({
    n: 2000,
    seed: 4,
    columns: [
      { name: "rare", kind: "binary" as const, prob: 0.05 },
      { name: "x", kind: "normal" as const },
    ],
    beta: [-0.5, 0, 0.5],
    terms: [{ group: "g", nLevels: 20, theta: [0.5] }],
  });
  const rare = design.fixed.columns[1];
  for (let i = 0; i < design.nobs; i++) if (rare[i] === 1) design.response.successes[i] = 0;
  const fit = fitDesign(design);
  const note = fit.convergence.messages.find((m) => m.includes("quasi-complete separation"));
  assert.ok(note, fit.convergence.messages.join("; "));
  assert.match(note, /\brare -?\d+\.\d+ \(SE \d+/);
  assert.doesNotMatch(note, /\bx -?\d/, "a continuous column is not named");
});

test("a fit fills every field consistently", () => {
  const { design } = simulateGlmm(spec);
  const fit = fitDesign(design);
  assert.ok(fit.convergence.converged, fit.convergence.messages.join("; "));
  const p = design.fixed.names.length;
  assert.equal(fit.beta.length, p);
  assert.equal(fit.vcov.length, p * p);
  for (let j = 0; j < p; j++) assert.ok(Math.abs(fit.se[j] - Math.sqrt(fit.vcov[j * p + j])) < 1e-15);
  assert.equal(fit.df, p + 1);
  assert.ok(Math.abs(fit.deviance + 2 * fit.logLik) < 1e-9);
  assert.ok(Math.abs(fit.bic - (fit.deviance + fit.df * Math.log(fit.nobs))) < 1e-9);
  assert.equal(fit.ngroups.g, design.random[0].levels.length);
  // eta = X beta + Z b, fitted = logistic(eta), etaFixed = X beta.
  const b = fit.ranef[0].modes;
  for (let i = 0; i < design.nobs; i += 37) {
    let xb = 0;
    for (let j = 0; j < p; j++) xb += design.fixed.columns[j][i] * fit.beta[j];
    assert.ok(Math.abs(fit.etaFixed[i] - xb) < 1e-9);
    assert.ok(Math.abs(fit.eta[i] - (xb + b[design.random[0].index[i]])) < 1e-9);
    assert.ok(Math.abs(fit.fitted[i] - 1 / (1 + Math.exp(-fit.eta[i]))) < 1e-12);
  }
  assert.ok(fit.ranef[0].condVar.every((v) => v > 0));
  assert.ok(Math.abs(fit.varcorr[0].sd[0] - fit.theta[0]) < 1e-15);
  assert.ok(fit.convergence.maxAbsGradient < 1e-3);
  assert.ok(fit.convergence.minHessianEigenvalue > 0);
});
