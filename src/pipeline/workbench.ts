/**
 * The model workbench: the stages of a model fit as calls a notebook cell makes and a reader can look
 * at, the way lme4's modular functions (glFormula -> mkGlmerDevfun -> optimizeGlmer -> mkMerMod) let a
 * user stop after each step. Over the frames of a chapter (one outcome and its years in chapters 5-6,
 * both outcomes in chapter 7):
 *
 *   const ontwerp = wb.design("2", formula)    formula + frame -> the design (X, the random-effects
 *                                              terms, reference levels, dropped columns), shown per frame
 *   const fit = await wb.fit(ontwerp)          the fit, from the fit cache when its key is unchanged,
 *                                              with its convergence report
 *   const model = wb.statistics(fit)           Nakagawa's R2, ICC, average marginal effects; the fit
 *                                              summary saved under fits/
 *   wb.publishTables([model0, ..., model2])    Tabel 5-8 in the published layout, compared with 3b
 *
 * A researcher edits the formula (or a reference level) in the cell and reruns that cell and the ones
 * after it; nothing in src/ is rebuilt. A formula is a string, or, for a chapter over both outcomes,
 * a function of the outcome: (y) => `${y} ~ migratie + ...`.
 */
import { recordFit, recordFitCache, recordStep } from "../audit/run-log";
import type { KansenConfig } from "../config";
import { fitDesign } from "../glmm/fit";
import type { GlmmFit, GlmmOptions } from "../glmm/types";
import { buildDesign } from "../model/design";
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
import { designSummaryHtml, fitReportHtml, statisticsHtml, type FitOrigin } from "../report/workbench";
import type { AnalysisFrame } from "../transform/frames";
import { isFactor, type Outcome, type ReferenceLevels } from "../vocabulary";
import { fitCacheKey, fitKeyParts, type FitCache, type FitKeyParts } from "./fit-cache";
import { startProgress } from "./progress";
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

export interface FitOptions {
  /** Solver settings (SE method, iteration limit); part of the cache key. */
  readonly glmm?: Omit<GlmmOptions, "onProgress">;
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
      const design = buildDesign(text, frame.columns, { reference });
      return { frame, label: frameLabel(frame), formula: text, reference, design, description: describeDesign(design) };
    });
    const result = { model, byFrame };
    this.setup.ctx.display.html(designSummaryHtml(model, byFrame));
    return result;
  }

  /**
   * Stage 2: the fit of every design, read from the fit cache when the key (data, formula, design
   * options, solver settings, solver code) is unchanged, otherwise fitted and stored. Each fit reports
   * its progress and where it came from, and its convergence report is shown.
   */
  async fit(designs: ModelDesign, options: FitOptions = {}): Promise<ModelFit> {
    const byFrame: FrameFit[] = [];
    for (const d of designs.byFrame) byFrame.push(await this.fitOne(designs.model, d, options));
    this.setup.ctx.display.html(fitReportHtml(designs.model, byFrame));
    return { model: designs.model, byFrame };
  }

  private async fitOne(model: string, d: FrameDesign, options: FitOptions): Promise<FrameFit> {
    const label = `${d.label} model ${model}`;
    const glmm: GlmmOptions = { ...options.glmm };
    const parts: FitKeyParts = fitKeyParts(d.formula, d.frame.columns, { reference: d.reference }, glmm);
    const key = fitCacheKey(parts);
    const cache = this.setup.fitCache;
    const progress = startProgress(`fit ${label}`);
    try {
      const { fit, origin } = await recordStep(`fit: ${label}`, "fit", async (): Promise<{ fit: GlmmFit; origin: FitOrigin }> => {
        if (cache !== null) {
          const found = cache.read(key, d.design);
          if (found.status === "hit") {
            progress.done(`uit de fitcache (sleutel ${key.slice(0, 12)}, opgeslagen ${found.entry.createdAt}; het schatten duurde toen ${found.fit.elapsedSeconds.toFixed(1)} s)`);
            return { fit: found.fit, origin: { kind: "cache", key, createdAt: found.entry.createdAt } };
          }
          progress.note(`${found.reason} (sleutel ${key.slice(0, 12)}); schatten`);
          const fitted = fitDesign(d.design, { ...glmm, onProgress: (m) => progress.note(m) });
          cache.write(key, parts, fitted);
          progress.done(`geschat in ${fitted.elapsedSeconds.toFixed(1)} s en opgeslagen in de fitcache`);
          return { fit: fitted, origin: { kind: "fitted", key, reason: found.reason } };
        }
        progress.note("fitcache uit; schatten");
        const fitted = fitDesign(d.design, { ...glmm, onProgress: (m) => progress.note(m) });
        progress.done(`geschat in ${fitted.elapsedSeconds.toFixed(1)} s`);
        return { fit: fitted, origin: { kind: "fitted", key, reason: "fitcache uit" } };
      });
      recordFit(label, fit);
      recordFitCache({
        label,
        key,
        status: cache === null ? "off" : origin.kind === "cache" ? "hit" : "miss",
        detail: origin.kind === "cache" ? `opgeslagen ${origin.createdAt}` : origin.reason,
        fitSeconds: fit.elapsedSeconds,
      });
      return { ...d, fit, origin };
    } catch (error) {
      progress.fail(error instanceof Error ? error.message : String(error));
      throw error;
    }
  }

  /**
   * Stage 3: the statistics of every fit (Nakagawa's R2, the ICC, the average marginal effects in the
   * published convention), shown, and each fit's summary saved under the run's fits/ folder.
   */
  statistics(fits: ModelFit, options: { readonly ame?: AmeConvention } = {}): ModelResult {
    const byFrame = fits.byFrame.map((f): FrameResult => {
      const r2 = nakagawaR2(f.fit);
      const icc = intraclassCorrelation(f.fit);
      const ame = averageMarginalEffects(f.fit, { convention: options.ame ?? "published" });
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
