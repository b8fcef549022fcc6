/**
 * Reads a raw data folder (studenten.csv, vsv.csv, crebo.csv; data-schema/README.md) and validates all
 * three files against their schemas before anything is computed from them. If any rule is broken, a
 * `DataValidationError` listing every violation (file, row, column, value, rule) is thrown, so no frame,
 * table or fit is ever made from data that breaks its contract.
 */
import { closeSync, existsSync, openSync, readSync } from "node:fs";
import { join } from "node:path";
import { CsvError, parseCsvColumns, readCsvColumns, type CsvColumnsResult, type CsvErrorKind } from "./csv";
import { csvSpecOf, loadTableSchema, type TableSchema } from "./schema";
import { DataValidationError, ViolationLog, checkForeignKey, validateTable } from "./validate";

/** One raw file as typed columns: numbers as Float64Array (NaN = missing), text as strings (null = missing). */
export interface RawTable {
  readonly file: string;
  readonly nrows: number;
  readonly columns: Readonly<Record<string, Float64Array | (string | null)[]>>;
  /** Physical line of each data row, for messages that point back into the file. */
  readonly lineOfRow: Int32Array;
}

export interface RawData {
  readonly dir: string;
  readonly studenten: RawTable;
  readonly vsv: RawTable;
  readonly crebo: RawTable;
}

export interface LoadOptions {
  /** Folder holding the *.schema.json files (default: the workspace's data-schema/). */
  readonly schemaDir?: string;
  /** Violations kept in full (default 1000; all are counted). */
  readonly keepViolations?: number;
}

const FILES = ["studenten", "vsv", "crebo"] as const;

/** A numeric column of a raw table, or a clear error if the schema made it text. */
export function numberColumn(table: RawTable, name: string): Float64Array {
  const c = table.columns[name];
  if (!(c instanceof Float64Array)) throw new Error(`${table.file}: column ${JSON.stringify(name)} is ${c === undefined ? "absent" : "not numeric"}`);
  return c;
}

/** A text column of a raw table, or a clear error. */
export function stringColumn(table: RawTable, name: string): readonly (string | null)[] {
  const c = table.columns[name];
  if (c === undefined || c instanceof Float64Array) throw new Error(`${table.file}: column ${JSON.stringify(name)} is ${c === undefined ? "absent" : "not text"}`);
  return c;
}

/** The rule of `FILE_RULES` (validate.ts) a structural CSV error breaks. */
const RULE_OF_CSV_ERROR: Readonly<Record<CsvErrorKind, string>> = {
  empty: "empty file",
  delimiter: "delimiter",
  quote: "quote",
  fields: "CSV syntax (RFC 4180)",
  header: "CSV syntax (RFC 4180)",
  read: "file present",
};

/**
 * Read one file by its schema. A structural problem (missing, unreadable or empty file, another
 * delimiter, a broken quote, a ragged row) is one violation whose text is the reader's own sentence,
 * naming the file and, where there is one, the row and line; the file is then not read further.
 */
function readOne(path: string, schema: TableSchema, log: ViolationLog): CsvColumnsResult | null {
  if (!existsSync(path)) {
    log.add({
      file: path, row: 0, line: 0, column: "", value: "", rule: "file present",
      detail: `${path}: the file is missing; a data folder holds studenten.csv, vsv.csv and crebo.csv (data-schema/README.md)`,
    });
    return null;
  }
  try {
    return readCsvColumns(path, csvSpecOf(schema), { maxIssues: log.keep });
  } catch (err) {
    if (err instanceof CsvError) {
      log.add({ file: path, row: err.row, line: err.line, column: err.column ?? "", value: err.value ?? "", rule: RULE_OF_CSV_ERROR[err.kind], detail: err.message });
      return null;
    }
    throw err;
  }
}

/**
 * Read and validate a raw data folder. Throws `DataValidationError` with every violation found in any
 * of the three files (structural CSV errors stop the reading of that file only).
 */
export function loadRawData(dir: string, options: LoadOptions = {}): RawData {
  const log = new ViolationLog(options.keepViolations ?? 1000);
  const schemas = Object.fromEntries(FILES.map((f) => [f, loadTableSchema(f, options.schemaDir)])) as Record<(typeof FILES)[number], TableSchema>;
  const tables: Partial<Record<(typeof FILES)[number], CsvColumnsResult>> = {};
  for (const f of FILES) {
    const t = readOne(join(dir, `${f}.csv`), schemas[f], log);
    if (t === null) continue;
    if (t.nrows === 0) {
      // Every file needs rows: without students, vsv rows or crebo codes no frame can be built.
      log.add({
        file: t.file, row: 0, line: 1, column: "", value: "", rule: "no data rows",
        detail: `${t.file}: the file has a header but no data rows; ${f}.csv needs at least one (data-schema/${f}.schema.json)`,
      });
    }
    validateTable(t, schemas[f], log);
    tables[f] = t;
  }
  // Foreign keys between the files, as the schemas declare them; not against a file that could not be
  // read or has no rows (already reported: one line, not one per row of the other file).
  for (const f of FILES) {
    const child = tables[f];
    if (child === undefined) continue;
    for (const fk of schemas[f].foreignKeys ?? []) {
      const parent = tables[fk.reference.resource as (typeof FILES)[number]];
      if (parent === undefined || parent.nrows === 0) continue;
      fk.fields.forEach((field, k) => checkForeignKey(child, field, parent, fk.reference.fields[k], log));
    }
  }
  if (log.total > 0) throw new DataValidationError(log.kept, log.total);
  return {
    dir,
    studenten: asRaw(tables.studenten as CsvColumnsResult),
    vsv: asRaw(tables.vsv as CsvColumnsResult),
    crebo: asRaw(tables.crebo as CsvColumnsResult),
  };
}

/**
 * The first `n` data rows of a raw file of `dir`, read from the start of the file only (at most
 * `maxBytes`, cut at the last complete line) and typed by its schema as loadRawData types them (numbers
 * as Float64Array, NaN for a missing code; text as strings, null for a missing code): for showing the
 * file's first rows without reading and validating all of it again, when the frames were built from
 * the validated file earlier (the frame cache is keyed on its content). `nrows` counts the rows read.
 */
export function readRawHead(dir: string, name: (typeof FILES)[number], n: number, options: { readonly schemaDir?: string; readonly maxBytes?: number } = {}): RawTable {
  const path = join(dir, `${name}.csv`);
  const maxBytes = options.maxBytes ?? 1 << 20;
  const fd = openSync(path, "r");
  let buf: Buffer;
  try {
    buf = Buffer.alloc(maxBytes);
    buf = buf.subarray(0, readSync(fd, buf, 0, maxBytes, 0));
  } finally {
    closeSync(fd);
  }
  const complete = buf.length < maxBytes ? buf : buf.subarray(0, buf.lastIndexOf(0x0a) + 1);
  // The same typed reader as loadRawData's (readCsvColumns), on the bytes read.
  const table = asRaw(parseCsvColumns(complete, path, csvSpecOf(loadTableSchema(name, options.schemaDir))));
  const rows = Math.min(n, table.nrows);
  const columns = Object.fromEntries(Object.entries(table.columns).map(([column, values]) => [column, values.slice(0, rows)]));
  return { file: path, nrows: rows, columns, lineOfRow: table.lineOfRow.slice(0, rows) };
}

/** A typed CSV read as a raw table (its type issues are the validator's, already reported or not asked for). */
function asRaw(t: CsvColumnsResult): RawTable {
  return { file: t.file, nrows: t.nrows, columns: t.columns, lineOfRow: t.lineOfRow };
}
