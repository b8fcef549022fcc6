/**
 * npm run ladder-check -- [--scale S] [--seed N] [--out DIR] [--threads 1|2] [--frames k1,k2] [--parameters FILE]
 * (scale and seed default to those of notebooks/config.json, the default reproduce's population;
 * --parameters: another calibrated-parameters file, e.g. an earlier calibration, for a before/after table)
 *
 * The model ladder of Tabel 5-8 on the synthetic population, without the notebooks: generates the four
 * analysis frames (generateAnalysisFrames, the frames the default generation writes, with the committed
 * calibration), fits models 0, 1a, 1b, 1c and 2 on each with the workspace's solver and post-fit
 * statistics (src/analysis/models.ts fitLadder: Nakagawa's R2, the AMEs in the published convention),
 * and writes the same comparison with bijlage 3b as the report (src/report/compare.ts), as
 * DIR/tables/tabel-N-<outcome>-<jaar>-vergelijking.csv, with model 2's fixed effects against the
 * generating truth. Prints per table and model the cells within tolerance, the expected misses and the
 * misses, the random part and R2 separately, and the wall and CPU time.
 *
 * What it leaves out of a full reproduce: the raw files, the selections of 3a 3.2 (a test checks that
 * they select the same rows as frameColumns), the robustness refit without cito and the later chapters.
 * A check of the generator's calibration takes a few minutes at scale 1 instead of a full reproduce.
 */
import { cpus, loadavg } from "node:os";
import { resolve } from "node:path";
import { designFitter, fitLadder, type Outcome } from "../src/analysis/models";
import { DEFAULT_CONFIG_PATH, parseConfig, readJsonFile } from "../src/config";
import { loadPublishedModels } from "../src/data/reference";
import { FRAME_KEYS, FRAMES, type FrameKey } from "../src/data/synthetic/coding";
import { frameColumns } from "../src/data/synthetic/frameTable";
import { generateAnalysisFrames } from "../src/data/synthetic/generate";
import { loadCalibration } from "../src/data/synthetic/parameters";
import { compareModels, type ComparisonRow, type ComparisonTable } from "../src/report/compare";
import { tableName, writeComparisonCsv } from "../src/report/outputs";
import { summariseFit } from "../src/report/summary";
import { modelTable } from "../src/report/tables";

interface Args {
  scale: number;
  seed: number;
  out: string;
  threads: number;
  frames: FrameKey[];
  parameters: string | null;
}

const USAGE = "usage: npm run ladder-check -- [--scale S] [--seed N] (default: notebooks/config.json's) [--out DIR (default outputs/ladder-check)] [--threads 1|2] [--frames doorstroom2020,...] [--parameters FILE (default: the committed calibration)]";

/** Scale and seed of the default configuration (the population a default reproduce uses). */
function defaultPopulation(): { scale: number; seed: number } {
  const config = parseConfig(readJsonFile(DEFAULT_CONFIG_PATH), DEFAULT_CONFIG_PATH);
  if (config.data.kind !== "synthetic") throw new Error(`${DEFAULT_CONFIG_PATH}: data is not synthetic; give --scale and --seed`);
  return { scale: config.data.scale, seed: config.data.seed };
}

function parseArgs(argv: readonly string[]): Args {
  const a: Args = { ...defaultPopulation(), out: resolve("outputs", "ladder-check"), threads: 1, frames: [...FRAME_KEYS], parameters: null };
  for (let k = 0; k < argv.length; k += 2) {
    const flag = argv[k];
    const value = argv[k + 1];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    const num = (lo: number, hi: number): number => {
      const x = Number(value);
      if (!Number.isFinite(x) || x < lo || x > hi) throw new Error(`${flag} must be a number in [${lo}, ${hi}], got '${value}'`);
      return x;
    };
    if (flag === "--scale") a.scale = num(0.01, 2);
    else if (flag === "--seed") a.seed = Math.round(num(0, 0xffffffff));
    else if (flag === "--threads") a.threads = Math.round(num(1, 2));
    else if (flag === "--out") a.out = resolve(value);
    else if (flag === "--parameters") a.parameters = resolve(value);
    else if (flag === "--frames") {
      const keys = value.split(",");
      const bad = keys.filter((k2) => !(FRAME_KEYS as readonly string[]).includes(k2));
      if (bad.length > 0) throw new Error(`--frames: unknown frame ${bad.join(", ")} (known: ${FRAME_KEYS.join(", ")})`);
      a.frames = keys as FrameKey[];
    } else throw new Error(`unknown argument '${flag}'`);
  }
  return a;
}

/** Counts of one set of comparison rows: judged, within, expected misses, misses. */
function count(rows: readonly ComparisonRow[]): { judged: number; within: number; expected: number; missed: number } {
  const judged = rows.filter((r) => r.withinTolerance !== null);
  const within = judged.filter((r) => r.withinTolerance === true).length;
  const expected = judged.filter((r) => r.withinTolerance === false && r.expectedMiss !== "").length;
  return { judged: judged.length, within, expected, missed: judged.length - within - expected };
}

function line(label: string, rows: readonly ComparisonRow[]): string {
  const c = count(rows);
  return `${label.padEnd(14)} ${String(c.within).padStart(4)}/${String(c.judged).padEnd(4)} within, ${c.expected} expected, ${c.missed} missed`;
}

async function main(): Promise<void> {
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`ladder-check: ${(e as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const load0 = loadavg()[0];
  const say = (m: string): void => void process.stderr.write(`[ladder-check ${((performance.now() - t0) / 1000).toFixed(0).padStart(5)}s] ${m}\n`);
  const calibration = loadCalibration(args.parameters ?? undefined);
  say(`generating the analysis frames at scale ${args.scale}, seed ${args.seed}, with the calibration of ${calibration.date} (objective ${calibration.objective}${args.parameters ? `, ${args.parameters}` : ""})`);
  const g = generateAnalysisFrames({ seed: args.seed, scale: args.scale, parameters: calibration.parameters });
  const published = loadPublishedModels();
  const tables: ComparisonTable[] = [];
  for (const key of args.frames) {
    const spec = FRAMES[key];
    const table = frameColumns(g.frames[key], g.schools, key);
    const ladder = await fitLadder(table, spec.outcome as Outcome, designFitter(), {
      robustness: false,
      glmm: { threads: args.threads },
      onProgress: (p) => (p.stage === "done" ? say(`${key} ${p.message}`) : undefined),
    });
    const summaries = ladder.models.map((m) =>
      summariseFit(m.fit, {
        model: m.spec.id,
        outcome: spec.outcome,
        year: spec.year,
        r2: { conditional: m.r2.conditional, marginal: m.r2.marginal },
        ame: m.ame.effects.map((e) => ({ term: e.term, estimate: e.estimate, se: e.se })),
      }),
    );
    const truth = new Map<string, number>();
    const tr = g.truths[key];
    tr.names.forEach((name, j) => truth.set(name, j === 0 ? g.diagnostics[key].outcome.calibratedIntercept : tr.beta[j]));
    const mt = modelTable(summaries);
    const comparison = compareModels(mt, published, "synthetic", { truth });
    say(`written ${writeComparisonCsv(args.out, comparison, tableName(mt))}`);
    tables.push(comparison);
  }
  const out: string[] = [];
  for (const c of tables) {
    out.push(`Tabel ${c.tableNumber} (${c.outcome} ${c.year})`);
    for (const model of ["0", "1a", "1b", "1c", "2"]) out.push(`  ${line(`model ${model}`, c.rows.filter((r) => r.model === model))}`);
    out.push(`  ${line("random part", c.rows.filter((r) => r.part === "random"))}`);
    out.push(`  ${line("R2", c.rows.filter((r) => r.statistic === "r2"))}`);
    const truth = c.rows.filter((r) => r.withinTwoSeOfTruth !== null);
    out.push(`  model 2 within 2 SE of truth: ${truth.filter((r) => r.withinTwoSeOfTruth).length}/${truth.length}`);
  }
  const all = tables.flatMap((c) => c.rows);
  out.push(`All tables`);
  for (const model of ["0", "1a", "1b", "1c", "2"]) out.push(`  ${line(`model ${model}`, all.filter((r) => r.model === model))}`);
  out.push(`  ${line("random part", all.filter((r) => r.part === "random"))}`);
  out.push(`  ${line("R2", all.filter((r) => r.statistic === "r2"))}`);
  const truth = all.filter((r) => r.withinTwoSeOfTruth !== null);
  out.push(`  model 2 within 2 SE of truth: ${truth.filter((r) => r.withinTwoSeOfTruth).length}/${truth.length}`);
  const cpu = process.cpuUsage(cpu0);
  out.push(`${((performance.now() - t0) / 1000).toFixed(0)} s wall, ${((cpu.user + cpu.system) / 1e6).toFixed(0)} s CPU; 1-minute load ${load0.toFixed(1)} at the start, ${loadavg()[0].toFixed(1)} at the end (${cpus().length} cores)`);
  process.stdout.write(`${out.join("\n")}\n`);
}

main().catch((e) => {
  process.stderr.write(`ladder-check: ${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
