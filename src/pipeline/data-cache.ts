/**
 * The synthetic population, generated once per (scale, seed) and reused: by every notebook of a run,
 * by later runs, and by a researcher who opens a notebook in Jupyter. It lives under the configured
 * cache folder (`data/synthetic-scale<s>-seed<n>/`, see `dataDir` in src/config.ts).
 *
 * Generation runs the generator's own command (scripts/generate-data.ts, the synthetic-population
 * engineer's entry point, also `npm run generate`) in a child process, into a temporary folder beside
 * the cache entry, renamed into place only when the generator succeeded: an interrupted generation
 * never leaves a half-written population that a later run would take for complete.
 *
 * A population is only reused if it was made by the same generator: the folder records a fingerprint
 * (SHA-256 over the source of src/data/ with the generator's calibrated parameters, scripts/generate-data.ts
 * and the published CSVs the generator calibrates to), and a population whose fingerprint differs from the current one -- or that has none
 * -- is generated again. Otherwise a change to the generator would leave every later run on the old
 * population, and its numbers would not come from the code that is checked in.
 *
 * A population is also only reused as it was written: the folder records the SHA-256 of every file the
 * generator wrote (`contents.sha256`), and a file edited since (even to the same size and time stamp) makes
 * the population be generated again. Every call returns the content digests of the raw files, which key
 * the frame cache (src/pipeline/frame-cache.ts), so each file is hashed once per call.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { type KansenConfig, PROJECT_ROOT, dataDir } from "../config";
import { DESCRIPTIVES_FILE, MODELS_FILE, referenceDir } from "../data/reference";
import { sha256File } from "../data/content-hash";

/** The files a data folder must hold (data-schema/README.md), plus the generator's truth for synthetic data. */
export const RAW_FILES = ["studenten.csv", "vsv.csv", "crebo.csv"] as const;
export const TRUTH_FILE = "truth.json";
export const GENERATOR_SCRIPT = join(PROJECT_ROOT, "scripts", "generate-data.ts");
/** The file in a synthetic population's folder that records which generator made it. */
export const FINGERPRINT_FILE = "generator-fingerprint.txt";
/** The file in a synthetic population's folder that records the SHA-256 of each file the generator wrote (sha256sum format). */
export const CONTENTS_FILE = "contents.sha256";

export type RawFile = (typeof RAW_FILES)[number];

/** SHA-256 of each named file of a folder. */
export function contentHashes<F extends string>(dir: string, names: readonly F[]): Record<F, string> {
  const out = {} as Record<F, string>;
  for (const name of names) out[name] = sha256File(join(dir, name));
  return out;
}

/** `contents.sha256` as written by `sha256sum`: "<hex>  <name>" per line. */
function formatContents(hashes: Readonly<Record<string, string>>): string {
  return Object.entries(hashes).map(([name, hex]) => `${hex}  ${name}\n`).join("");
}

/** The digests a population folder recorded, or null if it records none. */
export function recordedContents(dir: string): Record<string, string> | null {
  const path = join(dir, CONTENTS_FILE);
  if (!existsSync(path)) return null;
  const out: Record<string, string> = {};
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(line.trim());
    if (m) out[m[2] as string] = m[1] as string;
  }
  return out;
}

/** The files of a population whose content differs from what the generator recorded (all of them if nothing was recorded). */
function changedSince(recorded: Readonly<Record<string, string>> | null, now: Readonly<Record<string, string>>): string[] {
  return Object.keys(now).filter((name) => recorded?.[name] !== now[name]);
}

/** Every .ts and .json file below `dir` (source, and data such as the calibrated parameters), sorted. */
function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith(".ts") || name.endsWith(".json")) out.push(path);
    }
  };
  walk(dir);
  return out;
}

/**
 * SHA-256 over what decides the synthetic population besides (scale, seed): the source of src/data/
 * (the generator and the readers and writers it uses) with its calibrated parameters
 * (src/data/synthetic/calibrated-parameters.json), scripts/generate-data.ts, and the two published
 * CSVs it calibrates to. Each file enters with its project-relative name and its bytes.
 */
export function generatorFingerprint(root: string = PROJECT_ROOT, reference: string = referenceDir()): string {
  const hash = createHash("sha256");
  const files = [...sourceFiles(join(root, "src", "data")), join(root, "scripts", "generate-data.ts")];
  for (const file of files) {
    hash.update(`${relative(root, file)}\0`);
    hash.update(readFileSync(file));
    hash.update("\0");
  }
  for (const name of [DESCRIPTIVES_FILE, MODELS_FILE]) {
    hash.update(`reference/${name}\0`);
    hash.update(readFileSync(join(reference, name)));
    hash.update("\0");
  }
  return hash.digest("hex");
}

/** The fingerprint a population folder records, or null if it records none. */
export function recordedFingerprint(dir: string): string | null {
  const path = join(dir, FINGERPRINT_FILE);
  return existsSync(path) ? readFileSync(path, "utf8").trim() : null;
}

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
  /** SHA-256 of each raw file as it is now (the frame cache's key). */
  readonly contentHashes: Readonly<Record<RawFile, string>>;
}

/**
 * Make sure the configured data folder is complete: for real data, check it (an error names the
 * missing files); for synthetic data, generate the population if the cache entry is missing,
 * incomplete, or made by another generator (see generatorFingerprint).
 */
export function ensureData(config: KansenConfig, log: (line: string) => void = (l) => process.stderr.write(l + "\n")): EnsureDataResult {
  const dir = dataDir(config);
  const t0 = Date.now();
  if (config.data.kind === "folder") {
    if (!existsSync(dir)) throw new Error(`data folder ${dir} (configuration key "data.path") does not exist`);
    const missing = missingDataFiles(dir, false);
    if (missing.length > 0) throw new Error(`data folder ${dir} lacks ${missing.join(", ")} (see data-schema/README.md)`);
    return { dir, generated: false, seconds: 0, contentHashes: contentHashes(dir, RAW_FILES) };
  }
  const fingerprint = generatorFingerprint();
  if (missingDataFiles(dir, true).length === 0) {
    const recorded = recordedFingerprint(dir);
    if (recorded === fingerprint) {
      const now = contentHashes(dir, [...RAW_FILES, TRUTH_FILE]);
      const changed = changedSince(recordedContents(dir), now);
      if (changed.length === 0) {
        log(`data: de synthetische populatie in ${dir} wordt hergebruikt (vingerafdruk van de generator ${fingerprint.slice(0, 12)})`);
        return { dir, generated: false, seconds: 0, contentHashes: now };
      }
      log(
        recordedContents(dir) === null
          ? `data: ${dir} heeft geen inhoudshashes (gemaakt voordat die werden bewaard): opnieuw genereren`
          : `data: ${changed.join(", ")} in ${dir} veranderde na het genereren (SHA-256 wijkt af van ${CONTENTS_FILE}): opnieuw genereren`,
      );
    } else {
      log(
        recorded === null
          ? `data: ${dir} heeft geen vingerafdruk van de generator (gemaakt voordat die werd bewaard): opnieuw genereren`
          : `data: ${dir} is gemaakt door een andere generator (vingerafdruk ${recorded.slice(0, 12)}, nu ${fingerprint.slice(0, 12)}): opnieuw genereren`,
      );
    }
  }
  if (!existsSync(GENERATOR_SCRIPT)) throw new Error(`cannot generate the synthetic population: ${GENERATOR_SCRIPT} does not exist`);
  const { scale, seed } = config.data;
  const tmp = `${dir}.partial-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(dirname(dir), { recursive: true });
  log(`data: de synthetische populatie wordt gegenereerd (schaal ${scale}, seed ${seed}) in ${dir}`);
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
  writeFileSync(join(tmp, FINGERPRINT_FILE), `${fingerprint}\n`);
  const written = contentHashes(tmp, [...RAW_FILES, TRUTH_FILE]);
  writeFileSync(join(tmp, CONTENTS_FILE), formatContents(written));
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  const seconds = (Date.now() - t0) / 1000;
  log(`data: gegenereerd in ${seconds.toFixed(1)} s`);
  return { dir, generated: true, seconds, contentHashes: written };
}
