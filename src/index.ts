/**
 * The package entry of `kansen-mbo` (dist/index.js, linked as node_modules/kansen-mbo by
 * scripts/link-dist.mjs): what a chapter or a script needs to open the data and fit models through
 * the fit cache. Every module is also reachable by its own path ("kansen-mbo/pipeline/workbench").
 *
 * A chapter that fits many formulas (a specification curve) without showing each stage:
 *
 *   import * as tslab from "tslab";
 *   import { openChapter, fitFormula } from "kansen-mbo";
 *   const ch = await openChapter(tslab.display, { outcomes: ["doorstroom"], years: [2020, 2021] });
 *   const fits = ch.frames.map((frame) =>
 *     fitFormula(frame, `${frame.outcome} ~ migratie + ouders + (1 | locatie) + (1 | instelling)`,
 *       { cache: ch.fitCache, reference: ch.config.reference, label: `${frame.outcome} ${frame.year} spec 1` }));
 *   fits.map((r) => r.status);   // "miss" the first time, "hit" after (same key as the workbench's fit)
 *
 * and one that walks the stages in view, as chapters 5-7 do:
 *
 *   const wb = ch.models("doorstroom");
 *   const model = wb.statistics(wb.fit(wb.design("1a", "doorstroom ~ migratie + ouders + (1 | locatie) + (1 | instelling)")));
 */
export { openChapter, openModelChapter, chapterConfig, framesFor } from "./pipeline/chapter";
export type { Chapter, ChapterOptions, ChapterParameters, ModelChapter, ModelChapterParameters } from "./pipeline/chapter";
export { ModelWorkbench } from "./pipeline/workbench";
export type { DesignChoices, FitSettings, FormulaText, ModelDesign, ModelFit, ModelObjective, ModelOptimum, ModelResult, FrameDesign, FrameFit, FrameResult } from "./pipeline/workbench";
export { fitFormula, frameDesign } from "./pipeline/fit-formula";
export type { FormulaFit, FormulaFitOptions } from "./pipeline/fit-formula";
export { FitCache, FIT_CACHE_ENV, configuredFitCache, fitCacheKey, fitKeyParts, solverVersion } from "./pipeline/fit-cache";
export type { FitCacheLookup, FitKeyParts } from "./pipeline/fit-cache";
export type { AnalysisFrame } from "./transform/frames";
export type { GlmmControlInput } from "./glmm/control";
export type { GlmmFit, GlmmOptions } from "./glmm/types";
export { FACTOR_LEVELS, FACTORS, GROUPING_FACTORS, MODEL_YEARS, OUTCOMES, PUBLISHED_REFERENCE } from "./vocabulary";
export type { Factor, ModelYear, Outcome, ReferenceLevels } from "./vocabulary";
