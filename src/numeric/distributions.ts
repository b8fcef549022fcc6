/**
 * Distribution functions of the tests and intervals: normal and chi-square tail probabilities (Wald z
 * tests, likelihood-ratio tests) and quantiles (the cut-offs of confidence intervals and of profile
 * likelihoods).
 *
 * Tail probabilities come from this workspace's special functions (special-functions.ts), not from
 * jstat: jstat 1.9.6 computes the normal cdf as (1 + erf(x)) / 2 and the chi-square cdf as the lower
 * regularised gamma with Numerical Recipes' 6-term log-gamma, so its upper tails are 1 - (something
 * close to 1). Measured against R 4.2.2 (test/numeric/fixtures/special-functions.json): jstat's normal
 * upper tail is within 6e-16 for z < 2 but 30% off at z = 8.25 and exactly 0 from z = 8.3 on (p < 1e-16,
 * while z statistics of 20-40 are common on 400,000 rows); its chi-square upper tail is within 6e-11 for
 * p > 1e-3, 8% off between 1e-16 and 1e-3 and 0 below (an LRT on 400,000 rows gives p of 1e-300). The
 * functions here stay within 1.2e-13 (normal) and 5.5e-14 (chi-square) of R down to 1e-300.
 *
 * Quantiles start from jstat (environment.md), which serves there: its normal inverse is within 2.2e-15
 * of R's qnorm for p in [5e-4, 1 - 5e-4], i.e. for every usual confidence level. Outside that range its
 * erfcinv leaves up to 4e-7, and its chi-square inverse carries the 1e-11 of its log-gamma everywhere,
 * so each quantile is finished by Newton-type steps on this module's own tail probability: measured
 * against R's upper-tail quantiles at 14 levels from 0.5 to 1 - 1e-12, within 1e-14 (normal) and
 * 5e-14 (chi-square, df 1 to 4).
 */
import { jStat } from "jstat";
import { erfc, logGamma, upperIncompleteGammaQ } from "./special-functions";

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/** P(Z > z) for a standard normal Z: erfc(z / sqrt 2) / 2. */
export function normalUpperTail(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

/** Two-sided p-value of a standard normal statistic: P(|Z| > |z|) = erfc(|z| / sqrt 2), as summary() of a glmer fit prints it. */
export function twoSidedNormalP(z: number): number {
  return erfc(Math.abs(z) / Math.SQRT2);
}

/** P(X > x) for X ~ chi2(df): the regularised upper incomplete gamma Q(df / 2, x / 2). */
export function chiSquareUpperTail(x: number, df: number): number {
  if (x <= 0) return 1;
  return upperIncompleteGammaQ(df / 2, x / 2);
}

/**
 * The standard normal quantile z_p = Phi^-1(p), 0 < p < 1: jstat's inverse, then two Halley steps on
 * the upper tail of the nearer side, t = (Phibar(z) - q) / phi(z), z <- z + t / (1 + z t / 2), with
 * q = 1 - p (exact for p >= 1/2) so that z_{1 - 1e-12} keeps its digits.
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) {
    if (p === 0) return -Infinity;
    if (p === 1) return Infinity;
    return Number.NaN;
  }
  if (p === 0.5) return 0;
  if (p < 0.5) return -normalUpperQuantile(p);
  return normalUpperQuantile(1 - p);
}

/** z with P(Z > z) = q, for 0 < q <= 1/2. */
function normalUpperQuantile(q: number): number {
  let z = jStat.normal.inv(1 - q, 0, 1);
  for (let k = 0; k < 2; k++) {
    const t = (normalUpperTail(z) - q) / Math.exp(-0.5 * z * z - LOG_SQRT_2PI);
    z += t / (1 + (z * t) / 2);
  }
  return z;
}

/**
 * The chi-square quantile x with P(X <= x) = p, X ~ chi2(df). For df = 1, x = z^2 with P(Z > z) =
 * (1 - p) / 2 (exact for p >= 1/2); otherwise jstat's inverse followed by Newton steps on
 * F(x) = 1 - Q(df / 2, x / 2) (at most 8, until a step is below 1e-15 x), whose derivative is the
 * chi-square density
 * f(x) = x^(df/2 - 1) e^(-x/2) / (2^(df/2) Gamma(df/2)).
 */
export function chiSquareQuantile(p: number, df: number): number {
  if (!(df > 0) || Number.isNaN(p) || p < 0 || p > 1) return Number.NaN;
  if (p === 0) return 0;
  if (p === 1) return Infinity;
  if (df === 1) {
    const z = normalUpperQuantile((1 - p) / 2);
    return z * z;
  }
  let x = jStat.chisquare.inv(p, df);
  const a = df / 2;
  const q = 1 - p;
  for (let k = 0; k < 8 && x > 0 && Number.isFinite(x); k++) {
    const density = Math.exp((a - 1) * Math.log(x) - x / 2 - a * Math.LN2 - logGamma(a));
    if (!(density > 0)) break;
    // F(x) - p = q - Q(a, x / 2).
    const step = (chiSquareUpperTail(x, df) - q) / density;
    x += step;
    if (Math.abs(step) <= 1e-15 * x) break;
  }
  return x;
}
