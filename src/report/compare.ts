/**
 * Published versus reproduced, cell by cell.
 *
 * The published numbers are read from the reference CSVs by src/data/reference.ts (never retyped). Each cell
 * gets the published value, the reproduced value, their difference, the tolerance it is judged by and
 * whether it lies within it; the reference CSV's misprint note is carried along and shown. When the run
 * is on synthetic data, the table says so in its label: agreement then means the generator was calibrated
 * to the publication, not that the publication was reproduced. For model 2 the fixed effects are also set
 * against the generator's truth: is the estimate within 2 SE of the value the data were drawn from?
 *
 * Tolerances:
 *   descriptives (data-layer issue): a proportion within 0.01 absolute, a mean or SD within 3% relative;
 *   coefficient: |d| <= 2 x the larger of the published and the reproduced SE (at least 0.005, the
 *     rounding of two printed decimals);
 *   SE: |d| <= 0.005 + 25% of the published SE (an SE grows as 1/sqrt(N): a synthetic population at
 *     scale s < 1 has SEs about 1/sqrt(s) times the published ones and fails this, as it should);
 *   variance component from G groups: |d| <= 0.005 + 2 x var x sqrt(2 / G), the large-sample SE of a
 *     variance estimate being about var x sqrt(2 / G);
 *   Nakagawa's R2: |d| <= 0.01; AME: |d| <= 0.01 (one percentage point).
 *
 * Expected misses. A cell outside its tolerance is marked as expected, with the reason, when no
 * population could be expected to match it (expectedMissOf below); it is then counted apart from the
 * misses, which are the cells that say something about the pipeline or the data:
 *   misprint      the reference note reads the printed cell as another value (an SE printed (0.21) for
 *                 (0.02), a flipped sign: targets.ts modelCellReading; a Tabel 1-4 share that makes its
 *                 group miss 1: DESCRIPTIVE_MISPRINTS), and the reproduced value is within the cell's
 *                 tolerance of that reading;
 *   rounded 0.00  the published value is printed 0.00, i.e. lies in (-0.005, 0.005), and the reproduced
 *                 value is within the tolerance of that interval;
 *   sampling band a variance component (or its SD) estimated from G groups varies between populations
 *                 with the same variance s2 by about 2 sqrt(2/G) (s2 + 1/(m p (1 - p))), m = N/G students
 *                 per group, p the typical outcome probability (logistic of model 0's published
 *                 intercept); near zero this band is wider than the tolerance, and a reproduced value
 *                 inside it cannot be told apart from the published one.
 */
import type { PublishedDescriptive, PublishedModelCell } from "../data/reference";
import { modelCellReading, readAs } from "../data/synthetic/targets";
import type { DescriptiveTable, ModelTable } from "./tables";

export type DataSource = "synthetic" | "real";

export type Statistic = "n" | "mean" | "sd" | "estimate" | "se" | "variance" | "r2" | "ame";

export interface ComparisonRow {
  readonly part: string;
  readonly group: string;
  readonly category: string;
  /** Model name, "" for descriptives. */
  readonly model: string;
  readonly statistic: Statistic;
  readonly published: number | null;
  readonly reproduced: number | null;
  /** reproduced - published. */
  readonly difference: number | null;
  /** The bound for this cell and its rule ("±0.04 (2 SE)"); the rules are listed in the module comment. */
  readonly tolerance: string;
  /** null when there is nothing to judge (no published value, or an informative row such as N). */
  readonly withinTolerance: boolean | null;
  /** Model 2 fixed effects on synthetic data: the generating value. */
  readonly truth: number | null;
  readonly withinTwoSeOfTruth: boolean | null;
  /** The reference CSV's misprint note, or what went wrong ("not reproduced"). */
  readonly note: string;
  /**
   * For a cell outside its tolerance that no population could be expected to match: why (misprint,
   * rounded 0.00, sampling band; see the module comment). "" otherwise.
   */
  readonly expectedMiss: string;
}

export interface ComparisonSummary {
  readonly judged: number;
  readonly within: number;
  /** Outside tolerance and not expected: the misses. */
  readonly outside: number;
  /** Outside tolerance, but expected (expectedMiss gives the reason). */
  readonly expected: number;
  readonly truthJudged: number;
  readonly truthWithin: number;
}

export interface ComparisonTable {
  readonly source: DataSource;
  /** Heading to show above the table; names synthetic data plainly. */
  readonly label: string;
  readonly tableNumber: number | null;
  readonly outcome: string;
  readonly year: number;
  readonly rows: readonly ComparisonRow[];
  readonly summary: ComparisonSummary;
}

function sourceLabel(source: DataSource, what: string): string {
  return source === "synthetic"
    ? `${what}: gepubliceerd (bijlage 3b) tegenover gereproduceerd op SYNTHETISCHE DATA. De synthetische populatie is gekalibreerd op de publicatie, dus overeenstemming toetst de werkwijze, niet de bevindingen van de Rekenkamer.`
    : `${what}: gepubliceerd (bijlage 3b) tegenover gereproduceerd op de opgegeven databestanden.`;
}

function judge(
  base: Omit<ComparisonRow, "difference" | "tolerance" | "withinTolerance" | "truth" | "withinTwoSeOfTruth" | "expectedMiss">,
  bound: number | null,
  rule: string,
): ComparisonRow {
  const { published, reproduced } = base;
  const difference = published !== null && reproduced !== null ? reproduced - published : null;
  let withinTolerance: boolean | null = null;
  let note = base.note;
  if (published !== null && bound !== null) {
    if (reproduced === null || !Number.isFinite(reproduced)) {
      withinTolerance = false;
      note = note === "" ? "niet gereproduceerd" : `${note} [niet gereproduceerd]`;
    } else withinTolerance = Math.abs(difference as number) <= bound + 1e-12;
  }
  const tolerance = bound === null ? rule : `±${Number(bound.toPrecision(2))} (${rule})`;
  return { ...base, note, difference, tolerance, withinTolerance, truth: null, withinTwoSeOfTruth: null, expectedMiss: "" };
}

/** A row outside tolerance, marked as expected with `reason` (a row within tolerance is returned as is). */
function expect(row: ComparisonRow, reason: string | null): ComparisonRow {
  return row.withinTolerance === false && reason !== null && row.reproduced !== null && Number.isFinite(row.reproduced) ? { ...row, expectedMiss: reason } : row;
}

function fmt(x: number): string {
  return Number(x.toPrecision(3)).toString();
}

/** Misprint: the reference note's reading of the printed value, when the reproduced value matches it. */
function misprintReason(printed: number, reading: { value: number; reason: string } | null, reproduced: number, bound: number): string | null {
  if (reading === null || Math.abs(reproduced - reading.value) > bound + 1e-12) return null;
  return `misprint: printed ${fmt(printed)}, read as ${fmt(reading.value)} (${reading.reason}); the reproduced value is within the tolerance of that reading`;
}

/** Rounded 0.00: the published value lies in (-0.005, 0.005). */
function roundedZeroReason(printed: number, reproduced: number, bound: number): string | null {
  if (printed !== 0 || Math.abs(reproduced) > bound + 0.005 + 1e-12) return null;
  return "rounded 0.00: the published value lies anywhere in (-0.005, 0.005) and the reproduced value is within the tolerance of that interval";
}

/**
 * Sampling band of a variance component: the estimate of a variance s2 from G groups of about m students
 * with outcome probability p varies between populations by +-2 sqrt(2/G) (s2 + 1/(m p (1 - p))).
 */
export function varianceSamplingBand(variance: number, groups: number, perGroup: number, p: number): { lower: number; upper: number; halfWidth: number } {
  const noise = 1 / (Math.max(perGroup, 1) * p * (1 - p));
  const halfWidth = 2 * Math.sqrt(2 / groups) * (variance + noise);
  return { lower: Math.max(0, variance - halfWidth), upper: variance + halfWidth, halfWidth };
}

function summarise(rows: readonly ComparisonRow[]): ComparisonSummary {
  const judged = rows.filter((r) => r.withinTolerance !== null);
  const truth = rows.filter((r) => r.withinTwoSeOfTruth !== null);
  return {
    judged: judged.length,
    within: judged.filter((r) => r.withinTolerance === true).length,
    outside: judged.filter((r) => r.withinTolerance === false && r.expectedMiss === "").length,
    expected: judged.filter((r) => r.withinTolerance === false && r.expectedMiss !== "").length,
    truthJudged: truth.length,
    truthWithin: truth.filter((r) => r.withinTwoSeOfTruth === true).length,
  };
}

/** Tabel 1-4: every published cell against the reproduced table (joined on group and category). */
export function compareDescriptives(table: DescriptiveTable, published: readonly PublishedDescriptive[], source: DataSource): ComparisonTable {
  const pub = published.filter((p) => p.outcome === table.outcome && p.year === table.year);
  const repro = new Map(table.rows.map((r) => [`${r.group}\u0000${r.category}`, r]));
  const rows: ComparisonRow[] = [];
  const n0 = pub[0]?.n ?? null;
  rows.push(judge({ part: "n", group: "N", category: "N", model: "", statistic: "n", published: n0, reproduced: table.n, note: source === "synthetic" ? "N hangt af van de synthetische schaal" : "" }, null, "ter informatie"));
  for (const p of pub) {
    const r = repro.get(`${p.group}\u0000${p.category}`);
    const isProportion = p.sd === null;
    const base = { part: "descriptive", group: p.group, category: p.category, model: "", note: "" };
    if (isProportion) {
      const row = judge({ ...base, statistic: "mean", published: p.mean, reproduced: r?.mean ?? null }, 0.01, "0.01");
      const reading = readAs(published, p);
      rows.push(expect(row, reading.note === "" ? null : misprintReason(p.mean, { value: reading.value, reason: reading.note }, row.reproduced ?? Number.NaN, 0.01)));
    } else {
      rows.push(judge({ ...base, statistic: "mean", published: p.mean, reproduced: r?.mean ?? null }, 0.03 * Math.abs(p.mean), "3%"));
      rows.push(judge({ ...base, statistic: "sd", published: p.sd, reproduced: r?.sd ?? null }, 0.03 * Math.abs(p.sd as number), "3%"));
    }
  }
  const pubKeys = new Set(pub.map((p) => `${p.group}\u0000${p.category}`));
  for (const r of table.rows) {
    if (!pubKeys.has(`${r.group}\u0000${r.category}`)) {
      rows.push(judge({ part: "descriptive", group: r.group, category: r.category, model: "", statistic: "mean", published: null, reproduced: r.mean, note: "niet in bijlage 3b" }, null, "niet gepubliceerd"));
    }
  }
  const what = table.tableNumber !== null ? `Tabel ${table.tableNumber}` : `${table.outcome} ${table.year}`;
  return { source, label: sourceLabel(source, what), tableNumber: table.tableNumber, outcome: table.outcome, year: table.year, rows, summary: summarise(rows) };
}

export interface ModelComparisonOptions {
  /** Generating truth of the synthetic data, by lme4 term name. */
  readonly truth?: ReadonlyMap<string, number>;
  /** Which model the truth is for (default "2"). */
  readonly truthModel?: string;
}

/** Tabel 5-8: every published cell (coefficient, SE, variance, SD, R2, AME) against the reproduced table. */
export function compareModels(table: ModelTable, published: readonly PublishedModelCell[], source: DataSource, options: ModelComparisonOptions = {}): ComparisonTable {
  const pub = published.filter((p) => p.outcome === table.outcome && p.year === table.year);
  const rowByLabel = new Map(table.rows.map((r) => [`${r.part}\u0000${r.group}\u0000${r.category}`, r]));
  const rows: ComparisonRow[] = [];
  const truthModel = options.truthModel ?? "2";
  // Cells of a model that did not converge carry that in their note: a huge SE from a failed fit widens
  // the 2-SE bound, and a reader must not take "within tolerance" there as agreement.
  const failed = new Set(table.convergence.filter((c) => !c.converged).map((c) => c.model));
  const withFailNote = (row: ComparisonRow): ComparisonRow =>
    failed.has(row.model) ? { ...row, note: row.note === "" ? "model niet geconvergeerd" : `${row.note} [model niet geconvergeerd]` } : row;
  const nGroups = (category: string): number => (category === "Instelling variantie" ? table.nInstitutions : table.nLocations);
  // The typical outcome probability of the table: logistic of model 0's published intercept.
  const intercept0 = pub.find((p) => p.part === "fixed" && p.model === "0" && p.category === "Intercept");
  const typicalProbability = intercept0 ? 1 / (1 + Math.exp(-intercept0.estimate)) : 0.5;
  for (const p of pub) {
    const row = rowByLabel.get(`${p.part}\u0000${p.group}\u0000${p.category}`);
    const cell = row?.cells[p.model];
    const base = { part: p.part, group: p.group, category: p.category, model: p.model, note: p.note };
    if (p.part === "fixed") {
      // Two SEs of whichever estimate is less precise: the published one, or the reproduction's own
      // (larger when the reproduction has fewer students, e.g. a synthetic population at a small scale).
      const reproSe = cell?.se !== undefined && cell.se !== null && Number.isFinite(cell.se) ? cell.se : 0;
      const seBound = Math.max(2 * (p.se ?? 0), 2 * reproSe, 0.005);
      let est = judge({ ...base, statistic: "estimate", published: p.estimate, reproduced: cell?.estimate ?? null }, seBound, "2 SE");
      const estValue = est.reproduced ?? Number.NaN;
      est = expect(est, misprintReason(p.estimate, modelCellReading(p, "estimate"), estValue, seBound) ?? roundedZeroReason(p.estimate, estValue, seBound));
      const truth = p.model === truthModel && row?.term !== undefined ? options.truth?.get(row.term) : undefined;
      if (truth !== undefined && cell !== undefined && cell.se !== null) {
        est = { ...est, truth, withinTwoSeOfTruth: Number.isFinite(cell.se) && Math.abs(cell.estimate - truth) <= 2 * cell.se };
      }
      rows.push(est);
      if (p.se !== null) {
        const row = judge({ ...base, statistic: "se", published: p.se, reproduced: cell?.se ?? null }, 0.005 + 0.25 * p.se, "0.005 + 25%");
        const reading = modelCellReading(p, "se");
        const v = row.reproduced ?? Number.NaN;
        rows.push(expect(row, misprintReason(p.se, reading, v, 0.005 + 0.25 * (reading?.value ?? p.se)) ?? roundedZeroReason(p.se, v, 0.005 + 0.25 * p.se)));
      }
      if (p.ame !== null) {
        const ame = table.ameModel === p.model ? (row?.ame ?? null) : null;
        rows.push(judge({ ...base, statistic: "ame", published: p.ame, reproduced: ame }, 0.01, "0.01"));
      }
    } else if (p.part === "random") {
      const g = Math.max(nGroups(p.category), 1);
      // The variance the printed SD implies (two decimals of an SD are finer than two of a variance).
      const s2 = p.se !== null ? p.se * p.se : p.estimate;
      const band = varianceSamplingBand(s2, g, table.nIndividuals / g, typicalProbability);
      const bandReason = `sampling band: a variance of ${fmt(s2)} estimated from G = ${g} groups of about ${Math.round(table.nIndividuals / g)} students varies between populations by ±${fmt(band.halfWidth)} (2 √(2/G) (σ² + 1/(m p (1-p))), p = ${fmt(typicalProbability)}), wider than this cell's tolerance, and the reproduced value lies within it`;
      const inBand = (x: number | null, lo: number, hi: number): boolean => x !== null && x >= lo - 1e-12 && x <= hi + 1e-12;
      const varRow = judge({ ...base, statistic: "variance", published: p.estimate, reproduced: cell?.estimate ?? null }, 0.005 + 2 * p.estimate * Math.sqrt(2 / g), "0.005 + 2 var √(2/G)");
      rows.push(expect(varRow, inBand(varRow.reproduced, band.lower, band.upper) ? bandReason : roundedZeroReason(p.estimate, varRow.reproduced ?? Number.NaN, 0.005 + 2 * p.estimate * Math.sqrt(2 / g))));
      if (p.se !== null) {
        const sdRow = judge({ ...base, statistic: "sd", published: p.se, reproduced: cell?.se ?? null }, 0.005 + 2 * p.se * Math.sqrt(1 / (2 * g)), "0.005 + 2 sd √(1/(2G))");
        rows.push(expect(sdRow, inBand(sdRow.reproduced, Math.sqrt(band.lower), Math.sqrt(band.upper)) ? bandReason : null));
      }
    } else {
      rows.push(judge({ ...base, statistic: "r2", published: p.estimate, reproduced: cell?.estimate ?? null }, 0.01, "0.01"));
    }
  }
  // Reproduced cells the publication has no counterpart for (an added term), shown, not judged.
  const pubKeys = new Set(pub.map((p) => `${p.part}\u0000${p.group}\u0000${p.category}\u0000${p.model}`));
  for (const r of table.rows) {
    for (const m of table.models) {
      const cell = r.cells[m];
      if (cell === undefined || pubKeys.has(`${r.part}\u0000${r.group}\u0000${r.category}\u0000${m}`)) continue;
      rows.push(judge({ part: r.part, group: r.group, category: r.category, model: m, statistic: r.part === "random" ? "variance" : r.part === "diagnostic" ? "r2" : "estimate", published: null, reproduced: cell.estimate, note: "niet in bijlage 3b" }, null, "niet gepubliceerd"));
    }
  }
  const what = table.tableNumber !== null ? `Tabel ${table.tableNumber}` : `${table.outcome} ${table.year}`;
  const noted = rows.map(withFailNote);
  return { source, label: sourceLabel(source, what), tableNumber: table.tableNumber, outcome: table.outcome, year: table.year, rows: noted, summary: summarise(noted) };
}
