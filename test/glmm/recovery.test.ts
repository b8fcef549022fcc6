/**
 * Parameter recovery at small n: on data simulated from known values, the true fixed effects lie
 * within 2 standard errors for at least 90% of (replicate, coefficient) pairs, and every fit reports
 * convergence. The benchmark (scripts/bench-glmm.ts) does the same at full n.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { simulateGlmm } from "../../src/glmm/simulate";
import { fitDesign } from "../../src/glmm/fit";

test("truth within 2 SE for >= 90% of fixed effects across replicates (nested, correlated slope)", () => {
  let inside = 0;
  let total = 0;
  for (let rep = 0; rep < 5; rep++) {
    const sim = simulateGlmm({
      n: 4000,
      seed: 1000 + rep,
      columns: [
        { name: "nw", kind: "binary", prob: 0.25 },
        { name: "x", kind: "normal" },
        { name: "age", kind: "integer", max: 6 },
        { name: "d", kind: "binary", prob: 0.5 },
      ],
      beta: [0.4, -0.5, 0.3, -0.2, 0.25],
      terms: [
        { group: "loc", nLevels: 60, slopes: ["nw"], theta: [0.45, -0.08, 0.25], nestedIn: 1, unequalSizes: true },
        { group: "inst", nLevels: 15, theta: [0.2] },
      ],
    });
    const fit = fitDesign(sim.design);
    assert.ok(fit.convergence.converged, `replicate ${rep}: ${fit.convergence.messages.join("; ")}`);
    sim.truthBeta.forEach((b, j) => {
      total++;
      if (Math.abs(fit.beta[j] - b) <= 2 * fit.se[j]) inside++;
    });
  }
  assert.ok(inside / total >= 0.9, `truth within 2 SE for ${inside} of ${total}`);
});
