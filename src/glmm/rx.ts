/**
 * RX'RX: the fixed-effects block of the PIRLS system, i.e. the Schur complement of A in
 *
 *   [ A            Lambda'Z'WX ]
 *   [ X'WZ Lambda  X'WX        ],      RX'RX = X'WX - X'WZ Lambda A^-1 Lambda'Z'WX.
 *
 * (RX'RX)^-1 is the covariance of beta that lme4 >= 1.1-38 reports on large data (use.hessian = FALSE)
 * and 2 RX'RX is the Hessian of the penalised deviance in beta with u profiled out -- a good start for
 * the quasi-Newton Hessian. One O(n p^2) pass at the current PIRLS state.
 */
import type { LaplaceModel } from "./laplace";
import { crossprodColumns } from "./columns";

export function fixedEffectsCrossproduct(model: LaplaceModel): Float64Array {
  const L = model.layout;
  const p = model.p;
  const q = L.q;
  const n = model.n;
  const T = L.terms.length;
  const { mu, m, x, lambda, lambdaOffset } = model;
  const { K, z, uIndex } = model.rows;
  const xwx = new Float64Array(p * p);
  // Z'WX in z-space, q x p row-major; X'WX by dot products of contiguous columns (columns.ts).
  const zwx = new Float64Array(q * p);
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = m[i] * mu[i] * (1 - mu[i]);
  const wx = new Float64Array(n);
  const row = new Float64Array(p);
  for (let a = 0; a < p; a++) {
    const xa = x[a];
    for (let i = 0; i < n; i++) wx[i] = w[i] * xa[i];
    crossprodColumns(x, wx, row, n, a + 1);
    for (let b = 0; b <= a; b++) {
      xwx[a * p + b] = row[b];
      xwx[b * p + a] = row[b];
    }
    for (let i = 0; i < n; i++) {
      const base = i * K;
      const v = wx[i];
      for (let c = 0; c < K; c++) zwx[uIndex[base + c] * p + a] += v * z[base + c];
    }
  }
  // M = Lambda' Z'WX, column by column; Y = A^-1 M; RX'RX = X'WX - M'Y.
  const mcol = new Float64Array(q);
  const ycol = new Float64Array(q);
  const mcols: Float64Array[] = [];
  const ycols: Float64Array[] = [];
  for (let j = 0; j < p; j++) {
    for (let t = 0; t < T; t++) {
      const term = L.terms[t];
      const k = term.k;
      const lo = lambdaOffset[t];
      for (let l = 0; l < term.nLevels; l++) {
        const o = term.uOffset + l * k;
        for (let a = 0; a < k; a++) {
          let acc = 0;
          for (let r = a; r < k; r++) acc += lambda[lo + r * k + a] * zwx[(o + r) * p + j];
          mcol[o + a] = acc;
        }
      }
    }
    model.chol.solve(mcol, ycol);
    mcols.push(Float64Array.from(mcol));
    ycols.push(Float64Array.from(ycol));
  }
  const out = new Float64Array(p * p);
  for (let a = 0; a < p; a++) {
    for (let b = 0; b <= a; b++) {
      let acc = 0;
      const ma = mcols[a];
      const yb = ycols[b];
      for (let r = 0; r < q; r++) acc += ma[r] * yb[r];
      const v = xwx[a * p + b] - acc;
      out[a * p + b] = v;
      out[b * p + a] = v;
    }
  }
  return out;
}
