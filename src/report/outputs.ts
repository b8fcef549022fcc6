/**
 * Where the notebooks put what they produce inside the run's output folder, each file written atomically:
 *   tables/<name>.csv      the published-layout tables and the comparisons (CSV, as 3b publishes)
 *   figures/<id>.html      standalone figures; they load the pinned plotly bundle from figures/plotly-<version>.js,
 *                          written once per run (offline, no CDN)
 *   fits/<outcome>-<year>-model-<m>.json   fit summaries, so 07-robuustheid reads model 2 instead of refitting
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../audit/atomic-output";
import { comparisonTableCsv, descriptiveTableCsv, modelTableCsv } from "./csv";
import type { ComparisonTable } from "./compare";
import { figureHtmlLinked, plotlyBundle, plotlyBundleFileName, type FigureSpec } from "./figures";
import { parseFitSummary, type FitSummary } from "./summary";
import type { DescriptiveTable, ModelTable } from "./tables";

function safeName(name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) throw new Error(`output name '${name}' may hold only letters, digits, '.', '_' and '-'`);
  return name;
}

export function tableName(t: DescriptiveTable | ModelTable): string {
  const prefix = t.tableNumber !== null ? `tabel-${t.tableNumber}` : t.kind === "model" ? "modellen" : "beschrijvend";
  return `${prefix}-${t.outcome}-${t.year}`;
}

/** Write a Tabel 1-8 as CSV; returns the path. */
export function writeTableCsv(outDir: string, t: DescriptiveTable | ModelTable): string {
  const path = join(outDir, "tables", `${tableName(t)}.csv`);
  writeFileAtomic(path, t.kind === "model" ? modelTableCsv(t) : descriptiveTableCsv(t));
  return path;
}

/** Write a published-vs-reproduced comparison as CSV next to its table; returns the path. */
export function writeComparisonCsv(outDir: string, c: ComparisonTable, name: string): string {
  const path = join(outDir, "tables", `${safeName(name)}-vergelijking.csv`);
  writeFileAtomic(path, comparisonTableCsv(c));
  return path;
}

/** Write any other CSV text (selection flow, missingness counts) under tables/. */
export function writeCsvText(outDir: string, name: string, csv: string): string {
  const path = join(outDir, "tables", `${safeName(name)}.csv`);
  writeFileAtomic(path, csv);
  return path;
}

/** Write a figure as an HTML file beside the run's one copy of the plotly bundle; returns the path. */
export function writeFigure(outDir: string, spec: FigureSpec): string {
  const bundleFile = plotlyBundleFileName();
  const bundlePath = join(outDir, "figures", bundleFile);
  if (!existsSync(bundlePath)) writeFileAtomic(bundlePath, plotlyBundle());
  const path = join(outDir, "figures", `${safeName(spec.id)}.html`);
  writeFileAtomic(path, figureHtmlLinked(spec, bundleFile));
  return path;
}

export function fitSummaryPath(outDir: string, outcome: string, year: number, model: string): string {
  return join(outDir, "fits", `${safeName(outcome)}-${year}-model-${safeName(model)}.json`);
}

/** Save a fit summary (NaN and infinities become null in JSON; parseFitSummary reads them back as NaN). */
export function writeFitSummary(outDir: string, s: FitSummary): string {
  const path = fitSummaryPath(outDir, s.outcome, s.year, s.model);
  writeFileAtomic(path, JSON.stringify(s, null, 1) + "\n");
  return path;
}

/** The saved summary of a model, or undefined when it was not saved (then the caller refits). */
export function readFitSummary(outDir: string, outcome: string, year: number, model: string): FitSummary | undefined {
  const path = fitSummaryPath(outDir, outcome, year, model);
  if (!existsSync(path)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new Error(`${path}: not valid JSON (${(err as Error).message})`);
  }
  return parseFitSummary(value, path);
}
