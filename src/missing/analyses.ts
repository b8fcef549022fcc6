/**
 * Four ways to handle the missing cito score in model 2, one call each, all returning a
 * MissingDataAnalysis (result.ts):
 *
 *   missingIndicatorAnalysis   the published model 2: a missing score coded 100 with cito_missing = 1 and the
 *                              reference test year (3a 2.4); known to bias the other coefficients outside
 *                              randomised designs (Groenwold et al. 2012; Jones 1996)
 *   noCitoAnalysis             model 2 without cito, cito_missing and citojaar (3a 3.4's robustness model)
 *   completeCaseAnalysis       the complete-data model (model 2 without cito_missing) on the students with a
 *                              cito score only: lme4's na.omit of a frame whose missing scores are NA
 *   multipleImputationAnalysis the complete-data model on m data sets completed by multiple imputation of the
 *                              score and test year (imputation-model.ts, impute-cito.ts), coefficients and AMEs
 *                              pooled by Rubin's rules (rubin.ts)
 *
 * Parents' education keeps its published "onbekend" category in all four (the issue is the cito score).
 * The AMEs are those of src/stats/ame.ts (default: the published convention, conditional on the location
 * effects), computed per completed data set with their delta-method SEs and then pooled.
 *
 * A completed data set whose fit throws is counted as failed and left out of the pooling; one whose fit
 * did not converge is pooled by default (`nonConverged: "exclude"` leaves it out); either way every
 * imputation's fit is listed in `fits` with the solver's messages, and `convergence` counts them.
 */
import { CITO_TERMS, designFitter, formulaOf, modelLadder, robustnessModel, type DesignFit, type Outcome } from "../analysis/models";
import { PUBLISHED_REFERENCE } from "../vocabulary";
import { fitDesign } from "../glmm/fit";
import { rxCovariance } from "../glmm/refit";
import type { GlmmFit, GlmmOptions } from "../glmm/types";
import type { ColumnTable, GlmmDesign } from "../model/types";
import { averageMarginalEffects, type AmeConvention, type AmeRandomEffects, type MarginalEffect } from "../stats/ame";
import { buildCitoImputationModel, CITO, CITO_MISSING, CITOJAAR, type CitoImputationSpec, type MissingDataFrame } from "./imputation-model";
import { completedDesign } from "./completed-design";
import { completedTable, imputeCito, imputedDistribution, type CitoImputationOptions, type CitoImputations } from "./impute-cito";
import {
  ameRows,
  coefficientRows,
  fitRecord,
  methodLabels,
  pooledRow,
  type CompletedDataFit,
  type EstimateRow,
  type MissingDataAnalysis,
  type MissingDataMethod,
} from "./result";
import { poolScalar } from "./rubin";

export interface MissingDataOptions {
  /** Solver options for every fit (threads, SE method, progress). */
  readonly glmm?: GlmmOptions;
  /** The solver (default fitDesign); tests pass a stand-in. */
  readonly solve?: DesignFit;
  readonly ameConvention?: AmeConvention;
  readonly ameRandomEffects?: AmeRandomEffects;
  /** Confidence level of the intervals (default 0.95). */
  readonly level?: number;
  /**
   * The random part of every analysis model instead of model 2's, e.g. ["(1 | locatie)", "(1 | instelling)"]
   * (a specification curve varies it; the fixed part is each method's own).
   */
  readonly randomTerms?: readonly string[];
  readonly onProgress?: (message: string) => void;
}

export interface MultipleImputationOptions extends MissingDataOptions, CitoImputationOptions {
  readonly imputationModel?: CitoImputationSpec;
  /** Pool fits that did not converge ("include", default) or leave them out ("exclude"); failed fits are always left out. */
  readonly nonConverged?: "include" | "exclude";
  /** Complete-data degrees of freedom for Barnard-Rubin (default nobs - number of parameters, as mice's pool() with glmer). */
  readonly dfComplete?: number;
  /**
   * Imputations made earlier for this frame (imputeCito), to fit another analysis model (other random
   * terms, another AME convention) to the same completed data sets; the imputation options are then unused.
   */
  readonly imputations?: CitoImputations;
  /**
   * How the completed data sets after the first are fitted ("refit" by default; see
   * multipleImputationAnalysis): "refit" refits each near the first one's optimum and takes its
   * within-imputation covariance from (RX'RX)^-1 at its own optimum plus the first one's Hessian
   * correction; "full" runs the solver's stages on each, with its own finite-difference Hessian.
   */
  readonly completedFits?: "refit" | "full";
  /**
   * Further random-effects conventions of the AMEs, pooled from the same fits and returned in
   * `otherAmes` (a specification curve reads all three conventions from one pass over the m fits).
   */
  readonly otherAmeRandomEffects?: readonly AmeRandomEffects[];
  /**
   * With completedFits "full": start every fit after the first at the first fit's (theta, beta) (default
   * true). Each fit still runs to the solver's own convergence test; `glmm.start`, when given, is used for
   * all fits instead.
   */
  readonly warmStart?: boolean;
}

/** Model 2's fixed terms without the missing indicator: the analysis model for complete data. */
export function completeDataFormula(outcome: Outcome, randomTerms?: readonly string[]): string {
  const m2 = modelLadder(outcome)[4];
  return formulaOf(outcome, m2.fixedTerms.filter((t) => t !== CITO_MISSING), randomTerms ?? m2.randomTerms);
}

function referenceOf(frame: MissingDataFrame): Readonly<Record<string, string>> {
  return frame.reference ?? PUBLISHED_REFERENCE;
}

function seconds(t0: number): number {
  return (performance.now() - t0) / 1000;
}

function effectsOf(fit: GlmmFit, options: MissingDataOptions): readonly MarginalEffect[] {
  return averageMarginalEffects(fit, {
    convention: options.ameConvention ?? "published",
    randomEffects: options.ameRandomEffects ?? "included",
  }).effects;
}

/** One fit of `formula` to `table`, reported as a MissingDataAnalysis with m = 1. */
async function singleFitAnalysis(method: MissingDataMethod, frame: MissingDataFrame, formula: string, table: ColumnTable, options: MissingDataOptions): Promise<MissingDataAnalysis> {
  const t0 = performance.now();
  const fitter = designFitter(options.solve ?? fitDesign, referenceOf(frame));
  options.onProgress?.(`${method}: fitting ${formula}`);
  const fit = await fitter(formula, table, options.glmm);
  const fitSeconds = seconds(t0);
  const t1 = performance.now();
  const effects = effectsOf(fit, options);
  const ameSeconds = seconds(t1);
  const level = options.level ?? 0.95;
  const record = fitRecord(1, fit, true);
  return {
    method,
    ...methodLabels(method),
    outcome: frame.outcome,
    formula,
    nobs: fit.nobs,
    rowsLeftOut: fit.design.missing?.dropped ?? 0,
    m: 1,
    seed: null,
    imputationModel: null,
    coefficients: coefficientRows(fit, level),
    ames: ameRows(effects, level),
    ameConvention: options.ameConvention ?? "published",
    ameRandomEffects: options.ameRandomEffects ?? "included",
    dfComplete: Infinity,
    fits: [record],
    convergence: { converged: record.status === "converged" ? 1 : 0, notConverged: record.status === "not-converged" ? 1 : 0, failed: 0, pooled: 1 },
    timing: { imputationSeconds: 0, fitSeconds, ameSeconds, poolSeconds: 0, totalSeconds: seconds(t0) },
    fit,
  };
}

/** The published model 2 with the missing-indicator method (3a 2.4). */
export function missingIndicatorAnalysis(frame: MissingDataFrame, options: MissingDataOptions = {}): Promise<MissingDataAnalysis> {
  const m2 = modelLadder(frame.outcome)[4];
  return singleFitAnalysis("missing-indicator", frame, formulaOf(frame.outcome, m2.fixedTerms, options.randomTerms ?? m2.randomTerms), frame.columns, options);
}

/** Model 2 without cito, its year and the missing indicator (3a 3.4). */
export function noCitoAnalysis(frame: MissingDataFrame, options: MissingDataOptions = {}): Promise<MissingDataAnalysis> {
  const rm = robustnessModel(frame.outcome);
  return singleFitAnalysis("no-cito", frame, formulaOf(frame.outcome, rm.fixedTerms, options.randomTerms ?? rm.randomTerms), frame.columns, options);
}

/** The frame with the cito score and test year set to missing (NaN, null) where cito_missing is 1. */
export function withMissingCito(columns: ColumnTable): ColumnTable {
  const cito = columns[CITO];
  const missing = columns[CITO_MISSING];
  const year = columns[CITOJAAR];
  if (cito === undefined || missing === undefined || year === undefined) {
    throw new Error(`complete cases: the frame needs the columns ${CITO_TERMS.join(", ")}`);
  }
  const c = Float64Array.from(cito as ArrayLike<number>);
  const y: (string | null)[] = Array.from(year as ArrayLike<string | null>);
  const mi = missing as ArrayLike<number>;
  for (let i = 0; i < c.length; i++) {
    if (mi[i] === 1) {
      c[i] = Number.NaN;
      y[i] = null;
    }
  }
  return { ...columns, [CITO]: c, [CITOJAAR]: y };
}

/** The complete-data model on the students with a cito score (listwise deletion). */
export function completeCaseAnalysis(frame: MissingDataFrame, options: MissingDataOptions = {}): Promise<MissingDataAnalysis> {
  return singleFitAnalysis("complete-cases", frame, completeDataFormula(frame.outcome, options.randomTerms), withMissingCito(frame.columns), options);
}

/**
 * The within-imputation covariance of a completed data set refitted near the first one's optimum:
 * V_l = (RX'RX)^-1_l + (V_H,1 - (RX'RX)^-1_1) on the scale of X, returned as a fit with that vcov and
 * its SEs (see multipleImputationAnalysis).
 */
function withCorrectedCovariance(fit: GlmmFit, correction: Float64Array): GlmmFit {
  const p = fit.beta.length;
  const vcov = Float64Array.from(fit.vcov, (v, k) => v + correction[k]);
  const se = Float64Array.from({ length: p }, (_, j) => Math.sqrt(vcov[j * p + j]));
  return { ...fit, vcov, se, seMethod: REFIT_SE_METHOD };
}

export const REFIT_SE_METHOD =
  "refit: (RX'RX)^-1 at this completed data set's optimum (theta as known) plus the first completed data set's difference between its Hessian-based covariance and its (RX'RX)^-1 (the part of the fixed effects' variance that comes from the estimated variance parameters)";

/**
 * Multiple imputation of the cito score and year, the complete-data model on each, Rubin's rules.
 *
 * Completed-data fits ("refit", the default): the first completed data set is fitted by the solver's
 * stages (warm-started with `glmm.start` when given), with the finite-difference Hessian of lme4 1.1-31
 * and its standard errors. The others differ from it only in the imputed cells (about a fifth of one
 * column and the year dummies), so their optima lie close to the first one's: each is refitted from that
 * optimum by BFGS with the first fit's Hessian as its first curvature (src/glmm/refit.ts; 3-6 PIRLS
 * solutions and gradients instead of ~40 and a new 25-gradient Hessian), to the same Newton-decrement
 * test, and falls back to the solver's stages if that does not converge. Their within-imputation
 * covariance is the cheap one at their own optimum, (RX'RX)^-1 (theta as known), plus the first data
 * set's correction V_H,1 - (RX'RX)^-1_1: the part of var(beta) that comes from the uncertainty of the
 * variance parameters, which the imputed cells barely change. On model 2 at full scale (124,621 rows)
 * (RX'RX)^-1 alone gives SEs 0.1-0.3 % below the Hessian's for most coefficients and 2.8 % below for the
 * non-western coefficient (the one with the random slope); with the correction the pooled SEs match the
 * Hessian-based ones to first order. The AMEs' delta-method SEs use the same covariance.
 */
export async function multipleImputationAnalysis(frame: MissingDataFrame, options: MultipleImputationOptions = {}): Promise<MissingDataAnalysis> {
  const t0 = performance.now();
  const progress = options.onProgress ?? (() => undefined);
  const imputations = options.imputations ?? imputeCito(buildCitoImputationModel(frame, options.imputationModel ?? {}), options);
  const model = imputations.model;
  const nrows = frame.columns[frame.outcome]?.length ?? 0;
  if (model.nrows !== nrows || model.outcome !== frame.outcome) {
    throw new Error(`multiple imputation: the imputations given are of a ${model.nrows}-row ${model.outcome} frame, not of this ${nrows}-row ${frame.outcome} frame`);
  }
  const imputationSeconds = options.imputations === undefined ? seconds(t0) : 0;
  const formula = completeDataFormula(frame.outcome, options.randomTerms);
  const solve = options.solve ?? fitDesign;
  const fitter = designFitter(solve, referenceOf(frame));
  const policy = options.nonConverged ?? "include";
  const m = imputations.m;

  interface Estimates {
    readonly beta: Float64Array;
    readonly betaVar: Float64Array;
    readonly ame: Float64Array;
    readonly ameVar: Float64Array;
    /** The AMEs and their variances under each of options.otherAmeRandomEffects, in that order. */
    readonly other: readonly { readonly ame: Float64Array; readonly ameVar: Float64Array }[];
  }
  const otherConventions = options.otherAmeRandomEffects ?? [];
  const fits: CompletedDataFit[] = [];
  const kept: Estimates[] = [];
  /** The first pooled fit: its terms name the pooled rows, and every later fit must have the same. */
  let first: { fit: GlmmFit; effects: readonly MarginalEffect[] } | null = null;
  // The design of the first completed data set that was built, patched for the others (completed-design.ts).
  let designTemplate: GlmmDesign | null = null;
  let warm: GlmmOptions | undefined;
  /** With completedFits "refit": the options of the refits and the covariance correction of the first fit. */
  let refit: { readonly glmm: GlmmOptions; readonly correction: Float64Array } | null = null;
  const refitting = (options.completedFits ?? "refit") === "refit";
  let fitSeconds = 0;
  let ameSeconds = 0;
  for (let l = 0; l < m; l++) {
    const tf = performance.now();
    let fit: GlmmFit;
    try {
      const design = designTemplate === null ? null : completedDesign(designTemplate, imputations, l);
      const glmm = refit?.glmm ?? warm ?? options.glmm;
      fit = design !== null ? await solve(design, glmm) : await fitter(formula, completedTable(frame.columns, imputations, l), glmm);
      if (refit !== null) fit = withCorrectedCovariance(fit, refit.correction);
      designTemplate ??= fit.design;
      if (refitting && refit === null && fit.hessian !== undefined && fit.convergence.converged && !fit.convergence.singular) {
        // The first fit's own (RX'RX)^-1 at its optimum, for the correction.
        const glmmRefit: GlmmOptions = { ...options.glmm, se: "rx", start: { theta: Float64Array.from(fit.theta), beta: Float64Array.from(fit.beta) }, refit: { hessian: fit.hessian } };
        const rx = rxCovariance(fit.design, fit, options.glmm);
        if (rx.every(Number.isFinite)) refit = { glmm: glmmRefit, correction: Float64Array.from(fit.vcov, (v, k) => v - rx[k]) };
        else progress(`imputation ${l + 1}: (RX'RX) is singular at its optimum; the other completed data sets are fitted in full`);
      }
      // Without a refit (completedFits "full", or a first fit without a usable Hessian): warm starts.
      if (refit === null && warm === undefined && options.warmStart !== false && options.glmm?.start === undefined) {
        warm = { ...options.glmm, start: { theta: Float64Array.from(fit.theta), beta: Float64Array.from(fit.beta) } };
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      fitSeconds += seconds(tf);
      fits.push({ imputation: l + 1, status: "failed", pooled: false, logLik: null, maxAbsGradient: null, maxAbsScaledGradient: null, minHessianEigenvalue: null, singular: null, messages: [message], start: null, seconds: seconds(tf) });
      progress(`imputation ${l + 1}/${m}: the fit FAILED (${message}); left out of the pooling`);
      continue;
    }
    fitSeconds += seconds(tf);
    const ta = performance.now();
    const effects = effectsOf(fit, options);
    const otherEffects = otherConventions.map((c) => effectsOf(fit, { ...options, ameRandomEffects: c }));
    ameSeconds += seconds(ta);
    const pooled = fit.convergence.converged || policy === "include";
    fits.push(fitRecord(l + 1, fit, pooled));
    progress(
      `imputation ${l + 1}/${m}: logLik ${fit.logLik.toFixed(2)}, ${fit.convergence.converged ? "converged" : `did NOT converge (${fit.convergence.messages.join("; ")})${pooled ? ", pooled" : ", left out"}`}, ${fit.elapsedSeconds.toFixed(1)} s`,
    );
    if (!pooled) continue;
    if (first === null) first = { fit, effects };
    else {
      const names = first.fit.design.fixed.names;
      const these = fit.design.fixed.names;
      if (names.length !== these.length || names.some((n, j) => n !== these[j])) {
        throw new Error(`imputation ${l + 1}: the fitted coefficients (${these.join(", ")}) differ from those of the first pooled imputation (${names.join(", ")}); a rank-deficient completed data set?`);
      }
    }
    const p = fit.beta.length;
    kept.push({
      beta: Float64Array.from(fit.beta),
      betaVar: Float64Array.from({ length: p }, (_, j) => fit.se[j] * fit.se[j]),
      ame: Float64Array.from(effects, (e) => e.estimate),
      ameVar: Float64Array.from(effects, (e) => e.se * e.se),
      other: otherEffects.map((o) => ({ ame: Float64Array.from(o, (e) => e.estimate), ameVar: Float64Array.from(o, (e) => e.se * e.se) })),
    });
  }
  const failed = fits.filter((f) => f.status === "failed").length;
  const notConverged = fits.filter((f) => f.status === "not-converged").length;
  if (first === null || kept.length < 2) {
    throw new Error(
      `multiple imputation: only ${kept.length} of ${m} completed-data fits can be pooled (${failed} failed, ${notConverged} did not converge, policy '${policy}'); Rubin's rules need at least 2:\n` +
        fits.map((f) => `  imputation ${f.imputation}: ${f.status}${f.messages.length ? ` (${f.messages.join("; ")})` : ""}`).join("\n"),
    );
  }

  const tp = performance.now();
  const firstFit = first.fit;
  const dfComplete = options.dfComplete ?? Math.max(firstFit.nobs - firstFit.df, 1);
  const level = options.level ?? 0.95;
  const column = (pick: (e: Estimates) => Float64Array, j: number): Float64Array => Float64Array.from(kept, (e) => pick(e)[j]);
  const { names, info } = firstFit.design.fixed;
  const coefficients: EstimateRow[] = names.map((term, j) =>
    pooledRow({ term, ...poolScalar(column((e) => e.beta, j), column((e) => e.betaVar, j), { dfComplete, level }) }, info[j].variable, info[j].level),
  );
  // Rubin's rules per AME term, for the AMEs (and their variances) that `of` picks from each fit's estimates.
  const firstEffects = first.effects;
  const poolAmes = (of: (e: Estimates) => { readonly ame: Float64Array; readonly ameVar: Float64Array }): EstimateRow[] =>
    firstEffects.map((effect, j) =>
      pooledRow({ term: effect.term, ...poolScalar(column((e) => of(e).ame, j), column((e) => of(e).ameVar, j), { dfComplete, level }) }, effect.variable, effect.level),
    );
  const ames = poolAmes((e) => e);
  const otherAmes = otherConventions.map((ameRandomEffects, c) => ({ ameRandomEffects, ames: poolAmes((e) => e.other[c]) }));
  const poolSeconds = seconds(tp);
  return {
    method: "multiple-imputation",
    ...methodLabels("multiple-imputation"),
    outcome: frame.outcome,
    formula,
    nobs: firstFit.nobs,
    rowsLeftOut: firstFit.design.missing?.dropped ?? 0,
    m,
    seed: imputations.seed,
    imputationModel: {
      formula: model.formula,
      description: model.description,
      draw: imputations.draw,
      donors: imputations.donors,
      observed: model.observedRows.length,
      imputed: model.missingRows.length,
      borrowedAges: model.yearModel.borrowed,
      chain: imputations.chain,
      distribution: imputedDistribution(imputations),
    },
    coefficients,
    ames,
    ameConvention: options.ameConvention ?? "published",
    ameRandomEffects: options.ameRandomEffects ?? "included",
    dfComplete,
    fits,
    convergence: { converged: m - failed - notConverged, notConverged, failed, pooled: kept.length },
    timing: { imputationSeconds, fitSeconds, ameSeconds, poolSeconds, totalSeconds: seconds(t0) },
    fit: null,
    ...(otherAmes.length > 0 ? { otherAmes } : {}),
  };
}
