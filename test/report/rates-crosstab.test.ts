import { test } from "node:test";
import assert from "node:assert/strict";
import type { RawData, RawTable } from "../../src/data/load";
import { outcomeRatesByYear } from "../../src/report/rates";
import { crossTableByBackground } from "../../src/report/crosstab";
import { ameEstimates, caterpillarData, flowFunnel, flowRows, robustnessPairs } from "../../src/report/adapters";
import { publishedSummaries, smallFrame } from "./fixtures";
import type { FitSummary } from "../../src/report/summary";

function table(file: string, columns: RawTable["columns"]): RawTable {
  const nrows = (Object.values(columns)[0] ?? []).length;
  return { file, nrows, columns, lineOfRow: Int32Array.from({ length: nrows }, (_, i) => i + 2) };
}
const F = (xs: number[]) => Float64Array.from(xs);
const NA = NaN;

/** Seven students, schooljaren 2015 and 2016; comments give each one's fate. */
function raw(): RawData {
  const studenten = table("studenten.csv", {
    id: ["s0", "s1", "s2", "s3", "s4", "s5", "s6"],
    geslacht: ["M", "V", "M", "V", "M", "V", "M"],
    migratieachtergrond: ["geen", "geen", "geen", "niet-westers", "niet-westers", "niet-westers", null],
    opleidingsniveau_ouders: [null, null, null, null, null, null, null],
    eindtoets_score: F([NA, NA, NA, NA, NA, NA, NA]),
    eindtoets_jaar: F([NA, NA, NA, NA, NA, NA, NA]),
    // 2015: s0 level-2 diploma, s1 level-4 diploma, s2 level-2 diploma (BBL), s3 aged 30, s4 examenkandidaat,
    // s5 level-3 diploma, s6 migration background missing.
    instelling_2015: ["I1", "I1", "I1", "I1", "I1", "I1", "I1"],
    locatie_2015: [null, null, null, null, null, null, null],
    crebo_2015: ["c2", "c4", "c2", "c2", "c2", "c3", "c2"],
    leerweg_2015: ["BOL", "BOL", "BBL", "BOL", "EX", "BOL", "BOL"],
    leeftijd_2015: F([18, 18, 20, 30, 18, 17, 18]),
    diploma_2015: F([1, 1, 1, 1, 1, 1, 1]),
    diploma_niveau_2015: F([2, 4, 2, 2, 2, 3, 2]),
    ho_2015: F([0, 0, 0, 0, 0, 0, 0]),
    // 2016: s0 on to level 3 (doorstroom), s1 to hbo (doorstroom), s2 gone, s5 again level 3 (no doorstroom).
    instelling_2016: ["I1", null, null, null, null, "I1", null],
    locatie_2016: ["L1", null, null, null, null, "L1", null],
    crebo_2016: ["c3", null, null, null, null, "c3", null],
    leerweg_2016: ["BOL", null, null, null, null, "BOL", null],
    leeftijd_2016: F([19, NA, NA, NA, NA, 18, NA]),
    diploma_2016: F([0, NA, NA, NA, NA, 0, NA]),
    diploma_niveau_2016: F([NA, NA, NA, NA, NA, NA, NA]),
    ho_2016: F([0, 1, 0, 0, 0, 0, 0]),
  });
  const vsv = table("vsv.csv", { id: ["s0", "s2", "s5"], jaar: F([2016, 2016, 2016]), startpopulatie: F([0, 1, 1]), nieuwe_vsver: F([0, 1, 0]) });
  const crebo = table("crebo.csv", { crebo: ["c2", "c3", "c4"], niveau: F([2, 3, 4]), sectorkamer: ["handel", "handel", "handel"] });
  return { dir: "hand-made", studenten, vsv, crebo };
}

test("outcome rates per year and background follow the 3a 3.1 selections (no location needed)", () => {
  const d = outcomeRatesByYear(raw(), "doorstroom", [2016]);
  assert.deepEqual(d.map((r) => [r.group, r.n, r.rate]), [
    ["Geen migratie-achtergrond", 3, 2 / 3],
    ["Niet-westerse migratieachtergrond", 1, 0],
  ]);
  const v = outcomeRatesByYear(raw(), "vsv", [2016]);
  assert.deepEqual(v.map((r) => [r.group, r.n, r.rate]), [
    ["Geen migratie-achtergrond", 1, 1],
    ["Niet-westerse migratieachtergrond", 1, 0],
  ]);
  assert.throws(() => outcomeRatesByYear(raw(), "vsv", [2019]), /no enrolment block for schooljaar 2018/);
});

test("cross table by background: column shares add to 1 per background, outcome rate and N on top", () => {
  const rows = crossTableByBackground(smallFrame(), "doorstroom");
  assert.deepEqual(rows[0], ["N", "N", 7, 2, 1, 10]);
  assert.deepEqual(rows[1]?.slice(0, 2), ["Doorstroom", "Doorstroom"]);
  assert.ok(Math.abs((rows[1]?.[2] as number) - 4 / 7) < 1e-12);
  const niveau = rows.filter((r) => r[0] === "Niveau");
  for (const col of [2, 3, 4, 5]) assert.ok(Math.abs(niveau.reduce((s, r) => s + (r[col] as number), 0) - 1) < 1e-12);
  assert.throws(() => crossTableByBackground({ ...smallFrame(), migratie: ["x"] }, "doorstroom"), /row 1 has migratie 'x'/);
  // the cito score among the students who have one: geen 30, 40, 20, 45, 50; niet-westers 35; westers 25
  const mean = rows.find((r) => r[0] === "Citoscore" && r[1] === "gemiddelde (met score)");
  const sd = rows.find((r) => r[0] === "Citoscore" && r[1] === "SD (met score)");
  assert.deepEqual(mean?.slice(2).map((v) => (v === null ? null : Math.round((v as number) * 1e9) / 1e9)), [37, 35, 25, 35]);
  assert.ok(Math.abs((sd?.[2] as number) - Math.sqrt(580 / 4)) < 1e-12 && Math.abs((sd?.[5] as number) - Math.sqrt(700 / 6)) < 1e-12);
  assert.deepEqual(sd?.slice(3, 5), [null, null]); // one score each: no SD
});

test("adapters: AME labels in table order, flow rows and funnel, caterpillar, robustness pairs", () => {
  const m2 = publishedSummaries(5).summaries[4] as FitSummary;
  const ame = ameEstimates(m2);
  assert.equal(ame[0]?.label, "Migratieachtergrond: Niet-westerse migratieachtergrond");
  assert.equal(ame[0]?.estimate, 0.125);
  assert.equal(ame.length, 20);
  assert.throws(() => ameEstimates({ ...m2, ame: [] }), /has no AMEs/);
  const flow = [
    { step: 1, rule: "alle studenten", section: "3a 2.1", nIn: 10, nOut: 10 },
    { step: 2, rule: "bol of bbl", section: "3a 3.2", nIn: 10, nOut: 8 },
  ];
  assert.deepEqual(flowRows(flow)[1], [2, "bol of bbl", "3a 3.2", 10, 8, 2]);
  assert.deepEqual(flowFunnel(flow).map((s) => s.n), [10, 8]);
  const cat = caterpillarData([{ level: "L1", intercept: 0.1, interceptSd: 0.2, slope: -0.3, slopeSd: 0.4 }], "slope");
  assert.deepEqual(cat, [{ level: "L1", mode: -0.3, sd: 0.4 }]);
  const reduced: FitSummary = { ...m2, model: "2-zonder-cito", fixed: m2.fixed.filter((f) => !f.name.startsWith("cito")).map((f) => ({ ...f, estimate: f.estimate + 0.01 })) };
  const pairs = robustnessPairs(m2, reduced);
  assert.equal(pairs.length, 13); // 14 terms of model 1b minus the intercept
  assert.ok(pairs.every((p) => Math.abs(p.change - 0.01) < 1e-12));
});
