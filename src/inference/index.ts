/**
 * Intervals for every parameter of a fit (issue 13, item 1), built on the solver's stages (src/glmm):
 * the Laplace objective of a design, its optimiser and its warm starts. Notebooks import it as
 * `kansen-mbo/inference`; the AME conventions (issue 13, item 3) are in `kansen-mbo/stats`.
 *
 * API
 *   profileFit(fit, { parameters?, level?, threads?, onProgress? }): ProfileResult          profile.ts
 *       lme4's confint(fit, method = "profile", oldNames = FALSE): parameters "variance" (default: the
 *       SDs and correlations), "fixed", "all" or lme4 names ("sd_(Intercept)|locatie", "cor_x.(Intercept)|g",
 *       "migratieniet-westers"); level 0.95. Result: intervals (below), profiles[] (every point: value,
 *       zeta, deviance, converged; monotone; lower/upper with kind "root" | "boundary" |
 *       "estimate on boundary" | "not reached"), notes, seconds.
 *   parametricBootstrap(fit, { replicates, seed, file?, concurrency?, ameConvention?, ameRandomEffects?,
 *       onProgress? }): BootstrapResult                                                     bootstrap.ts
 *       lme4's bootMer(use.u = FALSE): replicate r depends only on (seed, r); with `file` the replicates
 *       are stored and a later call with more replicates computes only the missing ones. Result:
 *       counts { replicates, converged, notConverged, failed, singular, fallback }, statistics (names),
 *       estimates (t0), values(name) (t*, one per replicate), intervals({ level?, type?: "percentile" |
 *       "basic" | "normal", replicates?: "all" | "converged" | "regular", statistics? }).
 *       Statistics: the SDs/correlations and fixed effects (lme4 names), icc_adjusted, r2_marginal,
 *       r2_conditional, ame:conditional|zero|integrated:<term>.
 *   Interval { parameter, method: "profile" | "bootstrap", level, lower, upper, note }        interval.ts
 *       The note says what a reader must know: a boundary end (an SD at 0, a correlation at +-1), a
 *       non-monotone profile, replicate counts and the interval without the singular/not converged.
 *   averageMarginalEffects(fit, { convention?, randomEffects?, quadratureNodes? })  (kansen-mbo/stats)
 *       convention "published" (mean derivative, dummies as numeric; bijlage 3b) | "discrete" (level
 *       vs reference) crossed with randomEffects "included" (conditional on the estimated location
 *       effects, the default, as 3b) | "excluded" (at zero) | "integrated" (over N(0, Sigma), Gauss-
 *       Hermite per row, 20 nodes; result.quadrature gives the error against 40); delta-method SEs;
 *       result.label names the combination.
 *
 * A chapter-8 cell:
 *
 *   import { profileFit, parametricBootstrap } from "kansen-mbo/inference";
 *   import { averageMarginalEffects } from "kansen-mbo/stats";
 *   const profile = profileFit(fit);                                   // 4 variance parameters of model 2, 95 %
 *   const boot = parametricBootstrap(fit, { replicates: 200, seed: 2024, file: "outputs/boot/model2-d2020.kboot" });
 *   const intervals = [...profile.intervals, ...boot.intervals()];     // [{ parameter, method, level, lower, upper, note }]
 *   const ames = (["included", "excluded", "integrated"] as const).map((re) => averageMarginalEffects(fit, { randomEffects: re }));
 *   boot.intervals({ statistics: ["ame:integrated:migratieniet-westers"] });   // its bootstrap interval
 *   boot.counts;                                                       // say how many did not converge / were singular
 *
 * One concept per file: parameters (lme4's names and scales), term-order (a term's columns reordered),
 * held-parameter (one parameter held, the others free), profile, simulate-response, replicate-fit (a
 * replicate's refit), replicate-runner / replicate-thread / replicate-worker (replicates on one or two
 * threads), bootstrap-statistics (what a replicate records), bootstrap-store (the replicate file),
 * bootstrap-intervals (percentile, basic, normal), interval (the shared result type).
 */
export { checkLevel, type Interval, type IntervalMethod } from "./interval";
export { modelParameters, parameterValue, sdcorFromTheta, selectParameters, varianceParameters, type ModelParameter, type ParameterKind } from "./parameters";
export { profileFit, type LimitKind, type ParameterProfile, type ProfileLimit, type ProfileOptions, type ProfilePoint, type ProfileResult } from "./profile";
export {
  parametricBootstrap,
  bootstrapResult,
  REPLICATE_SUBSETS,
  type BootstrapCounts,
  type BootstrapIntervalOptions,
  type BootstrapOptions,
  type BootstrapResult,
  type ReplicateSubset,
} from "./bootstrap";
export { bootQuantile, bootstrapLimits, type BootstrapIntervalType, type BootstrapLimits } from "./bootstrap-intervals";
export { DEFAULT_STATISTICS, statisticNames, type StatisticsSettings } from "./bootstrap-statistics";
export { fitFingerprint, readBootstrapFile, type BootstrapHeader, type StoredBootstrap } from "./bootstrap-store";
export { simulateResponse } from "./simulate-response";
