import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CsvError, isDecimalSpelling, parseCsvRecords, parseNumberBytes, readCsvColumns, readCsvRecords, readCsvTable } from "../../src/data/csv";

const dir = mkdtempSync(join(tmpdir(), "kansen-csv-"));
let counter = 0;
function file(text: string): string {
  const path = join(dir, `f${counter++}.csv`);
  writeFileSync(path, text);
  return path;
}

test("readCsvTable infers numeric and text columns, with NaN and null for empty fields", () => {
  const t = readCsvTable(file("id,x,g\n1,2.5,a\n2,,b\n3,-1e3,\n"));
  assert.equal(t.nrows, 3);
  assert.deepEqual(t.header, ["id", "x", "g"]);
  assert.ok(t.columns.x instanceof Float64Array);
  assert.deepEqual(Array.from(t.columns.x as Float64Array), [2.5, NaN, -1000]);
  assert.deepEqual(t.columns.g, ["a", "b", null]);
  assert.deepEqual(Array.from(t.columns.id as Float64Array), [1, 2, 3]);
});

test("readCsvTable handles CRLF, quotes with commas, escaped quotes and line breaks, BOM, no final newline", () => {
  const t = readCsvTable(file('\ufeffa,b\r\n"x, y","say ""hi"""\r\n"multi\nline",2'));
  assert.equal(t.nrows, 2);
  assert.deepEqual(t.columns.a, ["x, y", "multi\nline"]);
  assert.deepEqual(t.columns.b, ['say "hi"', "2"]);
});

test("a column with one non-numeric value becomes text, keeping every value as written", () => {
  const t = readCsvTable(file("a\n007\n1.50\nNA\n"));
  assert.deepEqual(t.columns.a, ["007", "1.50", "NA"]);
  const u = readCsvTable(file("a\n007\n1.50\nNA\n"), { missingValues: ["", "NA"] });
  assert.deepEqual(Array.from(u.columns.a as Float64Array), [7, 1.5, NaN]);
  const v = readCsvTable(file("a\n007\n"), { stringColumns: ["a"] });
  assert.deepEqual(v.columns.a, ["007"]);
});

test("text columns read the same whether they are text from the first row on or only later", () => {
  // g is text from row 1 (its fields are kept in the first pass), h only from row 3 (a second pass);
  // both keep numeric-looking values as written, quotes undone, and missing codes as null.
  const text = 'g,h,x\nloc1,10,1\n"a ""b""",7.50,2\n12,loc2,3\nNA,,4\n';
  const t = readCsvTable(file(text), { missingValues: ["", "NA"] });
  assert.deepEqual(t.columns.g, ["loc1", 'a "b"', "12", null]);
  assert.deepEqual(t.columns.h, ["10", "7.50", "loc2", null]);
  assert.deepEqual(Array.from(t.columns.x as Float64Array), [1, 2, 3, 4]);
  const forced = readCsvTable(file(text), { missingValues: ["", "NA"], stringColumns: ["x"] });
  assert.deepEqual(forced.columns.x, ["1", "2", "3", "4"]);
  assert.deepEqual(forced.columns.g, t.columns.g);
});

test("parseNumberBytes equals Number() on many numbers and rejects non-numbers", () => {
  const samples = ["0", "-0.5", "+3", "1e-7", "123456789012345678", "0.1", "3.14159265358979", "2.5E+10", ".5", "5.", "1e400"];
  for (const s of samples) {
    const b = Buffer.from(s);
    assert.equal(parseNumberBytes(b, 0, b.length), Number(s), s);
  }
  for (let i = 0; i < 2000; i++) {
    const s = (Math.random() * 10 ** (Math.floor(Math.random() * 12) - 4)).toPrecision(1 + (i % 15));
    const b = Buffer.from(s);
    assert.equal(parseNumberBytes(b, 0, b.length), Number(s), s);
  }
  for (const s of ["abc", "1.2.3", "-", "e5", "1e", "0x10", "1,5"]) {
    const b = Buffer.from(s);
    assert.ok(Number.isNaN(parseNumberBytes(b, 0, b.length)), s);
  }
});

test("a ragged row is an error naming file, data row, line and column", () => {
  const path = file("a,b,c\n1,2,3\n4,5\n");
  assert.throws(() => readCsvTable(path), (err: unknown) => {
    assert.ok(err instanceof CsvError);
    assert.equal(err.row, 2);
    assert.equal(err.line, 3);
    assert.equal(err.column, "c");
    assert.match(err.message, /f\d+\.csv: data row 2 \(line 3\) has 2 fields but the header has 3/);
    return true;
  });
  assert.throws(() => readCsvTable(file("a,b\n1,2,3\n")), /data row 1 \(line 2\) has 3 fields but the header has 2/);
});

test("an unterminated quote, text after a closing quote, duplicate and empty header names are errors", () => {
  assert.throws(() => readCsvTable(file('a,b\n1,"oops\n2,3\n')), /: unterminated quote in data row 1, column "b": the quote opened on line 2 is never closed/);
  assert.throws(() => readCsvTable(file('a,b\n1,"x"y\n')), /data row 1 \(line 2\), column "b": unexpected character "y" after a closing quote/);
  assert.throws(() => readCsvTable(file("a,b,a\n1,2,3\n")), /duplicate column name "a" in the header \(columns 1 and 3\)/);
  assert.throws(() => readCsvTable(file("a,,c\n1,2,3\n")), /header column 2 has no name/);
  assert.throws(() => readCsvTable(file("")), /the file is empty/);
  assert.throws(() => readCsvTable(join(dir, "does-not-exist.csv")), /cannot read the file/);
});

test("line numbers count line breaks inside quoted fields; a blank last line is ignored", () => {
  assert.throws(() => readCsvTable(file('a,b\n"x\ny",1\n2\n')), /data row 2 \(line 4\)/);
  const t = readCsvTable(file("a,b\n1,2\n\n"));
  assert.equal(t.nrows, 1);
});

test("readCsvColumns reads declared types, skips undeclared columns and collects type issues", () => {
  const path = file("id,score,code,extra\n1,500,A,z\n2,abc,,z\n3,NA,B,z\n4,x1,A,z\n");
  const r = readCsvColumns(path, {
    id: { type: "string" },
    score: { type: "number", missingValues: ["", "NA"] },
    code: { type: "string" },
  }, { maxIssues: 1 });
  assert.equal(r.nrows, 4);
  assert.deepEqual(Object.keys(r.columns).sort(), ["code", "id", "score"]);
  assert.deepEqual(r.columns.id, ["1", "2", "3", "4"]);
  assert.deepEqual(r.columns.code, ["A", null, "B", "A"]);
  assert.deepEqual(Array.from(r.columns.score as Float64Array), [500, NaN, NaN, NaN]);
  assert.equal(r.issueCount, 2);
  assert.equal(r.issues.length, 1);
  assert.deepEqual(r.issues[0], { file: path, row: 2, line: 3, column: "score", value: "abc", rule: "type: number" });
  assert.deepEqual(Array.from(r.lineOfRow), [2, 3, 4, 5]);
});

test("text values are the same whether interned or not (short and long codes, past the intern limit)", () => {
  const values = ["L64DDDC", "niet-westers", "L64DDDD", "L64DDDC", "123456", "1234567", "A", "B", "", "A", "locatie-code-0001", "locatie-code-0002", "locatie-code-0001", "ééé", "x\"y", "C", "D", "E", "A"];
  const text = "v\n" + values.map((v) => (v.includes('"') ? `"${v.replace(/"/g, '""')}"` : v)).join("\n") + "\n";
  for (const internLimit of [2, 5, 50000]) {
    const r = readCsvColumns(file(text), { v: { type: "string" } }, { internLimit });
    assert.deepEqual(r.columns.v, values.map((v) => (v === "" ? null : v)), `limit ${internLimit}`);
  }
});

test("an all-digit missing-value code is honoured (no integer fast path past it)", () => {
  const r = readCsvColumns(file("x\n999\n12\n"), { x: { type: "number", missingValues: ["", "999"] } });
  assert.deepEqual(Array.from(r.columns.x as Float64Array), [NaN, 12]);
});

test("parseCsvRecords keeps every value as written: quoted commas, quotes, newlines, CRLF, BOM, empty fields", () => {
  const r = parseCsvRecords('\ufeffa,"b,""c""\nd"\r\n1,\n"x\ny",007\n\n', "t.csv");
  assert.deepEqual(r.header, ["a", 'b,"c"\nd']);
  assert.deepEqual(r.rows, [["1", ""], ["x\ny", "007"]]);
  assert.deepEqual(r.lineOfRow, [3, 4], "line numbers count the line breaks inside quoted fields");
  assert.equal(r.file, "t.csv");
  assert.deepEqual(readCsvRecords(file("h\n1\n")).rows, [["1"]]);
});

test("parseCsvRecords throws the same CsvErrors as the column readers", () => {
  assert.throws(() => parseCsvRecords("a,b\n1\n", "bad.csv"), (e: unknown) => e instanceof CsvError && e.file === "bad.csv" && e.row === 1 && e.line === 2 && e.column === "b" && /bad\.csv: data row 1 \(line 2\) has 1 field but the header has 2/.test(e.message));
  assert.throws(() => parseCsvRecords('a,b\n1,"open\n', "q.csv"), (e: unknown) => e instanceof CsvError && e.row === 1 && e.column === "b" && e.kind === "quote" && /unterminated quote/.test(e.message));
  assert.throws(() => parseCsvRecords("", "empty.csv"), /empty\.csv: the file is empty/);
});

test("isDecimalSpelling: the one spelling of an integer and of a number in the data schemas", () => {
  const check = (s: string, integer: boolean): boolean => isDecimalSpelling(Buffer.from(s), 0, Buffer.byteLength(s), integer);
  for (const s of ["0", "7", "-3", "007", "2021", "12345678901234567890"]) assert.equal(check(s, true), true, s);
  for (const s of ["1e1", "17.0", "+3", " 7", "7 ", "0x11", "NA", "", "-", "1,5", "1_000", "٣", "Infinity"]) assert.equal(check(s, true), false, s);
  for (const s of ["523.5", "-0.25", "81", "0.0"]) assert.equal(check(s, false), true, s);
  for (const s of ["5.3e2", ".5", "5.", "+1.5", "1,5", " 1.5", "NaN"]) assert.equal(check(s, false), false, s);
});

test("readCsvColumns reads integer columns strictly and names other spellings as type issues", () => {
  const path = file('n,x\n1,07\n2,1e1\n3,17.0\n4,+3\n5," 7"\n6,-2\n7,\n');
  const r = readCsvColumns(path, { n: { type: "integer" }, x: { type: "integer" } });
  assert.deepEqual(Array.from(r.columns.x as Float64Array), [7, NaN, NaN, NaN, NaN, -2, NaN]);
  assert.deepEqual(r.issues.map((i) => [i.row, i.value, i.rule]), [[2, "1e1", "type: integer"], [3, "17.0", "type: integer"], [4, "+3", "type: integer"], [5, " 7", "type: integer"]]);
  const s = readCsvColumns(file("x\n523.5\n1e3\n"), { x: { type: "number" } });
  assert.deepEqual(Array.from(s.columns.x as Float64Array), [523.5, NaN]);
  assert.deepEqual(s.issues.map((i) => i.rule), ["type: number"]);
});

test("structural errors carry their kind: empty, delimiter, quote, fields, header", () => {
  const kindOf = (text: string): string => {
    try {
      readCsvTable(file(text));
    } catch (err) {
      assert.ok(err instanceof CsvError);
      return err.kind;
    }
    return "none";
  };
  assert.equal(kindOf(""), "empty");
  assert.equal(kindOf("\n\n"), "empty");
  assert.equal(kindOf("a;b;c\n1;2;3\n"), "delimiter");
  assert.equal(kindOf('"a;b"\n1\n'), "none", "a quoted header name may hold a semicolon");
  assert.equal(kindOf('a,b\n1,"x\n2,3\n'), "quote");
  assert.equal(kindOf('a,b\n1,"x"y\n'), "quote");
  assert.equal(kindOf("a,b\n1\n"), "fields");
  assert.equal(kindOf("a,a\n1,2\n"), "header");
  assert.equal(kindOf('a,"b\n1,2\n'), "quote");
});

test("an unbalanced quote is named at the line where it opened, however far away the record breaks", () => {
  // the quote of line 2 swallows lines 3-4 and is closed by the quote that opens line 5's field
  const text = 'a,b\n1,"open\n2,3\n4,5\n"6",7\n';
  assert.throws(() => readCsvTable(file(text)), (err: unknown) => {
    assert.ok(err instanceof CsvError);
    assert.equal(err.line, 2);
    assert.equal(err.row, 1);
    assert.equal(err.column, "b");
    assert.match(err.message, /unterminated quote in data row 1, column "b": the quote opened on line 2 is not closed on that line; the quoted text runs on to line 5, where a quote followed by "6" ends it/);
    return true;
  });
  // closed by a quote followed by a comma: the record then has too many fields
  assert.throws(() => readCsvTable(file('a,b\n1,"open\n2,3\n",4\n')), /unterminated quote in data row 1, column "b": the quote opened on line 2 runs over line breaks, and the record it swallows has 3 fields where the header has 2/);
  // a legal multi-line quoted field is still read
  assert.deepEqual(readCsvTable(file('a,b\n1,"two\nlines"\n')).columns.b, ["two\nlines"]);
});
