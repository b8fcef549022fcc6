/**
 * The model ladder of bijlage 3a Tabel 2, as data, and the function that fits it for one analysis frame.
 *
 *   model 0   y ~ 1 + (1 | locatie) + (1 | instelling)                        intercept only
 *   model 1a  + migratie + ouders                                             background
 *   model 1b  + geslacht + leeftijd + niveau + sector + leerweg               student and programme
 *   model 1c  + cito + cito_missing + citojaar                                prior attainment
 *   model 2   1c with (1 + niet_westers | locatie)                            random slope of non-western
 *   2-zonder-cito   model 2 without cito, cito_missing, citojaar              robustness check (3a 3.4)
 *
 * Columns are those of the analysis frame (data-schema/README.md); the reference levels are the published
 * ones of the study's vocabulary (src/vocabulary.ts), unless a researcher chooses others. Dutch row labels are the report layer's business (src/report/labels.ts);
 * this module exposes the term metadata (variable, level, reference) they are built from.
 */
import type { GlmmFit, GlmmOptions } from "../glmm/types";
import { fitDesign } from "../glmm/fit";
import { buildDesign } from "../model/design";
import { formulaColumns, parseFormula } from "../model/formula";
import type { ColumnTable, FixedTermInfo, GlmmDesign } from "../model/types";
import { averageMarginalEffects, type AmeConvention, type AmeResult } from "../stats/ame";
import { compareModels, type ModelComparison } from "../stats/compare";
import { intraclassCorrelation, type IccResult } from "../stats/icc";
import { locationEffects, type LocationEffects } from "../stats/location-effects";
import { nakagawaR2, type NakagawaR2 } from "../stats/r2";
import { refitWithout, type ModelFitter, type RobustnessComparison } from "../stats/robustness";
import { PUBLISHED_REFERENCE, type Outcome } from "../vocabulary";

export type { Outcome };
export type LadderModelId = "0" | "1a" | "1b" | "1c" | "2";
export type ModelId = LadderModelId | "2-zonder-cito";

export interface ModelSpec {
  readonly id: ModelId;
  readonly outcome: Outcome;
  /** What 3a Tabel 2 says the model adds. */
  readonly description: string;
  /** Fixed-effect variables as written in the formula (an empty list is the intercept-only model). */
  readonly fixedTerms: readonly string[];
  readonly randomTerms: readonly string[];
  readonly formula: string;
}

export const BACKGROUND_TERMS = ["migratie", "ouders"] as const;
export const STUDENT_TERMS = ["geslacht", "leeftijd", "niveau", "sector", "leerweg"] as const;
export const CITO_TERMS = ["cito", "cito_missing", "citojaar"] as const;
const RANDOM_INTERCEPTS = ["(1 | locatie)", "(1 | instelling)"] as const;
const RANDOM_SLOPE = ["(1 + niet_westers | locatie)", "(1 | instelling)"] as const;

/** lme4 formula text from an outcome, fixed variables and random-effects terms. */
export function formulaOf(outcome: string, fixedTerms: readonly string[], randomTerms: readonly string[]): string {
  return `${outcome} ~ ${[fixedTerms.length === 0 ? "1" : "", ...fixedTerms, ...randomTerms].filter((t) => t !== "").join(" + ")}`;
}

function spec(id: ModelId, outcome: Outcome, description: string, fixedTerms: readonly string[], randomTerms: readonly string[]): ModelSpec {
  return { id, outcome, description, fixedTerms, randomTerms, formula: formulaOf(outcome, fixedTerms, randomTerms) };
}

/** Models 0, 1a, 1b, 1c, 2 of 3a Tabel 2 for one outcome, in fitting order. */
export function modelLadder(outcome: Outcome): ModelSpec[] {
  const m1a = [...BACKGROUND_TERMS];
  const m1b = [...m1a, ...STUDENT_TERMS];
  const m1c = [...m1b, ...CITO_TERMS];
  return [
    spec("0", outcome, "intercept only", [], RANDOM_INTERCEPTS),
    spec("1a", outcome, "migratieachtergrond en opleidingsniveau ouders", m1a, RANDOM_INTERCEPTS),
    spec("1b", outcome, "+ geslacht, leeftijd, niveau, sector, bbl of bol", m1b, RANDOM_INTERCEPTS),
    spec("1c", outcome, "+ citoscore (en jaar) met missing indicator", m1c, RANDOM_INTERCEPTS),
    spec("2", outcome, "1c met random slope voor niet-westerse migratieachtergrond per locatie", m1c, RANDOM_SLOPE),
  ];
}

/** The robustness model of 3a 3.4: model 2 without cito, citojaar and cito_missing. */
export function robustnessModel(outcome: Outcome): ModelSpec {
  const m2 = modelLadder(outcome)[4];
  return spec("2-zonder-cito", outcome, "model 2 zonder cito, citojaar en missing indicator", m2.fixedTerms.filter((t) => !(CITO_TERMS as readonly string[]).includes(t)), m2.randomTerms);
}

/** What the report needs to label a coefficient: the frame variable, the level and its reference. */
export function termMetadata(fit: GlmmFit): readonly FixedTermInfo[] {
  return fit.design.fixed.info;
}

export interface LadderProgress {
  readonly model: ModelId;
  readonly stage: "fit" | "statistics" | "done";
  readonly message: string;
}

export interface FittedModel {
  readonly spec: ModelSpec;
  readonly fit: GlmmFit;
  readonly r2: NakagawaR2;
  readonly icc: IccResult;
  readonly ame: AmeResult;
  /** Seconds spent on the post-fit statistics (not the fit). */
  readonly statisticsSeconds: number;
}

export interface LadderResult {
  readonly outcome: Outcome;
  readonly models: readonly FittedModel[];
  readonly comparison: ModelComparison;
  /** Location-specific intercepts and non-western slopes of model 2. */
  readonly locationEffects: LocationEffects | null;
  readonly robustness: { readonly model: FittedModel; readonly comparison: RobustnessComparison } | null;
}

export interface LadderOptions {
  /** Which models to fit (default all five). */
  readonly models?: readonly LadderModelId[];
  /** Also refit model 2 without the cito terms (default true when model 2 is fitted). */
  readonly robustness?: boolean;
  readonly ameConvention?: AmeConvention;
  readonly glmm?: GlmmOptions;
  readonly onProgress?: (progress: LadderProgress) => void;
}

function withStatistics(spec: ModelSpec, fit: GlmmFit, convention: AmeConvention): FittedModel {
  const t0 = performance.now();
  const r2 = nakagawaR2(fit);
  const icc = intraclassCorrelation(fit);
  const ame = averageMarginalEffects(fit, { convention });
  return { spec, fit, r2, icc, ame, statisticsSeconds: (performance.now() - t0) / 1000 };
}

/**
 * Fit the ladder for one analysis frame with `fitter` (formula + frame -> GlmmFit; it must apply
 * the reference levels, as `designFitter` does), then the post-fit statistics of every model, the
 * stepwise comparison, model 2's location effects and the robustness refit.
 */
export async function fitLadder(
  frame: ColumnTable,
  outcome: Outcome,
  fitter: ModelFitter = designFitter(),
  options: LadderOptions = {},
): Promise<LadderResult> {
  const wanted = new Set(options.models ?? ["0", "1a", "1b", "1c", "2"]);
  const convention = options.ameConvention ?? "published";
  const report = options.onProgress ?? (() => undefined);
  const models: FittedModel[] = [];
  const glmmFor = (id: ModelId): GlmmOptions => ({
    ...options.glmm,
    onProgress: (message: string) => {
      options.glmm?.onProgress?.(message);
      report({ model: id, stage: "fit", message });
    },
  });
  for (const s of modelLadder(outcome)) {
    if (!wanted.has(s.id as LadderModelId)) continue;
    report({ model: s.id, stage: "fit", message: `fitting model ${s.id}: ${s.formula}` });
    const fit = await fitter(s.formula, frame, glmmFor(s.id));
    report({ model: s.id, stage: "statistics", message: `model ${s.id}: R2, ICC, AMEs` });
    const fitted = withStatistics(s, fit, convention);
    models.push(fitted);
    const status = fit.convergence.converged ? "converged" : `did NOT converge (${fit.convergence.messages.join("; ")})`;
    report({ model: s.id, stage: "done", message: `model ${s.id}: logLik ${fit.logLik.toFixed(2)}, ${status}, ${fit.elapsedSeconds.toFixed(1)} s` });
  }
  const comparison = compareModels(models.map((m) => ({ name: m.spec.id, fit: m.fit })));
  const model2 = models.find((m) => m.spec.id === "2");
  const locations = model2 ? locationEffects(model2.fit, { group: "locatie", slope: "niet_westers" }) : null;
  let robustness: LadderResult["robustness"] = null;
  if (model2 && options.robustness !== false) {
    const rs = robustnessModel(outcome);
    report({ model: rs.id, stage: "fit", message: `fitting ${rs.id}: ${rs.formula}` });
    const { reduced, comparison: rc } = await refitWithout(model2.fit, frame, CITO_TERMS, fitter, glmmFor(rs.id));
    robustness = { model: withStatistics(rs, reduced, convention), comparison: rc };
    report({ model: rs.id, stage: "done", message: `${rs.id}: largest change of a coefficient ${rc.maxAbsChange.toFixed(4)}` });
  }
  return { outcome, models, comparison, locationEffects: locations, robustness };
}

/** A solver entry point with the signature of `fitDesign` (src/glmm/fit.ts); tests pass a stand-in. */
export type DesignFit = (design: GlmmDesign, options?: GlmmOptions) => GlmmFit | Promise<GlmmFit>;

/**
 * The reference levels a design of `formula` needs: those of the factors the formula uses (found by the
 * formula parser, src/model/formula.ts), since buildDesign refuses a reference for a column the data
 * lacks or for a numeric column.
 */
export function referencesFor(formula: string, reference: Readonly<Record<string, string>>): Record<string, string> {
  const used = new Set(formulaColumns(parseFormula(formula)));
  return Object.fromEntries(Object.entries(reference).filter(([name]) => used.has(name)));
}

/**
 * A ModelFitter for the ladder: buildDesign with the given reference levels (only for the factors the
 * formula uses), then the solver.
 */
export function designFitter(solve: DesignFit = fitDesign, reference: Readonly<Record<string, string>> = PUBLISHED_REFERENCE): ModelFitter {
  return (formula, data, options) => solve(buildDesign(formula, data, { reference: referencesFor(formula, reference) }), options);
}
