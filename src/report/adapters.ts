/**
 * From the analysis results to the rows of the chapters' smaller tables and to the figures' inputs,
 * labelled as bijlage 3b labels them. Pure functions, so the notebooks hold no logic.
 */
import type { CsvValue } from "./csv";
import type { Estimate, FlowStep as FigureFlowStep, LevelEffect, RobustnessPair } from "./figures";
import { termLabel } from "./labels";
import type { FitSummary } from "./summary";

/** "Migratieachtergrond: Niet-westerse migratieachtergrond", or the category alone when it is its own group. */
export function termDisplayLabel(f: { name: string; variable: string; kind: string; level?: string }): string {
  const l = termLabel(f);
  return l.group === l.category ? l.category : `${l.group}: ${l.category}`;
}

/** The AMEs of a model (3b: model 2) with their labels, in the table's row order. */
export function ameEstimates(summary: FitSummary): Estimate[] {
  if (summary.ame === undefined || summary.ame.length === 0) throw new Error(`model ${summary.model} of ${summary.outcome} ${summary.year} has no AMEs`);
  const byTerm = new Map(summary.fixed.map((f) => [f.name, f]));
  return summary.ame
    .map((a) => {
      const f = byTerm.get(a.term);
      const label = f === undefined ? a.term : termDisplayLabel(f);
      const order = f === undefined ? 10_000 : termLabel(f).order;
      return { label, estimate: a.estimate, se: a.se ?? NaN, order };
    })
    .sort((a, b) => a.order - b.order)
    .map(({ label, estimate, se }) => ({ label, estimate, se }));
}

/** Selection-flow steps (src/transform/flow.ts) as table rows and as funnel steps. */
export interface FlowStepLike {
  readonly step: number;
  readonly rule: string;
  readonly section: string;
  readonly nIn: number;
  readonly nOut: number;
}

export const FLOW_HEADER = ["stap", "regel", "bron (3a)", "n voor", "n na", "verwijderd"] as const;

export function flowRows(flow: readonly FlowStepLike[]): CsvValue[][] {
  return flow.map((s) => [s.step, s.rule, s.section, s.nIn, s.nOut, s.nIn - s.nOut]);
}

export function flowFunnel(flow: readonly FlowStepLike[]): FigureFlowStep[] {
  return flow.map((s) => ({ label: `${s.step}. ${s.rule.length > 48 ? `${s.rule.slice(0, 46)}…` : s.rule}`, n: s.nOut }));
}

/** Location effects of model 2 (src/stats/location-effects.ts) as caterpillar input. */
export interface LocationEffectLike {
  readonly level: string;
  readonly intercept: number;
  readonly interceptSd: number;
  readonly slope: number;
  readonly slopeSd: number;
}

export function caterpillarData(effects: readonly LocationEffectLike[], which: "intercept" | "slope"): LevelEffect[] {
  return effects.map((e) => (which === "intercept" ? { level: e.level, mode: e.intercept, sd: e.interceptSd } : { level: e.level, mode: e.slope, sd: e.slopeSd }));
}

/** 3a 3.4 side by side: every coefficient of the reduced model next to the same one in model 2. */
export function robustnessPairs(full: FitSummary, reduced: FitSummary): (RobustnessPair & { readonly term: string; readonly change: number })[] {
  const inFull = new Map(full.fixed.map((f) => [f.name, f]));
  return reduced.fixed
    .filter((r) => r.kind !== "intercept" && inFull.has(r.name))
    .map((r) => {
      const f = inFull.get(r.name) as (typeof full.fixed)[number];
      return { term: r.name, label: termDisplayLabel(r), full: f.estimate, fullSe: f.se, reduced: r.estimate, reducedSe: r.se, change: r.estimate - f.estimate };
    });
}

export const ROBUSTNESS_HEADER = ["term", "rij (3b)", "model 2", "SE model 2", "zonder cito", "SE zonder cito", "verschil"] as const;

export function robustnessRows(full: FitSummary, reduced: FitSummary): CsvValue[][] {
  return robustnessPairs(full, reduced).map((p) => [p.term, p.label, p.full, p.fullSe, p.reduced, p.reducedSe, p.change]);
}

/** The first `n` rows of chosen columns of a raw file, for showing the wide format; names a missing column. */
export function rawPreviewRows(
  table: { readonly file: string; readonly nrows: number; readonly columns: Readonly<Record<string, Float64Array | readonly (string | null)[]>> },
  columns: readonly string[],
  n: number,
): CsvValue[][] {
  for (const c of columns) if (table.columns[c] === undefined) throw new Error(`${table.file}: no column '${c}'`);
  const rows: CsvValue[][] = [];
  for (let r = 0; r < Math.min(n, table.nrows); r++) {
    rows.push(columns.map((c) => {
      const v = (table.columns[c] as Float64Array | readonly (string | null)[])[r];
      return typeof v === "number" ? (Number.isNaN(v) ? null : v) : (v ?? null);
    }));
  }
  return rows;
}

/** Likelihood-ratio tests between consecutive models (src/stats/lrt.ts), as table rows. */
export const LRT_HEADER = ["van", "naar", "chi2", "df", "p", "op de rand (variantie 0 getoetst)"] as const;
export function lrtRows(tests: readonly { smaller: string; larger: string; statistic: number; df: number; pValue: number; boundary: boolean }[]): CsvValue[][] {
  return tests.map((t) => [t.smaller, t.larger, t.statistic, t.df, t.pValue, t.boundary ? "ja" : "nee"]);
}

export const CRITERIA_HEADER = ["model", "parameters", "logLik", "AIC", "BIC", "geconvergeerd"] as const;
export function criteriaRows(criteria: readonly { model: string; npar: number; logLik: number; aic: number; bic: number; converged: boolean }[]): CsvValue[][] {
  return criteria.map((c) => [c.model, c.npar, c.logLik, c.aic, c.bic, c.converged ? "ja" : "NEE"]);
}

/** Nakagawa's R2, marginal and conditional, per model of the saved summaries. */
export const R2_HEADER = ["model", "marginale R2", "conditionele R2 (3b)"] as const;
export function r2Rows(summaries: readonly FitSummary[]): CsvValue[][] {
  return summaries.filter((s) => s.r2 !== undefined).map((s) => [s.model, s.r2?.marginal ?? null, s.r2?.conditional ?? null]);
}
