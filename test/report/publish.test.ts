import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { publishDescriptives, publishFigure, publishModels, publishSimpleTable } from "../../src/report/publish";
import { outcomeRatesFigure } from "../../src/report/figures";
import { publishedSummaries, smallFrame } from "./fixtures";

function withContext(fn: (ctx: { display: { html(s: string): void }; outDir: string; source: "synthetic" }, shown: string[]) => void): void {
  const dir = mkdtempSync(join(tmpdir(), "report-publish-"));
  const shown: string[] = [];
  try {
    fn({ display: { html: (s) => shown.push(s) }, outDir: dir, source: "synthetic" }, shown);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("publishing a model table shows table and comparison and writes both CSVs", () => {
  withContext((ctx, shown) => {
    const r = publishModels(ctx, publishedSummaries(7).summaries, new Map([["leerwegbbl", 0]]));
    assert.equal(shown.length, 2);
    assert.match(shown[0] ?? "", /Tabel 7 Multilevel logistisch regressiemodel van vsv/);
    assert.match(shown[1] ?? "", /SYNTHETISCHE DATA/);
    assert.deepEqual(readdirSync(join(ctx.outDir, "tables")).sort(), ["tabel-7-vsv-2020-vergelijking.csv", "tabel-7-vsv-2020.csv"]);
    assert.equal(r.comparison.summary.outside, 0);
    assert.equal(r.comparison.summary.truthJudged, 1);
  });
});

test("publishing descriptives, a figure and a simple table writes their files; an empty table is refused", () => {
  withContext((ctx, shown) => {
    const d = publishDescriptives(ctx, smallFrame(), "doorstroom", 2020);
    assert.equal(d.files.length, 2);
    assert.ok(d.comparison.summary.judged > 20);
    const f = publishFigure(ctx, outcomeRatesFigure("doorstroom", [{ year: 2020, group: "Geen migratie-achtergrond", rate: 0.4, n: 5 }]));
    assert.equal(f, join(ctx.outDir, "figures", "rates-doorstroom.html"));
    const s = publishSimpleTable(ctx, "selectie-doorstroom-2020", "Selectie", ["stap", "n"], [["alle", 10], ["bol/bbl", 9]]);
    assert.equal(s, join(ctx.outDir, "tables", "selectie-doorstroom-2020.csv"));
    assert.throws(() => publishSimpleTable(ctx, "leeg", "Leeg", ["a"], []), /publishSimpleTable\(leeg\): the table is empty/);
    assert.equal(shown.length, 4);
  });
});
