/**
 * Iterative proportional fitting (Deming & Stephan 1940), two forms:
 *
 * 1. `ipfTable`: a multi-way table of cell weights w(c_1, ..., c_D) (a "seed" that carries the wanted
 *    associations between dimensions) is rescaled dimension by dimension,
 *        w <- w * target_d(c_d) / margin_d(c_d),
 *    until every one-way margin equals its target. The result is the table closest to the seed in
 *    Kullback-Leibler divergence with those margins, so the seed's odds ratios survive unchanged.
 *
 * 2. `rakeSelection`: the same on individuals. Each record i gets a selection probability
 *        p_i = min(1, prod_d f_d(c_id)),
 *    with factors f_d per category raked so that sum_i p_i 1[c_id = c] hits a target count per
 *    category of every dimension (calibration/raking weights, capped at 1 because they are probabilities).
 */

/** A multi-way table in row-major (mixed radix) order: index = sum_d c_d * stride_d. */
export interface CellTable {
  readonly sizes: readonly number[];
  readonly strides: readonly number[];
  readonly weights: Float64Array;
}

export function emptyTable(sizes: readonly number[]): CellTable {
  const strides = new Array<number>(sizes.length);
  let s = 1;
  for (let d = sizes.length - 1; d >= 0; d--) {
    strides[d] = s;
    s *= sizes[d];
  }
  return { sizes, strides, weights: new Float64Array(s) };
}

/** Category of dimension d in cell `index`. */
export function cellCategory(t: CellTable, index: number, d: number): number {
  return Math.floor(index / t.strides[d]) % t.sizes[d];
}

/** One-way margin of dimension d. */
export function margin(t: CellTable, d: number): Float64Array {
  const out = new Float64Array(t.sizes[d]);
  const { weights } = t;
  const stride = t.strides[d];
  const size = t.sizes[d];
  for (let i = 0; i < weights.length; i++) out[Math.floor(i / stride) % size] += weights[i];
  return out;
}

/**
 * Rescales `t` in place so that each one-way margin equals targets[d] (all targets must have the same
 * total). A target of zero empties its category; a positive target on an all-zero seed category cannot
 * be met. Returns the largest |margin - target| seen in the last sweep (before its rescaling), so 0 means
 * converged.
 */
export function ipfTable(t: CellTable, targets: readonly Float64Array[], maxIter = 200, tol = 1e-7): number {
  const D = t.sizes.length;
  const { weights } = t;
  const nCells = weights.length;
  // Category of every cell in every dimension, computed once (the inner loops only index).
  const cat = t.sizes.map((size, d) => {
    const c = new Uint8Array(nCells);
    const stride = t.strides[d];
    for (let i = 0; i < nCells; i++) c[i] = Math.floor(i / stride) % size;
    return c;
  });
  const m = t.sizes.map((size) => new Float64Array(size));
  const f = t.sizes.map((size) => new Float64Array(size));
  let worst = Infinity;
  for (let iter = 0; iter < maxIter && worst > tol; iter++) {
    worst = 0;
    for (let d = 0; d < D; d++) {
      const md = m[d];
      const cd = cat[d];
      md.fill(0);
      for (let i = 0; i < nCells; i++) md[cd[i]] += weights[i];
      const fd = f[d];
      for (let c = 0; c < md.length; c++) {
        worst = Math.max(worst, Math.abs(md[c] - targets[d][c]));
        fd[c] = md[c] > 0 ? targets[d][c] / md[c] : 0;
      }
      for (let i = 0; i < nCells; i++) weights[i] *= fd[cd[i]];
    }
  }
  return worst;
}

/**
 * Raked selection probabilities for `n` records with categories `cats[d][i]` in dimension d, so that the
 * expected number selected in each category of each dimension is `targets[d][c]` (counts). Capped at 1;
 * when caps bind or targets are inconsistent the fit is approximate, which the caller measures.
 */
export function rakeSelection(
  cats: readonly (Uint8Array | Int8Array)[],
  n: number,
  targets: readonly Float64Array[],
  maxIter = 40,
): Float64Array {
  const D = cats.length;
  // w_i = prod_d f_d(c_id) is kept up to date multiplicatively; p_i = min(1, w_i).
  const w = new Float64Array(n).fill(1);
  const m = targets.map((t) => new Float64Array(t.length));
  const g = targets.map((t) => new Float64Array(t.length));
  for (let iter = 0; iter < maxIter; iter++) {
    for (let d = 0; d < D; d++) {
      const md = m[d];
      const cd = cats[d];
      md.fill(0);
      for (let i = 0; i < n; i++) md[cd[i]] += w[i] > 1 ? 1 : w[i];
      const gd = g[d];
      for (let c = 0; c < md.length; c++) gd[c] = md[c] > 0 ? targets[d][c] / md[c] : 0;
      for (let i = 0; i < n; i++) w[i] *= gd[cd[i]];
    }
  }
  for (let i = 0; i < n; i++) if (w[i] > 1) w[i] = 1;
  return w;
}

/**
 * A sample of exactly m of the records with inclusion probabilities close to p (Pareto order sampling,
 * Rosen 1997): record q gets the ranking value
 *     xi_q = [u_q / (1 - u_q)] / [p_q / (1 - p_q)]
 * from its own uniform u_q, and the m smallest values are taken. With keyed uniforms (prng.ts
 * KeyedRandom) a record keeps its u_q whatever the probabilities, so two samples for nearby p differ only
 * in the records near the cut: the selection is as stable as the p are, and its size is fixed.
 */
export function paretoSample(p: ArrayLike<number>, u: (q: number) => number, m: number): Uint8Array {
  const n = p.length;
  const out = new Uint8Array(n);
  if (m <= 0) return out;
  if (m >= n) return out.fill(1);
  const xi = new Float64Array(n);
  for (let q = 0; q < n; q++) {
    const pq = Math.min(Math.max(p[q], 1e-12), 1 - 1e-12);
    const uq = Math.min(Math.max(u(q), 1e-300), 1 - 1e-16);
    xi[q] = uq / (1 - uq) / (pq / (1 - pq));
  }
  const order = Int32Array.from({ length: n }, (_, q) => q).sort((a, b) => xi[a] - xi[b]);
  for (let k = 0; k < m; k++) out[order[k]] = 1;
  return out;
}
