/**
 * The four missing-data methods side by side for the terms 3a's conclusions rest on: the non-western
 * background and parents' education, as coefficients (log-odds) and as average marginal effects
 * (probability points). Each line carries the method's estimate, SE and interval and its difference from
 * the published missing-indicator estimate, so a reader sees at once whether the migration gap moves.
 */
import type { Outcome } from "../analysis/models";
import { completeCaseAnalysis, missingIndicatorAnalysis, multipleImputationAnalysis, noCitoAnalysis, type MissingDataOptions, type MultipleImputationOptions } from "./analyses";
import type { MissingDataFrame } from "./imputation-model";
import type { EstimateRow, MissingDataAnalysis, MissingDataMethod } from "./result";

/** The terms compared by default: model 2's migration and parents' education dummies. */
export const FOCUS_TERMS: readonly string[] = ["migratieniet-westers", "oudershoger", "oudersonbekend"];

export interface ComparisonLine {
  readonly outcome: string;
  readonly quantity: "coefficient" | "ame";
  readonly term: string;
  readonly variable: string;
  readonly level?: string;
  readonly method: MissingDataMethod;
  readonly label: string;
  readonly labelNl: string;
  readonly m: number;
  readonly nobs: number;
  readonly estimate: number;
  readonly se: number;
  readonly lower: number;
  readonly upper: number;
  readonly df: number;
  /** Fraction of missing information (multiple imputation only). */
  readonly fmi: number | null;
  /** estimate minus the missing-indicator estimate (null when that analysis is not among the inputs). */
  readonly differenceFromPublished: number | null;
  /** Completed-data fits that did not converge or failed (0 for a clean run). */
  readonly fitProblems: number;
}

export interface MissingDataComparison {
  readonly outcome: string;
  readonly terms: readonly string[];
  readonly methods: readonly MissingDataMethod[];
  /** Grouped by quantity, then term, then method in the order of the inputs. */
  readonly lines: readonly ComparisonLine[];
}

function find(rows: readonly EstimateRow[], term: string): EstimateRow | undefined {
  return rows.find((r) => r.term === term);
}

/** The comparison table of analyses of one outcome (see the module comment). */
export function compareMissingDataMethods(analyses: readonly MissingDataAnalysis[], terms: readonly string[] = FOCUS_TERMS): MissingDataComparison {
  if (analyses.length === 0) throw new Error("compareMissingDataMethods: no analyses given");
  const outcome = analyses[0].outcome;
  for (const a of analyses) if (a.outcome !== outcome) throw new Error(`compareMissingDataMethods: analyses of '${outcome}' and '${a.outcome}' cannot be compared`);
  const published = analyses.find((a) => a.method === "missing-indicator");
  const lines: ComparisonLine[] = [];
  for (const quantity of ["coefficient", "ame"] as const) {
    for (const term of terms) {
      const pick = (a: MissingDataAnalysis): EstimateRow | undefined => find(quantity === "coefficient" ? a.coefficients : a.ames, term);
      const base = published ? pick(published) : undefined;
      for (const a of analyses) {
        const row = pick(a);
        if (row === undefined) throw new Error(`compareMissingDataMethods: the ${a.method} analysis has no ${quantity} '${term}'`);
        lines.push({
          outcome,
          quantity,
          term,
          variable: row.variable,
          ...(row.level !== undefined ? { level: row.level } : {}),
          method: a.method,
          label: a.label,
          labelNl: a.labelNl,
          m: a.m,
          nobs: a.nobs,
          estimate: row.estimate,
          se: row.se,
          lower: row.lower,
          upper: row.upper,
          df: row.df,
          fmi: row.fmi,
          differenceFromPublished: base === undefined ? null : row.estimate - base.estimate,
          fitProblems: a.convergence.notConverged + a.convergence.failed,
        });
      }
    }
  }
  return { outcome, terms, methods: analyses.map((a) => a.method), lines };
}

export interface AllMethodsResult {
  readonly outcome: Outcome;
  readonly analyses: readonly MissingDataAnalysis[];
  readonly comparison: MissingDataComparison;
}

/** Run the four methods on one frame, in the order of MISSING_DATA_METHODS, and compare them. */
export async function runMissingDataMethods(frame: MissingDataFrame, options: MultipleImputationOptions = {}, terms: readonly string[] = FOCUS_TERMS): Promise<AllMethodsResult> {
  const single: MissingDataOptions = options;
  const analyses = [
    await missingIndicatorAnalysis(frame, single),
    await noCitoAnalysis(frame, single),
    await completeCaseAnalysis(frame, single),
    await multipleImputationAnalysis(frame, options),
  ];
  return { outcome: frame.outcome, analyses, comparison: compareMissingDataMethods(analyses, terms) };
}
