/**
 * A refit near a known optimum: the optimiser stage for data that differ little from data already
 * fitted (a bootstrap replicate simulated from the fit, a completed data set of multiple imputation
 * that differs from another only in the imputed cells). Their optimum lies about a standard error or
 * less from the known one, so the refit starts there, x0 = (theta_hat, beta~_hat), with the full
 * Hessian H of the known optimum as the first curvature, and runs BFGS over all parameters
 * (optimizer.ts, bounds on the theta diagonals) down to a Newton decrement of `tolerance`: 3-6
 * iterations of one PIRLS solution and one exact gradient each, against the ~40 evaluations and ~35
 * gradients of a warm start through the solver's own stages, whose polish stage builds the full
 * finite-difference Hessian anew. A refit that does not converge so is finished by those stages
 * (optimiseObjective, warm start); the result records that the fallback ran.
 *
 * The Hessian is given in lme4's coordinates (theta, beta on the scale of X), as a fit carries it
 * (GlmmFit.hessian), and turned into this objective's internal coordinates: with beta = T beta~
 * (scaling.ts), H~ = K' H K for K = diag(I, T). So the Hessian of one completed data set starts the
 * refit of another, whose centring and scaling of X differ slightly.
 *
 * The result is an Optimum without a Hessian (`hessian: null`) when BFGS converged: assembleFit then
 * reports no Hessian-based checks, and its standard errors are (RX'RX)^-1 or none (assemble.ts).
 */
import { congruence, transpose } from "../numeric/dense";
import type { GlmmDesign } from "../model/types";
import { laplaceObjective, type LaplaceObjective } from "./objective";
import { fixedEffectsCrossproductInverse } from "./rx";
import { optimiseObjective, type Optimum } from "./optimise";
import { minimiseBounded } from "./optimizer";
import type { GlmmOptions, OptimisationSummary } from "./types";

/** Where a refit starts: an optimum in this objective's internal coordinates and the full Hessian there. */
export interface RefitStart {
  readonly x: Float64Array;
  readonly hessian: Float64Array;
  readonly theta: Float64Array;
  readonly beta: Float64Array;
}

export interface RefitSettings {
  /** BFGS's Newton decrement at convergence (deviance units; 1e-8 by default). */
  readonly tolerance: number;
  readonly maxIterations: number;
}

export const DEFAULT_REFIT: RefitSettings = { tolerance: 1e-8, maxIterations: 100 };

/** An optimum found by BFGS has no Hessian; one found by the fallback has the solver's. */
export type RefitOptimum = Omit<Optimum, "hessian"> & { readonly hessian: Float64Array | null };

export interface Refit {
  readonly optimum: RefitOptimum;
  /** BFGS iterations (plus the fallback's Newton and polish steps when it ran). */
  readonly iterations: number;
  readonly decrement: number;
  /** The solver's own stages had to finish the job. */
  readonly fallback: boolean;
  readonly message: string;
}

/** The start of a refit of `objective` at (theta, beta) with H in lme4's coordinates (see the file comment). */
export function refitStart(objective: LaplaceObjective, theta: ArrayLike<number>, beta: ArrayLike<number>, hessian: ArrayLike<number>): RefitStart {
  const dim = objective.dimension;
  if (hessian.length !== dim * dim) throw new Error(`refit: the Hessian has ${hessian.length} entries, the objective ${dim} x ${dim} coordinates`);
  const { nTheta, p } = objective;
  const k = new Float64Array(dim * dim);
  for (let i = 0; i < nTheta; i++) k[i * dim + i] = 1;
  const t = objective.scaling.transform;
  for (let r = 0; r < p; r++) for (let c = 0; c < p; c++) k[(nTheta + r) * dim + nTheta + c] = t[r * p + c];
  // congruence(A, B) = A B A', so congruence(K', H) = K' H K.
  const internal = congruence(transpose(k, dim), Float64Array.from(hessian), dim);
  return { x: objective.toInternal(theta, beta), hessian: internal, theta: Float64Array.from(theta), beta: Float64Array.from(beta) };
}

/** Refits the objective from `start` (see the file comment); the objective is left at the optimum. */
export function refitNear(objective: LaplaceObjective, start: RefitStart, settings: RefitSettings = DEFAULT_REFIT): Refit {
  const started = performance.now();
  const before = objective.counts();
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
    const counts = objective.counts();
    const at = objective.fromInternal(result.x);
    const gradients = counts.gradients - before.gradients;
    const pirlsPasses = counts.pirlsPasses - before.pirlsPasses;
    const message = `converged: BFGS decrement ${result.decrement.toExponential(2)} < ${settings.tolerance.toExponential(0)} in ${result.iterations} iteration(s) from a nearby optimum`;
    const summary: OptimisationSummary = {
      start: { kind: "warm start", theta: start.theta, beta: start.beta, deviance: Number.NaN },
      stages: [{ stage: "refit", iterations: result.iterations, evaluations: result.evaluations, gradients, pirlsPasses, deviance: result.f, decrement: result.decrement, message }],
      optimum: { theta: at.theta, beta: at.beta, deviance: result.f },
      fixedTheta: null,
      iterations: result.iterations,
      evaluations: result.evaluations,
      gradients,
      pirlsSolutions: counts.pirlsSolutions - before.pirlsSolutions,
      pirlsPasses,
      pirlsIterations: counts.pirlsIterations - before.pirlsIterations,
      pirlsFailures: counts.pirlsFailures - before.pirlsFailures,
      rxComputations: counts.rxComputations - before.rxComputations,
      finalGradient: objective.gradientToOriginal(result.gradient),
      newtonDecrement: result.decrement,
      converged: true,
      message,
      newtonMessage: "converged",
      seconds: (performance.now() - started) / 1000,
      control: objective.control,
    };
    const free = Array.from({ length: objective.dimension }, (_, i) => i);
    return {
      optimum: { summary, x: result.x, deviance: result.f, gradient: result.gradient, hessian: null, free, pirlsConverged: true },
      iterations: result.iterations,
      decrement: result.decrement,
      fallback: false,
      message: "converged",
    };
  }
  const optimum = optimiseObjective(objective, { start: { theta: start.theta, beta: start.beta } });
  const s = optimum.summary;
  return {
    optimum,
    iterations: result.iterations + s.iterations,
    decrement: s.newtonDecrement,
    fallback: true,
    message: `BFGS: ${result.message} (decrement ${result.decrement.toExponential(2)}); the solver's stages: ${s.message}`,
  };
}

/**
 * (RX'RX)^-1 on the scale of X at (theta, beta) of a design: the covariance of the fixed effects with
 * theta treated as known (assembleFit's se "rx"), from one PIRLS solution at that point. Multiple
 * imputation takes the difference between a full fit's Hessian-based covariance and this one as the part
 * of var(beta) that comes from the estimated variance parameters (src/missing/analyses.ts).
 */
export function rxCovariance(design: GlmmDesign, at: { readonly theta: ArrayLike<number>; readonly beta: ArrayLike<number> }, options: Pick<GlmmOptions, "threads" | "control" | "offset"> = {}): Float64Array {
  const objective = laplaceObjective(design, {
    ...(options.threads !== undefined ? { threads: options.threads } : {}),
    ...(options.control !== undefined ? { control: options.control } : {}),
    ...(options.offset !== undefined ? { offset: options.offset } : {}),
  });
  try {
    objective.deviance(at.theta, at.beta);
    return congruence(objective.scaling.transform, fixedEffectsCrossproductInverse(objective.model), objective.p);
  } finally {
    objective.release();
  }
}
