/**
 * The tables as CSV, as the Rekenkamer publishes them (3b: "in de vorm van een csv-bestand"), in the
 * same long format as the published reference CSVs (one row per cell, columns table, outcome, year, ...,
 * group, category, model, estimate, se, ame), so that a reproduced file and the published one join on
 * their key columns. Files are written atomically: to a temporary name in the same folder, then renamed,
 * so a reader never sees half a table and an existing file survives a failed write.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { ComparisonTable } from "./compare";
import type { DescriptiveTable, ModelTable } from "./tables";

export type CsvValue = string | number | boolean | null;

/** One field as RFC 4180 wants it: quoted when it holds a comma, quote or line break. */
export function csvField(value: CsvValue): string {
  if (value === null) return "";
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "NA";
  const s = String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(header: readonly string[], rows: readonly (readonly CsvValue[])[]): string {
  // Column names must be unique: readers (R, pandas, compare-runs) address columns by name.
  const seen = new Set<string>();
  header.forEach((name, j) => {
    if (seen.has(name)) throw new Error(`toCsv: column ${j + 1} repeats the column name "${name}"`);
    seen.add(name);
  });
  const lines = [header.map(csvField).join(",")];
  rows.forEach((row, i) => {
    if (row.length !== header.length) throw new Error(`toCsv: row ${i + 1} has ${row.length} fields, the header ${header.length}`);
    lines.push(row.map(csvField).join(","));
  });
  return lines.join("\n") + "\n";
}

/**
 * Write `content` to `path` atomically: write and fsync `<dir>/.<name>.tmp-<pid>`, then rename over
 * `path`. On any error the temporary file is removed and the previous `path`, if any, is untouched.
 */
export function writeFileAtomic(path: string, content: string): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.tmp-${process.pid}`);
  try {
    const fd = openSync(tmp, "w");
    try {
      writeSync(fd, content);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new Error(`could not write ${path}: ${(err as Error).message}`);
  }
}

export const DESCRIPTIVE_CSV_HEADER = ["table", "outcome", "year", "n", "group", "category", "is_reference", "mean", "sd", "min", "max"] as const;
export const MODEL_CSV_HEADER = [
  "table", "outcome", "year", "n_individuals", "n_locations", "n_institutions",
  "part", "group", "category", "term", "model", "estimate", "se", "ame", "converged",
] as const;

/** Round for the CSV: more digits than printed (the CSV is for recomputation), fewer than noise. */
function r6(x: number | null): number | null {
  return x === null ? null : Number.isFinite(x) ? Math.round(x * 1e6) / 1e6 : x;
}

export function descriptiveTableCsv(t: DescriptiveTable, manifestId?: string): string {
  const header: string[] = [...DESCRIPTIVE_CSV_HEADER];
  if (manifestId !== undefined) header.push("manifest_id");
  const rows = t.rows.map((r) => {
    const row: CsvValue[] = [t.tableNumber, t.outcome, t.year, t.n, r.group, r.category, r.isReference, r6(r.mean), r6(r.sd), r.min, r.max];
    if (manifestId !== undefined) row.push(manifestId);
    return row;
  });
  return toCsv(header, rows);
}

/** Long format: one line per (row, model) cell; the AME is on the line of the model that carries it. */
export function modelTableCsv(t: ModelTable, manifestId?: string): string {
  const header: string[] = [...MODEL_CSV_HEADER];
  if (manifestId !== undefined) header.push("manifest_id");
  const converged = new Map(t.convergence.map((c) => [c.model, c.converged]));
  const rows: CsvValue[][] = [];
  for (const r of t.rows) {
    for (const m of t.models) {
      const cell = r.cells[m];
      if (cell === undefined) continue;
      const row: CsvValue[] = [
        t.tableNumber, t.outcome, t.year, t.nIndividuals, t.nLocations, t.nInstitutions,
        r.part, r.group, r.category, r.term ?? "", m, r6(cell.estimate), r6(cell.se),
        m === t.ameModel ? r6(r.ame) : null, converged.get(m) ?? null,
      ];
      if (manifestId !== undefined) row.push(manifestId);
      rows.push(row);
    }
  }
  return toCsv(header, rows);
}

export function comparisonTableCsv(t: ComparisonTable, manifestId?: string): string {
  const header = [
    "source", "table", "outcome", "year", "part", "group", "category", "model", "statistic",
    "published", "reproduced", "difference", "tolerance", "within_tolerance", "expected_miss", "truth", "within_2se_of_truth", "note",
  ];
  if (manifestId !== undefined) header.push("manifest_id");
  const rows = t.rows.map((r) => {
    const row: CsvValue[] = [
      t.source, t.tableNumber, t.outcome, t.year, r.part, r.group, r.category, r.model, r.statistic,
      r.published, r6(r.reproduced), r6(r.difference), r.tolerance, r.withinTolerance, r.expectedMiss,
      r6(r.truth), r.withinTwoSeOfTruth, r.note,
    ];
    if (manifestId !== undefined) row.push(manifestId);
    return row;
  });
  return toCsv(header, rows);
}
