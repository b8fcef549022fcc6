/**
 * Comparison of a sequence of stepwise models (0 -> 1a -> 1b -> 1c -> 2): information criteria, the
 * likelihood-ratio test of each step, and how each coefficient changes from step to step, the main
 * reading of bijlage 3b's model tables (does the non-western coefficient shrink when cito enters?).
 *
 *   AIC = -2 logLik + 2 npar,   BIC = -2 logLik + npar log(n),   npar = p + length(theta).
 */
import type { GlmmFit } from "../glmm/types";
import { likelihoodRatioTest, type LikelihoodRatioTest } from "./lrt";

export interface NamedFit {
  readonly name: string;
  readonly fit: GlmmFit;
}

export interface InformationCriteriaRow {
  readonly model: string;
  readonly npar: number;
  readonly logLik: number;
  readonly deviance: number;
  readonly aic: number;
  readonly bic: number;
  readonly converged: boolean;
}

export interface CoefficientPath {
  readonly term: string;
  /** Estimate per model, in model order; null where the model lacks the term. */
  readonly estimates: readonly (number | null)[];
  readonly se: readonly (number | null)[];
  /** Change from the latest earlier model that has the term; null for its first appearance or where this model lacks it. */
  readonly change: readonly (number | null)[];
}

export interface ModelComparison {
  readonly models: readonly string[];
  readonly criteria: readonly InformationCriteriaRow[];
  /** One test per consecutive pair that can be tested. */
  readonly tests: readonly LikelihoodRatioTest[];
  /** Consecutive pairs that cannot be compared by an LRT (different rows, not more parameters), and why. */
  readonly untestable: readonly string[];
  /** Terms in order of first appearance. */
  readonly coefficients: readonly CoefficientPath[];
}

/** AIC and BIC from logLik, the parameter count and n (the formulas in the module comment). */
export function informationCriteria(logLik: number, npar: number, nobs: number): { aic: number; bic: number } {
  return { aic: -2 * logLik + 2 * npar, bic: -2 * logLik + npar * Math.log(nobs) };
}

/** Compare stepwise fits given smallest first; each consecutive pair must be nested. */
export function compareModels(fits: readonly NamedFit[]): ModelComparison {
  const criteria = fits.map(({ name, fit }) => {
    const ic = informationCriteria(fit.logLik, fit.df, fit.nobs);
    return { model: name, npar: fit.df, logLik: fit.logLik, deviance: -2 * fit.logLik, ...ic, converged: fit.convergence.converged };
  });
  const tests: LikelihoodRatioTest[] = [];
  const untestable: string[] = [];
  for (let m = 1; m < fits.length; m++) {
    try {
      tests.push(likelihoodRatioTest(fits[m - 1].fit, fits[m].fit, { smaller: fits[m - 1].name, larger: fits[m].name }));
    } catch (e) {
      untestable.push(`${fits[m - 1].name} -> ${fits[m].name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  const order: string[] = [];
  for (const { fit } of fits) for (const name of fit.design.fixed.names) if (!order.includes(name)) order.push(name);
  const coefficients = order.map((term) => {
    const estimates: (number | null)[] = [];
    const se: (number | null)[] = [];
    const change: (number | null)[] = [];
    let previous: number | null = null;
    for (const { fit } of fits) {
      const j = fit.design.fixed.names.indexOf(term);
      const est = j >= 0 ? fit.beta[j] : null;
      estimates.push(est);
      se.push(j >= 0 ? fit.se[j] : null);
      change.push(est !== null && previous !== null ? est - previous : null);
      if (est !== null) previous = est;
    }
    return { term, estimates, se, change };
  });
  return { models: fits.map((f) => f.name), criteria, tests, untestable, coefficients };
}
