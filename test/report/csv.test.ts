import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseCsvRecords, readCsvRecords } from "../../src/data/csv";
import { toCsv, MODEL_CSV_HEADER } from "../../src/report/csv";
import { writeFileAtomic } from "../../src/audit/atomic-output";
import { modelTable } from "../../src/report/tables";
import { readFitSummary, writeFitSummary, writeTableCsv } from "../../src/report/outputs";
import { publishedSummaries } from "./fixtures";

test("CSV fields with commas, quotes and line breaks survive a round trip", () => {
  const text = toCsv(["a", "b"], [["Leeftijd (vanaf 14, per jaar)", 'zeg "hoi"'], ["x\ny", null]]);
  assert.equal(text.split("\n")[0], "a,b");
  const { header, rows } = parseCsvRecords(text, "t.csv");
  assert.deepEqual(header, ["a", "b"]);
  assert.deepEqual(rows, [["Leeftijd (vanaf 14, per jaar)", 'zeg "hoi"'], ["x\ny", ""]]);
  assert.throws(() => toCsv(["a"], [[1, 2]]), /row 1 has 2 fields/);
  assert.throws(() => toCsv(["estimate", "SE", "estimate 2", "SE"], []), /column 4 repeats the column name "SE"/);
});

test("a model table is written as long-format CSV with one line per published-style cell", () => {
  const dir = mkdtempSync(join(tmpdir(), "report-csv-"));
  try {
    const t = modelTable(publishedSummaries(5).summaries);
    const path = writeTableCsv(dir, t);
    assert.equal(path, join(dir, "tables", "tabel-5-doorstroom-2020.csv"));
    const { header, rows } = readCsvRecords(path);
    assert.deepEqual(header, [...MODEL_CSV_HEADER]);
    assert.equal(rows.length, 78); // as many cells as the published Tabel 5 has
    const nw2 = rows.find((r) => r[9] === "migratieniet-westers" && r[10] === "2");
    assert.deepEqual(nw2?.slice(11, 15), ["0.6", "0.03", "0.125", "true"]);
    assert.deepEqual(readdirSync(join(dir, "tables")), ["tabel-5-doorstroom-2020.csv"]); // no temp file left
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a failed atomic write leaves the previous file intact and no temporary file behind", () => {
  const dir = mkdtempSync(join(tmpdir(), "report-atomic-"));
  try {
    const target = join(dir, "t.csv");
    writeFileSync(target, "old\n");
    // Renaming a file over a non-empty directory fails: simulate a failure at the last step.
    const blocked = join(dir, "blocked");
    mkdirSync(join(blocked, "inner"), { recursive: true });
    assert.throws(() => writeFileAtomic(blocked, "new\n"), /could not write .*blocked/);
    assert.deepEqual(readdirSync(dir).sort(), ["blocked", "t.csv"]);
    writeFileAtomic(target, "new\n");
    assert.equal(readFileSync(target, "utf8"), "new\n");
    if (process.getuid?.() !== 0) {
      chmodSync(dir, 0o500);
      assert.throws(() => writeFileAtomic(target, "newer\n"), /could not write/);
      chmodSync(dir, 0o700);
      assert.equal(readFileSync(target, "utf8"), "new\n");
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("fit summaries round-trip through JSON, NaN included, and a broken file is named", () => {
  const dir = mkdtempSync(join(tmpdir(), "report-fits-"));
  try {
    const s = publishedSummaries(5).summaries[4];
    assert.ok(s);
    const withNaN = { ...s, fixed: s.fixed.map((f, i) => (i === 1 ? { ...f, se: NaN } : f)), convergence: { ...s.convergence, maxAbsScaledGradient: NaN } };
    writeFitSummary(dir, withNaN);
    const back = readFitSummary(dir, "doorstroom", 2020, "2");
    assert.ok(back);
    assert.ok(Number.isNaN(back.fixed[1]?.se));
    assert.equal(back.fixed[2]?.estimate, s.fixed[2]?.estimate);
    assert.ok(Number.isNaN(back.convergence.maxAbsScaledGradient));
    assert.match(modelTable([back]).convergence[0]?.text ?? "", /geschaald NA/);
    assert.equal(readFitSummary(dir, "doorstroom", 2020, "1c"), undefined);
    writeFileSync(join(dir, "fits", "doorstroom-2020-model-1b.json"), "{\"model\": 1}");
    assert.throws(() => readFitSummary(dir, "doorstroom", 2020, "1b"), /doorstroom-2020-model-1b.json: not a fit summary/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
