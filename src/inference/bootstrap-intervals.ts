/**
 * Bootstrap confidence intervals from replicates t*_1..t*_R of a statistic with estimate t0, as R's
 * boot::boot.ci computes them (and lme4's confint(method = "boot") through it); non-finite replicates
 * are left out, as boot does:
 *
 *   percentile  (default; boot.type = "perc")  [q_{a/2}, q_{1-a/2}]
 *   basic       (boot.type = "basic")          [2 t0 - q_{1-a/2}, 2 t0 - q_{a/2}]
 *   normal      (boot.type = "norm")           t0 - bias -+ z sd,  bias = mean(t*) - t0, sd = SD(t*)
 *
 * with a = 1 - level, z = Phi^-1(1 - a/2), and the quantile q_p of boot's norm.inter: the order
 * statistic k = (R + 1) p when that is a whole number, otherwise an interpolation between t*_(k) and
 * t*_(k+1), k = floor((R + 1) p), on the normal quantile scale:
 *
 *   q_p = t*_(k) + (Phi^-1(p) - Phi^-1(k/(R+1))) / (Phi^-1((k+1)/(R+1)) - Phi^-1(k/(R+1))) (t*_(k+1) - t*_(k)),
 *
 * and the extreme order statistic when k is 0 or R (boot warns then: too few replicates for the level).
 */
import { normalQuantile } from "../numeric/distributions";

export type BootstrapIntervalType = "percentile" | "basic" | "normal";

/** boot's norm.inter quantile of the sorted finite values (see the file comment); extreme is true when an end order statistic was used. */
export function bootQuantile(sorted: Float64Array, p: number): { value: number; extreme: boolean } {
  const r = sorted.length;
  if (r === 0) return { value: Number.NaN, extreme: true };
  const rk = (r + 1) * p;
  const k = Math.trunc(rk);
  if (k <= 0) return { value: sorted[0], extreme: true };
  if (k >= r) return { value: sorted[r - 1], extreme: true };
  const extreme = !(rk > 1 && rk < r);
  if (k === rk) return { value: sorted[k - 1], extreme };
  const zp = normalQuantile(p);
  const zk = normalQuantile(k / (r + 1));
  const zk1 = normalQuantile((k + 1) / (r + 1));
  const tk = sorted[k - 1];
  const tk1 = sorted[k];
  return { value: tk + ((zp - zk) / (zk1 - zk)) * (tk1 - tk), extreme };
}

export interface BootstrapLimits {
  readonly lower: number;
  readonly upper: number;
  /** Finite replicates used. */
  readonly used: number;
  /** An end fell on the most extreme replicate (too few for this level). */
  readonly extreme: boolean;
}

/** The interval of one statistic from its replicates (non-finite ones left out). */
export function bootstrapLimits(t0: number, values: ArrayLike<number>, level: number, type: BootstrapIntervalType = "percentile"): BootstrapLimits {
  const finite: number[] = [];
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) finite.push(values[i]);
  const sorted = Float64Array.from(finite).sort();
  const used = sorted.length;
  const a = 1 - level;
  if (type === "normal") {
    if (used < 2) return { lower: Number.NaN, upper: Number.NaN, used, extreme: false };
    let mean = 0;
    for (const v of sorted) mean += v;
    mean /= used;
    let ss = 0;
    for (const v of sorted) ss += (v - mean) * (v - mean);
    const sd = Math.sqrt(ss / (used - 1));
    const z = normalQuantile(1 - a / 2);
    const centre = t0 - (mean - t0);
    return { lower: centre - z * sd, upper: centre + z * sd, used, extreme: false };
  }
  const lo = bootQuantile(sorted, a / 2);
  const hi = bootQuantile(sorted, 1 - a / 2);
  const extreme = lo.extreme || hi.extreme;
  if (type === "percentile") return { lower: lo.value, upper: hi.value, used, extreme };
  return { lower: 2 * t0 - hi.value, upper: 2 * t0 - lo.value, used, extreme };
}
