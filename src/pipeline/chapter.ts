/**
 * The one setup call every chapter makes after its parameters cell:
 *
 *   const ch = await openChapter(tslab.display, { outcomes, years, reference }, { data: "frames" });
 *
 * It reads the run's configuration (notebooks/config.json, overridden by KANSEN_CONFIG), lays the
 * chapter's parameters over it (the values of the cell tagged `parameters`, or those the headless runner
 * injected below it, papermill's convention) and checks them with the configuration's own rules, so a
 * wrong value is an error naming the parameter. Then it loads plotly.js once for the notebook, shows
 * which data the numbers come from and what the chapter was asked to do, and (if asked) prepares the
 * analysis frames (from the frame cache after the first chapter of a run).
 *
 * The frames are built with the configuration's reference categories; a chapter's own `reference`
 * parameter changes only what the chapter shows and fits (the descriptive tables' "(ref.)" marks, the
 * designs of the models), so choosing another reference category in a cell never rebuilds the frames.
 */
import { configToJson, loadConfig, mergeConfig, parseConfig, runPaths, isSynthetic, type KansenConfig, type RunPaths } from "../config";
import { loadPlotly, sourceBannerHtml, type HtmlDisplay } from "../report/display";
import type { PublishContext } from "../report/publish";
import { chapterHeaderHtml, modelChapterTitle } from "../report/workbench";
import type { AnalysisFrame } from "../transform/frames";
import { frameKey, isOutcome, type Outcome, type ReferenceLevels } from "../vocabulary";
import { configuredFitCache, type FitCache } from "./fit-cache";
import { MODEL_CHAPTERS } from "./notebooks";
import { prepareFrames, type PreparedData } from "./steps";
import { ModelWorkbench } from "./workbench";

/** What a parameters cell may set (each optional: what it leaves out comes from the configuration). */
export interface ChapterParameters {
  readonly outcomes?: readonly string[];
  readonly years?: readonly number[];
  readonly reference?: Readonly<Record<string, string>>;
}

export interface ChapterOptions {
  /** What the chapter reads: nothing, the analysis frames, or also the first rows of the raw files (chapter 2; steps.ts prepareFrames raw "head"). Default "frames". */
  readonly data?: "none" | "frames" | "raw";
  /** A title to show as the chapter's heading (the model chapter's, which depends on its outcome). */
  readonly title?: string;
}

export interface Chapter {
  /** The run's configuration with the chapter's parameters laid over it. */
  readonly config: KansenConfig;
  readonly paths: RunPaths;
  /** Where tables and figures are shown and written. */
  readonly ctx: PublishContext;
  /** The prepared data (null when the chapter asked for none). */
  readonly data: PreparedData | null;
  /** The analysis frames of the chapter's outcomes and years, doorstroom before vsv, 2020 before 2021. */
  readonly frames: readonly AnalysisFrame[];
  /** The fit cache (src/pipeline/fit-cache.ts), or null when it is switched off. */
  readonly fitCache: FitCache | null;
  /** The model workbench over the chapter's frames (chapters 5-8): design, fit, statistics, tables. */
  models(outcome?: Outcome): ModelWorkbench;
}

/** The configuration with a chapter's parameters laid over it, validated (errors name the parameter). */
export function chapterConfig(base: KansenConfig, parameters: ChapterParameters): KansenConfig {
  const override: { [key: string]: unknown } = {};
  if (parameters.outcomes !== undefined) override["outcomes"] = [...parameters.outcomes];
  if (parameters.years !== undefined) override["years"] = [...parameters.years];
  if (parameters.reference !== undefined) override["reference"] = { ...parameters.reference };
  return parseConfig(mergeConfig(configToJson(base), override), "the chapter's parameters (the cell tagged \"parameters\") over the run's configuration");
}

/** The frames of the configured outcomes and years, in the published order. */
export function framesFor(data: PreparedData, config: KansenConfig): AnalysisFrame[] {
  return Object.values(data.frames)
    .filter((f): f is AnalysisFrame => f !== undefined)
    .filter((f) => (config.outcomes as readonly string[]).includes(f.outcome) && (config.years as readonly number[]).includes(f.year))
    .sort((a, b) => config.outcomes.indexOf(a.outcome) - config.outcomes.indexOf(b.outcome) || a.year - b.year);
}

/** The setup of a chapter: configuration and parameters, plotly, the data banner, the frames. */
export async function openChapter(display: HtmlDisplay, parameters: ChapterParameters = {}, options: ChapterOptions = {}): Promise<Chapter> {
  const base = loadConfig();
  const config = chapterConfig(base, parameters);
  const paths = runPaths(config);
  const ctx: PublishContext = { display, outDir: paths.root, source: isSynthetic(config) ? "synthetic" : "real" };
  const fitCache = configuredFitCache(config.cacheDir);
  loadPlotly(display);
  display.html(chapterHeaderHtml({ title: options.title, config, parameters, fitCacheDir: fitCache?.dir ?? null }));
  display.html(sourceBannerHtml(ctx.source, JSON.stringify(configToJson(config).data), paths));
  const want = options.data ?? "frames";
  // The frames come from the run's configuration (its reference categories key the frame cache).
  const wanted = config.outcomes.flatMap((o) => config.years.map((y) => frameKey(o, y)));
  const data = want === "none" ? null : await prepareFrames(base, { raw: want === "raw" ? "head" : false, frames: wanted });
  const frames = data === null ? [] : framesFor(data, config);
  return {
    config,
    paths,
    ctx,
    data,
    frames,
    fitCache,
    models(outcome?: Outcome): ModelWorkbench {
      if (data === null) throw new Error("openChapter: this chapter asked for no data ({ data: \"none\" }), so it has no frames to fit models on");
      const chosen = outcome === undefined ? frames : frames.filter((f) => f.outcome === outcome);
      if (chosen.length === 0) throw new Error(`openChapter: no frames for ${outcome ?? "the chapter's outcomes"} in years ${config.years.join(", ")}`);
      return new ModelWorkbench({ ctx, config, frames: chosen, reference: config.reference as ReferenceLevels, fitCache });
    },
  };
}

/** The model chapter's parameters: one outcome (the runner runs the chapter once per outcome). */
export interface ModelChapterParameters {
  readonly outcome: string;
  readonly years?: readonly number[];
  readonly reference?: Readonly<Record<string, string>>;
}

/** A model chapter: the chapter and its workbench for one outcome. */
export interface ModelChapter extends Chapter {
  readonly outcome: Outcome;
  readonly workbench: ModelWorkbench;
}

/**
 * The setup of the model chapter (notebooks/05-modellen.ipynb), which serves both outcomes: the
 * runner executes it once with `outcome = "doorstroom"` (chapter 5, Tabel 5 and 6) and once with
 * `outcome = "vsv"` (chapter 6, Tabel 7 and 8). Shows the chapter's title for that outcome.
 */
export async function openModelChapter(display: HtmlDisplay, parameters: ModelChapterParameters): Promise<ModelChapter> {
  const outcome = parameters.outcome;
  if (!isOutcome(outcome)) {
    throw new Error(`the parameter outcome must be "doorstroom" or "vsv", got ${JSON.stringify(outcome)}`);
  }
  const chapter = await openChapter(display, { outcomes: [outcome], years: parameters.years, reference: parameters.reference }, { data: "frames", title: modelChapterTitle(MODEL_CHAPTERS[outcome].number, outcome) });
  return { ...chapter, outcome, workbench: chapter.models(outcome) };
}
