/**
 * The moments of indirect inference: what the model ladder of Tabel 5-8 says about a population, as
 * numbers that the same ladder fitted on a synthetic population can be set against.
 *
 * Fitted on a population of reduced size, every coefficient carries sampling noise of about its SE
 * times 1/sqrt(scale); but two models fitted on the same outcomes share most of it. The moments are
 * therefore the ladder's SHIFTS relative to an anchor model, by default 1c (the full fixed part of the
 * generating model 2, without its random slope, so 1c's published estimates are close to the truth):
 *
 *   fixed effect t of model m:            (b_m,t - b_1c,t)  vs  (published_m,t - published_1c,t),
 *   intercepts of models 0 and 1a:        (a_m - a_1b)      vs  the published difference (models 1c and 2
 *                                                            have their intercept at the cito-year reference),
 *   location / institution variance of m: (v_m - v_1c)      vs  the published difference,
 *   Nakagawa's conditional R2 of m:        R2_m              vs  published R2_m (a level: it measures the
 *                                                            covariates' joint spread, hardly noise).
 *
 * Each residual is divided by a scale, the tolerance the comparison pages judge that cell by (2 x the
 * published SE for a coefficient, at least 0.01; 0.005 + 2 var sqrt(2/G) for a variance; 0.01 for R2),
 * so that the objective, the sum of squared residuals, counts misses in units of the comparison's
 * tolerance. Published variances are taken as the square of the printed SD (two decimals of an SD are
 * more precise than two decimals of a variance), printed misprints as their reading (targets.ts).
 */
import type { PublishedModelCell } from "../data/reference";
import { modelCellReading, PUBLISHED_TERM } from "../data/synthetic/targets";
import type { FrameKey } from "../data/synthetic/coding";
import { FRAMES } from "../data/synthetic/coding";

export type LadderModel = "0" | "1a" | "1b" | "1c" | "2";
export const LADDER_MODELS: readonly LadderModel[] = ["0", "1a", "1b", "1c", "2"];

/** What one fitted model of the ladder contributes to the moments. */
export interface FittedLadderModel {
  /** Fixed effects by lme4 term name. */
  readonly beta: ReadonlyMap<string, number>;
  /** Location intercept variance and institution variance. */
  readonly locationVariance: number;
  readonly institutionVariance: number;
  /** Nakagawa's conditional R2. */
  readonly r2: number;
}

/** The fitted models of one frame (those a set of moments needs). */
export type FittedLadder = Readonly<Partial<Record<LadderModel, FittedLadderModel>>>;

export type MomentKind = "coefficient shift" | "intercept shift" | "location variance shift" | "institution variance shift" | "r2";

/** One moment: its published value and how to read the same from a fitted ladder. */
export interface LadderMoment {
  readonly frame: FrameKey;
  readonly kind: MomentKind;
  readonly model: LadderModel;
  /** lme4 term for coefficient and intercept shifts, "" otherwise. */
  readonly term: string;
  /** The model the shift is taken against ("" for a level such as R2). */
  readonly anchor: LadderModel | "";
  /** Human-readable label, e.g. "vsv2020 1a migratieniet-westers - model 2". */
  readonly label: string;
  readonly target: number;
  /** Residual scale (the comparison's tolerance of the cell). */
  readonly scale: number;
}

function variance(cell: PublishedModelCell): number {
  return cell.se !== null ? cell.se * cell.se : cell.estimate;
}

function estimate(cell: PublishedModelCell): number {
  return modelCellReading(cell, "estimate")?.value ?? cell.estimate;
}

export interface MomentSelection {
  /** The model every shift is taken against (default "1c": the full fixed part, no random slope). */
  readonly anchor?: LadderModel;
  /** The models whose moments are wanted (default all five); the anchor is fitted in any case. */
  readonly models?: readonly LadderModel[];
}

/** The moments of one frame, from the published cells of its Tabel (5-8). */
export function ladderMoments(key: FrameKey, published: readonly PublishedModelCell[], selection: MomentSelection = {}): LadderMoment[] {
  const anchorModel = selection.anchor ?? "1c";
  const wanted = new Set<LadderModel>(selection.models ?? LADDER_MODELS);
  const table = FRAMES[key].table + 4;
  const cells = published.filter((c) => c.table === table);
  if (cells.length === 0) throw new Error(`ladder moments: no published cells for Tabel ${table}`);
  const find = (model: string, pred: (c: PublishedModelCell) => boolean): PublishedModelCell | undefined => cells.find((c) => c.model === model && pred(c));
  const out: LadderMoment[] = [];
  const fixedOf = (model: string) => cells.filter((c) => c.model === model && c.part === "fixed");
  const termOf = (c: PublishedModelCell): string => {
    const t = PUBLISHED_TERM[c.category];
    if (t === undefined) throw new Error(`ladder moments: Tabel ${table} row '${c.category}' has no term`);
    return t;
  };
  const anchorFixed = new Map(fixedOf(anchorModel).map((c) => [termOf(c), c]));
  const coefScale = (c: PublishedModelCell): number => Math.max(2 * (modelCellReading(c, "se")?.value ?? c.se ?? 0), 0.01);
  const shifted = LADDER_MODELS.filter((m) => m !== anchorModel && wanted.has(m));
  for (const model of shifted) {
    for (const c of fixedOf(model)) {
      const term = termOf(c);
      if (term === "(Intercept)") continue;
      const anchor = anchorFixed.get(term);
      if (!anchor) continue; // a term the anchor model does not have (cito terms against an earlier model)
      out.push({ frame: key, kind: "coefficient shift", model, term, anchor: anchorModel, label: `${key} ${model} ${term} - model ${anchorModel}`, target: estimate(c) - estimate(anchor), scale: coefScale(c) });
    }
  }
  const intercept1b = find("1b", (c) => c.part === "fixed" && termOf(c) === "(Intercept)");
  for (const model of ["0", "1a"] as const) {
    if (!wanted.has(model) || !wanted.has("1b")) continue;
    const c = find(model, (x) => x.part === "fixed" && termOf(x) === "(Intercept)");
    if (!c || !intercept1b) throw new Error(`ladder moments: Tabel ${table} lacks an intercept of model ${model} or 1b`);
    out.push({ frame: key, kind: "intercept shift", model, term: "(Intercept)", anchor: "1b", label: `${key} ${model} intercept - model 1b`, target: estimate(c) - estimate(intercept1b), scale: coefScale(c) });
  }
  const randomOf = (model: string, prefix: string): PublishedModelCell => {
    const c = find(model, (x) => x.part === "random" && x.category.startsWith(prefix));
    if (!c) throw new Error(`ladder moments: Tabel ${table} model ${model} lacks '${prefix}'`);
    return c;
  };
  for (const [kind, prefix, groups] of [
    ["location variance shift", "Schoollocatie", cells[0].nLocations],
    ["institution variance shift", "Instelling", cells[0].nInstitutions],
  ] as const) {
    const anchor = variance(randomOf(anchorModel, prefix));
    for (const model of shifted) {
      const v = variance(randomOf(model, prefix));
      out.push({ frame: key, kind, model, term: "", anchor: anchorModel, label: `${key} ${model} ${prefix.toLowerCase()} variance - model ${anchorModel}`, target: v - anchor, scale: 0.005 + 2 * v * Math.sqrt(2 / groups) });
    }
  }
  for (const model of LADDER_MODELS) {
    if (!wanted.has(model)) continue;
    const c = find(model, (x) => x.part === "diagnostic");
    if (!c) throw new Error(`ladder moments: Tabel ${table} model ${model} lacks Nakagawa's R2`);
    out.push({ frame: key, kind: "r2", model, term: "", anchor: "", label: `${key} ${model} R2`, target: c.estimate, scale: 0.01 });
  }
  return out;
}

/** Models a set of moments needs fitted (each moment's model and its anchor). */
export function modelsNeeded(moments: readonly LadderMoment[]): LadderModel[] {
  const need = new Set<LadderModel>();
  for (const m of moments) {
    need.add(m.model);
    if (m.anchor !== "") need.add(m.anchor);
  }
  return LADDER_MODELS.filter((m) => need.has(m));
}

/** The value of a moment in a fitted ladder. */
export function momentValue(m: LadderMoment, fitted: Readonly<Partial<Record<LadderModel, FittedLadderModel>>>): number {
  const get = (model: LadderModel): FittedLadderModel => {
    const f = fitted[model];
    if (!f) throw new Error(`ladder moments: model ${model} was not fitted (${m.label})`);
    return f;
  };
  const f = get(m.model);
  if (m.kind === "r2") return f.r2;
  const a = get(m.anchor as LadderModel);
  switch (m.kind) {
    case "coefficient shift":
    case "intercept shift":
      return coefficient(f, m) - coefficient(a, m);
    case "location variance shift":
      return f.locationVariance - a.locationVariance;
    case "institution variance shift":
      return f.institutionVariance - a.institutionVariance;
  }
}

function coefficient(f: FittedLadderModel, m: LadderMoment): number {
  const b = f.beta.get(m.term);
  if (b === undefined) throw new Error(`ladder moments: the fit has no coefficient '${m.term}' (${m.label})`);
  return b;
}

/** Scaled residuals (fitted - published) / scale, in the order of `moments`. */
export function ladderResiduals(moments: readonly LadderMoment[], fitted: Readonly<Record<FrameKey, FittedLadder>>): Float64Array {
  return Float64Array.from(moments, (m) => (momentValue(m, fitted[m.frame]) - m.target) / m.scale);
}
