import { test } from "node:test";
import assert from "node:assert/strict";
import { Xoshiro128, cumulative } from "../../src/data/synthetic/prng";
import { emptyTable, ipfTable, margin, rakeSelection } from "../../src/data/synthetic/ipf";
import { ageDistribution, frameTargets, modelTruths, COEF_NAMES } from "../../src/data/synthetic/targets";
import { loadPublishedDescriptives, loadPublishedModels } from "../../src/data/reference";
import { DIM_NAMES } from "../../src/data/synthetic/coding";
import { conditionOnEvent } from "../../src/data/synthetic/outcomes";

test("xoshiro128**: same seed same stream, other seed or stream a different one", () => {
  const a = new Xoshiro128(42);
  const b = new Xoshiro128(42);
  const c = new Xoshiro128(43);
  const d = new Xoshiro128(42, 1);
  const sa = Array.from({ length: 50 }, () => a.nextUint32());
  const sb = Array.from({ length: 50 }, () => b.nextUint32());
  assert.deepEqual(sa, sb);
  assert.notDeepEqual(sa, Array.from({ length: 50 }, () => c.nextUint32()));
  assert.notDeepEqual(sa, Array.from({ length: 50 }, () => d.nextUint32()));
});

test("xoshiro128**: uniform in [0,1) and normal with mean 0, SD 1", () => {
  const r = new Xoshiro128(7);
  let s = 0;
  let s2 = 0;
  let lo = 1;
  let hi = 0;
  const n = 200_000;
  for (let i = 0; i < n; i++) {
    const u = r.uniform();
    lo = Math.min(lo, u);
    hi = Math.max(hi, u);
    const z = r.normal();
    s += z;
    s2 += z * z;
  }
  assert.ok(lo >= 0 && hi < 1);
  assert.ok(lo < 1e-4 && hi > 1 - 1e-4);
  assert.ok(Math.abs(s / n) < 0.01, `normal mean ${s / n}`);
  assert.ok(Math.abs(Math.sqrt(s2 / n) - 1) < 0.01, `normal sd ${Math.sqrt(s2 / n)}`);
  // categorical draws follow their weights
  const cdf = cumulative([1, 0, 3]);
  const counts = [0, 0, 0];
  for (let i = 0; i < 40_000; i++) counts[r.categorical(cdf)]++;
  assert.equal(counts[1], 0);
  assert.ok(Math.abs(counts[2] / 40_000 - 0.75) < 0.01);
});

test("ipfTable: fits the margins and keeps the seed's odds ratio", () => {
  const t = emptyTable([2, 2]);
  t.weights.set([1, 1, 1, 4]); // odds ratio 4
  ipfTable(t, [Float64Array.from([30, 70]), Float64Array.from([60, 40])]);
  const m0 = margin(t, 0);
  const m1 = margin(t, 1);
  assert.ok(Math.abs(m0[0] - 30) < 1e-6 && Math.abs(m1[1] - 40) < 1e-6);
  const [a, b, c, d] = t.weights;
  assert.ok(Math.abs((a * d) / (b * c) - 4) < 1e-6);
});

test("rakeSelection: expected selections hit every margin when the targets are reachable", () => {
  const r = new Xoshiro128(3);
  const n = 20_000;
  const c0 = new Uint8Array(n);
  const c1 = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    c0[i] = r.int(3);
    c1[i] = (c0[i] + r.int(2)) % 2;
  }
  const targets = [Float64Array.from([1000, 2000, 1500]), Float64Array.from([2500, 2000])];
  const p = rakeSelection([c0, c1], n, targets);
  for (const [d, cats] of [c0, c1].entries()) {
    const got = new Float64Array(targets[d].length);
    for (let i = 0; i < n; i++) got[cats[i]] += p[i];
    for (let k = 0; k < got.length; k++) assert.ok(Math.abs(got[k] - targets[d][k]) < 1, `dim ${d} cat ${k}: ${got[k]}`);
  }
  assert.ok(p.every((x) => x >= 0 && x <= 1));
});

test("age distribution: the published mean and SD exactly, on 0..max", () => {
  for (const [mean, sd, max] of [[5.223, 2.011, 11], [3.853, 1.514, 7]]) {
    const p = ageDistribution(mean, sd, max);
    let m = 0;
    let v = 0;
    p.forEach((q, a) => (m += a * q));
    p.forEach((q, a) => (v += (a - m) * (a - m) * q));
    assert.ok(Math.abs(m - mean) < 1e-6 && Math.abs(Math.sqrt(v) - sd) < 1e-6);
    assert.ok(p.slice(max + 1).every((q) => q === 0));
  }
});

test("targets: read from the reference CSVs, shares sum to one, Tabel 4 sector misprint read as 1 - the others", () => {
  const rows = loadPublishedDescriptives();
  const t = frameTargets(rows);
  for (const k of Object.keys(t) as (keyof typeof t)[]) {
    for (const d of DIM_NAMES) {
      const s = t[k].margins[d].reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(s - 1) < 1e-9, `${k} ${d} sums to ${s}`);
    }
  }
  assert.equal(t.doorstroom2020.n, rows.find((r) => r.table === 1)?.n);
  // Tabel 4 cito year 2009 is printed .000 but generated as a small positive share (model 2 identified)
  assert.ok(t.vsv2021.margins.citocat[1] > 0 && t.vsv2021.margins.citocat[1] < 0.0005);
  const zorg4 = t.vsv2021.margins.sector[1];
  assert.ok(Math.abs(zorg4 - 0.296) < 0.002, `zorg_sport 2021 read as ${zorg4}`);
  // Observed cito mean and SD reproduce the printed frame mean and SD (missing = 100).
  const tg = t.doorstroom2020;
  const m = tg.margins.citocat[0];
  const mean = (1 - m) * tg.citoObservedMean + 100 * m;
  assert.ok(Math.abs(mean - tg.citoMean) < 1e-9);
});

test("model truth: rounded 0.00 cito coefficient recovered from its AME, Tabel 5 intercept sign note applied", () => {
  const truths = modelTruths(loadPublishedModels());
  const j = COEF_NAMES.indexOf("cito");
  for (const key of ["doorstroom2020", "doorstroom2021"] as const) {
    const b = truths[key].beta[j];
    assert.equal(truths[key].published[j], 0);
    assert.ok(b > 0.002 && b < 0.005, `${key} cito ${b}`);
    assert.ok(truths[key].ameFactor > 0.19 && truths[key].ameFactor < 0.22);
  }
  assert.equal(truths.doorstroom2020.beta[0], 0.46);
  assert.equal(truths.doorstroom2021.beta[0], 0.07); // an SE typo does not flip the sign
  assert.equal(truths.vsv2020.beta[j], 0.02);
  assert.ok(truths.vsv2021.ameFactor > 0.04 && truths.vsv2021.ameFactor < 0.05);
  assert.equal(truths.doorstroom2020.locationSd, 0.42);
  assert.equal(truths.doorstroom2020.slopeSd, 0.24);
  assert.equal(truths.doorstroom2020.institutionSd, 0.13);
});

test("conditionOnEvent: draws follow the Bernoulli law conditioned on at least one event", () => {
  // Three members with p = (0.05, 0.1, 0.2) among five records: every pattern with an event has
  // P(y | S >= 1) = prod p^y (1 - p)^(1 - y) / (1 - 0.95 * 0.9 * 0.8); the pattern 000 never occurs.
  const p = Float64Array.from([0.05, 0.1, 0.2]);
  const members = Int32Array.from([1, 2, 4]);
  const rng = new Xoshiro128(3);
  const n = 200_000;
  const counts = new Float64Array(8);
  let redrawn = 0;
  const y = new Uint8Array(5);
  for (let k = 0; k < n; k++) {
    y.fill(0);
    for (let j = 0; j < 3; j++) y[members[j]] = rng.uniform() < p[j] ? 1 : 0;
    y[0] = 1; // records outside the group are left alone
    if (conditionOnEvent(rng, y, members, p)) redrawn++;
    assert.equal(y[0], 1);
    assert.equal(y[3], 0);
    counts[y[1] + 2 * y[2] + 4 * y[4]]++;
  }
  const pAny = 1 - 0.95 * 0.9 * 0.8;
  assert.equal(counts[0], 0);
  for (let pattern = 1; pattern < 8; pattern++) {
    let q = 1;
    for (let j = 0; j < 3; j++) q *= (pattern >> j) & 1 ? p[j] : 1 - p[j];
    const expected = q / pAny;
    const se = Math.sqrt((expected * (1 - expected)) / n);
    assert.ok(Math.abs(counts[pattern] / n - expected) < 5 * se, `pattern ${pattern}: ${counts[pattern] / n} vs ${expected}`);
  }
  // the unconditional draw had no event with probability 0.95 * 0.9 * 0.8 = 0.684
  assert.ok(Math.abs(redrawn / n - 0.684) < 0.01, `redrawn ${redrawn / n}`);
  // a drawn event is kept as it is; an empty group is left alone; probability 0 everywhere is an error
  const kept = Uint8Array.from([0, 0, 1, 0, 0]);
  assert.equal(conditionOnEvent(rng, kept, members, p), false);
  assert.deepEqual([...kept], [0, 0, 1, 0, 0]);
  assert.equal(conditionOnEvent(rng, new Uint8Array(5), new Int32Array(0), new Float64Array(0)), false);
  assert.throws(() => conditionOnEvent(rng, new Uint8Array(5), members, new Float64Array(3)), /probability 0/);
});
