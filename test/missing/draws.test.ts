/**
 * The random draws the sampler is built on (random-draws.ts), the test-year model (test-year.ts) and
 * predictive mean matching (pmm.ts): moments of many seeded draws against their exact values, with
 * tolerances of about 5 Monte Carlo standard errors.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Xoshiro128 } from "../../src/data/synthetic/prng";
import { dirichletDraw, gammaDraw, inverseGammaDraw, inverseWishartDraw } from "../../src/missing/random-draws";
import { PredictiveMeanMatcher } from "../../src/missing/pmm";
import { drawTestYears, fitTestYearModel } from "../../src/missing/test-year";

test("gamma draws have mean shape and variance shape, also for shape < 1", () => {
  const rng = new Xoshiro128(1);
  for (const shape of [0.3, 1, 2.5, 40]) {
    const n = 40000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const g = gammaDraw(rng, shape);
      assert.ok(g > 0);
      s += g;
      s2 += g * g;
    }
    const mean = s / n;
    const variance = s2 / n - mean * mean;
    assert.ok(Math.abs(mean - shape) < 5 * Math.sqrt(shape / n), `shape ${shape}: mean ${mean}`);
    assert.ok(Math.abs(variance / shape - 1) < 0.06, `shape ${shape}: variance ${variance}`);
  }
  assert.throws(() => gammaDraw(rng, 0), /shape must be positive/);
});

test("inverse gamma and inverse Wishart draws have the right means", () => {
  const rng = new Xoshiro128(2);
  const n = 20000;
  let s = 0;
  for (let i = 0; i < n; i++) s += inverseGammaDraw(rng, 10, 18);
  // E = rate / (shape - 1) = 2, SD = 2 / sqrt(8)
  assert.ok(Math.abs(s / n - 2) < 5 * (2 / Math.sqrt(8)) / Math.sqrt(n));
  // IW(nu, S): E[Sigma] = S / (nu - k - 1).
  const scale = Float64Array.from([4, 1, 1, 2]);
  const nu = 12;
  const sum = new Float64Array(4);
  for (let i = 0; i < n; i++) {
    const w = inverseWishartDraw(rng, nu, scale, 2);
    assert.ok(w[0] > 0 && w[3] > 0 && w[0] * w[3] > w[1] * w[2]);
    assert.equal(w[1], w[2]);
    for (let j = 0; j < 4; j++) sum[j] += w[j];
  }
  for (let j = 0; j < 4; j++) assert.ok(Math.abs(sum[j] / n / (scale[j] / (nu - 3)) - 1) < 0.03, `E[Sigma]_${j}: ${sum[j] / n}`);
  assert.throws(() => inverseWishartDraw(rng, 0.5, scale, 2), /df/);
});

test("Dirichlet draws sum to one with means alpha / sum(alpha)", () => {
  const rng = new Xoshiro128(3);
  const alpha = [2, 5, 0.5, 0];
  const out = new Float64Array(4);
  const sum = new Float64Array(4);
  const n = 20000;
  for (let i = 0; i < n; i++) {
    dirichletDraw(rng, alpha, out);
    assert.ok(Math.abs(out[0] + out[1] + out[2] + out[3] - 1) < 1e-12);
    assert.equal(out[3], 0);
    for (let j = 0; j < 4; j++) sum[j] += out[j];
  }
  for (let j = 0; j < 3; j++) assert.ok(Math.abs(sum[j] / n - alpha[j] / 7.5) < 0.01);
});

test("the test-year model: cell counts, the prior borrowed by an age without observed years, draws in proportion", () => {
  // ages 0 and 1, outcome 0/1; age 2 has no observed year.
  const age = [0, 0, 0, 0, 1, 1, 1, 1, 2, 2];
  const y = [0, 0, 1, 1, 0, 0, 1, 1, 0, 1];
  const year = Int32Array.from([0, 0, 1, 1, 2, 2, 2, 2, 0, 0]);
  const observed = Uint8Array.from([1, 1, 1, 1, 1, 1, 1, 1, 0, 0]);
  const m = fitTestYearModel(age, y, year, observed, ["2009", "2010", "2011"]);
  assert.deepEqual(m.ages, [0, 1, 2]);
  assert.deepEqual(m.borrowed, [{ age: 2, from: 1 }]);
  // cell (age 0, y 0): counts [2, 0, 0]; age-0 shares ((2, 2, 0) + 1/3) / 5.
  assert.deepEqual(Array.from(m.counts.subarray(0, 3)), [2, 0, 0]);
  const post = Array.from(m.posterior.subarray(0, 3));
  assert.ok(Math.abs(post[0] - (2 + (2 + 1 / 3) / 5)) < 1e-12 && Math.abs(post[1] - (2 + 1 / 3) / 5) < 1e-12);
  // Age 2 borrows age 1's shares: (0, 0, 4) + 1/3 over 5 -> mostly 2011.
  const rows = Int32Array.from({ length: 4000 }, (_, i) => 8 + (i % 2));
  const out = new Int32Array(rows.length);
  drawTestYears(m, new Xoshiro128(4), rows, out);
  const share2011 = out.filter((k) => k === 2).length / out.length;
  assert.ok(share2011 > 0.6, `age 2 imputed mostly as 2011: ${share2011}`);
  assert.throws(() => fitTestYearModel(age, [0, 0, 1, 1, 0, 0, 1, 1, 0, 2], year, observed, ["2009", "2010", "2011"]), /outcome at row 10/);
  assert.throws(() => fitTestYearModel(age, y, year, new Uint8Array(10), ["2009", "2010", "2011"]), /no row has an observed test year/);
});

test("predictive mean matching takes a value of one of the d nearest donors", () => {
  const means = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const values = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
  const pmm = new PredictiveMeanMatcher(means, values, 3);
  const rng = new Xoshiro128(5);
  const seen = new Set<number>();
  for (let i = 0; i < 500; i++) seen.add(pmm.draw(rng, 5.2));
  assert.deepEqual([...seen].sort((a, b) => a - b), [40, 50, 60]);
  const low = new Set<number>();
  for (let i = 0; i < 200; i++) low.add(pmm.draw(rng, -100));
  assert.deepEqual([...low].sort((a, b) => a - b), [10, 20, 30]);
  const high = new Set<number>();
  for (let i = 0; i < 200; i++) high.add(pmm.draw(rng, 1e9));
  assert.deepEqual([...high].sort((a, b) => a - b), [80, 90, 100]);
  assert.throws(() => new PredictiveMeanMatcher([1, 2], [1, 2], 5), /cannot supply 5 donors/);
});
