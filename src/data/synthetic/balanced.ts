/**
 * Balanced normal draws (moment matching): a vector of n standard-normal deviates shifted and scaled so
 * that its sample mean is exactly 0 and its mean square exactly 1, and made exactly orthogonal to given
 * vectors (Gram-Schmidt). Linear combinations of such vectors then have exactly the sample variances and
 * correlations they are built for:
 *
 *   x = a z1 + sqrt(1 - a^2) z2,  z1 and z2 balanced and orthogonal  =>  mean(x^2) = 1, mean(x z1) = a.
 *
 * The generator draws its location and institution effects this way, so that the realised effects of one
 * population have exactly the variances of the model-2 truth instead of a sample of them: the fitted
 * variance components then differ from the truth only by the estimation error of the fit, and a
 * calibration at one seed is not tuned to that seed's sampling error of 62 institution effects.
 */
import type { Xoshiro128 } from "./prng";

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/**
 * Removes the mean and the projections on the span of `against` (which need not be orthogonal: an
 * orthonormal basis of their span is built first), then scales to mean square 1 (in place).
 */
export function balance(x: Float64Array, against: readonly Float64Array[] = []): Float64Array {
  const n = x.length;
  const basis: Float64Array[] = [];
  const ones = new Float64Array(n).fill(1 / Math.sqrt(n));
  for (const v of [ones, ...against]) {
    const q = Float64Array.from(v);
    for (let pass = 0; pass < 2; pass++) {
      for (const e of basis) {
        const c = dot(q, e);
        for (let i = 0; i < n; i++) q[i] -= c * e[i];
      }
    }
    const qq = Math.sqrt(dot(q, q));
    if (qq > 1e-9 * Math.sqrt(dot(v, v)) && qq > 0) {
      for (let i = 0; i < n; i++) q[i] /= qq;
      basis.push(q);
    }
  }
  for (let pass = 0; pass < 2; pass++) {
    for (const e of basis) {
      const c = dot(x, e);
      for (let i = 0; i < n; i++) x[i] -= c * e[i];
    }
  }
  const ms = dot(x, x) / n;
  if (!(ms > 1e-24)) throw new Error(`balance: a vector of ${n} draws has no variance left after removing ${against.length} directions`);
  const f = 1 / Math.sqrt(ms);
  for (let i = 0; i < n; i++) x[i] *= f;
  return x;
}

/** n standard-normal draws, balanced (mean 0, mean square 1) and orthogonal to `against`. */
export function balancedNormal(rng: Xoshiro128, n: number, against: readonly Float64Array[] = []): Float64Array {
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = rng.normal();
  return balance(x, against);
}

/** a x + b y, elementwise, as a new vector. */
export function combine(a: number, x: Float64Array, b: number, y: Float64Array): Float64Array {
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = a * x[i] + b * y[i];
  return out;
}

/** Subtracts from x[i] the mean of x over the members of i's group (in place). */
export function centreWithinGroups(x: Float64Array, groupOf: ArrayLike<number>, nGroups: number): Float64Array {
  const sum = new Float64Array(nGroups);
  const count = new Float64Array(nGroups);
  for (let i = 0; i < x.length; i++) {
    sum[groupOf[i]] += x[i];
    count[groupOf[i]]++;
  }
  for (let i = 0; i < x.length; i++) x[i] -= sum[groupOf[i]] / count[groupOf[i]];
  return x;
}
