import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { readCsvColumns } from "../../src/data/csv";
import { csvSpecOf, parseTableSchema } from "../../src/data/schema";
import { checkForeignKey, formatViolations, validateTable, ViolationLog } from "../../src/data/validate";
import {
  loadPublishedDescriptives, loadPublishedModels, loadPublishedTables,
  DESCRIPTIVES_FILE, MODELS_FILE, TABLES_FILE, TABLE_BOOK_FILE, REFERENCE_SUBDIR,
  type PublishedDescriptive, type PublishedModelCell,
} from "../../src/data/reference";
import { amePerTable, frameProblems, provenanceProblems, shareSums, splitCell, varianceSd } from "../../src/data/reference-checks";

/** The repository's copy, read explicitly (never $KANSEN_REFERENCE_DIR: these tests are about the copy). */
const DIR = resolve(__dirname, "..", "..", ...REFERENCE_SUBDIR);
const descriptives = loadPublishedDescriptives(DIR);
const models = loadPublishedModels(DIR);
const tables = loadPublishedTables(DIR);
const text = readFileSync(join(DIR, TABLE_BOOK_FILE), "utf8");

test("the table book text is the published extraction, byte for byte (source_line counts its lines)", () => {
  const readme = readFileSync(join(DIR, "README.md"), "utf8");
  const stated = /`bijlage-3b\.txt` \| [^|]*SHA-256 `([0-9a-f]{64})`/.exec(readme);
  assert.ok(stated, "README.md states the text's SHA-256");
  assert.equal(createHash("sha256").update(readFileSync(join(DIR, TABLE_BOOK_FILE))).digest("hex"), stated[1]);
});

test("each CSV matches its Table Schema: header in schema order, types, constraints, keys, foreign keys", () => {
  const read = (file: string) => {
    const schemaPath = join(DIR, file.replace(/\.csv$/, ".schema.json"));
    const schema = parseTableSchema(JSON.parse(readFileSync(schemaPath, "utf8")), schemaPath);
    const table = readCsvColumns(join(DIR, file), csvSpecOf(schema));
    assert.deepEqual(table.header, schema.fields.map((f) => f.name), `${file}: header in the schema's order`);
    for (const f of schema.fields) assert.ok(f.description.length > 20, `${file}: ${f.name} is described`);
    return { schema, table };
  };
  const log = new ViolationLog();
  const parent = read(TABLES_FILE);
  validateTable(parent.table, parent.schema, log);
  for (const file of [DESCRIPTIVES_FILE, MODELS_FILE]) {
    const { schema, table } = read(file);
    validateTable(table, schema, log);
    assert.deepEqual(schema.foreignKeys?.map((k) => k.reference.resource), ["published-tables"]);
    checkForeignKey(table, "table", parent.table, "table", log);
  }
  assert.equal(log.total, 0, formatViolations(log.kept, log.total));
});

test("the schemas can fail: a value outside a constraint and a table without a caption are reported", () => {
  const schemaPath = join(DIR, "published-models.schema.json");
  const schema = parseTableSchema(JSON.parse(readFileSync(schemaPath, "utf8")), schemaPath);
  const table = readCsvColumns(join(DIR, MODELS_FILE), csvSpecOf(schema));
  const model = table.columns["model"] as (string | null)[];
  const tableNo = table.columns["table"] as Float64Array;
  model[3] = "3";
  tableNo[5] = 9;
  const log = new ViolationLog();
  validateTable(table, schema, log);
  const tablesSchemaPath = join(DIR, "published-tables.schema.json");
  const tablesSchema = parseTableSchema(JSON.parse(readFileSync(tablesSchemaPath, "utf8")), tablesSchemaPath);
  checkForeignKey(table, "table", readCsvColumns(join(DIR, TABLES_FILE), csvSpecOf(tablesSchema)), "table", log);
  assert.deepEqual(log.kept.map((v) => `${v.row} ${v.column} ${v.rule}`).sort(), ["4 model enum", "6 table foreignKey", "6 table maximum"]);
});

test("provenance: every cell stands on the line it names and reads as the CSV's value; nothing printed is left out", () => {
  assert.deepEqual(provenanceProblems(text, tables, descriptives, models), []);
  assert.ok(descriptives.every((d) => d.source !== null) && models.every((m) => m.source !== null));
  // Spot checks against the text, by eye: Tabel 1's first share and Tabel 7's spaced minus sign.
  const geen = descriptives.find((d) => d.table === 1 && d.category === "Geen migratie-achtergrond");
  assert.deepEqual(geen?.source, { line: 217, label: "Geen migratie-achtergrond (ref.)", cells: ".732 - 0 1" });
  const onbekend = models.find((m) => m.table === 7 && m.category === "Onbekend (missing indicator)" && m.model === "2");
  assert.deepEqual(onbekend?.source, { line: 678, label: "Onbekend (missing indicator)", cell: "- 0.37 (0.04)", ame: "-0.015" });
  assert.deepEqual(splitCell("0.00 (0.00"), ["0.00", "0.00"]);
});

test("provenance problems are found: a changed value, a wrong line, a dropped row, a mislabelled reference", () => {
  const edited = (rows: PublishedDescriptive[], k: number, change: Partial<PublishedDescriptive>) => rows.map((r, j) => (j === k ? { ...r, ...change } : r));
  const d0 = descriptives[1];
  const value = provenanceProblems(text, tables, edited(descriptives, 1, { mean: 0.723 }), models);
  assert.equal(value.length, 1);
  assert.match(value[0], /Tabel 1 Migratieachtergrond \/ Geen migratie-achtergrond: printed ".732 - 0 1" reads .*"mean":0.732.*the CSV has mean 0.723/);
  const line = provenanceProblems(text, tables, edited(descriptives, 1, { source: { ...d0.source!, line: 219 } }), models);
  assert.ok(line.some((p) => /line 219 reads "Niet-westerse migratieachtergrond .215 - 0 1"/.test(p)), line.join("\n"));
  assert.ok(line.some((p) => /line 217: "Geen migratie-achtergrond \(ref\.\) \.732 - 0 1" holds numbers no row claims/.test(p)), line.join("\n"));
  const ref = provenanceProblems(text, tables, edited(descriptives, 1, { isReference: false }), models);
  assert.deepEqual(ref, ['Tabel 1 Migratieachtergrond / Geen migratie-achtergrond: is_reference false but the label is "Geen migratie-achtergrond (ref.)"']);

  const dropped = models.filter((m) => !(m.table === 6 && m.category === "Vrouw" && m.model === "1b"));
  assert.ok(provenanceProblems(text, tables, descriptives, dropped).some((p) => /line 613: reads "Vrouw 0\.12 \(0\.01\) 0\.12 \(0\.01\) 0\.12 \(0\.01\) 0\.025"/.test(p)));
  const se = models.map((m): PublishedModelCell => (m.table === 8 && m.category === "2012" && m.model === "1c" ? { ...m, se: 0.1 } : m));
  assert.deepEqual(provenanceProblems(text, tables, descriptives, se), ['Tabel 8 2012 model 1c: printed "2.19 (1.00)", the CSV has 2.19 (0.1)']);
});

test("N's: each caption reads as its row, Tabel k and k + 4 are one frame, every row repeats its caption's N's", () => {
  assert.deepEqual(frameProblems(tables, descriptives, models), []);
  assert.deepEqual(tables.map((t) => [t.table, t.nIndividuals]), [[1, 124621], [2, 124913], [3, 398711], [4, 402382], [5, 124621], [6, 124913], [7, 398711], [8, 402382]]);
  const wrongN = tables.map((t) => (t.table === 7 ? { ...t, nIndividuals: 398771 } : t));
  const problems = frameProblems(wrongN, descriptives, models);
  assert.ok(problems.some((p) => p.startsWith("Tabel 7: n_individuals 398771 is not the caption's N")), problems.join("\n"));
  assert.ok(problems.some((p) => p.startsWith("Tabel 7 (vsv 2020, N 398771) and Tabel 3 (vsv 2020, N 398711) are not the same frame")));
});

test("shares add up to 1 within rounding, except Tabel 4's sectors (0.955), the documented misprint", () => {
  const sums = shareSums(descriptives);
  // Seven categorical variables in each of Tabel 1-4 (migratie, ouders, geslacht, niveau, sector,
  // leerweg, and the cito years with the missing indicator).
  assert.equal(sums.length, 28);
  assert.ok(sums.every((s) => s.categories.length >= 2));
  assert.deepEqual(sums.find((s) => s.table === 1 && s.group === "Citojaar")?.categories, ["Missingindicator cito/jaar", "2009", "2010", "2011", "2012", "2013", ">2014"]);
  const failing = sums.filter((s) => !s.ok);
  assert.deepEqual(failing.map((s) => `Tabel ${s.table} ${s.group} ${s.sum.toFixed(3)}`), ["Tabel 4 Sector 0.955"], "a new failure is a transcription error or an undocumented misprint");
  assert.equal(failing[0].notes.length, 1);
  assert.match(failing[0].notes[0], /^Misprint \(likely\): the four sector shares of Tabel 4 add up to 0\.955/);
  assert.ok(sums.filter((s) => s.ok).every((s) => s.notes.every((n) => !/^Misprint/.test(n))), "no misprint note on a group that adds up");
});

test("model 2: AME / coefficient is one factor per table for the terms without a random slope; the two outliers carry notes", () => {
  const checks = amePerTable(models);
  assert.deepEqual(checks.map((c) => c.table), [5, 6, 7, 8]);
  const expected: Record<number, number> = { 5: 0.206, 6: 0.206, 7: 0.0415, 8: 0.0448 };
  for (const c of checks) {
    // The factor is the mean of p(1 - p) over the frame; pinned within the rounding of the printed numbers.
    assert.ok(c.factor[1] - c.factor[0] < 0.003 * expected[c.table] * 10, `Tabel ${c.table}: factor ${c.factor}`);
    assert.ok(Math.abs((c.factor[0] + c.factor[1]) / 2 - expected[c.table]) < 0.0015, `Tabel ${c.table}: factor ${c.factor}`);
    assert.deepEqual(c.rows.filter((r) => r.randomSlope).map((r) => r.category), ["Niet-westerse migratieachtergrond"]);
    const noted = c.rows.filter((r) => r.note.startsWith("Suspect AME")).map((r) => r.category);
    assert.deepEqual(c.outliers.map((r) => r.category), noted, `Tabel ${c.table}: the outliers are exactly the rows with a "Suspect AME" note`);
  }
  assert.deepEqual(checks.flatMap((c) => c.outliers.map((r) => `Tabel ${c.table} ${r.category} ${r.estimate} -> ${r.ame}`)), ["Tabel 5 Niveau 4 -0.04 -> -0.001", "Tabel 8 2013 2.38 -> 0.101"]);
  // The check can fail: an AME off by a unit of its last decimal in a well-determined row is caught.
  const bumped = models.map((m): PublishedModelCell => (m.table === 6 && m.category === "BBL" && m.model === "2" ? { ...m, ame: -0.155, ameText: "-0.155" } : m));
  assert.deepEqual(amePerTable(bumped).find((c) => c.table === 6)?.outliers.map((r) => r.category), ["BBL"]);
});

test("random part: every SD in brackets is the square root of its variance within rounding", () => {
  const rows = varianceSd(models);
  assert.equal(rows.length, 4 * 11, "per table: location and institution variance in five models, the slope in model 2");
  assert.deepEqual(rows.filter((r) => !r.ok), []);
  const wrong = models.map((m): PublishedModelCell => (m.table === 5 && m.part === "random" && m.model === "0" && m.category === "Schoollocatie variantie" ? { ...m, se: 0.53, source: { ...m.source!, cell: "0.33 (0.53)" } } : m));
  assert.deepEqual(varianceSd(wrong).filter((r) => !r.ok).map((r) => `${r.table} ${r.model} ${r.category}`), ["5 0 Schoollocatie variantie"]);
});

test("reference categories of Tabel 1-4 are the ones Tabel 5-8 print as (ref. ...), and the model terms are the other categories", () => {
  const lines = text.split("\n");
  // Model-table names of the descriptive categories where the two tables spell them differently.
  const termOf: Record<string, string> = { Bbl: "BBL", Citoscore: "Citoscore (per score)", "Missingindicator cito/jaar": "Missingindicator cito" };
  for (const t of tables.filter((x) => x.content === "models")) {
    const twin = t.table - 4;
    const end = tables.find((x) => x.table === t.table + 1)?.line ?? lines.length;
    const printedRefs = new Map<string, string>();
    for (const line of lines.slice(t.line - 1, end - 1)) {
      const m = /^\s*(.+?) \(ref\. (.+)\)\*?\s*$/.exec(line);
      if (m) printedRefs.set(m[1], m[2].toLowerCase());
    }
    const mine = descriptives.filter((d) => d.table === twin && d.group !== "Doorstroom" && d.group !== "Vsv");
    const refs = new Map(mine.filter((d) => d.isReference).map((d) => [d.group, d.category.toLowerCase()]));
    assert.deepEqual(new Map([...printedRefs].map(([g, c]) => [g, c])), refs, `Tabel ${t.table} (ref. ...) vs Tabel ${twin} (ref.)`);
    const terms = models.filter((m) => m.table === t.table && m.part === "fixed" && m.model === "2" && m.category !== "Intercept").map((m) => m.category);
    const expected = mine.filter((d) => !d.isReference).map((d) => termOf[d.category] ?? d.category);
    assert.deepEqual([...terms].sort(), [...expected].sort(), `Tabel ${t.table} terms vs Tabel ${twin} categories`);
  }
});
