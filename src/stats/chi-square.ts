/**
 * Upper tail of the chi-square distribution, P(X > x) for X ~ chi2(df), via the regularized upper
 * incomplete gamma function Q(a, y) = Gamma(a, y) / Gamma(a) with a = df/2, y = x/2:
 * the series  P(a, y) = e^{-y} y^a / Gamma(a) * sum_n y^n / (a (a+1) ... (a+n))  when y < a + 1, and the
 * Lentz continued fraction for Q(a, y) otherwise, so small p-values (1e-300) keep full relative precision
 * instead of being 1 - (something close to 1).
 */

/** log Gamma(x) for x > 0 (Lanczos, g = 7, 9 terms; relative error below 1e-14). */
export function logGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const z = x - 1;
  let a = c[0];
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Regularized upper incomplete gamma Q(a, y). */
export function upperIncompleteGammaQ(a: number, y: number): number {
  if (!(a > 0) || !(y >= 0)) return Number.NaN;
  if (y === 0) return 1;
  const logPrefactor = -y + a * Math.log(y) - logGamma(a);
  if (y < a + 1) {
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < 10000; n++) {
      term *= y / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-16) break;
    }
    return 1 - Math.exp(logPrefactor) * sum;
  }
  // Continued fraction Q = e^{-y} y^a / Gamma(a) * 1 / (y + 1 - a - 1(1-a)/(y + 3 - a - ...)), modified Lentz.
  const tiny = 1e-300;
  let b = y + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 10000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(logPrefactor) * h;
}

/** P(chi2(df) > x). */
export function chiSquareUpperTail(x: number, df: number): number {
  if (x <= 0) return 1;
  return upperIncompleteGammaQ(df / 2, x / 2);
}
