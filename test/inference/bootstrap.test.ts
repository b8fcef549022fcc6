/**
 * The parametric bootstrap (src/inference/bootstrap.ts and the modules it composes): replicate r
 * depends only on (seed, r) -- the same bits on one or two threads and when a stored run is extended;
 * the replicate file is checked before it is reused; failed and singular replicates are counted, never
 * dropped silently; the simulated responses have the model's distribution; and, against lme4's bootMer
 * (test/fixtures/intervals/*.boot.json), the percentile intervals agree within Monte Carlo error.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fitDesign } from "../../src/glmm/fit";
import { laplaceObjective } from "../../src/glmm/objective";
import { optimiseObjective } from "../../src/glmm/optimise";
import { assembleFit } from "../../src/glmm/assemble";
import { simulateGlmm, type SimulationSpec } from "../../src/glmm/simulate";
import { buildDesign } from "../../src/model/design";
import { parametricBootstrap } from "../../src/inference/bootstrap";
import { readBootstrapFile } from "../../src/inference/bootstrap-store";
import { simulateResponse } from "../../src/inference/simulate-response";
import { marginalMoments, randomEffectVariance } from "../../src/stats/marginal-probability";
import { fixtureReferences, readFixture, readFixtureTable } from "../glmm/fixture-loader";

const spec: SimulationSpec = {
  n: 1200,
  seed: 77,
  columns: [
    { name: "x1", kind: "binary", prob: 0.3 },
    { name: "x2", kind: "normal" },
  ],
  beta: [-0.3, 0.5, 0.4],
  terms: [
    { group: "loc", nLevels: 40, slopes: ["x1"], theta: [0.6, 0.1, 0.35], nestedIn: 1, unequalSizes: true },
    { group: "inst", nLevels: 8, theta: [0.3] },
  ],
};
const fit = fitDesign(simulateGlmm(spec).design);
const bits = (a: Float64Array): string => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString("hex");

test("replicate r depends only on (seed, r): two threads side by side give the rows of one, bit for bit", () => {
  const one = parametricBootstrap(fit, { replicates: 6, seed: 11, concurrency: 1 });
  const two = parametricBootstrap(fit, { replicates: 6, seed: 11, concurrency: 2 });
  assert.equal(one.concurrency, 1);
  assert.equal(two.concurrency, 2);
  assert.equal(bits(one.rows), bits(two.rows));
  assert.equal(one.counts.replicates, 6);
  assert.equal(one.counts.converged, 6, JSON.stringify(one.counts));
  // Another seed, other data.
  const other = parametricBootstrap(fit, { replicates: 2, seed: 12, concurrency: 1 });
  assert.notEqual(bits(other.rows.subarray(0, one.columns.length)), bits(one.rows.subarray(0, one.columns.length)));
});

test("a stored run extended is the run of that length: 4 replicates, then 9 with the same file, equal a run of 9; the file is checked before reuse", () => {
  const dir = mkdtempSync(join(tmpdir(), "kboot-"));
  try {
    const file = join(dir, "boot.kboot");
    const first = parametricBootstrap(fit, { replicates: 4, seed: 5, file, checkpoint: 2 });
    assert.equal(first.computed, 4);
    assert.equal(readBootstrapFile(file).header.replicates, 4);
    const extended = parametricBootstrap(fit, { replicates: 9, seed: 5, file });
    assert.equal(extended.reused, 4);
    assert.equal(extended.computed, 5);
    const whole = parametricBootstrap(fit, { replicates: 9, seed: 5 });
    assert.equal(bits(extended.rows), bits(whole.rows));
    const stored = readBootstrapFile(file);
    assert.equal(stored.header.replicates, 9);
    assert.equal(bits(stored.rows), bits(whole.rows));
    assert.deepEqual(stored.header.statistics, whole.columns);
    // Fewer than stored: the first ones, nothing computed.
    const fewer = parametricBootstrap(fit, { replicates: 3, seed: 5, file });
    assert.equal(fewer.computed, 0);
    assert.equal(bits(fewer.rows), bits(whole.rows.subarray(0, 3 * whole.columns.length)));
    // Another seed or other settings: an error that names the difference; the file is untouched.
    const before = readFileSync(file);
    assert.throws(() => parametricBootstrap(fit, { replicates: 10, seed: 6, file }), /holds the replicates of another bootstrap: its seed is 5, this run's 6/);
    assert.throws(() => parametricBootstrap(fit, { replicates: 10, seed: 5, file, ameConvention: "discrete" }), /its settings is/);
    assert.deepEqual(readFileSync(file), before);
    // A damaged file is named as such.
    writeFileSync(file, before.subarray(0, before.length - 8));
    assert.throws(() => parametricBootstrap(fit, { replicates: 10, seed: 5, file }), /boot\.kboot: .* bytes, but the header promises 9 rows .* the file is damaged/);
    writeFileSync(file, "not a bootstrap");
    assert.throws(() => readBootstrapFile(file), /not a bootstrap replicate file/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a replicate that BFGS does not finish goes to the solver's stages: counted as fallback, same optimum", () => {
  const normal = parametricBootstrap(fit, { replicates: 3, seed: 21 });
  const forced = parametricBootstrap(fit, { replicates: 3, seed: 21, maxIterations: 1 });
  assert.equal(forced.counts.fallback, 3);
  assert.equal(forced.counts.converged, 3);
  assert.equal(normal.counts.fallback, 0);
  for (const name of ["sd_(Intercept)|loc", "cor_x1.(Intercept)|loc", "x2", "ame:integrated:x1"]) {
    const a = normal.values(name);
    const b = forced.values(name);
    for (let r = 0; r < 3; r++) assert.ok(Math.abs(a[r] - b[r]) < 1e-5 * Math.max(1, Math.abs(a[r])), `${name} replicate ${r}: ${a[r]} vs ${b[r]}`);
  }
});

test("singular replicates are counted and kept; the notes give the counts and the interval without them (e_singular: a true SD of 0)", () => {
  const fx = readFixture("e_singular");
  const singularFit = fitDesign(buildDesign(fx.formula, readFixtureTable(fx), { reference: fixtureReferences(fx) }));
  const boot = parametricBootstrap(singularFit, { replicates: 40, seed: 3 });
  assert.ok(boot.counts.singular >= 10, JSON.stringify(boot.counts));
  const sd = boot.intervals().find((iv) => iv.parameter === "sd_(Intercept)|g")!;
  // the lower end is a singular replicate: an SD of 0 up to the optimiser's rounding (one lands at 2e-13)
  assert.ok(sd.lower >= 0 && sd.lower < 1e-8, `lower ${sd.lower}`);
  assert.match(sd.note, new RegExp(`percentile, 40 of 40 replicates \\(every replicate with a value\\); ${boot.counts.singular} singular; without the singular: \\[`));
  const regular = boot.intervals({ replicates: "regular" }).find((iv) => iv.parameter === "sd_(Intercept)|g")!;
  assert.ok(regular.lower > 0);
  assert.match(regular.note, new RegExp(`${40 - boot.counts.singular} of 40 replicates \\(the replicates whose refit converged and is not singular\\)`));
});

test("the objective's setResponse gives the bits of a new objective of the design with that response", () => {
  const y = simulateResponse(fit, 9, 0);
  const fresh = fitDesign({ ...fit.design, response: { ...fit.design.response, successes: y } });
  const objective = laplaceObjective(fit.design);
  try {
    optimiseObjective(objective, { start: fit });
    objective.setResponse(y);
    const again = assembleFit(objective, optimiseObjective(objective));
    assert.equal(bits(again.beta), bits(fresh.beta));
    assert.equal(bits(again.theta), bits(fresh.theta));
    assert.ok(Object.is(again.logLik, fresh.logLik));
    assert.equal(bits(again.design.response.successes), bits(y));
  } finally {
    objective.release();
  }
  assert.throws(() => laplaceObjective(fit.design).setResponse([1, 2]), /the response has 2 values, the design 1200 rows/);
});

test("simulated responses have the model's distribution: the mean over replicates of the share of successes is E_b[p] within 4 Monte Carlo SEs", () => {
  const R = 300;
  const shares = new Float64Array(R);
  for (let r = 0; r < R; r++) {
    const y = simulateResponse(fit, 2024, r);
    let s = 0;
    for (let i = 0; i < y.length; i++) s += y[i];
    shares[r] = s / y.length;
  }
  const mean = shares.reduce((a, b) => a + b, 0) / R;
  const sd = Math.sqrt(shares.reduce((a, b) => a + (b - mean) ** 2, 0) / (R - 1));
  const p = marginalMoments(fit.etaFixed, randomEffectVariance(fit), 30).p;
  const expected = p.reduce((a, b) => a + b, 0) / p.length;
  assert.ok(Math.abs(mean - expected) < (4 * sd) / Math.sqrt(R), `${mean} vs ${expected} (MC SE ${sd / Math.sqrt(R)})`);
  // The same (seed, replicate) twice: the same draws.
  assert.equal(bits(simulateResponse(fit, 2024, 7)), bits(simulateResponse(fit, 2024, 7)));
});

interface BootFixture {
  name: string;
  formula: string;
  nsim: number;
  failed: number;
  singular: number;
  statistics: { statistic: string; estimate: number; mean: number; sd: number; percentile: number[] | null }[];
}
const BOOT_DIR = join(__dirname, "..", "fixtures", "intervals");

for (const name of ["g_cbpp", "a_two_level", "i_slope"]) {
  const path = join(BOOT_DIR, `${name}.boot.json`);
  test(`${name}: percentile intervals, means and SDs against lme4's bootMer within Monte Carlo error`, { skip: existsSync(path) ? false : `no ${path} yet` }, () => {
    const ref = JSON.parse(readFileSync(path, "utf8")) as BootFixture;
    const design =
      name === "i_slope"
        ? buildDesign(ref.formula, readPlainCsvTable(join(BOOT_DIR, "i_slope.csv")))
        : (() => {
            const fx = readFixture(name);
            return buildDesign(fx.formula, readFixtureTable(fx), { reference: fixtureReferences(fx) });
          })();
    const ours = fitDesign(design);
    const R = name === "g_cbpp" ? 1000 : 400;
    const boot = parametricBootstrap(ours, { replicates: R, seed: 1300 });
    const intervals = boot.intervals();
    // Two independent bootstraps (ours with R, R's with nsim replicates): the SE of a 2.5 % quantile of
    // N draws is about sd sqrt(0.025 0.975 / N) / phi(1.96) = 2.67 sd / sqrt(N); of the difference
    // 2.67 sd sqrt(1/R + 1/nsim); the tolerance is 4 of those. Means: 4 sd sqrt(1/R + 1/nsim); SDs:
    // 4 sd sqrt((kappa - 1)/4 (1/R + 1/nsim)), kappa the kurtosis of our draws: Var(s) ~ sigma^2 (kappa - 1)/(4N),
    // which is sigma^2/(2N) for normal draws (kappa = 3). A replicate with separation (cbpp's period4 with no
    // incidence: one draw near -22 where glmer stops elsewhere) makes the draws heavy-tailed, and then the
    // sample SD is that much less precise on both sides.
    const mc = Math.sqrt(1 / R + 1 / ref.nsim);
    let compared = 0;
    for (const s of ref.statistics) {
      const statistic = s.statistic.startsWith("ame_") ? `ame:conditional:${s.statistic.slice(4)}` : s.statistic;
      if (!boot.statistics.includes(statistic) || !s.percentile || !(s.sd > 0)) continue;
      const iv = intervals.find((i) => i.parameter === statistic)!;
      const values = boot.values(statistic).filter(Number.isFinite);
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1));
      const m2 = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
      const kurtosis = values.reduce((a, b) => a + (b - mean) ** 4, 0) / values.length / (m2 * m2);
      const what = `${name} ${statistic}`;
      assert.ok(Math.abs(iv.lower - s.percentile[0]) < 4 * 2.67 * s.sd * mc, `${what} lower ${iv.lower} vs bootMer ${s.percentile[0]} (sd ${s.sd})`);
      assert.ok(Math.abs(iv.upper - s.percentile[1]) < 4 * 2.67 * s.sd * mc, `${what} upper ${iv.upper} vs bootMer ${s.percentile[1]} (sd ${s.sd})`);
      assert.ok(Math.abs(mean - s.mean) < 4 * s.sd * mc, `${what} mean ${mean} vs bootMer ${s.mean}`);
      assert.ok(Math.abs(sd - s.sd) < 4 * s.sd * Math.sqrt(((Math.max(kurtosis, 3) - 1) / 4) * (1 / R + 1 / ref.nsim)), `${what} sd ${sd} vs bootMer ${s.sd} (kurtosis ${kurtosis.toFixed(1)})`);
      compared++;
    }
    assert.ok(compared >= 5, `${name}: only ${compared} statistics compared`);
  });
}

function readPlainCsvTable(path: string): Record<string, Float64Array | string[]> {
  const lines = readFileSync(path, "utf8").trim().split("\n");
  const header = lines[0].split(",");
  const rows = lines.slice(1).map((l) => l.split(","));
  const numeric = new Set(["y", "nw", "w"]);
  return Object.fromEntries(header.map((h, c) => [h, numeric.has(h) ? Float64Array.from(rows, (r) => Number(r[c])) : rows.map((r) => r[c])]));
}
