/**
 * Intervals for every parameter of a fit (issue 13, item 1), built on the solver's stages (src/glmm):
 * the Laplace objective of a design, its optimiser and its warm starts. Notebooks import it as
 * `kansen-mbo/inference`.
 *
 *   profileFit(fit, { parameters: "variance" | "all", level })     profile.ts: profile-likelihood intervals
 *                                                                  (lme4's confint(method = "profile"))
 *   parametricBootstrap(fit, { replicates, seed, file })           bootstrap.ts: the parametric bootstrap
 *                                                                  (lme4's bootMer(use.u = FALSE)), its
 *                                                                  replicates stored and extendable
 *   result.intervals                                               [{ parameter, method, level, lower, upper, note }]
 *
 * A chapter-8 cell:
 *
 *   const profile = profileFit(fit);                               // the SDs and the correlation, 95 %
 *   const boot = parametricBootstrap(fit, { replicates: 200, seed: 2024, file: runPath("boot-model2.kboot") });
 *   showTable([...profile.intervals, ...boot.intervals()]);
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
