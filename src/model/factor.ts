/**
 * Factors: string columns coded as level indices, with R's level order and a chosen reference, and the
 * grouping factors of random-effects terms (one column, or the interaction a:b of several).
 */
import { compareCodePoints, DesignError, factorAt, numericAt } from "./columns";
import type { Column } from "./types";

/** A coded factor over the design rows: codes[i] indexes levels; levels[0] is the reference level. */
export interface CodedFactor {
  readonly levels: readonly string[];
  readonly codes: Int32Array;
}

/**
 * Codes a string column over the given rows. Levels are the distinct values present, in code-point
 * order, then the reference level moved to the front as R's relevel() does; treatment contrasts
 * compare every other level with it.
 *
 * R sorts a character vector's levels by the locale's collation (ICU root order in R 4.2 on Debian:
 * punctuation and symbols before digits before letters, case-insensitive first). For codes made of
 * lower-case letters, digits, '-' and '_' that starts with a letter or digit, the two orders agree. They
 * differ for a level that starts with a symbol: R puts the frame's citojaar level ">2014" first, we
 * put it last (so with the default reference R would compare against ">2014", we against "2009"; the
 * analysis sets its references explicitly), and for mixed case ("B" < "a" here, "a" < "B" in R).
 */
export function codeFactor(name: string, column: Column, rows: Int32Array, reference?: string): CodedFactor {
  const known = knownCodings.get(column as object);
  if (known !== undefined) return recodeKnown(name, known, rows, reference);
  const index = new Map<string, number>();
  const raw = new Int32Array(rows.length);
  // Few distinct codes (the usual case): a linear scan with === over the levels seen so far beats
  // hashing, and the CSV reader's interned strings compare by identity. Past SMALL levels, the Map.
  const SMALL = 12;
  const seen: unknown[] = [];
  const seenCode: number[] = [];
  for (let r = 0; r < rows.length; r++) {
    const cell: unknown = column[rows[r]];
    let k = -1;
    for (let s = 0; s < seen.length; s++) {
      if (seen[s] === cell) {
        k = seenCode[s];
        break;
      }
    }
    if (k < 0) {
      const v = typeof cell === "string" ? cell : (factorAt(column, rows[r]) as string); // rows are complete cases
      const known = index.get(v);
      if (known === undefined) {
        k = index.size;
        index.set(v, k);
      } else k = known;
      if (seen.length < SMALL) {
        seen.push(cell);
        seenCode.push(k);
      }
    }
    raw[r] = k;
  }
  const sorted = [...index.keys()].sort(compareCodePoints);
  placeReference(name, sorted, reference);
  const remap = new Int32Array(index.size);
  sorted.forEach((level, position) => {
    remap[index.get(level) as number] = position;
  });
  const codes = new Int32Array(rows.length);
  for (let r = 0; r < rows.length; r++) codes[r] = remap[raw[r]];
  return { levels: sorted, codes };
}

/** Move the reference level to the front of the sorted levels (R's relevel()); an error if it does not occur. */
function placeReference(name: string, sorted: string[], reference: string | undefined): void {
  if (reference !== undefined) {
    const at = sorted.indexOf(reference);
    if (at < 0) {
      throw new DesignError(
        `reference level '${reference}' of '${name}' does not occur in the data used; levels: ${sorted.join(", ")}`,
        { column: name, value: reference },
      );
    }
    sorted.splice(at, 1);
    sorted.unshift(reference);
  }
}

/**
 * Codings of whole string columns known without a pass over their strings: the frame cache stores each
 * factor column as level codes (src/pipeline/frame-cache.ts) and registers them here when it reads a
 * frame back, so the designs of a chapter's models code their factors from those integers instead of
 * comparing 124,000 strings per factor and model. Like the fit cache's column hashes, this relies on a
 * frame's columns never being changed after they are built.
 */
interface KnownCoding {
  /** The distinct values, in any order (codes index them). */
  readonly levels: readonly string[];
  /** Per row of the column, its index into levels (-1 for a missing value). */
  readonly codes: Int32Array;
}

const knownCodings = new WeakMap<object, KnownCoding>();

/** Register the coding of a string column: column[i] === levels[codes[i]] for every row (codes -1: missing). */
export function rememberFactorCoding(column: Column, levels: readonly string[], codes: Int32Array): void {
  if (codes.length !== column.length) throw new Error(`rememberFactorCoding: ${codes.length} codes for a column of ${column.length} rows`);
  knownCodings.set(column as object, { levels, codes });
}

/** codeFactor from a known coding: the same levels (those present in rows, code-point order, reference first) and codes. */
function recodeKnown(name: string, known: KnownCoding, rows: Int32Array, reference: string | undefined): CodedFactor {
  const present = new Uint8Array(known.levels.length);
  const src = known.codes;
  for (let r = 0; r < rows.length; r++) present[src[rows[r]]] = 1; // rows are complete cases: no -1 here
  const sorted: string[] = [];
  for (let k = 0; k < present.length; k++) if (present[k] === 1) sorted.push(known.levels[k]);
  sorted.sort(compareCodePoints);
  placeReference(name, sorted, reference);
  const position = new Map<string, number>(sorted.map((level, at) => [level, at]));
  const remap = new Int32Array(known.levels.length).fill(-1);
  for (let k = 0; k < present.length; k++) if (present[k] === 1) remap[k] = position.get(known.levels[k]) as number;
  const codes = new Int32Array(rows.length);
  for (let r = 0; r < rows.length; r++) codes[r] = remap[src[rows[r]]];
  return { levels: sorted, codes };
}

/** A grouping factor: level labels and, per design row, its level index. */
export interface GroupingFactor {
  readonly levels: readonly string[];
  readonly index: Int32Array;
}

/** One column as a factor for grouping: strings in code-point order, numbers in numeric order (as factor() in R). */
function groupingColumn(name: string, column: Column, isNumeric: boolean, rows: Int32Array): GroupingFactor {
  if (!isNumeric) {
    const { levels, codes } = codeFactor(name, column, rows);
    return { levels, index: codes };
  }
  const index = new Map<number, number>();
  const raw = new Int32Array(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const v = numericAt(column, rows[r]);
    let k = index.get(v);
    if (k === undefined) {
      k = index.size;
      index.set(v, k);
    }
    raw[r] = k;
  }
  const values = [...index.keys()].sort((a, b) => a - b);
  const remap = new Int32Array(index.size);
  values.forEach((v, position) => {
    remap[index.get(v) as number] = position;
  });
  const out = new Int32Array(rows.length);
  for (let r = 0; r < rows.length; r++) out[r] = remap[raw[r]];
  return { levels: values.map(String), index: out };
}

/**
 * The grouping factor of `(... | f1:f2:...:fm)`: the interaction of the columns, keeping only the
 * combinations that occur. Level order is R's for `f1:f2` (f1 varies slowest), labels "l1:l2".
 */
export function groupingFactor(
  names: readonly string[],
  columns: readonly Column[],
  numeric: readonly boolean[],
  rows: Int32Array,
): GroupingFactor {
  const parts = names.map((name, k) => groupingColumn(name, columns[k], numeric[k], rows));
  if (parts.length === 1) return parts[0];
  // Mixed-radix code of the combination: first factor most significant, so numeric order = R's order.
  const n = rows.length;
  const combined = new Float64Array(n);
  for (const part of parts) {
    const radix = part.levels.length;
    for (let r = 0; r < n; r++) combined[r] = combined[r] * radix + part.index[r];
  }
  const seen = new Map<number, number>();
  for (let r = 0; r < n; r++) if (!seen.has(combined[r])) seen.set(combined[r], 0);
  const keys = [...seen.keys()].sort((a, b) => a - b);
  keys.forEach((key, position) => seen.set(key, position));
  const index = new Int32Array(n);
  const firstRow = new Int32Array(keys.length).fill(-1);
  for (let r = 0; r < n; r++) {
    const k = seen.get(combined[r]) as number;
    index[r] = k;
    if (firstRow[k] < 0) firstRow[k] = r;
  }
  const levels = Array.from(firstRow, (r) => parts.map((p) => p.levels[p.index[r]]).join(":"));
  return { levels, index };
}
