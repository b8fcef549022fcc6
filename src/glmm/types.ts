/**
 * What a fitted binomial-logit GLMM holds: the contract between the solver (src/glmm), the post-fit
 * statistics (src/stats), the CLI (src/cli) and the report tables (src/report).
 *
 * Model:  y_i | b ~ Binomial(m_i, mu_i),  logit(mu_i) = x_i' beta + z_i' b,
 *         b = Lambda(theta) u,  u ~ N(0, I),  so Var(b) = Lambda Lambda' (block diagonal per term).
 * Objective (lme4 glmer, nAGQ = 1): the Laplace deviance
 *         d(beta, theta) = sum_i devres_i(mu_i) + ||u_hat||^2 + log det(L)^2,
 *         L L' = Lambda' Z' W Z Lambda + I at the conditional mode u_hat,
 *         logLik = -d/2 (plus the binomial-coefficient constant for aggregated rows, as R's dbinom has it).
 */
import type { GlmmDesign } from "../model/types";
import type { GlmmControl, GlmmControlInput } from "./control";

/** One stage of the optimisation (optimise.ts), as MixedModels.jl's fitlog keeps it. */
export interface OptimisationStageLog {
  readonly stage: "beta at start" | "EM" | "Newton" | "polish" | "refit";
  /** Newton steps (EM: EM steps). */
  readonly iterations: number;
  /** Deviance evaluations as the convergence report counts them (finite-difference stencil points included). */
  readonly evaluations: number;
  /** Exact gradients and PIRLS passes over the rows during the stage. */
  readonly gradients: number;
  readonly pirlsPasses: number;
  /** The Laplace deviance d (-2 logLik without the binomial constant) where the stage ended. */
  readonly deviance: number;
  /** The Newton decrement where the stage ended (NaN for EM). */
  readonly decrement: number;
  readonly message: string;
}

/** Everything the optimiser did: the counterpart of MixedModels.jl's OptSummary. */
export interface OptimisationSummary {
  /** Where it started (beta on the original scale of X) and the deviance there. */
  readonly start: { readonly kind: "lme4 start" | "warm start"; readonly theta: Float64Array; readonly beta: Float64Array; readonly deviance: number };
  readonly stages: readonly OptimisationStageLog[];
  readonly optimum: { readonly theta: Float64Array; readonly beta: Float64Array; readonly deviance: number };
  /** The theta held fixed (per coordinate a value, or null where optimised); null when none was. */
  readonly fixedTheta: readonly (number | null)[] | null;
  /** Newton and polish steps, and deviance evaluations (what the convergence report shows). */
  readonly iterations: number;
  readonly evaluations: number;
  readonly gradients: number;
  /** PIRLS solutions computed, passes over the rows, Newton iterations, and solutions that hit the iteration limit. */
  readonly pirlsSolutions: number;
  readonly pirlsPasses: number;
  readonly pirlsIterations: number;
  readonly pirlsFailures: number;
  readonly rxComputations: number;
  /** The exact gradient of d over (theta, beta) at the optimum, beta on the original scale. */
  readonly finalGradient: Float64Array;
  /** g'H^-1 g at the optimum over the optimised coordinates (about twice the distance to the minimum, in deviance units). */
  readonly newtonDecrement: number;
  /** newtonDecrement below control.convergence.decrement. */
  readonly converged: boolean;
  readonly message: string;
  /** How the Newton stage ended ("converged", "line search failed ...", "no convergence in N iterations"). */
  readonly newtonMessage: string;
  readonly seconds: number;
  readonly control: GlmmControl;
}

/** Everything the optimiser did, and whether the optimum can be trusted. */
export interface ConvergenceReport {
  readonly converged: boolean;
  readonly optimizer: string;
  readonly iterations: number;
  readonly functionEvaluations: number;
  /** max |gradient| of the deviance over (theta, beta) at the optimum, unscaled. */
  readonly maxAbsGradient: number;
  /** max |H^-1 g| (lme4 checkConv's scaled gradient); lme4 warns above 0.002. */
  readonly maxAbsScaledGradient: number;
  /** Smallest eigenvalue of the Hessian of the deviance over (theta, beta); <= 0 means not a minimum. */
  readonly minHessianEigenvalue: number;
  /** A theta on its lower bound (within 1e-4): a variance estimated at zero, as lme4's isSingular. */
  readonly singular: boolean;
  /** Human-readable warnings, lme4 style ("Model failed to converge with max|grad| = ..."). */
  readonly messages: readonly string[];
}

/** The covariance of one random-effects term: variances, SDs and correlations. */
export interface VarCorrBlock {
  readonly group: string;
  readonly terms: readonly string[];
  /** k x k covariance Sigma = Lambda_k Lambda_k', row-major. */
  readonly covariance: Float64Array;
  readonly sd: readonly number[];
  readonly corr: readonly (readonly number[])[];
}

/** Conditional modes b_hat and conditional covariances of one random-effects term. */
export interface RanefBlock {
  readonly group: string;
  readonly terms: readonly string[];
  readonly levels: readonly string[];
  /** nLevels x k, row-major: b_hat for level j, term t at [j * k + t]. */
  readonly modes: Float64Array;
  /** nLevels x k x k: conditional covariance of b for level j at [j * k * k + s * k + t]. */
  readonly condVar: Float64Array;
}

export interface GlmmFit {
  readonly design: GlmmDesign;
  /** Fixed effects on the original scale of X, in design.fixed.names order. */
  readonly beta: Float64Array;
  readonly se: Float64Array;
  /** p x p row-major covariance of beta. */
  readonly vcov: Float64Array;
  /** How vcov was computed, e.g. "hessian (finite differences of the Laplace deviance, as lme4 1.1-31)". */
  readonly seMethod: string;
  /** lme4's theta (column-major lower triangles of each Lambda_k, terms in design.random order). */
  readonly theta: Float64Array;
  readonly varcorr: readonly VarCorrBlock[];
  readonly ranef: readonly RanefBlock[];
  /** Linear predictor with the conditional modes: x_i' beta + z_i' b_hat. */
  readonly eta: Float64Array;
  /** Linear predictor of the fixed part only: x_i' beta. */
  readonly etaFixed: Float64Array;
  /** Fitted probabilities mu_i = logistic(eta_i). */
  readonly fitted: Float64Array;
  readonly logLik: number;
  /** -2 logLik (what summary() prints as "deviance"). */
  readonly deviance: number;
  readonly aic: number;
  readonly bic: number;
  /** Number of parameters: p + length(theta). */
  readonly df: number;
  readonly nobs: number;
  readonly ngroups: Readonly<Record<string, number>>;
  readonly convergence: ConvergenceReport;
  /**
   * What the optimiser did (optimise.ts): start, stages, work, final gradient and decrement. Every fit
   * made by fitDesign or assembleFit has it; fits made elsewhere (from R's numbers, test doubles) may not.
   */
  readonly optimisation?: OptimisationSummary;
  /**
   * The finite-difference Hessian of the Laplace deviance at the optimum over (theta, beta) in lme4's
   * coordinates (beta on the scale of X), row-major, length(theta) + p square: the curvature a refit of
   * nearby data starts from (refit.ts). Absent when theta was held or the optimum had no Hessian.
   */
  readonly hessian?: Float64Array;
  /** The offset the fit was made with (eta and etaFixed include it), absent without one. */
  readonly offset?: Float64Array;
  readonly elapsedSeconds: number;
  /** Threads the O(n) passes ran on (1 or 2; the numbers are the same bit for bit either way). */
  readonly threads: number;
}

export interface GlmmOptions {
  /** Compute standard errors from the Hessian (lme4 1.1-31 default) or from (RX'RX)^-1. */
  readonly se?: "hessian" | "rx";
  /** Called with progress messages during the fit (notebooks and the reproduce run show them). */
  readonly onProgress?: (message: string) => void;
  /** The same as control.newton.maxIterations (the CLI's --max-iterations). */
  readonly maxIterations?: number;
  /** Tolerances and limits of the fit (control.ts); each field names its lme4 counterpart. */
  readonly control?: GlmmControlInput;
  /** A warm start on the original scale of X, e.g. a previous fit (optimise.ts). */
  readonly start?: { readonly theta: ArrayLike<number>; readonly beta: ArrayLike<number> };
  /**
   * Refit near `start` (required with it): BFGS from start with this Hessian as the first curvature, in
   * lme4's coordinates as GlmmFit.hessian holds it (that of a fit to nearby data), instead of the
   * solver's stages, which finish the job only if BFGS does not converge (refit.ts). The fit has no
   * Hessian of its own: its standard errors are (RX'RX)^-1 (se "rx") and the Hessian's checks are left out.
   */
  readonly refit?: { readonly hessian: ArrayLike<number> };
  /** theta coordinates held at given values (null: optimised), length(theta) entries. */
  readonly fixedTheta?: readonly (number | null)[];
  /** A known offset in the linear predictor (length nobs). */
  readonly offset?: ArrayLike<number>;
  /**
   * Threads for the O(n) passes: 2 splits them with one worker thread from 20,000 rows on; by default
   * (KANSEN_GLMM_THREADS overrides it) they are split only where the worker pays (row-engine.ts: a fit
   * starts it from 50,000 rows, uses a running one from 20,000, and only while the machine has a core
   * free for it); 1 keeps them on the calling thread. The rows are split in the same two chunks
   * either way, so the result is the same bit for bit.
   */
  readonly threads?: number;
}
