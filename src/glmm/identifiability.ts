/**
 * lme4's identifiability checks on the Hessian of the deviance at the optimum (lme4 1.1-31,
 * checkConv -> checkHess with check.conv.hess tol = 1e-6), in lme4's words. They look at the
 * eigenvalues lambda_1 <= ... <= lambda_d of a Hessian H that has no negative eigenvalue:
 *
 *   some |lambda_i| < tol                   "Hessian is numerically singular: parameters are not uniquely determined"
 *   lambda_d * tol > 1                      "Model is nearly unidentifiable: very large eigenvalue - Rescale variables?"
 *   lambda_1 / lambda_d < tol               "Model is nearly unidentifiable: large eigenvalue ratio - Rescale variables?"
 *
 * lme4 checks the fixed-effect block H_beta,beta first (messages prefixed "fixed-effect" where lme4
 * prefixes them) and then the whole H over (theta, beta). lme4 does so on the original scale of X, where
 * a column in large units (a test score 0-100) gives a very large eigenvalue as surely as two nearly
 * collinear columns give a small one, hence its "Rescale variables?". The fit (assemble.ts) applies the same
 * rules to the Hessian over (theta, beta~) of the centred and scaled columns its optimiser works with
 * (scaling.ts): units no longer matter there, so what remains is what the data cannot separate. The
 * messages keep lme4's words, so they can be looked up. Negative eigenvalues (not a minimum) are
 * reported by the fit's convergence check, not here. Which columns are involved is the design's
 * business (src/model/rank.ts, nearDependencies; the glmm command names them).
 */

/** lme4's glmerControl(check.conv.hess = list(tol = 1e-6)). */
export const LME4_HESSIAN_TOLERANCE = 1e-6;

/**
 * lme4's identifiability messages for a Hessian with these eigenvalues (ascending); `kind` is
 * "fixed-effect" for H_beta,beta and "" for the whole Hessian. Empty when there is a negative
 * eigenvalue (a convergence failure, reported elsewhere) or nothing to say.
 */
export function identifiabilityMessages(eigenvalues: Float64Array, kind: "fixed-effect" | "", tol: number = LME4_HESSIAN_TOLERANCE): string[] {
  const d = eigenvalues.length;
  if (d === 0) return [];
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let zero = 0;
  for (let i = 0; i < d; i++) {
    const v = eigenvalues[i];
    if (!Number.isFinite(v) || v < -tol) return [];
    if (Math.abs(v) < tol) zero++;
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  if (zero > 0 || !(min > 0)) return [`${kind === "" ? "" : `${kind} `}Hessian is numerically singular: parameters are not uniquely determined`];
  const out: string[] = [];
  if (max * tol > 1) out.push("Model is nearly unidentifiable: very large eigenvalue - Rescale variables?");
  if (min / max < tol) out.push("Model is nearly unidentifiable: large eigenvalue ratio - Rescale variables?");
  return out;
}

/** The trailing p x p block (the fixed effects) of a dim x dim row-major matrix. */
export function fixedEffectsBlock(h: Float64Array, dim: number, nTheta: number): Float64Array {
  const p = dim - nTheta;
  const out = new Float64Array(p * p);
  for (let r = 0; r < p; r++) for (let c = 0; c < p; c++) out[r * p + c] = h[(nTheta + r) * dim + nTheta + c];
  return out;
}
