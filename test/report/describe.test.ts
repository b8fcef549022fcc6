import { test } from "node:test";
import assert from "node:assert/strict";
import { loadRawData } from "../../src/data/load";
import { buildAnalysisFrames } from "../../src/transform/frames";
import { compareFrameWithPublished, describeFrame } from "../../src/report/describe";
import { loadPublishedDescriptives } from "../../src/data/reference";
import { crossTablesByMigration, descriptivePopulations, frequencyTables, outcomeRatesByMigration } from "../../src/transform/yearly";
import { writeRawFolder, type StudentSpec } from "../data/fixture";

const students: StudentSpec[] = [
  // doorstroom 2020 population (diploma in 2019)
  { id: "a", score: 520, citojaar: 2010, years: { 2019: { diploma: 1, leeftijd: 17 }, 2020: { crebo: "10004" } } },
  { id: "b", migratie: "niet-westers", geslacht: "V", ouders: "", score: "", years: { 2019: { diploma: 1, leeftijd: 19, leerweg: "BBL" } } },
  { id: "c", migratie: "westers", score: 540, citojaar: 2015, years: { 2019: { diploma: 1, leeftijd: 21, crebo: "10004", diplomaNiveau: 4 } }, hbo: [2020] },
  { id: "d", migratie: "niet-westers", ouders: "max_vmbo_kader", years: { 2019: { diploma: 1, leeftijd: 15, crebo: "10012", diplomaNiveau: 2 } } },
  // enrolled in 2015 for the 2016 descriptives
  { id: "e", migratie: "niet-westers", years: { 2015: { leeftijd: 16, diploma: 1, crebo: "10002", diplomaNiveau: 2 }, 2016: { crebo: "10003" } } },
  { id: "f", years: { 2015: { leeftijd: 30 } } },
  { id: "g", migratie: "", years: { 2015: { leeftijd: 16 } } },
  { id: "h", years: { 2015: { leeftijd: 18, leerweg: "EX" } } },
  { id: "i", years: { 2015: { leeftijd: 18 } } },
];
const vsv = [
  { id: "e", jaar: 2016, startpopulatie: 1, nieuwe_vsver: 0 },
  { id: "i", jaar: 2016, startpopulatie: 1, nieuwe_vsver: 1 },
];
const raw = loadRawData(writeRawFolder({ students, vsv }));

test("describeFrame gives exactly the published (group, category) rows of Tabel 1, with the frame's numbers", () => {
  const frames = buildAnalysisFrames(raw);
  const d = describeFrame(frames.doorstroom2020);
  assert.equal(d.tableNumber, 1);
  assert.equal(d.n, 4);
  const published = loadPublishedDescriptives().filter((p) => p.table === 1);
  assert.deepEqual(d.rows.map((r) => `${r.group}|${r.category}`), published.map((p) => `${p.group}|${p.category}`));
  const get = (g: string, c: string) => d.rows.find((r) => r.group === g && r.category === c);
  assert.equal(get("Doorstroom", "Doorstroom")?.mean, 0.5);
  assert.equal(get("Migratieachtergrond", "Niet-westerse migratieachtergrond")?.mean, 0.5);
  assert.equal(get("Opleidingsniveau ouders", "Onbekend (missing indicator)")?.mean, 0.25);
  assert.equal(get("Leeftijd (vanaf 14, per jaar)", "Leeftijd (vanaf 14, per jaar)")?.mean, (3 + 5 + 7 + 1) / 4);
  assert.equal(get("Citoscore", "Citoscore")?.max, 100);
  assert.equal(get("Citojaar", "2010")?.mean, 0.25);
  assert.equal(get("Citojaar", ">2014")?.mean, 0.25);
  // d has score 530 from 2012 by default; b has no score: the 2009 share counts observed years only
  assert.equal(get("Citojaar", "2009")?.mean, 0);
  assert.equal(get("Niveau", "Niveau 3")?.isReference, true);
  const cmp = compareFrameWithPublished(frames.doorstroom2020, "synthetic");
  const cell = cmp.rows.find((r) => r.group === "Doorstroom" && r.statistic === "mean");
  assert.ok(cell);
  assert.equal(cell.published, 0.447);
  assert.ok(Math.abs((cell.difference as number) - (0.5 - 0.447)) < 1e-12);
  assert.equal(cell.withinTolerance, false);
});

test("yearly descriptive populations follow 3a 3.1 (bol/bbl, 14-25, migration known; no location rule)", () => {
  const [p2016, , , , p2020] = descriptivePopulations(raw);
  assert.equal(p2016.year, 2016);
  assert.deepEqual(p2016.flow.map((s) => s.nOut), [9, 5, 4, 3, 2]);
  assert.equal(p2020.n, 4);
  const freq = frequencyTables([p2016]);
  const f = (v: string, c: string) => freq.find((r) => r.variable === v && r.category === c);
  assert.deepEqual([f("migratie", "niet-westers")?.n, f("migratie", "niet-westers")?.share], [1, 0.5]);
  assert.deepEqual([f("diploma", "ja")?.n, f("diploma", "ja")?.share], [1, 0.5]);
  assert.deepEqual([f("doorstroom", "ja")?.n, f("doorstroom", "ja")?.share], [1, 1]);
  assert.deepEqual([f("vsv", "ja")?.n, f("vsv", "ja")?.share], [1, 0.5]);
  assert.equal(f("leeftijd", "16")?.n, 1);
  assert.equal(f("cito", "530-539")?.n, 2);
  const rates = outcomeRatesByMigration([p2016]);
  const rate = (o: string, m: string) => rates.find((r) => r.outcome === o && r.migratie === m);
  assert.deepEqual([rate("vsv", "geen")?.n, rate("vsv", "geen")?.rate], [1, 1]);
  assert.deepEqual([rate("vsv", "niet-westers")?.rate, rate("vsv", "totaal")?.rate], [0, 0.5]);
  assert.deepEqual([rate("doorstroom", "niet-westers")?.rate, rate("doorstroom", "geen")?.n], [1, 0]);
  const cross = crossTablesByMigration([p2016]);
  const x = cross.find((r) => r.variable === "niveau" && r.category === "2" && r.migratie === "niet-westers");
  assert.deepEqual([x?.n, x?.share], [1, 1]);
  assert.equal(cross.some((r) => r.variable === "migratie"), false);
});
