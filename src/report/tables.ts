/**
 * The published layout of bijlage 3b.
 *
 * Tabel 1-4 (descriptives): per variable the mean (a proportion for a category), SD for numeric
 * variables, min and max; the reference category marked "(ref.)".
 * Tabel 5-8 (models): per model column "coefficient (SE)" with two decimals, the random part as
 * "variance (SD)", Nakagawa's pseudo R2 with three decimals, the average marginal effect of model 2, a
 * caption with N individuals / locations / institutions, and (added here, not in 3b) one convergence
 * line per model that says plainly when a fit did not converge.
 */
import type { ColumnTable, Column } from "../model/types";
import {
  DIAGNOSTIC_GROUP,
  INSTITUTION_VARIANCE,
  LOCATION_VARIANCE,
  OUTCOME_LABELS,
  R2_LABEL,
  RANDOM_GROUP,
  SLOPE_VARIANCE,
  VARIABLE_LABELS,
  dutchCount,
  modelGroupHeader,
  publishedTableNumber,
  randomComponentLabel,
  termLabel,
} from "./labels";
import type { FitSummary } from "./summary";
import { PUBLISHED_REFERENCE } from "../vocabulary";

// ---------------------------------------------------------------------------------------------------
// Tabel 1-4

export interface DescriptiveRow {
  readonly group: string;
  readonly category: string;
  readonly isReference: boolean;
  /** Proportion for a category or 0/1 variable, mean for a numeric variable. */
  readonly mean: number;
  /** Only for numeric variables (3b prints "-" for proportions). */
  readonly sd: number | null;
  readonly min: number;
  readonly max: number;
}

export interface DescriptiveTable {
  readonly kind: "descriptive";
  /** 1-4, or null for an outcome/year 3b does not publish. */
  readonly tableNumber: number | null;
  readonly outcome: string;
  readonly year: number;
  readonly n: number;
  readonly caption: string;
  readonly rows: readonly DescriptiveRow[];
  readonly footnote: string;
}

export interface DescriptiveOptions {
  /** Reference level per factor (default: the frame schema's references). */
  readonly reference?: Readonly<Record<string, string>>;
}

function columnOf(frame: ColumnTable, name: string, context: string): Column {
  const col = frame[name];
  if (col === undefined) throw new Error(`${context}: the analysis frame has no column '${name}'`);
  return col;
}

function isFactorColumn(col: Column): col is readonly (string | null)[] {
  return Array.isArray(col) && (col.length === 0 || col.some((v) => typeof v === "string"));
}

function numericAt(col: Column, i: number): number {
  const v = col[i];
  return typeof v === "number" ? v : NaN;
}

/** Mean, sample SD (n - 1), min and max of the non-missing values of a numeric column. */
function numericMoments(col: Column): { mean: number; sd: number; min: number; max: number; count: number } {
  let n = 0;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < col.length; i++) {
    const x = numericAt(col, i);
    if (Number.isNaN(x)) continue;
    n++;
    sum += x;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  const mean = sum / n;
  let ss = 0;
  for (let i = 0; i < col.length; i++) {
    const x = numericAt(col, i);
    if (!Number.isNaN(x)) ss += (x - mean) * (x - mean);
  }
  return { mean, sd: Math.sqrt(ss / (n - 1)), min, max, count: n };
}

/**
 * Tabel 1-4 from one analysis frame. Shares are over all N students of the frame. For the cito year,
 * a missing year was set to the reference value (missing-indicator method, 3a 2.4), so its shares count
 * only students with cito_missing = 0 and add up to 1 minus the missing share, as printed in 3b.
 */
export function descriptiveTable(frame: ColumnTable, outcome: string, year: number, options: DescriptiveOptions = {}): DescriptiveTable {
  const context = `descriptiveTable(${outcome} ${year})`;
  const reference: Readonly<Record<string, string>> = { ...PUBLISHED_REFERENCE, ...options.reference };
  const y = columnOf(frame, outcome, context);
  const n = y.length;
  if (n === 0) throw new Error(`${context}: the analysis frame is empty`);
  const rows: DescriptiveRow[] = [];
  const outcomeLabel = OUTCOME_LABELS[outcome] ?? outcome;
  const ym = numericMoments(y);
  rows.push({ group: outcomeLabel, category: outcomeLabel, isReference: false, mean: ym.mean, sd: null, min: ym.min, max: ym.max });

  const citoMissing = frame["cito_missing"];
  for (const v of VARIABLE_LABELS) {
    const col = columnOf(frame, v.variable, context);
    if (col.length !== n) throw new Error(`${context}: column '${v.variable}' has ${col.length} rows, '${outcome}' has ${n}`);
    if (v.kind === "numeric") {
      const m = numericMoments(col);
      const binary = v.variable === "cito_missing";
      rows.push({ group: v.descriptiveGroup, category: v.descriptiveGroup, isReference: false, mean: m.mean, sd: binary ? null : m.sd, min: m.min, max: m.max });
      continue;
    }
    if (!isFactorColumn(col)) throw new Error(`${context}: column '${v.variable}' should be a factor (strings), got numbers`);
    const counts = new Map<string, number>();
    const onlyObserved = v.variable === "citojaar" && citoMissing !== undefined;
    for (let i = 0; i < n; i++) {
      const level = col[i];
      if (level === null || level === undefined) continue;
      if (onlyObserved && numericAt(citoMissing, i) === 1) continue;
      counts.set(level, (counts.get(level) ?? 0) + 1);
    }
    for (const l of v.levels ?? []) {
      rows.push({
        group: v.descriptiveGroup,
        category: l.descriptive,
        isReference: reference[v.variable] === l.level,
        mean: (counts.get(l.level) ?? 0) / n,
        sd: null,
        min: 0,
        max: 1,
      });
    }
    const known = new Set((v.levels ?? []).map((l) => l.level));
    for (const level of [...counts.keys()].sort()) {
      if (!known.has(level)) throw new Error(`${context}: column '${v.variable}' has level '${level}', which bijlage 3b does not know`);
    }
  }
  const tableNumber = publishedTableNumber("descriptive", outcome, year) ?? null;
  const caption = `${tableNumber !== null ? `Tabel ${tableNumber}` : "Tabel (niet in 3b)"} Beschrijvende statistieken ${outcome} (jaar ${year}), N = ${dutchCount(n)}`;
  return {
    kind: "descriptive",
    tableNumber,
    outcome,
    year,
    n,
    caption,
    rows,
    footnote:
      "* De studenten met een missende waarde op citoscore hebben een waarde 100 gekregen, daarom is het gemiddelde hoog en het maximum op 100.",
  };
}

// ---------------------------------------------------------------------------------------------------
// Tabel 5-8

export interface CoefficientCell {
  readonly estimate: number;
  /** SE for a fixed effect, SD for a variance component, null for R2. */
  readonly se: number | null;
}

export interface ModelRow {
  readonly part: "fixed" | "random" | "diagnostic";
  readonly group: string;
  readonly category: string;
  /** lme4 term name of a fixed effect (for joining with AMEs and the generating truth). */
  readonly term?: string;
  /** Cell per model name; absent when the model does not contain the term. */
  readonly cells: Readonly<Record<string, CoefficientCell>>;
  /** AME of the last model (model 2 in 3b), when given. */
  readonly ame: number | null;
}

export interface ConvergenceLine {
  readonly model: string;
  readonly converged: boolean;
  readonly singular: boolean;
  readonly text: string;
}

export interface ModelTable {
  readonly kind: "model";
  readonly tableNumber: number | null;
  readonly outcome: string;
  readonly year: number;
  readonly models: readonly string[];
  readonly nIndividuals: number;
  readonly nLocations: number;
  readonly nInstitutions: number;
  readonly caption: string;
  readonly rows: readonly ModelRow[];
  /** Factor group -> its printed header with the reference category ("Niveau (ref. niveau 3)"). */
  readonly groupHeaders: Readonly<Record<string, string>>;
  /** The model whose AMEs fill the AME column (3b: model 2), or null. */
  readonly ameModel: string | null;
  readonly convergence: readonly ConvergenceLine[];
}

function convergenceLine(s: FitSummary): ConvergenceLine {
  const c = s.convergence;
  // A summary read back from JSON has null where the fit had NaN (JSON has no NaN).
  const expo = (x: number | null): string => (typeof x === "number" && Number.isFinite(x) ? x.toExponential(1) : "NA");
  // The optimiser is the same for every model and described in full in the fit report (src/report/workbench.ts)
  // and the manifest's appendix; under the table it would repeat one long sentence per model.
  const detail = `max|grad| ${expo(c.maxAbsGradient)}, geschaald ${expo(c.maxAbsScaledGradient)}, ${c.iterations} Newton-iteraties`;
  // The solver's own messages are quoted as it gives them (lme4's wording).
  const warnings = c.messages.length > 0 ? `; ${c.messages.join("; ")}` : "";
  const singular = c.singular && !c.messages.some((m) => /singular/i.test(m)) ? "; singuliere fit (een variantie geschat op nul)" : "";
  const text = c.converged
    ? `Model ${s.model}: geconvergeerd (${detail})${singular}${warnings}`
    : `Model ${s.model}: NIET GECONVERGEERD (${detail})${singular}${warnings}. De getallen staan er, maar zijn niet te vertrouwen.`;
  return { model: s.model, converged: c.converged, singular: c.singular, text };
}

const RANDOM_ORDER = [LOCATION_VARIANCE, INSTITUTION_VARIANCE, SLOPE_VARIANCE];

/**
 * Tabel 5-8 from the fit summaries of one outcome and year, in the column order given (3b: 0, 1a, 1b,
 * 1c, 2). The AME column is filled from the last model that carries AMEs.
 */
export function modelTable(summaries: readonly FitSummary[]): ModelTable {
  const first = summaries[0];
  if (first === undefined) throw new Error("modelTable: no fitted models given");
  for (const s of summaries) {
    if (s.outcome !== first.outcome || s.year !== first.year) {
      throw new Error(`modelTable: model ${s.model} is ${s.outcome} ${s.year}, model ${first.model} is ${first.outcome} ${first.year}`);
    }
  }
  const models = summaries.map((s) => s.model);
  if (new Set(models).size !== models.length) throw new Error(`modelTable: duplicate model names ${models.join(", ")}`);

  const ameSource = [...summaries].reverse().find((s) => s.ame !== undefined && s.ame.length > 0);
  const ameByTerm = new Map((ameSource?.ame ?? []).map((a) => [a.term, a.estimate]));

  // Fixed part: one row per distinct term over all models, in 3b's order.
  const fixed = new Map<string, { group: string; category: string; order: number; cells: Record<string, CoefficientCell> }>();
  const groupHeaders: Record<string, string> = {};
  for (const s of summaries) {
    for (const f of s.fixed) {
      const label = termLabel(f);
      let row = fixed.get(f.name);
      if (row === undefined) {
        row = { ...label, cells: {} };
        fixed.set(f.name, row);
      }
      row.cells[s.model] = { estimate: f.estimate, se: f.se };
      if (f.kind === "factorLevel" && f.reference !== undefined) groupHeaders[label.group] = modelGroupHeader(f.variable, f.reference);
    }
  }
  const rows: ModelRow[] = [...fixed.entries()]
    .sort((a, b) => a[1].order - b[1].order || a[0].localeCompare(b[0]))
    .map(([term, r]) => ({ part: "fixed", group: r.group, category: r.category, term, cells: r.cells, ame: ameByTerm.get(term) ?? null }));

  // Random part: variance (SD) per component.
  const random = new Map<string, Record<string, CoefficientCell>>();
  for (const s of summaries) {
    for (const c of s.random) {
      const label = randomComponentLabel(c.group, c.term);
      const cells = random.get(label) ?? {};
      cells[s.model] = { estimate: c.variance, se: c.sd };
      random.set(label, cells);
    }
  }
  const randomLabels = [...random.keys()].sort((a, b) => {
    const ia = RANDOM_ORDER.indexOf(a);
    const ib = RANDOM_ORDER.indexOf(b);
    return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || a.localeCompare(b);
  });
  for (const label of randomLabels) {
    rows.push({ part: "random", group: RANDOM_GROUP, category: label, cells: random.get(label) ?? {}, ame: null });
  }

  // Model diagnostics: the conditional Nakagawa R2 (3a 3.3).
  const r2Cells: Record<string, CoefficientCell> = {};
  for (const s of summaries) if (s.r2 !== undefined) r2Cells[s.model] = { estimate: s.r2.conditional, se: null };
  if (Object.keys(r2Cells).length > 0) rows.push({ part: "diagnostic", group: DIAGNOSTIC_GROUP, category: R2_LABEL, cells: r2Cells, ame: null });

  const last = summaries[summaries.length - 1] as FitSummary;
  const nLocations = last.ngroups["locatie"] ?? 0;
  const nInstitutions = last.ngroups["instelling"] ?? 0;
  const tableNumber = publishedTableNumber("model", first.outcome, first.year) ?? null;
  const caption =
    `${tableNumber !== null ? `Tabel ${tableNumber}` : "Tabel (niet in 3b)"} Multilevel logistisch regressiemodel van ${first.outcome} (jaar ${first.year}), ` +
    `Nindividu = ${dutchCount(last.nobs)}. Nlocatie = ${dutchCount(nLocations)} en Ninstelling = ${dutchCount(nInstitutions)}`;
  return {
    kind: "model",
    tableNumber,
    outcome: first.outcome,
    year: first.year,
    models,
    nIndividuals: last.nobs,
    nLocations,
    nInstitutions,
    caption,
    rows,
    groupHeaders,
    ameModel: ameSource?.model ?? null,
    convergence: summaries.map(convergenceLine),
  };
}

// ---------------------------------------------------------------------------------------------------
// Formatting as printed

/** A number with fixed decimals; "-0.00" is printed as "0.00" (3b never prints a negative zero). */
export function fixed(x: number, decimals: number): string {
  if (!Number.isFinite(x)) return "NA";
  const s = x.toFixed(decimals);
  return /^-0\.0*$/.test(s) ? s.slice(1) : s;
}

/**
 * A p-value as a reader should see it: three decimals, and "< 0.001" below that (a p-value printed as
 * 0 reads as an error; it is a tail probability too small for three decimals).
 */
export function formatPValue(p: number): string {
  if (!Number.isFinite(p)) return "NA";
  return p < 0.0005 ? "< 0.001" : fixed(p, 3);
}

/** "coefficient (SE)" or "variance (SD)" with two decimals, R2 with three. */
export function formatCell(row: ModelRow, cell: CoefficientCell | undefined): string {
  if (cell === undefined) return "";
  if (row.part === "diagnostic") return fixed(cell.estimate, 3);
  return cell.se === null ? fixed(cell.estimate, 2) : `${fixed(cell.estimate, 2)} (${fixed(cell.se, 2)})`;
}

/** A descriptive mean as 3b prints it: proportions as ".732", means with three decimals. */
export function formatDescriptiveMean(row: DescriptiveRow): string {
  const s = fixed(row.mean, 3);
  return row.sd === null && row.min === 0 && row.max === 1 && row.group !== row.category ? s.replace(/^0\./, ".") : s;
}
