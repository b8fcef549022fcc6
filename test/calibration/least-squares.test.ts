import { test } from "node:test";
import assert from "node:assert/strict";
import { boxedStep, minimiseSumOfSquares, solveSpd, trustRegionStep } from "../../src/calibration/least-squares";

test("solveSpd solves a symmetric positive definite system", () => {
  const a = Float64Array.from([4, 1, 0, 1, 3, 1, 0, 1, 2]);
  const x = solveSpd(a, Float64Array.from([1, 2, 3]), 3);
  const back = [4 * x[0] + x[1], x[0] + 3 * x[1] + x[2], x[1] + 2 * x[2]];
  back.forEach((v, i) => assert.ok(Math.abs(v - [1, 2, 3][i]) < 1e-12));
});

test("boxedStep holds a coordinate at its bound and re-solves the others", () => {
  // r + J s with J = I: the unconstrained step is -r = (0.8, -0.3); y = (0.5, 0.5) allows at most +0.5.
  const jac = [Float64Array.from([1, 0]), Float64Array.from([0, 1])];
  const s = boxedStep(Float64Array.from([-0.8, 0.3]), jac, Float64Array.from([0.5, 0.5]), 0);
  assert.ok(Math.abs(s[0] - 0.5) < 1e-12 && Math.abs(s[1] + 0.3) < 1e-9);
  const t = trustRegionStep(Float64Array.from([-0.8, 0.3]), jac, Float64Array.from([0.5, 0.5]), 0.1);
  assert.ok(Math.hypot(t[0], t[1]) <= 0.1 + 1e-9);
});

test("minimiseSumOfSquares: Rosenbrock residuals from a poor start reach the minimum", async () => {
  const r = (x: Float64Array) => Float64Array.from([10 * (x[1] - x[0] * x[0]), 1 - x[0]]);
  const res = await minimiseSumOfSquares(r, { lower: [-2, -1], upper: [2, 3], start: [-1.2, 1], maxEvaluations: 200, minRadius: 1e-5 });
  assert.ok(res.f < 1e-6, `f = ${res.f} at ${Array.from(res.x)}`);
  assert.ok(Math.abs(res.x[0] - 1) < 1e-3 && Math.abs(res.x[1] - 1) < 2e-3);
  assert.ok(res.history.every((h, i) => i === 0 || h.best <= res.history[i - 1].best));
  assert.equal(res.history[0].kind, "start");
  assert.ok(res.history.some((h) => h.kind === "step") && res.history.filter((h) => h.kind === "step").every((h) => !Number.isNaN(h.ratio)));
  assert.ok(res.history.filter((h) => h.kind !== "step").every((h) => Number.isNaN(h.ratio)));
  assert.equal(res.fStart, res.history[0].f);
});

test("minimiseSumOfSquares: a minimum outside the box ends on the bound", async () => {
  const r = (x: Float64Array) => Float64Array.from([x[0] - 3, x[1] - 0.25, 0.5 * (x[0] + x[1] - 1)]);
  const res = await minimiseSumOfSquares(r, { lower: [0, 0], upper: [1, 1], start: [0.5, 0.5], maxEvaluations: 60 });
  assert.ok(Math.abs(res.x[0] - 1) < 1e-9, `x0 = ${res.x[0]}`);
  // With x0 = 1: minimise (x1 - 0.25)^2 + 0.25 x1^2 -> x1 = 0.2.
  assert.ok(Math.abs(res.x[1] - 0.2) < 1e-3, `x1 = ${res.x[1]}`);
  assert.ok(res.evaluations <= 60);
});
