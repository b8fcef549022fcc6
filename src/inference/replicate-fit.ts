/**
 * The refit of one bootstrap replicate, and the GlmmFit the post-fit statistics read from it.
 *
 * A replicate's data come from the fitted model, so its optimum lies near the original one: about one
 * standard error away in every direction. The refit therefore starts at the original optimum x_hat =
 * (theta_hat, beta~_hat) with the original full Hessian H as the first curvature and runs BFGS over
 * all parameters (src/glmm/optimizer.ts, bounds on the theta diagonals) down to a Newton decrement of
 * `tolerance` (1e-8 deviance units): 3-6 iterations of one PIRLS solution and one exact gradient each,
 * against the ~35 evaluations and 25 gradients of a warm refit with the solver's own stages (the full
 * finite-difference Hessian of its polish stage gives standard errors, which a replicate does not need).
 * A replicate that does not converge so is refitted with those stages (optimiseObjective, warm start);
 * whether that converged decides, and the replicate records that the fallback ran.
 *
 * The fit handed to the statistics has what they read: beta, theta, VarCorr, the conditional modes,
 * eta, the fixed part, the fitted probabilities, logLik. It has no standard errors (vcov, se and the
 * conditional variances are NaN) and its convergence report is the replicate's: the BFGS decrement,
 * a singular fit (a theta diagonal below 1e-4), PIRLS at the optimum.
 */
import type { ConvergenceReport, GlmmFit, RanefBlock, VarCorrBlock } from "../glmm/types";
import type { LaplaceObjective } from "../glmm/objective";
import { optimiseObjective } from "../glmm/optimise";
import { minimiseBounded } from "../glmm/optimizer";
import { covarianceFromTheta, thetaPositions } from "../glmm/lambda";

export interface ReplicateRefit {
  readonly x: Float64Array;
  readonly converged: boolean;
  /** BFGS iterations (plus the fallback's Newton and polish steps when it ran). */
  readonly iterations: number;
  readonly decrement: number;
  /** The solver's own stages had to finish the job. */
  readonly fallback: boolean;
  readonly message: string;
}

/** Refits the objective (its response already replaced) from the original optimum (see the file comment). */
export function refitReplicate(
  objective: LaplaceObjective,
  start: { readonly x: Float64Array; readonly hessian: Float64Array; readonly theta: Float64Array; readonly beta: Float64Array },
  settings: { readonly tolerance: number; readonly maxIterations: number },
): ReplicateRefit {
  const result = minimiseBounded(
    {
      dimension: objective.dimension,
      lower: objective.lower,
      evaluate: (x) => objective.evaluate(x),
      gradient: (g) => objective.internalGradient(g),
    },
    start.x,
    start.hessian,
    { tolerance: settings.tolerance, maxIterations: settings.maxIterations, lineSearch: objective.control.lineSearch },
  );
  if (result.converged && objective.holds(result.x)) {
    return { x: result.x, converged: true, iterations: result.iterations, decrement: result.decrement, fallback: false, message: "converged" };
  }
  const optimum = optimiseObjective(objective, { start: { theta: start.theta, beta: start.beta } });
  const s = optimum.summary;
  return {
    x: optimum.x,
    converged: s.converged && optimum.pirlsConverged,
    iterations: result.iterations + s.iterations,
    decrement: s.newtonDecrement,
    fallback: true,
    message: `BFGS: ${result.message} (decrement ${result.decrement.toExponential(2)}); the solver's stages: ${s.message}`,
  };
}

/** The fit at x of the objective, for the post-fit statistics (no standard errors; see the file comment). */
export function replicateFit(objective: LaplaceObjective, refit: ReplicateRefit, singularTolerance = objective.control.convergence.singular): GlmmFit {
  if (!objective.isAt(refit.x)) objective.evaluate(refit.x);
  const state = objective.state();
  const design = objective.design;
  const layout = objective.layout;
  const { theta, beta } = objective.fromInternal(refit.x);
  const p = beta.length;
  const varcorr: VarCorrBlock[] = [];
  const ranef: RanefBlock[] = [];
  const ngroups: Record<string, number> = {};
  let singular = false;
  for (const term of layout.terms) {
    const vc = covarianceFromTheta(theta, term.thetaOffset, term.k);
    varcorr.push({ group: term.group, terms: term.terms, covariance: vc.covariance, sd: vc.sd, corr: vc.corr });
    ranef.push({
      group: term.group,
      terms: term.terms,
      levels: term.levels,
      modes: state.b.slice(term.uOffset, term.uOffset + term.nLevels * term.k),
      condVar: new Float64Array(term.nLevels * term.k * term.k).fill(Number.NaN),
    });
    ngroups[term.group] = term.nLevels;
    const { row, col } = thetaPositions(term.k);
    for (let t = 0; t < term.nTheta; t++) if (row[t] === col[t] && theta[term.thetaOffset + t] < singularTolerance) singular = true;
  }
  const messages: string[] = [];
  if (!refit.converged) messages.push(`the replicate's refit did not converge: ${refit.message}`);
  if (!state.converged) messages.push("PIRLS did not converge at the replicate's optimum");
  if (singular) messages.push("boundary (singular) fit");
  const convergence: ConvergenceReport = {
    converged: refit.converged && state.converged,
    optimizer: refit.fallback
      ? "BFGS from the original fit's Hessian, then the solver's stages (warm start) (bootstrap replicate)"
      : "BFGS from the original fit's Hessian (bootstrap replicate)",
    iterations: refit.iterations,
    functionEvaluations: Number.NaN,
    maxAbsGradient: Number.NaN,
    maxAbsScaledGradient: Number.NaN,
    minHessianEigenvalue: Number.NaN,
    singular,
    messages,
  };
  const df = theta.length + p;
  const deviance = -2 * state.logLik;
  return {
    design,
    beta,
    se: new Float64Array(p).fill(Number.NaN),
    vcov: new Float64Array(p * p).fill(Number.NaN),
    seMethod: "none: a bootstrap replicate's refit computes no standard errors",
    theta,
    varcorr,
    ranef,
    eta: state.eta,
    etaFixed: state.etaFixed,
    fitted: state.mu,
    logLik: state.logLik,
    deviance,
    aic: deviance + 2 * df,
    bic: deviance + df * Math.log(design.nobs),
    df,
    nobs: design.nobs,
    ngroups,
    convergence,
    ...(objective.offset ? { offset: objective.offset } : {}),
    elapsedSeconds: Number.NaN,
    threads: objective.model.engine.threaded ? 2 : 1,
  };
}
