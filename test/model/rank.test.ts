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
