/**
 * Summary of one parameter's Markov chain: posterior mean, SD and quantiles, with its Monte Carlo
 * error by non-overlapping batch means (the default of R's mcmcse: batch size b = floor(sqrt(n)),
 * a = floor(n / b) batches, the first n - a b draws dropped):
 *
 *   MCSE = sqrt( b / (a - 1) sum_j (mean_j - mean)^2 / n_used ),   ESS = n_used var(x) / (b var(batch means)),
 *
 * and the lag-1 autocorrelation. The imputation report shows them, and the R comparison sets its
 * tolerances from the MCSE of both chains.
 */

export interface TraceSummary {
  readonly name: string;
  readonly draws: number;
  readonly mean: number;
  readonly sd: number;
  readonly q025: number;
  readonly median: number;
  readonly q975: number;
  /** Monte Carlo standard error of the mean. */
  readonly mcse: number;
  /** Effective sample size var(x) / MCSE^2 (can exceed the number of draws for a negatively autocorrelated chain). */
  readonly ess: number;
  readonly lag1: number;
}

/** Type-7 quantile (R's default) of sorted values. */
function quantileSorted(sorted: Float64Array, p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

export function summariseTrace(name: string, x: Float64Array): TraceSummary {
  const n = x.length;
  if (n < 4) throw new Error(`trace ${name}: ${n} draws are too few to summarise`);
  let s = 0;
  for (let i = 0; i < n; i++) s += x[i];
  const mean = s / n;
  let ss = 0;
  let lag = 0;
  for (let i = 0; i < n; i++) {
    const d = x[i] - mean;
    ss += d * d;
    if (i > 0) lag += d * (x[i - 1] - mean);
  }
  const variance = ss / (n - 1);
  const b = Math.floor(Math.sqrt(n));
  const a = Math.floor(n / b);
  const start = n - a * b;
  let used = 0;
  for (let i = start; i < n; i++) used += x[i];
  const usedMean = used / (a * b);
  let bss = 0;
  for (let j = 0; j < a; j++) {
    let bs = 0;
    for (let i = start + j * b; i < start + (j + 1) * b; i++) bs += x[i];
    const d = bs / b - usedMean;
    bss += d * d;
  }
  const sigma2 = (b * bss) / (a - 1);
  const mcse = Math.sqrt(sigma2 / (a * b));
  const sorted = Float64Array.from(x).sort();
  return {
    name,
    draws: n,
    mean,
    sd: Math.sqrt(variance),
    q025: quantileSorted(sorted, 0.025),
    median: quantileSorted(sorted, 0.5),
    q975: quantileSorted(sorted, 0.975),
    mcse,
    ess: mcse > 0 ? variance / (mcse * mcse) : n,
    lag1: ss > 0 ? lag / ss : 0,
  };
}
