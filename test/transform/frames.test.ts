import { test } from "node:test";
import assert from "node:assert/strict";
import { loadRawData } from "../../src/data/load";
import { buildAnalysisFrames, buildFrame, resolveReferences, type AnalysisFrame } from "../../src/transform/frames";
import { citojaarCategory, recodeCito, sectorOf } from "../../src/transform/recode";
import { loadTableSchema } from "../../src/data/schema";
import { FACTOR_LEVELS, isFactor } from "../../src/vocabulary";
import { writeRawFolder, type StudentSpec } from "../data/fixture";

/** Row of a frame by student id, as a plain object. */
function row(frame: AnalysisFrame, id: string): Record<string, string | number> | undefined {
  const i = frame.data.id.indexOf(id);
  if (i < 0) return undefined;
  const out: Record<string, string | number> = {};
  for (const [name, col] of Object.entries(frame.columns)) out[name] = col[i] as string | number;
  return out;
}

// Diploma in 2019 (t for doorstroom 2020), level 3 (crebo 10003).
const dipl = (extra: Partial<StudentSpec> = {}, age = 18): StudentSpec => ({
  id: "x", years: { 2019: { diploma: 1, leeftijd: age } }, ...extra,
});

const students: StudentSpec[] = [
  { ...dipl(), id: "age14", years: { 2019: { diploma: 1, leeftijd: 14 } } },
  { ...dipl(), id: "age25", years: { 2019: { diploma: 1, leeftijd: 25 } } },
  { ...dipl(), id: "age13", years: { 2019: { diploma: 1, leeftijd: 13 } } },
  { ...dipl(), id: "age26", years: { 2019: { diploma: 1, leeftijd: 26 } } },
  { ...dipl(), id: "no-next", years: { 2019: { diploma: 1 } } },
  { ...dipl(), id: "same-level", years: { 2019: { diploma: 1 }, 2020: { crebo: "10003" } } },
  { ...dipl(), id: "lower-level", years: { 2019: { diploma: 1 }, 2020: { crebo: "10002" } } },
  { ...dipl(), id: "higher-mbo", years: { 2019: { diploma: 1 }, 2020: { crebo: "10004" } } },
  { ...dipl(), id: "higher-mbo-ex", years: { 2019: { diploma: 1 }, 2020: { crebo: "10004", leerweg: "EX" } } },
  { ...dipl(), id: "hbo", years: { 2019: { diploma: 1 } }, hbo: [2020] },
  { ...dipl(), id: "hbo-earlier", years: { 2019: { diploma: 1 } }, hbo: [2019] },
  { ...dipl(), id: "no-migration", migratie: "" },
  { ...dipl(), id: "ex", years: { 2019: { diploma: 1, leerweg: "EX" } } },
  { ...dipl(), id: "bbl", years: { 2019: { diploma: 1, leerweg: "BBL" } } },
  { ...dipl(), id: "no-location", years: { 2019: { diploma: 1, locatie: "" } } },
  { ...dipl(), id: "no-gender", geslacht: "" },
  { id: "no-diploma", years: { 2019: { diploma: 0 }, 2020: { crebo: "10004" } } },
  // diploma registered without an enrolment on 1 October (3a 2.5): a block with only diploma fields
  { id: "late-enrolment", years: { 2019: { instelling: "", locatie: "", crebo: "", leerweg: "", leeftijd: "", diploma: 1, diplomaNiveau: 3 } } },
  { ...dipl(), id: "cito499", score: 499 },
  { ...dipl(), id: "cito500", score: 500, citojaar: 2009 },
  { ...dipl(), id: "cito550", score: 550, citojaar: 2016 },
  { ...dipl(), id: "cito551", score: 551 },
  { ...dipl(), id: "cito-no-score", score: "" },
  { ...dipl(), id: "cito-2008", score: 540, citojaar: 2008 },
  { ...dipl(), id: "cito-no-year", score: 540, citojaar: "" },
  { ...dipl(), id: "cito2014", score: 520, citojaar: 2014 },
  { ...dipl(), id: "ouders-unknown", ouders: "", migratie: "niet-westers", geslacht: "V" },
  { ...dipl(), id: "sector-zorg", years: { 2019: { diploma: 1, crebo: "10004", diplomaNiveau: 4 } } },
  { ...dipl(), id: "sector-techniek", years: { 2019: { diploma: 1, crebo: "10012", diplomaNiveau: 2 } }, migratie: "westers" },
  { ...dipl(), id: "sector-onbekend", years: { 2019: { diploma: 1, crebo: "10024", diplomaNiveau: 4 } } },
  { ...dipl(), id: "sector-empty", years: { 2019: { diploma: 1, crebo: "10034", diplomaNiveau: 4 } } },
  { ...dipl(), id: "entree", years: { 2019: { diploma: 1, crebo: "10001", diplomaNiveau: 1 } } },
  // vsv 2020 population: enrolled in 2019, startpopulatie 1
  { id: "vsv-yes", years: { 2019: { leeftijd: 17 } } },
  { id: "vsv-no", years: { 2019: { leeftijd: 17, leerweg: "BBL" } } },
  { id: "vsv-start0", years: { 2019: {} } },
  { id: "vsv-norow", years: { 2019: {} } },
  { id: "vsv-not-enrolled" },
  { id: "vsv-ex", years: { 2019: { leerweg: "EX" } } },
];
const vsv = [
  { id: "vsv-yes", jaar: 2020, startpopulatie: 1, nieuwe_vsver: 1 },
  { id: "vsv-no", jaar: 2020, startpopulatie: 1, nieuwe_vsver: 0 },
  { id: "vsv-start0", jaar: 2020, startpopulatie: 0, nieuwe_vsver: 1 },
  { id: "vsv-not-enrolled", jaar: 2020, startpopulatie: 1, nieuwe_vsver: 1 },
  { id: "vsv-ex", jaar: 2020, startpopulatie: 1, nieuwe_vsver: 1 },
  { id: "vsv-yes", jaar: 2021, startpopulatie: 1, nieuwe_vsver: 0 },
];
const raw = loadRawData(writeRawFolder({ students, vsv }));
const frames = buildAnalysisFrames(raw);
const d = frames.doorstroom2020;

test("ages 14 and 25 are in, 13 and 26 out; leeftijd counts from 14", () => {
  assert.equal(row(d, "age14")?.leeftijd, 0);
  assert.equal(row(d, "age25")?.leeftijd, 11);
  assert.equal(row(d, "age13"), undefined);
  assert.equal(row(d, "age26"), undefined);
});

test("doorstroom: higher mbo level or hbo in T is 1; no enrolment, the same or a lower level is 0", () => {
  assert.equal(row(d, "no-next")?.doorstroom, 0);
  assert.equal(row(d, "same-level")?.doorstroom, 0);
  assert.equal(row(d, "lower-level")?.doorstroom, 0);
  assert.equal(row(d, "higher-mbo")?.doorstroom, 1);
  assert.equal(row(d, "higher-mbo-ex")?.doorstroom, 1);
  assert.equal(row(d, "hbo")?.doorstroom, 1);
  assert.equal(row(d, "hbo-earlier")?.doorstroom, 0);
  assert.equal(row(d, "no-diploma"), undefined);
  assert.equal(row(d, "late-enrolment"), undefined);
});

test("missing migration, EX, missing location and missing gender are out; bbl is in", () => {
  for (const id of ["no-migration", "ex", "no-location", "no-gender"]) assert.equal(row(d, id), undefined, id);
  assert.equal(row(d, "bbl")?.leerweg, "bbl");
  assert.equal(row(d, "age14")?.leerweg, "bol");
});

test("cito: 500-550 with a year from 2009 is score - 500; 499, 551, no score, no year, 2008 are 100 with the indicator", () => {
  assert.deepEqual([row(d, "cito500")?.cito, row(d, "cito500")?.cito_missing, row(d, "cito500")?.citojaar], [0, 0, "2009"]);
  assert.deepEqual([row(d, "cito550")?.cito, row(d, "cito550")?.cito_missing, row(d, "cito550")?.citojaar], [50, 0, ">2014"]);
  assert.equal(row(d, "cito2014")?.citojaar, ">2014");
  for (const id of ["cito499", "cito551", "cito-no-score", "cito-2008", "cito-no-year"]) {
    assert.deepEqual([row(d, id)?.cito, row(d, id)?.cito_missing, row(d, id)?.citojaar], [100, 1, "2009"], id);
  }
  assert.equal(recodeCito(530, 2012).cito, 30);
  assert.equal(citojaarCategory(2013), "2013");
  assert.equal(citojaarCategory(2030), ">2014");
  assert.equal(citojaarCategory(NaN), null);
});

test("parents, gender, migration, level and the four sectors are recoded as published", () => {
  const r = row(d, "ouders-unknown");
  assert.deepEqual([r?.ouders, r?.geslacht, r?.migratie, r?.niet_westers], ["onbekend", "vrouw", "niet-westers", 1]);
  assert.deepEqual([row(d, "age14")?.ouders, row(d, "age14")?.geslacht, row(d, "age14")?.niet_westers], ["hoger", "man", 0]);
  assert.equal(row(d, "sector-techniek")?.migratie, "westers");
  assert.deepEqual([row(d, "age14")?.niveau, row(d, "age14")?.sector], ["3", "handel_economie"]);
  assert.deepEqual([row(d, "sector-zorg")?.niveau, row(d, "sector-zorg")?.sector], ["4", "zorg_sport"]);
  assert.deepEqual([row(d, "sector-techniek")?.niveau, row(d, "sector-techniek")?.sector], ["2", "techniek_ict"]);
  assert.equal(row(d, "sector-onbekend")?.sector, "overig");
  assert.equal(row(d, "sector-empty")?.sector, "overig");
  assert.deepEqual([row(d, "entree")?.niveau, row(d, "entree")?.sector], ["1", "overig"]);
  assert.equal(sectorOf("handel"), "handel_economie");
  assert.equal(sectorOf("creatieve_industrie_ict"), "techniek_ict");
  assert.equal(sectorOf("mobiliteit_transport_logistiek_maritiem"), "overig");
  assert.equal(row(d, "age14")?.locatie, "L1");
  assert.equal(row(d, "age14")?.instelling, "I1");
});

test("vsv: startpopulatie 1 and enrolled in t; startpopulatie 0, no vsv row, not enrolled and EX are out", () => {
  const v = frames.vsv2020;
  assert.equal(row(v, "vsv-yes")?.vsv, 1);
  assert.equal(row(v, "vsv-no")?.vsv, 0);
  assert.equal(row(v, "vsv-no")?.leerweg, "bbl");
  for (const id of ["vsv-start0", "vsv-norow", "vsv-not-enrolled", "vsv-ex", "age14"]) assert.equal(row(v, id), undefined, id);
  assert.equal(frames.vsv2021.nrows, 0); // vsv-yes has no enrolment in 2020
});

test("the selection flow records every rule with its section, and nIn/nOut chain", () => {
  const names = d.flow.filter((s) => s.kind !== "warning").map((s) => s.section);
  assert.deepEqual(names, ["3a 2.1", "3a 2.1, 2.5, 3.1", "3a 2.3", "3a 3.2", "3a 3.2", "3a 2.5, 3.2", "eigen keuze (3a 2.3)", "3a 3.2"]);
  // after the selections, one warning: cito-2008 and cito-no-year hold a cito score without a usable year
  const warnings = d.flow.filter((s) => s.kind === "warning");
  assert.deepEqual(warnings.map((w) => [w.count, w.nIn - w.nOut, w.section]), [[2, 0, "3a 2.1, 2.4"]]);
  assert.equal(warnings[0]?.rule, "let op: citoscore zonder toetsjaar of met een toetsjaar voor 2009: 2 studenten (geen citoscore: missing indicator)");
  assert.equal(d.flow[0].nIn, students.length);
  for (let k = 1; k < d.flow.length; k++) assert.equal(d.flow[k].nIn, d.flow[k - 1].nOut);
  assert.equal(d.flow[d.flow.length - 1].nOut, d.nrows);
  // step by step on the hand-made records:
  const outOf = (rule: RegExp): number => {
    const s = d.flow.find((x) => rule.test(x.rule));
    assert.ok(s, String(rule));
    return s.nIn - s.nOut;
  };
  assert.equal(outOf(/^leeftijd/), 2);
  assert.equal(outOf(/^bol of bbl/), 1);
  assert.equal(outOf(/^schoollocatie/), 1);
  assert.equal(outOf(/^geslacht/), 1);
  assert.equal(outOf(/^migratie/), 1);
  assert.deepEqual(frames.vsv2020.flow.map((s) => s.nOut), [students.length, 4, 3, 3, 2, 2, 2, 2]);
});

test("frame columns follow frame-*.schema.json and the published references; another reference can be chosen", () => {
  const schema = loadTableSchema("frame-doorstroom");
  assert.deepEqual(Object.keys(d.columns).sort(), schema.fields.map((f) => f.name).sort());
  for (const f of schema.fields) {
    const allowed = f.constraints?.enum;
    if (allowed === undefined) continue;
    for (const v of d.columns[f.name]) assert.ok(allowed.includes(v as string & number), `${f.name}: ${String(v)}`);
    if (f.type === "string" && isFactor(f.name)) assert.deepEqual([...allowed].sort(), [...FACTOR_LEVELS[f.name]].sort(), f.name);
  }
  assert.deepEqual(d.reference, { migratie: "geen", ouders: "max_vmbo_kader", geslacht: "man", niveau: "3", sector: "handel_economie", leerweg: "bol", citojaar: "2009" });
  const other = buildFrame(raw, "doorstroom", 2020, { reference: { sector: "zorg_sport" } });
  assert.equal(other.reference.sector, "zorg_sport");
  assert.equal(other.reference.niveau, "3");
  assert.throws(() => resolveReferences("vsv", { sector: "landbouw" }), /reference category for sector: "landbouw" is not a level \(levels: handel_economie, zorg_sport, techniek_ict, overig\)/);
  assert.throws(() => resolveReferences("vsv", { kleur: "rood" }), /"kleur" is not a factor/);
});
