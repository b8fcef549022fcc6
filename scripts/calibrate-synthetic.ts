/**
 * npm run calibrate-synthetic -- [--scale S] [--seed N] [--evaluations C,E] [--stages composition,effects]
 *                                [--from start|calibrated] [--fix a,b] [--free a,b] [--out FILE] [--threads 1|2]
 *
 * Calibrates the synthetic population's association, composition and effect parameters by indirect
 * inference (src/calibration/indirect-inference.ts), in two stages (defaultStages): every evaluation
 * generates the four analysis frames at the given scale and seed (common random numbers), fits the
 * models the stage's moments need (0, 1a, 1b, 1c; then 1c and 2) with the workspace's solver and scores
 * the ladder's moments against Tabel 5-8. Prints one line per evaluation
 * (objective, best so far, a progress bar) to stderr and, when done, writes the calibrated parameters
 * with the date, seed, scale and objective to FILE (default src/data/synthetic/calibrated-parameters.json,
 * the file the default generation reads). FILE is not written when the run fails or is interrupted; the
 * best point so far is kept beside it in FILE.best.json (stage, evaluation, objective, parameters).
 *
 * Run it in the background with its log in a file, e.g.
 *   nohup npm run --silent calibrate-synthetic > calibration.log 2>&1 &
 */
import { renameSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { cpus, loadavg } from "node:os";
import { calibrate, defaultStages } from "../src/calibration/indirect-inference";
import {
  CALIBRATION_FORMAT,
  calibratedParametersFile,
  loadCalibration,
  PARAMETER_NAMES,
  PARAMETER_SPECS,
  startParameters,
  type CalibrationRecord,
  type ParameterName,
} from "../src/data/synthetic/parameters";

const USAGE = `usage: npm run calibrate-synthetic -- [options]
  --scale S             population scale of every evaluation (default 0.2)
  --seed N              seed of every evaluation (common random numbers; default 14)
  --evaluations C,E     evaluation budgets of the composition and the effects stage (default 48,14)
  --stages LIST         which stages to run, in order (default composition,effects)
  --from start|calibrated   start at the parameters' start values or at the committed calibration (default calibrated when it exists)
  --fix a,b,...         hold these parameters at their start value in every stage
  --free a,b,...        move only these parameters (those of each stage's own list); the rest stay at their start value
  --out FILE            where to write the result (default ${calibratedParametersFile()})
  --threads 1|2         solver threads (default 1)`;

export interface CalibrateArgs {
  readonly scale: number;
  readonly seed: number;
  readonly budgets: { readonly composition: number; readonly effects: number };
  readonly stages: readonly ("composition" | "effects")[];
  readonly from: "start" | "calibrated";
  readonly fix: readonly ParameterName[];
  /** When not empty: the only parameters any stage moves. */
  readonly free: readonly ParameterName[];
  readonly out: string;
  readonly threads: number;
}

export function parseCalibrateArgs(argv: readonly string[]): CalibrateArgs | "help" {
  const args = {
    scale: 0.2,
    seed: 14,
    budgets: { composition: 48, effects: 14 },
    stages: ["composition", "effects"] as ("composition" | "effects")[],
    from: "calibrated" as "start" | "calibrated",
    fix: [] as ParameterName[],
    free: [] as ParameterName[],
    out: calibratedParametersFile(),
    threads: 1,
  };
  for (let k = 0; k < argv.length; k++) {
    const flag = argv[k];
    if (flag === "--help" || flag === "-h") return "help";
    const value = argv[k + 1];
    k++;
    if (value === undefined || value.startsWith("--")) throw new Error(`${flag} needs a value`);
    const num = (lo: number, hi: number, integer: boolean): number => {
      const x = Number(value);
      if (!Number.isFinite(x) || x < lo || x > hi || (integer && !Number.isInteger(x))) throw new Error(`${flag} must be ${integer ? "an integer" : "a number"} in [${lo}, ${hi}], got '${value}'`);
      return x;
    };
    switch (flag) {
      case "--scale":
        args.scale = num(0.01, 2, false);
        break;
      case "--seed":
        args.seed = num(0, 0xffffffff, true);
        break;
      case "--evaluations": {
        const parts = value.split(",").map(Number);
        if (parts.length !== 2 || !parts.every((x) => Number.isInteger(x) && x >= 2 && x <= 10000)) throw new Error(`--evaluations must be two integers C,E from 2 to 10000, got '${value}'`);
        args.budgets = { composition: parts[0], effects: parts[1] };
        break;
      }
      case "--stages": {
        const names = value.split(",").map((x) => x.trim());
        if (names.length === 0 || !names.every((x) => x === "composition" || x === "effects")) throw new Error(`--stages must list composition and/or effects, got '${value}'`);
        args.stages = names as ("composition" | "effects")[];
        break;
      }
      case "--threads":
        args.threads = num(1, 2, true);
        break;
      case "--from":
        if (value !== "start" && value !== "calibrated") throw new Error(`--from must be start or calibrated, got '${value}'`);
        args.from = value;
        break;
      case "--fix":
      case "--free": {
        const names = value.split(",").map((x) => x.trim()).filter((x) => x !== "");
        const bad = names.filter((n) => !(n in PARAMETER_SPECS));
        if (bad.length > 0) throw new Error(`${flag}: unknown parameter ${bad.join(", ")} (known: ${PARAMETER_NAMES.join(", ")})`);
        if (flag === "--fix") args.fix = names as ParameterName[];
        else args.free = names as ParameterName[];
        break;
      }
      case "--out":
        args.out = resolve(value);
        break;
      default:
        throw new Error(`unknown argument '${flag}'`);
    }
  }
  return args;
}

/** A text progress bar of `width` characters for done/total. */
export function progressBar(done: number, total: number, width = 24): string {
  const k = Math.max(0, Math.min(width, Math.round((done / Math.max(total, 1)) * width)));
  return `[${"#".repeat(k)}${".".repeat(width - k)}]`;
}

async function main(): Promise<void> {
  let parsed: CalibrateArgs | "help";
  try {
    parsed = parseCalibrateArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`calibrate-synthetic: ${(e as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  if (parsed === "help") {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const args: CalibrateArgs = parsed;
  const t0 = Date.now();
  // CPU time of this process (all its threads): on a shared machine the wall time mostly measures the load.
  const cpu0 = process.cpuUsage();
  const load0 = loadavg()[0];
  const say = (m: string): void => {
    process.stderr.write(`[calibrate ${((Date.now() - t0) / 1000).toFixed(0).padStart(5)}s] ${m}\n`);
  };
  let previous: CalibrationRecord | null = null;
  try {
    previous = loadCalibration();
  } catch {
    previous = null;
  }
  const start = args.from === "calibrated" && previous ? previous.parameters : startParameters();
  const stages = defaultStages(args.budgets)
    .filter((s) => args.stages.includes(s.name as "composition" | "effects"))
    .map((s) => ({ ...s, free: s.free.filter((n) => !args.fix.includes(n) && (args.free.length === 0 || args.free.includes(n))) }));
  const empty = stages.filter((s) => s.free.length === 0);
  if (empty.length > 0) {
    process.stderr.write(`calibrate-synthetic: stage ${empty.map((s) => s.name).join(", ")} has no free parameter left (--fix/--free); leave it out with --stages\n`);
    process.exit(2);
  }
  say(
    `indirect inference at scale ${args.scale}, seed ${args.seed}, starting from ${args.from === "calibrated" && previous ? `the calibration of ${previous.date}` : "the start values"}; stages: ` +
      stages.map((s) => `${s.name} (${s.free.length} parameters, ${s.moments.length} moments, at most ${s.maxEvaluations} evaluations)`).join(", then "),
  );
  const result = await calibrate({
    seed: args.seed,
    scale: args.scale,
    threads: args.threads,
    start,
    stages,
    onEvaluation: (stage, rec, e) => {
      // The best point so far, beside the output (FILE.best.json): a long run stopped early still shows
      // where it had got to. The calibrated file itself is written only when the run ends.
      if (rec.f <= rec.best) {
        const tmpBest = `${args.out}.best.json.tmp-${process.pid}`;
        writeFileSync(tmpBest, `${JSON.stringify({ stage: stage.name, evaluation: rec.index + 1, objective: rec.f, parameters: e.parameters }, null, 1)}\n`);
        renameSync(tmpBest, `${args.out}.best.json`);
      }
      const bar = progressBar(rec.index + 1, stage.maxEvaluations);
      const ratio = rec.kind === "step" && Number.isFinite(rec.ratio) ? ` ratio ${rec.ratio.toFixed(2)}` : "";
      say(
        `${stage.name.padEnd(11)} ${bar} ${String(rec.index + 1).padStart(3)}/${stage.maxEvaluations} ${rec.kind.padEnd(5)} objective ${rec.f.toFixed(2).padStart(9)}  best ${rec.best.toFixed(2).padStart(9)}  radius ${rec.radius.toFixed(3)}${ratio}  ${rec.seconds.toFixed(1)}s` +
          (e.warnings.length > 0 ? `  (${e.warnings.length} fit warning${e.warnings.length > 1 ? "s" : ""})` : ""),
      );
    },
  });
  const wallSeconds = (Date.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const round = (x: number, d = 4): number => Math.round(x * 10 ** d) / 10 ** d;
  const stageNotes = result.stages.map((r) => {
    const byKind: Record<string, number> = {};
    r.stage.moments.forEach((m, i) => {
      const k = `${m.frame} ${m.kind}`;
      byKind[k] = round((byKind[k] ?? 0) + r.best.residuals[i] ** 2, 2);
    });
    return {
      stage: r.stage.name,
      free: r.stage.free,
      moments: r.stage.moments.length,
      objectiveStart: round(r.optimisation.fStart, 3),
      objective: round(r.optimisation.f, 3),
      evaluations: r.optimisation.evaluations,
      stopReason: r.optimisation.stopReason,
      objectiveByFrameAndKind: byKind,
      fitWarnings: r.best.warnings,
      history: r.optimisation.history.map((h) => ({ evaluation: h.index + 1, kind: h.kind, objective: round(h.f, 3), best: round(h.best, 3), radius: round(h.radius, 3), seconds: round(h.seconds, 1) })),
    };
  });
  const record: CalibrationRecord = {
    format: CALIBRATION_FORMAT,
    date: new Date().toISOString().slice(0, 10),
    seed: args.seed,
    scale: args.scale,
    objectiveStart: round(result.stages.reduce((a, r) => a + r.optimisation.fStart, 0), 3),
    objective: round(result.stages.reduce((a, r) => a + r.optimisation.f, 0), 3),
    evaluations: result.stages.reduce((a, r) => a + r.optimisation.evaluations, 0),
    wallSeconds: Math.round(wallSeconds),
    parameters: Object.fromEntries(PARAMETER_NAMES.map((n) => [n, round(result.parameters[n])])) as CalibrationRecord["parameters"],
    notes: {
      method:
        "indirect inference: per stage a trust-region Gauss-Newton on the ladder moments with a forward-difference, Broyden-updated Jacobian (src/calibration/least-squares.ts); " +
        "common random numbers (one seed for every evaluation)",
      objective:
        "per stage the sum over its moments of ((fitted - published) / tolerance)^2 (src/calibration/ladder-moments.ts); the objective above is the sum of the stages' objectives at their start and at their end",
      command: `npm run calibrate-synthetic -- ${process.argv.slice(2).join(" ")}`.trim(),
      cpuSeconds: Math.round(cpuSeconds),
      loadAverage: `1-minute load average ${load0.toFixed(1)} at the start, ${loadavg()[0].toFixed(1)} at the end (${cpus().length} cores)`,
      start: args.from === "calibrated" && previous ? `the calibration of ${previous.date}` : "the start values of parameters.ts",
      stages: stageNotes,
    },
  };
  // Only a finished calibration replaces the file, and never half-written.
  const tmp = `${args.out}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(record, null, 1)}\n`);
  renameSync(tmp, args.out);
  for (const r of result.stages) say(`stage ${r.stage.name}: objective ${round(r.optimisation.fStart, 2)} -> ${round(r.optimisation.f, 2)} in ${r.optimisation.evaluations} evaluations (${r.optimisation.stopReason})`);
  say(`${record.evaluations} evaluations in ${Math.round(wallSeconds)} s wall, ${Math.round(cpuSeconds)} s CPU`);
  for (const n of PARAMETER_NAMES) say(`  ${n.padEnd(38)} ${String(record.parameters[n]).padStart(8)}`);
  say(`written ${args.out}`);
}

if (require.main === module) {
  main().catch((e) => {
    process.stderr.write(`calibrate-synthetic: ${(e as Error).stack ?? e}\n`);
    process.exit(1);
  });
}
