/**
 * Small dense linear algebra on row-major Float64Array matrices: the one home of the Cholesky
 * factorisation, triangular solves, the SPD inverse, the symmetric eigen-decomposition and the
 * matrix-vector and congruence products that the solver needs on its (theta, beta) problem (dimension
 * ~25) and, in place on blocks of a larger array, inside the blocked factorisation of
 * Lambda'Z'WZ Lambda + I (src/glmm/blocked-cholesky.ts).
 */

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

/** Solves L L' x = b in place (b becomes x), given the lower Cholesky factor L from choleskyInPlace. */
export function choleskySolve(l: Float64Array, n: number, b: Float64Array): void {
  for (let r = 0; r < n; r++) {
    let v = b[r];
    for (let c = 0; c < r; c++) v -= l[r * n + c] * b[c];
    b[r] = v / l[r * n + r];
  }
  backSubstituteTransposed(l, n, b);
}

/** Solves L' x = b in place for lower-triangular L (R's backsolve(chol(A), b) with chol(A) = L'). */
export function backSubstituteTransposed(l: Float64Array, n: number, b: Float64Array): void {
  for (let r = n - 1; r >= 0; r--) {
    let v = b[r];
    for (let c = r + 1; c < n; c++) v -= l[c * n + r] * b[c];
    b[r] = v / l[r * n + r];
  }
}

/** Inverse of a symmetric positive definite matrix, column by column from its Cholesky factor; null if it is not positive definite. */
export function invertSpd(a: Float64Array, n: number): Float64Array | null {
  const l = Float64Array.from(a);
  if (!choleskyInPlace(l, n)) return null;
  const out = new Float64Array(n * n);
  const col = new Float64Array(n);
  for (let c = 0; c < n; c++) {
    col.fill(0);
    col[c] = 1;
    choleskySolve(l, n, col);
    for (let r = 0; r < n; r++) out[r * n + c] = col[r];
  }
  return out;
}

/**
 * A = V diag(values) V' for symmetric A, by cyclic Jacobi rotations (each zeroes one off-diagonal
 * pair; sweeps until the off-diagonal mass is below 1e-30 of the total); V's columns are eigenvectors.
 */
export function symmetricEigen(a: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const m = Float64Array.from(a);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  let scale = 0;
  for (let i = 0; i < n * n; i++) scale += m[i] * m[i];
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let r = 0; r < n; r++) for (let c = r + 1; c < n; c++) off += m[r * n + c] * m[r * n + c];
    if (off <= 1e-30 * scale || off === 0) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q];
        if (apq === 0) continue;
        const tau = (m[q * n + q] - m[p * n + p]) / (2 * apq);
        const t = (tau >= 0 ? 1 : -1) / (Math.abs(tau) + Math.sqrt(1 + tau * tau));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = m[k * n + p];
          const akq = m[k * n + q];
          m[k * n + p] = c * akp - s * akq;
          m[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = m[p * n + k];
          const aqk = m[q * n + k];
          m[p * n + k] = c * apk - s * aqk;
          m[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = m[i * n + i];
  return { values, vectors: v };
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
