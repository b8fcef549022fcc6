/**
 * danfojs-node DataFrames where a researcher looks at data (chapters 2-4): the first rows of a raw
 * file, a sample of an analysis frame, the counts behind the cross tables and the missingness tables.
 * A notebook cell can go on with danfojs's own methods (`describe()`, `valueCounts()`, `groupby()`,
 * `head()`), which is what a DataFrame is for.
 *
 * Never on the full frames: danfojs computes in float32 and is slow on 400,000-row masks, sorts and
 * group-bys (environment.md). So a DataFrame here holds either a sample (a few thousand rows, where
 * float32's seven digits are plenty for a look) or an aggregate whose numbers were counted on the typed
 * arrays first (whole counts, exact in float32 up to 2^24). The numbers of the published tables are
 * computed on the typed arrays by src/report/tables.ts, crosstab.ts and missingness.ts, never here.
 */
import { recordsToDataFrame, toDataFrame, type DataFrame } from "../data/dataframe";
import type { Column, ColumnTable } from "../model/types";
import { escapeHtml } from "./escape";
import { VARIABLE_LABELS } from "./labels";
import { fixed } from "./tables";

export type { DataFrame };

/**
 * What a table of danfojs has for display, DataFrame or Series (a Series is one column): described by
 * shape rather than imported, so that danfojs-node is loaded only by src/data/dataframe.ts, on first use.
 */
export interface Tabular {
  readonly index: readonly (string | number)[];
  readonly columns: readonly string[];
  readonly values: unknown;
  readonly $isSeries: boolean;
}

/** The first `n` rows of chosen columns of a raw file, as read (an empty field is null). */
export function rawHead(
  table: { readonly file: string; readonly nrows: number; readonly columns: Readonly<Record<string, Float64Array | readonly (string | null)[]>> },
  columns: readonly string[],
  n: number,
): DataFrame {
  for (const c of columns) if (table.columns[c] === undefined) throw new Error(`${table.file}: no column '${c}'`);
  return toDataFrame(table.columns as ColumnTable, { slice: [0, n], columns });
}

/**
 * A reproducible random sample of `n` rows of an analysis frame (every column): a partial
 * Fisher-Yates shuffle of the row numbers driven by a 32-bit linear congruential generator seeded with
 * `seed`, the chosen rows then put back in frame order.
 */
export function frameSample(frame: ColumnTable, n: number, seed = 1): DataFrame {
  const columns = Object.keys(frame);
  const nrows = columns.length === 0 ? 0 : (frame[columns[0] as string] as Column).length;
  const k = Math.min(n, nrows);
  const order = new Int32Array(nrows);
  for (let i = 0; i < nrows; i++) order[i] = i;
  let state = seed >>> 0 || 1;
  for (let i = 0; i < k; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0; // Numerical Recipes' LCG
    const j = i + Math.floor((state / 4294967296) * (nrows - i));
    const t = order[i] as number;
    order[i] = order[j] as number;
    order[j] = t;
  }
  return toDataFrame(frame, { rows: order.slice(0, k).sort(), columns });
}

/**
 * The counts behind a cross table by migration background (3a 3.1), long format: per variable and
 * category, per background, the number of students and the number with outcome 1. Counted on the
 * typed columns; a DataFrame only holds the counts.
 */
export function crossTableCounts(frame: ColumnTable, outcome: string): DataFrame {
  const migratie = frame["migratie"];
  const y = frame[outcome];
  if (migratie === undefined || y === undefined) throw new Error(`crossTableCounts: the frame needs columns 'migratie' and '${outcome}'`);
  const records: Record<string, string | number>[] = [];
  for (const v of VARIABLE_LABELS) {
    if (v.kind !== "factor" || v.variable === "migratie") continue;
    const col = frame[v.variable];
    if (col === undefined) throw new Error(`crossTableCounts: the frame has no column '${v.variable}'`);
    const counts = new Map<string, { n: number; events: number }>();
    for (let i = 0; i < col.length; i++) {
      const key = `${String(col[i])}\u0000${String(migratie[i])}`;
      const c = counts.get(key) ?? { n: 0, events: 0 };
      c.n++;
      if (y[i] === 1) c.events++;
      counts.set(key, c);
    }
    for (const [key, c] of [...counts.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const [level, group] = key.split("\u0000") as [string, string];
      records.push({ variabele: v.variable, categorie: level, migratie: group, n: c.n, [outcome]: c.events });
    }
  }
  return recordsToDataFrame(records, ["variabele", "categorie", "migratie", "n", outcome]);
}

/**
 * How many students miss a cito score and their parents' education, per migration background (also the
 * row labels, so danfojs's arithmetic on the columns keeps them), counted on the typed columns: the
 * counts behind the missingness tables of 3a 2.4.
 */
export function missingCounts(frame: ColumnTable): DataFrame {
  const migratie = frame["migratie"];
  const citoMissing = frame["cito_missing"];
  const ouders = frame["ouders"];
  if (migratie === undefined || citoMissing === undefined || ouders === undefined) throw new Error("missingCounts: the frame needs columns 'migratie', 'cito_missing' and 'ouders'");
  const groups = new Map<string, { n: number; cito: number; ouders: number }>();
  for (let i = 0; i < migratie.length; i++) {
    const g = String(migratie[i]);
    const c = groups.get(g) ?? { n: 0, cito: 0, ouders: 0 };
    c.n++;
    if (citoMissing[i] === 1) c.cito++;
    if (ouders[i] === "onbekend") c.ouders++;
    groups.set(g, c);
  }
  const keys = [...groups.keys()].sort();
  const records = keys.map((k) => {
    const c = groups.get(k) ?? { n: 0, cito: 0, ouders: 0 };
    return { migratie: k, n: c.n, cito_missend: c.cito, ouders_onbekend: c.ouders };
  });
  return recordsToDataFrame(records, ["migratie", "n", "cito_missend", "ouders_onbekend"], keys);
}

function formatCell(v: unknown, digits: number): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "number") return Number.isNaN(v) ? "NaN" : Number.isInteger(v) ? String(v) : fixed(v, digits);
  return escapeHtml(String(v));
}

/** A DataFrame or Series as an HTML table (its index as the first column), numbers with `digits` decimals. */
export function dataFrameHtml(data: Tabular, caption: string, digits = 3): string {
  // Not `instanceof`: danfojs's own methods (head(), describe(), groupby()) return DataFrames of its base
  // class, not of danfojs-node's subclass.
  const index = data.index;
  const isSeries = data.$isSeries;
  const header = isSeries ? [data.columns[0] ?? ""] : data.columns;
  const values = isSeries ? (data.values as unknown[]).map((v) => [v]) : (data.values as unknown[][]);
  const rows = values.map((r, i) => `<tr><th>${formatCell(index[i], digits)}</th>${r.map((v) => `<td>${formatCell(v, digits)}</td>`).join("")}</tr>`).join("");
  return (
    "<style>.kmbo-df{border-collapse:collapse;font:12px/1.3 Menlo,Consolas,monospace;margin:6px 0}.kmbo-df caption{text-align:left;font:bold 13px Helvetica,Arial,sans-serif;padding:4px 0}" +
    ".kmbo-df th,.kmbo-df td{padding:1px 8px;border-bottom:1px solid #e6e6e6;text-align:right}.kmbo-df thead th{border-bottom:1px solid #999}</style>" +
    `<table class="kmbo-df"><caption>${escapeHtml(caption)}</caption><thead><tr><th></th>${header.map((h) => `<th>${escapeHtml(String(h))}</th>`).join("")}</tr></thead><tbody>${rows}</tbody></table>`
  );
}
