/**
 * The algebra of the solver against brute force on small designs: theta <-> Lambda, the blocked
 * Cholesky (log det, solve, selected inverse) against a dense factorisation of A, the Laplace deviance
 * against its definition, the exact gradient against finite differences of the deviance, and the
 * bounded Newton optimiser on a problem with a known answer. The deviance and its gradient come from
 * the objective stage (objective.ts), evaluated on the original scale of X; its PIRLS machinery
 * (objective.model) is what the brute force checks.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { covarianceFromTheta, fillLambda, thetaLowerBounds, thetaPositions, thetaStart } from "../../src/glmm/lambda";
import { simulateGlmm, type SimulationSpec } from "../../src/glmm/simulate";
import type { LaplaceModel } from "../../src/glmm/laplace";
import { laplaceObjective, type LaplaceObjective } from "../../src/glmm/objective";
import { minimiseBounded } from "../../src/glmm/optimizer";
import { choleskyInPlace, invertSpd, symmetricEigenvalues } from "../../src/numeric/dense";
import type { GlmmDesign } from "../../src/model/types";

const nested: SimulationSpec = {
  n: 1500,
  seed: 11,
  columns: [
    { name: "x1", kind: "binary", prob: 0.3 },
    { name: "x2", kind: "normal" },
  ],
  beta: [0.2, 0.5, -0.4],
  terms: [
    { group: "loc", nLevels: 40, slopes: ["x1"], theta: [0.5, -0.1, 0.3], nestedIn: 1, unequalSizes: true },
    { group: "inst", nLevels: 9, theta: [0.3] },
  ],
};
const crossed: SimulationSpec = {
  n: 1200,
  seed: 12,
  columns: [{ name: "x", kind: "normal" }],
  beta: [-0.3, 0.8],
  terms: [
    { group: "a", nLevels: 30, theta: [0.6] },
    { group: "b", nLevels: 12, slopes: ["x"], theta: [0.4, 0.1, 0.2] },
  ],
};
const aggregated: SimulationSpec = {
  n: 400,
  seed: 13,
  columns: [{ name: "x", kind: "normal" }],
  beta: [-0.5, 0.6],
  terms: [{ group: "g", nLevels: 25, theta: [0.7] }],
  maxTrials: 8,
};

/** Runs `check` on the objective of the design, released afterwards. */
function withObjective(design: GlmmDesign, check: (objective: LaplaceObjective) => void): void {
  const objective = laplaceObjective(design);
  try {
    check(objective);
  } finally {
    objective.release();
  }
}

/** Dense A = Lambda' Z' W Z Lambda + I built row by row from the design (the brute-force reference). */
function denseSystem(model: LaplaceModel): Float64Array {
  const L = model.layout;
  const q = L.q;
  const a = new Float64Array(q * q);
  const v = new Float64Array(q);
  for (let i = 0; i < model.n; i++) {
    v.fill(0);
    L.terms.forEach((term, t) => {
      const k = term.k;
      const lam = new Float64Array(k * k);
      fillLambda(model.theta, term.thetaOffset, k, lam);
      const uo = term.uOffset + term.index[i] * k;
      for (let c = 0; c < k; c++) {
        let acc = 0;
        for (let r = 0; r < k; r++) acc += lam[r * k + c] * term.z[r][i];
        v[uo + c] = acc;
      }
    });
    const w = model.m[i] * model.mu[i] * (1 - model.mu[i]);
    for (let r = 0; r < q; r++) {
      if (v[r] === 0) continue;
      for (let c = 0; c < q; c++) a[r * q + c] += w * v[r] * v[c];
    }
  }
  for (let r = 0; r < q; r++) a[r * q + r] += 1;
  return a;
}

test("theta <-> Lambda: column-major lower triangle, SDs and correlation", () => {
  assert.deepEqual([...thetaStart(2)], [1, 0, 1]);
  assert.deepEqual([...thetaLowerBounds(2)], [0, -Infinity, 0]);
  const pos = thetaPositions(3);
  assert.deepEqual([...pos.row], [0, 1, 2, 1, 2, 2]);
  assert.deepEqual([...pos.col], [0, 0, 0, 1, 1, 2]);
  const lam = new Float64Array(4);
  fillLambda([0.5, -0.2, 0.3], 0, 2, lam);
  assert.deepEqual([...lam], [0.5, 0, -0.2, 0.3]);
  const vc = covarianceFromTheta([0.5, -0.2, 0.3], 0, 2);
  const sdSlope = Math.sqrt(0.04 + 0.09);
  assert.ok(Math.abs(vc.sd[0] - 0.5) < 1e-15);
  assert.ok(Math.abs(vc.sd[1] - sdSlope) < 1e-15);
  assert.ok(Math.abs(vc.corr[1][0] - -0.2 / sdSlope) < 1e-15);
  assert.ok(Math.abs(vc.covariance[1] - 0.5 * -0.2) < 1e-15);
});

for (const [label, spec] of [["nested with a correlated slope", nested], ["crossed with a slope", crossed]] as const) {
  test(`blocked Cholesky equals the dense factorisation (${label})`, () => {
    const { design } = simulateGlmm(spec);
    withObjective(design, (objective) => blockedEqualsDense(objective, spec));
  });
}

function blockedEqualsDense(objective: LaplaceObjective, spec: SimulationSpec): void {
  const model = objective.model;
  const theta = spec.terms.flatMap((t) => t.theta.map((v) => v * 1.3));
  objective.deviance(theta, [0.1, 0.2, -0.1].slice(0, objective.p));
  const q = model.layout.q;
  const a = denseSystem(model);
  // log det
  const l = Float64Array.from(a);
  assert.ok(choleskyInPlace(l, q));
  let logDet = 0;
  for (let r = 0; r < q; r++) logDet += 2 * Math.log(l[r * q + r]);
  assert.ok(Math.abs(model.chol.logDet - logDet) < 1e-9 * Math.abs(logDet), `${model.chol.logDet} vs ${logDet}`);
  // solve
  const b = Float64Array.from({ length: q }, (_, r) => Math.sin(r + 1));
  const x = new Float64Array(q);
  model.chol.solve(b, x);
  for (let r = 0; r < q; r++) {
    let acc = 0;
    for (let c = 0; c < q; c++) acc += a[r * q + c] * x[c];
    assert.ok(Math.abs(acc - b[r]) < 1e-9, `row ${r}: ${acc} vs ${b[r]}`);
  }
  // selected inverse: every stored block equals the dense inverse there
  const inv = invertSpd(a, q);
  assert.ok(inv);
  const L = model.layout;
  const k0 = L.terms[0].k;
  const chol = model.chol;
  chol.selectedInverse();
  for (let j = 0; j < L.terms[0].nLevels; j++) {
    for (let r = 0; r < k0; r++) {
      for (let c = 0; c < k0; c++) {
        assert.ok(Math.abs(chol.p11[j * k0 * k0 + r * k0 + c] - inv[(j * k0 + r) * q + j * k0 + c]) < 1e-10);
      }
    }
    for (let s = L.slotStart[j]; s < L.slotStart[j + 1]; s++) {
      const w = L.slotWidth[s];
      for (let r = 0; r < k0; r++) {
        for (let c = 0; c < w; c++) {
          const dense = inv[(j * k0 + r) * q + L.q0 + L.slotDenseCol[s] + c];
          assert.ok(Math.abs(chol.p12[L.slotValueOffset[s] + r * w + c] - dense) < 1e-10);
        }
      }
    }
  }
  for (let r = 0; r < L.q2; r++) {
    for (let c = 0; c < L.q2; c++) assert.ok(Math.abs(chol.p22[r * L.q2 + c] - inv[(L.q0 + r) * q + L.q0 + c]) < 1e-10);
  }
}

test("the Laplace deviance is its definition at the conditional mode", () => {
  const { design } = simulateGlmm(aggregated);
  withObjective(design, (objective) => {
    const model = objective.model;
    const d = objective.deviance([0.8], [-0.4, 0.5]);
    assert.ok(objective.state().converged);
    const q = model.layout.q;
    // u_hat is a stationary point of the penalised deviance: Lambda'Z'(y - m mu) = u.
    const term = model.layout.terms[0];
    const grad = new Float64Array(q);
    for (let i = 0; i < model.n; i++) grad[term.index[i]] += 0.8 * (model.y[i] - model.m[i] * model.mu[i]);
    for (let l = 0; l < q; l++) assert.ok(Math.abs(grad[l] - model.u[l]) < 1e-8);
    // -2 log p(y | u) with the binomial coefficient, + ||u||^2 + log det A.
    let dev = 0;
    for (let i = 0; i < model.n; i++) {
      const mu = model.mu[i];
      const y = model.y[i];
      const m = model.m[i];
      let logChoose = 0;
      for (let s = 1; s <= y; s++) logChoose += Math.log((m - y + s) / s);
      dev += -2 * (logChoose + y * Math.log(mu) + (m - y) * Math.log(1 - mu));
    }
    let uu = 0;
    for (const v of model.u) uu += v * v;
    const a = denseSystem(model);
    const l = Float64Array.from(a);
    choleskyInPlace(l, q);
    let logDet = 0;
    for (let rr = 0; rr < q; rr++) logDet += 2 * Math.log(l[rr * q + rr]);
    const expected = dev + uu + logDet;
    assert.ok(Math.abs(-2 * model.logLik() - expected) < 1e-8, `${-2 * model.logLik()} vs ${expected}`);
    assert.ok(Math.abs(-2 * objective.state().logLik - expected) < 1e-8);
    assert.ok(Math.abs(d - 2 * model.logBinomialConstant - expected) < 1e-8, "d is -2 logLik without the binomial constant");
  });
});

for (const [label, spec] of [
  ["nested with a correlated slope", nested],
  ["crossed with a slope", crossed],
  ["aggregated binomial rows", aggregated],
] as const) {
  test(`exact gradient equals central differences of the deviance (${label})`, () => {
    const { design } = simulateGlmm(spec);
    withObjective(design, (objective) => {
      const nTheta = objective.nTheta;
      const x = [...spec.terms.flatMap((t) => t.theta.map((v, i) => v * (1.2 + 0.1 * i))), ...spec.beta.map((b) => b * 0.7)];
      const f = (v: number[]): number => objective.deviance(v.slice(0, nTheta), v.slice(nTheta));
      f(x);
      const g = objective.gradient();
      const h = 1e-4;
      for (let k = 0; k < x.length; k++) {
        const xp = x.slice();
        const xm = x.slice();
        xp[k] += h;
        xm[k] -= h;
        const fd = (f(xp) - f(xm)) / (2 * h);
        assert.ok(Math.abs(g[k] - fd) < 1e-5 * Math.max(1, Math.abs(fd)), `parameter ${k}: exact ${g[k]} vs differences ${fd}`);
      }
    });
  });
}

test("bounded Newton optimiser finds the constrained minimum of a quadratic", () => {
  // f(x) = (x0 + 1)^2 + 2 (x1 - 3)^2 + x0 x1 / 2 with x0 >= 0: the minimum has x0 on its bound.
  const lower = Float64Array.from([0, -Infinity]);
  const hess = Float64Array.from([2, 0.5, 0.5, 4]);
  let last = new Float64Array(2);
  const problem = {
    dimension: 2,
    lower,
    evaluate(x: Float64Array): number {
      last = Float64Array.from(x);
      return (x[0] + 1) ** 2 + 2 * (x[1] - 3) ** 2 + (x[0] * x[1]) / 2;
    },
    gradient(out: Float64Array): void {
      out[0] = 2 * (last[0] + 1) + last[1] / 2;
      out[1] = 4 * (last[1] - 3) + last[0] / 2;
    },
  };
  const r = minimiseBounded(problem, Float64Array.from([2, 0]), hess, { hessian: () => hess, tolerance: 1e-14 });
  assert.ok(r.converged);
  assert.ok(Math.abs(r.x[0]) < 1e-6, `x0 = ${r.x[0]}`);
  assert.ok(Math.abs(r.x[1] - 3) < 1e-6, `x1 = ${r.x[1]}`);
  assert.deepEqual(
    [...symmetricEigenvalues(Float64Array.from([2, 1, 1, 2]), 2)].map((v) => Math.round(v * 1e12) / 1e12),
    [1, 3],
  );
});
