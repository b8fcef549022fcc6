/**
 * Products with the fixed-effects design X held as p columns of length n (the O(n p) parts of a pass):
 *
 *   crossprodColumns:  out_j = x_j' v            (X'v: the beta gradient, X'WX one row at a time)
 *   addColumns:        out  += sum_j c_j x_j     (X beta)
 *
 * Four columns share one sweep over the rows, so v (or out) is read once per four columns instead of
 * once per column; on a loaded two-core machine the loop is bound by loads, and this halves them.
 * Every sum keeps its own accumulator in row order (and addColumns adds the columns in index order),
 * so the results are bit-identical to the one-column-at-a-time loops.
 */

/** out[j] = sum_i columns[j][i] v[i] for j < count (count defaults to all columns). */
export function crossprodColumns(
  columns: readonly Float64Array[],
  v: Float64Array,
  out: Float64Array,
  n: number,
  count = columns.length,
  offset = 0,
): void {
  let j = 0;
  for (; j + 4 <= count; j += 4) {
    const x0 = columns[j];
    const x1 = columns[j + 1];
    const x2 = columns[j + 2];
    const x3 = columns[j + 3];
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let i = 0; i < n; i++) {
      const vi = v[i];
      s0 += x0[i] * vi;
      s1 += x1[i] * vi;
      s2 += x2[i] * vi;
      s3 += x3[i] * vi;
    }
    out[offset + j] = s0;
    out[offset + j + 1] = s1;
    out[offset + j + 2] = s2;
    out[offset + j + 3] = s3;
  }
  for (; j < count; j++) {
    const xj = columns[j];
    let s = 0;
    for (let i = 0; i < n; i++) s += xj[i] * v[i];
    out[offset + j] = s;
  }
}

/** out[i] += sum_j coef[j] columns[j][i], columns with coef 0 skipped, added in index order. */
export function addColumns(columns: readonly Float64Array[], coef: ArrayLike<number>, out: Float64Array, n: number): void {
  const used: number[] = [];
  for (let j = 0; j < columns.length; j++) if (coef[j] !== 0) used.push(j);
  let k = 0;
  for (; k + 4 <= used.length; k += 4) {
    const x0 = columns[used[k]];
    const x1 = columns[used[k + 1]];
    const x2 = columns[used[k + 2]];
    const x3 = columns[used[k + 3]];
    const c0 = coef[used[k]];
    const c1 = coef[used[k + 1]];
    const c2 = coef[used[k + 2]];
    const c3 = coef[used[k + 3]];
    for (let i = 0; i < n; i++) {
      let acc = out[i];
      acc += c0 * x0[i];
      acc += c1 * x1[i];
      acc += c2 * x2[i];
      acc += c3 * x3[i];
      out[i] = acc;
    }
  }
  for (; k < used.length; k++) {
    const xj = columns[used[k]];
    const c = coef[used[k]];
    for (let i = 0; i < n; i++) out[i] += c * xj[i];
  }
}
