import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateSyntheticData } from "../../src/data/synthetic";
import { FRAME_KEYS, FRAMES } from "../../src/data/synthetic/coding";
import { frameColumns } from "../../src/data/synthetic/frameTable";
import { startParameters } from "../../src/data/synthetic/parameters";
import { loadRawData } from "../../src/data/load";
import { buildAnalysisFrames } from "../../src/transform/frames";
import type { ColumnTable } from "../../src/model/types";
import { aggregateRows, allLadderMoments, calibrateStage, evaluateParameters, fittedLadderModel } from "../../src/calibration/indirect-inference";
import { generateAnalysisFrames } from "../../src/data/synthetic/generate";
import { designFitter } from "../../src/analysis/models";

const COLUMNS = ["migratie", "niet_westers", "ouders", "geslacht", "leeftijd", "niveau", "sector", "leerweg", "cito", "cito_missing", "citojaar", "locatie", "instelling"];

function rowKeys(t: ColumnTable, outcome: string): string[] {
  const n = (t[outcome] as Float64Array).length;
  const keys: string[] = [];
  for (let r = 0; r < n; r++) keys.push([outcome, ...COLUMNS].map((c) => String((t[c] as ArrayLike<unknown>)[r])).join("|"));
  return keys.sort();
}

test("the calibration fits what the pipeline fits: frameColumns equals the transforms' frame row for row", () => {
  const dir = mkdtempSync(join(tmpdir(), "kansen-frames-"));
  try {
    const { generated } = generateSyntheticData({ seed: 21, scale: 0.01, out: dir, parameters: startParameters() });
    const frames = buildAnalysisFrames(loadRawData(dir));
    for (const key of FRAME_KEYS) {
      const outcome = FRAMES[key].outcome;
      const mine = rowKeys(frameColumns(generated.frames[key], generated.schools, key), outcome);
      const theirs = rowKeys(frames[key].columns, outcome);
      assert.equal(mine.length, theirs.length, key);
      assert.deepEqual(mine, theirs, `${key}: the generator's frame differs from the transforms' frame`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("one evaluation generates, fits the models its moments need and returns finite residuals", async () => {
  const moments = allLadderMoments({ anchor: "0", models: ["0", "1a"] });
  const e = await evaluateParameters(startParameters(), moments, { seed: 3, scale: 0.02 });
  assert.equal(e.residuals.length, moments.length);
  assert.ok(e.residuals.every(Number.isFinite));
  assert.ok(Math.abs(e.objective - e.residuals.reduce((a, r) => a + r * r, 0)) < 1e-9);
  for (const key of FRAME_KEYS) {
    assert.deepEqual(Object.keys(e.fitted[key]).sort(), ["0", "1a"]);
  }
  // Common random numbers: the same parameters and seed give the same residuals.
  const again = await evaluateParameters(startParameters(), moments, { seed: 3, scale: 0.02 });
  assert.deepEqual(Array.from(again.residuals), Array.from(e.residuals));
});

test("a stage moves only its free parameters and never ends above its start", async () => {
  const moments = allLadderMoments({ anchor: "0", models: ["0"] });
  const start = startParameters();
  const r = await calibrateStage({ name: "test", free: ["locationLevelSpread"], moments, maxEvaluations: 3 }, start, { seed: 3, scale: 0.02 });
  assert.ok(r.optimisation.f <= r.optimisation.fStart);
  assert.equal(r.optimisation.evaluations, 3);
  for (const [k, v] of Object.entries(r.parameters)) if (k !== "locationLevelSpread") assert.equal(v, start[k as keyof typeof start], k);
  assert.ok(Math.abs(r.best.objective - r.optimisation.f) < 1e-9);
});

test("models 0 and 1a on aggregated binomial rows: the estimates and R2 of the student rows", async () => {
  const g = generateAnalysisFrames({ seed: 8, scale: 0.03, parameters: startParameters() });
  const table = frameColumns(g.frames.doorstroom2020, g.schools, "doorstroom2020");
  const fitter = designFitter();
  const formula = "doorstroom ~ migratie + ouders + (1 | locatie) + (1 | instelling)";
  const raw = fittedLadderModel(await fitter(formula, table, { threads: 1 }));
  const agg = aggregateRows(table, "doorstroom", ["locatie", "instelling", "migratie", "ouders"]);
  assert.ok((agg.successes as Float64Array).length < (table.doorstroom as Float64Array).length / 2);
  const fromAgg = fittedLadderModel(await fitter("cbind(successes, failures) ~ migratie + ouders + (1 | locatie) + (1 | instelling)", agg, { threads: 1 }));
  for (const [name, b] of raw.beta) assert.ok(Math.abs((fromAgg.beta.get(name) as number) - b) < 2e-4, `${name}: ${fromAgg.beta.get(name)} vs ${b}`);
  assert.ok(Math.abs(fromAgg.locationVariance - raw.locationVariance) < 2e-4);
  assert.ok(Math.abs(fromAgg.institutionVariance - raw.institutionVariance) < 2e-4);
  assert.ok(Math.abs(fromAgg.r2 - raw.r2) < 2e-4, `R2 ${fromAgg.r2} vs ${raw.r2}`);
});
