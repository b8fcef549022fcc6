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
import { Kernel } from "./row-kernels";
import { invertSpd } from "../numeric/dense";

/** Z'WX~ in z-space, q x p row-major, summed over the rows (one pass on two threads); also X~'WX~ if asked. */
export function weightedCrossproducts(model: LaplaceModel, withXwx: boolean): { zwx: Float64Array; xwx: Float64Array } {
  const engine = model.engine;
  const p = model.p;
  engine.run(Kernel.Crossproducts, withXwx ? 1 : 0);
  const zwx = engine.sum((s) => s.zwx, new Float64Array(model.layout.q * p));
  const xwx = withXwx ? engine.sum((s) => s.xwx, new Float64Array(p * p)) : new Float64Array(0);
  return { zwx, xwx };
}

export function fixedEffectsCrossproduct(model: LaplaceModel): Float64Array {
  const L = model.layout;
  const p = model.p;
  const q = L.q;
  const { zwx, xwx } = weightedCrossproducts(model, true);
  // M = Lambda' Z'WX, column by column; Y = A^-1 M; RX'RX = X'WX - M'Y.
  const mcol = new Float64Array(q);
  const ycol = new Float64Array(q);
  const mcols: Float64Array[] = [];
  const ycols: Float64Array[] = [];
  for (let j = 0; j < p; j++) {
    model.lambdaTransposeTimes(zwx, mcol, p, j);
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

/**
 * (RX'RX)^-1 in the scaled coordinates of beta~: the covariance of the fixed effects with theta treated
 * as known, at the model's current PIRLS solution (NaN throughout when RX'RX is not positive definite).
 */
export function fixedEffectsCrossproductInverse(model: LaplaceModel): Float64Array {
  return invertSpd(fixedEffectsCrossproduct(model), model.p) ?? new Float64Array(model.p * model.p).fill(Number.NaN);
}
