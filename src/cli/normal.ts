/**
 * Two-sided normal p-values for Wald z statistics, Pr(>|z|) = 2 Phi(-|z|) = erfc(|z| / sqrt 2),
 * as summary() of a glmer fit prints them.
 *
 * erfc is computed to near double precision in two regimes:
 *   x < 2:   erfc(x) = 1 - erf(x), erf(x) = (2 / sqrt pi) sum_n (-1)^n x^(2n+1) / (n! (2n+1))
 *            (the Maclaurin series; its largest term is below e^(x^2) < 55, so little is cancelled);
 *   x >= 2:  the Laplace continued fraction
 *            erfc(x) = exp(-x^2) / sqrt(pi) * 1 / (x + (1/2) / (x + 1 / (x + (3/2) / (x + 2 / (x + ...)))))
 *            evaluated from the tail backwards with enough terms for convergence at x = 2.
 */

const TWO_OVER_SQRT_PI = 1.1283791670955126;
const ONE_OVER_SQRT_PI = 0.5641895835477563;

/** erf(x) for small |x| by its Maclaurin series, summed until the terms no longer change the sum. */
function erfSeries(x: number): number {
  const x2 = x * x;
  let power = x; // (-1)^n x^(2n+1) / n!
  let sum = x;
  for (let n = 1; n < 200; n++) {
    power *= -x2 / n;
    const term = power / (2 * n + 1);
    sum += term;
    if (Math.abs(term) < 1e-17 * Math.abs(sum)) break;
  }
  return TWO_OVER_SQRT_PI * sum;
}

/** erfc(x) for x >= 2 by the continued fraction, evaluated backwards over 120 partial quotients. */
function erfcContinuedFraction(x: number): number {
  let tail = x;
  for (let k = 120; k >= 1; k--) tail = x + k / 2 / tail;
  return (Math.exp(-x * x) * ONE_OVER_SQRT_PI) / tail;
}

/** The complementary error function erfc(x) = 1 - erf(x). */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 0) return 2 - erfc(-x);
  if (x === Infinity) return 0;
  return x < 2 ? 1 - erfSeries(x) : erfcContinuedFraction(x);
}

/** Two-sided p-value of a standard normal statistic: Pr(|Z| > |z|) = erfc(|z| / sqrt 2). */
export function twoSidedNormalP(z: number): number {
  return erfc(Math.abs(z) / Math.SQRT2);
}
