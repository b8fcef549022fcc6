/**
 * Rank deficiency of the fixed-effects model matrix X, detected the way lme4 does it.
 *
 * lme4 (`chkRank.drop.cols`) calls R's `qr(X, tol = 1e-7)`, LINPACK's dqrdc2 with *limited* column
 * pivoting: working left to right, a column whose norm after removing its projection on the columns
 * kept so far is below tol times its original norm is moved to the end, and everything moved is
 * dropped. So the kept set is the greedy, left-to-right maximal independent set:
 *
 *   keep column j  <=>  || (I - P_K) x_j ||_2  >=  tol * || x_j ||_2   (and || x_j || > 0),
 *
 * where P_K projects onto the span of the kept columns K before j.
 *
 * Two stages, because the exact test costs about 2 n p^2 flops (over a second at 400,000 x 21):
 *   1. screen: the same greedy test on the Gram matrix G = X'X (n p^2 / 2 flops, one pass), with the
 *      squared residual norm as a Cholesky Schur complement, g_jj - c' G_KK^-1 c. Forming G squares the
 *      condition number and its sums carry rounding of order sqrt(n) * eps * g_jj, so a column counts
 *      as suspect already when its residual ratio is below SCREEN_TOLERANCE (1e-4, far above that noise);
 *   2. only if some column is suspect: the exact test by modified Gram-Schmidt on copies of the columns
 *      (an orthonormal basis Q of span(K)), re-orthogonalising once when a projection removes more than
 *      half the norm (Kahan-Parlett "twice is enough"), which keeps Q orthonormal to working precision
 *      for nearly collinear columns.
 * A full-rank X (the usual case) pays only for stage 1.
 *
 * Near rank deficiency (nearDependencies): columns that lme4 keeps (residual ratio >= 1e-7) but that
 * are so close to a combination of the columns before them that their coefficients are not separately
 * determined. Ratio r_j means R^2 = 1 - r_j^2 of x_j on the earlier columns (uncentred; the intercept is
 * one of them when the model has one), a variance inflation of about 1 / r_j^2. Below
 * NEAR_DEPENDENCE_TOLERANCE = 1e-3 (R^2 > 1 - 1e-6) the Hessian of the deviance typically has an
 * eigenvalue ratio below lme4's 1e-6, and lme4 warns "Model is nearly unidentifiable" without saying
 * which columns; this says which, and the combination: x_j ~ sum_k c_k x_k, c = R_KK^-1 Q_K' x_j from
 * the same Gram-Schmidt factorisation, listing the columns that carry at least 1e-3 of ||x_j||.
 */

/** lme4's default tolerance for the rank check (`glmerControl(check.rankX = "message+drop.cols")`). */
export const RANK_TOLERANCE = 1e-7;

export interface RankCheck {
  /** Indices of the columns kept, ascending. */
  readonly kept: readonly number[];
  /** Indices of the columns dropped, ascending, with why. */
  readonly dropped: readonly { readonly index: number; readonly reason: "zero" | "constant" | "aliased" }[];
  readonly rank: number;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** r <- r - (q'r) q for every q in Q. */
function projectOut(r: Float64Array, basis: readonly Float64Array[]): void {
  const n = r.length;
  for (const q of basis) {
    const c = dot(q, r);
    if (c === 0) continue;
    for (let i = 0; i < n; i++) r[i] -= c * q[i];
  }
}

function isConstant(x: Float64Array): boolean {
  const first = x[0];
  for (let i = 1; i < x.length; i++) if (x[i] !== first) return false;
  return true;
}

/**
 * gram[at .. at + 3] += sum over rows [start, end) of x_i * (a_i, b_i, c_i, d_i): four products per pass,
 * x loaded once. A function of its own so that V8 optimises it after a few calls, instead of running
 * lowerGram's loops unoptimised until on-stack replacement (most of a cold command's rank check).
 */
function accumulate4(
  gram: Float64Array, at: number, x: Float64Array, a: Float64Array, b: Float64Array, c: Float64Array, d: Float64Array, start: number, end: number,
): void {
  let sa = 0;
  let sb = 0;
  let sc = 0;
  let sd = 0;
  for (let i = start; i < end; i++) {
    const v = x[i];
    sa += v * a[i];
    sb += v * b[i];
    sc += v * c[i];
    sd += v * d[i];
  }
  gram[at] += sa;
  gram[at + 1] += sb;
  gram[at + 2] += sc;
  gram[at + 3] += sd;
}

/** sum over rows [start, end) of x_i y_i. */
function blockDot(x: Float64Array, y: Float64Array, start: number, end: number): number {
  let s = 0;
  for (let i = start; i < end; i++) s += x[i] * y[i];
  return s;
}

/**
 * Lower triangle of X'X, accumulated over blocks of rows so that one block of every column stays in
 * cache while all p(p+1)/2 products are formed (one pass over memory instead of p/2 passes).
 */
function lowerGram(columns: readonly Float64Array[]): Float64Array {
  const p = columns.length;
  const n = p === 0 ? 0 : columns[0].length;
  const gram = new Float64Array(p * p);
  const block = 2048;
  for (let start = 0; start < n; start += block) {
    const end = Math.min(n, start + block);
    for (let j = 0; j < p; j++) {
      const xj = columns[j];
      let k = 0;
      for (; k + 3 <= j; k += 4) accumulate4(gram, j * p + k, xj, columns[k], columns[k + 1], columns[k + 2], columns[k + 3], start, end);
      for (; k <= j; k++) gram[j * p + k] += blockDot(xj, columns[k], start, end);
    }
  }
  return gram;
}

/** Stage 1 flags a column when its residual ratio is below this; stage 2 then decides exactly. */
const SCREEN_TOLERANCE = 1e-4;

/**
 * Stage 1, the screen: the smallest residual ratio of the greedy test on G = X'X, over all columns
 * (0 as soon as one has no residual left). Builds the Cholesky factor R of G row by row: for column j,
 * solve R' c = G_Kj, residual^2 = g_jj - c'c, ratio^2 = residual^2 / g_jj. A ratio above the screen
 * tolerance of a test means every column passes that test by a wide margin. One pass over X.
 */
export function screenRatio(columns: readonly Float64Array[]): number {
  const p = columns.length;
  const gram = lowerGram(columns);
  // R is upper triangular, stored by columns of kept entries: r[k * p + j] for k <= j.
  const r = new Float64Array(p * p);
  let smallest = Number.POSITIVE_INFINITY;
  for (let j = 0; j < p; j++) {
    const gjj = gram[j * p + j];
    if (!(gjj > 0) || !Number.isFinite(gjj)) return 0;
    let residual = gjj;
    for (let k = 0; k < j; k++) {
      let c = gram[j * p + k];
      for (let m = 0; m < k; m++) c -= r[m * p + k] * r[m * p + j];
      c /= r[k * p + k];
      r[k * p + j] = c;
      residual -= c * c;
    }
    if (!(residual > 0)) return 0;
    smallest = Math.min(smallest, Math.sqrt(residual / gjj));
    r[j * p + j] = Math.sqrt(residual);
  }
  return smallest;
}

/**
 * Left-to-right rank check of the columns of X (each of length n). A column is dropped when it is
 * (numerically) a linear combination of the columns kept before it. `screen`: screenRatio(columns),
 * when the caller has it already.
 */
export function checkRank(columns: readonly Float64Array[], tol: number = RANK_TOLERANCE, screen?: number): RankCheck {
  if (tol <= SCREEN_TOLERANCE && (screen ?? screenRatio(columns)) > SCREEN_TOLERANCE) {
    const all = columns.map((_, j) => j);
    return { kept: all, dropped: [], rank: all.length };
  }
  const basis: Float64Array[] = [];
  const kept: number[] = [];
  const dropped: { index: number; reason: "zero" | "constant" | "aliased" }[] = [];
  for (let j = 0; j < columns.length; j++) {
    const x = columns[j];
    const norm0 = Math.sqrt(dot(x, x));
    if (norm0 === 0 || !Number.isFinite(norm0)) {
      dropped.push({ index: j, reason: "zero" });
      continue;
    }
    const r = Float64Array.from(x);
    let before = norm0;
    projectOut(r, basis);
    let norm = Math.sqrt(dot(r, r));
    if (norm < 0.5 * before && norm >= tol * norm0) {
      // Much of x_j lay in span(K): the computed residual carries rounding from that large part,
      // so project once more (twice is enough).
      before = norm;
      projectOut(r, basis);
      norm = Math.sqrt(dot(r, r));
    }
    if (norm < tol * norm0) {
      dropped.push({ index: j, reason: isConstant(x) ? "constant" : "aliased" });
      continue;
    }
    for (let i = 0; i < r.length; i++) r[i] /= norm;
    basis.push(r);
    kept.push(j);
  }
  return { kept, dropped, rank: kept.length };
}

/** Below this residual ratio a kept column counts as nearly dependent on the columns before it. */
export const NEAR_DEPENDENCE_TOLERANCE = 1e-3;

/** A column nearly equal to a combination of earlier columns (indices into the columns given). */
export interface NearDependence {
  readonly index: number;
  /** ||(I - P_K) x_j|| / ||x_j||, K the columns before j. */
  readonly residual: number;
  /** x_j ~ sum of coefficient x_index over these columns (those carrying >= 1e-3 of ||x_j||), ascending. */
  readonly combination: readonly { readonly index: number; readonly coefficient: number }[];
}

/**
 * The columns whose residual ratio on the columns before them is below `tol` (and not zero: exactly
 * aliased columns are checkRank's), each with the combination it nearly equals. Costs the Gram screen
 * only (none if `screen`, screenRatio(columns), is given), unless a column comes within 10 tol of
 * dependence.
 */
export function nearDependencies(columns: readonly Float64Array[], tol: number = NEAR_DEPENDENCE_TOLERANCE, screen?: number): NearDependence[] {
  if (columns.length < 2 || (screen ?? screenRatio(columns)) > 10 * tol) return [];
  const p = columns.length;
  const basis: Float64Array[] = [];
  const basisOf: number[] = [];
  // R of the factorisation X_K = Q R: r[k * p + j] = q_k' x_j for the k-th basis vector.
  const r = new Float64Array(p * p);
  const out: NearDependence[] = [];
  for (let j = 0; j < p; j++) {
    const x = columns[j];
    const norm0 = Math.sqrt(dot(x, x));
    if (norm0 === 0 || !Number.isFinite(norm0)) continue;
    const v = Float64Array.from(x);
    const proj = new Float64Array(basis.length);
    // Modified Gram-Schmidt, twice (the second pass removes what rounding left of a large projection).
    for (let pass = 0; pass < 2; pass++) {
      for (let k = 0; k < basis.length; k++) {
        const c = dot(basis[k], v);
        proj[k] += c;
        const q = basis[k];
        for (let i = 0; i < v.length; i++) v[i] -= c * q[i];
      }
    }
    const norm = Math.sqrt(dot(v, v));
    const ratio = norm / norm0;
    if (ratio < tol && ratio > 0 && basis.length > 0) {
      // Back-substitution R_KK c = proj over the basis columns.
      const m = basis.length;
      const c = new Float64Array(m);
      for (let a = m - 1; a >= 0; a--) {
        let s = proj[a];
        for (let b = a + 1; b < m; b++) s -= r[a * p + basisOf[b]] * c[b];
        c[a] = s / r[a * p + basisOf[a]];
      }
      const combination: { index: number; coefficient: number }[] = [];
      for (let a = 0; a < m; a++) {
        const k = basisOf[a];
        const weight = Math.abs(c[a]) * Math.sqrt(dot(columns[k], columns[k]));
        if (weight >= 1e-3 * norm0) combination.push({ index: k, coefficient: c[a] });
      }
      out.push({ index: j, residual: ratio, combination });
    }
    if (norm === 0) continue;
    for (let k = 0; k < basis.length; k++) r[k * p + j] = proj[k];
    r[basis.length * p + j] = norm;
    for (let i = 0; i < v.length; i++) v[i] /= norm;
    basis.push(v);
    basisOf.push(j);
  }
  return out;
}
