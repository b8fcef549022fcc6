import { test } from "node:test";
import assert from "node:assert/strict";
import {
  ameForestFigure,
  caterpillarFigure,
  citoByMissingnessFigure,
  figureDivHtml,
  figureHtml,
  outcomeRatesFigure,
  robustnessFigure,
  selectionFlowFigure,
  type FigureSpec,
} from "../../src/report/figures";
import { comparisonTableHtml, descriptiveTableHtml, modelTableHtml, showFigure, simpleTableHtml } from "../../src/report/display";
import { loadPublishedModels } from "../../src/data/reference";
import { compareModels } from "../../src/report/compare";
import { modelTable } from "../../src/report/tables";
import { publishedSummaries } from "./fixtures";

/** Every trace has a type and x/y arrays of equal, non-zero length with finite numbers where numeric. */
function assertWellFormed(spec: FigureSpec): void {
  assert.match(spec.id, /^[A-Za-z0-9_-]+$/);
  assert.ok(spec.title.length > 0);
  assert.ok(spec.data.length > 0, `${spec.id}: no traces`);
  for (const t of spec.data) {
    assert.ok(typeof t.type === "string" && t.type.length > 0);
    assert.ok(t.x && t.y, `${spec.id}: trace without x or y`);
    assert.ok(t.x.length > 0);
    assert.equal(t.x.length, t.y.length, `${spec.id}: x and y differ in length`);
    for (const v of [...t.x, ...t.y]) if (typeof v === "number") assert.ok(Number.isFinite(v), `${spec.id}: non-finite value`);
  }
  JSON.stringify(spec); // serialisable as plotly expects
}

const BG = ["Geen migratie-achtergrond", "Niet-westerse migratieachtergrond", "Westerse migratieachtergrond"];

test("all six figure kinds give well-formed plotly specs", () => {
  const rates = [2016, 2017, 2018, 2019, 2020, 2021].flatMap((year) => BG.map((group, k) => ({ year, group, rate: 0.4 + 0.05 * k, n: 1000 })));
  const specs = [
    outcomeRatesFigure("doorstroom", rates),
    selectionFlowFigure("selectie-doorstroom-2020", "Selectie", [
      { label: "Ingeschreven", n: 1000 },
      { label: "bol/bbl", n: 950 },
      { label: "14-25 jaar", n: 800 },
    ]),
    citoByMissingnessFigure("cito-ouders", "Cito naar ouders bekend", [
      { label: "ouders bekend", counts: Array.from({ length: 51 }, (_, s) => 50 - Math.abs(25 - s)) },
      { label: "ouders onbekend", counts: Array.from({ length: 51 }, (_, s) => 40 - Math.abs(20 - s)) },
    ]),
    ameForestFigure("vsv", 2021, [
      { label: "Niet-westers", estimate: 0.012, se: 0.002 },
      { label: "BBL", estimate: -0.01, se: NaN },
    ]),
    caterpillarFigure("slopes-vsv-2021", "Slopes", [
      { level: "L2", mode: 0.2, sd: 0.1 },
      { level: "L1", mode: -0.3, sd: 0.1 },
    ], "b"),
    robustnessFigure("doorstroom", 2020, [{ label: "BBL", full: -0.78, fullSe: 0.02, reduced: -0.77, reducedSe: 0.02 }]),
  ];
  specs.forEach(assertWellFormed);
  assert.equal(specs[0]?.data.length, 3);
  assert.deepEqual(specs[0]?.data[0]?.x, [2016, 2017, 2018, 2019, 2020, 2021]);
  assert.deepEqual(specs[4]?.data[0]?.y, [-0.3, 0.2]); // caterpillar sorted by mode
  assert.equal(specs[2]?.data[0]?.x?.[0], 500);
  const shares = specs[2]?.data[0]?.y as number[];
  assert.ok(Math.abs(shares.reduce((a, b) => a + b, 0) - 1) < 1e-12);
});

test("figures refuse empty input and non-finite estimates, naming the figure", () => {
  assert.throws(() => outcomeRatesFigure("vsv", []), /outcomeRatesFigure\(vsv\): no rates/);
  assert.throws(() => ameForestFigure("vsv", 2020, [{ label: "x", estimate: NaN, se: 1 }]), /'x' has a non-finite value/);
  assert.throws(() => citoByMissingnessFigure("c", "t", [{ label: "leeg", counts: [0, 0] }]), /'leeg' has no students/);
});

test("standalone figure HTML inlines the plotly bundle and cannot be broken by a label with </script>", () => {
  const spec = ameForestFigure("doorstroom", 2020, [{ label: "</script><b>x", estimate: 0.1, se: 0.01 }]);
  const html = figureHtml(spec, "window.Plotly={newPlot:function(){}};");
  assert.match(html, /^<!DOCTYPE html>/);
  assert.match(html, /window\.Plotly=\{newPlot/);
  assert.match(html, /Plotly\.newPlot\(el,/);
  assert.doesNotMatch(html, /https?:\/\/cdn/);
  assert.equal(html.split("</script>").length - 1, 2); // the bundle's and the figure's, nothing else closes
  const div = figureDivHtml(spec);
  assert.match(div, /id="fig-ame-doorstroom-2020"/);
  const shown: string[] = [];
  showFigure({ html: (s) => shown.push(s) }, spec);
  assert.equal(shown[0], div);
});

test("the real bundle is inlined in a standalone figure", () => {
  const html = figureHtml(outcomeRatesFigure("vsv", [{ year: 2020, group: BG[0] as string, rate: 0.05, n: 10 }]));
  assert.ok(html.length > 1_000_000);
  assert.match(html, /plotly\.js v4\.1\.1/);
});

test("model and comparison tables render as HTML with the 3b labels, the AME column and the not-converged banner", () => {
  const { summaries } = publishedSummaries(5, { failing: "2" });
  const t = modelTable(summaries);
  const html = modelTableHtml(t);
  assert.match(html, /Tabel 5 Multilevel logistisch regressiemodel van doorstroom/);
  assert.match(html, /Migratieachtergrond \(ref\. geen migratie-achtergrond\)/);
  assert.match(html, /<td>0\.83 \(0\.02\)<\/td>/);
  assert.match(html, /<td class="ame">0\.125<\/td>/);
  assert.match(html, /Niet geconvergeerd: model 2/);
  const c = compareModels(t, loadPublishedModels(), "synthetic");
  const ch = comparisonTableHtml(c);
  assert.match(ch, /SYNTHETISCHE DATA/);
  assert.match(ch, /Typo: SE printed as \(0\.2\)/);
  assert.match(ch, /Getoond: cellen buiten een tolerantie of met een noot bij de gepubliceerde waarde \((\d+)\)/);
  assert.match(ch, /<details><summary>Alle \d+ cellen van de vergelijking<\/summary>/);
  assert.doesNotMatch(comparisonTableHtml(c, { onlyOutside: true }), /<details>/);
  // Nothing flagged: no empty table, a sentence instead.
  const clean = { ...c, rows: c.rows.filter((r) => r.withinTolerance !== false && r.note === "") };
  const cleanHtml = comparisonTableHtml(clean);
  assert.match(cleanHtml, /Elke cel binnen haar tolerantie/);
  assert.equal((cleanHtml.match(/<table/g) ?? []).length, 1); // only the folded full list
  assert.match(simpleTableHtml("Stap", ["a", "b"], [["x<y", 0.5]]), /<td>x&lt;y<\/td><td>0\.500<\/td>/);
  assert.match(descriptiveTableHtml({ kind: "descriptive", tableNumber: 1, outcome: "doorstroom", year: 2020, n: 1, caption: "Tabel 1", rows: [{ group: "Geslacht", category: "Man", isReference: true, mean: 0.5, sd: null, min: 0, max: 1 }], footnote: "" }), /Man \(ref\.\)<\/td><td>\.500<\/td><td>-<\/td>/);
});

test("figures written to a run share one copy of the pinned bundle, loaded by a relative script (no CDN)", async () => {
  const { mkdtempSync, readFileSync, readdirSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const { writeFigure } = await import("../../src/report/outputs");
  const out = mkdtempSync(join(tmpdir(), "figures-"));
  writeFigure(out, outcomeRatesFigure("vsv", [{ year: 2020, group: BG[0] as string, rate: 0.05, n: 10 }]));
  writeFigure(out, ameForestFigure("vsv", 2020, [{ label: "Vrouw", estimate: -0.02, se: 0.001 }]));
  const files = readdirSync(join(out, "figures")).sort();
  assert.deepEqual(files.filter((f) => f.endsWith(".js")), ["plotly-4.1.1.js"]);
  assert.equal(files.length, 3);
  const html = readFileSync(join(out, "figures", files.find((f) => f.startsWith("ame"))!), "utf8");
  assert.match(html, /<script type="text\/javascript" src="plotly-4\.1\.1\.js"><\/script>/);
  assert.ok(html.length < 100_000, "the figure itself is small");
  assert.doesNotMatch(html, /https?:\/\//);
  assert.match(readFileSync(join(out, "figures", "plotly-4.1.1.js"), "utf8"), /plotly\.js v4\.1\.1/);
});

test("a p-value prints as < 0.001 below 0.0005, never 0, and the LRT table has one format per column", async () => {
  const { formatPValue } = await import("../../src/report/tables");
  const { lrtRows, LRT_HEADER } = await import("../../src/report/adapters");
  assert.equal(formatPValue(0), "< 0.001");
  assert.equal(formatPValue(1e-300), "< 0.001");
  assert.equal(formatPValue(0.0004999), "< 0.001");
  assert.equal(formatPValue(0.0005), "0.001");
  assert.equal(formatPValue(0.0312), "0.031");
  assert.equal(formatPValue(1), "1.000");
  assert.equal(formatPValue(NaN), "NA");
  const rows = lrtRows([
    { smaller: "0", larger: "1a", statistic: 412.5, df: 4, pValue: 0, boundary: false },
    { smaller: "1c", larger: "2", statistic: 3, df: 2, pValue: 0.2231, boundary: true },
  ]);
  const html = simpleTableHtml("LRT", LRT_HEADER, rows, [null, null, "fixed2", "integer", "pValue", null]);
  assert.match(html, /<td>0<\/td><td>1a<\/td><td>412\.50<\/td><td>4<\/td><td>&lt; 0\.001<\/td><td>nee<\/td>/);
  assert.match(html, /<td>1c<\/td><td>2<\/td><td>3\.00<\/td><td>2<\/td><td>0\.223<\/td><td>ja<\/td>/, "a whole chi2 prints 3.00 like its column, not 3");
});
