/**
 * Missing cito scores, handled four ways and pooled honestly (issue 13, item 2). Notebooks import this
 * as `kansen-mbo/missing`.
 *
 *   analyses.ts          one call per method -> MissingDataAnalysis: missingIndicatorAnalysis (published
 *                        model 2), noCitoAnalysis (3a 3.4), completeCaseAnalysis, multipleImputationAnalysis
 *   compare.ts           compareMissingDataMethods / runMissingDataMethods: non-western and parents'
 *                        education, coefficient and AME, under each method
 *   result.ts            the result types (EstimateRow, CompletedDataFit, MissingDataAnalysis)
 *   rubin.ts             Rubin's rules with Barnard-Rubin df and the fraction of missing information
 *   imputation-model.ts  the multilevel imputation model for the cito score, built from a frame
 *   impute-cito.ts       m imputations from one Gibbs chain; completedTable
 *   test-year.ts         the imputation model of the test year (missing together with the score)
 *   gibbs-sampler.ts     blocked Gibbs sampler of a three-level normal model (jomo's priors)
 *   nested-normal.ts     that model's sufficient statistics
 *   pmm.ts               predictive mean matching (bounded, whole-number scores)
 *   trace.ts             posterior summaries and Monte Carlo errors of a chain
 *   random-draws.ts      gamma, Dirichlet, inverse-Wishart draws
 *
 * Left out: a substantive-model-compatible imputation (smcfcs, jomo.glmer), which would refit or sample
 * the logistic GLMM inside every sweep; imputation of parents' education (it keeps its "onbekend"
 * category, as published).
 */
export {
  completeCaseAnalysis,
  completeDataFormula,
  missingIndicatorAnalysis,
  multipleImputationAnalysis,
  noCitoAnalysis,
  withMissingCito,
  type MissingDataOptions,
  type MultipleImputationOptions,
} from "./analyses";
export { compareMissingDataMethods, runMissingDataMethods, FOCUS_TERMS, type AllMethodsResult, type ComparisonLine, type MissingDataComparison } from "./compare";
export { buildCitoImputationModel, defaultImputationCovariates, CITO_RANGE, type CitoImputationModel, type CitoImputationSpec, type MissingDataFrame } from "./imputation-model";
export { completedTable, imputeCito, imputedDistribution, DEFAULT_IMPUTATIONS, DEFAULT_SEED, type ChainSummary, type CitoImputationOptions, type CitoImputations, type ImputationDraw, type ParameterDraw } from "./impute-cito";
export { MISSING_DATA_METHODS, methodLabels, type CompletedDataFit, type EstimateRow, type ImputationModelReport, type ImputedDistribution, type MissingDataAnalysis, type MissingDataMethod } from "./result";
export { barnardRubinDf, poolScalar, poolTerms, type CompletedDataEstimates, type PooledScalar, type PooledTerm, type PoolOptions } from "./rubin";
export type { TraceSummary } from "./trace";
