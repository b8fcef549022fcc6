/**
 * Chapter 8 (notebooks/08-zekerheid-robuustheid.ipynb): how sure, and how robust, are 3a's conclusions.
 * One call per section of the chapter, each showing its tables and figures, writing them as CSV and
 * HTML into the run's output folder, and returning what it computed:
 *
 *   const h8 = robustnessChapter(ch);
 *   h8.intervals({ outcome, year, bootstrap, seed })       model 2 of one outcome-year: profile intervals of
 *                                                          the variance parameters, the parametric bootstrap,
 *                                                          the AMEs in three random-effects conventions
 *   h8.missingData({ imputations, seed })                  per outcome and year: the four analyses of the
 *                                                          missing cito score side by side (src/missing)
 *   h8.specificationCurves({ grid, imputations })          per outcome and year: the specification curve of the
 *                                                          non-western and the parents' AME (src/robustness)
 *   h8.conclusions(...)                                    the sentences whose truth depends on the numbers
 *
 * Every model fit goes through the fit cache (cached-fits.ts): model 2 and the model without cito come
 * from chapters 5-7; a completed data set of multiple imputation is fitted once per random structure (the
 * AME conventions are pooled from the same fits) and read back by the curve, which takes the first
 * imputations of the missing-data table's (the same chain, so the same completed data sets and fits).
 */
import { join } from "node:path";
import { modelLadder } from "../analysis/models";
import { parametricBootstrap, profileFit, type BootstrapResult, type Interval, type ProfileResult } from "../inference";
import {
  buildCitoImputationModel,
  compareMissingDataMethods,
  completeCaseAnalysis,
  imputeCito,
  missingIndicatorAnalysis,
  multipleImputationAnalysis,
  noCitoAnalysis,
  withMissingCito,
  type CitoImputations,
  type MissingDataAnalysis,
  type MissingDataComparison,
} from "../missing";
import type { GlmmFit } from "../glmm/types";
import { choicePanel, estimateSpecifications, specificationCurve, type FrameSpecifications, type SpecificationCurve } from "../robustness/specification-curve";
import { CURVE_QUANTITIES, gridCounts, specificationGrid, type GridChoices, type SpecificationGrid } from "../robustness/specification-grid";
import { averageMarginalEffects, type AmeRandomEffects, type MarginalEffect } from "../stats/ame";
import { toCsv } from "../report/csv";
import { escapeHtml } from "../report/escape";
import { publishFigure, publishSimpleTable } from "../report/publish";
import {
  AME_CONVENTION_HEADER,
  ameConventionRows,
  curveSentence,
  INTERVAL_HEADER,
  intervalRows,
  intervalSentences,
  MISSING_DATA_CSV_HEADER,
  missingDataCsvRows,
  missingDataSentence,
  missingDataTable,
} from "../report/robustness-tables";
import { simpleTableHtml } from "../report/display";
import { writeCsvText } from "../report/outputs";
import { CURVE_SUMMARY_HEADER, curveSummaryRows, SPECIFICATION_CURVE_CSV_HEADER, specificationCurveFigure, specificationCurveRows } from "../report/specification-curve";
import type { AnalysisFrame } from "../transform/frames";
import { frameKey, type Outcome } from "../vocabulary";
import { cachedDesignSolver, fitThroughCache, tableKeyedSolver } from "./cached-fits";
import type { Chapter } from "./chapter";
import { startProgress } from "./progress";

/** The chapter's settings at their defaults (its parameters cell declares the same values; a test keeps them equal). */
export const CHAPTER_8_DEFAULTS = {
  /** The outcome-year whose model 2 gets profile and bootstrap intervals. */
  intervalOutcome: "doorstroom",
  intervalYear: 2020,
  /** Parametric bootstrap replicates (lme4's bootMer), and their seed. */
  bootstrapReplicates: 200,
  bootstrapSeed: 20240214,
  /**
   * Imputations of the missing-data table (issue 13: m >= 20; the completed data sets after the first
   * are refitted near its optimum, src/missing/analyses.ts), and of the specification curve: the first 3
   * of the same chain, so the curve's points of the published random structure reuse the table's fits
   * (each point carries its m in the curve's CSV).
   */
  imputations: 20,
  curveImputations: 3,
  imputationSeed: 20240214,
  /**
   * The specification grid (specification-grid.ts): every choice of every dimension except the two-level
   * random structures, which a full reproduce has no time for (each is another m + 3 fits per outcome
   * and year); `random: [..., "2-niveaus-helling", "2-niveaus"]` adds them.
   */
  curveGrid: {
    missing: ["missing-indicator", "no-cito", "complete-cases", "multiple-imputation"],
    random: ["3-niveaus-helling", "3-niveaus"],
    ame: ["included", "excluded", "integrated"],
    reference: ["geen", "westers"],
  },
} as const;

export interface IntervalSettings {
  readonly outcome: string;
  readonly year: number;
  readonly bootstrap: number;
  readonly seed: number;
}

export interface IntervalsResult {
  readonly label: string;
  readonly fit: GlmmFit;
  readonly profile: ProfileResult;
  readonly bootstrap: BootstrapResult | null;
  readonly ames: readonly { readonly convention: AmeRandomEffects; readonly effects: readonly MarginalEffect[] }[];
}

export interface FrameMissingData {
  readonly frame: AnalysisFrame;
  readonly imputations: CitoImputations;
  readonly analyses: readonly MissingDataAnalysis[];
  readonly comparison: MissingDataComparison;
}

export interface CurveResults {
  readonly grid: SpecificationGrid;
  readonly frames: readonly FrameSpecifications[];
  readonly curves: readonly SpecificationCurve[];
}

const CONVENTIONS: readonly AmeRandomEffects[] = ["included", "excluded", "integrated"];

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

export class RobustnessChapter {
  private readonly imputationsByFrame = new Map<string, CitoImputations>();

  constructor(private readonly ch: Chapter) {}

  private get display() {
    return this.ch.ctx.display;
  }

  private frame(outcome: string, year: number): AnalysisFrame {
    const key = frameKey(outcome, year);
    const f = this.ch.frames.find((x) => x.key === key);
    if (f === undefined) throw new Error(`chapter 8: no frame ${outcome} ${year} among this chapter's (${this.ch.frames.map((x) => x.key).join(", ")}); check the parameters outcomes and years`);
    return f;
  }

  private paragraph(sentences: readonly string[]): void {
    this.display.html(sentences.map((s) => `<p>${escapeHtml(s)}</p>`).join(""));
  }

  /** Model 2 of a frame, read from the fit cache (chapters 5 and 6 fitted it) or fitted. */
  model2(frame: AnalysisFrame): GlmmFit {
    const formula = modelLadder(frame.outcome)[4].formula;
    return fitThroughCache(this.ch.fitCache, formula, frame.columns, this.ch.config.reference, `${frame.outcome} ${frame.year} model 2`).fit;
  }

  /**
   * Intervals for model 2 of one outcome and year: profile-likelihood intervals for the SDs and the
   * correlation, a parametric bootstrap (its replicates stored under the run's folder, so a rerun
   * extends them), and the AMEs in three random-effects conventions with delta-method SEs and the
   * bootstrap's percentile intervals.
   */
  intervals(settings: IntervalSettings): IntervalsResult {
    const frame = this.frame(settings.outcome, settings.year);
    const label = `${frame.outcome} ${frame.year}`;
    const fit = this.model2(frame);
    const p = startProgress(`intervallen ${label} model 2`);
    const c0 = cpuSeconds();
    const profile = profileFit(fit, { parameters: "variance", onProgress: (m) => p.note(`profiel: ${m}`) });
    p.note(`profielen klaar in ${profile.seconds.toFixed(1)} s`);
    const bootstrap = settings.bootstrap > 0
      ? parametricBootstrap(fit, { replicates: settings.bootstrap, seed: settings.seed, file: join(this.ch.paths.root, "bootstrap", `${frame.outcome}-${frame.year}-model-2.kboot`), onProgress: (m) => p.note(m) })
      : null;
    const ames = CONVENTIONS.map((convention) => ({ convention, effects: averageMarginalEffects(fit, { randomEffects: convention }).effects }));
    p.done(`${(cpuSeconds() - c0).toFixed(1)} s CPU`);
    const bootIntervals: readonly Interval[] = bootstrap?.intervals() ?? [];
    const estimates = new Map<string, number>();
    if (bootstrap !== null) bootstrap.statistics.forEach((name, j) => estimates.set(name, bootstrap.estimates[j] as number));
    const counts = bootstrap === null ? "geen bootstrap" : `bootstrap: ${bootstrap.counts.replicates} replicaties, ${bootstrap.counts.notConverged} niet geconvergeerd, ${bootstrap.counts.singular} singulier, ${bootstrap.counts.failed} mislukt`;
    publishSimpleTable(this.ch.ctx, `intervallen-model-2-${frame.outcome}-${frame.year}`, `Model 2, ${label}: 95%-intervallen van het random deel (profiel en parametrische bootstrap; ${counts})`, INTERVAL_HEADER, intervalRows(profile, bootIntervals, estimates), { formats: [null, null, "fixed3", "fixed3", "fixed3", "fixed3", "fixed3", null] });
    publishSimpleTable(this.ch.ctx, `ame-conventies-model-2-${frame.outcome}-${frame.year}`, `Model 2, ${label}: AME's in drie conventies voor de random effecten (deltamethode; bootstrap-percentielen uit dezelfde trekkingen)`, AME_CONVENTION_HEADER, ameConventionRows(ames, bootIntervals), { formats: [null, null, "fixed3", "fixed3", "fixed3", "fixed3", "fixed3", "fixed3"] });
    return { label, fit, profile, bootstrap, ames };
  }

  /** The imputations of a frame's cito scores (drawn once per frame and kept for the curve). */
  private imputationsOf(frame: AnalysisFrame, m: number, seed: number): CitoImputations {
    const have = this.imputationsByFrame.get(frame.key);
    if (have !== undefined && have.m >= m && have.seed === seed) return have.m === m ? have : firstImputations(have, m);
    const p = startProgress(`imputatie ${frame.outcome} ${frame.year}`, { total: m, unit: "imputaties" });
    const imputations = imputeCito(buildCitoImputationModel({ outcome: frame.outcome, columns: frame.columns, reference: this.ch.config.reference }), { m, seed, onProgress: (msg) => p.note(msg) });
    p.done(`${imputations.cito[0]?.length ?? 0} citoscores per imputatie in ${imputations.seconds.toFixed(1)} s`);
    this.imputationsByFrame.set(frame.key, imputations);
    return imputations;
  }

  /**
   * The four analyses of the missing cito score per outcome and year (model 2's random part, the AMEs in
   * 3b's convention), compared in one table per frame in the published style, and as CSV.
   */
  async missingData(settings: { readonly imputations: number; readonly seed: number }): Promise<FrameMissingData[]> {
    const out: FrameMissingData[] = [];
    const reference = this.ch.config.reference;
    for (const frame of this.ch.frames) {
      const label = `${frame.outcome} ${frame.year}`;
      const data = { outcome: frame.outcome, columns: frame.columns, reference };
      const imputations = this.imputationsOf(frame, settings.imputations, settings.seed);
      const p = startProgress(`ontbrekende cito ${label}`, { total: 4, unit: "analyses" });
      const analyses: MissingDataAnalysis[] = [];
      analyses.push(await missingIndicatorAnalysis(data, { solve: tableKeyedSolver(this.ch.fitCache, frame.columns, reference, `${label} model 2`) }));
      p.update(1, "missing indicator");
      analyses.push(await noCitoAnalysis(data, { solve: tableKeyedSolver(this.ch.fitCache, frame.columns, reference, `${label} model 2-zonder-cito`) }));
      p.update(2, "zonder cito");
      analyses.push(await completeCaseAnalysis(data, { solve: tableKeyedSolver(this.ch.fitCache, withMissingCito(frame.columns), reference, `${label} complete cases`) }));
      p.update(3, "complete cases");
      analyses.push(await multipleImputationAnalysis(data, { imputations, solve: cachedDesignSolver(this.ch.fitCache, (_, i) => `${label} multipele imputatie ${i + 1}`), onProgress: (m) => p.note(m) }));
      p.done();
      const comparison = compareMissingDataMethods(analyses);
      const table = missingDataTable(comparison);
      this.display.html(simpleTableHtml(`Ontbrekende citoscores, ${label}: model 2 op vier manieren (coëfficiënt of AME, met SE tussen haakjes; FMI: fractie ontbrekende informatie bij imputatie, m = ${imputations.m})`, table.header, table.rows));
      writeCsvText(this.ch.ctx.outDir, `ontbrekende-cito-${frame.outcome}-${frame.year}`, toCsv(MISSING_DATA_CSV_HEADER, missingDataCsvRows(comparison, frame.year)));
      out.push({ frame, imputations, analyses, comparison });
    }
    return out;
  }

  /**
   * The specification curve per outcome and year over the grid's choices: every distinct fit once
   * (through the fit cache), both AMEs per specification, one figure per outcome, year and AME, the
   * curve's CSV, and a summary table of all curves.
   */
  async specificationCurves(settings: { readonly grid?: GridChoices; readonly imputations: number; readonly seed: number }): Promise<CurveResults> {
    const grid = specificationGrid(settings.grid ?? {});
    const counts = gridCounts(grid, settings.imputations);
    const reference = this.ch.config.reference;
    this.display.html(
      `<p>${escapeHtml(`Het rooster: ${grid.missing.length} manieren voor de ontbrekende cito x ${grid.random.length} random delen x ${grid.ame.length} AME-conventies x ${grid.reference.length} vergelijkingsgroep(en): ${counts.specifications["niet-westers"]} specificaties voor de niet-westerse AME en ${counts.specifications["ouders-hoger"]} voor die van de ouders, uit ${counts.fits} verschillende modellen (${counts.modelFits} fits per uitkomst en jaar, met m = ${settings.imputations} imputaties).`)}</p>`,
    );
    const frames: FrameSpecifications[] = [];
    const curves: SpecificationCurve[] = [];
    for (const frame of this.ch.frames) {
      const label = `${frame.outcome} ${frame.year}`;
      const imputations = grid.missing.includes("multiple-imputation") ? this.imputationsOf(frame, settings.imputations, settings.seed) : null;
      const p = startProgress(`specificatiecurve ${label}`);
      const c0 = cpuSeconds();
      const estimated = await estimateSpecifications(
        { outcome: frame.outcome as Outcome, year: frame.year, columns: frame.columns, reference },
        {
          grid,
          imputations,
          solvers: {
            single: (table, ref, fitLabel) => tableKeyedSolver(this.ch.fitCache, table, ref, fitLabel),
            completed: (fitLabel) => cachedDesignSolver(this.ch.fitCache, (_, i) => `${fitLabel} imputatie ${i + 1}`),
          },
          onProgress: (m) => p.note(m),
        },
      );
      p.done(`${estimated.estimates.length} schattingen, ${(cpuSeconds() - c0).toFixed(1)} s CPU`);
      frames.push(estimated);
      for (const q of CURVE_QUANTITIES) {
        const curve = specificationCurve(estimated, q.id);
        curves.push(curve);
        publishFigure(this.ch.ctx, specificationCurveFigure(curve, choicePanel(curve, grid)));
        writeCsvText(this.ch.ctx.outDir, `specificatiecurve-${q.id}-${frame.outcome}-${frame.year}`, toCsv(SPECIFICATION_CURVE_CSV_HEADER, specificationCurveRows(curve)));
      }
    }
    publishSimpleTable(this.ch.ctx, "specificatiecurves-samenvatting", "De specificatiecurves samengevat (AME's als kans)", CURVE_SUMMARY_HEADER, curveSummaryRows(curves), { formats: [null, null, "integer", "fixed3", "fixed3", "fixed3", "fixed3", "integer", null, null, "integer"] });
    return { grid, frames, curves };
  }

  /** The sentences about the intervals of model 2's random slope (computed from the intervals). */
  intervalConclusions(result: IntervalsResult): void {
    this.paragraph(intervalSentences(result.label, result.profile, result.bootstrap?.intervals() ?? []));
  }

  /** One sentence per outcome and year on what the missing-data methods do to the non-western AME. */
  missingDataConclusions(results: readonly FrameMissingData[]): void {
    this.paragraph(results.map((r) => missingDataSentence(r.comparison, r.frame.year)));
  }

  /** One sentence per curve. */
  curveConclusions(results: CurveResults): void {
    this.paragraph(results.curves.map(curveSentence));
  }
}

/** The first m of a chain's imputations: the same completed data sets, so the same fits. */
export function firstImputations(imputations: CitoImputations, m: number): CitoImputations {
  if (!Number.isInteger(m) || m < 2 || m > imputations.m) throw new Error(`imputations: cannot take the first ${m} of ${imputations.m} (at least 2)`);
  return { ...imputations, m, cito: imputations.cito.slice(0, m), year: imputations.year.slice(0, m), parameters: imputations.parameters.slice(0, m) };
}

/** Chapter 8's calls over an opened chapter (openChapter). */
export function robustnessChapter(ch: Chapter): RobustnessChapter {
  return new RobustnessChapter(ch);
}
