/**
 * Small dense linear algebra on row-major Float64Array matrices: the one home of the Cholesky
 * factorisation, triangular solves, the SPD inverse, the symmetric eigen-decomposition and the
 * matrix-vector and congruence products that the solver needs on its (theta, beta) problem (dimension
 * ~25) and, in place on blocks of a larger array, inside the blocked factorisation of
 * Lambda'Z'WZ Lambda + I (src/glmm/blocked-cholesky.ts).
 *
 * The decompositions of whole matrices (the Newton step, the covariance of beta, the Hessian's
 * eigenvalues, lme4's scaled gradient) are ml-matrix's (environment.md): its Cholesky is the classical
 * row-by-row (Cholesky-Banachiewicz) algorithm and its symmetric eigen-decomposition Householder
 * tridiagonalisation followed by the implicit QL method (JAMA's tred2/tql2). What stays written out here
 * is what runs inside PIRLS on blocks of a larger array without allocating (choleskyInPlace), the
 * triangular back substitution ml-matrix does not offer, and the products, which are plain loops.
 */
import { CholeskyDecomposition, EigenvalueDecomposition, Matrix } from "ml-matrix";

/**
 * Cholesky factorisation A = L L' of the symmetric n x n block of `a` starting at `offset`, in place:
 * for j = 0..n-1,
 *
 *   L_jj = sqrt(A_jj - sum_{c<j} L_jc^2),   L_rj = (A_rj - sum_{c<j} L_rc L_jc) / L_jj  (r > j).
 *
 * Reads the lower triangle, writes L there and zeros above the diagonal. Returns false (leaving the
 * block partly overwritten) as soon as a pivot is not positive and finite: A is not positive definite.
 */
export function choleskyInPlace(a: Float64Array, n: number, offset = 0): boolean {
  for (let j = 0; j < n; j++) {
    let d = a[offset + j * n + j];
    for (let c = 0; c < j; c++) d -= a[offset + j * n + c] * a[offset + j * n + c];
    if (!(d > 0) || d === Infinity) return false;
    d = Math.sqrt(d);
    a[offset + j * n + j] = d;
    for (let r = j + 1; r < n; r++) {
      let v = a[offset + r * n + j];
      for (let c = 0; c < j; c++) v -= a[offset + r * n + c] * a[offset + j * n + c];
      a[offset + r * n + j] = v / d;
    }
    for (let c = j + 1; c < n; c++) a[offset + j * n + c] = 0;
  }
  return true;
}

/** The n x n row-major `a` as an ml-matrix Matrix, symmetric from its lower triangle (what a Cholesky reads). */
function symmetricFromLower(a: Float64Array, n: number): Matrix {
  const m = new Matrix(n, n);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c <= r; c++) {
      m.set(r, c, a[r * n + c]);
      m.set(c, r, a[r * n + c]);
    }
  }
  return m;
}

function allFinite(a: Float64Array): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return false;
  return true;
}

/**
 * The lower Cholesky factor L (row-major) of the symmetric n x n matrix whose lower triangle is `a`,
 * A = L L' (ml-matrix), or null when A is not positive definite or not finite.
 */
export function choleskyFactor(a: Float64Array, n: number): Float64Array | null {
  if (!allFinite(a)) return null;
  const chol = new CholeskyDecomposition(symmetricFromLower(a, n));
  if (!chol.isPositiveDefinite()) return null;
  const l = chol.lowerTriangularMatrix;
  const out = new Float64Array(n * n);
  for (let r = 0; r < n; r++) for (let c = 0; c <= r; c++) out[r * n + c] = l.get(r, c);
  return out;
}

/** Solves A x = b for symmetric positive definite A (lower triangle read) by its Cholesky factor; null if A is not positive definite. */
export function solveSpd(a: Float64Array, n: number, b: ArrayLike<number>): Float64Array | null {
  if (!allFinite(a)) return null;
  const chol = new CholeskyDecomposition(symmetricFromLower(a, n));
  if (!chol.isPositiveDefinite()) return null;
  const x = chol.solve(Matrix.columnVector(Array.from(b)));
  return Float64Array.from({ length: n }, (_, r) => x.get(r, 0));
}

/** Solves L' x = b in place for lower-triangular L (R's backsolve(chol(A), b) with chol(A) = L'). */
export function backSubstituteTransposed(l: Float64Array, n: number, b: Float64Array): void {
  for (let r = n - 1; r >= 0; r--) {
    let v = b[r];
    for (let c = r + 1; c < n; c++) v -= l[c * n + r] * b[c];
    b[r] = v / l[r * n + r];
  }
}

/** Inverse of a symmetric positive definite matrix (lower triangle read), from its Cholesky factor; null if it is not positive definite. */
export function invertSpd(a: Float64Array, n: number): Float64Array | null {
  if (!allFinite(a)) return null;
  const chol = new CholeskyDecomposition(symmetricFromLower(a, n));
  if (!chol.isPositiveDefinite()) return null;
  const inv = chol.solve(Matrix.eye(n, n));
  const out = new Float64Array(n * n);
  // A^-1 is symmetric; its computed columns agree to rounding, and the lower triangle is mirrored.
  for (let r = 0; r < n; r++) {
    for (let c = 0; c <= r; c++) {
      out[r * n + c] = inv.get(r, c);
      out[c * n + r] = inv.get(r, c);
    }
  }
  return out;
}

/**
 * A = V diag(values) V' for symmetric A (lower triangle read), by ml-matrix's symmetric eigen-
 * decomposition; values ascending, V's columns the eigenvectors (row-major n x n).
 */
export function symmetricEigen(a: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const evd = new EigenvalueDecomposition(symmetricFromLower(a, n), { assumeSymmetric: true });
  const values = Float64Array.from(evd.realEigenvalues);
  const v = evd.eigenvectorMatrix;
  const vectors = new Float64Array(n * n);
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) vectors[r * n + c] = v.get(r, c);
  return { values, vectors };
}

/** Eigenvalues of a symmetric matrix, ascending. */
export function symmetricEigenvalues(a: Float64Array, n: number): Float64Array {
  return symmetricEigen(a, n).values.sort();
}

/** out = M v for an n x n row-major M. */
export function matVec(m: Float64Array, v: ArrayLike<number>, n: number, out: Float64Array): Float64Array {
  for (let r = 0; r < n; r++) {
    let acc = 0;
    for (let c = 0; c < n; c++) acc += m[r * n + c] * v[c];
    out[r] = acc;
  }
  return out;
}

/** out = M' v for an n x n row-major M. */
export function matTVec(m: Float64Array, v: ArrayLike<number>, n: number, out: Float64Array): Float64Array {
  for (let c = 0; c < n; c++) {
    let acc = 0;
    for (let r = 0; r < n; r++) acc += m[r * n + c] * v[r];
    out[c] = acc;
  }
  return out;
}

/** The congruence T V T' for n x n row-major T and V (a covariance or Hessian under a linear change of coordinates). */
export function congruence(t: Float64Array, v: Float64Array, n: number): Float64Array {
  const tv = new Float64Array(n * n);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      let acc = 0;
      for (let m = 0; m < n; m++) acc += t[r * n + m] * v[m * n + c];
      tv[r * n + c] = acc;
    }
  }
  const out = new Float64Array(n * n);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      let acc = 0;
      for (let m = 0; m < n; m++) acc += tv[r * n + m] * t[c * n + m];
      out[r * n + c] = acc;
    }
  }
  return out;
}

/** M' for an n x n row-major M. */
export function transpose(m: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) out[c * n + r] = m[r * n + c];
  return out;
}

/** The rows and columns `index` of an n x n row-major M, as a new index.length square matrix. */
export function subMatrix(m: Float64Array, n: number, index: readonly number[]): Float64Array {
  const k = index.length;
  const out = new Float64Array(k * k);
  for (let r = 0; r < k; r++) for (let c = 0; c < k; c++) out[r * k + c] = m[index[r] * n + index[c]];
  return out;
}

/** Exact equality of two vectors, element by element (same length, a[i] === b[i] for every i; NaN equals nothing). */
export function sameValues(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
