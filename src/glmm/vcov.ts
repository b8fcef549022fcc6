/**
 * Second-order quantities at the optimum: the Hessian of the Laplace deviance over (theta, beta), the
 * covariance of beta, and lme4-style convergence diagnostics.
 *
 * Standard errors (GlmmFit.seMethod says which one a fit carries):
 *  - "hessian" (default, the method of lme4 1.1-31): H = the Hessian of d(theta, beta), here by
 *    forward differences of the exact gradient (gradient.ts) with step 1e-5 max(1, |x_k|) per
 *    internal coordinate (error O(1e-5) relative), symmetrised; vcov(beta) = 2 [H^-1]_{beta, beta}. lme4 1.1-31 differences the deviance itself
 *    (deriv12), so both approximate the same matrix; differencing an exact gradient is more accurate.
 *  - "rx": vcov(beta) = (RX'RX)^-1 (rx.ts), the inverse of the fixed-effects block of the PIRLS system,
 *    which treats theta as known (lme4 >= 1.1-38 uses it on large data).
 * Both are computed on the internal centred/scaled beta and transformed back (scaling.ts).
 */
import { backSubstituteTransposed, choleskyFactor } from "../numeric/dense";

/**
 * H by differences of `gradientAt` (which must return the gradient at the given point): forward
 * differences (g(x + h e_k) - g(x)) / h when `gradientAtX` is given, central ones otherwise;
 * symmetrised. `prepare(k)` runs before the evaluation at x + h e_k (a warm start for PIRLS).
 * Only the rows and columns `coordinates` (ascending; default all) are computed, the others are 0:
 * the Hessian over the free coordinates when some are held fixed.
 */
export function hessianFromGradient(
  gradientAt: (x: Float64Array, out: Float64Array) => void,
  x: Float64Array,
  steps: Float64Array,
  gradientAtX?: Float64Array,
  prepare?: (k: number) => void,
  coordinates?: readonly number[],
): Float64Array {
  const n = x.length;
  const index = coordinates ?? Array.from({ length: n }, (_, k) => k);
  const h = new Float64Array(n * n);
  const gp = new Float64Array(n);
  const gm = new Float64Array(n);
  const xp = Float64Array.from(x);
  for (const k of index) {
    const step = steps[k];
    xp[k] = x[k] + step;
    prepare?.(k);
    gradientAt(xp, gp);
    if (gradientAtX) {
      gm.set(gradientAtX);
      xp[k] = x[k];
      for (const r of index) h[r * n + k] = (gp[r] - gm[r]) / step;
    } else {
      xp[k] = x[k] - step;
      gradientAt(xp, gm);
      xp[k] = x[k];
      for (const r of index) h[r * n + k] = (gp[r] - gm[r]) / (2 * step);
    }
  }
  for (let a = 0; a < index.length; a++) {
    const r = index[a];
    for (let b = 0; b < a; b++) {
      const c = index[b];
      const v = 0.5 * (h[r * n + c] + h[c * n + r]);
      h[r * n + c] = v;
      h[c * n + r] = v;
    }
  }
  return h;
}

/**
 * lme4's checkConv scaled gradient: R^-T g with H = R'R (R = chol(H), upper), i.e. solve(chol(H), g)
 * in R; lme4 warns when max(pmin(|scaled|, |g|)) > 0.002. Returns NaN when H is not positive definite.
 */
export function lme4ScaledGradient(h: Float64Array, g: Float64Array, n: number): number {
  const l = choleskyFactor(h, n);
  if (!l) return Number.NaN;
  // R = L', so solve(R, g) is back substitution with L'.
  const x = Float64Array.from(g);
  backSubstituteTransposed(l, n, x);
  let worst = 0;
  for (let i = 0; i < n; i++) worst = Math.max(worst, Math.min(Math.abs(x[i]), Math.abs(g[i])));
  return worst;
}
