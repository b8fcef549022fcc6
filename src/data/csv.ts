/**
 * A byte-level CSV reader (RFC 4180) into typed columns.
 *
 * The file is read once as a Buffer and tokenised in place: a field is a byte range [start, end) of
 * that buffer, so a number is parsed straight from its bytes and never becomes a JS string. Text
 * fields are decoded once per distinct value (interned per column) while a column has few distinct
 * values (codes such as BOL/BBL/EX, institution and location codes), so 1.36 million rows of
 * `leerweg_2019` share three strings instead of holding 1.36 million.
 *
 * Grammar (RFC 4180): records end in LF or CRLF (a lone CR is accepted too); fields are separated by
 * commas; a field that starts with `"` runs to the next `"` not followed by another `"` and may hold
 * commas, line breaks and `""` (an escaped quote). The first record is the header. A UTF-8 byte order
 * mark is skipped. A blank line at the end of the file is ignored; every record must have exactly as
 * many fields as the header.
 *
 * Three entry points:
 *  - `readCsvRecords(path)` / `parseCsvRecords(text, file)`: a small CSV as its header and rows of strings,
 *    every value as written (the reference CSVs, run comparison, round-trip tests).
 *  - `readCsvTable(path)`: any CSV, each column inferred (all values numeric or missing -> Float64Array
 *    with NaN for missing; otherwise string[] with null for missing). Used by the GLMM CLI.
 *  - `readCsvColumns(path, spec)`: schema-driven; the caller says which columns are numbers and which
 *    are text and what the missing-value codes are. Values that do not parse as the declared type are
 *    collected as issues (not thrown), so a validator can report all of them at once.
 * Structural errors (ragged rows, an unterminated quote, a duplicate or empty header name) throw a
 * `CsvError` naming file, data row, line, column and value.
 */
import { readFileSync } from "node:fs";
import type { ColumnTable } from "../model/types";

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;

/**
 * What kind of structural problem a `CsvError` is, so a validator can name the rule:
 *  - "empty": no header row at all (0 bytes, or only a byte order mark or blank lines);
 *  - "delimiter": the header is one field holding semicolons or tabs (another delimiter than the comma);
 *  - "quote": a quoted field that is never closed, or closed somewhere that breaks the record;
 *  - "fields": a record with more or fewer fields than the header;
 *  - "header": a header name that is empty or repeated;
 *  - "read": the file cannot be read.
 */
export type CsvErrorKind = "empty" | "delimiter" | "quote" | "fields" | "header" | "read";

/** A structural error in a CSV file, with its position. `row` is the 1-based data row (header = 0). */
export class CsvError extends Error {
  constructor(
    message: string,
    readonly file: string,
    readonly row: number,
    readonly line: number,
    readonly column?: string,
    readonly value?: string,
    readonly kind: CsvErrorKind = "fields",
  ) {
    super(message);
    this.name = "CsvError";
  }
}

/** Position of the record being tokenised, shared with the field callbacks (no allocation per cell). */
interface RecordCursor {
  /** 1-based data row of the current record (0 while reading the header). */
  row: number;
  /** 1-based physical line where the current record starts. */
  line: number;
}

/**
 * The fields of the current record: byte range [start[j], end[j]) of column j, and how it was written
 * (quoting[j]: 0 unquoted, 1 quoted, 2 quoted and containing escaped `""`). Reused for every record, so
 * the tokeniser allocates nothing per field and the consumer loops over columns without a call per cell.
 */
interface RecordFields {
  readonly start: Int32Array;
  readonly end: Int32Array;
  readonly quoting: Uint8Array;
}

function recordFields(ncols: number): RecordFields {
  return { start: new Int32Array(ncols), end: new Int32Array(ncols), quoting: new Uint8Array(ncols) };
}

function preview(buf: Buffer, start: number, end: number): string {
  const s = buf.toString("utf8", start, Math.min(end, start + 60));
  return end - start > 60 ? s + "..." : s;
}

/** A column's name for a message: its header name, or its position when the header has fewer fields. */
function columnName(header: readonly string[], col: number): string {
  return JSON.stringify(header[col] ?? `#${col + 1}`);
}

/**
 * Tokenise records from `offset` on. Fills `fields` with the `ncols` fields of each record and calls
 * `onRecord` after each record. Returns the number of data records.
 *
 * An unbalanced quote shows itself far from where it is: the quoted field swallows line breaks and
 * commas until some later quote closes it, and only then does the record break (text after the closing
 * quote, too many fields) or the file end. So every error of a record that holds a quoted field running
 * over a line break names the line where that quote opened, and says "quote".
 */
function tokenize(
  buf: Buffer,
  offset: number,
  firstLine: number,
  file: string,
  header: readonly string[],
  cursor: RecordCursor,
  fields: RecordFields,
  onRecord: () => void,
): number {
  const fieldStart = fields.start;
  const fieldEnd = fields.end;
  const fieldQuoting = fields.quoting;
  const n = buf.length;
  const ncols = header.length;
  let pos = offset;
  let line = firstLine;
  let row = 0;
  while (pos < n) {
    const recordStart = pos;
    row++;
    cursor.row = row;
    cursor.line = line;
    let col = 0;
    let blank = false;
    // The first quoted field of this record that ran over a line break: its column and opening line.
    let spanCol = -1;
    let spanLine = 0;
    for (;;) {
      let start: number;
      let end: number;
      let quoting = 0;
      if (pos < n && buf[pos] === QUOTE) {
        const openLine = line;
        pos++;
        start = pos;
        quoting = 1;
        for (;;) {
          if (pos >= n) {
            throw new CsvError(
              `${file}: unterminated quote in data row ${row}, column ${columnName(header, col)}: the quote opened on line ${openLine} ` +
                `is never closed (the file ends inside it; the quoted text starts ${JSON.stringify(preview(buf, start, n))})`,
              file, row, openLine, header[col], preview(buf, start, n), "quote",
            );
          }
          const c = buf[pos];
          if (c === QUOTE) {
            if (pos + 1 < n && buf[pos + 1] === QUOTE) {
              quoting = 2;
              pos += 2;
              continue;
            }
            end = pos;
            pos++;
            break;
          }
          if (c === LF) line++;
          pos++;
        }
        if (line > openLine && spanCol < 0) {
          spanCol = col;
          spanLine = openLine;
        }
        if (pos < n) {
          const c = buf[pos];
          if (c !== COMMA && c !== LF && c !== CR) {
            const ch = JSON.stringify(String.fromCharCode(c));
            if (line > openLine) {
              throw new CsvError(
                `${file}: unterminated quote in data row ${row}, column ${columnName(header, col)}: the quote opened on line ${openLine} ` +
                  `is not closed on that line; the quoted text runs on to line ${line}, where a quote followed by ${ch} ends it`,
                file, row, openLine, header[col], preview(buf, start, end), "quote",
              );
            }
            throw new CsvError(
              `${file}: data row ${row} (line ${line}), column ${columnName(header, col)}: ` +
                `unexpected character ${ch} after a closing quote (value ${JSON.stringify(preview(buf, start, end))}); ` +
                `a quote inside a quoted field is written twice ("")`,
              file, row, line, header[col], preview(buf, start, end), "quote",
            );
          }
        }
      } else {
        start = pos;
        while (pos < n) {
          const c = buf[pos];
          if (c === COMMA || c === LF || c === CR) break;
          pos++;
        }
        end = pos;
      }
      if (col < ncols) {
        fieldStart[col] = start;
        fieldEnd[col] = end;
        fieldQuoting[col] = quoting;
      }
      col++;
      if (pos >= n) break;
      const c = buf[pos];
      if (c === COMMA) {
        pos++;
        continue;
      }
      // record terminator: LF, CRLF or a lone CR
      blank = col === 1 && quoting === 0 && end === recordStart;
      pos++;
      if (c === CR && pos < n && buf[pos] === LF) pos++;
      line++;
      break;
    }
    if (col !== ncols) {
      if (blank && onlyLineBreaks(buf, pos)) {
        row--;
        break;
      }
      if (spanCol >= 0) {
        throw new CsvError(
          `${file}: unterminated quote in data row ${row}, column ${columnName(header, spanCol)}: the quote opened on line ${spanLine} ` +
            `runs over line breaks, and the record it swallows has ${col} fields where the header has ${ncols}`,
          file, row, spanLine, header[spanCol], preview(buf, recordStart, pos), "quote",
        );
      }
      const what = col < ncols ? `has ${col} field${col === 1 ? "" : "s"}` : `has ${col} fields`;
      throw new CsvError(
        `${file}: data row ${row} (line ${cursor.line}) ${what} but the header has ${ncols} ` +
          `(${col < ncols ? `missing from column ${JSON.stringify(header[col])} on` : "extra fields after the last column"}); ` +
          `the row starts ${JSON.stringify(preview(buf, recordStart, pos))}`,
        file, row, cursor.line, col < ncols ? header[col] : undefined, preview(buf, recordStart, pos), "fields",
      );
    }
    onRecord();
  }
  return row;
}

function onlyLineBreaks(buf: Buffer, from: number): boolean {
  for (let i = from; i < buf.length; i++) if (buf[i] !== LF && buf[i] !== CR) return false;
  return true;
}

/** Decode a field's bytes to a string (UTF-8), undoing `""` escapes. */
function decodeField(buf: Buffer, start: number, end: number, quoting: number): string {
  const s = buf.toString("utf8", start, end);
  return quoting === 2 ? s.replace(/""/g, '"') : s;
}

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

/**
 * Parse a decimal number from bytes [start, end): optional sign, digits, optional fraction, optional
 * exponent. Returns NaN if the bytes are not a number. With at most 15 significant digits and a decimal
 * exponent of at most 22 in size, m / 10^k (or m * 10^k) is one correctly rounded operation on two
 * exact doubles, so the result equals JavaScript's own `Number(text)`; other inputs go through `Number`.
 */
export function parseNumberBytes(buf: Buffer, start: number, end: number): number {
  let i = start;
  // surrounding spaces are tolerated, as Number() does
  while (i < end && buf[i] === 0x20) i++;
  while (end > i && buf[end - 1] === 0x20) end--;
  if (i >= end) return NaN;
  let negative = false;
  const s0 = buf[i];
  if (s0 === 0x2d || s0 === 0x2b) {
    negative = s0 === 0x2d;
    i++;
  }
  let mantissa = 0;
  let digits = 0;
  let significant = 0;
  let scale = 0;
  while (i < end) {
    const d = buf[i] - 0x30;
    if (d < 0 || d > 9) break;
    if (significant > 0 || d !== 0) significant++;
    mantissa = mantissa * 10 + d;
    digits++;
    i++;
  }
  if (i < end && buf[i] === 0x2e) {
    i++;
    while (i < end) {
      const d = buf[i] - 0x30;
      if (d < 0 || d > 9) break;
      if (significant > 0 || d !== 0) significant++;
      mantissa = mantissa * 10 + d;
      scale--;
      digits++;
      i++;
    }
  }
  if (digits === 0) return NaN;
  if (i < end && (buf[i] === 0x65 || buf[i] === 0x45)) {
    i++;
    let expNegative = false;
    if (i < end && (buf[i] === 0x2d || buf[i] === 0x2b)) {
      expNegative = buf[i] === 0x2d;
      i++;
    }
    let exp = 0;
    let expDigits = 0;
    while (i < end) {
      const d = buf[i] - 0x30;
      if (d < 0 || d > 9) break;
      exp = exp * 10 + d;
      expDigits++;
      i++;
    }
    if (expDigits === 0) return NaN;
    scale += expNegative ? -exp : exp;
  }
  if (i !== end) return NaN;
  let value: number;
  if (significant <= 15 && scale >= -22 && scale <= 22) {
    value = scale < 0 ? mantissa / POW10[-scale] : mantissa * POW10[scale];
  } else {
    value = Number(buf.toString("latin1", start, end));
  }
  return negative ? -value : value;
}

/**
 * The one spelling a number of the data schemas may have (data-schema/README.md, "Numbers"): an integer
 * is an optional "-" and the digits 0-9; a number may add a "." and more digits. Nothing else: no "+",
 * no spaces, no exponent (`1e1`), no decimal point in an integer (`17.0`), no hexadecimal (`0x11`), no
 * decimal comma or thousands separator, no `NA`/`NaN`/`Infinity`. Every statistics package and DUO's
 * exports write numbers this way, so another spelling points at a column that is not what the schema
 * says (a float written into an integer field, a hand edit, a locale), and is reported, not converted.
 */
export function isDecimalSpelling(buf: Buffer, start: number, end: number, integer: boolean): boolean {
  let i = start;
  if (i < end && buf[i] === 0x2d) i++;
  const digits = i;
  while (i < end && buf[i] >= 0x30 && buf[i] <= 0x39) i++;
  if (i === digits) return false;
  if (i === end) return true;
  if (integer || buf[i] !== 0x2e) return false;
  i++;
  const fraction = i;
  while (i < end && buf[i] >= 0x30 && buf[i] <= 0x39) i++;
  return i > fraction && i === end;
}

/**
 * Interns the strings of one text column: a distinct byte sequence is decoded once. Gives up (and
 * decodes every field) once a column has more than `limit` distinct values, e.g. student ids, so the
 * table does not grow without bound.
 */
class StringInterner {
  /** Fields of at most 6 bytes, keyed exactly by their bytes packed into one number. */
  private readonly short = new Map<number, string>();
  /** Fields of 7-12 bytes, keyed exactly by two packed numbers. */
  private readonly medium = new Map<number, Map<number, string>>();
  /** Longer fields, keyed by a hash and confirmed by comparing bytes. */
  private readonly long = new Map<number, { bytes: Uint8Array; value: string }[]>();
  private distinct = 0;
  private active = true;
  constructor(private readonly limit: number) {}

  get(buf: Buffer, start: number, end: number, quoting: number): string {
    if (!this.active || quoting === 2) return decodeField(buf, start, end, quoting);
    const len = end - start;
    if (len <= 6) {
      // key = 1 + bytes in base 256, plus the length so "" and "\0" differ: exact, below 2^53
      let key = len;
      for (let i = start; i < end; i++) key = key * 256 + buf[i];
      const hit = this.short.get(key);
      if (hit !== undefined) return hit;
      const value = decodeField(buf, start, end, quoting);
      if (this.admit()) this.short.set(key, value);
      return value;
    }
    if (len <= 12) {
      // two exact keys: the first 6 bytes, and the length with the remaining bytes (location codes)
      let k1 = 0;
      for (let i = start; i < start + 6; i++) k1 = k1 * 256 + buf[i];
      let k2 = len;
      for (let i = start + 6; i < end; i++) k2 = k2 * 256 + buf[i];
      let inner = this.medium.get(k1);
      const hit = inner?.get(k2);
      if (hit !== undefined) return hit;
      const value = decodeField(buf, start, end, quoting);
      if (this.admit()) {
        if (inner === undefined) {
          inner = new Map<number, string>();
          this.medium.set(k1, inner);
        }
        inner.set(k2, value);
      }
      return value;
    }
    if (len > 64) return decodeField(buf, start, end, quoting);
    // FNV-1a hash of the bytes, mixed with the length
    let h = 0x811c9dc5 ^ len;
    for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i], 0x01000193);
    const bucket = this.long.get(h);
    if (bucket !== undefined) {
      for (const entry of bucket) {
        const bytes = entry.bytes;
        if (bytes.length !== len) continue;
        let i = 0;
        while (i < len && bytes[i] === buf[start + i]) i++;
        if (i === len) return entry.value;
      }
    }
    const value = decodeField(buf, start, end, quoting);
    if (this.admit()) {
      const entry = { bytes: Uint8Array.from(buf.subarray(start, end)), value };
      if (bucket !== undefined) bucket.push(entry);
      else this.long.set(h, [entry]);
    }
    return value;
  }

  /** Count a new distinct value; past the limit, stop interning (e.g. a column of unique ids). */
  private admit(): boolean {
    if (++this.distinct <= this.limit) return true;
    this.active = false;
    this.short.clear();
    this.medium.clear();
    this.long.clear();
    return false;
  }
}

/**
 * Missing-value codes as byte strings, for comparing a field without decoding it. The comparison is a
 * loop over a few bytes in JavaScript (a field is first told apart by its length): it runs once per
 * cell, where a call into Buffer.compare per cell cost more than parsing the number.
 */
class MissingCodes {
  private readonly codes: Uint8Array[];
  private readonly emptyIsMissing: boolean;
  /** Per byte length up to 63: whether some code has that length (most fields are ruled out here). */
  private readonly lengths = new Uint8Array(64);
  constructor(codes: readonly string[]) {
    this.emptyIsMissing = codes.includes("");
    this.codes = codes.filter((c) => c !== "").map((c) => Uint8Array.from(Buffer.from(c, "utf8")));
    for (const code of this.codes) this.lengths[Math.min(code.length, 63)] = 1;
  }
  isMissing(buf: Buffer, start: number, end: number): boolean {
    const len = end - start;
    if (len === 0) return this.emptyIsMissing;
    if (this.lengths[len < 63 ? len : 63] === 0) return false;
    for (const code of this.codes) {
      if (code.length !== len) continue;
      let i = 0;
      while (i < len && code[i] === buf[start + i]) i++;
      if (i === len) return true;
    }
    return false;
  }
}

interface ParsedHeader {
  header: string[];
  /** Byte offset of the first data record. */
  offset: number;
  /** Physical line number of the first data record. */
  line: number;
}

/** True if bytes [from, end of buffer) are only spaces, tabs and line breaks. */
function onlyBlank(buf: Buffer, from: number): boolean {
  for (let i = from; i < buf.length; i++) {
    const c = buf[i];
    if (c !== LF && c !== CR && c !== 0x20 && c !== 0x09) return false;
  }
  return true;
}

/**
 * The header record. Stops with a `CsvError` naming the file when there is no header (an empty file),
 * when its quote is never closed, when a name is empty or repeated, and when the header is one field
 * holding semicolons or tabs: a file with another delimiter (Dutch Excel writes ";" by default), which
 * would otherwise surface as one unknown column and a field-count error on every row.
 */
function parseHeader(buf: Buffer, file: string): ParsedHeader {
  let offset = 0;
  if (buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) offset = 3;
  if (offset >= buf.length) {
    throw new CsvError(
      `${file}: the file is empty (${buf.length === 0 ? "0 bytes" : "only a byte order mark"}): a header row and data rows are expected`,
      file, 0, 1, undefined, undefined, "empty",
    );
  }
  if (onlyBlank(buf, offset)) {
    throw new CsvError(`${file}: the file is empty (${buf.length} bytes of blank lines and spaces): a header row and data rows are expected`, file, 0, 1, undefined, undefined, "empty");
  }
  const names: string[] = [];
  const cursor: RecordCursor = { row: 0, line: 1 };
  // Tokenise exactly one record with an open-ended column count: find its end first.
  let pos = offset;
  let inQuotes = false;
  let openLine = 1;
  let line = 1;
  while (pos < buf.length) {
    const c = buf[pos];
    if (c === QUOTE) {
      inQuotes = !inQuotes;
      if (inQuotes) openLine = line;
    } else if (!inQuotes && (c === LF || c === CR)) break;
    else if (c === LF) line++;
    pos++;
  }
  if (inQuotes) {
    throw new CsvError(`${file}: unterminated quote in the header row: the quote opened on line ${openLine} is never closed (the file ends inside it)`, file, 0, openLine, undefined, undefined, "quote");
  }
  const headerEnd = pos;
  if (pos < buf.length) {
    if (buf[pos] === CR && pos + 1 < buf.length && buf[pos + 1] === LF) pos += 2;
    else pos++;
    line++;
  }
  // Count header fields by a tokenisation pass over the header bytes only.
  const headerBuf = buf.subarray(offset, headerEnd);
  let ncols = 1;
  inQuotes = false;
  for (let i = 0; i < headerBuf.length; i++) {
    if (headerBuf[i] === QUOTE) inQuotes = !inQuotes;
    else if (!inQuotes && headerBuf[i] === COMMA) ncols++;
  }
  const placeholder = Array.from({ length: ncols }, (_, i) => `#${i + 1}`);
  const hf = recordFields(ncols);
  tokenize(headerBuf, 0, 1, file, placeholder, cursor, hf, () => {
    for (let j = 0; j < ncols; j++) names.push(decodeField(headerBuf, hf.start[j], hf.end[j], hf.quoting[j]).trim());
  });
  if (names.length === 1 && hf.quoting[0] === 0 && /[;\t]/.test(names[0])) {
    const semicolon = names[0].includes(";");
    throw new CsvError(
      `${file}: the file is separated by ${semicolon ? 'semicolons (";")' : "tabs"}, not by commas: the header ` +
        `${JSON.stringify(preview(headerBuf, 0, headerBuf.length))} reads as one column. The files are comma-separated (RFC 4180)` +
        (semicolon ? `; Dutch Excel writes ";" by default, so convert the file to commas` : ""),
      file, 0, 1, undefined, preview(headerBuf, 0, headerBuf.length), "delimiter",
    );
  }
  const seen = new Map<string, number>();
  names.forEach((name, i) => {
    if (name === "") {
      throw new CsvError(`${file}: header column ${i + 1} has no name`, file, 0, 1, `#${i + 1}`, "", "header");
    }
    const earlier = seen.get(name);
    if (earlier !== undefined) {
      throw new CsvError(
        `${file}: duplicate column name ${JSON.stringify(name)} in the header (columns ${earlier + 1} and ${i + 1})`,
        file, 0, 1, name, name, "header",
      );
    }
    seen.set(name, i);
  });
  return { header: names, offset: pos, line };
}

/** Upper bound on the number of data records: the number of line breaks, plus one. */
function maxRecords(buf: Buffer, offset: number): number {
  let count = 1;
  let i = buf.indexOf(LF, offset);
  while (i !== -1) {
    count++;
    i = buf.indexOf(LF, i + 1);
  }
  let j = buf.indexOf(CR, offset);
  let cr = 1;
  while (j !== -1) {
    cr++;
    j = buf.indexOf(CR, j + 1);
  }
  return Math.max(count, cr);
}

function readBuffer(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new CsvError(`${path}: cannot read the file (${reason})`, path, 0, 0, undefined, undefined, "read");
  }
}

export interface CsvTableOptions {
  /** Field values that mean "missing" (default: the empty field only; R's write.csv writes "NA"). */
  readonly missingValues?: readonly string[];
  /** Columns always read as text, even if every value is numeric (e.g. ids with leading zeros). */
  readonly stringColumns?: readonly string[];
}

export interface CsvTable {
  readonly columns: ColumnTable;
  readonly nrows: number;
  readonly header: readonly string[];
}

/**
 * Read any CSV file into a column table, inferring each column's type: if every non-missing value is a
 * number the column is a Float64Array (NaN = missing), otherwise a string array (null = missing).
 * Pass 1 parses numbers for all columns still believed numeric; a second pass decodes only the columns
 * that turned out to be text.
 */
export function readCsvTable(path: string, options: CsvTableOptions = {}): CsvTable {
  const buf = readBuffer(path);
  const { header, offset, line } = parseHeader(buf, path);
  const ncols = header.length;
  const missing = new MissingCodes(options.missingValues ?? [""]);
  const forcedText = new Set(options.stringColumns ?? []);
  for (const name of forcedText) {
    if (!header.includes(name)) {
      throw new CsvError(`${path}: column ${JSON.stringify(name)} (asked for as text) is not in the header`, path, 0, 1, name);
    }
  }
  const capacity = maxRecords(buf, offset);
  const numbers: (Float64Array | null)[] = header.map((name) => (forcedText.has(name) ? null : new Float64Array(capacity)));
  // Byte ranges of the fields of the columns that are text from the first data row on (codes, ids),
  // one RecordFields per column indexed by data row:
  // kept in pass 1, so that a second tokenising pass is needed only for a column that turned out to be
  // text after its first row (its earlier fields were read as numbers, not kept as text).
  const ranges: (RecordFields | null)[] = numbers.map((num) => (num === null ? recordFields(capacity) : null));
  let lateText = false;
  const cursor: RecordCursor = { row: 0, line };
  const fields = recordFields(ncols);
  const nrows = tokenize(buf, offset, line, path, header, cursor, fields, () => {
    const r = cursor.row - 1;
    for (let j = 0; j < ncols; j++) {
      const target = numbers[j];
      const start = fields.start[j];
      const end = fields.end[j];
      if (target === null) {
        const kept = ranges[j];
        if (kept !== null) {
          kept.start[r] = start;
          kept.end[r] = end;
          kept.quoting[r] = fields.quoting[j];
        }
        continue;
      }
      if (missing.isMissing(buf, start, end)) {
        target[r] = NaN;
        continue;
      }
      const v = parseNumberBytes(buf, start, end);
      if (!Number.isNaN(v)) {
        target[r] = v;
        continue;
      }
      numbers[j] = null;
      if (r === 0) {
        const kept = recordFields(capacity);
        kept.start[0] = start;
        kept.end[0] = end;
        kept.quoting[0] = fields.quoting[j];
        ranges[j] = kept;
      } else {
        lateText = true;
      }
    }
  });

  const textCols: number[] = [];
  for (let j = 0; j < ncols; j++) if (numbers[j] === null) textCols.push(j);
  const strings: ((string | null)[] | null)[] = header.map(() => null);
  if (textCols.length > 0) {
    const interners = header.map(() => new StringInterner(50000));
    for (const j of textCols) strings[j] = new Array<string | null>(nrows).fill(null);
    const decode = (j: number, r: number, start: number, end: number, quoting: number): void => {
      (strings[j] as (string | null)[])[r] = missing.isMissing(buf, start, end) ? null : interners[j].get(buf, start, end, quoting);
    };
    if (!lateText) {
      for (const j of textCols) {
        const kept = ranges[j] as RecordFields;
        for (let r = 0; r < nrows; r++) decode(j, r, kept.start[r], kept.end[r], kept.quoting[r]);
      }
    } else {
      tokenize(buf, offset, line, path, header, cursor, fields, () => {
        const r = cursor.row - 1;
        for (const j of textCols) decode(j, r, fields.start[j], fields.end[j], fields.quoting[j]);
      });
    }
  }
  const columns: Record<string, Float64Array | (string | null)[]> = {};
  for (let j = 0; j < ncols; j++) {
    const num = numbers[j];
    const str = strings[j];
    columns[header[j]] = num !== null ? num.slice(0, nrows) : (str as (string | null)[]);
  }
  return { columns, nrows, header };
}

/** How the schema-driven reader stores one column. */
export interface CsvColumnSpec {
  /**
   * "number" and "integer": Float64Array (NaN = missing), each value written in its plain decimal
   * spelling (see `isDecimalSpelling`); "string": text (null = missing).
   */
  readonly type: "number" | "integer" | "string";
  /** Codes meaning missing for this column (default [""]). */
  readonly missingValues?: readonly string[];
}

/** A value that could not be read as its declared type. */
export interface CsvCellIssue {
  readonly file: string;
  /** 1-based data row. */
  readonly row: number;
  readonly line: number;
  readonly column: string;
  readonly value: string;
  readonly rule: string;
}

export interface CsvColumnsResult {
  readonly file: string;
  readonly header: readonly string[];
  readonly nrows: number;
  /** The columns named in the spec that are present in the header. */
  readonly columns: Readonly<Record<string, Float64Array | (string | null)[]>>;
  /** Physical line where each data row starts (lineOfRow[r - 1] for data row r). */
  readonly lineOfRow: Int32Array;
  /** The first `maxIssues` type issues, in file order. */
  readonly issues: readonly CsvCellIssue[];
  /** Total number of type issues (may exceed issues.length). */
  readonly issueCount: number;
}

export interface CsvColumnsOptions {
  /** How many type issues to keep with full detail (default 1000); all are counted. */
  readonly maxIssues?: number;
  /** Text columns with more distinct values than this are no longer interned (default 50,000). */
  readonly internLimit?: number;
}

/**
 * Schema-driven read: only the columns in `spec` that the header has are stored, each as its declared
 * type; header columns not in the spec are skipped (the validator reports them). A field of a number or
 * integer column that is neither a missing-value code nor written as `isDecimalSpelling` demands becomes
 * NaN and is recorded as an issue ("type: number" / "type: integer").
 */
export function readCsvColumns(
  path: string,
  spec: Readonly<Record<string, CsvColumnSpec>>,
  options: CsvColumnsOptions = {},
): CsvColumnsResult {
  return parseCsvColumns(readBuffer(path), path, spec, options);
}

/** readCsvColumns on bytes already in memory (e.g. the first lines of a file); `path` names them in issues and errors. */
export function parseCsvColumns(
  buf: Buffer,
  path: string,
  spec: Readonly<Record<string, CsvColumnSpec>>,
  options: CsvColumnsOptions = {},
): CsvColumnsResult {
  const { header, offset, line } = parseHeader(buf, path);
  const ncols = header.length;
  const maxIssues = options.maxIssues ?? 1000;
  const internLimit = options.internLimit ?? 50000;
  const capacity = maxRecords(buf, offset);
  const kind = new Int8Array(ncols); // 0 skip, 1 number, 2 string, 3 integer
  const numbers: (Float64Array | null)[] = new Array<Float64Array | null>(ncols).fill(null);
  const strings: ((string | null)[] | null)[] = new Array<(string | null)[] | null>(ncols).fill(null);
  const missing: MissingCodes[] = [];
  const interners: StringInterner[] = [];
  const emptyMissing = new Uint8Array(ncols);
  /** 1 if a missing-value code is all digits (e.g. "999"): then the integer fast path is off. */
  const digitCode = new Uint8Array(ncols);
  for (let j = 0; j < ncols; j++) {
    const s = spec[header[j]];
    const codes = s?.missingValues ?? [""];
    emptyMissing[j] = codes.includes("") ? 1 : 0;
    digitCode[j] = codes.some((c) => /^[0-9]+$/.test(c)) ? 1 : 0;
    missing.push(new MissingCodes(codes));
    interners.push(new StringInterner(internLimit));
    if (s === undefined) continue;
    if (s.type === "number" || s.type === "integer") {
      kind[j] = s.type === "number" ? 1 : 3;
      numbers[j] = new Float64Array(capacity);
    } else {
      kind[j] = 2;
      strings[j] = new Array<string | null>(capacity).fill(null);
    }
  }
  const lineOfRow = new Int32Array(capacity);
  const issues: CsvCellIssue[] = [];
  let issueCount = 0;
  const cursor: RecordCursor = { row: 0, line };
  const numberCols: number[] = [];
  const stringCols: number[] = [];
  for (let j = 0; j < ncols; j++) {
    if (kind[j] === 1 || kind[j] === 3) numberCols.push(j);
    else if (kind[j] === 2) stringCols.push(j);
  }
  const fields = recordFields(ncols);
  const fieldStart = fields.start;
  const fieldEnd = fields.end;
  const nrows = tokenize(buf, offset, line, path, header, cursor, fields, () => {
    const r = cursor.row - 1;
    lineOfRow[r] = cursor.line;
    for (let k = 0; k < numberCols.length; k++) {
      const j = numberCols[k];
      const target = numbers[j] as Float64Array;
      const start = fieldStart[j];
      const end = fieldEnd[j];
      if (start === end) {
        if (emptyMissing[j] === 1) {
          target[r] = NaN;
          continue;
        }
      } else if (end - start <= 15 && digitCode[j] === 0) {
        // fast path: a plain unsigned integer of at most 15 digits is exact as a double
        let v = 0;
        let i = start;
        for (; i < end; i++) {
          const d = buf[i] - 0x30;
          if (d < 0 || d > 9) break;
          v = v * 10 + d;
        }
        if (i === end) {
          target[r] = v;
          continue;
        }
      }
      if (missing[j].isMissing(buf, start, end)) {
        target[r] = NaN;
        continue;
      }
      const integer = kind[j] === 3;
      const v = isDecimalSpelling(buf, start, end, integer) ? parseNumberBytes(buf, start, end) : NaN;
      target[r] = v;
      if (Number.isNaN(v)) {
        issueCount++;
        if (issues.length < maxIssues) {
          issues.push({
            file: path, row: cursor.row, line: cursor.line, column: header[j],
            value: decodeField(buf, start, end, fields.quoting[j]), rule: integer ? "type: integer" : "type: number",
          });
        }
      }
    }
    for (let k = 0; k < stringCols.length; k++) {
      const j = stringCols[k];
      const start = fieldStart[j];
      const end = fieldEnd[j];
      if (!((start === end && emptyMissing[j] === 1) || missing[j].isMissing(buf, start, end))) {
        (strings[j] as (string | null)[])[r] = interners[j].get(buf, start, end, fields.quoting[j]);
      }
    }
  });
  const columns: Record<string, Float64Array | (string | null)[]> = {};
  for (let j = 0; j < ncols; j++) {
    if (kind[j] === 1 || kind[j] === 3) columns[header[j]] = (numbers[j] as Float64Array).slice(0, nrows);
    else if (kind[j] === 2) {
      const col = strings[j] as (string | null)[];
      col.length = nrows;
      columns[header[j]] = col;
    }
  }
  return { file: path, header, nrows, columns, lineOfRow: lineOfRow.slice(0, nrows), issues, issueCount };
}

/** A small CSV as text: the header, every data row as written, and the line each row starts on. */
export interface CsvRecords {
  readonly file: string;
  readonly header: string[];
  readonly rows: string[][];
  /** Physical line where each data row starts (lineOfRow[r - 1] for data row r). */
  readonly lineOfRow: number[];
}

/**
 * Parse CSV text into its header and rows of strings, with the same grammar and the same `CsvError`s
 * as the column readers (ragged rows, an unterminated quote, duplicate or empty header names). Meant
 * for small files: every field becomes a string. `file` names the source in errors.
 */
export function parseCsvRecords(text: string | Buffer, file: string): CsvRecords {
  const buf = typeof text === "string" ? Buffer.from(text, "utf8") : text;
  const { header, offset, line } = parseHeader(buf, file);
  const ncols = header.length;
  const rows: string[][] = [];
  const lineOfRow: number[] = [];
  const cursor: RecordCursor = { row: 0, line };
  const fields = recordFields(ncols);
  tokenize(buf, offset, line, file, header, cursor, fields, () => {
    const row = new Array<string>(ncols);
    for (let j = 0; j < ncols; j++) row[j] = decodeField(buf, fields.start[j], fields.end[j], fields.quoting[j]);
    rows.push(row);
    lineOfRow.push(cursor.line);
  });
  return { file, header, rows, lineOfRow };
}

/** Read a small CSV file into its header and rows of strings (see `parseCsvRecords`). */
export function readCsvRecords(path: string): CsvRecords {
  return parseCsvRecords(readBuffer(path), path);
}
