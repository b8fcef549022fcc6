/**
 * The data steps of the chapters, each one call, reported (progress in the notebook and on the terminal
 * of a headless run) and recorded in the run log for the manifest:
 *   prepareFrames     ensure the data (generate the synthetic population once), read and validate the
 *                     raw files, build the four analysis frames with the configured reference categories
 *                     (once per run: later chapters read them from the frame cache)
 *   readTruth         the generating fixed effects of the synthetic population (truth.json)
 * The model steps (design, fit, statistics) are the workbench's (src/pipeline/workbench.ts).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { recordStep } from "../audit/run-log";
import { dataDir, type KansenConfig } from "../config";
import { OUTCOMES, frameKey } from "../vocabulary";
import { loadRawData, readRawHead, type RawData, type RawTable } from "../data/load";
import { ensureData } from "./data-cache";
import { startProgress } from "./progress";
import { buildAnalysisFrames, type AnalysisFrame, type FrameKey } from "../transform/frames";
import type { OutcomeRate } from "../report/figures";
import { frameCacheDir, frameCacheKey, readFrameCache, writeFrameCache, type RawFileSummary } from "./frame-cache";
import { outcomeRatesByYear } from "../report/rates";

export interface PreparedData {
  /** The validated raw files; only when asked for (`raw: true`), since the frame cache makes them unneeded. */
  readonly raw: RawData | null;
  /**
   * The first rows of studenten.csv (`raw: "head"`): read from the start of the file when the frames
   * come from the frame cache (built from the validated files), taken from `raw` when they were built now.
   */
  readonly studentenHead?: RawTable;
  /** The analysis frames: all four, or those asked for (`frames`) when read from the frame cache. */
  readonly frames: Readonly<Partial<Record<FrameKey, AnalysisFrame>>>;
  /** Outcome rates per year 2016-2021 and migration background (3a 3.1), per outcome. */
  readonly rates: Readonly<Record<string, readonly OutcomeRate[]>>;
  /** Row and column counts of the three raw files. */
  readonly files: readonly RawFileSummary[];
  /** True when the frames came from the frame cache (built earlier in this run from the same files). */
  readonly fromCache: boolean;
}

/** The outcome years of the descriptive figures (3a 3.1: "de jaren 2016-2021"). */
export const RATE_YEARS = [2016, 2017, 2018, 2019, 2020, 2021] as const;

/**
 * Frames already read from the frame cache in this process, by cache folder and frames asked for: a
 * chapter run again in the same kernel ("Run All" after an edit) does not read them again. The frames
 * are never changed after they are built, so sharing them is safe.
 */
const framesInMemory = new Map<string, PreparedData>();

/**
 * Ensure, read, validate and transform: the four analysis frames of the run's configuration, plus the
 * 3a 3.1 outcome rates. Reading and validating the raw files happens once per data folder, reference
 * choice and transform code (src/pipeline/frame-cache.ts); later calls read the frames from the cache.
 * `raw: true` always reads (and validates) the raw files and returns them too; `raw: "head"` returns the
 * first rows of studenten.csv beside the frames (chapter 2 shows them), read from the start of the file
 * when the frames come from the cache; `frames` names the frames wanted from the cache (default all
 * four; a build from the raw files always makes all four).
 */
export const RAW_HEAD_ROWS = 1000;

export async function prepareFrames(config: KansenConfig, options: { readonly raw?: boolean | "head"; readonly frames?: readonly FrameKey[] } = {}): Promise<PreparedData> {
  const progress = startProgress("data");
  try {
    const ensured = await recordStep("data: ensure", "generation", () => ensureData(config, (line) => progress.note(line)));
    const cacheDir = frameCacheDir(config.cacheDir, frameCacheKey(ensured.dir, config.reference, RATE_YEARS, ensured.contentHashes));
    if (options.raw !== true) {
      const memoryKey = `${cacheDir}|${options.frames === undefined ? "*" : [...options.frames].sort().join(",")}|${options.raw === "head" ? "head" : ""}`;
      const inMemory = framesInMemory.get(memoryKey);
      if (inMemory !== undefined) {
        await recordStep("data: frames from the cache", "transform", () => inMemory);
        progress.done(`analysebestanden al gelezen in deze kernel (uit ${cacheDir}): ${Object.values(inMemory.frames).map((f) => `${f.key} ${f.nrows}`).join(", ")}`);
        return inMemory;
      }
      const cached = await recordStep("data: frames from the cache", "transform", () => readFrameCache(cacheDir, options.frames));
      if (cached !== undefined) {
        progress.done(`analysebestanden uit de cache ${cacheDir} (gebouwd uit de gevalideerde bestanden van ${ensured.dir}): ${Object.values(cached.frames).map((f) => `${f.key} ${f.nrows}`).join(", ")}`);
        const head = options.raw === "head" ? { studentenHead: readRawHead(ensured.dir, "studenten", RAW_HEAD_ROWS) } : {};
        const prepared: PreparedData = { raw: null, ...cached, fromCache: true, ...head };
        framesInMemory.set(memoryKey, prepared);
        return prepared;
      }
    }
    progress.note(`lezen en valideren van ${ensured.dir}`);
    const raw = await recordStep("data: read and validate", "validation", () => loadRawData(ensured.dir));
    progress.note(`${raw.studenten.nrows} studenten gelezen; de vier analysebestanden worden gebouwd`);
    const frames = await recordStep("transform: analysis frames", "transform", () => buildAnalysisFrames(raw, { reference: config.reference }));
    progress.note("uitkomsten 2016-2021 naar migratieachtergrond (3a 3.1)");
    const rates: Record<string, readonly OutcomeRate[]> = {};
    for (const outcome of OUTCOMES) rates[outcome] = outcomeRatesByYear(raw, outcome, RATE_YEARS);
    const files = [raw.studenten, raw.vsv, raw.crebo].map((t) => ({ file: t.file, nrows: t.nrows, ncolumns: Object.keys(t.columns).length }));
    writeFrameCache(cacheDir, { frames, rates, files });
    progress.done(`${Object.values(frames).map((f) => `${f.key} ${f.nrows}`).join(", ")}; bewaard in de cache ${cacheDir}`);
    return { raw, frames, rates, files, fromCache: false, ...(options.raw === "head" ? { studentenHead: raw.studenten } : {}) };
  } catch (error) {
    // The first line says what and where (a validation error lists every violation below it); the
    // whole message travels with the error to whoever shows it.
    progress.fail((error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "");
    throw error;
  }
}

/**
 * The generating fixed effects of one frame of the synthetic population, by lme4 term name, from
 * truth.json in the data folder (frames.<outcome><year>.fixedEffects.<term>.value). Undefined for real
 * data, which has no truth.
 */
export function readTruth(config: KansenConfig, outcome: string, year: number): ReadonlyMap<string, number> | undefined {
  if (config.data.kind !== "synthetic") return undefined;
  const path = join(dataDir(config), "truth.json");
  if (!existsSync(path)) throw new Error(`${path}: the synthetic population has no truth.json (regenerate it)`);
  const json: unknown = JSON.parse(readFileSync(path, "utf8"));
  const frames = (json as { frames?: Record<string, { fixedEffects?: Record<string, { value?: unknown }> }> }).frames;
  const fixed = frames?.[frameKey(outcome, year)]?.fixedEffects;
  if (fixed === undefined) throw new Error(`${path}: no frames.${outcome}${year}.fixedEffects`);
  const truth = new Map<string, number>();
  for (const [term, entry] of Object.entries(fixed)) {
    if (typeof entry.value !== "number") throw new Error(`${path}: frames.${outcome}${year}.fixedEffects["${term}"].value is not a number`);
    truth.set(term, entry.value);
  }
  return truth;
}
