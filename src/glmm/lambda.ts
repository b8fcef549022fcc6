/**
 * The relative covariance factor Lambda(theta), as lme4 parameterises it.
 *
 * For a random-effects term with k columns, Sigma = Lambda Lambda' with Lambda a k x k lower-triangular
 * matrix (the same for every level of the grouping factor). theta holds Lambda's lower triangle in
 * column-major order: for k = 2, theta = (L11, L21, L22). The diagonal entries are bounded below by 0,
 * the off-diagonal ones are free; lme4 starts at Lambda = I.
 *
 *   SD_r = sqrt(sum_c L_rc^2),   corr_rs = (Lambda Lambda')_rs / (SD_r SD_s).
 *
 * The products Lambda v and Lambda' v with the whole block-diagonal Lambda of all terms are here too.
 */
import type { RandomEffectsLayout } from "./structure";

/** Number of theta entries of a k-column term: k (k + 1) / 2. */
export function thetaLength(k: number): number {
  return (k * (k + 1)) / 2;
}

/** Row and column (within the term's Lambda) of each theta entry, column-major lower triangle. */
export function thetaPositions(k: number): { row: Int32Array; col: Int32Array } {
  const m = thetaLength(k);
  const row = new Int32Array(m);
  const col = new Int32Array(m);
  let t = 0;
  for (let c = 0; c < k; c++) {
    for (let r = c; r < k; r++) {
      row[t] = r;
      col[t] = c;
      t++;
    }
  }
  return { row, col };
}

/** Fills the k x k row-major lower-triangular Lambda from theta[offset .. offset + k(k+1)/2). */
export function fillLambda(theta: ArrayLike<number>, offset: number, k: number, out: Float64Array): void {
  out.fill(0, 0, k * k);
  let t = offset;
  for (let c = 0; c < k; c++) {
    for (let r = c; r < k; r++) out[r * k + c] = theta[t++];
  }
}

/** lme4's start: 1 on the diagonal, 0 off it. */
export function thetaStart(k: number): Float64Array {
  const out = new Float64Array(thetaLength(k));
  const { row, col } = thetaPositions(k);
  for (let t = 0; t < out.length; t++) out[t] = row[t] === col[t] ? 1 : 0;
  return out;
}

/** Lower bounds: 0 on the diagonal, -Infinity off it. */
export function thetaLowerBounds(k: number): Float64Array {
  const out = new Float64Array(thetaLength(k));
  const { row, col } = thetaPositions(k);
  for (let t = 0; t < out.length; t++) out[t] = row[t] === col[t] ? 0 : -Infinity;
  return out;
}

/** Sigma = Lambda Lambda' (k x k row-major), its SDs and correlations (NaN correlation when an SD is 0). */
export function covarianceFromTheta(
  theta: ArrayLike<number>,
  offset: number,
  k: number,
): { covariance: Float64Array; sd: number[]; corr: number[][] } {
  const lambda = new Float64Array(k * k);
  fillLambda(theta, offset, k, lambda);
  const covariance = new Float64Array(k * k);
  for (let r = 0; r < k; r++) {
    for (let s = 0; s < k; s++) {
      let acc = 0;
      for (let c = 0; c < k; c++) acc += lambda[r * k + c] * lambda[s * k + c];
      covariance[r * k + s] = acc;
    }
  }
  const sd = Array.from({ length: k }, (_, r) => Math.sqrt(covariance[r * k + r]));
  const corr = Array.from({ length: k }, (_, r) =>
    Array.from({ length: k }, (_, s) => {
      if (r === s) return 1;
      const d = sd[r] * sd[s];
      return d > 0 ? covariance[r * k + s] / d : Number.NaN;
    }),
  );
  return { covariance, sd, corr };
}

/**
 * out = Lambda v for a u-layout vector v (structure.ts): Lambda is block diagonal, per term t and level
 * l the lower-triangular Lambda_t (row-major at lambda[offsets[t]]) times v_l.
 */
export function lambdaTimes(L: RandomEffectsLayout, lambda: Float64Array, offsets: Int32Array, v: Float64Array, out: Float64Array): void {
  for (let t = 0; t < L.terms.length; t++) {
    const term = L.terms[t];
    const k = term.k;
    const lo = offsets[t];
    for (let l = 0; l < term.nLevels; l++) {
      const o = term.uOffset + l * k;
      for (let r = 0; r < k; r++) {
        let acc = 0;
        for (let c = 0; c <= r; c++) acc += lambda[lo + r * k + c] * v[o + c];
        out[o + r] = acc;
      }
    }
  }
}

/**
 * out = Lambda' v, per term and level Lambda_t' v_l. v is read as v[index * stride + column], so a
 * column of a q x p row-major matrix (Z'WX in rx.ts) can be used in place.
 */
export function lambdaTransposeTimes(
  L: RandomEffectsLayout,
  lambda: Float64Array,
  offsets: Int32Array,
  v: Float64Array,
  out: Float64Array,
  stride = 1,
  column = 0,
): void {
  for (let t = 0; t < L.terms.length; t++) {
    const term = L.terms[t];
    const k = term.k;
    const lo = offsets[t];
    for (let l = 0; l < term.nLevels; l++) {
      const o = term.uOffset + l * k;
      for (let a = 0; a < k; a++) {
        let acc = 0;
        for (let r = a; r < k; r++) acc += lambda[lo + r * k + a] * v[(o + r) * stride + column];
        out[o + a] = acc;
      }
    }
  }
}
