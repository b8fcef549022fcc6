import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { CsvError } from "../../src/data/csv";
import { loadPublishedDescriptives, loadPublishedModels, loadPublishedTables, referenceDir, DESCRIPTIVES_FILE, MODELS_FILE, TABLES_FILE, REFERENCE_SUBDIR } from "../../src/data/reference";

const root = mkdtempSync(join(tmpdir(), "kansen-reference-"));
let counter = 0;

const DESCRIPTIVES_HEADER = "table,outcome,year,n,group,category,is_reference,mean,sd,min,max";
const MODELS_HEADER = "table,outcome,year,n_individuals,n_locations,n_institutions,part,group,category,model,estimate,se,ame,note";
const GOOD_DESCRIPTIVES = [
  DESCRIPTIVES_HEADER,
  "1,doorstroom,2020,124621,Doorstroom,Doorstroom,false,0.447,,0,1",
  '1,doorstroom,2020,124621,"Leeftijd (vanaf 14, per jaar)",Leeftijd,false,4.51,1.32,0,12',
].join("\n") + "\n";
const GOOD_MODELS = [
  MODELS_HEADER,
  "5,doorstroom,2020,124621,566,62,fixed,Intercept,Intercept,2,-0.32,0.03,,",
  '5,doorstroom,2020,124621,566,62,fixed,Migratieachtergrond,Niet-westerse migratieachtergrond,2,-0.61,0.03,-0.130,"Typo in print: sign, ""-"" missing"',
  "5,doorstroom,2020,124621,566,62,random,Random,Schoollocatie variantie,2,0.12,0.35,,",
].join("\n") + "\n";

/** A fresh folder holding the given reference files (undefined: the file is left out). */
function folder(files: { descriptives?: string; models?: string }): string {
  const dir = join(root, `ref${counter++}`);
  mkdirSync(dir, { recursive: true });
  if (files.descriptives !== undefined) writeFileSync(join(dir, DESCRIPTIVES_FILE), files.descriptives);
  if (files.models !== undefined) writeFileSync(join(dir, MODELS_FILE), files.models);
  return dir;
}

/** Assert that `fn` throws a CsvError with these fields and a message naming all of them. */
function throwsAt(fn: () => unknown, where: { file: string; row: number; line?: number; column?: string; value?: string }, message: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof CsvError, `expected a CsvError, got ${String(err)}`);
    assert.equal(err.file, where.file);
    assert.equal(err.row, where.row);
    if (where.line !== undefined) assert.equal(err.line, where.line);
    if (where.column !== undefined) assert.equal(err.column, where.column);
    if (where.value !== undefined) assert.equal(err.value, where.value);
    assert.ok(err.message.startsWith(`${where.file}: `), err.message);
    if (where.row > 0) assert.match(err.message, new RegExp(`row ${where.row}\\b`));
    if (where.column !== undefined) assert.ok(err.message.includes(JSON.stringify(where.column)), err.message);
    assert.match(err.message, message);
    return true;
  });
}

test("valid reference CSVs are read into typed rows: empty SD/SE/AME are null, quoted fields intact", () => {
  const dir = folder({ descriptives: GOOD_DESCRIPTIVES, models: GOOD_MODELS });
  const d = loadPublishedDescriptives(dir);
  assert.deepEqual(d[0], {
    table: 1, outcome: "doorstroom", year: 2020, n: 124621, group: "Doorstroom", category: "Doorstroom",
    isReference: false, mean: 0.447, sd: null, min: 0, max: 1, source: null, note: "",
  });
  assert.equal(d[1]?.group, "Leeftijd (vanaf 14, per jaar)");
  assert.equal(d[1]?.sd, 1.32);
  const m = loadPublishedModels(dir);
  assert.equal(m.length, 3);
  assert.deepEqual(m[1], {
    table: 5, outcome: "doorstroom", year: 2020, nIndividuals: 124621, nLocations: 566, nInstitutions: 62,
    part: "fixed", group: "Migratieachtergrond", category: "Niet-westerse migratieachtergrond", model: "2",
    estimate: -0.61, se: 0.03, ame: -0.13, ameText: "-0.130", note: 'Typo in print: sign, "-" missing', source: null,
  });
  assert.equal(m[0]?.ame, null);
  assert.equal(m[0]?.ameText, "");
  assert.equal(m[2]?.part, "random");
});

test("provenance columns, where a file has them, are read into source; the tables file into its captions", () => {
  const descriptives = DESCRIPTIVES_HEADER + ",source_line,printed_row,printed_cells,note\n" +
    "1,doorstroom,2020,124621,Geslacht,Man,true,0.507,,0,1,233,Man (ref.),.507 - 0 1,\n";
  const models = MODELS_HEADER.replace(",note", ",source_line,printed_row,printed_cell,printed_ame,note") + "\n" +
    "5,doorstroom,2020,124621,566,62,fixed,Geslacht,Vrouw,2,0.07,0.02,0.014,546,Vrouw,0.07 (0.02),0.014,\n";
  const dir = folder({ descriptives, models });
  writeFileSync(join(dir, TABLES_FILE), "table,content,outcome,year,n_individuals,n_locations,n_institutions,source_line,printed_caption\n" +
    '1,descriptives,doorstroom,2020,124621,,,209,"Tabel 1 Beschrijvende statistieken doorstroom (jaar 2020), N = 124.621"\n');
  assert.deepEqual(loadPublishedDescriptives(dir)[0]?.source, { line: 233, label: "Man (ref.)", cells: ".507 - 0 1" });
  assert.deepEqual(loadPublishedModels(dir)[0]?.source, { line: 546, label: "Vrouw", cell: "0.07 (0.02)", ame: "0.014" });
  assert.deepEqual(loadPublishedTables(dir), [{
    table: 1, content: "descriptives", outcome: "doorstroom", year: 2020, nIndividuals: 124621, nLocations: null, nInstitutions: null,
    line: 209, caption: "Tabel 1 Beschrijvende statistieken doorstroom (jaar 2020), N = 124.621",
  }]);
});

test("the published CSVs themselves read without error, every cell typed", () => {
  const d = loadPublishedDescriptives();
  const m = loadPublishedModels();
  assert.ok(d.length > 100 && m.length > 300, `${d.length} descriptives, ${m.length} model cells`);
  assert.ok(d.every((r) => Number.isFinite(r.mean) && (r.sd === null || Number.isFinite(r.sd))));
  assert.ok(m.every((r) => Number.isFinite(r.estimate) && (r.ame === null) === (r.ameText === "")));
});

test("an unterminated quote names the file, data row, line and column", () => {
  const bad = GOOD_DESCRIPTIVES + '2,doorstroom,2021,120000,"Geslacht,Vrouw,false,0.5,,0,1\n';
  const dir = folder({ descriptives: bad, models: GOOD_MODELS });
  const file = join(dir, DESCRIPTIVES_FILE);
  throwsAt(() => loadPublishedDescriptives(dir), { file, row: 3, line: 4, column: "group" }, /unterminated quote/);
});

test("a row with the wrong number of fields names the file, data row, line and the first missing column", () => {
  const bad = GOOD_MODELS + "5,doorstroom,2020,124621,566,62,fixed,Geslacht,Vrouw,2,0.07\n";
  const dir = folder({ descriptives: GOOD_DESCRIPTIVES, models: bad });
  const file = join(dir, MODELS_FILE);
  throwsAt(() => loadPublishedModels(dir), { file, row: 4, line: 5, column: "se" }, /has 11 fields but the header has 14/);
  const extra = GOOD_MODELS.replace(",2,-0.32,0.03,,\n", ",2,-0.32,0.03,,,x\n");
  const dir2 = folder({ descriptives: GOOD_DESCRIPTIVES, models: extra });
  throwsAt(() => loadPublishedModels(dir2), { file: join(dir2, MODELS_FILE), row: 1, line: 2 }, /has 15 fields but the header has 14/);
});

test("a non-numeric value where a number is needed names file, row, line, column and value", () => {
  for (const [from, to, column, value] of [
    [",0.447,,", ",0.447 ,,", "mean", "0.447 "],
    [",4.51,1.32,", ",4.51,NA,", "sd", "NA"],
    [",124621,Doorstroom,", ",0x10,Doorstroom,", "n", "0x10"],
  ] as const) {
    const d = folder({ descriptives: GOOD_DESCRIPTIVES.replace(from, to), models: GOOD_MODELS });
    const row = from === ",4.51,1.32," ? 2 : 1;
    throwsAt(() => loadPublishedDescriptives(d), { file: join(d, DESCRIPTIVES_FILE), row, line: row + 1, column, value }, /is not a number/);
  }
  const m = folder({ descriptives: GOOD_DESCRIPTIVES, models: GOOD_MODELS.replace(",-0.61,0.03,", ",-0.61,(0.03),") });
  throwsAt(() => loadPublishedModels(m), { file: join(m, MODELS_FILE), row: 2, line: 3, column: "se", value: "(0.03)" }, /"\(0\.03\)" is not a number/);
});

test("an empty required number, an unknown outcome, part or is_reference are errors naming the cell", () => {
  const empty = folder({ descriptives: GOOD_DESCRIPTIVES, models: GOOD_MODELS.replace(",2,-0.32,0.03,", ",2,,0.03,") });
  throwsAt(() => loadPublishedModels(empty), { file: join(empty, MODELS_FILE), row: 1, column: "estimate", value: "" }, /a number is required/);
  const part = folder({ descriptives: GOOD_DESCRIPTIVES, models: GOOD_MODELS.replace(",random,", ",randm,") });
  throwsAt(() => loadPublishedModels(part), { file: join(part, MODELS_FILE), row: 3, column: "part", value: "randm" }, /not one of fixed, random, diagnostic/);
  const outcome = folder({ descriptives: GOOD_DESCRIPTIVES.replace("1,doorstroom,2020,124621,Doorstroom", "1,Doorstroom,2020,124621,Doorstroom"), models: GOOD_MODELS });
  throwsAt(() => loadPublishedDescriptives(outcome), { file: join(outcome, DESCRIPTIVES_FILE), row: 1, column: "outcome", value: "Doorstroom" }, /not one of doorstroom, vsv/);
  const flag = folder({ descriptives: GOOD_DESCRIPTIVES.replace(",false,0.447,", ",ja,0.447,"), models: GOOD_MODELS });
  throwsAt(() => loadPublishedDescriptives(flag), { file: join(flag, DESCRIPTIVES_FILE), row: 1, column: "is_reference", value: "ja" }, /not one of true, false/);
});

test("a header without a needed column is an error naming the file and the column", () => {
  const dir = folder({ descriptives: GOOD_DESCRIPTIVES, models: GOOD_MODELS.replace(",ame,note", ",ames,note") });
  throwsAt(() => loadPublishedModels(dir), { file: join(dir, MODELS_FILE), row: 0, column: "ame" }, /the header lacks column "ame"/);
});

test("a missing file is an error naming the file", () => {
  const dir = folder({ descriptives: GOOD_DESCRIPTIVES });
  const file = join(dir, MODELS_FILE);
  throwsAt(() => loadPublishedModels(dir), { file, row: 0 }, /cannot read the file \(ENOENT/);
});

test("KANSEN_REFERENCE_DIR comes first; a folder without the files is an error naming folder and file", () => {
  const repo = join(root, `repo${counter++}`);
  const own = join(repo, ...REFERENCE_SUBDIR);
  mkdirSync(own, { recursive: true });
  writeFileSync(join(own, DESCRIPTIVES_FILE), GOOD_DESCRIPTIVES);
  writeFileSync(join(own, MODELS_FILE), GOOD_MODELS);
  const env = folder({ descriptives: GOOD_DESCRIPTIVES, models: GOOD_MODELS });
  assert.equal(referenceDir(env, repo), resolve(env), "the env var wins over the repository's copy");
  assert.equal(referenceDir("", repo), own, "an empty env var counts as unset");
  const half = folder({ descriptives: GOOD_DESCRIPTIVES });
  assert.throws(() => referenceDir(half, repo), (err: unknown) => {
    assert.ok(err instanceof Error);
    assert.ok(err.message.includes(`KANSEN_REFERENCE_DIR=${half}`), err.message);
    assert.ok(err.message.includes(`the folder ${resolve(half)} does not hold ${MODELS_FILE}`), err.message);
    assert.ok(!err.message.includes(DESCRIPTIVES_FILE), "only the missing file is named");
    return true;
  });
  const none = folder({});
  assert.throws(() => referenceDir(none, repo), new RegExp(`does not hold ${DESCRIPTIVES_FILE} nor ${MODELS_FILE}`));
});

test("the process environment is what referenceDir reads by default", () => {
  const saved = process.env["KANSEN_REFERENCE_DIR"];
  const env = folder({ descriptives: GOOD_DESCRIPTIVES, models: GOOD_MODELS.replace("-0.32", "-0.99") });
  try {
    process.env["KANSEN_REFERENCE_DIR"] = env;
    assert.equal(referenceDir(), resolve(env));
    assert.equal(loadPublishedModels()[0]?.estimate, -0.99, "the default folder is the env var's");
    process.env["KANSEN_REFERENCE_DIR"] = join(env, "nowhere");
    assert.throws(() => loadPublishedDescriptives(), /KANSEN_REFERENCE_DIR=.*nowhere.*does not hold published-descriptives\.csv nor published-models\.csv/);
  } finally {
    if (saved === undefined) delete process.env["KANSEN_REFERENCE_DIR"];
    else process.env["KANSEN_REFERENCE_DIR"] = saved;
  }
});

test("without the env var: the repository's own reference/bijlage-3b, never a folder beside the repository", () => {
  const repo = join(root, `repo${counter++}`, "kansen-mbo");
  const beside = join(repo, "..", "shared", "reference");
  mkdirSync(beside, { recursive: true });
  writeFileSync(join(beside, DESCRIPTIVES_FILE), GOOD_DESCRIPTIVES);
  writeFileSync(join(beside, MODELS_FILE), GOOD_MODELS);
  const own = join(repo, ...REFERENCE_SUBDIR);
  assert.throws(() => referenceDir(undefined, repo), (err: unknown) => {
    assert.ok(err instanceof Error);
    assert.ok(err.message.includes(own) && !err.message.includes("shared"), err.message);
    assert.match(err.message, /does not hold published-descriptives\.csv nor published-models\.csv/);
    return true;
  });
  mkdirSync(own, { recursive: true });
  writeFileSync(join(own, DESCRIPTIVES_FILE), GOOD_DESCRIPTIVES);
  assert.throws(() => referenceDir(undefined, repo), /does not hold published-models\.csv/);
  writeFileSync(join(own, MODELS_FILE), GOOD_MODELS);
  assert.equal(referenceDir(undefined, repo), own);
});

test("the default folder is the repository's copy and holds Tabel 1-8", () => {
  const saved = process.env["KANSEN_REFERENCE_DIR"];
  delete process.env["KANSEN_REFERENCE_DIR"];
  try {
    assert.equal(referenceDir(), resolve(__dirname, "..", "..", ...REFERENCE_SUBDIR));
    assert.deepEqual([...new Set(loadPublishedDescriptives().map((d) => d.table))].sort(), [1, 2, 3, 4]);
    assert.deepEqual([...new Set(loadPublishedModels().map((d) => d.table))].sort(), [5, 6, 7, 8]);
  } finally {
    if (saved !== undefined) process.env["KANSEN_REFERENCE_DIR"] = saved;
  }
});
