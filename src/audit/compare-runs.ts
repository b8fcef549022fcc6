/**
 * "What moved when I changed this choice" (issue 7, item 5): compare two output folders.
 *
 * Tables: every CSV under both folders, rows joined on their label columns (the leading columns that are
 * not numbers in either run, e.g. group and category), never on position; per value cell the two values
 * and the difference. The `manifest_id` column is ignored (it differs whenever anything differs).
 * Manifests: the configuration, inputs, code version, environment and fits, flattened to paths, with the
 * paths whose values differ; times, durations and memory readings are ignored.
 *
 * Numbers are compared exactly by default. With a relative tolerance r, two numbers a and b count as
 * the same when |b - a| <= r max(|a|, |b|): a rerun on another machine or after a change that only
 * reorders floating-point sums moves the last digits (1e-12 relative), and a tolerance of, say, 1e-9
 * separates that from a result that really moved. Every table line gives the largest relative change.
 */
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { parseCsvRecords } from "../data/csv";
import { MANIFEST_COLUMN } from "./stamp";
import type { JsonValue } from "./manifest";

export interface CellChange {
  readonly row: string;
  readonly column: string;
  readonly a: string;
  readonly b: string;
  /** b - a where both are numbers. */
  readonly difference: number | null;
}

export interface TableComparison {
  readonly table: string;
  readonly keyColumns: readonly string[];
  readonly changed: readonly CellChange[];
  readonly rowsOnlyInA: readonly string[];
  readonly rowsOnlyInB: readonly string[];
  readonly columnsOnlyInA: readonly string[];
  readonly columnsOnlyInB: readonly string[];
  readonly unchangedCells: number;
  /** Numeric cells that differ but within the relative tolerance (counted in unchangedCells too). */
  readonly withinTolerance: number;
}

export interface ManifestDifference {
  readonly path: string;
  readonly a: JsonValue | undefined;
  readonly b: JsonValue | undefined;
}

export interface RunComparison {
  readonly a: string;
  readonly b: string;
  readonly tables: readonly TableComparison[];
  readonly tablesOnlyInA: readonly string[];
  readonly tablesOnlyInB: readonly string[];
  /** Tables present in both runs that could not be read (malformed CSV): named with the reader's error. */
  readonly unreadable: readonly { readonly table: string; readonly message: string }[];
  /** The relative tolerance numbers were compared with (0: exact). */
  readonly tolerance: number;
  readonly manifest: readonly ManifestDifference[];
}

const isNumber = (s: string): boolean => s.trim() !== "" && Number.isFinite(Number(s));

/** |b - a| / max(|a|, |b|), 0 when both are 0. */
export function relativeChange(a: number, b: number): number {
  const scale = Math.max(Math.abs(a), Math.abs(b));
  return scale === 0 ? 0 : Math.abs(b - a) / scale;
}

function csvFiles(dir: string, sub = ""): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(dir, sub)).sort()) {
    const rel = sub ? `${sub}/${name}` : name;
    if (statSync(join(dir, rel)).isDirectory()) out.push(...csvFiles(dir, rel));
    else if (name.endsWith(".csv")) out.push(rel);
  }
  return out;
}

interface Table { readonly header: string[]; readonly rows: string[][] }

function readTable(path: string): Table {
  const text = readFileSync(path, "utf8");
  // A file without even a header compares as a table without columns (the CSV parser rejects it).
  if (text.trim() === "") return { header: [], rows: [] };
  const { header, rows } = parseCsvRecords(text, path);
  const drop = header.indexOf(MANIFEST_COLUMN);
  const strip = (r: string[]): string[] => (drop >= 0 ? r.filter((_, i) => i !== drop) : r);
  return { header: strip(header), rows: rows.map(strip) };
}

const BOOLEAN = /^(true|false|ja|nee|yes|no)$/i;

/**
 * Whether a column can label rows: it holds the same single value in every row of both runs (table,
 * year, N), or some of its values are not numbers (group, category, model "1a") and it is not boolean.
 */
function isLabelColumn(name: string, a: Table, b: Table): boolean {
  const values = [...a.rows.map((r) => r[a.header.indexOf(name)] ?? ""), ...b.rows.map((r) => r[b.header.indexOf(name)] ?? "")];
  const filled = values.filter((v) => v !== "");
  if (filled.length === 0) return false;
  if (new Set(values).size === 1) return true;
  if (filled.every((v) => BOOLEAN.test(v))) return false;
  return !filled.every(isNumber);
}

/**
 * The join key: label columns taken from left to right until they tell every row apart in both runs
 * (so later text columns such as a tolerance or a note stay values). If they never do, all of them.
 */
function keyColumns(a: Table, b: Table): string[] {
  const candidates = a.header.filter((h) => b.header.includes(h) && isLabelColumn(h, a, b));
  const unique = (t: Table, cols: string[]): boolean => {
    const idx = cols.map((c) => t.header.indexOf(c));
    const seen = new Set(t.rows.map((r) => idx.map((i) => r[i] ?? "").join("\u0000")));
    return seen.size === t.rows.length;
  };
  const keys: string[] = [];
  for (const c of candidates) {
    keys.push(c);
    if (unique(a, keys) && unique(b, keys)) return keys;
  }
  return keys;
}

export function compareTables(name: string, a: Table, b: Table, tolerance = 0): TableComparison {
  const keys = keyColumns(a, b);
  const keyOf = (t: Table, r: string[], i: number): string => {
    if (keys.length === 0) return `row ${i + 1}`;
    return keys.map((k) => r[t.header.indexOf(k)] ?? "").join(" | ");
  };
  const index = (t: Table): Map<string, string[]> => {
    const m = new Map<string, string[]>();
    t.rows.forEach((r, i) => {
      let k = keyOf(t, r, i);
      // Repeated labels (e.g. the same category under two groups without a group column): number them.
      for (let n = 2; m.has(k); n++) k = `${keyOf(t, r, i)} #${n}`;
      m.set(k, r);
    });
    return m;
  };
  const ma = index(a);
  const mb = index(b);
  const valueColumns = a.header.filter((h) => !keys.includes(h) && b.header.includes(h));
  const changed: CellChange[] = [];
  let unchanged = 0;
  let withinTolerance = 0;
  for (const [k, ra] of ma) {
    const rb = mb.get(k);
    if (!rb) continue;
    for (const col of valueColumns) {
      const va = ra[a.header.indexOf(col)] ?? "";
      const vb = rb[b.header.indexOf(col)] ?? "";
      const numeric = isNumber(va) && isNumber(vb);
      const same = va === vb || (numeric && Number(va) === Number(vb));
      const close = !same && numeric && tolerance > 0 && relativeChange(Number(va), Number(vb)) <= tolerance;
      if (close) withinTolerance++;
      if (same || close) unchanged++;
      else changed.push({ row: k, column: col, a: va, b: vb, difference: isNumber(va) && isNumber(vb) ? Number(vb) - Number(va) : null });
    }
  }
  return {
    table: name,
    keyColumns: keys,
    changed,
    rowsOnlyInA: [...ma.keys()].filter((k) => !mb.has(k)),
    rowsOnlyInB: [...mb.keys()].filter((k) => !ma.has(k)),
    columnsOnlyInA: a.header.filter((h) => !b.header.includes(h)),
    columnsOnlyInB: b.header.filter((h) => !a.header.includes(h)),
    unchangedCells: unchanged,
    withinTolerance,
  };
}

const IGNORED_MANIFEST_KEYS = new Set(["createdAt", "startedAt", "durationSeconds", "peakRssBytes", "elapsedSeconds", "outputs"]);

function flatten(value: JsonValue | undefined, prefix: string, out: Map<string, JsonValue>): void {
  if (value !== null && typeof value === "object") {
    if (Array.isArray(value)) value.forEach((v, i) => flatten(v, `${prefix}[${i}]`, out));
    else for (const [k, v] of Object.entries(value)) if (!IGNORED_MANIFEST_KEYS.has(k)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (value !== undefined) out.set(prefix, value);
}

export function compareManifests(a: JsonValue | undefined, b: JsonValue | undefined, tolerance = 0): ManifestDifference[] {
  const fa = new Map<string, JsonValue>();
  const fb = new Map<string, JsonValue>();
  flatten(a, "", fa);
  flatten(b, "", fb);
  const paths = [...new Set([...fa.keys(), ...fb.keys()])].sort();
  const differs = (p: string): boolean => {
    const x = fa.get(p);
    const y = fb.get(p);
    if (x === y) return false;
    return !(tolerance > 0 && typeof x === "number" && typeof y === "number" && relativeChange(x, y) <= tolerance);
  };
  return paths.filter(differs).map((p) => ({ path: p, a: fa.get(p), b: fb.get(p) }));
}

function readManifest(dir: string): JsonValue | undefined {
  const path = join(dir, "manifest.json");
  return existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as JsonValue) : undefined;
}

export interface CompareOptions {
  /** Relative tolerance for numbers (default 0: exact). */
  readonly tolerance?: number;
}

export function compareRuns(dirA: string, dirB: string, options: CompareOptions = {}): RunComparison {
  const tolerance = options.tolerance ?? 0;
  if (!(tolerance >= 0)) throw new Error(`compare: the tolerance must be a number >= 0, got ${tolerance}`);
  for (const d of [dirA, dirB]) if (!existsSync(d) || !statSync(d).isDirectory()) throw new Error(`compare: ${d} is not an output folder`);
  const ta = csvFiles(dirA);
  const tb = csvFiles(dirB);
  // A malformed table (e.g. one written before a format change) is reported and skipped: the other
  // tables are still compared.
  const tables: TableComparison[] = [];
  const unreadable: { table: string; message: string }[] = [];
  for (const t of ta.filter((x) => tb.includes(x))) {
    try {
      tables.push(compareTables(t, readTable(join(dirA, t)), readTable(join(dirB, t)), tolerance));
    } catch (error) {
      unreadable.push({ table: t, message: error instanceof Error ? error.message : String(error) });
    }
  }
  return {
    a: dirA,
    b: dirB,
    tables,
    tablesOnlyInA: ta.filter((t) => !tb.includes(t)),
    tablesOnlyInB: tb.filter((t) => !ta.includes(t)),
    unreadable,
    tolerance,
    manifest: compareManifests(readManifest(dirA), readManifest(dirB), tolerance),
  };
}

const show = (v: JsonValue | undefined): string => (v === undefined ? "(absent)" : typeof v === "string" ? v : JSON.stringify(v));

/** The comparison as terminal text. */
export function formatRunComparison(c: RunComparison, maxCellsPerTable = 40): string {
  const lines: string[] = [`A: ${c.a}`, `B: ${c.b}`];
  if (c.tolerance > 0) lines.push(`numbers within a relative ${c.tolerance} of each other count as unchanged`);
  lines.push("");
  lines.push(`Manifest fields that differ (${c.manifest.length}):`);
  for (const d of c.manifest) lines.push(`  ${d.path}: ${show(d.a)} -> ${show(d.b)}`);
  lines.push("");
  for (const t of c.tablesOnlyInA) lines.push(`table only in A: ${t}`);
  for (const t of c.tablesOnlyInB) lines.push(`table only in B: ${t}`);
  for (const u of c.unreadable) lines.push(`table not compared: ${u.table}: ${u.message}`);
  for (const t of c.tables) {
    const moved = t.changed.length + t.rowsOnlyInA.length + t.rowsOnlyInB.length;
    let largest = 0;
    for (const ch of t.changed) if (ch.difference !== null) largest = Math.max(largest, relativeChange(Number(ch.a), Number(ch.b)));
    const status = moved === 0 ? "unchanged" : `${t.changed.length} cells changed${largest > 0 ? ` (largest relative change ${largest.toPrecision(2)})` : ""}, ${t.unchangedCells} unchanged`;
    const close = t.withinTolerance > 0 ? ` (${t.withinTolerance} of them within the tolerance)` : "";
    lines.push(`${t.table}: ${status}${close}${t.keyColumns.length ? ` (rows by ${t.keyColumns.join(", ")})` : ""}`);
    const sorted = [...t.changed].sort((x, y) => Math.abs(y.difference ?? Infinity) - Math.abs(x.difference ?? Infinity));
    for (const ch of sorted.slice(0, maxCellsPerTable)) {
      const diff = ch.difference === null ? "" : `  (${ch.difference >= 0 ? "+" : ""}${Number(ch.difference.toPrecision(4))})`;
      lines.push(`  ${ch.row} / ${ch.column}: ${ch.a} -> ${ch.b}${diff}`);
    }
    if (sorted.length > maxCellsPerTable) lines.push(`  ... ${sorted.length - maxCellsPerTable} more`);
    for (const r of t.rowsOnlyInA) lines.push(`  row only in A: ${r}`);
    for (const r of t.rowsOnlyInB) lines.push(`  row only in B: ${r}`);
    for (const col of t.columnsOnlyInA) lines.push(`  column only in A: ${col}`);
    for (const col of t.columnsOnlyInB) lines.push(`  column only in B: ${col}`);
  }
  return lines.join("\n");
}
