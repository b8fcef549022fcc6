/**
 * The specification curve (Simonsohn, Simmons & Nelson 2020) of model 2's two key AMEs on one analysis
 * frame: every specification of the grid (specification-grid.ts) estimated, then per quantity sorted by
 * its estimate, with its 95 % interval, the Rekenkamer's specification marked, and the choice panel:
 * for every dimension and choice, which points of the sorted curve made it.
 *
 * Each specification is one of src/missing's analyses (missing indicator, no cito, complete cases,
 * multiple imputation) with the random terms of its structure and the reference of its comparison group:
 *
 *   - a single-fit analysis is run once per fit specification; its AMEs under the other conventions are
 *     computed from the same fit (averageMarginalEffects), so the AME conventions share a fit;
 *   - multiple imputation is run once per fit specification on the same imputations (drawn once per
 *     frame, shared by every random structure and reference), pooling the AMEs of every convention from
 *     the same m fits (otherAmeRandomEffects); its completed-data fits go through a content-keyed solver;
 *   - the other comparison group of the non-western gap (reference westers) is the same model with
 *     migratie coded from another reference: its fits are the published group's fits recoded exactly
 *     (reparametrise.ts), not refitted, when the grid holds the published group.
 *
 * The solvers are given (CurveSolvers): the pipeline passes ones that go through the fit cache
 * (src/pipeline/cached-fits.ts); tests pass the plain solver.
 *
 * An interval is the analysis's own: a Wald interval for a single fit (delta-method SE of the AME), the
 * Barnard-Rubin t interval of Rubin's rules for multiple imputation.
 */
import { referencesFor, type DesignFit } from "../analysis/models";
import { completeCaseAnalysis, missingIndicatorAnalysis, multipleImputationAnalysis, noCitoAnalysis, withMissingCito } from "../missing/analyses";
import type { CitoImputations } from "../missing/impute-cito";
import { ameRows, coefficientRows, type EstimateRow, type MissingDataAnalysis, type MissingDataMethod } from "../missing/result";
import type { GlmmFit } from "../glmm/types";
import { buildDesign } from "../model/design";
import { reparametrise } from "./reparametrise";
import type { ColumnTable } from "../model/types";
import { averageMarginalEffects } from "../stats/ame";
import type { Outcome } from "../vocabulary";
import {
  AME_CHOICES,
  CURVE_QUANTITIES,
  fitsOf,
  MISSING_CHOICES,
  RANDOM_STRUCTURES,
  randomStructure,
  REFERENCE_CHOICES,
  referenceChoice,
  specificationsOf,
  type CurveQuantity,
  type FitSpecification,
  type ReferenceChoice,
  type Specification,
  type SpecificationGrid,
} from "./specification-grid";

/** One analysis frame as the curve needs it. */
export interface CurveFrame {
  readonly outcome: Outcome;
  readonly year: number;
  readonly columns: ColumnTable;
  /** The chapter's reference levels (the reference choice replaces the one of migratie). */
  readonly reference: Readonly<Record<string, string>>;
}

/** Solvers for the grid's fits (see the module comment). */
export interface CurveSolvers {
  /** For the fits of a single-fit analysis of `table` (the frame, or its complete cases). */
  single(table: ColumnTable, reference: Readonly<Record<string, string>>, label: string): DesignFit;
  /** For the completed-data fits of multiple imputation. */
  completed(label: string): DesignFit;
}

export interface CurveOptions {
  readonly grid: SpecificationGrid;
  readonly solvers: CurveSolvers;
  /** Imputations of this frame's cito scores (needed when the grid has multiple imputation). */
  readonly imputations?: CitoImputations | null;
  /** Confidence level of the intervals (default 0.95). */
  readonly level?: number;
  /** One line per analysis ("[curve doorstroom 2020] 5/24: ..."). */
  readonly onProgress?: (message: string) => void;
}

/** One specification's estimate of one quantity. */
export interface SpecificationEstimate {
  readonly specification: Specification;
  readonly quantity: CurveQuantity["id"];
  /** The AME's term in the analysis ("migratieniet-westers"). */
  readonly term: string;
  readonly estimate: number;
  readonly se: number;
  readonly lower: number;
  readonly upper: number;
  /** Degrees of freedom of the interval (Infinity: normal). */
  readonly df: number;
  /** Fraction of missing information (multiple imputation), else null. */
  readonly fmi: number | null;
  /** Imputations (1 for a single fit) and rows per analysis. */
  readonly m: number;
  readonly nobs: number;
  /** Every fit behind the estimate converged. */
  readonly converged: boolean;
}

/** Everything one frame's grid produced. */
export interface FrameSpecifications {
  readonly outcome: Outcome;
  readonly year: number;
  readonly grid: SpecificationGrid;
  /** Imputations the multiple-imputation specifications pooled (0 when the grid has none). */
  readonly imputations: number;
  readonly estimates: readonly SpecificationEstimate[];
  readonly seconds: number;
}

/** The frame's reference levels with the reference choice for the migration factor. */
function referenceFor(frame: CurveFrame, spec: FitSpecification): Readonly<Record<string, string>> {
  const choice = referenceChoice(spec.reference);
  return { ...frame.reference, [choice.factor]: choice.level };
}

/** Estimate every specification of the grid on one frame (see the module comment). */
export async function estimateSpecifications(frame: CurveFrame, options: CurveOptions): Promise<FrameSpecifications> {
  const t0 = performance.now();
  const { grid, solvers } = options;
  const level = options.level ?? 0.95;
  const fits = fitsOf(grid);
  if (grid.missing.includes("multiple-imputation") && (options.imputations === undefined || options.imputations === null)) {
    throw new Error(`specification curve ${frame.outcome} ${frame.year}: the grid has multiple imputation but no imputations were given`);
  }
  const label = `${frame.outcome} ${frame.year}`;
  const analyses = new Map<string, MissingDataAnalysis>();
  const completeCases = withMissingCito(frame.columns);
  const tableOf = (method: MissingDataMethod): ColumnTable => (method === "complete-cases" ? completeCases : frame.columns);
  let done = 0;
  const total = fits.reduce((n, f) => n + (f.missing === "multiple-imputation" ? grid.ame.length : 1), 0);
  // Fits of the published comparison group, by missing/random: the other group is the same model recoded.
  const publishedFits = new Map<string, GlmmFit[]>();
  const published = REFERENCE_CHOICES[0]?.id;
  const recode = grid.reference.includes(published as ReferenceChoice["id"]);
  for (const spec of fits) {
    const reference = referenceFor(frame, spec);
    const structure = randomStructure(spec.random);
    const dataFrame = { outcome: frame.outcome, columns: frame.columns, reference };
    const fitLabel = `${label} ${spec.id}`;
    const family = `${spec.missing}/${spec.random}`;
    const recoded = recode && spec.reference !== published;
    if (spec.missing === "multiple-imputation") {
      // One pass over the m fits pools the AMEs of every convention of the grid.
      const recorded: GlmmFit[] = [];
      let call = 0;
      const completed = solvers.completed(fitLabel);
      const solve: DesignFit = recoded
        ? (design) => {
            const source = publishedFits.get(family)?.[call++];
            if (source === undefined) throw new Error(`${fitLabel}: no fit of the published comparison group to recode`);
            return reparametrise(source, design);
          }
        : async (design, glmm) => {
            const fit = await completed(design, glmm);
            recorded.push(fit);
            return fit;
          };
      const [main, ...others] = grid.ame;
      const a = await multipleImputationAnalysis(dataFrame, { imputations: options.imputations as CitoImputations, randomTerms: structure.terms, ameRandomEffects: main, otherAmeRandomEffects: others, level, solve });
      for (const ame of grid.ame) {
        const ames = ame === main ? a.ames : a.otherAmes?.find((o) => o.ameRandomEffects === ame)?.ames;
        if (ames === undefined) throw new Error(`${fitLabel}: no pooled AMEs for the convention ${ame}`);
        analyses.set(`${spec.id}|${ame}`, { ...a, ames, ameRandomEffects: ame });
      }
      options.onProgress?.(`${(done += grid.ame.length)}/${total}: ${spec.id}, AME ${grid.ame.join(", ")}: m = ${a.m}, ${a.convergence.pooled} gepoold${recoded ? " (hercodering van de fits met de gepubliceerde vergelijkingsgroep)" : ""}`);
      if (!recoded) publishedFits.set(family, recorded);
      continue;
    }
    let first: MissingDataAnalysis;
    if (recoded) {
      const source = analyses.get(`${family}/${published}|${grid.ame[0]}`);
      if (source === undefined || source.fit === null) throw new Error(`${fitLabel}: no fit of the published comparison group to recode`);
      const table = tableOf(spec.missing);
      const design = buildDesign(source.formula, table, { reference: referencesFor(source.formula, reference) });
      const fit = reparametrise(source.fit, design);
      first = { ...source, coefficients: coefficientRows(fit, level), ames: ameRows(averageMarginalEffects(fit, { randomEffects: "included" }).effects, level), ameRandomEffects: "included", fit };
    } else {
      const single = { randomTerms: structure.terms, ameRandomEffects: "included" as const, level, solve: solvers.single(tableOf(spec.missing), reference, fitLabel) };
      first =
        spec.missing === "missing-indicator" ? await missingIndicatorAnalysis(dataFrame, single)
        : spec.missing === "no-cito" ? await noCitoAnalysis(dataFrame, single)
        : await completeCaseAnalysis(dataFrame, single);
    }
    for (const ame of grid.ame) {
      if (ame === "included") {
        analyses.set(`${spec.id}|${ame}`, first);
        continue;
      }
      const fit = first.fit;
      if (fit === null) throw new Error(`${fitLabel}: a single-fit analysis without its fit`);
      // The same fit, the AMEs under another random-effects convention.
      // (No check of the quadrature against twice the nodes here: chapter 8's intervals report it for model 2.)
      analyses.set(`${spec.id}|${ame}`, { ...first, ames: ameRows(averageMarginalEffects(fit, { randomEffects: ame, checkQuadrature: false }).effects, level), ameRandomEffects: ame });
    }
    options.onProgress?.(`${++done}/${total}: ${spec.id}${recoded ? " (hercodering van de fit met de gepubliceerde vergelijkingsgroep)" : ""}`);
  }

  const estimates: SpecificationEstimate[] = [];
  for (const quantity of CURVE_QUANTITIES) {
    for (const s of specificationsOf(grid, quantity)) {
      const a = analyses.get(`${s.missing}/${s.random}/${s.reference}|${s.ame}`);
      const term = quantity.term[s.reference];
      if (a === undefined || term === null) throw new Error(`specification curve: no analysis for ${s.id}`);
      const row = a.ames.find((r: EstimateRow) => r.term === term);
      if (row === undefined) throw new Error(`specification curve ${label} ${s.id}: the analysis has no AME '${term}'`);
      estimates.push({
        specification: s,
        quantity: quantity.id,
        term,
        estimate: row.estimate,
        se: row.se,
        lower: row.lower,
        upper: row.upper,
        df: row.df,
        fmi: row.fmi,
        m: a.m,
        nobs: a.nobs,
        converged: a.convergence.notConverged === 0 && a.convergence.failed === 0,
      });
    }
  }
  return {
    outcome: frame.outcome,
    year: frame.year,
    grid,
    imputations: grid.missing.includes("multiple-imputation") ? (options.imputations?.m ?? 0) : 0,
    estimates,
    seconds: (performance.now() - t0) / 1000,
  };
}

/** A quantity's curve: the points sorted, the published one marked, and what the curve says. */
export interface SpecificationCurve {
  readonly outcome: Outcome;
  readonly year: number;
  readonly quantity: CurveQuantity;
  /** Sorted by estimate, ascending (ties by specification id, so the order is reproducible). */
  readonly points: readonly SpecificationEstimate[];
  /** Index of the Rekenkamer's specification in `points` (-1 when the grid leaves a published choice out). */
  readonly publishedIndex: number;
  readonly summary: CurveSummary;
}

export interface CurveSummary {
  readonly specifications: number;
  readonly min: number;
  readonly median: number;
  readonly max: number;
  /** The published estimate (NaN when the grid leaves it out) and its rank, 1 = smallest. */
  readonly published: number;
  readonly publishedRank: number | null;
  /** Points with the published estimate's sign (all points' sign of the median when no published point). */
  readonly sameSign: number;
  /** Points whose interval excludes zero. */
  readonly excludingZero: number;
  /** Points whose interval holds the published estimate. */
  readonly holdingPublished: number;
  /** Points with a fit that did not converge. */
  readonly notConverged: number;
}

function median(sorted: readonly number[]): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  return n % 2 === 1 ? (sorted[(n - 1) / 2] as number) : ((sorted[n / 2 - 1] as number) + (sorted[n / 2] as number)) / 2;
}

/** The curve of one quantity from a frame's estimates. */
export function specificationCurve(frame: FrameSpecifications, quantityId: CurveQuantity["id"]): SpecificationCurve {
  const quantity = CURVE_QUANTITIES.find((q) => q.id === quantityId);
  if (quantity === undefined) throw new Error(`specification curve: unknown quantity '${quantityId}'`);
  const points = frame.estimates
    .filter((e) => e.quantity === quantityId)
    .slice()
    .sort((a, b) => a.estimate - b.estimate || (a.specification.id < b.specification.id ? -1 : a.specification.id > b.specification.id ? 1 : 0));
  if (points.length === 0) throw new Error(`specification curve ${frame.outcome} ${frame.year}: no estimates of ${quantityId}`);
  const publishedIndex = points.findIndex((p) => p.specification.published);
  const published = publishedIndex >= 0 ? (points[publishedIndex] as SpecificationEstimate).estimate : NaN;
  const values = points.map((p) => p.estimate);
  const sign = Math.sign(Number.isFinite(published) ? published : median(values));
  return {
    outcome: frame.outcome,
    year: frame.year,
    quantity,
    points,
    publishedIndex,
    summary: {
      specifications: points.length,
      min: values[0] as number,
      median: median(values),
      max: values[values.length - 1] as number,
      published,
      publishedRank: publishedIndex >= 0 ? publishedIndex + 1 : null,
      sameSign: values.filter((v) => Math.sign(v) === sign).length,
      excludingZero: points.filter((p) => p.lower > 0 || p.upper < 0).length,
      holdingPublished: Number.isFinite(published) ? points.filter((p) => p.lower <= published && published <= p.upper).length : 0,
      notConverged: points.filter((p) => !p.converged).length,
    },
  };
}

export type PanelDimension = "missing" | "random" | "ame" | "reference";

/** The panel under the curve: one row per choice, the positions (0-based, in `points`) of the points that made it. */
export interface ChoicePanel {
  readonly rows: readonly { readonly dimension: PanelDimension; readonly dimensionNl: string; readonly choice: string; readonly labelNl: string; readonly points: readonly number[] }[];
}

const DIMENSIONS: readonly { readonly id: PanelDimension; readonly labelNl: string; readonly choices: readonly { readonly id: string; readonly labelNl: string }[] }[] = [
  { id: "missing", labelNl: "ontbrekende cito", choices: MISSING_CHOICES },
  { id: "random", labelNl: "random deel", choices: RANDOM_STRUCTURES },
  { id: "ame", labelNl: "AME", choices: AME_CHOICES },
  { id: "reference", labelNl: "vergelijkingsgroep", choices: REFERENCE_CHOICES },
];

/** The choice panel of a curve: the grid's choices (in grid order) and the points that made each. */
export function choicePanel(curve: SpecificationCurve, grid: SpecificationGrid): ChoicePanel {
  const rows: ChoicePanel["rows"][number][] = [];
  for (const d of DIMENSIONS) {
    const chosen = grid[d.id] as readonly string[];
    // A dimension with one choice in this curve says nothing: left out (the parents' AME has one reference).
    const used = new Set(curve.points.map((p) => p.specification[d.id] as string));
    if (used.size < 2) continue;
    for (const c of d.choices) {
      if (!chosen.includes(c.id)) continue;
      rows.push({ dimension: d.id, dimensionNl: d.labelNl, choice: c.id, labelNl: c.labelNl, points: curve.points.flatMap((p, i) => ((p.specification[d.id] as string) === c.id ? [i] : [])) });
    }
  }
  return { rows };
}
