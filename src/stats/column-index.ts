/**
 * Dot products with the columns of X, exploiting that most columns of the model matrices here are
 * 0/1 dummies: for such a column, sum_i v_i x_ij = sum over the rows where x_ij = 1 of v_i. The rows of
 * every sparse 0/1 column are stored once (Int32Array); a column of ones is a plain sum; anything else
 * is a dense dot product. Built once per FixedDesign and cached, so repeated post-fit statistics on the
 * same fit do not rescan X.
 */
import type { FixedDesign } from "../model/types";

export interface ColumnIndex {
  /** For each column: "ones", the rows where a 0/1 column is 1, or null for a dense column. */
  readonly kind: readonly ("ones" | Int32Array | null)[];
}

const cache = new WeakMap<FixedDesign, ColumnIndex>();

function indexColumn(x: Float64Array): "ones" | Int32Array | null {
  const n = x.length;
  let ones = 0;
  for (let i = 0; i < n; i++) {
    const v = x[i];
    if (v === 1) ones++;
    else if (v !== 0) return null;
  }
  if (ones === n) return "ones";
  if (ones > n / 2) return null;
  const rows = new Int32Array(ones);
  let m = 0;
  for (let i = 0; i < n; i++) if (x[i] === 1) rows[m++] = i;
  return rows;
}

/** The (cached) index of the columns of X. */
export function columnIndex(fixed: FixedDesign): ColumnIndex {
  let index = cache.get(fixed);
  if (!index) {
    index = { kind: fixed.columns.map(indexColumn) };
    cache.set(fixed, index);
  }
  return index;
}

/** sum_i v_i x_ij for column j of X. */
export function dotColumn(v: Float64Array, fixed: FixedDesign, index: ColumnIndex, j: number): number {
  const kind = index.kind[j];
  let s = 0;
  if (kind === "ones") {
    for (let i = 0; i < v.length; i++) s += v[i];
  } else if (kind === null) {
    const x = fixed.columns[j];
    for (let i = 0; i < v.length; i++) s += v[i] * x[i];
  } else {
    for (let m = 0; m < kind.length; m++) s += v[kind[m]];
  }
  return s;
}
