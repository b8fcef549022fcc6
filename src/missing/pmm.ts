/**
 * Predictive mean matching (Little 1988; mice's "pmm", type-1 matching with 5 donors by default):
 * a missing value is replaced by the observed value of a donor whose predicted mean is among the d
 * closest to the missing row's predicted mean, the donor chosen uniformly among those d.
 *
 * Type-1 matching (mice's default): the donors' predicted means come from one point estimate of the
 * imputation model (here its posterior mean), fixed for all imputations, and the recipients' from the
 * imputation's own posterior draw, so the draws carry the parameter uncertainty. Imputed values are
 * always values that occur in the data: for the cito score whole numbers in 0..50, with the pile-up at
 * the ends of the scale that the observed scores have, instead of normal draws outside the range.
 *
 * The donors are sorted once by predicted mean; a recipient costs a binary search and d steps outward.
 */
import type { RandomSource } from "./random-draws";

export const DEFAULT_DONORS = 5;

export class PredictiveMeanMatcher {
  /** Donor predicted means, ascending. */
  private readonly means: Float64Array;
  /** Donor observed values, in the same order. */
  private readonly values: Float64Array;
  private readonly pick: Float64Array;

  constructor(donorMeans: ArrayLike<number>, donorValues: ArrayLike<number>, readonly donors: number = DEFAULT_DONORS) {
    const n = donorMeans.length;
    if (donorValues.length !== n) throw new Error(`pmm: ${n} donor means but ${donorValues.length} donor values`);
    if (!(donors >= 1 && Number.isInteger(donors))) throw new Error(`pmm: the number of donors must be a positive integer, got ${donors}`);
    if (n < donors) throw new Error(`pmm: ${n} observed rows cannot supply ${donors} donors`);
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => donorMeans[a] - donorMeans[b] || a - b);
    this.means = Float64Array.from(order, (i) => donorMeans[i]);
    this.values = Float64Array.from(order, (i) => donorValues[i]);
    this.pick = new Float64Array(donors);
  }

  /** An imputed value for a recipient with predicted mean `mean`. */
  draw(rng: RandomSource, mean: number): number {
    const { means, values, donors, pick } = this;
    const n = means.length;
    // First donor with a mean >= the recipient's.
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (means[mid] < mean) lo = mid + 1;
      else hi = mid;
    }
    let left = lo - 1;
    let right = lo;
    for (let d = 0; d < donors; d++) {
      const takeLeft = right >= n || (left >= 0 && mean - means[left] <= means[right] - mean);
      pick[d] = takeLeft ? values[left--] : values[right++];
    }
    return pick[Math.floor(rng.uniform() * donors)];
  }
}
