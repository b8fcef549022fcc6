/**
 * The row passes on two threads (row-engine.ts, row-threads.ts, row-worker.ts): the worker computes
 * exactly what the calling thread computes on the same chunk, so a model, a gradient and a whole fit
 * are the same bit for bit on one thread and on two; and the kernels agree with the definitions they
 * replace (eta = X beta + Z b, mu, the conditional deviance and Z'r by brute force). The model comes
 * from the objective stage (objective.ts), its PIRLS machinery read through objective.model.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { simulateGlmm, model2Spec, type SimulationSpec } from "../../src/glmm/simulate";
import { laplaceObjective, type LaplaceObjective } from "../../src/glmm/objective";
import { fitDesign } from "../../src/glmm/fit";
import { writtenOut } from "../../src/glmm/row-kernels";

const spec: SimulationSpec = {
  n: 3001,
  seed: 21,
  columns: [
    { name: "x1", kind: "binary", prob: 0.3 },
    { name: "x2", kind: "normal" },
    { name: "x3", kind: "integer", max: 5 },
  ],
  beta: [0.2, 0.5, -0.4, 0.1],
  terms: [
    { group: "loc", nLevels: 60, slopes: ["x1"], theta: [0.5, -0.1, 0.3], nestedIn: 1, unequalSizes: true },
    { group: "inst", nLevels: 11, theta: [0.3] },
  ],
};

/** Everything the objective's state holds after PIRLS, the gradient and RX'RX. */
function state(objective: LaplaceObjective): Float64Array[] {
  const model = objective.model;
  const d = objective.deviance([0.6, -0.2, 0.35, 0.25], [0.1, 0.3, -0.2, 0.05]);
  const g = objective.gradient();
  const rx = objective.fixedEffectsCrossproduct();
  return [Float64Array.of(d), Float64Array.from(model.eta), Float64Array.from(model.mu), Float64Array.from(model.kAll), Float64Array.from(model.zr), g, rx];
}

test("the worker thread gives the same bits as the calling thread: deviance, eta, mu, Z'WZ, Z'r, gradient, RX'RX", () => {
  const design = simulateGlmm(spec).design;
  const one = laplaceObjective(design, { threads: 1 });
  const two = laplaceObjective(design, { threads: 2, forceThreads: true });
  assert.equal(one.model.engine.threaded, false);
  assert.equal(two.model.engine.threaded, true, "a worker thread could not be started here");
  const a = state(one);
  const b = state(two);
  one.release();
  two.release();
  a.forEach((x, k) => assert.deepEqual(b[k], x, `quantity ${k} differs between one and two threads`));
});

test("the chunked passes agree with the definitions: eta = X~ beta~ + Z Lambda u, mu, the conditional deviance and Z'r by brute force", () => {
  const design = simulateGlmm(spec).design;
  const objective = laplaceObjective(design, { threads: 2, forceThreads: true });
  const model = objective.model;
  objective.deviance([0.6, -0.2, 0.35, 0.25], [0.1, 0.3, -0.2, 0.05]);
  const { K, z, uIndex } = model.rows;
  const zr = new Float64Array(model.layout.q);
  let dev = 0;
  for (let i = 0; i < model.n; i++) {
    let eta = 0;
    for (let j = 0; j < model.p; j++) eta += model.x[j][i] * model.beta[j];
    for (let c = 0; c < K; c++) eta += z[i * K + c] * model.b[uIndex[i * K + c]];
    assert.ok(Math.abs(eta - model.eta[i]) < 1e-12, `eta of row ${i}`);
    const mu = 1 / (1 + Math.exp(-eta));
    assert.ok(Math.abs(mu - model.mu[i]) < 1e-14, `mu of row ${i}`);
    for (let c = 0; c < K; c++) zr[uIndex[i * K + c]] += (model.y[i] - model.m[i] * mu) * z[i * K + c];
    dev += -2 * (model.y[i] * Math.log(mu) + (model.m[i] - model.y[i]) * Math.log(1 - mu));
  }
  objective.release();
  assert.ok(Math.abs(dev - model.conditionalDeviance) < 1e-8 * Math.abs(dev));
  zr.forEach((v, a) => assert.ok(Math.abs(v - model.zr[a]) < 1e-10, `Z'r entry ${a}: ${v} vs ${model.zr[a]}`));
});

test("a model-2 fit above the threading threshold is identical on one thread and on two", () => {
  const design = simulateGlmm(model2Spec(24_000, 120, 20, 5)).design;
  const one = fitDesign(design, { threads: 1 });
  const two = fitDesign(design, { threads: 2 });
  assert.equal(two.logLik, one.logLik);
  assert.deepEqual(two.beta, one.beta);
  assert.deepEqual(two.se, one.se);
  assert.deepEqual(two.theta, one.theta);
  assert.equal(one.convergence.converged, true);
});

test("the passes written out for K = 2 and K = 3 give the same bits as the general loops", () => {
  const intercepts: SimulationSpec = { ...spec, terms: [{ group: "loc", nLevels: 60, theta: [0.5], nestedIn: 1 }, { group: "inst", nLevels: 11, theta: [0.3] }] };
  for (const [name, s, theta] of [
    ["K = 3 (model 2)", spec, [0.6, -0.2, 0.35, 0.25]],
    ["K = 2 (two intercepts)", intercepts, [0.6, 0.25]],
  ] as const) {
    const design = simulateGlmm(s).design;
    const run = (enabled: boolean): Float64Array[] => {
      writtenOut.enabled = enabled;
      try {
        const objective = laplaceObjective(design, { threads: 1 });
        const model = objective.model;
        assert.equal(model.rows.K, name.startsWith("K = 3") ? 3 : 2);
        const d = objective.deviance(theta, [0.1, 0.3, -0.2, 0.05]);
        const g = objective.gradient();
        objective.release();
        return [Float64Array.of(d), Float64Array.from(model.kAll), Float64Array.from(model.zr), g];
      } finally {
        writtenOut.enabled = true;
      }
    };
    const general = run(false);
    const special = run(true);
    general.forEach((x, k) => assert.deepEqual(special[k], x, `${name}: quantity ${k} differs`));
  }
});
