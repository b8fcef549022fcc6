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
  readonly elapsedSeconds: number;
  /** Threads the O(n) passes ran on (1 or 2; the numbers are the same bit for bit either way). */
  readonly threads: number;
}

export interface GlmmOptions {
  /** Compute standard errors from the Hessian (lme4 1.1-31 default) or from (RX'RX)^-1. */
  readonly se?: "hessian" | "rx";
  /** Called with progress messages during the fit (notebooks and the reproduce run show them). */
  readonly onProgress?: (message: string) => void;
  readonly maxIterations?: number;
  /**
   * Threads for the O(n) passes: 2 (default; KANSEN_GLMM_THREADS overrides it) splits them with one
   * worker thread from 20,000 rows on, 1 keeps them on the calling thread. The rows are split in the
   * same two chunks either way, so the result is the same bit for bit.
   */
  readonly threads?: number;
}
