/**
 * Issue 12 item 3, "one data contract, held end to end": every input-file case of the outside check, each
 * with the exact first line a user sees (the first line of the DataValidationError's message, which is
 * what the reproduce command and a notebook cell print first).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadRawData } from "../../src/data/load";
import { DataValidationError, ROW_RULES, ViolationLog, validateTable } from "../../src/data/validate";
import { readCsvColumns } from "../../src/data/csv";
import { csvSpecOf, loadTableSchema } from "../../src/data/schema";
import { buildAnalysisFrames } from "../../src/transform/frames";
import { studentHeader, studentRow, writeRawFolder, type RawFolder, type StudentSpec } from "./fixture";
import { SHARED_FROM, SHARED_LOCATION, SHARED_TO, writeContractFolder } from "./contract-folder";

const vsv = [{ id: "a", jaar: 2020, startpopulatie: 1, nieuwe_vsver: 0 }];

/** The error of loading a folder (it must be rejected). */
function rejection(dir: string): DataValidationError {
  try {
    loadRawData(dir);
  } catch (err) {
    assert.ok(err instanceof DataValidationError, String(err));
    return err;
  }
  assert.fail(`expected ${dir} to be rejected`);
}

function firstLine(dir: string): string {
  return rejection(dir).message.split("\n")[0] as string;
}

function folder(students: StudentSpec[], extra: Partial<RawFolder> = {}): string {
  return writeRawFolder({ students, vsv, ...extra });
}

const studenten = (dir: string): string => join(dir, "studenten.csv");

test("integer fields take digits with an optional '-' only: 1e1, 17.0, +3, ' 7', hex and NA are rejected with file, row, column, value and rule", () => {
  const rule = 'breaks rule "type: integer" (an integer is written as digits with an optional leading "-" (data-schema/README.md, "Numbers")';
  const cases: [string, string][] = [
    ["1e1", `${rule}; no exponent notation)`],
    ["17.0", `${rule}; a whole number has no decimal point)`],
    ["+3", `${rule}; no "+" sign)`],
    [" 7", `${rule}; no spaces around the value)`],
    ["0x11", `${rule}; no hexadecimal)`],
    ["NA", `${rule}; a missing value is an empty field)`],
    ["1,5", `${rule}; a decimal comma is not allowed, write ".")`],
  ];
  for (const [value, tail] of cases) {
    const dir = folder([{ id: "a", years: { 2019: { leeftijd: value } } }]);
    assert.equal(firstLine(dir), `${studenten(dir)}: row 1 (line 2), column "leeftijd_2019": value ${JSON.stringify(value)} ${tail}`, value);
    assert.equal(rejection(dir).total, 1, `${value}: one violation, no follow-up errors`);
  }
  // the same rule in vsv.csv, and in a number field (the score may have decimals, but no exponent)
  const v = writeRawFolder({ students: [{ id: "a" }], vsv: [{ id: "a", jaar: "2020.0", startpopulatie: 1, nieuwe_vsver: 0 }] });
  assert.equal(firstLine(v), `${join(v, "vsv.csv")}: row 1 (line 2), column "jaar": value "2020.0" ${rule}; a whole number has no decimal point)`);
  const s = folder([{ id: "a", score: "5.3e2" }]);
  assert.equal(
    firstLine(s),
    `${studenten(s)}: row 1 (line 2), column "eindtoets_score": value "5.3e2" breaks rule "type: number" (a number is written as digits with an optional leading "-" and an optional "." with more digits (data-schema/README.md, "Numbers"); no exponent notation)`,
  );
});

test("integers with leading zeros and a minus sign are read by the documented rule", () => {
  const raw = loadRawData(folder([{ id: "a", citojaar: "02012", years: { 2019: { leeftijd: "018", diploma: "01", diplomaNiveau: "03" } } }]));
  const col = (name: string): number => (raw.studenten.columns[name] as Float64Array)[0] as number;
  assert.deepEqual([col("eindtoets_jaar"), col("leeftijd_2019"), col("diploma_2019"), col("diploma_niveau_2019")], [2012, 18, 1, 3]);
});

test("a score with decimals is legal and not a cito score: missing indicator, and a warning in the flow", () => {
  const raw = loadRawData(folder([
    { id: "a", score: "523.5", citojaar: 2012, years: { 2019: { diploma: 1 } } },
    { id: "b", score: "523", citojaar: 2012, years: { 2019: { diploma: 1 } } },
    { id: "c", score: "81.5", citojaar: 2012, years: { 2019: { diploma: 1 } } },
  ]));
  const d = buildAnalysisFrames(raw).doorstroom2020;
  assert.deepEqual(Array.from(d.data.cito), [100, 23, 100]);
  assert.deepEqual(Array.from(d.data.cito_missing), [1, 0, 1]);
  const w = d.flow.filter((s) => s.kind === "warning");
  assert.deepEqual(w.map((s) => s.rule), ["let op: eindtoetsscore tussen 500 en 550 met decimalen (de citotoets kent alleen hele scores): 1 student (geen citoscore: missing indicator)"]);
});

test("a location under two institutions in one schooljaar stops the run, naming the location, both institutions, the year and rows", () => {
  const dir = folder([
    { id: "a", years: { 2020: { instelling: "I1", locatie: "L7" } } },
    { id: "b", years: { 2020: { instelling: "I2", locatie: "L7" } } },
    { id: "c", years: { 2020: { instelling: "I1", locatie: "L7" } } },
  ]);
  assert.equal(
    firstLine(dir),
    `${studenten(dir)}: row 2 (line 3), column "locatie_2020": value "L7" breaks rule "location nested in institution" ` +
      `(schooljaar 2020: location "L7" is used under 2 institutions, "I1" in 2 rows (row 1 (line 2), row 3 (line 4)) and "I2" in 1 row (row 2 (line 3)); ` +
      `in a schooljaar a location belongs to one institution (3a 3.3: students nested in locations, locations in institutions))`,
  );
  assert.equal(rejection(dir).total, 1, "one violation per location and year, not one per row");
});

test("the same location under another institution in another schooljaar is legal, and each frame nests it in that year's institution", () => {
  const raw = loadRawData(folder([
    { id: "a", years: { 2019: { instelling: "I1", locatie: "L7", diploma: 1 }, 2020: { instelling: "I2", locatie: "L7", diploma: 1 } } },
    { id: "b", years: { 2019: { instelling: "I1", locatie: "L7", diploma: 1 }, 2020: { instelling: "I2", locatie: "L7", diploma: 1 } } },
  ]));
  const frames = buildAnalysisFrames(raw);
  assert.deepEqual(frames.doorstroom2020.data.instelling, ["I1", "I1"]);
  assert.deepEqual(frames.doorstroom2021.data.instelling, ["I2", "I2"]);
});

test("empty files: one first line naming the file", () => {
  const dir = folder([{ id: "a" }]);
  writeFileSync(studenten(dir), "");
  assert.equal(firstLine(dir), `${studenten(dir)}: the file is empty (0 bytes): a header row and data rows are expected`);
  assert.equal(rejection(dir).total, 1, "nothing about vsv.csv's ids");
  const bom = folder([{ id: "a" }]);
  writeFileSync(join(bom, "crebo.csv"), "\ufeff");
  assert.equal(firstLine(bom), `${join(bom, "crebo.csv")}: the file is empty (only a byte order mark): a header row and data rows are expected`);
  const blank = folder([{ id: "a" }]);
  writeFileSync(join(blank, "vsv.csv"), "\n\r\n  \n");
  assert.equal(firstLine(blank), `${join(blank, "vsv.csv")}: the file is empty (6 bytes of blank lines and spaces): a header row and data rows are expected`);
});

test("header-only files: one line per file, not a foreign-key error per row of the other file", () => {
  const many = Array.from({ length: 2000 }, (_, i) => ({ id: `s${i}`, jaar: 2020, startpopulatie: 1, nieuwe_vsver: 0 }));
  const one = writeRawFolder({ students: [], vsv: many });
  assert.equal(firstLine(one), `${studenten(one)}: the file has a header but no data rows; studenten.csv needs at least one (data-schema/studenten.schema.json)`);
  assert.equal(rejection(one).total, 1);
  const both = writeRawFolder({ students: [], vsv: [] });
  const err = rejection(both);
  assert.equal(err.message.split("\n")[0], `${studenten(both)}: the file has a header but no data rows; studenten.csv needs at least one (data-schema/studenten.schema.json)`);
  assert.deepEqual(err.violations.map((v) => v.detail), [
    `${studenten(both)}: the file has a header but no data rows; studenten.csv needs at least one (data-schema/studenten.schema.json)`,
    `${join(both, "vsv.csv")}: the file has a header but no data rows; vsv.csv needs at least one (data-schema/vsv.schema.json)`,
  ]);
});

test("a semicolon-separated file (Dutch Excel's default) is named as such from its header", () => {
  const text = [studentHeader(), studentRow({ id: "a" })].map((r) => r.join(";")).join("\r\n") + "\r\n";
  const dir = folder([], { raw: { studenten: text } });
  assert.equal(
    firstLine(dir),
    `${studenten(dir)}: the file is separated by semicolons (";"), not by commas: the header "id;geslacht;migratieachtergrond;opleidingsniveau_ouders;eind..." reads as one column. ` +
      `The files are comma-separated (RFC 4180); Dutch Excel writes ";" by default, so convert the file to commas`,
  );
  assert.equal(rejection(dir).total, 1);
  const tabs = folder([{ id: "a" }], { raw: { crebo: "crebo\tniveau\tsectorkamer\n10001\t1\tentree\n" } });
  assert.match(firstLine(tabs), /crebo\.csv: the file is separated by tabs, not by commas: the header "crebo\\tniveau\\tsectorkamer" reads as one column/);
});

test("an unterminated quote is reported at the line where it opened, with the word quote", () => {
  const header = studentHeader().join(",");
  const rows = [studentRow({ id: "a" }), studentRow({ id: "b" }), studentRow({ id: "c" })].map((r) => r.join(","));
  // row 2 opens a quote in instelling_2015's place... and never closes it: the file ends inside it
  const open = rows.slice();
  open[1] = open[1]?.replace(/^b,M,/, 'b,"M,') ?? "";
  const eof = folder([], { raw: { studenten: [header, ...open].join("\n") + "\n" } });
  assert.match(firstLine(eof), new RegExp(`^${escape(studenten(eof))}: unterminated quote in data row 2, column "geslacht": the quote opened on line 3 is never closed \\(the file ends inside it; the quoted text starts "M,`));
  // a later, well-formed quoted field closes it: the record breaks at line 4, the report still names line 3
  const later = open.slice();
  later[2] = later[2]?.replace(/^c,M,/, 'c,"V",') ?? "";
  const closed = folder([], { raw: { studenten: [header, ...later].join("\n") + "\n" } });
  assert.equal(
    firstLine(closed),
    `${studenten(closed)}: unterminated quote in data row 2, column "geslacht": the quote opened on line 3 is not closed on that line; the quoted text runs on to line 4, where a quote followed by "V" ends it`,
  );
  assert.equal(rejection(closed).total, 1);
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

test("the odd-but-valid folder of contract-folder.ts passes validation and builds every frame", () => {
  const facts = writeContractFolder({ students: 1500 });
  const raw = loadRawData(facts.dir);
  assert.equal(raw.studenten.nrows, 1500);
  const frames = buildAnalysisFrames(raw);
  for (const f of Object.values(frames)) {
    assert.ok(f.nrows > 100, `${f.key}: ${f.nrows} rows`);
    // every location of a frame belongs to one institution
    const owner = new Map<string, string>();
    f.data.locatie.forEach((l, i) => {
      const inst = f.data.instelling[i] as string;
      assert.equal(owner.get(l) ?? inst, inst, `${f.key}: ${l}`);
      owner.set(l, inst);
    });
    assert.ok(Array.from(f.data.cito).every((c) => Number.isInteger(c) && ((c >= 0 && c <= 50) || c === 100)), `${f.key}: cito is whole`);
  }
  const at = (key: "doorstroom2020" | "doorstroom2021", location: string): Set<string> => new Set(frames[key].data.instelling.filter((_, i) => frames[key].data.locatie[i] === location));
  assert.deepEqual([...at("doorstroom2020", SHARED_LOCATION)], [SHARED_FROM]);
  assert.deepEqual([...at("doorstroom2021", SHARED_LOCATION)], [SHARED_TO]);
  assert.ok(frames.doorstroom2020.data.instelling.includes("ROC van\nTwente"), "a code with a line break survives");
  assert.ok(frames.vsv2020.flow.some((s) => s.kind === "warning" && /met decimalen/.test(s.rule)));
});

test("every row rule the schema names is one the validator implements", () => {
  for (const r of loadTableSchema("studenten")["x-rowRules"] ?? []) assert.ok(ROW_RULES.has(r.rule), r.rule);
  const schema = { ...loadTableSchema("studenten"), "x-rowRules": [{ rule: "locations are pretty", description: "x" }] };
  const table = readCsvColumns(join(folder([{ id: "a" }]), "studenten.csv"), csvSpecOf(schema));
  assert.throws(() => validateTable(table, schema, new ViolationLog()), /studenten\.schema\.json: x-rowRules names "locations are pretty", which src\/data\/validate\.ts does not implement/);
});
