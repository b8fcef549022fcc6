/**
 * Post-fit statistics of a fitted binomial-logit GLMM (issue 5), one module per definition:
 * variance-components (the latent-scale decomposition), r2 (Nakagawa), icc, ame (average marginal
 * effects: two effect conventions, three random-effects conventions), marginal-probability (the
 * probability integrated over the random effects), lrt and compare (nested-model tests, AIC/BIC, coefficient paths),
 * location-effects (caterpillar data and the spread of the random slope), robustness (refit without
 * terms). Notebooks import them as `kansen-mbo/stats`.
 */
export {
  AME_CONVENTIONS,
  AME_RANDOM_EFFECTS,
  DEFAULT_QUADRATURE_NODES,
  averageMarginalEffects,
  type AmeConvention,
  type AmeOptions,
  type AmeRandomEffects,
  type AmeResult,
  type MarginalEffect,
} from "./ame";
export { marginalMoments, randomEffectVariance, type MarginalMoments } from "./marginal-probability";
export { chiSquareUpperTail } from "../numeric/distributions";
export { compareModels, informationCriteria, type CoefficientPath, type InformationCriteriaRow, type ModelComparison, type NamedFit } from "./compare";
export { intraclassCorrelation, type IccResult } from "./icc";
export { locationEffects, type EffectSpread, type LocationEffect, type LocationEffects } from "./location-effects";
export { likelihoodRatioTest, type LikelihoodRatioTest } from "./lrt";
export { nakagawaR2, r2FromVariances, type NakagawaR2 } from "./r2";
export { findRandomSlopes, type RandomSlopeLink } from "./random-slopes";
export { compareCoefficients, dropFixedTerms, refitWithout, type CoefficientChange, type ModelFitter, type RobustnessComparison } from "./robustness";
export { fixedEffectVariance, varianceDecomposition, type RandomTermVariance, type SlopeHandling, type VarianceDecomposition } from "./variance-components";
