/**
 * Small dense linear algebra for the (theta, beta) problem (dimension ~25): Cholesky, SPD inverse and
 * the symmetric eigendecomposition (cyclic Jacobi). Row-major Float64Array matrices.
 */

/** Cholesky of the symmetric n x n matrix (in place, lower); false if not positive definite. */
export function denseCholesky(a: Float64Array, n: number): boolean {
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j];
    for (let c = 0; c < j; c++) d -= a[j * n + c] * a[j * n + c];
    if (!(d > 0) || !Number.isFinite(d)) return false;
    d = Math.sqrt(d);
    a[j * n + j] = d;
    for (let r = j + 1; r < n; r++) {
      let v = a[r * n + j];
      for (let c = 0; c < j; c++) v -= a[r * n + c] * a[j * n + c];
      a[r * n + j] = v / d;
    }
  }
  return true;
}

/** Solves L L' x = b in place given the lower Cholesky factor from denseCholesky. */
export function choleskySolve(l: Float64Array, n: number, b: Float64Array): void {
  for (let r = 0; r < n; r++) {
    let v = b[r];
    for (let c = 0; c < r; c++) v -= l[r * n + c] * b[c];
    b[r] = v / l[r * n + r];
  }
  for (let r = n - 1; r >= 0; r--) {
    let v = b[r];
    for (let c = r + 1; c < n; c++) v -= l[c * n + r] * b[c];
    b[r] = v / l[r * n + r];
  }
}

/** Inverse of a symmetric positive definite matrix, or null if it is not positive definite. */
export function invertSpd(a: Float64Array, n: number): Float64Array | null {
  const l = Float64Array.from(a);
  if (!denseCholesky(l, n)) return null;
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

/** A = V diag(values) V' for symmetric A, by cyclic Jacobi rotations; V's columns are eigenvectors. */
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
