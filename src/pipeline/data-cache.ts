/**
 * The synthetic population, generated once per (scale, seed) and reused: by every notebook of a run,
 * by later runs, and by a researcher who opens a notebook in Jupyter. It lives under the configured
 * cache folder (`data/synthetic-scale<s>-seed<n>/`, see `dataDir` in src/config.ts).
 *
 * Generation runs the generator's own command (scripts/generate-data.ts, the synthetic-population
 * engineer's entry point, also `npm run generate`) in a child process, into a temporary folder beside
 * the cache entry, renamed into place only when the generator succeeded: an interrupted generation
 * never leaves a half-written population that a later run would take for complete.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { type KansenConfig, PROJECT_ROOT, dataDir } from "../config";

/** The files a data folder must hold (data-schema/README.md), plus the generator's truth for synthetic data. */
export const RAW_FILES = ["studenten.csv", "vsv.csv", "crebo.csv"] as const;
export const TRUTH_FILE = "truth.json";
export const GENERATOR_SCRIPT = join(PROJECT_ROOT, "scripts", "generate-data.ts");

/** The raw files missing from a data folder (empty when complete). */
export function missingDataFiles(dir: string, synthetic: boolean): string[] {
  const wanted: string[] = [...RAW_FILES, ...(synthetic ? [TRUTH_FILE] : [])];
  return wanted.filter((name) => !existsSync(join(dir, name)));
}

export interface EnsureDataResult {
  readonly dir: string;
  /** True if this call generated the population, false if it was already there (or real data). */
  readonly generated: boolean;
  readonly seconds: number;
}

/**
 * Make sure the configured data folder is complete: for real data, check it (an error names the
 * missing files); for synthetic data, generate the population if the cache entry is missing.
 */
export function ensureData(config: KansenConfig, log: (line: string) => void = (l) => process.stderr.write(l + "\n")): EnsureDataResult {
  const dir = dataDir(config);
  const t0 = Date.now();
  if (config.data.kind === "folder") {
    if (!existsSync(dir)) throw new Error(`data folder ${dir} (configuration key "data.path") does not exist`);
    const missing = missingDataFiles(dir, false);
    if (missing.length > 0) throw new Error(`data folder ${dir} lacks ${missing.join(", ")} (see data-schema/README.md)`);
    return { dir, generated: false, seconds: 0 };
  }
  if (missingDataFiles(dir, true).length === 0) {
    log(`data: reusing the synthetic population in ${dir}`);
    return { dir, generated: false, seconds: 0 };
  }
  if (!existsSync(GENERATOR_SCRIPT)) throw new Error(`cannot generate the synthetic population: ${GENERATOR_SCRIPT} does not exist`);
  const { scale, seed } = config.data;
  const tmp = `${dir}.partial-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(dirname(dir), { recursive: true });
  log(`data: generating the synthetic population (scale ${scale}, seed ${seed}) into ${dir}`);
  const child = spawnSync(process.execPath, ["--import", "tsx", GENERATOR_SCRIPT, "--scale", String(scale), "--seed", String(seed), "--out", tmp], {
    cwd: PROJECT_ROOT,
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (child.status !== 0) {
    throw new Error(
      `generating the synthetic population failed (${child.error ? child.error.message : `exit status ${child.status ?? child.signal}`}); ` +
        `its partial output is in ${tmp}`,
    );
  }
  const missing = missingDataFiles(tmp, true);
  if (missing.length > 0) throw new Error(`the generator finished but ${tmp} lacks ${missing.join(", ")}`);
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  const seconds = (Date.now() - t0) / 1000;
  log(`data: generated in ${seconds.toFixed(1)} s`);
  return { dir, generated: true, seconds };
}
