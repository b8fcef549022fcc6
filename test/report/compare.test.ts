import { test } from "node:test";
import assert from "node:assert/strict";
import { loadPublishedDescriptives, loadPublishedModels } from "../../src/data/reference";
import { compareDescriptives, compareModels } from "../../src/report/compare";
import { modelTable, type DescriptiveTable } from "../../src/report/tables";
import type { FitSummary } from "../../src/report/summary";
import { publishedSummaries } from "./fixtures";

test("a reproduction equal to the publication is within tolerance in every published cell", () => {
  const { summaries } = publishedSummaries(6);
  const c = compareModels(modelTable(summaries), loadPublishedModels(), "real");
  const published = loadPublishedModels().filter((p) => p.table === 6);
  // One estimate row per cell, plus SE / SD / AME rows where published.
  const expected = published.length + published.filter((p) => p.se !== null).length + published.filter((p) => p.ame !== null).length;
  assert.equal(c.rows.length, expected);
  assert.equal(c.summary.judged, expected);
  assert.equal(c.summary.outside, 0);
  assert.ok(c.rows.every((r) => r.difference === 0));
  assert.doesNotMatch(c.label, /SYNTHETIC/);
});

test("a changed coefficient shows its difference and fails the 2-SE tolerance; misprint notes are carried", () => {
  const { summaries } = publishedSummaries(5);
  const m2 = summaries[4] as FitSummary;
  const changed: FitSummary = { ...m2, fixed: m2.fixed.map((f) => (f.name === "leerwegbbl" ? { ...f, estimate: f.estimate + 0.1 } : f.name === "geslachtvrouw" ? { ...f, estimate: f.estimate + 0.1, se: 0.05 } : f)) };
  const c = compareModels(modelTable([...summaries.slice(0, 4), changed]), loadPublishedModels(), "synthetic");
  const bbl = c.rows.find((r) => r.category === "BBL" && r.model === "2" && r.statistic === "estimate");
  assert.ok(bbl);
  assert.ok(Math.abs((bbl.difference as number) - 0.1) < 1e-12);
  assert.equal(bbl.withinTolerance, false);
  // Vrouw moved as much, but its reproduced SE is 0.05: within 2 x 0.05, and its SE row is outside.
  const vrouw = c.rows.find((r) => r.category === "Vrouw" && r.model === "2" && r.statistic === "estimate");
  assert.equal(vrouw?.withinTolerance, true);
  assert.equal(c.summary.outside, 2);
  assert.match(c.label, /SYNTHETISCHE DATA/);
  const typo = c.rows.find((r) => r.category === "Leeftijd (vanaf 14, per jaar)" && r.model === "1c" && r.statistic === "estimate");
  assert.ok(typo);
  assert.match(typo.note, /^Typo: sign contradicts/);
});

test("model 2 fixed effects are judged against the generating truth: within 2 SE or not", () => {
  const { summaries } = publishedSummaries(5);
  const truth = new Map([
    ["migratieniet-westers", 0.6 + 0.05], // SE 0.03: 0.05 <= 0.06, within
    ["leerwegbbl", -0.78 + 0.05], // SE 0.02: 0.05 > 0.04, outside
  ]);
  const c = compareModels(modelTable(summaries), loadPublishedModels(), "synthetic", { truth });
  const nw = c.rows.find((r) => r.category === "Niet-westerse migratieachtergrond" && r.model === "2" && r.statistic === "estimate");
  const bbl = c.rows.find((r) => r.category === "BBL" && r.model === "2" && r.statistic === "estimate");
  assert.equal(nw?.withinTwoSeOfTruth, true);
  assert.equal(bbl?.withinTwoSeOfTruth, false);
  const m1c = c.rows.find((r) => r.category === "BBL" && r.model === "1c" && r.statistic === "estimate");
  assert.equal(m1c?.truth, null);
  assert.equal(c.summary.truthJudged, 2);
  assert.equal(c.summary.truthWithin, 1);
});

test("a published cell the reproduction lacks is outside tolerance and marked not reproduced", () => {
  const { summaries } = publishedSummaries(8);
  const m2 = summaries[4] as FitSummary;
  const noCito: FitSummary = { ...m2, fixed: m2.fixed.filter((f) => f.name !== "cito") };
  const c = compareModels(modelTable([...summaries.slice(0, 4), noCito]), loadPublishedModels(), "real");
  const row = c.rows.find((r) => r.category === "Citoscore (per score)" && r.model === "2" && r.statistic === "estimate");
  assert.equal(row?.withinTolerance, false);
  assert.match(row?.note ?? "", /niet gereproduceerd/);
});

test("descriptive tolerances: 0.01 absolute for a proportion, 3% relative for a mean and SD", () => {
  const pub = loadPublishedDescriptives().filter((p) => p.table === 1);
  const rows = pub.map((p) => ({
    group: p.group,
    category: p.category,
    isReference: p.isReference,
    mean: p.category === "Vrouw" ? p.mean + 0.011 : p.category === "Citoscore" ? p.mean * 1.029 : p.mean,
    sd: p.category === "Citoscore" ? (p.sd as number) * 0.969 : p.sd,
    min: p.min,
    max: p.max,
  }));
  const table: DescriptiveTable = { kind: "descriptive", tableNumber: 1, outcome: "doorstroom", year: 2020, n: 1000, caption: "", rows, footnote: "" };
  const c = compareDescriptives(table, loadPublishedDescriptives(), "synthetic");
  const vrouw = c.rows.find((r) => r.category === "Vrouw");
  assert.equal(vrouw?.withinTolerance, false);
  const citoMean = c.rows.find((r) => r.category === "Citoscore" && r.statistic === "mean");
  const citoSd = c.rows.find((r) => r.category === "Citoscore" && r.statistic === "sd");
  assert.equal(citoMean?.withinTolerance, true);
  assert.equal(citoSd?.withinTolerance, false);
  const n = c.rows.find((r) => r.statistic === "n");
  assert.equal(n?.published, 124621);
  assert.equal(n?.withinTolerance, null);
  assert.equal(c.summary.outside, 2);
});

test("cells of a model that did not converge say so in their note", () => {
  const { summaries } = publishedSummaries(8, { failing: "2" });
  const c = compareModels(modelTable(summaries), loadPublishedModels(), "synthetic");
  const m2 = c.rows.filter((r) => r.model === "2");
  assert.ok(m2.length > 0 && m2.every((r) => /model niet geconvergeerd/.test(r.note)));
  assert.ok(c.rows.filter((r) => r.model === "1c").every((r) => !/niet geconvergeerd/.test(r.note)));
});
