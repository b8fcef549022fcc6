/**
 * The GlmmFit the post-fit statistics read from one bootstrap replicate's refit (refitNear, src/glmm/refit.ts).
 *
 * A replicate's data come from the fitted model, so its optimum lies near the original one: about one
 * standard error away in every direction. The refit is src/glmm/refit.ts's: BFGS from the original
 * optimum x_hat = (theta_hat, beta~_hat) with the original full Hessian H as the first curvature, down
 * to a Newton decrement of `tolerance` (1e-8 deviance units), 3-6 iterations of one PIRLS solution and
 * one exact gradient each; a replicate that does not converge so is refitted with the solver's stages
 * (warm start), and records that the fallback ran.
 *
 * The fit handed to the statistics is assembled by the solver's own last stage (assembleFit, the one
 * builder of a GlmmFit): beta, theta, VarCorr, the conditional modes, eta, the fixed part, the fitted
 * probabilities, logLik, df/AIC/BIC and the singularity test, as for any fit. It has no standard errors
 * (se "none": vcov, se NaN) and no conditional variances (NaN), which the statistics do not read; its
 * convergence report is that of a refit: the BFGS decrement (or the fallback's), PIRLS at the optimum,
 * the separation checks, and no Hessian-based checks when BFGS converged.
 */
import type { GlmmFit } from "../glmm/types";
import type { LaplaceObjective } from "../glmm/objective";
import { assembleFit } from "../glmm/assemble";
import type { Refit } from "../glmm/refit";

/** The fit at the refit's optimum, for the post-fit statistics (no standard errors; see the file comment). */
export function replicateFit(objective: LaplaceObjective, refit: Refit): GlmmFit {
  return assembleFit(objective, refit.optimum, { se: "none", conditionalVariances: false });
}
