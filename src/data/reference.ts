/**
 * The published numbers of bijlage 3b (Tabel 1-8), read from the reference CSVs so that they are never
 * retyped: published-descriptives.csv (Tabel 1-4, one row per printed row), published-models.csv
 * (Tabel 5-8, one row per printed cell) and published-tables.csv (the tables' captions and N's). The one
 * reader for both the report's published-versus-reproduced comparison (src/report/compare.ts) and the
 * synthetic generator's calibration targets (src/data/synthetic/targets.ts).
 *
 * Where the files live: the repository's own copy in `reference/bijlage-3b/` (transcribed once from the
 * table book, which lies beside them as bijlage-3b.txt; every cell carries the line it is printed on, see
 * the folder's README and its *.schema.json), or $KANSEN_REFERENCE_DIR when set (it must hold the
 * descriptives and models files; their provenance columns are optional there). Nothing outside the
 * repository is read unless that variable names it.
 *
 * Reading is strict, so a damaged or edited file fails loudly instead of shifting a calibration target:
 * the CSV grammar and field counts are checked by src/data/csv.ts, every required column must be in the
 * header, numbers must be plain decimals, and outcome, part and is_reference must be one of their known
 * values. Every error is a `CsvError` naming file, data row, line, column and value.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { CsvError, readCsvRecords, type CsvRecords } from "./csv";

export const DESCRIPTIVES_FILE = "published-descriptives.csv";
export const MODELS_FILE = "published-models.csv";
export const TABLES_FILE = "published-tables.csv";
/** The table book as plain text, beside the CSVs in the repository's copy; `source_line` counts its lines. */
export const TABLE_BOOK_FILE = "bijlage-3b.txt";
const REFERENCE_FILES = [DESCRIPTIVES_FILE, MODELS_FILE] as const;
/** The repository's copy of the published numbers, relative to its root. */
export const REFERENCE_SUBDIR = ["reference", "bijlage-3b"] as const;

/** The repository root (this file is src/data/reference.ts, or dist/data/reference.js when built). */
const REPO_ROOT = resolve(__dirname, "..", "..");

export type PublishedOutcome = "doorstroom" | "vsv";
export type PublishedPart = "fixed" | "random" | "diagnostic";

/** Where a row of Tabel 1-4 is printed in the table book text (bijlage-3b.txt). */
export interface PrintedRow {
  /** 1-based line of bijlage-3b.txt. */
  readonly line: number;
  /** The row label as printed, e.g. "Geen migratie-achtergrond (ref.)". */
  readonly label: string;
  /** The cells as printed after the label, e.g. ".732 - 0 1". */
  readonly cells: string;
}

/** Where a cell of Tabel 5-8 is printed in the table book text (bijlage-3b.txt). */
export interface PrintedCell {
  /** 1-based line of bijlage-3b.txt holding the row's numbers. */
  readonly line: number;
  /** The row label as printed (lines broken by the text extraction joined with one space). */
  readonly label: string;
  /** This model's cell as printed, e.g. "0.60 (0.03)". */
  readonly cell: string;
  /** The AME as printed beside model 2's cell ("" where none is printed). */
  readonly ame: string;
}

/** One row of Tabel 1-4. */
export interface PublishedDescriptive {
  readonly table: number;
  readonly outcome: PublishedOutcome;
  readonly year: number;
  readonly n: number;
  readonly group: string;
  readonly category: string;
  readonly isReference: boolean;
  readonly mean: number;
  /** null where the table prints no SD (proportions). */
  readonly sd: number | null;
  readonly min: number;
  readonly max: number;
  /** Where it is printed; null when the file read has no provenance columns (an older copy). */
  readonly source: PrintedRow | null;
  /** The reference CSV's misprint note ("" if none). */
  readonly note: string;
}

/** One cell of Tabel 5-8: a row (term, variance component or R2) of one model. */
export interface PublishedModelCell {
  readonly table: number;
  readonly outcome: PublishedOutcome;
  readonly year: number;
  readonly nIndividuals: number;
  readonly nLocations: number;
  readonly nInstitutions: number;
  readonly part: PublishedPart;
  readonly group: string;
  readonly category: string;
  readonly model: string;
  readonly estimate: number;
  /** For fixed effects the SE, for random effects the SD as printed in brackets; null where none is printed. */
  readonly se: number | null;
  /** null where no AME is printed. */
  readonly ame: number | null;
  /** The AME cell as printed, to see how many decimals it has ("" where none is printed). */
  readonly ameText: string;
  /** The reference CSV's misprint note ("" if none). */
  readonly note: string;
  /** Where it is printed; null when the file read has no provenance columns (an older copy). */
  readonly source: PrintedCell | null;
}

/** One table of bijlage 3b: what its caption says. */
export interface PublishedTable {
  readonly table: number;
  readonly content: "descriptives" | "models";
  readonly outcome: PublishedOutcome;
  readonly year: number;
  readonly nIndividuals: number;
  /** null for Tabel 1-4, whose captions print no number of locations or institutions. */
  readonly nLocations: number | null;
  readonly nInstitutions: number | null;
  /** 1-based line of bijlage-3b.txt where the caption starts. */
  readonly line: number;
  /** The caption as printed, whitespace runs collapsed to one space. */
  readonly caption: string;
}

/**
 * The folder holding published-descriptives.csv and published-models.csv. `env` is the value of
 * KANSEN_REFERENCE_DIR and `repo` the repository root; both are parameters so the search can be tested.
 */
export function referenceDir(env: string | undefined = process.env["KANSEN_REFERENCE_DIR"], repo: string = REPO_ROOT): string {
  if (env !== undefined && env !== "") {
    // An explicit folder is never silently replaced by another one.
    const dir = resolve(env);
    const missing = REFERENCE_FILES.filter((f) => !existsSync(join(dir, f)));
    if (missing.length > 0) {
      throw new Error(`KANSEN_REFERENCE_DIR=${env}: the folder ${dir} does not hold ${missing.join(" nor ")}`);
    }
    return dir;
  }
  const dir = join(repo, ...REFERENCE_SUBDIR);
  const missing = REFERENCE_FILES.filter((f) => !existsSync(join(dir, f)));
  if (missing.length > 0) {
    throw new Error(`the repository's published numbers are incomplete: ${dir} does not hold ${missing.join(" nor ")}; restore them from git or set KANSEN_REFERENCE_DIR`);
  }
  return dir;
}

/** A plain decimal number as the reference CSVs print it (no hex, no blanks, no "NA"). */
const DECIMAL = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;

/** Typed access to the cells of one data row; every failure names file, row, line, column and value. */
interface RowCells {
  text(column: string): string;
  /** Whether the file's header has this column. */
  has(column: string): boolean;
  number(column: string): number;
  /** null for an empty cell. */
  optionalNumber(column: string): number | null;
  oneOf<T extends string>(column: string, allowed: readonly T[]): T;
}

/** The rows of a reference CSV, after checking that its header has every column the reader needs. */
function rowsOf(records: CsvRecords, required: readonly string[]): RowCells[] {
  const { file, header } = records;
  const index = new Map(header.map((name, j) => [name, j]));
  const absent = required.filter((c) => !index.has(c));
  if (absent.length > 0) {
    throw new CsvError(
      `${file}: the header lacks column${absent.length === 1 ? "" : "s"} ${absent.map((c) => JSON.stringify(c)).join(", ")}`,
      file, 0, 1, absent[0],
    );
  }
  return records.rows.map((fields, r) => {
    const row = r + 1;
    const line = records.lineOfRow[r] ?? 0;
    const fail = (column: string, value: string, what: string): CsvError =>
      new CsvError(`${file}: data row ${row} (line ${line}), column ${JSON.stringify(column)}: ${what}`, file, row, line, column, value);
    const text = (column: string): string => fields[index.get(column) ?? -1] ?? "";
    const optionalNumber = (column: string): number | null => {
      const value = text(column);
      if (value === "") return null;
      if (!DECIMAL.test(value)) throw fail(column, value, `${JSON.stringify(value)} is not a number`);
      return Number(value);
    };
    return {
      text,
      has: (column: string) => index.has(column),
      optionalNumber,
      number(column: string): number {
        const x = optionalNumber(column);
        if (x === null) throw fail(column, "", "a number is required, the cell is empty");
        return x;
      },
      oneOf<T extends string>(column: string, allowed: readonly T[]): T {
        const value = text(column);
        const hit = allowed.find((a) => a === value);
        if (hit === undefined) throw fail(column, value, `${JSON.stringify(value)} is not one of ${allowed.join(", ")}`);
        return hit;
      },
    };
  });
}

const OUTCOMES: readonly PublishedOutcome[] = ["doorstroom", "vsv"];
const PARTS: readonly PublishedPart[] = ["fixed", "random", "diagnostic"];
const BOOLEANS = ["true", "false"] as const;

const DESCRIPTIVE_COLUMNS = ["table", "outcome", "year", "n", "group", "category", "is_reference", "mean", "sd", "min", "max"];
const MODEL_COLUMNS = [
  "table", "outcome", "year", "n_individuals", "n_locations", "n_institutions",
  "part", "group", "category", "model", "estimate", "se", "ame", "note",
];
const TABLE_COLUMNS = [
  "table", "content", "outcome", "year", "n_individuals", "n_locations", "n_institutions", "source_line", "printed_caption",
];
const CONTENTS = ["descriptives", "models"] as const;

/** Tabel 1-4, every published cell. */
export function loadPublishedDescriptives(dir: string = referenceDir()): PublishedDescriptive[] {
  return rowsOf(readCsvRecords(join(dir, DESCRIPTIVES_FILE)), DESCRIPTIVE_COLUMNS).map((c) => ({
    table: c.number("table"),
    outcome: c.oneOf("outcome", OUTCOMES),
    year: c.number("year"),
    n: c.number("n"),
    group: c.text("group"),
    category: c.text("category"),
    isReference: c.oneOf("is_reference", BOOLEANS) === "true",
    mean: c.number("mean"),
    sd: c.optionalNumber("sd"),
    min: c.number("min"),
    max: c.number("max"),
    source: c.has("source_line")
      ? { line: c.number("source_line"), label: c.text("printed_row"), cells: c.text("printed_cells") }
      : null,
    note: c.text("note"),
  }));
}

/** Tabel 5-8, every published cell. */
export function loadPublishedModels(dir: string = referenceDir()): PublishedModelCell[] {
  return rowsOf(readCsvRecords(join(dir, MODELS_FILE)), MODEL_COLUMNS).map((c) => ({
    table: c.number("table"),
    outcome: c.oneOf("outcome", OUTCOMES),
    year: c.number("year"),
    nIndividuals: c.number("n_individuals"),
    nLocations: c.number("n_locations"),
    nInstitutions: c.number("n_institutions"),
    part: c.oneOf("part", PARTS),
    group: c.text("group"),
    category: c.text("category"),
    model: c.text("model"),
    estimate: c.number("estimate"),
    se: c.optionalNumber("se"),
    ame: c.optionalNumber("ame"),
    ameText: c.text("ame"),
    note: c.text("note"),
    source: c.has("source_line")
      ? { line: c.number("source_line"), label: c.text("printed_row"), cell: c.text("printed_cell"), ame: c.text("printed_ame") }
      : null,
  }));
}

/** The eight tables' captions: frame, N's and where each caption is printed. */
export function loadPublishedTables(dir: string = referenceDir()): PublishedTable[] {
  return rowsOf(readCsvRecords(join(dir, TABLES_FILE)), TABLE_COLUMNS).map((c) => ({
    table: c.number("table"),
    content: c.oneOf("content", CONTENTS),
    outcome: c.oneOf("outcome", OUTCOMES),
    year: c.number("year"),
    nIndividuals: c.number("n_individuals"),
    nLocations: c.optionalNumber("n_locations"),
    nInstitutions: c.optionalNumber("n_institutions"),
    line: c.number("source_line"),
    caption: c.text("printed_caption"),
  }));
}
