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
    return searchCdf(cdf, this.uniform() * cdf[cdf.length - 1]);
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

/** A 32-bit integer finaliser (the "lowbias32" mix): every input bit affects every output bit. */
function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/**
 * Counter-based random numbers: uniform(key, k) is a fixed function of (seed, stream, key, k), with
 * no state. The generator keys every draw that decides a frame record (its cito score, its location,
 * its outcome, whether it continues into a 2021 frame) by the record's identity, so that two
 * populations made with the same seed and slightly different parameters differ only where the
 * parameters make them differ: common random numbers, record by record. A sequential generator
 * instead shifts every later draw as soon as one record takes another branch, which turns a small
 * change of a parameter into a new sample.
 */
export class KeyedRandom {
  private readonly base: number;

  constructor(seed: number, stream: number) {
    this.base = mix32(mix32(seed >>> 0) ^ Math.imul(stream + 1, 0x9e3779b9));
  }

  /** Uniform on [0, 1) with 53 bits, for record `key` and draw number `k` of that record. */
  uniform(key: number, k = 0): number {
    const h = mix32(mix32(this.base ^ (key >>> 0)) ^ Math.imul(k + 1, 0x85ebca6b));
    const g = mix32(h ^ 0x68e31da4);
    return ((h >>> 5) * 67108864 + (g >>> 6)) / 9007199254740992;
  }

  /** Standard normal (Box-Muller on draws k and k + 1 of the record). */
  normal(key: number, k = 0): number {
    let u1 = this.uniform(key, k);
    if (u1 <= 0) u1 = 1 / 9007199254740992;
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * this.uniform(key, k + 1));
  }

  /** Index drawn from a cumulative distribution, with draw k of the record. */
  categorical(cdf: Float64Array, key: number, k = 0): number {
    return searchCdf(cdf, this.uniform(key, k) * cdf[cdf.length - 1]);
  }
}

/** The first index whose cumulative weight exceeds u. */
export function searchCdf(cdf: Float64Array, u: number): number {
  let lo = 0;
  let hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cdf[mid] > u) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
