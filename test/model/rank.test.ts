import { test } from "node:test";
import assert from "node:assert/strict";
import { checkRank } from "../../src/model/rank";

/** Deterministic pseudo-random column (a linear congruential generator), so the test is reproducible. */
function column(n: number, seed: number): Float64Array {
  const out = new Float64Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    out[i] = s / 2147483648 - 0.5;
  }
  return out;
}

test("full-rank columns are all kept", () => {
  const n = 1000;
  const cols = [new Float64Array(n).fill(1), column(n, 1), column(n, 2), column(n, 3)];
  assert.deepEqual(checkRank(cols), { kept: [0, 1, 2, 3], dropped: [], rank: 4 });
});

test("the 1e-7 relative tolerance decides: a residual of about 1e-5 of the norm is kept, 1e-9 is dropped", () => {
  const n = 1000;
  const one = new Float64Array(n).fill(1);
  const a = column(n, 7);
  const noise = column(n, 11);
  const scale = Math.sqrt(noise.reduce((s, v) => s + v * v, 0) / n);
  const near = (eps: number) => a.map((v, i) => 2 * v + 1 + eps * noise[i] / scale);
  // The residual of `near(eps)` after removing (1, a) is about eps * ||noise|| / ||near||, relative.
  assert.deepEqual(checkRank([one, a, near(1e-5)]).kept, [0, 1, 2]);
  assert.deepEqual(checkRank([one, a, near(1e-9)]).dropped, [{ index: 2, reason: "aliased" }]);
  assert.deepEqual(checkRank([one, a, near(0)]).dropped, [{ index: 2, reason: "aliased" }]);
});

test("dropping is left to right: the later of two proportional columns goes, the rest is re-checked against the kept ones", () => {
  const n = 500;
  const one = new Float64Array(n).fill(1);
  const a = column(n, 5);
  const b = column(n, 6);
  const twoA = a.map((v) => 2 * v);
  const sum = a.map((v, i) => v + b[i]);
  const r = checkRank([one, twoA, a, b, sum, new Float64Array(n), new Float64Array(n).fill(4)]);
  assert.deepEqual(r.kept, [0, 1, 3]);
  assert.deepEqual(r.dropped, [
    { index: 2, reason: "aliased" },
    { index: 4, reason: "aliased" },
    { index: 5, reason: "zero" },
    { index: 6, reason: "constant" },
  ]);
  assert.equal(r.rank, 3);
});

test("at the boundary the decision is R's dqrdc2 rule: keep iff residual norm >= 1e-7 x column norm", () => {
  // Checked against R 4.2: qr(cbind(1, a, 2a + 1 + eps * noise), tol = 1e-7)$rank is 3 for a residual
  // ratio of 1.28e-7 and 2 for 8.56e-8.
  const n = 1000;
  const one = new Float64Array(n).fill(1);
  const a = column(n, 3);
  const noise = column(n, 4);
  // Make the noise orthogonal to (1, a), so the residual of the near-copy is exactly eps * noise.
  const mean = (v: Float64Array) => v.reduce((s, x) => s + x, 0) / n;
  const ma = mean(a);
  const ac = a.map((v) => v - ma);
  const mn = mean(noise);
  let proj = 0;
  let aa = 0;
  for (let i = 0; i < n; i++) {
    proj += ac[i] * (noise[i] - mn);
    aa += ac[i] * ac[i];
  }
  const e = noise.map((v, i) => v - mn - (proj / aa) * ac[i]);
  const eNorm = Math.sqrt(e.reduce((s, v) => s + v * v, 0));
  for (const ratio of [3e-7, 1.3e-7, 1.05e-7, 0.95e-7, 0.86e-7, 5e-8]) {
    const base = a.map((v) => 2 * v + 1);
    const baseNorm = Math.sqrt(base.reduce((s, v) => s + v * v, 0));
    // ||near|| ~= ||base|| (the perturbation is orthogonal and tiny), so eps = ratio * ||base|| / ||e||.
    const eps = (ratio * baseNorm) / eNorm;
    const near = base.map((v, i) => v + eps * e[i]);
    const kept = checkRank([one, a, near]).kept.length === 3;
    assert.equal(kept, ratio >= 1e-7, `residual ratio ${ratio}`);
  }
});
