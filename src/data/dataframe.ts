/**
 * danfojs-node DataFrames for looking at data in a notebook. Heavy work stays on typed columns
 * (danfojs stores numbers as float32 and is slow at hundreds of thousands of rows), so this module only
 * converts a column table, a slice of its rows, or a list of result records, for display.
 *
 * danfojs-node is loaded on first use (it pulls in TensorFlow.js, which takes seconds), so importing
 * this module costs nothing for code that never displays.
 */
import type { Column, ColumnTable } from "../model/types";
import type { FlowStep } from "../transform/flow";

type Danfo = typeof import("danfojs-node");
export type DataFrame = InstanceType<Danfo["DataFrame"]>;

let danfo: Danfo | null = null;
function loadDanfo(): Danfo {
  if (danfo === null) danfo = require("danfojs-node") as Danfo;
  return danfo;
}

export interface DataFrameOptions {
  /** Rows start <= i < end. */
  readonly slice?: readonly [number, number];
  /** Or: these rows, in this order (e.g. the rows of one location). */
  readonly rows?: Int32Array | readonly number[];
  /** Columns to show, in this order. Default: all columns of the table. */
  readonly columns?: readonly string[];
  /** Refuse to build a frame larger than this (default 100,000 rows): pass a slice instead. */
  readonly maxRows?: number;
}

type Cell = number | string | boolean | null;

/**
 * The dtype of a column, given explicitly: danfojs otherwise guesses from the first values and fails on
 * a factor whose levels look like numbers until one does not ("2009" ... ">2014", niveau "3"). Text is
 * "string", whole numbers "int32", other numbers "float32" (what danfojs computes in anyway).
 */
function dtypeOf(values: readonly Cell[]): "string" | "int32" | "float32" | "boolean" {
  if (values.some((v) => typeof v === "string")) return "string";
  if (values.length > 0 && values.every((v) => typeof v === "boolean" || v === null)) return "boolean";
  return values.every((v) => v === null || (typeof v === "number" && Number.isInteger(v))) ? "int32" : "float32";
}

function frameOf(data: Record<string, Cell[]>, names: readonly string[], index?: readonly (string | number)[]): DataFrame {
  const { DataFrame } = loadDanfo();
  return new DataFrame(data, { columns: [...names], dtypes: names.map((n) => dtypeOf(data[n] ?? [])), ...(index !== undefined ? { index: [...index] } : {}) });
}

function rowIndices(nrows: number, options: DataFrameOptions): ArrayLike<number> {
  if (options.rows !== undefined && options.slice !== undefined) throw new Error("toDataFrame: give either rows or slice, not both");
  if (options.rows !== undefined) return options.rows;
  const [start, end] = options.slice ?? [0, nrows];
  const s = Math.max(0, Math.floor(start));
  const e = Math.min(nrows, Math.floor(end));
  const out = new Int32Array(Math.max(0, e - s));
  for (let i = 0; i < out.length; i++) out[i] = s + i;
  return out;
}

function pick(col: Column, idx: ArrayLike<number>, name: string, nrows: number): (number | string | null)[] {
  const out = new Array<number | string | null>(idx.length);
  for (let k = 0; k < idx.length; k++) {
    const i = idx[k];
    if (!(i >= 0 && i < nrows)) throw new RangeError(`toDataFrame: row ${i} is outside the table (0..${nrows - 1}), column ${JSON.stringify(name)}`);
    const v = col[i] as number | string | null;
    out[k] = typeof v === "number" && Number.isNaN(v) ? null : v;
  }
  return out;
}

/** A column table (an analysis frame, a raw-file read) or some of its rows as a danfojs DataFrame. */
export function toDataFrame(table: ColumnTable, options: DataFrameOptions = {}): DataFrame {
  const names = options.columns ?? Object.keys(table);
  if (names.length === 0) throw new Error("toDataFrame: the table has no columns");
  for (const n of names) if (table[n] === undefined) throw new Error(`toDataFrame: no column ${JSON.stringify(n)} (columns: ${Object.keys(table).join(", ")})`);
  const nrows = table[names[0]].length;
  for (const n of names) {
    if (table[n].length !== nrows) throw new Error(`toDataFrame: column ${JSON.stringify(n)} has ${table[n].length} rows, ${JSON.stringify(names[0])} has ${nrows}`);
  }
  const idx = rowIndices(nrows, options);
  const maxRows = options.maxRows ?? 100000;
  if (idx.length > maxRows) {
    throw new Error(`toDataFrame: ${idx.length} rows is more than maxRows = ${maxRows}; pass slice: [start, end] to look at some rows (the analysis itself runs on the typed columns)`);
  }
  const data: Record<string, Cell[]> = {};
  for (const n of names) data[n] = pick(table[n], idx, n, nrows);
  return frameOf(data, names);
}

/**
 * Result records (frequency rows, rates, comparison cells, ...) as a DataFrame, one row per record;
 * `index` labels the rows (so danfojs's arithmetic on a column keeps the labels).
 */
export function recordsToDataFrame<T extends object>(records: readonly T[], columns?: readonly (keyof T & string)[], index?: readonly (string | number)[]): DataFrame {
  if (records.length === 0) throw new Error("recordsToDataFrame: no records to show");
  const names = columns ?? (Object.keys(records[0]) as (keyof T & string)[]);
  const data: Record<string, Cell[]> = {};
  for (const n of names) {
    data[n] = records.map((r) => {
      const v = (r as Record<string, unknown>)[n];
      return typeof v === "number" || typeof v === "string" || typeof v === "boolean" ? v : v === null || v === undefined ? null : String(v);
    });
  }
  return frameOf(data, names, index);
}

/** A selection flow as a table: step, rule, source in 3a, n in, n out, n removed. */
export function flowToDataFrame(flow: readonly FlowStep[]): DataFrame {
  return recordsToDataFrame(flow.map((s) => ({ stap: s.step, regel: s.rule, bron: s.section, n_in: s.nIn, n_uit: s.nOut, eruit: s.nIn - s.nOut })));
}
