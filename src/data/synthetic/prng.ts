/**
 * A small, fast, seedable pseudo-random number generator for the synthetic population.
 *
 * xoshiro128** (Blackman & Vigna 2018): 128 bits of state, period 2^128 - 1, 32-bit output, all in
 * 32-bit integer arithmetic (Math.imul), so every platform gives the same stream for the same seed.
 * The state is filled from the seed with splitmix32, the recommended way to avoid correlated states
 * for nearby seeds (seed 1 and seed 2 give unrelated streams). Math.random is never used: the whole
 * population must be a pure function of (seed, scale).
 */

/** splitmix32: one step of a Weyl sequence followed by an avalanche mix. */
function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

export class Xoshiro128 {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  /** A second normal deviate from the last Box-Muller pair, NaN when none is cached. */
  private spareNormal = Number.NaN;

  /** `seed` is any integer (taken modulo 2^32); `stream` separates independent sub-streams of one seed. */
  constructor(seed: number, stream = 0) {
    const st = { s: (seed >>> 0) ^ Math.imul(stream + 1, 0x632be5ab) };
    this.a = splitmix32(st);
    this.b = splitmix32(st);
    this.c = splitmix32(st);
    this.d = splitmix32(st);
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  /** Next 32-bit unsigned integer: result = rotl(b * 5, 7) * 9, then the xoshiro state transition. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  /** Uniform on [0, 1) with 53 random bits (two outputs), so probabilities near 0 are resolved finely. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform integer in 0..n-1. */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** Bernoulli(p) as 0/1. */
  bernoulli(p: number): number {
    return this.uniform() < p ? 1 : 0;
  }

  /** Standard normal by the Box-Muller transform: z = sqrt(-2 ln u1) cos(2 pi u2) (and sin for the spare). */
  normal(): number {
    if (!Number.isNaN(this.spareNormal)) {
      const z = this.spareNormal;
      this.spareNormal = Number.NaN;
      return z;
    }
    let u1 = this.uniform();
    while (u1 <= 0) u1 = this.uniform();
    const u2 = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    this.spareNormal = r * Math.sin(2 * Math.PI * u2);
    return r * Math.cos(2 * Math.PI * u2);
  }

  /** Index drawn from a cumulative distribution `cdf` (non-decreasing, last element = total mass). */
  categorical(cdf: Float64Array): number {
    const u = this.uniform() * cdf[cdf.length - 1];
    let lo = 0;
    let hi = cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid] > u) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** Cumulative sums of non-negative weights, for `Xoshiro128.categorical`. */
export function cumulative(weights: ArrayLike<number>): Float64Array {
  const out = new Float64Array(weights.length);
  let s = 0;
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i];
    if (!(w >= 0)) throw new Error(`cumulative: weight ${i} is ${w}; weights must be non-negative`);
    s += w;
    out[i] = s;
  }
  if (s <= 0) throw new Error("cumulative: all weights are zero");
  return out;
}
