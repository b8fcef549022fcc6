/**
 * The model workbench: the stages of a model fit as calls a notebook cell makes and a reader can look
 * at, the way lme4's modular functions (glFormula -> mkGlmerDevfun -> optimizeGlmer -> mkMerMod) let a
 * user stop after each step. Over the frames of a chapter (one outcome and its years in chapters 5-6,
 * both outcomes in chapter 7):
 *
 *   const ontwerp = wb.design("2", formula)    formula + frame -> the design (X, the random-effects
 *                                              terms, reference levels, dropped columns), shown per frame
 *   const doel = wb.objective(ontwerp)         the Laplace objective of each design (src/glmm/objective.ts):
 *                                              its dimensions and control; or the fit cache's entry
 *   const optimum = wb.optimise(doel)          the optimiser (src/glmm/optimise.ts) and its summary: the
 *                                              start, each stage's log, evaluations, the final gradient
 *   const fit = wb.assemble(optimum)           the fit (src/glmm/assemble.ts) with its convergence report,
 *                                              stored in the fit cache
 *   const model = wb.statistics(fit)           Nakagawa's R2, ICC, average marginal effects; the fit
 *                                              summary saved under fits/
 *   wb.fit(ontwerp)                            the three solver stages in one call
 *   wb.publishTables([model0, ..., model2])    Tabel 5-8 in the published layout, compared with 3b
 *
 * A researcher edits the formula (or a reference level) in the cell and reruns that cell and the ones
 * after it; nothing in src/ is rebuilt. When a fit's key (data, formula, design options, solver settings,
 * solver code) is unchanged, the objective stage finds it in the fit cache and no objective is built: the
 * optimise stage shows the stored optimisation summary and assemble returns the stored fit, the same bits. A formula is a string, or, for a chapter over both outcomes,
 * a function of the outcome: (y) => `${y} ~ migratie + ...`.
 */
import { recordFit, recordFitCache, recordTimedStep } from "../audit/run-log";
import type { KansenConfig } from "../config";
import { assembleFit } from "../glmm/assemble";
import type { GlmmControlInput } from "../glmm/control";
import { laplaceObjective, type LaplaceObjective } from "../glmm/objective";
import { optimiseObjective, type Optimum } from "../glmm/optimise";
import type { GlmmFit, GlmmOptions } from "../glmm/types";
import { describeDesign, type DesignDescription } from "../model/describe";
import { parseFormula } from "../model/formula";
import type { GlmmDesign } from "../model/types";
import { referencesFor } from "../analysis/models";
import { averageMarginalEffects, type AmeConvention, type AmeResult } from "../stats/ame";
import { compareModels } from "../stats/compare";
import { intraclassCorrelation, type IccResult } from "../stats/icc";
import { locationEffects, type LocationEffects } from "../stats/location-effects";
import { nakagawaR2, type NakagawaR2 } from "../stats/r2";
import { ameEstimates, caterpillarData, CRITERIA_HEADER, criteriaRows, LRT_HEADER, lrtRows, R2_HEADER, r2Rows, ROBUSTNESS_HEADER, robustnessPairs, robustnessRows } from "../report/adapters";
import { showModelTable } from "../report/display";
import { ameForestFigure, caterpillarFigure, robustnessFigure } from "../report/figures";
import { writeFitSummary } from "../report/outputs";
import { publishFigure, publishModels, publishSimpleTable, type PublishContext } from "../report/publish";
import { summariseFit, type FitSummary } from "../report/summary";
import { modelTable } from "../report/tables";
import { designSummaryHtml, fitReportHtml, objectiveHtml, optimisationHtml, statisticsHtml, type FitOrigin } from "../report/workbench";
import type { AnalysisFrame } from "../transform/frames";
import { isFactor, type Outcome, type ReferenceLevels } from "../vocabulary";
import { fitCacheKey, fitKeyParts, statisticsVersion, type FitCache, type FitKeyParts } from "./fit-cache";
import { frameDesign } from "./fit-formula";
import { startProgress, type Progress } from "./progress";
import { readTruth } from "./steps";

/** A formula as written in a cell: one text, or one per outcome. */
export type FormulaText = string | ((outcome: Outcome) => string);

export interface DesignChoices {
  /** Reference levels for this model only, over the chapter's (e.g. { sector: "zorg_sport" }). */
  readonly reference?: Readonly<Record<string, string>>;
}

/** One model's design on one frame. */
export interface FrameDesign {
  readonly frame: AnalysisFrame;
  /** "doorstroom 2020". */
  readonly label: string;
  readonly formula: string;
  /** The reference level of each factor the formula uses. */
  readonly reference: Readonly<Record<string, string>>;
  readonly design: GlmmDesign;
  readonly description: DesignDescription;
}

export interface ModelDesign {
  readonly model: string;
  readonly byFrame: readonly FrameDesign[];
}

/** Stage 2 on one frame: the Laplace objective, or the stored fit when the fit cache has the key. */
export interface FrameObjective extends FrameDesign {
  readonly key: string;
  readonly parts: FitKeyParts;
  /** The objective to optimise (null when the fit came from the cache; released by assemble). */
  readonly objective: LaplaceObjective | null;
  /** The fit read from the cache, or null. */
  readonly cached: { readonly fit: GlmmFit; readonly createdAt: string } | null;
  /** Why the cache had no fit ("niet in de fitcache", "fitcache uit", ...). */
  readonly reason: string;
  readonly progress: Progress;
  readonly startedAt: string;
  readonly t0: number;
}

export interface ModelObjective {
  readonly model: string;
  readonly settings: FitSettings;
  readonly byFrame: readonly FrameObjective[];
}

/** Stage 3 on one frame: the optimum (null for a fit from the cache, whose summary is in fit.optimisation). */
export interface FrameOptimum extends FrameObjective {
  readonly optimum: Optimum | null;
}

export interface ModelOptimum {
  readonly model: string;
  readonly settings: FitSettings;
  readonly byFrame: readonly FrameOptimum[];
}

export interface FrameFit extends FrameDesign {
  readonly fit: GlmmFit;
  readonly origin: FitOrigin;
}

export interface ModelFit {
  readonly model: string;
  readonly byFrame: readonly FrameFit[];
}

export interface FrameResult extends FrameFit {
  readonly r2: NakagawaR2;
  readonly icc: IccResult;
  readonly ame: AmeResult;
  /** What the report tables read; saved as fits/<outcome>-<year>-model-<m>.json. */
  readonly summary: FitSummary;
}

export interface ModelResult {
  readonly model: string;
  readonly byFrame: readonly FrameResult[];
}

export interface WorkbenchSetup {
  readonly ctx: PublishContext;
  readonly config: KansenConfig;
  readonly frames: readonly AnalysisFrame[];
  /** The chapter's reference levels (its parameters cell, or the configuration's). */
  readonly reference: ReferenceLevels;
  readonly fitCache: FitCache | null;
}

/** The solver's settings for a model; part of the fit cache's key. */
export interface FitSettings {
  /** Standard errors from the Hessian (lme4 1.1-31's default) or from (RX'RX)^-1. */
  readonly se?: "hessian" | "rx";
  /** Tolerances and limits (src/glmm/control.ts), each named after its lme4 counterpart. */
  readonly control?: GlmmControlInput;
  /** Threads for the passes over the rows (1 or 2; the same bits either way, so not in the key). */
  readonly threads?: number;
}

function frameLabel(frame: AnalysisFrame): string {
  return `${frame.outcome} ${frame.year}`;
}

/** The response column of a formula (its left-hand side), for the check that it is the frame's outcome. */
function responseColumn(formula: string): string | null {
  const response = parseFormula(formula).response;
  return response.kind === "column" ? response.column : null;
}

export class ModelWorkbench {
  readonly frames: readonly AnalysisFrame[];
  private readonly setup: WorkbenchSetup;

  constructor(setup: WorkbenchSetup) {
    this.setup = setup;
    this.frames = setup.frames;
  }

  /** The formula text for one frame, checked to model that frame's outcome. */
  private formulaFor(model: string, formula: FormulaText, frame: AnalysisFrame): string {
    const text = typeof formula === "function" ? formula(frame.outcome) : formula;
    const response = responseColumn(text);
    if (response !== null && response !== frame.outcome) {
      throw new Error(
        `model ${model}: the formula models '${response}', but this chapter's frame ${frameLabel(frame)} has outcome '${frame.outcome}'` +
          (this.frames.some((f) => f.outcome !== frame.outcome) ? "; for a chapter over both outcomes write the formula as (y) => `${y} ~ ...`" : ""),
      );
    }
    return text;
  }

  /** Stage 1: the design of `formula` on every frame (lme4's glFormula), shown as a summary. */
  design(model: string, formula: FormulaText, choices: DesignChoices = {}): ModelDesign {
    for (const factor of Object.keys(choices.reference ?? {})) {
      if (!isFactor(factor)) throw new Error(`model ${model}: a reference level was given for '${factor}', which is not a factor of the frames`);
    }
    const byFrame = this.frames.map((frame): FrameDesign => {
      const text = this.formulaFor(model, formula, frame);
      const reference = referencesFor(text, { ...this.setup.reference, ...choices.reference });
      const design = frameDesign(frame, text, reference); // built once per frame, formula and references in this kernel
      return { frame, label: frameLabel(frame), formula: text, reference, design, description: describeDesign(design) };
    });
    const result = { model, byFrame };
    this.setup.ctx.display.html(designSummaryHtml(model, byFrame));
    return result;
  }

  /**
   * Stage 2: the Laplace objective of every design (lme4's mkGlmerDevfun), unless the fit cache holds
   * the fit for its key (data, formula, design options, solver settings, solver code): then no objective
   * is built and the progress line says where the fit comes from.
   */
  objective(designs: ModelDesign, settings: FitSettings = {}): ModelObjective {
    const glmm: GlmmOptions = { ...(settings.se !== undefined ? { se: settings.se } : {}), ...(settings.control !== undefined ? { control: settings.control } : {}) };
    const cache = this.setup.fitCache;
    const byFrame = designs.byFrame.map((d): FrameObjective => {
      const label = `${d.label} model ${designs.model}`;
      const parts = fitKeyParts(d.formula, d.frame.columns, { reference: d.reference }, glmm);
      const key = fitCacheKey(parts);
      const progress = startProgress(`fit ${label}`);
      const base = { ...d, key, parts, progress, startedAt: new Date().toISOString(), t0: performance.now() };
      if (cache !== null) {
        const found = cache.read(key, d.design);
        if (found.status === "hit") {
          progress.done(`uit de fitcache (sleutel ${key.slice(0, 12)}, opgeslagen ${found.entry.createdAt}; het schatten duurde toen ${found.fit.elapsedSeconds.toFixed(1)} s)`);
          return { ...base, objective: null, cached: { fit: found.fit, createdAt: found.entry.createdAt }, reason: "" };
        }
        progress.note(`${found.reason} (sleutel ${key.slice(0, 12)}); de doelfunctie wordt opgebouwd`);
        return { ...base, objective: this.buildObjective(d, settings, progress), cached: null, reason: found.reason };
      }
      progress.note("fitcache uit; de doelfunctie wordt opgebouwd");
      return { ...base, objective: this.buildObjective(d, settings, progress), cached: null, reason: "fitcache uit" };
    });
    this.setup.ctx.display.html(objectiveHtml(designs.model, byFrame.map((o) => ({
      label: o.label,
      key: o.key,
      fromCache: o.cached !== null,
      reason: o.reason,
      structure: o.objective === null ? null : {
        nobs: o.objective.design.nobs,
        p: o.objective.p,
        nTheta: o.objective.nTheta,
        q: o.objective.layout.q,
        parameterNames: o.objective.parameterNames,
        control: o.objective.control,
      },
    }))));
    return { model: designs.model, settings, byFrame };
  }

  private buildObjective(d: FrameDesign, settings: FitSettings, progress: Progress): LaplaceObjective {
    const objective = laplaceObjective(d.design, { ...(settings.threads !== undefined ? { threads: settings.threads } : {}), ...(settings.control !== undefined ? { control: settings.control } : {}) });
    const L = objective.layout;
    progress.note(`doelfunctie: ${L.q} random effecten, ${L.nSlots} kruisblokken, dicht deel ${L.q2} breed`);
    return objective;
  }

  /**
   * Stage 3: the optimiser on every objective (lme4's optimizeGlmer; src/glmm/optimise.ts), and its
   * summary shown: the start, each stage's log, the evaluations, the final gradient. A fit from the
   * cache shows the summary it was stored with.
   */
  optimise(objectives: ModelObjective): ModelOptimum {
    const byFrame: FrameOptimum[] = [];
    try {
      for (const o of objectives.byFrame) {
        if (o.objective === null) {
          byFrame.push({ ...o, optimum: null });
          continue;
        }
        o.progress.note("optimaliseren");
        byFrame.push({ ...o, optimum: optimiseObjective(o.objective, { onProgress: (m) => o.progress.note(m) }) });
      }
    } catch (error) {
      for (const o of objectives.byFrame) o.objective?.release();
      for (const o of objectives.byFrame) o.progress.fail(error instanceof Error ? error.message : String(error));
      throw error;
    }
    this.setup.ctx.display.html(optimisationHtml(objectives.model, byFrame.map((o) => ({ label: o.label, summary: o.optimum?.summary ?? o.cached?.fit.optimisation ?? null, fromCache: o.cached !== null }))));
    return { model: objectives.model, settings: objectives.settings, byFrame };
  }

  /**
   * Stage 4: the fit of every optimum (lme4's mkMerMod; src/glmm/assemble.ts): estimates, standard
   * errors, variance components, conditional modes and the convergence report, stored in the fit cache;
   * a fit from the cache as it was stored. Logged for the manifest (the fit and the cache lookup).
   */
  assemble(optima: ModelOptimum): ModelFit {
    const cache = this.setup.fitCache;
    const byFrame: FrameFit[] = [];
    try {
      for (const o of optima.byFrame) {
        const label = `${o.label} model ${optima.model}`;
        let fit: GlmmFit;
        let origin: FitOrigin;
        if (o.cached !== null) {
          fit = o.cached.fit;
          origin = { kind: "cache", key: o.key, createdAt: o.cached.createdAt };
        } else {
          if (o.objective === null || o.optimum === null) throw new Error(`${label}: no objective and optimum to assemble (run objective and optimise first)`);
          fit = assembleFit(o.objective, o.optimum, { ...(optima.settings.se !== undefined ? { se: optima.settings.se } : {}) });
          o.objective.release();
          if (cache !== null) cache.write(o.key, o.parts, fit);
          o.progress.done(`geschat in ${fit.elapsedSeconds.toFixed(1)} s${cache !== null ? " en opgeslagen in de fitcache" : ""}`);
          origin = { kind: "fitted", key: o.key, reason: o.reason };
        }
        // The same step whether the fit was read or computed, so the manifest id does not depend on the cache.
        recordTimedStep(`fit: ${label}`, "fit", o.startedAt, (performance.now() - o.t0) / 1000);
        recordFit(label, fit);
        recordFitCache({
          label,
          key: o.key,
          status: cache === null ? "off" : origin.kind === "cache" ? "hit" : "miss",
          detail: origin.kind === "cache" ? `opgeslagen ${origin.createdAt}` : origin.reason,
          fitSeconds: fit.elapsedSeconds,
        });
        byFrame.push({ ...o, fit, origin });
      }
    } finally {
      for (const o of optima.byFrame) o.objective?.release();
    }
    this.setup.ctx.display.html(fitReportHtml(optima.model, byFrame));
    return { model: optima.model, byFrame };
  }

  /** Stages 2-4 in one call: objective, optimise, assemble (from the fit cache where the key is unchanged). */
  fit(designs: ModelDesign, settings: FitSettings = {}): ModelFit {
    return this.assemble(this.optimise(this.objective(designs, settings)));
  }

  /**
   * Stage 5: the statistics of every fit (Nakagawa's R2, the ICC, the average marginal effects in the
   * published convention), shown, and each fit's summary saved under the run's fits/ folder.
   */
  statistics(fits: ModelFit, options: { readonly ame?: AmeConvention } = {}): ModelResult {
    const convention = options.ame ?? "published";
    const cache = this.setup.fitCache;
    // Computed once per fit and statistics code: stored beside the fit in the fit cache (its key fixes
    // the fit and its design), so a chapter rerun with every fit from the cache makes no pass over the rows.
    const version = `${statisticsVersion()} r2 icc ame:${convention}`;
    const byFrame = fits.byFrame.map((f): FrameResult => {
      const stored = cache === null ? undefined : (cache.readStatistics(f.origin.key, version) as { r2: NakagawaR2; icc: IccResult; ame: AmeResult } | undefined);
      const r2 = stored?.r2 ?? nakagawaR2(f.fit);
      const icc = stored?.icc ?? intraclassCorrelation(f.fit);
      const ame = stored?.ame ?? averageMarginalEffects(f.fit, { convention });
      if (cache !== null && stored === undefined) cache.writeStatistics(f.origin.key, version, { r2, icc, ame });
      const summary = summariseFit(f.fit, {
        model: fits.model,
        outcome: f.frame.outcome,
        year: f.frame.year,
        r2: { conditional: r2.conditional, marginal: r2.marginal },
        ame: ame.effects.map((e) => ({ term: e.term, estimate: e.estimate, se: e.se })),
      });
      writeFitSummary(this.setup.ctx.outDir, summary);
      return { ...f, r2, icc, ame, summary };
    });
    this.setup.ctx.display.html(statisticsHtml(fits.model, byFrame));
    return { model: fits.model, byFrame };
  }

  /** The results of several models per frame, in the order given (each model must cover the frame). */
  private perFrame(models: readonly ModelResult[]): { frame: AnalysisFrame; results: FrameResult[] }[] {
    return this.frames.map((frame) => ({
      frame,
      results: models.map((m) => {
        const r = m.byFrame.find((x) => x.frame.key === frame.key);
        if (r === undefined) throw new Error(`model ${m.model} was not fitted on ${frameLabel(frame)}`);
        return r;
      }),
    }));
  }

  /**
   * Tabel 5-8 per frame in the published layout (coefficient (SE), random part, R2, the AMEs of the
   * last model), shown and written as CSV, then compared with bijlage 3b cell by cell (and, on
   * synthetic data, with the generating truth).
   */
  publishTables(models: readonly ModelResult[]): void {
    for (const { frame, results } of this.perFrame(models)) {
      publishModels(this.setup.ctx, results.map((r) => r.summary), readTruth(this.setup.config, frame.outcome, frame.year));
    }
  }

  /** The ICC of the empty model per frame (bijlage 3b, leeswijzer). */
  iccTable(model0: ModelResult): void {
    const outcomes = [...new Set(this.frames.map((f) => f.outcome))].join(" en ");
    publishSimpleTable(this.setup.ctx, `icc-${outcomes.replace(/ en /g, "-")}`, `ICC van model ${model0.model} (${outcomes})`, ["uitkomst en jaar", "ICC (adjusted)", "ICC locatie", "ICC instelling"],
      model0.byFrame.map((r) => [r.label, r.icc.adjusted, r.icc.byGroup.find((g) => g.group === "locatie")?.icc ?? null, r.icc.byGroup.find((g) => g.group === "instelling")?.icc ?? null]));
  }

  /** Nakagawa's marginal and conditional R2 of every model, per frame. */
  r2Table(models: readonly ModelResult[]): void {
    for (const { frame, results } of this.perFrame(models)) {
      publishSimpleTable(this.setup.ctx, `r2-${frame.outcome}-${frame.year}`, `Nakagawa's R2, ${frameLabel(frame)}`, R2_HEADER, r2Rows(results.map((r) => r.summary)));
    }
  }

  /** The average marginal effects of one model per frame: a forest figure and a table. */
  ameFigures(model: ModelResult): void {
    for (const r of model.byFrame) {
      const ame = ameEstimates(r.summary);
      publishFigure(this.setup.ctx, ameForestFigure(r.frame.outcome, r.frame.year, ame, model.model));
      publishSimpleTable(this.setup.ctx, `ame-${r.frame.outcome}-${r.frame.year}`, `Average marginal effects, model ${model.model}, ${r.label}`, ["rij (3b)", "AME", "SE"], ame.map((a) => [a.label, a.estimate, a.se]));
    }
  }

  /** Likelihood-ratio tests between consecutive models and their information criteria, per frame. */
  modelComparison(models: readonly ModelResult[]): void {
    for (const { frame, results } of this.perFrame(models)) {
      const cmp = compareModels(results.map((r, i) => ({ name: models[i]?.model ?? String(i), fit: r.fit })));
      publishSimpleTable(this.setup.ctx, `lrt-${frame.outcome}-${frame.year}`, `Likelihood-ratio toetsen, ${frameLabel(frame)}`, LRT_HEADER, lrtRows(cmp.tests), { formats: LRT_FORMATS });
      publishSimpleTable(this.setup.ctx, `ic-${frame.outcome}-${frame.year}`, `logLik, AIC en BIC, ${frameLabel(frame)}`, CRITERIA_HEADER, criteriaRows(cmp.criteria), { formats: CRITERIA_FORMATS });
    }
  }

  /** The location effects of a model with a random slope per location: caterpillar plots and the spread. */
  locationEffects(model: ModelResult): LocationEffects[] {
    return model.byFrame.map((r) => {
      const loc = locationEffects(r.fit, { group: "locatie", slope: "niet_westers" });
      const id = `${r.frame.outcome}-${r.frame.year}`;
      if (loc.slopeSpread !== null && loc.slopeSpreadProbability !== null) {
        publishFigure(this.setup.ctx, caterpillarFigure(`slopes-${id}`, `Locaties: afwijking in het effect van niet-westerse migratieachtergrond, ${r.label}`, caterpillarData(loc.bySlope, "slope"), "b (niet-westers), log-odds"));
      }
      publishFigure(this.setup.ctx, caterpillarFigure(`intercepts-${id}`, `Locaties: afwijking in het intercept, ${r.label}`, caterpillarData(loc.byIntercept, "intercept"), "b (intercept), log-odds"));
      const s = loc.slopeSpread;
      const p = loc.slopeSpreadProbability;
      if (s !== null && p !== null) {
        publishSimpleTable(this.setup.ctx, `spreiding-${id}`, `Spreiding van het niet-westerse effect over locaties, ${r.label} (${loc.byIntercept.length} locaties)`,
          ["schaal", "vast effect", "SD over locaties", "95% van locaties vanaf", "tot"], [["log-odds", s.fixed, s.sd, s.lower, s.upper], ["kans (x gemiddelde p(1-p))", p.fixed, p.sd, p.lower, p.upper]]);
      }
      return loc;
    });
  }

  /**
   * 3a 3.4 side by side, per frame: both models in the published layout, the change of every
   * coefficient, and a figure with both estimates and their 95% intervals.
   */
  robustnessTables(full: ModelResult, reduced: ModelResult): void {
    for (const { frame, results } of this.perFrame([full, reduced])) {
      const [f, r] = results as [FrameResult, FrameResult];
      showModelTable(this.setup.ctx.display, modelTable([f.summary, r.summary]));
      const pairs = robustnessPairs(f.summary, r.summary);
      const largest = pairs.reduce((m, p) => Math.max(m, Math.abs(p.change)), 0);
      publishSimpleTable(this.setup.ctx, `robuustheid-${frame.outcome}-${frame.year}`,
        `Model ${full.model} met en zonder cito, ${frameLabel(frame)} (grootste verandering van een coëfficiënt ${largest.toFixed(3)})`, ROBUSTNESS_HEADER, robustnessRows(f.summary, r.summary));
      publishFigure(this.setup.ctx, robustnessFigure(frame.outcome, frame.year, pairs));
    }
  }
}

/** Number formats of the LRT table: chi2 with two decimals, df a whole number, p as "< 0.001" or three decimals. */
const LRT_FORMATS = [null, null, "fixed2", "integer", "pValue", null] as const;
const CRITERIA_FORMATS = [null, "integer", "fixed2", "fixed2", "fixed2", null] as const;
