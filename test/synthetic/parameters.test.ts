import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CALIBRATION_FORMAT,
  checkParameters,
  loadCalibration,
  PARAMETER_NAMES,
  PARAMETER_SPECS,
  startParameters,
} from "../../src/data/synthetic/parameters";
import { balance, balancedNormal, centreWithinGroups, combine } from "../../src/data/synthetic/balanced";
import { centreSlopesByPrecision, drawOutcomeEffects, fixedPartWithoutIntercept, meanProgrammeRisk, programmeRisk, slopePrecisionWeights } from "../../src/data/synthetic/outcomes";
import { allocRecords } from "../../src/data/synthetic/frameDraw";
import { DIM, FRAME_KEYS } from "../../src/data/synthetic/coding";
import { generateAnalysisFrames } from "../../src/data/synthetic/generate";
import { Xoshiro128 } from "../../src/data/synthetic/prng";
import { makeSchools, Placement, riskSorting, urbanity } from "../../src/data/synthetic/schools";
import { frameTargets, modelTruths } from "../../src/data/synthetic/targets";

const mean = (x: ArrayLike<number>): number => Array.from(x).reduce((a, b) => a + b, 0) / x.length;
const dot = (x: ArrayLike<number>, y: ArrayLike<number>): number => Array.from(x).reduce((a, v, i) => a + v * y[i], 0) / x.length;

test("every parameter has a meaning, a unit, bounds around its start value", () => {
  for (const name of PARAMETER_NAMES) {
    const s = PARAMETER_SPECS[name];
    assert.ok(s.meaning.length > 20, name);
    assert.ok(s.unit.length > 0, name);
    assert.ok(s.lower < s.upper && s.start >= s.lower && s.start <= s.upper, `${name}: ${s.lower} <= ${s.start} <= ${s.upper}`);
  }
  assert.deepEqual(checkParameters(startParameters(), "start"), startParameters());
});

test("checkParameters names the unknown, the missing and the out-of-bounds parameter", () => {
  const p = { ...startParameters() } as Record<string, number>;
  assert.throws(() => checkParameters({ ...p, bogus: 1 }, "f.json"), /f\.json: unknown parameter bogus/);
  const missing = { ...p };
  delete missing.nwBbl;
  assert.throws(() => checkParameters(missing, "f.json"), /parameter nwBbl is undefined/);
  assert.throws(() => checkParameters({ ...p, nwBbl: 99 }, "f.json"), /nwBbl = 99 lies outside its bounds/);
});

test("the committed calibration loads: format, date, seed, objective and parameters within bounds", () => {
  const c = loadCalibration();
  assert.equal(c.format, CALIBRATION_FORMAT);
  assert.match(c.date, /^\d{4}-\d{2}-\d{2}$/);
  assert.ok(Number.isInteger(c.seed) && c.scale > 0 && c.evaluations > 0);
  assert.ok(c.objective <= c.objectiveStart, `objective ${c.objective} > start ${c.objectiveStart}`);
  assert.deepEqual(Object.keys(c.parameters).sort(), [...PARAMETER_NAMES].sort());
});

test("loadCalibration refuses a damaged file and names it", () => {
  const dir = mkdtempSync(join(tmpdir(), "calibration-"));
  try {
    const path = join(dir, "c.json");
    writeFileSync(path, "{ not json");
    assert.throws(() => loadCalibration(path), /c\.json: not valid JSON/);
    writeFileSync(path, JSON.stringify({ format: "other" }));
    assert.throws(() => loadCalibration(path), /c\.json: format is "other"/);
    const ok = { format: CALIBRATION_FORMAT, date: "2026-12-03", seed: 1, scale: 0.2, objectiveStart: 10, objective: 5, evaluations: 3, wallSeconds: 9, parameters: startParameters() };
    writeFileSync(path, JSON.stringify({ ...ok, parameters: { ...ok.parameters, nwAge: 7 } }));
    assert.throws(() => loadCalibration(path), /nwAge = 7 lies outside/);
    writeFileSync(path, JSON.stringify(ok));
    assert.deepEqual(loadCalibration(path).parameters, startParameters());
    assert.throws(() => loadCalibration(join(dir, "absent.json")), /absent\.json: the calibrated parameters are missing/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("balanced draws: exact mean 0, mean square 1, orthogonality, and exact correlations of combinations", () => {
  const rng = new Xoshiro128(3);
  const a = balancedNormal(rng, 200);
  const b = balancedNormal(rng, 200, [a]);
  assert.ok(Math.abs(mean(a)) < 1e-12 && Math.abs(dot(a, a) - 1) < 1e-12);
  assert.ok(Math.abs(dot(a, b)) < 1e-12 && Math.abs(dot(b, b) - 1) < 1e-12);
  const c = combine(0.6, a, 0.8, b);
  assert.ok(Math.abs(dot(c, c) - 1) < 1e-12 && Math.abs(dot(c, a) - 0.6) < 1e-12);
  const groups = Int32Array.from({ length: 200 }, (_, i) => i % 7);
  const w = centreWithinGroups(Float64Array.from(a), groups, 7);
  for (let g = 0; g < 7; g++) assert.ok(Math.abs(mean(Array.from(w).filter((_, i) => groups[i] === g))) < 1e-12);
  assert.throws(() => balance(new Float64Array(5).fill(2)), /no variance left/);
});

test("outcome effects: realised variances are the model-2 truth, the correlations those asked for", () => {
  const schools = makeSchools(new Xoshiro128(9, 1), 62, 585);
  const p = { ...startParameters(), urbanityLevelCorrelation: 0.5, institutionUrbanityShare: 0.4 };
  const u = urbanity(schools, p);
  const scales = { 2020: { locationSd: 0.42, slopeSd: 0.24, institutionSd: 0.13 }, 2021: { locationSd: 0.4, slopeSd: 0.14, institutionSd: 0.16 } };
  const fx = drawOutcomeEffects(new Xoshiro128(9, 3), u, schools.latent.level, schools.latent.institutionUrbanity, scales, { rho: -0.4, slopeUrbanity: 0.3, institutionUrbanity: -0.5 }, 0.8);
  for (const year of [2020, 2021] as const) {
    const e = fx[year];
    const s = scales[year];
    assert.ok(Math.abs(dot(e.intercept, e.intercept) - s.locationSd ** 2) < 1e-9, `${year} location variance`);
    assert.ok(Math.abs(dot(e.slope, e.slope) - s.slopeSd ** 2) < 1e-9, `${year} slope variance`);
    assert.ok(Math.abs(dot(e.institution, e.institution) - s.institutionSd ** 2) < 1e-9, `${year} institution variance`);
    assert.ok(Math.abs(dot(e.intercept, e.slope) / (s.locationSd * s.slopeSd) + 0.4) < 1e-9, `${year} intercept-slope correlation`);
    const U = schools.latent.institutionUrbanity;
    assert.ok(Math.abs(dot(e.institution, U) / (s.institutionSd * Math.sqrt(dot(U, U))) + 0.5) < 1e-9, `${year} institution-urbanity correlation`);
    // Intercepts unrelated to composition.
    assert.ok(Math.abs(dot(e.intercept, schools.latent.level)) < 1e-9 && Math.abs(dot(e.intercept, u)) < 1e-9);
  }
  const r = dot(fx[2020].intercept, fx[2021].intercept) / (0.42 * 0.4);
  assert.ok(Math.abs(r - 0.8) < 1e-9, `year correlation ${r}`);
});

test("placement: level specialisation sorts the lower levels into the locations oriented towards them", () => {
  const schools = makeSchools(new Xoshiro128(4, 1), 62, 585);
  const shareLowByOrientation = (spread: number): number => {
    const placement = new Placement(schools, { ...startParameters(), locationLevelSpread: spread }, 585);
    const rng = new Xoshiro128(4, 2);
    const low = new Float64Array(585);
    const all = new Float64Array(585);
    for (let k = 0; k < 40_000; k++) {
      const niveau = k % 4; // niveau 1-4 equally often
      const l = placement.draw(() => rng.uniform(), niveau, niveau === 0 ? 3 : k % 3, 0, 0, 5);
      all[l]++;
      if (niveau <= 1) low[l]++;
    }
    // Correlation over locations between the lower-level share and the level orientation.
    const idx = Array.from({ length: 585 }, (_, l) => l).filter((l) => all[l] > 20);
    const share = idx.map((l) => low[l] / all[l]);
    const z = idx.map((l) => schools.latent.level[l]);
    const ms = mean(share);
    const mz = mean(z);
    const cov = mean(share.map((s, i) => (s - ms) * (z[i] - mz)));
    return cov / Math.sqrt(mean(share.map((s) => (s - ms) ** 2)) * mean(z.map((v) => (v - mz) ** 2)));
  };
  assert.ok(Math.abs(shareLowByOrientation(0)) < 0.15);
  assert.ok(shareLowByOrientation(1.5) > 0.7);
});

test("programme risk: model 2's log odds from the terms a placement sees, in the coefficient order of the outcome draw; its mean under one-way margins", () => {
  const beta = Float64Array.from({ length: 21 }, (_, j) => 0.1 * j - 0.7 + (j % 3) * 0.05);
  const rec = allocRecords(4 * 4 * 2 * 3 * 3);
  let r = 0;
  for (let niveau = 0; niveau < 4; niveau++)
    for (let sector = 0; sector < 4; sector++)
      for (let leerweg = 0; leerweg < 2; leerweg++)
        for (let migratie = 0; migratie < 3; migratie++)
          for (const age of [0, 4, 11]) {
            rec.dims[DIM.niveau][r] = niveau;
            rec.dims[DIM.sector][r] = sector;
            rec.dims[DIM.leerweg][r] = leerweg;
            rec.dims[DIM.migratie][r] = migratie;
            rec.dims[DIM.leeftijd][r] = age;
            rec.dims[DIM.citocat][r] = 1; // the reference cito year, cito 0: no cito terms
            r++;
          }
  // ouders, geslacht at their reference (0): the fixed part is exactly the programme risk.
  const fixed = fixedPartWithoutIntercept(rec, beta);
  for (let i = 0; i < rec.n; i++) {
    const d = rec.dims;
    assert.ok(Math.abs(fixed[i] - programmeRisk(beta, d[DIM.niveau][i], d[DIM.sector][i], d[DIM.leerweg][i], d[DIM.migratie][i], d[DIM.leeftijd][i])) < 1e-12, `record ${i}`);
  }
  // The mean under margins equals the mean over records drawn as the product of those margins.
  const margins = { niveau: [0.1, 0.2, 0.3, 0.4], sector: [0.25, 0.25, 0.3, 0.2], leerweg: [0.7, 0.3], leeftijd: Array.from({ length: 12 }, (_, a) => (a === 2 ? 0.5 : a === 6 ? 0.5 : 0)), migratie: [0.6, 0.3, 0.1], ouders: [1, 0, 0], geslacht: [1, 0], citocat: [0, 1, 0, 0, 0, 0, 0] };
  let expected = 0;
  for (let n = 0; n < 4; n++)
    for (let s2 = 0; s2 < 4; s2++)
      for (let l = 0; l < 2; l++)
        for (let m = 0; m < 3; m++)
          for (const a of [2, 6]) expected += margins.niveau[n] * margins.sector[s2] * margins.leerweg[l] * margins.migratie[m] * 0.5 * programmeRisk(beta, n, s2, l, m, a);
  assert.ok(Math.abs(meanProgrammeRisk(beta, margins) - expected) < 1e-12);
});

test("placement: risk sorting gathers the students at risk in the locations with a high risk orientation, in many locations", () => {
  const schools = makeSchools(new Xoshiro128(4, 1), 62, 585);
  const truth = modelTruths().vsv2020;
  const margins = frameTargets().vsv2020.margins;
  const riskByOrientation = (strength: number): { corr: number; spread: number } => {
    // No other specialisation, so that the risk orientation alone decides where the students go.
    const p = { ...startParameters(), locationLevelSpread: 0, locationBblSpread: 0, locationAgeSpread: 0, locationSectorSpread: 0, urbanitySorting: 0, vsvRiskSorting: strength };
    const placement = new Placement(schools, p, 585, 1, riskSorting(p, "vsv", truth.beta, margins));
    const rng = new Xoshiro128(4, 2);
    const sum = new Float64Array(585);
    const all = new Float64Array(585);
    for (let k = 0; k < 60_000; k++) {
      const niveau = k % 4;
      const sector = niveau === 0 ? 3 : k % 3;
      const age = k % 8;
      const l = placement.draw(() => rng.uniform(), niveau, sector, 0, 0, age);
      all[l]++;
      sum[l] += programmeRisk(truth.beta, niveau, sector, 0, 0, age);
    }
    const idx = Array.from({ length: 585 }, (_, l) => l).filter((l) => all[l] > 20);
    const m = idx.map((l) => sum[l] / all[l]);
    const z = idx.map((l) => schools.latent.risk[l]);
    const mm = mean(m);
    const mz = mean(z);
    const v = mean(m.map((x) => (x - mm) ** 2));
    return { corr: mean(m.map((x, i) => (x - mm) * (z[i] - mz))) / Math.sqrt(v * mean(z.map((x) => (x - mz) ** 2))), spread: v };
  };
  const none = riskByOrientation(0);
  const strong = riskByOrientation(2.5);
  assert.ok(Math.abs(none.corr) < 0.15, `no sorting: correlation ${none.corr}`);
  assert.ok(strong.corr > 0.7, `strong sorting: correlation ${strong.corr}`);
  // The variance over locations of their mean risk grows: the students at risk spread over the upper
  // part of the orientation's range, not into a few locations of a tail.
  assert.ok(strong.spread > 4 * none.spread, `variance of the location mean risk ${none.spread} -> ${strong.spread}`);
  // The orientation is orthogonal to the other orientations and balanced.
  assert.ok(Math.abs(dot(schools.latent.risk, schools.latent.level)) < 1e-9 && Math.abs(mean(schools.latent.risk)) < 1e-9);
});

test("slope centring: on a hand frame the precision-weighted mean slope becomes 0; the shift lies between its limits s1 -> infinity and s1 = 0", () => {
  // Locations 0-2 with slopes 0.5, -0.1, 0.2; non-western students: 3 at location 0, 1 at location 1, none at 2.
  // One institution, no fixed effects (beta = 0), so a student's log odds are the intercept plus b0_l + b1_l nw_i.
  const re = { intercept: new Float64Array(3), slope: Float64Array.of(0.5, -0.1, 0.2), institution: Float64Array.of(0), slopeShift: 0 };
  const rec = allocRecords(6);
  rec.loc.set([0, 0, 0, 1, 2, 2]);
  rec.dims[DIM.migratie].set([1, 1, 1, 1, 0, 2]);
  const beta = new Float64Array(21);
  const inst = new Int16Array(3);
  const rate = 0.3;

  // Weights by hand: with every slope 0 every student has p = rate, so I_l = (non-western count) r (1 - r).
  const flat = { ...re, slope: new Float64Array(3) };
  const v = rate * (1 - rate);
  const s1 = 0.24;
  const w = slopePrecisionWeights(flat, rec, beta, inst, rate, s1);
  const expected = [3 * v, v, 0].map((I) => I / (1 + s1 * s1 * I));
  for (let l = 0; l < 3; l++) assert.ok(Math.abs(w[l] - expected[l]) < 1e-9, `w_${l} = ${w[l]}, expected ${expected[l]}`);

  const c = centreSlopesByPrecision(re, rec, beta, inst, rate, s1);
  // The fixed point: with the weights of the centred effects, the weighted mean slope is 0.
  const wc = slopePrecisionWeights(c, rec, beta, inst, rate, s1);
  const weighted = (wc[0] * c.slope[0] + wc[1] * c.slope[1] + wc[2] * c.slope[2]) / (wc[0] + wc[1] + wc[2]);
  assert.ok(Math.abs(weighted) < 1e-10, `weighted mean ${weighted}`);
  // The non-western students' plain mean need not be 0: it is not here.
  const plain = (3 * c.slope[0] + c.slope[1]) / 4;
  assert.ok(Math.abs(plain) > 0.01, `plain non-western mean ${plain}`);
  // One shift for all: differences between locations stay, the shift is recorded, the input is unchanged.
  for (let l = 0; l < 3; l++) assert.ok(Math.abs(re.slope[l] - c.slope[l] - c.slopeShift) < 1e-12);
  assert.equal(c.intercept, re.intercept);
  assert.deepEqual(Array.from(re.slope), [0.5, -0.1, 0.2], "the input is not changed");
  // As s1^2 I_l grows the shift tends to the plain mean over the locations with non-western students (0.2);
  // at s1 = 0 it is the non-western students' mean weighted by p (1 - p) (more than their plain mean 0.35,
  // since at a rate of 0.3 the students of location 0, with the larger slope, have p nearer 1/2); s1 = 0.24
  // lies between the two.
  const wide = centreSlopesByPrecision(re, rec, beta, inst, rate, 1e3);
  assert.ok(Math.abs(wide.slopeShift - 0.2) < 1e-4, `shift with s1 = 1000: ${wide.slopeShift}`);
  const narrow = centreSlopesByPrecision(re, rec, beta, inst, rate, 0);
  const w0 = slopePrecisionWeights(narrow, rec, beta, inst, rate, 0);
  assert.ok(Math.abs((w0[0] * 0.5 - w0[1] * 0.1) / (w0[0] + w0[1]) - narrow.slopeShift) < 1e-10, `shift with s1 = 0: ${narrow.slopeShift}`);
  assert.ok(narrow.slopeShift > 0.35, `shift with s1 = 0: ${narrow.slopeShift}`);
  assert.ok(c.slopeShift > wide.slopeShift && c.slopeShift < narrow.slopeShift, `shift ${c.slopeShift} between ${wide.slopeShift} and ${narrow.slopeShift}`);
  // Without non-western students nothing moves.
  rec.dims[DIM.migratie].fill(0);
  assert.deepEqual(Array.from(centreSlopesByPrecision(re, rec, beta, inst, rate, s1).slope), [0.5, -0.1, 0.2]);
});

test("generated frames: per frame the location slopes average 0 under model 2's precision weights, the shift is recorded", () => {
  // Strong slope-urbanity relation and sorting by urbanity, so an uncentred mean would be far from 0.
  const p = { ...startParameters(), doorstroomSlopeUrbanity: 0.6, vsvSlopeUrbanity: -0.6, urbanitySorting: 1.5 };
  const g = generateAnalysisFrames({ seed: 5, scale: 0.02, parameters: p });
  for (const key of FRAME_KEYS) {
    const rec = g.frames[key];
    const fx = g.effects[key];
    let sum = 0;
    let n = 0;
    for (let i = 0; i < rec.n; i++) {
      if (rec.dims[DIM.migratie][i] !== 1) continue;
      sum += fx.slope[rec.loc[i]];
      n++;
    }
    assert.ok(n > 100, `${key}: ${n} non-western students`);
    const w = slopePrecisionWeights(fx, rec, g.truths[key].beta, g.schools.institutionOf, g.targets[key].rate, g.truths[key].slopeSd);
    let sw = 0;
    let swb = 0;
    for (let l = 0; l < w.length; l++) {
      sw += w[l];
      swb += w[l] * fx.slope[l];
    }
    assert.ok(Math.abs(swb / sw) < 1e-10, `${key}: precision-weighted mean slope ${swb / sw}`);
    // The plain mean over the non-western students is not what is centred (it need not be 0).
    assert.ok(Math.abs(sum / n) > 1e-6, `${key}: non-western mean slope ${sum / n}`);
    assert.ok(Math.abs(fx.slopeShift) > 0.005, `${key}: shift ${fx.slopeShift} (the test's parameters make the uncentred mean non-zero)`);
    // The variance over locations around their mean stays the published model-2 slope variance.
    const s = g.truths[key].slopeSd;
    const mu = mean(fx.slope);
    assert.ok(Math.abs(mean(Array.from(fx.slope, (b) => (b - mu) ** 2)) - s * s) < 1e-9, `${key}: slope variance`);
  }
});
