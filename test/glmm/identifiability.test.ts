import { test } from "node:test";
import assert from "node:assert/strict";
import { fixedEffectsBlock, identifiabilityMessages } from "../../src/glmm/identifiability";

test("lme4's checkHess rules and words: numerically singular, very large eigenvalue, large eigenvalue ratio", () => {
  const ev = (...v: number[]) => Float64Array.from(v);
  assert.deepEqual(identifiabilityMessages(ev(0.5, 2, 30), ""), []);
  assert.deepEqual(identifiabilityMessages(ev(5e-7, 2, 30), "fixed-effect"), ["fixed-effect Hessian is numerically singular: parameters are not uniquely determined"]);
  assert.deepEqual(identifiabilityMessages(ev(-5e-7, 2, 30), ""), ["Hessian is numerically singular: parameters are not uniquely determined"], "within -tol counts as zero, as in lme4");
  assert.deepEqual(identifiabilityMessages(ev(-1e-3, 2, 30), ""), [], "a negative eigenvalue is a convergence failure, reported by the fit");
  assert.deepEqual(identifiabilityMessages(ev(10, 2e6), ""), ["Model is nearly unidentifiable: very large eigenvalue - Rescale variables?"]);
  assert.deepEqual(identifiabilityMessages(ev(1e-3, 2e3), ""), ["Model is nearly unidentifiable: large eigenvalue ratio - Rescale variables?"]);
  assert.deepEqual(identifiabilityMessages(ev(1, 3e6), ""), [
    "Model is nearly unidentifiable: very large eigenvalue - Rescale variables?",
    "Model is nearly unidentifiable: large eigenvalue ratio - Rescale variables?",
  ]);
});

test("the fixed-effect block is the trailing p x p block of the Hessian over (theta, beta)", () => {
  const h = Float64Array.from([1, 2, 3, 2, 5, 6, 3, 6, 9]);
  assert.deepEqual(Array.from(fixedEffectsBlock(h, 3, 1)), [5, 6, 6, 9]);
});
