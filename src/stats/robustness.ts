/**
 * The robustness check of bijlage 3a 3.4: refit a model without a set of terms (cito, citojaar,
 * cito_missing) and compare every remaining coefficient side by side,
 *
 *   change_j = beta_j(reduced) - beta_j(full),   relative_j = change_j / |beta_j(full)|,
 *
 * with both fits' convergence reports, because the point of the check is that the full model had a
 * convergence warning and the reduced one should not.
 */
import type { ConvergenceReport, GlmmFit, GlmmOptions } from "../glmm/types";
import type { ColumnTable } from "../model/types";

/** Fits an lme4-style formula to a table (buildDesign + fitDesign, or a test double). */
export type ModelFitter = (formula: string, data: ColumnTable, options?: GlmmOptions) => GlmmFit | Promise<GlmmFit>;

export interface CoefficientChange {
  readonly term: string;
  readonly full: number;
  readonly fullSe: number;
  readonly reduced: number;
  readonly reducedSe: number;
  readonly change: number;
  /** change / |full|; NaN when the full estimate is 0. */
  readonly relativeChange: number;
}

export interface RobustnessComparison {
  readonly fullFormula: string;
  readonly reducedFormula: string;
  readonly droppedTerms: readonly string[];
  /** Coefficients present in both fits, in the full model's order. */
  readonly coefficients: readonly CoefficientChange[];
  /** Largest |change| and |relative change| over the non-intercept terms. */
  readonly maxAbsChange: number;
  readonly maxAbsRelativeChange: number;
  readonly fullConvergence: ConvergenceReport;
  readonly reducedConvergence: ConvergenceReport;
}

/** Split an expression at `+` signs that are not inside parentheses. */
function splitTopLevel(rhs: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < rhs.length; i++) {
    const c = rhs[i];
    if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (c === "+" && depth === 0) {
      parts.push(rhs.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(rhs.slice(start).trim());
  return parts;
}

/**
 * The formula without the given fixed-effect terms (variables as written in the formula: "cito").
 * A term that is not a top-level `+` term of the formula is an error naming it.
 */
export function dropFixedTerms(formula: string, terms: readonly string[]): string {
  const tilde = formula.indexOf("~");
  if (tilde < 0) throw new Error(`dropFixedTerms: '${formula}' has no ~`);
  const lhs = formula.slice(0, tilde).trim();
  const parts = splitTopLevel(formula.slice(tilde + 1));
  for (const t of terms) {
    if (!parts.includes(t)) throw new Error(`dropFixedTerms: term '${t}' is not a term of ${formula}`);
  }
  const kept = parts.filter((p) => !terms.includes(p));
  return `${lhs} ~ ${kept.join(" + ")}`;
}

/** Side-by-side comparison of two fits' common coefficients (see the module comment). */
export function compareCoefficients(full: GlmmFit, reduced: GlmmFit, droppedTerms: readonly string[] = []): RobustnessComparison {
  const reducedNames = reduced.design.fixed.names;
  const coefficients: CoefficientChange[] = [];
  let maxAbsChange = 0;
  let maxAbsRelativeChange = 0;
  full.design.fixed.names.forEach((term, j) => {
    const r = reducedNames.indexOf(term);
    if (r < 0) return;
    const change = reduced.beta[r] - full.beta[j];
    const relativeChange = full.beta[j] === 0 ? Number.NaN : change / Math.abs(full.beta[j]);
    coefficients.push({
      term,
      full: full.beta[j],
      fullSe: full.se[j],
      reduced: reduced.beta[r],
      reducedSe: reduced.se[r],
      change,
      relativeChange,
    });
    if (term !== "(Intercept)") {
      maxAbsChange = Math.max(maxAbsChange, Math.abs(change));
      if (Number.isFinite(relativeChange)) maxAbsRelativeChange = Math.max(maxAbsRelativeChange, Math.abs(relativeChange));
    }
  });
  return {
    fullFormula: full.design.formula,
    reducedFormula: reduced.design.formula,
    droppedTerms,
    coefficients,
    maxAbsChange,
    maxAbsRelativeChange,
    fullConvergence: full.convergence,
    reducedConvergence: reduced.convergence,
  };
}

/** Refit `full`'s formula on `data` without `terms` and compare the coefficients. */
export async function refitWithout(
  full: GlmmFit,
  data: ColumnTable,
  terms: readonly string[],
  fitter: ModelFitter,
  options: GlmmOptions = {},
): Promise<{ reduced: GlmmFit; comparison: RobustnessComparison }> {
  const reducedFormula = dropFixedTerms(full.design.formula, terms);
  const reduced = await fitter(reducedFormula, data, options);
  return { reduced, comparison: compareCoefficients(full, reduced, terms) };
}
