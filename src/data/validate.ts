/**
 * Checks a raw table, as read by `readCsvColumns`, against its Table Schema: header (unknown and missing
 * columns), types, `required`, `enum`, `minimum`/`maximum`, `pattern`, `maxLength`, `unique`, the
 * primary key, foreign keys between files, and the schema's row rules (`x-rowRules`). Every violation is
 * collected with file, row, line, column, value and rule; nothing stops at the first one.
 */
import type { CsvColumnsResult } from "./csv";
import type { SchemaField, TableSchema } from "./schema";

export interface Violation {
  readonly file: string;
  /** 1-based data row; 0 for a problem with the file or its header. */
  readonly row: number;
  /** Physical line of the row in the file (1 = header); 0 if not applicable. */
  readonly line: number;
  readonly column: string;
  readonly value: string;
  /** The rule broken, as the schema names it: "enum", "minimum", "foreignKey", "type: integer", ... */
  readonly rule: string;
  /** What the rule demands, e.g. "one of BOL, BBL, EX". */
  readonly detail: string;
}

/**
 * Rules about a whole file rather than one of its cells: a missing or unreadable file, an empty one, a
 * header without data rows, another delimiter, a broken CSV structure. The reader stops at them, and a
 * file that breaks one is not checked against other files (a header-only studenten.csv gives one line,
 * not a foreign-key error for every row of vsv.csv), so they lead the report.
 */
export const FILE_RULES: ReadonlySet<string> = new Set(["file present", "empty file", "no data rows", "delimiter", "quote", "CSV syntax (RFC 4180)"]);

/**
 * Collects violations: keeps the first `keep` in full and counts all of them. Violations of a
 * `FILE_RULES` rule are always kept (there is at most one per file), so a cap reached in one file cannot
 * hide that another file is empty.
 */
export class ViolationLog {
  readonly kept: Violation[] = [];
  total = 0;
  constructor(readonly keep: number = 1000) {}
  add(v: Violation): void {
    this.total++;
    if (this.kept.length < this.keep || FILE_RULES.has(v.rule)) this.kept.push(v);
  }
}

/**
 * The violations in the order a reader should meet them: whole-file problems first (they explain the
 * rest), then per file (in the order the files were read) the header's, then row by row as the file
 * runs; within a row, in the order they were found.
 */
export function orderViolations(violations: readonly Violation[]): Violation[] {
  const fileOrder = new Map<string, number>();
  for (const v of violations) if (!fileOrder.has(v.file)) fileOrder.set(v.file, fileOrder.size);
  const rank = violations.map((v, i) => ({ v, i, whole: FILE_RULES.has(v.rule) ? 0 : 1, file: fileOrder.get(v.file) ?? 0 }));
  rank.sort((a, b) => a.whole - b.whole || (a.whole === 0 ? a.i - b.i : a.file - b.file || a.v.row - b.v.row || a.i - b.i));
  return rank.map((r) => r.v);
}

/** Thrown when input files break their schema; nothing downstream has been computed or written. */
export class DataValidationError extends Error {
  readonly violations: readonly Violation[];
  constructor(
    violations: readonly Violation[],
    readonly total: number,
  ) {
    const ordered = orderViolations(violations);
    super(formatViolations(ordered, total, 50));
    this.name = "DataValidationError";
    this.violations = ordered;
  }
}

/**
 * One violation on one line. A whole-file problem is its own sentence (it starts with the file);
 * any other reads `file: row R (line L), column "C": value "V" breaks rule "RULE" (what the rule demands)`.
 */
export function describeViolation(v: Violation): string {
  if (FILE_RULES.has(v.rule)) return v.detail;
  const where = v.row > 0 ? `row ${v.row} (line ${v.line})` : v.line > 0 ? `line ${v.line}` : "file";
  const value = v.row > 0 || v.value !== "" ? ` value ${JSON.stringify(v.value)}` : "";
  return `${v.file}: ${where}, column ${JSON.stringify(v.column)}:${value} breaks rule "${v.rule}" (${v.detail})`;
}

/**
 * Text for a terminal. The first line is the first violation itself (naming file, row, column, value and
 * rule), so the line a user sees first says what is wrong and where; then the count, and up to `max`
 * violations one per line, then how many were left out.
 */
export function formatViolations(violations: readonly Violation[], total: number, max = 50): string {
  const first = violations[0];
  const count = `data validation failed: ${total} violation${total === 1 ? "" : "s"} of the schemas in data-schema/`;
  if (first === undefined) return count;
  const lines = [describeViolation(first), total > 1 ? `${count}; all of them:` : count];
  if (total > 1) for (const v of violations.slice(0, max)) lines.push("  " + describeViolation(v));
  const shown = total > 1 ? Math.min(max, violations.length) : 1;
  if (total > shown) lines.push(`  ... and ${total - shown} more (showing the first ${shown})`);
  return lines.join("\n");
}

/** CLI form of a validation error (the message with its full list, capped at `max`). */
export function formatValidationError(err: DataValidationError, max = 50): string {
  return formatViolations(err.violations, err.total, max);
}

/**
 * What a value that is not a plain decimal should have been (the reader's "type: integer" and "type:
 * number" issues), with a hint for the usual causes.
 */
export function typeDetail(type: "integer" | "number", value: string): string {
  const rule =
    type === "integer"
      ? 'an integer is written as digits with an optional leading "-" (data-schema/README.md, "Numbers")'
      : 'a number is written as digits with an optional leading "-" and an optional "." with more digits (data-schema/README.md, "Numbers")';
  const v = value.trim();
  let hint = "";
  if (/^(NA|NaN|NULL|null|N\/A|\.|-)$/i.test(v)) hint = "; a missing value is an empty field";
  else if (value !== v) hint = "; no spaces around the value";
  else if (/^-?\d+,\d+$/.test(v)) hint = '; a decimal comma is not allowed, write "."';
  else if (type === "integer" && /^-?\d+\.\d*$/.test(v)) hint = "; a whole number has no decimal point";
  else if (/^[+-]?(\d+\.?\d*|\.\d+)[eE][+-]?\d+$/.test(v)) hint = "; no exponent notation";
  else if (/^\+/.test(v)) hint = '; no "+" sign';
  else if (/^-?0[xX][0-9a-fA-F]+$/.test(v)) hint = "; no hexadecimal";
  return rule + hint;
}

function formatNumber(x: number): string {
  return String(x);
}

/** Check header names against the schema's fields. Returns false if a required column is absent. */
function checkHeader(table: CsvColumnsResult, schema: TableSchema, log: ViolationLog): void {
  const known = new Set(schema.fields.map((f) => f.name));
  table.header.forEach((name, i) => {
    if (!known.has(name)) {
      log.add({ file: table.file, row: 0, line: 1, column: name, value: name, rule: "unknown column", detail: `header column ${i + 1} is not a field of ${schema.name}.schema.json` });
    }
  });
  const present = new Set(table.header);
  for (const f of schema.fields) {
    if (!present.has(f.name)) {
      log.add({ file: table.file, row: 0, line: 1, column: f.name, value: "", rule: "missing column", detail: `${schema.name}.schema.json requires this column in the header` });
    }
  }
}

function checkNumberField(table: CsvColumnsResult, field: SchemaField, col: Float64Array, log: ViolationLog): void {
  const c = field.constraints ?? {};
  const required = c.required === true;
  const integer = field.type === "integer";
  const min = c.minimum ?? -Infinity;
  const max = c.maximum ?? Infinity;
  const allowed = c.enum !== undefined ? new Set(c.enum as readonly number[]) : null;
  const enumText = allowed !== null ? `one of ${[...allowed].join(", ")}` : "";
  const typeIssues = new Set<number>();
  for (const issue of table.issues) if (issue.column === field.name) typeIssues.add(issue.row);
  for (let r = 0; r < col.length; r++) {
    const x = col[r];
    if (x !== x) {
      // NaN: missing, or text that did not parse (reported as a type issue by the reader)
      if (required && !typeIssues.has(r + 1)) {
        log.add({ file: table.file, row: r + 1, line: table.lineOfRow[r], column: field.name, value: "", rule: "required", detail: "a value is required" });
      }
      continue;
    }
    if (integer && !Number.isInteger(x)) {
      log.add({ file: table.file, row: r + 1, line: table.lineOfRow[r], column: field.name, value: formatNumber(x), rule: "type: integer", detail: "a whole number is required" });
      continue;
    }
    if (allowed !== null && !allowed.has(x)) {
      log.add({ file: table.file, row: r + 1, line: table.lineOfRow[r], column: field.name, value: formatNumber(x), rule: "enum", detail: enumText });
      continue;
    }
    if (x < min) log.add({ file: table.file, row: r + 1, line: table.lineOfRow[r], column: field.name, value: formatNumber(x), rule: "minimum", detail: `at least ${min}` });
    else if (x > max) log.add({ file: table.file, row: r + 1, line: table.lineOfRow[r], column: field.name, value: formatNumber(x), rule: "maximum", detail: `at most ${max}` });
  }
}

function checkStringField(table: CsvColumnsResult, field: SchemaField, col: readonly (string | null)[], log: ViolationLog): void {
  const c = field.constraints ?? {};
  const required = c.required === true;
  const allowed = c.enum !== undefined ? new Set(c.enum as readonly string[]) : null;
  const enumText = allowed !== null ? `one of ${[...allowed].join(", ")}` : "";
  const pattern = c.pattern !== undefined ? new RegExp(`^(?:${c.pattern})$`) : null;
  const maxLength = c.maxLength ?? Infinity;
  // Values repeat (codes): remember the verdict per distinct value.
  const verdict = new Map<string, string | null>();
  const judge = (s: string): string | null => {
    if (allowed !== null && !allowed.has(s)) return "enum";
    if (pattern !== null && !pattern.test(s)) return "pattern";
    if (s.length > maxLength) return "maxLength";
    return null;
  };
  // the last value found valid: codes come in runs of the same (interned) string
  let lastValid: string | null = null;
  for (let r = 0; r < col.length; r++) {
    const s = col[r];
    if (s === null) {
      if (required) log.add({ file: table.file, row: r + 1, line: table.lineOfRow[r], column: field.name, value: "", rule: "required", detail: "a value is required" });
      continue;
    }
    if (s === lastValid) continue;
    let bad = verdict.get(s);
    if (bad === undefined) {
      bad = judge(s);
      if (verdict.size < 100000) verdict.set(s, bad);
    }
    if (bad === null) {
      lastValid = s;
      continue;
    }
    const detail = bad === "enum" ? enumText : bad === "pattern" ? `must match ${c.pattern}` : maxLength === 0 ? "must be empty (see the field's description)" : `at most ${maxLength} characters`;
    log.add({ file: table.file, row: r + 1, line: table.lineOfRow[r], column: field.name, value: s, rule: bad, detail });
  }
}

function checkUnique(table: CsvColumnsResult, names: readonly string[], rule: string, log: ViolationLog): void {
  const cols = names.map((n) => table.columns[n]).filter((c) => c !== undefined);
  if (cols.length !== names.length) return;
  const n = table.nrows;
  const report = (r: number, first: number): void => {
    log.add({
      file: table.file, row: r + 1, line: table.lineOfRow[r], column: names.join("+"),
      value: names.map((_, k) => String(cols[k][r])).join(", "), rule, detail: `duplicate of row ${first + 1}`,
    });
  };
  if (cols.length === 1) {
    const col = cols[0];
    const firstRow = new Map<string | number, number>();
    for (let r = 0; r < n; r++) {
      const v = col[r];
      if (v === null || v !== v) continue;
      const first = firstRow.get(v);
      if (first === undefined) firstRow.set(v, r);
      else report(r, first);
    }
    return;
  }
  // A composite key (id, jaar): number the distinct values of each column, then combine the numbers
  // mixed-radix into one exact integer key, so no key string is built per row.
  const codes: Int32Array[] = [];
  let radixProduct = 1;
  const radix: number[] = [];
  for (const col of cols) {
    const seen = new Map<string | number, number>();
    const code = new Int32Array(n);
    for (let r = 0; r < n; r++) {
      const v = col[r];
      if (v === null || v !== v) {
        code[r] = -1;
        continue;
      }
      let c = seen.get(v);
      if (c === undefined) {
        c = seen.size;
        seen.set(v, c);
      }
      code[r] = c;
    }
    codes.push(code);
    radix.push(Math.max(1, seen.size));
    radixProduct *= Math.max(1, seen.size);
  }
  if (radixProduct * n < 2 ** 53) {
    // Sort (key * n + row) as numbers: equal keys become neighbours, the first row first.
    const packed = new Float64Array(n);
    let m = 0;
    for (let r = 0; r < n; r++) {
      let key = 0;
      let missing = false;
      for (let k = 0; k < codes.length; k++) {
        const c = codes[k][r];
        if (c < 0) {
          missing = true;
          break;
        }
        key = key * radix[k] + c;
      }
      if (!missing) packed[m++] = key * n + r;
    }
    const sorted = packed.subarray(0, m).sort();
    const dups: [number, number][] = [];
    let firstOfRun = -1;
    let runKey = -1;
    for (let i = 0; i < m; i++) {
      const v = sorted[i];
      const key = Math.floor(v / n);
      const r = v - key * n;
      if (key === runKey) dups.push([r, firstOfRun]);
      else {
        runKey = key;
        firstOfRun = r;
      }
    }
    dups.sort((x, y) => x[0] - y[0]);
    for (const [r, first] of dups) report(r, first);
    return;
  }
  const firstRow = new Map<string, number>();
  for (let r = 0; r < n; r++) {
    let key = "";
    let missing = false;
    for (let k = 0; k < codes.length; k++) {
      const c = codes[k][r];
      if (c < 0) {
        missing = true;
        break;
      }
      key += `${c},`;
    }
    if (missing) continue;
    const first = firstRow.get(key);
    if (first === undefined) firstRow.set(key, r);
    else report(r, first);
  }
}

/** "row 3 (line 4), row 9 (line 10)": up to `max` data rows (0-based indices) with their lines. */
function exampleRows(table: CsvColumnsResult, rows: readonly number[], max = 3): string {
  return rows.slice(0, max).map((r) => `row ${r + 1} (line ${table.lineOfRow[r]})`).join(", ");
}

/**
 * Row rule "location nested in institution" (studenten.schema.json x-rowRules): within one schooljaar a
 * location code belongs to one institution. 3a 3.3: "In de analyses zijn studenten genest in scholen
 * (locaties) en scholen genest in instellingen." A code used under two institutions in the same year
 * would make the models treat two schools as one location. Across years a code may move to another
 * institution (a merger, a handover): the models of year T only see schooljaar t = T - 1.
 * One violation per offending (year, location), naming every institution with example rows.
 */
function checkLocationNesting(
  table: CsvColumnsResult,
  year: string,
  instelling: readonly (string | null)[],
  locatie: readonly (string | null)[],
  log: ViolationLog,
): void {
  const owner = new Map<string, string>();
  const conflicting = new Set<string>();
  let lastLocation: string | null = null;
  let lastInstitution: string | null = null;
  for (let r = 0; r < table.nrows; r++) {
    const location = locatie[r];
    const institution = instelling[r];
    if (location === null || institution === null) continue; // an incomplete block is its own violation
    if (location === lastLocation && institution === lastInstitution) continue; // codes come in runs
    lastLocation = location;
    lastInstitution = institution;
    const first = owner.get(location);
    if (first === undefined) owner.set(location, institution);
    else if (first !== institution) conflicting.add(location);
  }
  if (conflicting.size === 0) return;
  // Second pass, only over the offending codes: the rows of each institution that uses them.
  const rowsOf = new Map<string, Map<string, number[]>>();
  for (let r = 0; r < table.nrows; r++) {
    const location = locatie[r];
    const institution = instelling[r];
    if (location === null || institution === null || !conflicting.has(location)) continue;
    let byInstitution = rowsOf.get(location);
    if (byInstitution === undefined) {
      byInstitution = new Map<string, number[]>();
      rowsOf.set(location, byInstitution);
    }
    let rows = byInstitution.get(institution);
    if (rows === undefined) {
      rows = [];
      byInstitution.set(institution, rows);
    }
    rows.push(r);
  }
  for (const [location, byInstitution] of rowsOf) {
    const institutions = [...byInstitution.entries()];
    const parts = institutions.map(([inst, rows]) => `${JSON.stringify(inst)} in ${rows.length} row${rows.length === 1 ? "" : "s"} (${exampleRows(table, rows)}${rows.length > 3 ? ", ..." : ""})`);
    const listed = parts.length === 2 ? `${parts[0]} and ${parts[1]}` : `${parts.slice(0, -1).join(", ")} and ${parts[parts.length - 1]}`;
    const second = institutions[1][1][0];
    log.add({
      file: table.file, row: second + 1, line: table.lineOfRow[second], column: `locatie_${year}`, value: location, rule: "location nested in institution",
      detail:
        `schooljaar ${year}: location ${JSON.stringify(location)} is used under ${institutions.length} institutions, ${listed}; ` +
        `in a schooljaar a location belongs to one institution (3a 3.3: students nested in locations, locations in institutions)`,
    });
  }
}

/**
 * Row rules of studenten.schema.json (see its x-rowRules): an enrolment block is complete or empty; a
 * diploma level comes with a diploma; a location belongs to one institution per schooljaar.
 */
function checkRowRules(table: CsvColumnsResult, schema: TableSchema, log: ViolationLog): void {
  // A cell that is not a number at all has been reported as such; it is not also "missing" here.
  const unreadable = new Set<string>();
  for (const issue of table.issues) unreadable.add(`${issue.column}\u0000${issue.row}`);
  const given = (name: string, col: Float64Array, r: number): boolean => col[r] === col[r] || (unreadable.size > 0 && unreadable.has(`${name}\u0000${r + 1}`));
  const rules = new Set((schema["x-rowRules"] ?? []).map((r) => r.rule));
  const years = new Set<string>();
  for (const f of schema.fields) {
    const m = /^instelling_(\d{4})$/.exec(f.name);
    if (m !== null) years.add(m[1]);
  }
  const str = (name: string): readonly (string | null)[] | null => {
    const c = table.columns[name];
    return c !== undefined && !(c instanceof Float64Array) ? c : null;
  };
  const num = (name: string): Float64Array | null => {
    const c = table.columns[name];
    return c instanceof Float64Array ? c : null;
  };
  for (const y of years) {
    const instelling = str(`instelling_${y}`);
    const locatie = str(`locatie_${y}`);
    const crebo = str(`crebo_${y}`);
    const leerweg = str(`leerweg_${y}`);
    const leeftijd = num(`leeftijd_${y}`);
    const diploma = num(`diploma_${y}`);
    const niveau = num(`diploma_niveau_${y}`);
    if (rules.has("enrolment block complete") && instelling && locatie && crebo && leerweg && leeftijd) {
      const names = [`instelling_${y}`, `crebo_${y}`, `leerweg_${y}`, `leeftijd_${y}`];
      for (let r = 0; r < table.nrows; r++) {
        const has0 = instelling[r] !== null;
        const has1 = crebo[r] !== null;
        const has2 = leerweg[r] !== null;
        const has3 = given(`leeftijd_${y}`, leeftijd, r);
        const present = (has0 ? 1 : 0) + (has1 ? 1 : 0) + (has2 ? 1 : 0) + (has3 ? 1 : 0);
        // complete, or empty (then the location must be empty too)
        if (present === 4 || (present === 0 && locatie[r] === null)) continue;
        const has = [has0, has1, has2, has3];
        for (let k = 0; k < 4; k++) {
          if (has[k]) continue;
          log.add({
            file: table.file, row: r + 1, line: table.lineOfRow[r], column: names[k], value: "", rule: "enrolment block complete",
            detail: `the enrolment block of ${y} is partly filled; instelling, crebo, leerweg and leeftijd are all given or all empty`,
          });
        }
      }
    }
    if (rules.has("location nested in institution") && instelling && locatie) checkLocationNesting(table, y, instelling, locatie, log);
    if (rules.has("diploma level given with a diploma") && diploma && niveau) {
      for (let r = 0; r < table.nrows; r++) {
        const hasLevel = niveau[r] === niveau[r];
        if (diploma[r] !== diploma[r] && given(`diploma_${y}`, diploma, r)) continue; // unreadable diploma: reported
        if (!hasLevel && given(`diploma_niveau_${y}`, niveau, r)) continue; // unreadable level: reported
        if ((diploma[r] === 1) !== hasLevel) {
          log.add({
            file: table.file, row: r + 1, line: table.lineOfRow[r], column: `diploma_niveau_${y}`,
            value: hasLevel ? String(niveau[r]) : "", rule: "diploma level given with a diploma",
            detail: diploma[r] === 1 ? `diploma_${y} = 1 needs its level` : `diploma_${y} is not 1, so no diploma level`,
          });
        }
      }
    }
  }
}

/** The row rules this module implements, by the name `x-rowRules` gives them. */
export const ROW_RULES: ReadonlySet<string> = new Set(["enrolment block complete", "diploma level given with a diploma", "location nested in institution"]);

/** All single-table checks of one file against its schema. */
export function validateTable(table: CsvColumnsResult, schema: TableSchema, log: ViolationLog): void {
  for (const r of schema["x-rowRules"] ?? []) {
    // A rule the schema promises but nobody checks would be a contract that does not hold.
    if (!ROW_RULES.has(r.rule)) throw new Error(`${schema.name}.schema.json: x-rowRules names "${r.rule}", which src/data/validate.ts does not implement (it implements: ${[...ROW_RULES].join(", ")})`);
  }
  checkHeader(table, schema, log);
  for (const issue of table.issues) {
    const type = issue.rule === "type: integer" ? "integer" : "number";
    log.add({ ...issue, rule: issue.rule, detail: typeDetail(type, issue.value) });
  }
  // type issues beyond the reader's cap are counted too
  for (let k = table.issues.length; k < table.issueCount; k++) log.total++;
  for (const field of schema.fields) {
    const col = table.columns[field.name];
    if (col === undefined) continue;
    if (col instanceof Float64Array) checkNumberField(table, field, col, log);
    else checkStringField(table, field, col, log);
    if (field.constraints?.unique === true) checkUnique(table, [field.name], "unique", log);
  }
  if (schema.primaryKey !== undefined && schema.primaryKey.length > 1) checkUnique(table, schema.primaryKey, "primaryKey", log);
  else if (schema.primaryKey !== undefined && !schema.fields.find((f) => f.name === schema.primaryKey?.[0])?.constraints?.unique) {
    checkUnique(table, schema.primaryKey, "primaryKey", log);
  }
  checkRowRules(table, schema, log);
}

/**
 * Foreign key: every non-missing value of `childColumn` must occur in `parentColumn` of the parent
 * table (crebo_Y -> crebo.crebo, vsv.id -> studenten.id).
 */
export function checkForeignKey(
  child: CsvColumnsResult,
  childColumn: string,
  parent: CsvColumnsResult,
  parentColumn: string,
  log: ViolationLog,
): void {
  const c = child.columns[childColumn];
  const p = parent.columns[parentColumn];
  if (c === undefined || p === undefined) return;
  const keys = new Set<string>();
  for (let r = 0; r < parent.nrows; r++) {
    const v = p[r];
    if (v !== null && !(typeof v === "number" && v !== v)) keys.add(String(v));
  }
  for (let r = 0; r < child.nrows; r++) {
    const v = c[r];
    if (v === null || (typeof v === "number" && v !== v)) continue;
    const key = String(v);
    if (!keys.has(key)) {
      log.add({
        file: child.file, row: r + 1, line: child.lineOfRow[r], column: childColumn, value: key, rule: "foreignKey",
        detail: `not found in column ${JSON.stringify(parentColumn)} of ${parent.file}`,
      });
    }
  }
}
