import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadRawData, readRawHead } from "../../src/data/load";
import { DataValidationError, formatValidationError, type Violation } from "../../src/data/validate";
import { loadTableSchema } from "../../src/data/schema";
import { studentHeader, studentRow, writeRawFolder } from "./fixture";

function violations(dir: string): { list: readonly Violation[]; total: number; err: DataValidationError } {
  try {
    loadRawData(dir);
  } catch (err) {
    assert.ok(err instanceof DataValidationError, String(err));
    return { list: err.violations, total: err.total, err };
  }
  assert.fail("expected a DataValidationError");
}

const ok = {
  students: [
    { id: "a", years: { 2019: { diploma: 1 as const }, 2020: { crebo: "10004" } } },
    { id: "b", years: { 2020: { leerweg: "BBL" } } },
  ],
  vsv: [{ id: "a", jaar: 2020, startpopulatie: 1, nieuwe_vsver: 0 }],
};

test("a valid folder loads into typed columns", () => {
  const raw = loadRawData(writeRawFolder(ok));
  assert.equal(raw.studenten.nrows, 2);
  assert.ok(raw.studenten.columns.leeftijd_2019 instanceof Float64Array);
  assert.deepEqual(raw.studenten.columns.leerweg_2020, ["BOL", "BBL"]);
  assert.equal(raw.vsv.nrows, 1);
  assert.equal(raw.crebo.nrows, 9);
});

test("the first rows of a raw file, read from its start only, are the rows loadRawData reads, typed by the schema", () => {
  const students = [...ok.students, ...Array.from({ length: 38 }, (_, i) => ({ id: `s${i}`, years: { 2019: { diploma: 1 as const }, 2020: { crebo: "10004" } } }))];
  const dir = writeRawFolder({ ...ok, students });
  const raw = loadRawData(dir);
  // A small byte budget cuts the file mid-way: only the complete lines are read.
  for (const [n, maxBytes] of [[5, 1 << 20], [40, 1 << 20], [40, 4096]] as const) {
    const head = readRawHead(dir, "studenten", n, { maxBytes });
    assert.ok(head.nrows <= n && (maxBytes < 4097 || head.nrows === n));
    assert.deepEqual(Object.keys(head.columns), Object.keys(raw.studenten.columns));
    for (const [name, column] of Object.entries(raw.studenten.columns)) {
      const want = Array.from(column as ArrayLike<number | string | null>).slice(0, head.nrows);
      assert.deepEqual(Array.from(head.columns[name] as ArrayLike<number | string | null>), want, name);
      assert.equal(head.columns[name] instanceof Float64Array, column instanceof Float64Array, name);
    }
  }
});

test("the schemas are well formed and every field cites bijlage 3a", () => {
  for (const name of ["studenten", "vsv", "crebo", "frame-doorstroom", "frame-vsv"] as const) {
    const s = loadTableSchema(name);
    for (const f of s.fields) {
      assert.match(f.description, /3a \d\.\d/, `${name}.${f.name} cites a section of 3a`);
      assert.ok(f.missingValues !== undefined, `${name}.${f.name} has missingValues`);
    }
  }
  assert.equal(loadTableSchema("studenten").fields.length, 6 + 7 * 8);
  assert.deepEqual(loadTableSchema("studenten").fields.map((f) => f.name), studentHeader());
});

test("codes outside the domain, out-of-range values and type errors name file, row, line, column, value and rule", () => {
  const dir = writeRawFolder({
    students: [
      { id: "a", migratie: "onbekend", years: { 2019: { leerweg: "XX", leeftijd: 200 } } },
      { id: "b", score: "abc", citojaar: 2010.5, years: { 2020: { crebo: "1234" } } },
    ],
    vsv: [{ id: "a", jaar: 2020, startpopulatie: 2, nieuwe_vsver: 0 }],
  });
  const { list, err } = violations(dir);
  const find = (column: string, rule: string): Violation | undefined => list.find((v) => v.column === column && v.rule === rule);
  const m = find("migratieachtergrond", "enum");
  assert.ok(m);
  assert.equal(m.file, join(dir, "studenten.csv"));
  assert.equal(m.row, 1);
  assert.equal(m.line, 2);
  assert.equal(m.value, "onbekend");
  assert.equal(m.detail, "one of geen, westers, niet-westers");
  assert.equal(find("leerweg_2019", "enum")?.value, "XX");
  assert.equal(find("leeftijd_2019", "maximum")?.value, "200");
  assert.equal(find("eindtoets_score", "type: number")?.value, "abc");
  assert.equal(find("eindtoets_jaar", "type: integer")?.value, "2010.5");
  assert.equal(find("crebo_2020", "pattern")?.row, 2);
  assert.equal(find("crebo_2020", "foreignKey")?.value, "1234");
  assert.equal(find("startpopulatie", "enum")?.file, join(dir, "vsv.csv"));
  const text = formatValidationError(err);
  const lines = text.split("\n");
  assert.equal(lines[0], `${join(dir, "studenten.csv")}: row 1 (line 2), column "migratieachtergrond": value "onbekend" breaks rule "enum" (one of geen, westers, niet-westers)`, "the first line is the first violation in file order");
  assert.match(lines[1], /^data validation failed: \d+ violations/);
  assert.match(text, /studenten\.csv: row 1 \(line 2\), column "migratieachtergrond": value "onbekend" breaks rule "enum" \(one of geen, westers, niet-westers\)/);
});

test("unknown and missing columns, duplicate ids, duplicate primary keys and foreign keys are reported", () => {
  const header = studentHeader().filter((h) => h !== "ho_2017").concat(["extra"]);
  const rows = [
    studentRow({ id: "a" }).filter((_, i) => studentHeader()[i] !== "ho_2017").concat(["x"]),
    studentRow({ id: "a" }).filter((_, i) => studentHeader()[i] !== "ho_2017").concat(["y"]),
  ];
  const dir = writeRawFolder({
    students: [],
    vsv: [
      { id: "a", jaar: 2020, startpopulatie: 1, nieuwe_vsver: 0 },
      { id: "a", jaar: 2020, startpopulatie: 1, nieuwe_vsver: 1 },
      { id: "zz", jaar: 2021, startpopulatie: 1, nieuwe_vsver: 0 },
      { id: "a", jaar: 2021, startpopulatie: 1, nieuwe_vsver: 0 },
      { id: "a", jaar: 2020, startpopulatie: 0, nieuwe_vsver: 0 },
    ],
    raw: { studenten: [header, ...rows].map((r) => r.join(",")).join("\n") + "\n" },
  });
  const { list } = violations(dir);
  const rules = list.map((v) => `${v.rule}:${v.column}:${v.row}`);
  assert.ok(rules.includes("unknown column:extra:0"), rules.join(" "));
  assert.ok(rules.includes("missing column:ho_2017:0"));
  assert.ok(rules.includes("unique:id:2"));
  assert.ok(rules.includes("primaryKey:id+jaar:2"));
  assert.ok(rules.includes("foreignKey:id:3"));
  const dups = list.filter((v) => v.rule === "primaryKey").map((v) => `${v.row}:${v.value}:${v.detail}`);
  assert.deepEqual(dups, ["2:a, 2020:duplicate of row 1", "5:a, 2020:duplicate of row 1"]);
});

test("row rules: a partly filled enrolment block, a diploma without level, a location before 2019", () => {
  const dir = writeRawFolder({
    students: [
      { id: "a", years: { 2019: { diploma: 1, diplomaNiveau: "" }, 2020: { leerweg: "" } } },
      { id: "b", years: { 2018: { locatie: "L9" } } },
    ],
  });
  const { list } = violations(dir);
  const rules = list.map((v) => `${v.rule}:${v.column}:${v.row}`);
  assert.ok(rules.includes("diploma level given with a diploma:diploma_niveau_2019:1"), rules.join(" "));
  assert.ok(rules.includes("enrolment block complete:leerweg_2020:1"));
  assert.ok(rules.includes("maxLength:locatie_2018:2"));
});

test("all violations are collected; the message shows the first 50 and the total", () => {
  const students = Array.from({ length: 120 }, (_, i) => ({ id: `s${i}`, geslacht: "X" }));
  const { list, total, err } = violations(writeRawFolder({ students, vsv: ok.vsv.map((v) => ({ ...v, id: "s0" })) }));
  assert.equal(total, 120);
  assert.equal(list.length, 120);
  const lines = err.message.split("\n");
  assert.match(lines[0], /studenten\.csv: row 1 \(line 2\), column "geslacht": value "X" breaks rule "enum" \(one of M, V\)$/);
  assert.equal(lines[1], "data validation failed: 120 violations of the schemas in data-schema/; all of them:");
  assert.equal(lines.length, 2 + 50 + 1);
  assert.equal(lines[52], "  ... and 70 more (showing the first 50)");
});

test("a CSV syntax error and a missing file are violations too, with file, row and line", () => {
  const dir = writeRawFolder({ ...ok, raw: { crebo: 'crebo,niveau,sectorkamer\n10001,1,"entree\n' } });
  const { list } = violations(dir);
  assert.equal(list[0].rule, "quote");
  assert.equal(list[0].row, 1);
  assert.equal(list[0].line, 2);
  assert.match(list[0].detail, /unterminated quote in data row 1, column "sectorkamer": the quote opened on line 2/);
  const dir2 = writeRawFolder(ok);
  writeFileSync(join(dir2, "vsv.csv"), "");
  assert.match(violations(dir2).list[0].detail, /the file is empty/);
});
