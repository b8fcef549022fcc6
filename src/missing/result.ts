/**
 * What a missing-data analysis returns (analyses.ts): one shape for all four ways of handling the
 * missing cito score, so chapter 8 can put them side by side.
 *
 * Every coefficient and average marginal effect is an `EstimateRow`. For the multiple-imputation
 * analysis the row is Rubin's pooled estimate (rubin.ts) with its within, between and total variance,
 * Barnard-Rubin degrees of freedom, riv, lambda and fraction of missing information. For the
 * single-fit methods (missing indicator, no cito, complete cases) it is the fit's own Wald estimate,
 * with df = Infinity (a z test, as glmer's summary) and the imputation quantities null: no imputation
 * measured them, which is not the same as zero missing information.
 */
import type { AmeConvention, AmeRandomEffects, MarginalEffect } from "../stats/ame";
import type { GlmmFit } from "../glmm/types";
import { studentTQuantile, studentTTwoSided } from "../numeric/student-t";
import type { ChainSummary, ImputationDraw } from "./impute-cito";
import type { PooledTerm } from "./rubin";

export type MissingDataMethod = "missing-indicator" | "no-cito" | "complete-cases" | "multiple-imputation";

/** The four methods in the order chapter 8 shows them, with an English and a Dutch label. */
export const MISSING_DATA_METHODS: readonly { readonly method: MissingDataMethod; readonly label: string; readonly labelNl: string }[] = [
  { method: "missing-indicator", label: "missing-indicator method (published model 2)", labelNl: "missing-indicatormethode (gepubliceerd model 2)" },
  { method: "no-cito", label: "without cito (robustness check, 3a 3.4)", labelNl: "zonder cito (robuustheidscheck, 3a 3.4)" },
  { method: "complete-cases", label: "complete cases (students with a cito score)", labelNl: "complete cases (studenten met een citoscore)" },
  { method: "multiple-imputation", label: "multiple imputation of the cito score", labelNl: "multipele imputatie van de citoscore" },
];

export function methodLabels(method: MissingDataMethod): { readonly label: string; readonly labelNl: string } {
  const found = MISSING_DATA_METHODS.find((m) => m.method === method);
  if (found === undefined) throw new Error(`unknown missing-data method '${method}'`);
  return found;
}

export interface EstimateRow {
  /** lme4 column name ("migratieniet-westers"). */
  readonly term: string;
  /** Frame variable ("migratie"), "" for the intercept. */
  readonly variable: string;
  readonly level?: string;
  readonly estimate: number;
  readonly se: number;
  /** Degrees of freedom of the Wald test and interval (Infinity: normal). */
  readonly df: number;
  readonly statistic: number;
  readonly pValue: number;
  readonly lower: number;
  readonly upper: number;
  /** Rubin's within (Ubar), between (B) and total (T) variance; null without imputation. */
  readonly within: number | null;
  readonly between: number | null;
  readonly total: number | null;
  /** Relative increase in variance, proportion of variance due to missingness, fraction of missing information. */
  readonly riv: number | null;
  readonly lambda: number | null;
  readonly fmi: number | null;
}

/** How the model fit of one completed data set went (for a single-fit method, the one fit). */
export interface CompletedDataFit {
  /** 1..m (1 for a single fit). */
  readonly imputation: number;
  readonly status: "converged" | "not-converged" | "failed";
  /** Whether its estimates entered the pooled numbers. */
  readonly pooled: boolean;
  readonly logLik: number | null;
  readonly maxAbsGradient: number | null;
  readonly maxAbsScaledGradient: number | null;
  readonly minHessianEigenvalue: number | null;
  readonly singular: boolean | null;
  /** The solver's warnings, or the error of a failed fit. */
  readonly messages: readonly string[];
  /** Where the optimiser started ("warm start": at an earlier fit's estimates), null when the fit failed or the solver does not say. */
  readonly start: "lme4 start" | "warm start" | null;
  readonly seconds: number;
}

export interface ImputationModelReport {
  readonly formula: string;
  readonly description: string;
  readonly draw: ImputationDraw;
  readonly donors: number;
  readonly observed: number;
  readonly imputed: number;
  /** Ages whose test-year distribution was borrowed from another age (no observed year). */
  readonly borrowedAges: readonly { readonly age: number; readonly from: number }[];
  readonly chain: ChainSummary;
  /** The usual first diagnostic: observed scores against each imputation's imputed scores. */
  readonly distribution: ImputedDistribution;
}

export interface ImputedDistribution {
  readonly observed: { readonly mean: number; readonly sd: number };
  /** One per imputation. */
  readonly imputed: readonly { readonly mean: number; readonly sd: number }[];
  /** Share of each test year among the observed students and, averaged over the imputations, the imputed ones. */
  readonly yearShares: readonly { readonly year: string; readonly observed: number; readonly imputed: number }[];
}

export interface MissingDataAnalysis {
  readonly method: MissingDataMethod;
  readonly label: string;
  readonly labelNl: string;
  readonly outcome: string;
  /** The analysis model fitted to each (completed) data set. */
  readonly formula: string;
  /** Rows in the analysis (per completed data set) and rows left out (complete cases). */
  readonly nobs: number;
  readonly rowsLeftOut: number;
  /** Imputations (1 for the single-fit methods). */
  readonly m: number;
  readonly seed: number | null;
  readonly imputationModel: ImputationModelReport | null;
  readonly coefficients: readonly EstimateRow[];
  readonly ames: readonly EstimateRow[];
  readonly ameConvention: AmeConvention;
  readonly ameRandomEffects: AmeRandomEffects;
  /** Complete-data degrees of freedom used by the Barnard-Rubin df (Infinity for single fits). */
  readonly dfComplete: number;
  readonly fits: readonly CompletedDataFit[];
  readonly convergence: { readonly converged: number; readonly notConverged: number; readonly failed: number; readonly pooled: number };
  readonly timing: { readonly imputationSeconds: number; readonly fitSeconds: number; readonly ameSeconds: number; readonly poolSeconds: number; readonly totalSeconds: number };
  /** The fit itself for a single-fit method (null for multiple imputation, whose m fits are not kept). */
  readonly fit: GlmmFit | null;
  /** Multiple imputation with otherAmeRandomEffects: the pooled AMEs under those conventions. */
  readonly otherAmes?: readonly { readonly ameRandomEffects: AmeRandomEffects; readonly ames: readonly EstimateRow[] }[];
}

/** A single fit's Wald row: z test and normal interval, no imputation quantities. */
export function waldRow(term: string, variable: string, level: string | undefined, estimate: number, se: number, level95 = 0.95): EstimateRow {
  const statistic = estimate / se;
  const half = studentTQuantile(1 - (1 - level95) / 2, Infinity) * se;
  return {
    term,
    variable,
    ...(level !== undefined ? { level } : {}),
    estimate,
    se,
    df: Infinity,
    statistic,
    pValue: studentTTwoSided(statistic, Infinity),
    lower: estimate - half,
    upper: estimate + half,
    within: null,
    between: null,
    total: null,
    riv: null,
    lambda: null,
    fmi: null,
  };
}

/** A pooled row from Rubin's rules. */
export function pooledRow(pooled: PooledTerm, variable: string, level: string | undefined): EstimateRow {
  return {
    term: pooled.term,
    variable,
    ...(level !== undefined ? { level } : {}),
    estimate: pooled.estimate,
    se: pooled.se,
    df: pooled.df,
    statistic: pooled.statistic,
    pValue: pooled.pValue,
    lower: pooled.lower,
    upper: pooled.upper,
    within: pooled.within,
    between: pooled.between,
    total: pooled.total,
    riv: pooled.riv,
    lambda: pooled.lambda,
    fmi: pooled.fmi,
  };
}

/** The Wald rows of one fit's coefficients. */
export function coefficientRows(fit: GlmmFit, level = 0.95): EstimateRow[] {
  const { names, info } = fit.design.fixed;
  return names.map((term, j) => waldRow(term, info[j].variable, info[j].level, fit.beta[j], fit.se[j], level));
}

/** The Wald rows of one fit's AMEs. */
export function ameRows(effects: readonly MarginalEffect[], level = 0.95): EstimateRow[] {
  return effects.map((e) => waldRow(e.term, e.variable, e.level, e.estimate, e.se, level));
}

/** The convergence record of a fit that produced estimates. */
export function fitRecord(imputation: number, fit: GlmmFit, pooled: boolean): CompletedDataFit {
  const c = fit.convergence;
  return {
    imputation,
    status: c.converged ? "converged" : "not-converged",
    pooled,
    logLik: fit.logLik,
    maxAbsGradient: c.maxAbsGradient,
    maxAbsScaledGradient: c.maxAbsScaledGradient,
    minHessianEigenvalue: c.minHessianEigenvalue,
    singular: c.singular,
    messages: c.messages,
    start: fit.optimisation?.start.kind ?? null,
    seconds: fit.elapsedSeconds,
  };
}
