/**
 * Missing cito scores, handled four ways and pooled honestly (issue 13, item 2). Notebooks import this
 * as `kansen-mbo/missing`.
 *
 * Public API (what chapter 8 and the specification curve call; every analysis returns a
 * MissingDataAnalysis: coefficients and AMEs as EstimateRow with estimate, SE, interval, df and, for
 * multiple imputation, the within/between/total variance, lambda and the FMI; every fit's convergence):
 *
 *   missingIndicatorAnalysis(frame, options?)     the published model 2 (3a 2.4)
 *   noCitoAnalysis(frame, options?)               model 2 without cito, citojaar, cito_missing (3a 3.4)
 *   completeCaseAnalysis(frame, options?)         model 2 without cito_missing on students with a score
 *   multipleImputationAnalysis(frame, options?)   m completed data sets (default m = 20, PMM), the same
 *                                                 complete-data model on each, Rubin's rules
 *   runMissingDataMethods(frame, options?, terms?) -> { analyses, comparison }: the four in order
 *   compareMissingDataMethods(analyses, terms?)   -> the comparison table (FOCUS_TERMS: non-western and
 *                                                 parents' education; coefficient and AME; difference
 *                                                 from the published estimate)
 *   buildCitoImputationModel(frame, spec?) + imputeCito(model, options?) -> CitoImputations, reusable:
 *                                                 pass as `imputations` to fit other analysis models
 *                                                 (other random terms, AME conventions) to the same
 *                                                 completed data sets without imputing again
 *
 * `frame` is an AnalysisFrame from prepareFrames (or any { columns, outcome, reference? }). Options:
 * `randomTerms` (the random part of every analysis model, default model 2's), `ameConvention`,
 * `ameRandomEffects`, `level`, `glmm` (solver options), `onProgress`; for multiple imputation also `m`,
 * `seed`, `burnIn`, `between`, `draw` ("pmm" | "normal"), `imputationModel` (CitoImputationSpec),
 * `imputations`, `nonConverged` ("include" | "exclude"), `dfComplete`, `warmStart`. As a notebook cell:
 *
 *   import { prepareFrames, frameKey } from "kansen-mbo/pipeline/steps";
 *   import { runMissingDataMethods, buildCitoImputationModel, imputeCito, multipleImputationAnalysis } from "kansen-mbo/missing";
 *   const data = await prepareFrames(config);
 *   const frame = data.frames[frameKey("doorstroom", 2020)];
 *   const all = await runMissingDataMethods(frame, { m: 20, seed: 20240214 });  // all.comparison.lines
 *   // the same imputations under another random structure (a specification curve's point):
 *   const imputations = imputeCito(buildCitoImputationModel(frame), { m: 20, seed: 20240214 });
 *   const twoLevel = await multipleImputationAnalysis(frame, { imputations, randomTerms: ["(1 | locatie)", "(1 | instelling)"] });
 *
 * How the imputation model is compatible with model 2's random slope, as far as the method allows
 * (the derivation is in imputation-model.ts): the score is imputed from a three-level normal model
 *   cito ~ model 2's covariates + citojaar + y + y:niet_westers + (1 + niet_westers | locatie) + (1 | instelling),
 * fitted by Gibbs sampling with jomo's priors. To first order in the logistic, model 2 implies
 * E[cito | y, x, l] = mu(x, l) + sigma^2 beta_cito (y - p0(x, l)), where p0 carries model 2's location
 * intercept and its location-specific non-western slope. So (1) the outcome enters the imputation model
 * (omitting it would bias beta_cito toward 0); (2) the random non-western effect per location absorbs the
 * shift that model 2's random slope puts into p0, the location and institution intercepts the rest of the
 * clustering; (3) y:niet_westers lets the score-outcome association differ by background. What a normal
 * joint model cannot reproduce is the logistic's nonlinearity itself: it is compatible to first order,
 * not exactly. An imputation model at least as rich as the analysis model stays valid for the simpler
 * random structures of a specification curve (no slope, two levels), so one set of imputations serves
 * them all. Exact compatibility needs a substantive-model-compatible sampler (smcfcs, jomo.glmer) with a
 * GLMM fit inside every sweep: left out, as is imputation of parents' education (it keeps its published
 * "onbekend" category). The missing test year is imputed first, from age and outcome (test-year.ts).
 *
 * Files:
 *   analyses.ts          one call per method -> MissingDataAnalysis
 *   compare.ts           compareMissingDataMethods / runMissingDataMethods
 *   result.ts            the result types (EstimateRow, CompletedDataFit, MissingDataAnalysis)
 *   rubin.ts             Rubin's rules with Barnard-Rubin df and the fraction of missing information
 *   imputation-model.ts  the multilevel imputation model for the cito score, built from a frame
 *   impute-cito.ts       m imputations from one Gibbs chain; completedTable
 *   completed-design.ts  the first completed data set's design, patched in the imputed cells for the others
 *   test-year.ts         the imputation model of the test year (missing together with the score)
 *   gibbs-sampler.ts     blocked Gibbs sampler of a three-level normal model (jomo's priors)
 *   nested-normal.ts     that model's sufficient statistics
 *   slice-sampler.ts     slice sampling of the parameter-expansion (rescaling) moves
 *   pmm.ts               predictive mean matching (bounded, whole-number scores)
 *   trace.ts             posterior summaries and Monte Carlo errors of a chain
 *   random-draws.ts      gamma, Dirichlet, inverse-Wishart draws
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
