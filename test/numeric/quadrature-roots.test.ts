/**
 * Gauss-Hermite quadrature (src/numeric/gauss-hermite.ts) and Brent's root finder (src/numeric/roots.ts).
 * The quadrature's evidence is exactness: an n-point rule integrates exp(-t^2) t^(2j) exactly for
 * 2j <= 2n - 1, and those integrals are Gamma(j + 1/2); a normal expectation of a smooth function
 * converges geometrically in n.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { gaussHermite, normalExpectationRule } from "../../src/numeric/gauss-hermite";
import { brentRoot } from "../../src/numeric/roots";

test("Gauss-Hermite: the n-point rule integrates exp(-t^2) t^(2j) exactly up to degree 2n - 1 (n = 1..150), nodes symmetric and ascending", () => {
  const gammaHalf = (j: number): number => {
    let g = Math.sqrt(Math.PI);
    for (let a = 0; a < j; a++) g *= a + 0.5;
    return g;
  };
  for (const n of [1, 2, 3, 4, 5, 8, 13, 20, 40, 75, 100, 150]) {
    const { nodes, weights } = gaussHermite(n);
    for (let k = 0; k < n; k++) {
      assert.ok(Math.abs(nodes[k] + nodes[n - 1 - k]) < 1e-12 * Math.max(1, Math.abs(nodes[k])), `n ${n} symmetric`);
      if (k > 0) assert.ok(nodes[k] > nodes[k - 1], `n ${n} ascending`);
      assert.ok(weights[k] > 0, `n ${n} weight ${k}`);
    }
    for (let j = 0; 2 * j <= 2 * n - 1 && j <= 12; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += weights[k] * nodes[k] ** (2 * j);
      assert.ok(Math.abs(s / gammaHalf(j) - 1) < 1e-12, `n ${n}, t^${2 * j}: ${s} vs ${gammaHalf(j)}`);
    }
  }
  // n = 2: nodes +-1/sqrt(2), weights sqrt(pi)/2 (the textbook values).
  const two = gaussHermite(2);
  assert.ok(Math.abs(two.nodes[1] - Math.SQRT1_2) < 1e-15 && Math.abs(two.weights[0] - Math.sqrt(Math.PI) / 2) < 1e-15);
  assert.throws(() => gaussHermite(151), /from 1 to 150/);
});

test("normal expectations: E[Z^2] = 1, E[exp(Z)] = exp(1/2), E[logistic(0.7 + 0.6 Z)] converges geometrically in the nodes", () => {
  const expect = (n: number, f: (z: number) => number): number => {
    const r = normalExpectationRule(n);
    let s = 0;
    for (let k = 0; k < n; k++) s += r.weights[k] * f(r.nodes[k]);
    return s;
  };
  assert.ok(Math.abs(expect(10, (z) => z * z) - 1) < 1e-14);
  assert.ok(Math.abs(expect(30, Math.exp) - Math.exp(0.5)) < 1e-13);
  const logistic = (z: number): number => 1 / (1 + Math.exp(-(0.7 + 0.6 * z)));
  const reference = expect(120, logistic);
  const errors = [5, 10, 20].map((n) => Math.abs(expect(n, logistic) - reference));
  assert.ok(errors[0] > errors[1] && errors[1] > errors[2] && errors[2] < 1e-14, errors.join(" "));
});

test("Brent's root: polynomial and transcendental roots to the tolerance, the known ends reused, a bracket without a sign change refused", () => {
  const cubic = brentRoot((x) => x * x * x - 2 * x - 5, 2, 3, { tolerance: 1e-14 });
  assert.ok(Math.abs(cubic.root - 2.0945514815423265) < 1e-13, `${cubic.root}`);
  assert.ok(cubic.converged && cubic.evaluations < 15, `${cubic.evaluations} evaluations`);
  const cos = brentRoot((x) => Math.cos(x) - x, 0, 1, { tolerance: 1e-12 });
  assert.ok(Math.abs(cos.root - 0.7390851332151607) < 1e-11);
  // Known ends are not evaluated again; a linear function is solved by the first secant step.
  let calls = 0;
  const linear = brentRoot((x) => (calls++, 2 * x - 1), 0, 3, { fa: -1, fb: 5, tolerance: 1e-9, fTolerance: 1e-12 });
  assert.ok(Math.abs(linear.root - 0.5) < 1e-12 && calls <= 2, `${linear.root} after ${calls}`);
  // A step function: still within the tolerance of the sign change.
  const step = brentRoot((x) => (x < 0.3 ? -1 : 1), 0, 1, { tolerance: 1e-8 });
  assert.ok(Math.abs(step.root - 0.3) < 1e-8);
  assert.throws(() => brentRoot((x) => x * x + 1, -1, 1), /have the same sign; no bracket/);
});
