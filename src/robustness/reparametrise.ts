/**
 * A fit with another coding of its factors, without refitting. Treatment contrasts with another
 * reference level span the same column space: X = X' B for a p x p matrix B (the new design X' with the
 * other reference, the old X), so the same linear predictor X beta = X' (B beta) and the maximum
 * likelihood estimate of the new coding is
 *
 *   beta' = B beta,    vcov(beta') = B vcov(beta) B',
 *
 * exactly (the MLE and the observed information transform with the linear map; theta, the conditional
 * modes, eta, the fitted values and the likelihood are unchanged). B is the least-squares solution
 * B = (X''X')^-1 X'' X, checked to reproduce X to 1e-9 of its scale; a design that is not a recoding of
 * the same columns is refused.
 *
 * The specification curve uses it for the comparison group of the non-western gap (the reference of
 * migratie): a refit would find the same optimum at the cost of a fit.
 */
import type { GlmmFit } from "../glmm/types";
import { congruence, sameValues, solveSpd } from "../numeric/dense";
import type { GlmmDesign } from "../model/types";

/**
 * B with X = X' B (p x p, row-major), or an error when X' does not span X's columns. A column of X that
 * the new design holds unchanged under the same name (every column but those of the recoded factor) is
 * that column of X': its column of B is a unit vector, exactly. The others are solved by least squares
 * and checked; X''X' is formed only when some column needs it.
 */
export function recodingMatrix(from: GlmmDesign, to: GlmmDesign): Float64Array {
  const X = from.fixed.columns;
  const Y = to.fixed.columns;
  const p = X.length;
  const n = from.nobs;
  if (Y.length !== p || to.nobs !== n) throw new Error(`reparametrise: ${to.formula} has ${Y.length} columns and ${to.nobs} rows, the fit ${p} and ${n}: not a recoding of the same model`);
  const B = new Float64Array(p * p);
  const solve: number[] = [];
  for (let c = 0; c < p; c++) {
    const a = to.fixed.names.indexOf(from.fixed.names[c] as string);
    if (a >= 0 && sameValues(X[c] as Float64Array, Y[a] as Float64Array)) B[a * p + c] = 1;
    else solve.push(c);
  }
  if (solve.length === 0) return B;
  const yty = new Float64Array(p * p);
  for (let a = 0; a < p; a++) {
    const ya = Y[a] as Float64Array;
    for (let b = 0; b <= a; b++) {
      const yb = Y[b] as Float64Array;
      let s = 0;
      for (let i = 0; i < n; i++) s += ya[i]! * yb[i]!;
      yty[a * p + b] = s;
      yty[b * p + a] = s;
    }
  }
  const rhs = new Float64Array(p);
  const fitted = new Float64Array(n);
  for (const c of solve) {
    const xc = X[c] as Float64Array;
    for (let a = 0; a < p; a++) {
      const ya = Y[a] as Float64Array;
      let s = 0;
      for (let i = 0; i < n; i++) s += ya[i]! * xc[i]!;
      rhs[a] = s;
    }
    const col = solveSpd(yty, p, rhs);
    if (col === null) throw new Error(`reparametrise: the new design's X'X is not positive definite (${to.formula})`);
    for (let a = 0; a < p; a++) B[a * p + c] = col[a]!;
    // X[c] must be reproduced: it is a combination of the new columns.
    fitted.fill(0);
    for (let a = 0; a < p; a++) {
      const ya = Y[a] as Float64Array;
      const w = col[a]!;
      if (w !== 0) for (let i = 0; i < n; i++) fitted[i] += ya[i]! * w;
    }
    let worst = 0;
    let scale = 1;
    for (let i = 0; i < n; i++) {
      worst = Math.max(worst, Math.abs(fitted[i]! - xc[i]!));
      scale = Math.max(scale, Math.abs(xc[i]!));
    }
    if (worst > 1e-9 * scale) throw new Error(`reparametrise: column '${from.fixed.names[c]}' is not a combination of the columns of ${to.formula} (largest residual ${worst}): not a recoding of the same model`);
  }
  return B;
}

/** `fit` expressed in the coding of `design` (see the module comment). */
export function reparametrise(fit: GlmmFit, design: GlmmDesign): GlmmFit {
  const p = fit.beta.length;
  const B = recodingMatrix(fit.design, design);
  const beta = new Float64Array(p);
  for (let a = 0; a < p; a++) {
    let s = 0;
    for (let c = 0; c < p; c++) s += B[a * p + c]! * fit.beta[c]!;
    beta[a] = s;
  }
  const vcov = congruence(B, fit.vcov, p);
  const se = Float64Array.from({ length: p }, (_, j) => Math.sqrt(Math.max(vcov[j * p + j]!, 0)));
  return { ...fit, design, beta, vcov, se };
}
