/**
 * Draws from the distributions a Gibbs sampler for a normal mixed model needs: gamma (and so the
 * chi-square and the inverse gamma), Dirichlet, Wishart, and the multivariate normal through a Cholesky
 * factor. They take any source of U(0, 1) and N(0, 1) deviates; the imputation uses the project's
 * xoshiro128** generator (src/data/synthetic/prng.ts), so a seed gives the same draws on every platform.
 */
import { choleskyInPlace, invertSpd } from "../numeric/dense";

/** What the draws need from a generator (Xoshiro128 has both). */
export interface RandomSource {
  /** Uniform on [0, 1). */
  uniform(): number;
  /** Standard normal. */
  normal(): number;
}

/**
 * Gamma(shape, 1) by Marsaglia & Tsang (2000): with d = shape - 1/3, c = 1 / sqrt(9 d), draw
 * x ~ N(0, 1), v = (1 + c x)^3 and accept d v when log U < x^2 / 2 + d - d v + d log v.
 * For shape < 1: Gamma(shape) = Gamma(shape + 1) U^(1 / shape).
 */
export function gammaDraw(rng: RandomSource, shape: number): number {
  if (!(shape > 0) || !Number.isFinite(shape)) throw new Error(`gammaDraw: shape must be positive and finite, got ${shape}`);
  if (shape < 1) {
    let u = rng.uniform();
    while (u <= 0) u = rng.uniform();
    return gammaDraw(rng, shape + 1) * Math.pow(u, 1 / shape);
  }
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = rng.normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rng.uniform();
    const x2 = x * x;
    if (u < 1 - 0.0331 * x2 * x2) return d * v;
    if (u > 0 && Math.log(u) < 0.5 * x2 + d * (1 - v + Math.log(v))) return d * v;
  }
}

/** Chi-square with df degrees of freedom: 2 Gamma(df / 2). */
export function chiSquareDraw(rng: RandomSource, df: number): number {
  return 2 * gammaDraw(rng, df / 2);
}

/**
 * A variance from its scaled inverse-gamma full conditional: sigma^2 = rate / Gamma(shape), i.e.
 * 1 / sigma^2 ~ Gamma(shape, rate).
 */
export function inverseGammaDraw(rng: RandomSource, shape: number, rate: number): number {
  if (!(rate > 0)) throw new Error(`inverseGammaDraw: rate must be positive, got ${rate}`);
  return rate / gammaDraw(rng, shape);
}

/** Dirichlet(alpha) into `out` (same length): independent Gamma(alpha_k), normalised. */
export function dirichletDraw(rng: RandomSource, alpha: ArrayLike<number>, out: Float64Array): Float64Array {
  let s = 0;
  for (let k = 0; k < alpha.length; k++) {
    const g = alpha[k] > 0 ? gammaDraw(rng, alpha[k]) : 0;
    out[k] = g;
    s += g;
  }
  if (!(s > 0)) throw new Error("dirichletDraw: every concentration is zero");
  for (let k = 0; k < alpha.length; k++) out[k] /= s;
  return out;
}

/**
 * A covariance matrix from its inverse-Wishart full conditional, Sigma ~ IW(df, S), i.e. the precision
 * Sigma^-1 ~ Wishart(df, S^-1), by Bartlett's decomposition: with S^-1 = C C' (Cholesky) and A lower
 * triangular, A_ii = sqrt(chi^2_{df - i}) (i = 0..k-1), A_ij ~ N(0, 1) below the diagonal,
 * Sigma^-1 = C A A' C'. (jomo draws its level-2 covariance this way, with df = clusters + k and
 * S = sum u u' + prior.) Returns Sigma, row-major k x k.
 */
export function inverseWishartDraw(rng: RandomSource, df: number, scale: Float64Array, k: number): Float64Array {
  if (!(df > k - 1)) throw new Error(`inverseWishartDraw: df = ${df} must exceed k - 1 = ${k - 1}`);
  const sInv = invertSpd(scale, k);
  if (sInv === null) throw new Error("inverseWishartDraw: the scale matrix is not positive definite");
  // C: the lower Cholesky factor of S^-1.
  if (!choleskyInPlace(sInv, k)) throw new Error("inverseWishartDraw: the inverse scale is not positive definite");
  const a = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    a[i * k + i] = Math.sqrt(chiSquareDraw(rng, df - i));
    for (let j = 0; j < i; j++) a[i * k + j] = rng.normal();
  }
  // B = C A (lower triangular), precision = B B'.
  const b = new Float64Array(k * k);
  for (let r = 0; r < k; r++) {
    for (let c = 0; c <= r; c++) {
      let s = 0;
      for (let t = c; t <= r; t++) s += sInv[r * k + t] * a[t * k + c];
      b[r * k + c] = s;
    }
  }
  const precision = new Float64Array(k * k);
  for (let r = 0; r < k; r++) {
    for (let c = 0; c <= r; c++) {
      let s = 0;
      for (let t = 0; t <= c; t++) s += b[r * k + t] * b[c * k + t];
      precision[r * k + c] = s;
      precision[c * k + r] = s;
    }
  }
  const sigma = invertSpd(precision, k);
  if (sigma === null) throw new Error("inverseWishartDraw: drew a singular precision matrix");
  // The inverse is solved column by column; make it exactly symmetric.
  for (let r = 0; r < k; r++) {
    for (let c = 0; c < r; c++) {
      const v = 0.5 * (sigma[r * k + c] + sigma[c * k + r]);
      sigma[r * k + c] = v;
      sigma[c * k + r] = v;
    }
  }
  return sigma;
}
