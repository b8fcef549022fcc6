import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateSyntheticData, selectFrame, compareDescriptives } from "../../src/data/synthetic";
import { COEF_NAMES } from "../../src/data/synthetic/targets";
import { loadPublishedDescriptives } from "../../src/data/reference";
import { FRAME_KEYS, type FrameKey } from "../../src/data/synthetic/coding";
import { parseGenerateArgs } from "../../scripts/generate-data";
import { loadRawData, stringColumn, numberColumn } from "../../src/data/load";
import { buildAnalysisFrames } from "../../src/transform/frames";
import { compareFrameWithPublished } from "../../src/report/describe";
import { descriptivePopulations, outcomeRatesByMigration } from "../../src/transform/yearly";

const FILES = ["studenten.csv", "vsv.csv", "crebo.csv", "truth.json"];
const root = mkdtempSync(join(tmpdir(), "kansen-synthetic-"));
process.on("exit", () => rmSync(root, { recursive: true, force: true }));

function gen(name: string, seed: number, scale: number) {
  const out = join(root, name);
  return { out, result: generateSyntheticData({ seed, scale, out }) };
}

const a = gen("a", 11, 0.01);

test("determinism: the same seed gives byte-identical files, another seed different ones", () => {
  const b = gen("b", 11, 0.01);
  for (const f of FILES) {
    assert.ok(readFileSync(join(a.out, f)).equals(readFileSync(join(b.out, f))), `${f} differs between two runs with seed 11`);
  }
  const c = gen("c", 12, 0.01);
  assert.ok(!readFileSync(join(a.out, "studenten.csv")).equals(readFileSync(join(c.out, "studenten.csv"))));
  assert.ok(!readFileSync(join(a.out, "vsv.csv")).equals(readFileSync(join(c.out, "vsv.csv"))));
});

test("the files validate against data-schema/ and the workspace's selections find every frame's students", () => {
  const raw = loadRawData(a.out);
  const frames = buildAnalysisFrames(raw);
  for (const key of FRAME_KEYS) {
    assert.equal(frames[key].nrows, a.result.generated.frames[key].n, `${key}: transforms select ${frames[key].nrows}`);
    // every selection rule removes somebody (examenkandidaten, ages, location, gender, migration ...)
    for (const step of frames[key].flow.slice(1).filter((s) => s.kind !== "warning")) {
      if (/ingeschreven/.test(step.rule) && key.startsWith("vsv")) continue; // startpopulatie implies enrolment
      assert.ok(step.nOut < step.nIn, `${key}: '${step.rule}' removes nobody`);
    }
  }
});

test("careers: locations only from 2019, each location in one institution, vsv'ers leave without a diploma", () => {
  const raw = loadRawData(a.out);
  const owner = new Map<string, string>();
  for (let y = 2015; y <= 2021; y++) {
    const loc = stringColumn(raw.studenten, `locatie_${y}`);
    const inst = stringColumn(raw.studenten, `instelling_${y}`);
    for (let r = 0; r < raw.studenten.nrows; r++) {
      const l = loc[r];
      if (y < 2019) assert.equal(l, null, `row ${r + 1}: location in ${y}`);
      if (l === null) continue;
      const i = inst[r] as string;
      assert.equal(owner.get(l) ?? i, i, `location ${l} in two institutions`);
      owner.set(l, i);
    }
  }
  const ids = stringColumn(raw.studenten, "id");
  const row = new Map(ids.map((id, r) => [id as string, r]));
  const vid = stringColumn(raw.vsv, "id");
  const jaar = numberColumn(raw.vsv, "jaar");
  const nieuw = numberColumn(raw.vsv, "nieuwe_vsver");
  let vsvers = 0;
  for (let k = 0; k < raw.vsv.nrows; k++) {
    if (nieuw[k] !== 1) continue;
    vsvers++;
    const r = row.get(vid[k] as string) as number;
    const t = jaar[k] - 1;
    assert.equal(numberColumn(raw.studenten, `diploma_${t}`)[r], 0, `vsv'er ${vid[k]} has a diploma in ${t}`);
    if (jaar[k] <= 2021) assert.equal(stringColumn(raw.studenten, `crebo_${jaar[k]}`)[r], null, `vsv'er ${vid[k]} enrolled in ${jaar[k]}`);
  }
  assert.ok(vsvers > 100);
});

test("truth.json: seed, scale, every coefficient, variance components and choices with reasons", () => {
  const truth = JSON.parse(readFileSync(join(a.out, "truth.json"), "utf8"));
  assert.equal(truth.seed, 11);
  assert.equal(truth.scale, 0.01);
  for (const key of FRAME_KEYS) {
    const f = truth.frames[key];
    assert.ok(f, key);
    for (const name of COEF_NAMES) assert.ok(Number.isFinite(f.fixedEffects[name].value), `${key} ${name}`);
    assert.match(f.fixedEffects["(Intercept)"].derivation, /calibrated/);
    for (const v of ["locationInterceptSd", "locationSlopeSd", "interceptSlopeCorrelation", "institutionSd", "slopeShift"]) {
      assert.ok(Number.isFinite(f.randomEffects[v]), `${key} ${v}`);
    }
    assert.equal(f.n, a.result.generated.frames[key].n);
    assert.ok(Object.keys(f.realisedLocationEffects).length > 100);
    // At scale 0.01 (about two students per location) a small institution can be without students in a
    // frame; truth.json lists the effects of every institution the frame has.
    assert.equal(Object.keys(f.realisedInstitutionEffects).length, f.institutions);
    assert.ok(f.institutions >= 55 && f.institutions <= 62, `${key}: ${f.institutions} institutions`);
  }
  for (const [name, c] of Object.entries(truth.choices)) {
    if (Array.isArray(c)) continue;
    assert.ok(typeof (c as { reason: unknown }).reason === "string", `choice ${name} has no reason`);
  }
  // The calibrated parameters, each with its meaning, and where they come from.
  for (const [name, v] of Object.entries(truth.parameters.values)) {
    const e = v as { value: number; meaning: string; bounds: [number, number] };
    assert.ok(Number.isFinite(e.value) && e.value >= e.bounds[0] && e.value <= e.bounds[1], name);
    assert.ok(e.meaning.length > 20, name);
  }
  assert.equal(truth.parameters.source.file, "src/data/synthetic/calibrated-parameters.json");
  assert.ok(Number.isFinite(truth.parameters.source.objective));
});

let scale005: ReturnType<typeof gen> | undefined;
/** One population at scale 0.05, seed 5, shared by the calibration tests. */
function population005(): ReturnType<typeof gen> {
  scale005 ??= gen("m", 5, 0.05);
  return scale005;
}

test("calibration at scale 0.05: Tabel 1-4 reproduced through the workspace's transforms and the generator's own check", () => {
  const m = population005();
  const raw = loadRawData(m.out);
  const frames = buildAnalysisFrames(raw);
  const published = loadPublishedDescriptives();
  let judged = 0;
  for (const key of FRAME_KEYS) {
    const cmp = compareFrameWithPublished(frames[key], "synthetic");
    for (const r of cmp.rows) {
      if (r.published === null || r.reproduced === null || r.part !== "descriptive") continue;
      judged++;
      const misprint = key === "vsv2021" && r.group === "Sector" && r.category === "Zorg en sport";
      const target = misprint ? 0.296 : r.published;
      const bound = r.statistic === "sd" || r.group.startsWith("Leeftijd") || r.group === "Citoscore" ? 0.05 * Math.abs(target) : 0.015;
      assert.ok(Math.abs(r.reproduced - target) <= bound, `${key} ${r.group}/${r.category} ${r.statistic}: ${r.reproduced} vs ${target}`);
    }
  }
  assert.equal(judged, 4 * 30);
  // the generator's own selection on the raw fields agrees with the published cells too
  const own = {} as Record<FrameKey, ReturnType<typeof selectFrame>>;
  for (const key of FRAME_KEYS) own[key] = selectFrame(m.result.generated.pop, m.result.generated.crebos, key);
  const rows = compareDescriptives(own, published, 0.015, 0.05);
  assert.deepEqual(rows.filter((r) => !r.withinTolerance).map((r) => `${r.table} ${r.category}`), []);
  // The reference cito year (2009, cito observed) is present in every frame and holds at least one event,
  // also in vsv 2021 where it is tiny (about 5 students here): otherwise models 1c and 2 are not identified.
  for (const key of FRAME_KEYS) {
    const d = frames[key].data;
    let n2009 = 0;
    let events = 0;
    for (let r = 0; r < frames[key].nrows; r++) {
      if (d.cito_missing[r] === 0 && d.citojaar[r] === "2009") {
        n2009++;
        events += d.outcome[r];
      }
    }
    assert.ok(n2009 >= 1, `${key}: no student with a 2009 cito score`);
    assert.ok(events >= 1, `${key}: the ${n2009} students with a 2009 cito score hold no event`);
    const g = m.result.generated.diagnostics[key].outcome.eventGroup;
    assert.ok(g !== undefined && g.n === n2009 && g.events === events, `${key}: generator's group ${JSON.stringify(g)} vs frame ${n2009}/${events}`);
    if (key === "vsv2021") assert.ok(n2009 <= 20, `vsv 2021: ${n2009} students with a 2009 cito score, Tabel 4 prints .000`);
  }
  // outcome rates follow the published ones up to binomial noise (4 SE)
  for (const key of FRAME_KEYS) {
    const d = m.result.generated.diagnostics[key];
    const p = m.result.generated.targets[key].rate;
    assert.ok(Math.abs(d.outcome.realisedRate - p) < 4 * Math.sqrt((p * (1 - p)) / d.n), `${key} rate ${d.outcome.realisedRate} vs ${p}`);
  }
});

test("descriptive years 2016-2019 at scale 0.05: outcome rates near the calibrated 2020-2021 levels, background gaps as there", () => {
  const m = population005();
  const rates = outcomeRatesByMigration(descriptivePopulations(loadRawData(m.out)));
  const rate = (outcome: string, year: number, mig: string) => {
    const r = rates.find((x) => x.outcome === outcome && x.year === year && x.migratie === mig);
    assert.ok(r, `no ${outcome} ${year} ${mig} row`);
    return r;
  };
  const pooled = (outcome: string, mig: string, years: readonly number[]) => {
    let n = 0;
    let k = 0;
    for (const y of years) {
      n += rate(outcome, y, mig).n;
      k += rate(outcome, y, mig).count;
    }
    return k / n;
  };
  const early = [2016, 2017, 2018, 2019];
  for (const y of early) {
    const d = rate("doorstroom", y, "totaal");
    const v = rate("vsv", y, "totaal");
    assert.ok(d.n > 1000 && d.rate >= 0.4 && d.rate <= 0.48, `doorstroom ${y}: ${d.rate} (n ${d.n})`);
    assert.ok(v.n > 5000 && v.rate >= 0.035 && v.rate <= 0.065, `vsv ${y}: ${v.rate} (n ${v.n})`);
  }
  // the gaps of 2020-2021 (doorstroom and vsv higher for niet-westers than for geen) hold in 2016-2019
  for (const o of ["doorstroom", "vsv"]) {
    assert.ok(pooled(o, "niet-westers", [2020, 2021]) > pooled(o, "geen", [2020, 2021]), `${o} 2020-2021 gap`);
    const gap = pooled(o, "niet-westers", early) - pooled(o, "geen", early);
    assert.ok(gap > 0, `${o} 2016-2019: niet-westers minus geen ${gap}`);
  }
});

test("generate-data flags: defaults, values, and clear errors", () => {
  const d = parseGenerateArgs([]);
  assert.ok(d !== "help" && d.scale === 1 && d.seed === 1 && /synthetic-scale1-seed1$/.test(d.out));
  const x = parseGenerateArgs(["--scale", "0.05", "--seed=7", "--out", "/tmp/x"]);
  assert.deepEqual(x, { scale: 0.05, seed: 7, out: "/tmp/x" });
  assert.equal(parseGenerateArgs(["--help"]), "help");
  assert.throws(() => parseGenerateArgs(["--scale", "0"]), /--scale must be/);
  assert.throws(() => parseGenerateArgs(["--scale", "abc"]), /--scale must be/);
  assert.throws(() => parseGenerateArgs(["--seed", "1.5"]), /--seed must be/);
  assert.throws(() => parseGenerateArgs(["--seed"]), /--seed needs a value/);
  assert.throws(() => parseGenerateArgs(["--sead", "3"]), /unknown argument '--sead'/);
});
