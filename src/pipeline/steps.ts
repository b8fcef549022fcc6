/**
 * The long steps of the chapters, each one call, reported (progress in the notebook and on the terminal
 * of a headless run) and recorded in the run log for the manifest:
 *   prepareFrames     ensure the data (generate the synthetic population once), read and validate the
 *                     raw files, build the four analysis frames with the configured reference categories
 *                     (once per run: later chapters read them from the frame cache)
 *   fitOutcomeYear    models 0-2 of 3a Tabel 2 for one frame, with R2, ICC, AMEs, LRTs and location
 *                     effects; every fit summarised and saved for later chapters
 *   fitRobustness     model 2 without cito, cito year and missing indicator (3a 3.4)
 *   readTruth         the generating fixed effects of the synthetic population (truth.json)
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fitLadder, designFitter, robustnessModel, type LadderResult, type LadderModelId } from "../analysis/models";
import { recordFit, recordStep } from "../audit/run-log";
import { dataDir, type KansenConfig } from "../config";
import { loadRawData, type RawData } from "../data/load";
import { fitDesign } from "../glmm/fit";
import type { GlmmFit } from "../glmm/types";
import { ensureData } from "./data-cache";
import { startProgress } from "./progress";
import { nakagawaR2 } from "../stats/r2";
import { averageMarginalEffects } from "../stats/ame";
import { buildAnalysisFrames, traceFrameError, type AnalysisFrame, type FrameKey } from "../transform/frames";
import type { OutcomeRate } from "../report/figures";
import { frameCacheDir, frameCacheKey, readFrameCache, writeFrameCache, type RawFileSummary } from "./frame-cache";
import { readFitSummary, writeFitSummary } from "../report/outputs";
import { outcomeRatesByYear } from "../report/rates";
import { summariseFit, type FitSummary } from "../report/summary";

export interface PreparedData {
  /** The validated raw files; only when asked for (`raw: true`), since the frame cache makes them unneeded. */
  readonly raw: RawData | null;
  readonly frames: Readonly<Record<FrameKey, AnalysisFrame>>;
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
 * Ensure, read, validate and transform: the four analysis frames of the run's configuration, plus the
 * 3a 3.1 outcome rates. Reading and validating the raw files happens once per data folder, reference
 * choice and transform code (src/pipeline/frame-cache.ts); later calls read the frames from the cache.
 * `raw: true` always reads (and validates) the raw files and returns them too.
 */
export async function prepareFrames(config: KansenConfig, options: { readonly raw?: boolean } = {}): Promise<PreparedData> {
  const progress = startProgress("data");
  try {
    const ensured = await recordStep("data: ensure", "generation", () => ensureData(config, (line) => progress.note(line)));
    const cacheDir = frameCacheDir(config.cacheDir, frameCacheKey(ensured.dir, config.reference, RATE_YEARS, ensured.contentHashes));
    if (options.raw !== true) {
      const cached = await recordStep("data: frames from the cache", "transform", () => readFrameCache(cacheDir));
      if (cached !== undefined) {
        progress.done(`frames read from the cache ${cacheDir} (built from the validated files of ${ensured.dir}): ${Object.values(cached.frames).map((f) => `${f.key} ${f.nrows}`).join(", ")}`);
        return { raw: null, ...cached, fromCache: true };
      }
    }
    progress.note(`reading and validating ${ensured.dir}`);
    const raw = await recordStep("data: read and validate", "validation", () => loadRawData(ensured.dir));
    progress.note(`${raw.studenten.nrows} students read; building the four analysis frames`);
    const frames = await recordStep("transform: analysis frames", "transform", () => buildAnalysisFrames(raw, { reference: config.reference }));
    progress.note("outcome rates 2016-2021 by migration background (3a 3.1)");
    const rates: Record<string, readonly OutcomeRate[]> = {};
    for (const outcome of ["doorstroom", "vsv"] as const) rates[outcome] = outcomeRatesByYear(raw, outcome, RATE_YEARS);
    const files = [raw.studenten, raw.vsv, raw.crebo].map((t) => ({ file: t.file, nrows: t.nrows, ncolumns: Object.keys(t.columns).length }));
    writeFrameCache(cacheDir, { frames, rates, files });
    progress.done(`${Object.values(frames).map((f) => `${f.key} ${f.nrows}`).join(", ")}; frames cached in ${cacheDir}`);
    return { raw, frames, rates, files, fromCache: false };
  } catch (error) {
    // The first line says what and where (a validation error lists every violation below it); the
    // whole message travels with the error to whoever shows it.
    progress.fail((error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "");
    throw error;
  }
}

/** The frames the configuration asks for (its outcomes and years), in the order doorstroom, vsv; 2020, 2021. */
export function configuredFrames(data: PreparedData, config: KansenConfig): AnalysisFrame[] {
  return Object.values(data.frames).filter((f) => (config.outcomes as readonly string[]).includes(f.outcome) && (config.years as readonly number[]).includes(f.year));
}

/** The years to model for one outcome: the configured years, or none when the outcome is not configured. */
export function configuredYears(config: KansenConfig, outcome: string): number[] {
  return (config.outcomes as readonly string[]).includes(outcome) ? [...config.years] : [];
}

export function frameKey(outcome: string, year: number): FrameKey {
  const key = `${outcome}${year}`;
  if (key !== "doorstroom2020" && key !== "doorstroom2021" && key !== "vsv2020" && key !== "vsv2021") {
    throw new Error(`no analysis frame for ${outcome} ${year}: the frames are doorstroom and vsv for 2020 and 2021 (3a 3.2)`);
  }
  return key;
}

export interface OutcomeYearFits {
  readonly ladder: LadderResult;
  readonly summaries: readonly FitSummary[];
  readonly files: readonly string[];
}

/**
 * Models 0, 1a, 1b, 1c and 2 for one frame (3a Tabel 2), each with Nakagawa's R2 and the AMEs of the
 * published convention, summarised, saved under fits/ and logged for the manifest. The robustness refit
 * is left to chapter 7.
 */
export async function fitOutcomeYear(frame: AnalysisFrame, outDir: string, models?: readonly LadderModelId[]): Promise<OutcomeYearFits> {
  const label = `${frame.outcome} ${frame.year}`;
  const progress = startProgress(`fit ${label}`, { total: models?.length ?? 5, unit: "models" });
  let done = 0;
  try {
    const ladder = await recordStep(`fit: ${label} models 0-2`, "fit", () =>
      fitLadder(frame.columns, frame.outcome, designFitter(fitDesign, frame.reference), {
        robustness: false,
        ...(models !== undefined ? { models } : {}),
        onProgress: (p) => {
          if (p.stage === "done") progress.update(++done, p.message);
          else if (p.stage !== "fit" || p.message.startsWith("fitting")) progress.note(p.message);
        },
      }),
    );
    progress.done();
    const summaries = ladder.models.map((m) => {
      recordFit(`${label} model ${m.spec.id}`, m.fit);
      return summariseFit(m.fit, {
        model: m.spec.id,
        outcome: frame.outcome,
        year: frame.year,
        r2: { conditional: m.r2.conditional, marginal: m.r2.marginal },
        ame: m.ame.effects.map((e) => ({ term: e.term, estimate: e.estimate, se: e.se })),
      });
    });
    const files = summaries.map((s) => writeFitSummary(outDir, s));
    return { ladder, summaries, files };
  } catch (caught) {
    const error = traceFrameError(frame, caught); // a frame row is named as its row of studenten.csv
    progress.fail(error instanceof Error ? error.message : String(error));
    throw error;
  }
}

/** Fit one model of the ladder (or the robustness model) and summarise it; used when no cached summary exists. */
async function fitOne(frame: AnalysisFrame, formula: string, model: string): Promise<{ fit: GlmmFit; summary: FitSummary }> {
  const label = `${frame.outcome} ${frame.year} model ${model}`;
  const progress = startProgress(`fit ${label}`);
  try {
    const fitter = designFitter(fitDesign, frame.reference);
    const fit = await recordStep(`fit: ${label}`, "fit", () => fitter(formula, frame.columns, { onProgress: (m) => progress.note(m) }));
    recordFit(label, fit);
    progress.done(fit.convergence.converged ? "converged" : `did NOT converge: ${fit.convergence.messages.join("; ")}`);
    const r2 = nakagawaR2(fit);
    const ame = averageMarginalEffects(fit);
    const summary = summariseFit(fit, {
      model,
      outcome: frame.outcome,
      year: frame.year,
      r2: { conditional: r2.conditional, marginal: r2.marginal },
      ame: ame.effects.map((e) => ({ term: e.term, estimate: e.estimate, se: e.se })),
    });
    return { fit, summary };
  } catch (caught) {
    const error = traceFrameError(frame, caught);
    progress.fail(error instanceof Error ? error.message : String(error));
    throw error;
  }
}

/**
 * Whether a saved summary was fitted on this frame as it is now: the same number of students and, for
 * every factor level, the same reference category. A summary saved before the data or the reference
 * categories changed is not reused.
 */
export function summaryMatchesFrame(summary: FitSummary, frame: Pick<AnalysisFrame, "nrows" | "reference" | "outcome" | "year">): boolean {
  if (summary.outcome !== frame.outcome || summary.year !== frame.year || summary.nobs !== frame.nrows) return false;
  return summary.fixed.every((f) => f.kind !== "factorLevel" || f.reference === undefined || frame.reference[f.variable] === f.reference);
}

export interface RobustnessResult {
  readonly full: FitSummary;
  readonly reduced: FitSummary;
  /** True when model 2 came from the summary chapter 5/6 saved, false when it was refitted here. */
  readonly fullFromCache: boolean;
}

/**
 * 3a 3.4: model 2 as saved by chapter 5/6 (refitted if absent), and model 2 without cito, cito year and
 * the cito missing indicator, both summarised; the reduced summary is saved as model "2-zonder-cito".
 */
export async function fitRobustness(frame: AnalysisFrame, outDir: string): Promise<RobustnessResult> {
  const spec = robustnessModel(frame.outcome);
  let full = readFitSummary(outDir, frame.outcome, frame.year, "2");
  if (full !== undefined && !summaryMatchesFrame(full, frame)) full = undefined; // saved from other data or references
  const fullFromCache = full !== undefined;
  if (full === undefined) {
    const ladder2 = (await fitOutcomeYear(frame, outDir, ["2"])).summaries[0];
    if (ladder2 === undefined) throw new Error(`fitRobustness: model 2 for ${frame.outcome} ${frame.year} was not fitted`);
    full = ladder2;
  }
  const { summary: reduced } = await fitOne(frame, spec.formula, spec.id);
  writeFitSummary(outDir, reduced);
  return { full, reduced, fullFromCache };
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
