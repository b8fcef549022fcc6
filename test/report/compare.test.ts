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

/** Summaries of `table` with one fixed-effect cell or random component of one model changed. */
function withChange(table: number, model: string, change: { term?: string; estimate?: number; se?: number; group?: string; variance?: number; sd?: number }): FitSummary[] {
  const { summaries } = publishedSummaries(table);
  return summaries.map((s) =>
    s.model !== model
      ? s
      : {
          ...s,
          fixed: s.fixed.map((f) => (f.name === change.term ? { ...f, estimate: change.estimate ?? f.estimate, se: change.se ?? f.se } : f)),
          random: s.random.map((r) => (r.group === change.group && r.term === "(Intercept)" ? { ...r, variance: change.variance ?? r.variance, sd: change.sd ?? r.sd } : r)),
        },
  );
}

test("expected misses: a misprinted SE reproduced as its reading is expected, not a miss", () => {
  // Tabel 5 model 2 prints the SE of niveau 2 as (0.21); the reference note reads it as (0.02).
  const c = compareModels(modelTable(withChange(5, "2", { term: "niveau2", se: 0.021 })), loadPublishedModels(), "synthetic");
  const se = c.rows.find((r) => r.category === "Niveau 2" && r.model === "2" && r.statistic === "se");
  assert.equal(se?.withinTolerance, false);
  assert.match(se?.expectedMiss ?? "", /^misprint: printed 0\.21, read as 0\.02/);
  assert.equal(c.summary.outside, 0);
  assert.equal(c.summary.expected, 1);
  // Reproduced far from the reading as well: a miss.
  const far = compareModels(modelTable(withChange(5, "2", { term: "niveau2", se: 0.09 })), loadPublishedModels(), "synthetic");
  const seFar = far.rows.find((r) => r.category === "Niveau 2" && r.model === "2" && r.statistic === "se");
  assert.equal(seFar?.expectedMiss, "");
  assert.equal(far.summary.outside, 1);
});

test("expected misses: a flipped sign is judged against its reading; a printed 0.00 against (-0.005, 0.005)", () => {
  // Tabel 5 model 1c prints the age coefficient as 0.27, read as -0.27; SE printed 0.00.
  const c = compareModels(modelTable(withChange(5, "1c", { term: "leeftijd", estimate: -0.272, se: 0.0062 })), loadPublishedModels(), "synthetic");
  const est = c.rows.find((r) => r.category === "Leeftijd (vanaf 14, per jaar)" && r.model === "1c" && r.statistic === "estimate");
  assert.match(est?.expectedMiss ?? "", /^misprint: printed 0\.27, read as -0\.27/);
  const se = c.rows.find((r) => r.category === "Leeftijd (vanaf 14, per jaar)" && r.model === "1c" && r.statistic === "se");
  assert.equal(se?.withinTolerance, false);
  assert.match(se?.expectedMiss ?? "", /^rounded 0\.00/);
  assert.equal(c.summary.outside, 0);
  assert.equal(c.summary.expected, 2);
});

test("expected misses: an institution SD printed next to a variance of 0.00 has a sampling band wider than its tolerance", () => {
  // Tabel 6 model 1a: institution variance 0.00 (SD 0.01). A singular fit (0) misses the SD's tolerance
  // [0.003, 0.017] but lies in the sampling band of a variance near zero from 62 institutions.
  const c = compareModels(modelTable(withChange(6, "1a", { group: "instelling", variance: 0, sd: 0 })), loadPublishedModels(), "synthetic");
  const sd = c.rows.find((r) => r.category === "Instelling variantie" && r.model === "1a" && r.statistic === "sd");
  assert.equal(sd?.withinTolerance, false);
  assert.match(sd?.expectedMiss ?? "", /^sampling band: .*G = 62 groups/);
  // A location variance far off is a miss, not expected.
  const off = compareModels(modelTable(withChange(6, "0", { group: "locatie", variance: 0.1, sd: Math.sqrt(0.1) })), loadPublishedModels(), "synthetic");
  const loc = off.rows.filter((r) => r.category === "Schoollocatie variantie" && r.model === "0");
  assert.ok(loc.length === 2 && loc.every((r) => r.withinTolerance === false && r.expectedMiss === ""));
  assert.equal(off.summary.outside, 2);
});

test("expected misses in Tabel 1-4: the misprinted sector share of Tabel 4 reproduced as its reading", () => {
  const pub = loadPublishedDescriptives().filter((p) => p.table === 4);
  const rows = pub.map((p) => ({ group: p.group, category: p.category, isReference: p.isReference, mean: p.group === "Sector" && p.category === "Zorg en sport" ? 0.296 : p.mean, sd: p.sd, min: p.min, max: p.max }));
  const table: DescriptiveTable = { kind: "descriptive", tableNumber: 4, outcome: "vsv", year: 2021, n: 1000, caption: "", rows, footnote: "" };
  const c = compareDescriptives(table, loadPublishedDescriptives(), "synthetic");
  const zorg = c.rows.find((r) => r.category === "Zorg en sport");
  assert.equal(zorg?.withinTolerance, false);
  assert.match(zorg?.expectedMiss ?? "", /^misprint: printed 0\.251, read as 0\.296/);
  assert.equal(c.summary.outside, 0);
  assert.equal(c.summary.expected, 1);
});
