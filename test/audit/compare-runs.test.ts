import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { compareRuns, compareTables, formatRunComparison } from "../../src/audit/compare-runs";

function run(root: string, name: string, tabel5: string, config: object): string {
  const dir = join(root, name);
  mkdirSync(join(dir, "tables"), { recursive: true });
  writeFileSync(join(dir, "tables", "tabel5.csv"), tabel5);
  writeFileSync(join(dir, "manifest.json"), JSON.stringify({ id: name, createdAt: name, config, steps: [{ name: "fit", durationSeconds: Math.random() }] }));
  return dir;
}

test("rows are joined on their label columns, not on position", () => {
  const a = { header: ["group", "category", "estimate"], rows: [["Niveau", "Niveau 1", "1.52"], ["Leerweg", "BBL", "-0.78"]] };
  const b = { header: ["group", "category", "estimate"], rows: [["Leerweg", "BBL", "-0.70"], ["Niveau", "Niveau 1", "1.52"], ["Geslacht", "Vrouw", "0.07"]] };
  const c = compareTables("t", a, b);
  assert.deepEqual(c.keyColumns, ["group"], "label columns are taken until they tell the rows apart");
  assert.equal(c.changed.length, 1);
  assert.equal(c.changed[0]!.row, "Leerweg");
  assert.ok(Math.abs(c.changed[0]!.difference! - 0.08) < 1e-12);
  assert.deepEqual(c.rowsOnlyInB, ["Geslacht"]);
  assert.equal(c.unchangedCells, 3, "category is compared as a value once group tells the rows apart");
});

test("compareRuns lists changed cells per table and the manifest fields that differ, ignoring timings", () => {
  const root = mkdtempSync(join(tmpdir(), "compare-"));
  const a = run(root, "a", "group,category,estimate,manifest_id\nMigratie,Westers,0.14,aaa\n", { reference: { migratie: "geen" } });
  const b = run(root, "b", "group,category,estimate,manifest_id\nMigratie,Westers,-0.46,bbb\n", { reference: { migratie: "westers" } });
  const c = compareRuns(a, b);
  assert.equal(c.tables.length, 1);
  assert.equal(c.tables[0]!.changed.length, 1, "manifest_id is not reported as a change");
  assert.deepEqual(c.manifest.map((d) => d.path).sort(), ["config.reference.migratie", "id"]);
  const text = formatRunComparison(c);
  assert.match(text, /config\.reference\.migratie: geen -> westers/);
  assert.match(text, /Migratie \/ estimate: 0\.14 -> -0\.46 {2}\(-0\.6\)/);
});

test("compareRuns reads quoted labels as one field and names a malformed CSV's file and row", () => {
  const root = mkdtempSync(join(tmpdir(), "compare-"));
  const a = run(root, "a", 'group,category,estimate\n"Leeftijd (vanaf 14, per jaar)",Leeftijd,0.10\nGeslacht,Vrouw,0.07\n', {});
  const b = run(root, "b", 'group,category,estimate\r\n"Leeftijd (vanaf 14, per jaar)",Leeftijd,0.12\r\nGeslacht,Vrouw,0.07\r\n', {});
  const c = compareRuns(a, b);
  assert.deepEqual(c.tables[0]!.changed.map((x) => `${x.row}: ${x.a} -> ${x.b}`), ["Leeftijd (vanaf 14, per jaar): 0.10 -> 0.12"]);
  const bad = run(root, "bad", "group,category,estimate\nGeslacht,Vrouw\n", {});
  const withBad = compareRuns(a, bad);
  assert.equal(withBad.tables.length, 0);
  assert.equal(withBad.unreadable.length, 1);
  assert.equal(withBad.unreadable[0]!.table, "tables/tabel5.csv");
  assert.match(withBad.unreadable[0]!.message, new RegExp(`${join(bad, "tables", "tabel5.csv").replace(/[/\\.]/g, "\\$&")}: data row 1 \\(line 2\\) has 2 fields but the header has 3`));
  assert.match(formatRunComparison(withBad), /table not compared: tables\/tabel5\.csv: .*has 2 fields but the header has 3/);
});

test("npm run compare exits 2 with usage on bad arguments and 1 naming a missing folder", () => {
  const usage = spawnSync(process.execPath, ["--import", "tsx", "scripts/compare.ts", "only-one"], { encoding: "utf8" });
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /usage: npm run compare/);
  const missing = spawnSync(process.execPath, ["--import", "tsx", "scripts/compare.ts", "/nonexistent/a", "/nonexistent/b"], { encoding: "utf8" });
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /\/nonexistent\/a is not an output folder/);
});

test("the key is the label columns up to uniqueness: constant and text columns in, numbers, booleans and later text out", () => {
  const header = ["table", "year", "part", "category", "model", "estimate", "converged", "tolerance"];
  const a = { header, rows: [["5", "2020", "fixed", "Vrouw", "1b", "0.07", "true", "±0.02 (2 SE)"], ["5", "2020", "fixed", "Vrouw", "2", "0.07", "true", "±0.04 (2 SE)"], ["5", "2020", "fixed", "BBL", "2", "-0.78", "true", "±0.04 (2 SE)"]] };
  const b = { header, rows: [["5", "2020", "fixed", "BBL", "2", "-0.70", "false", "±0.05 (2 SE)"], ["5", "2020", "fixed", "Vrouw", "2", "0.07", "true", "±0.04 (2 SE)"], ["5", "2020", "fixed", "Vrouw", "1b", "0.07", "true", "±0.02 (2 SE)"]] };
  const c = compareTables("tabel-5", a, b);
  assert.deepEqual(c.keyColumns, ["table", "year", "part", "category", "model"]);
  assert.deepEqual(c.changed.map((x) => `${x.row}/${x.column}`).sort(), ["5 | 2020 | fixed | BBL | 2/converged", "5 | 2020 | fixed | BBL | 2/estimate", "5 | 2020 | fixed | BBL | 2/tolerance"]);
  assert.deepEqual(c.rowsOnlyInA, []);
});

test("a relative tolerance counts numbers that moved only in the last digits as unchanged, in tables and the manifest", () => {
  const root = mkdtempSync(join(tmpdir(), "compare-tol-"));
  const a = run(root, "a", "group,estimate,se\nVrouw,0.0700000000001,0.02\nMan,0.5,0.03\n", { logLik: -1000.0000000001, n: 5 });
  const b = run(root, "b", "group,estimate,se\nVrouw,0.07,0.02\nMan,0.6,0.03\n", { logLik: -1000, n: 6 });
  const exact = compareRuns(a, b);
  assert.equal(exact.tables[0]!.changed.length, 2);
  assert.deepEqual(exact.manifest.map((d) => d.path).sort(), ["config.logLik", "config.n", "id"]);
  const loose = compareRuns(a, b, { tolerance: 1e-9 });
  const t = loose.tables[0]!;
  assert.deepEqual(t.changed.map((c) => `${c.row}/${c.column}`), ["Man/estimate"]);
  assert.equal(t.withinTolerance, 1);
  assert.deepEqual(loose.manifest.map((d) => d.path).sort(), ["config.n", "id"]);
  assert.match(formatRunComparison(loose), /1 cells changed \(largest relative change 0\.17\)/);
  assert.throws(() => compareRuns(a, b, { tolerance: -1 }), /tolerance must be a number >= 0/);
});
