/**
 * Reading the columns of a ColumnTable: what kind each is, where values are missing, and the error
 * type that names the column, row and term when the data does not fit the formula.
 */
import type { Column, ColumnTable } from "./types";

/** Details an error message can point at; `row` is the 0-based row of the input table. */
export interface DesignErrorDetail {
  readonly column?: string;
  readonly row?: number;
  readonly term?: string;
  readonly value?: string;
}

/** Data that does not fit the formula (unknown column, bad response value, ...). */
export class DesignError extends Error {
  constructor(
    message: string,
    readonly detail: DesignErrorDetail = {},
  ) {
    super(message);
    this.name = "DesignError";
  }
}

export type ColumnKind = "numeric" | "factor";

/**
 * A column is numeric when it is a typed array or a plain array of numbers (booleans count as 0/1),
 * and a factor when its values are strings. A plain array with both is an error.
 */
export function columnKind(name: string, column: Column): ColumnKind {
  if (!Array.isArray(column)) return "numeric";
  let kind: ColumnKind | undefined;
  let firstRow = -1;
  for (let i = 0; i < column.length; i++) {
    const v: unknown = column[i];
    if (v === null || v === undefined) continue;
    const k: ColumnKind | undefined =
      typeof v === "number" || typeof v === "boolean" ? "numeric" : typeof v === "string" ? "factor" : undefined;
    if (k === undefined) {
      throw new DesignError(`column '${name}' holds a value of type ${typeof v} at row ${i + 1}; expected numbers or strings`, {
        column: name,
        row: i,
      });
    }
    if (kind === undefined) {
      kind = k;
      firstRow = i;
    } else if (k !== kind) {
      throw new DesignError(
        `column '${name}' mixes numbers and strings (row ${firstRow + 1} is ${kind === "numeric" ? "a number" : "a string"}, ` +
          `row ${i + 1} is ${k === "numeric" ? "a number" : `the string '${String(v)}'`})`,
        { column: name, row: i, value: String(v) },
      );
    }
  }
  return kind ?? "factor";
}

/** Numeric value of row i (NaN when missing). */
export function numericAt(column: Column, i: number): number {
  const v: unknown = column[i];
  if (typeof v === "number") return v;
  if (typeof v === "boolean") return v ? 1 : 0;
  return NaN;
}

/** Values of a numeric column at the given rows (typed arrays copied without per-value dispatch). */
export function gatherNumeric(column: Column, rows: Int32Array): Float64Array {
  const out = new Float64Array(rows.length);
  if (column instanceof Float64Array) {
    for (let r = 0; r < rows.length; r++) out[r] = column[rows[r]];
  } else if (column instanceof Int32Array || column instanceof Uint8Array) {
    for (let r = 0; r < rows.length; r++) out[r] = column[rows[r]];
  } else {
    for (let r = 0; r < rows.length; r++) out[r] = numericAt(column, rows[r]);
  }
  return out;
}

/** Factor value of row i (null when missing; an empty string counts as missing, as in the raw CSV files). */
export function factorAt(column: Column, i: number): string | null {
  const v: unknown = column[i];
  if (typeof v === "string") return v === "" ? null : v;
  if (typeof v === "number") return Number.isNaN(v) ? null : String(v);
  return null;
}

/** Looks up a column, or fails naming the term and the available columns. */
export function requireColumn(data: ColumnTable, name: string, term: string, nrow: number): Column {
  const column = Object.prototype.hasOwnProperty.call(data, name) ? data[name] : undefined;
  if (column === undefined) {
    const available = Object.keys(data);
    throw new DesignError(
      `unknown column '${name}' in term '${term}'; available columns: ${available.length ? available.join(", ") : "(none)"}`,
      { column: name, term },
    );
  }
  if (column.length !== nrow) {
    throw new DesignError(`column '${name}' has ${column.length} rows, but the table has ${nrow}`, { column: name });
  }
  return column;
}

/**
 * Missing-value mask of a column: 1 where row i is missing. Numbers: NaN (or null in a plain array);
 * strings: null or "". Infinite numbers are not missing but wrong, and are reported.
 */
export function missingMask(name: string, column: Column, kind: ColumnKind): Uint8Array {
  const n = column.length;
  const mask = new Uint8Array(n);
  if (column instanceof Int32Array || column instanceof Uint8Array) return mask;
  if (column instanceof Float64Array) {
    for (let i = 0; i < n; i++) {
      const v = column[i];
      if (v - v === 0) continue; // finite
      if (Number.isNaN(v)) mask[i] = 1;
      else throw new DesignError(`column '${name}' has the non-finite value ${v} at row ${i + 1}`, { column: name, row: i, value: String(v) });
    }
  } else if (kind === "numeric") {
    for (let i = 0; i < n; i++) {
      const v = numericAt(column, i);
      if (Number.isNaN(v)) mask[i] = 1;
      else if (!Number.isFinite(v)) {
        throw new DesignError(`column '${name}' has the non-finite value ${v} at row ${i + 1}`, {
          column: name,
          row: i,
          value: String(v),
        });
      }
    }
  } else {
    for (let i = 0; i < n; i++) {
      const v: unknown = column[i];
      if (typeof v !== "string" || v === "") {
        if (factorAt(column, i) === null) mask[i] = 1;
      }
    }
  }
  return mask;
}

/** Code-point order, the documented stand-in for R's locale collation (identical for our codes). */
export function compareCodePoints(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
