/**
 * npm run generate -- [--scale S] [--seed N] [--out DIR]
 *
 * Writes the synthetic DUO-shaped population (studenten.csv, vsv.csv, crebo.csv and truth.json) into DIR.
 * Defaults: scale 1 (about 1.36 million students), seed 1, DIR data/synthetic-scale<S>-seed<N>.
 * The association, composition and effect parameters are the committed calibration
 * (src/data/synthetic/calibrated-parameters.json, written by npm run calibrate-synthetic); generation
 * never recalibrates.
 * Progress goes to stderr; the files appear under their final names only once all are complete.
 */
import { resolve } from "node:path";
import { calibratedParametersFile, generateSyntheticData, loadCalibration } from "../src/data/synthetic";

const USAGE = `usage: npm run generate -- [--scale S] [--seed N] [--out DIR]
  --scale S   multiplies the number of students, 0 < S <= 4 (default 1: the real population size)
  --seed N    integer 0 .. 4294967295 (default 1); the same seed and scale give byte-identical files
  --out DIR   output folder (default data/synthetic-scale<S>-seed<N>)`;

export interface GenerateArgs {
  readonly scale: number;
  readonly seed: number;
  readonly out: string;
}

/** Parses the command line; throws an Error whose message names the bad flag or value. */
export function parseGenerateArgs(argv: readonly string[]): GenerateArgs | "help" {
  let scale = 1;
  let seed = 1;
  let out: string | undefined;
  for (let k = 0; k < argv.length; k++) {
    const flag = argv[k];
    if (flag === "--help" || flag === "-h") return "help";
    const eq = flag.indexOf("=");
    const name = eq > 0 ? flag.slice(0, eq) : flag;
    if (name !== "--scale" && name !== "--seed" && name !== "--out") {
      throw new Error(`unknown argument '${flag}'`);
    }
    let value: string | undefined;
    if (eq > 0) value = flag.slice(eq + 1);
    else {
      value = argv[k + 1];
      k++;
    }
    if (value === undefined || value === "" || value.startsWith("--")) throw new Error(`${name} needs a value`);
    if (name === "--scale") {
      scale = Number(value);
      if (!Number.isFinite(scale) || scale <= 0 || scale > 4) {
        throw new Error(`--scale must be a number with 0 < scale <= 4, got '${value}'`);
      }
    } else if (name === "--seed") {
      seed = Number(value);
      if (!/^\d+$/.test(value) || !Number.isSafeInteger(seed) || seed > 0xffffffff) {
        throw new Error(`--seed must be an integer from 0 to 4294967295, got '${value}'`);
      }
    } else out = value;
  }
  return { scale, seed, out: resolve(out ?? `data/synthetic-scale${scale}-seed${seed}`) };
}

function main(): void {
  let args: GenerateArgs | "help";
  try {
    args = parseGenerateArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`generate-data: ${(e as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  if (args === "help") {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const t0 = Date.now();
  const log = (m: string): void => {
    process.stderr.write(`[generate ${((Date.now() - t0) / 1000).toFixed(1)}s] ${m}\n`);
  };
  log(`synthetic population, scale ${args.scale}, seed ${args.seed} -> ${args.out}`);
  const calibration = loadCalibration();
  log(
    `parameters: ${calibratedParametersFile()} (calibrated ${calibration.date} at scale ${calibration.scale}, seed ${calibration.seed}; ` +
      `objective ${calibration.objectiveStart} -> ${calibration.objective} in ${calibration.evaluations} evaluations)`,
  );
  const { written, generated } = generateSyntheticData({ ...args, onProgress: log });
  for (const f of written.files) log(`${f.name}: ${f.rows} rows, ${(f.bytes / 1e6).toFixed(1)} MB`);
  for (const [key, d] of Object.entries(generated.diagnostics)) {
    log(`${key}: n = ${d.n}, outcome rate ${d.outcome.realisedRate.toFixed(4)}, intercept ${d.outcome.calibratedIntercept.toFixed(3)}`);
  }
  log("done");
}

if (require.main === module) main();
