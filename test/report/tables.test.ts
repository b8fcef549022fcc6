import { test } from "node:test";
import assert from "node:assert/strict";
import { loadPublishedDescriptives, loadPublishedModels } from "../../src/data/reference";
import { descriptiveTable, formatCell, formatDescriptiveMean, modelTable } from "../../src/report/tables";
import { termLabel, randomComponentLabel, modelGroupHeader, dutchCount, VARIABLE_LABELS } from "../../src/report/labels";
import { TERMS_2, publishedSummaries, smallFrame } from "./fixtures";

test("every published row of Tabel 5-8 has a formula term or variance component that maps to it", () => {
  const produced = new Set<string>();
  for (const t of TERMS_2) {
    const l = termLabel(t);
    produced.add(`fixed|${l.group}|${l.category}`);
  }
  for (const [g, t] of [["locatie", "(Intercept)"], ["instelling", "(Intercept)"], ["locatie", "niet_westers"]]) {
    produced.add(`random|Random deel|${randomComponentLabel(g as string, t as string)}`);
  }
  produced.add("diagnostic|Model diagnostiek|Nakagawa's pseudo R2");
  const missing = loadPublishedModels().filter((c) => !produced.has(`${c.part}|${c.group}|${c.category}`));
  assert.deepEqual(missing.map((c) => `${c.table} ${c.group}: ${c.category}`), []);
});

test("group headers name the reference category as 3b prints it", () => {
  assert.equal(modelGroupHeader("migratie", "geen"), "Migratieachtergrond (ref. geen migratie-achtergrond)");
  assert.equal(modelGroupHeader("leerweg", "bol"), "Leerweg (ref. BOL)");
  assert.equal(modelGroupHeader("niveau", "3"), "Niveau (ref. niveau 3)");
  assert.equal(modelGroupHeader("ouders", "max_vmbo_kader"), "Opleidingsniveau ouders (ref. lager dan vmbo kader)");
  assert.equal(dutchCount(124621), "124.621");
  assert.equal(dutchCount(62), "62");
});

test("a term 3b does not print keeps its lme4 name in its own group, after the published rows", () => {
  const l = termLabel({ name: "leeftijd:cito", variable: "leeftijd:cito", kind: "numeric" });
  assert.equal(l.category, "leeftijd:cito");
  assert.ok(l.order > termLabel({ name: "citojaar>2014", variable: "citojaar", kind: "factorLevel", level: ">2014" }).order);
});

test("Tabel 5 from summaries holding the published numbers reproduces the published layout and rows", () => {
  const { summaries, cells } = publishedSummaries(5);
  const t = modelTable(summaries);
  assert.equal(t.tableNumber, 5);
  assert.deepEqual(t.models, ["0", "1a", "1b", "1c", "2"]);
  assert.equal(t.caption, "Tabel 5 Multilevel logistisch regressiemodel van doorstroom (jaar 2020), Nindividu = 124.621. Nlocatie = 566 en Ninstelling = 62");
  // Row order = order of first appearance in the published CSV (which follows the printed table).
  const publishedOrder = [...new Set(cells.map((c) => `${c.part}|${c.group}|${c.category}`))];
  assert.deepEqual(t.rows.map((r) => `${r.part}|${r.group}|${r.category}`), publishedOrder);
  const nw = t.rows.find((r) => r.term === "migratieniet-westers");
  assert.ok(nw);
  assert.equal(formatCell(nw, nw.cells["1a"]), "0.83 (0.02)");
  assert.equal(nw.cells["0"], undefined);
  assert.equal(nw.ame, 0.125);
  const loc = t.rows.find((r) => r.category === "Schoollocatie variantie");
  assert.ok(loc);
  assert.equal(formatCell(loc, loc.cells["0"]), "0.33 (0.57)");
  const r2 = t.rows.find((r) => r.part === "diagnostic");
  assert.ok(r2);
  assert.equal(formatCell(r2, r2.cells["1b"]), "0.258");
  assert.equal(t.groupHeaders["Sector"], "Sector (ref. handel en economie)");
  assert.equal(t.ameModel, "2");
  assert.ok(t.convergence.every((c) => c.converged && c.text.startsWith(`Model ${c.model}: geconvergeerd`)));
});

test("a model that did not converge says so plainly in its convergence line", () => {
  const { summaries } = publishedSummaries(7, { failing: "1c" });
  const t = modelTable(summaries);
  const line = t.convergence.find((c) => c.model === "1c");
  assert.ok(line);
  assert.equal(line.converged, false);
  assert.match(line.text, /NIET GECONVERGEERD/);
  assert.match(line.text, /failed to converge/);
});

test("modelTable refuses an empty list and mixed outcomes", () => {
  assert.throws(() => modelTable([]), /no fitted models/);
  const a = publishedSummaries(5).summaries[0];
  const b = publishedSummaries(7).summaries[1];
  assert.ok(a && b);
  assert.throws(() => modelTable([a, b]), /is vsv 2020, model 0 is doorstroom 2020/);
});

test("formatting prints no negative zero and two decimals", () => {
  const row = { part: "fixed" as const, group: "x", category: "x", cells: {}, ame: null };
  assert.equal(formatCell(row, { estimate: -0.001, se: 0.0004 }), "0.00 (0.00)");
  assert.equal(formatCell(row, { estimate: -0.466, se: 0.071 }), "-0.47 (0.07)");
});

test("Tabel 1 layout from a hand-made frame: shares, numeric moments, cito year over observed scores only", () => {
  const t = descriptiveTable(smallFrame(), "doorstroom", 2020);
  assert.equal(t.caption, "Tabel 1 Beschrijvende statistieken doorstroom (jaar 2020), N = 10");
  const row = (g: string, c: string) => {
    const r = t.rows.find((x) => x.group === g && x.category === c);
    assert.ok(r, `${g} ${c}`);
    return r;
  };
  assert.equal(row("Doorstroom", "Doorstroom").mean, 0.6);
  assert.equal(row("Migratieachtergrond", "Geen migratie-achtergrond").mean, 0.7);
  assert.equal(row("Migratieachtergrond", "Geen migratie-achtergrond").isReference, true);
  assert.equal(row("Opleidingsniveau ouders", "Onbekend (missing indicator)").mean, 0.2);
  const age = row("Leeftijd (vanaf 14, per jaar)", "Leeftijd (vanaf 14, per jaar)");
  assert.equal(age.mean, 6.5);
  assert.ok(Math.abs((age.sd as number) - Math.sqrt(82.5 / 9)) < 1e-12);
  assert.equal(age.max, 11);
  assert.equal(row("Missingindicator cito/jaar", "Missingindicator cito/jaar").mean, 0.3);
  assert.equal(row("Missingindicator cito/jaar", "Missingindicator cito/jaar").sd, null);
  // 2009 holds 4 students, 3 of them with cito_missing = 1: only 1 counts (missing-indicator method).
  assert.equal(row("Citojaar", "2009").mean, 0.1);
  const cityears = t.rows.filter((r) => r.group === "Citojaar").reduce((s, r) => s + r.mean, 0);
  assert.ok(Math.abs(cityears - 0.7) < 1e-12);
  assert.equal(formatDescriptiveMean(row("Niveau", "Niveau 4")), ".500");
  assert.equal(formatDescriptiveMean(age), "6.500");
});

test("every published descriptive row appears in the reproduced descriptive table", () => {
  const t = descriptiveTable(smallFrame(), "doorstroom", 2021);
  const mine = new Set(t.rows.map((r) => `${r.group}|${r.category}`));
  const missing = loadPublishedDescriptives()
    .filter((p) => p.outcome === "doorstroom")
    .filter((p) => !mine.has(`${p.group}|${p.category}`));
  assert.deepEqual(missing.map((p) => `${p.table} ${p.group}: ${p.category}`), []);
  const refs = loadPublishedDescriptives().filter((p) => p.table === 2 && p.isReference).map((p) => p.category);
  assert.deepEqual(t.rows.filter((r) => r.isReference).map((r) => r.category), refs);
  assert.equal(VARIABLE_LABELS.length, 10);
});

test("descriptiveTable names the missing column and an unknown level", () => {
  const { sector: _omit, ...noSector } = smallFrame();
  assert.throws(() => descriptiveTable(noSector, "doorstroom", 2020), /no column 'sector'/);
  const bad = { ...smallFrame(), niveau: ["5", "2", "3", "4", "4", "4", "3", "2", "4", "4"] };
  assert.throws(() => descriptiveTable(bad, "doorstroom", 2020), /column 'niveau' has level '5'/);
});

test("the convergence line under a model table is short: gradients and iterations, not the optimiser's description per model", () => {
  const long = "Newton-type with exact gradient and bounds on the theta diagonal (a long description)";
  const summaries = publishedSummaries(5).summaries.map((x) => ({ ...x, convergence: { ...x.convergence, optimizer: long } }));
  const lines = modelTable(summaries).convergence.map((c) => c.text);
  assert.equal(lines.length, summaries.length);
  for (const line of lines) {
    assert.match(line, /^Model \w+: geconvergeerd \(max\|grad\| [^,]+, geschaald [^,]+, \d+ Newton-iteraties\)/);
    assert.ok(!line.includes(long), line);
  }
});
