/**
 * Likelihood-ratio test between two nested fits (as `anova(m0, m1)` for merMod objects):
 *
 *   LR = 2 (logLik_1 - logLik_0),   df = npar_1 - npar_0,   p = P(chi2(df) > LR).
 *
 * npar counts fixed effects plus theta (p + length(theta)), as lme4 does for AIC. When the larger model
 * adds variance parameters (model 1c -> 2 adds a slope variance and its covariance), the null value of a
 * variance lies on the boundary and the chi2(df) p-value is conservative (Self & Liang 1987); the test
 * says so in `boundary`. Bijlage 3a 3.3 uses population data and reads effect sizes, not p-values; the
 * test is here to make the model comparison complete.
 */
import type { GlmmFit } from "../glmm/types";
import { chiSquareUpperTail } from "../numeric/distributions";

export interface LikelihoodRatioTest {
  readonly smaller: string;
  readonly larger: string;
  readonly logLikSmaller: number;
  readonly logLikLarger: number;
  readonly statistic: number;
  readonly df: number;
  readonly pValue: number;
  /** The larger model adds random-effects parameters, so the chi-square reference is conservative. */
  readonly boundary: boolean;
}

/** LRT of `smaller` against `larger`; both must be fitted to the same rows and the parameter counts must differ. */
export function likelihoodRatioTest(
  smaller: GlmmFit,
  larger: GlmmFit,
  labels: { smaller?: string; larger?: string } = {},
): LikelihoodRatioTest {
  const nameS = labels.smaller ?? smaller.design.formula;
  const nameL = labels.larger ?? larger.design.formula;
  if (smaller.nobs !== larger.nobs) {
    throw new Error(`likelihood-ratio test needs the same rows: ${nameS} has ${smaller.nobs}, ${nameL} has ${larger.nobs}`);
  }
  const df = larger.df - smaller.df;
  if (df <= 0) {
    throw new Error(`likelihood-ratio test: ${nameL} (${larger.df} parameters) does not have more parameters than ${nameS} (${smaller.df})`);
  }
  const statistic = Math.max(0, 2 * (larger.logLik - smaller.logLik));
  return {
    smaller: nameS,
    larger: nameL,
    logLikSmaller: smaller.logLik,
    logLikLarger: larger.logLik,
    statistic,
    df,
    pValue: chiSquareUpperTail(statistic, df),
    boundary: larger.theta.length > smaller.theta.length,
  };
}
