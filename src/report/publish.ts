/**
 * One call per published artefact, so that a notebook cell stays one line: build the table, show it,
 * write it as CSV, compare it with bijlage 3b, show and write the comparison. Figures: show and write
 * the standalone HTML. Every path written is returned, so a notebook can list what it produced.
 */
import type { ColumnTable } from "../model/types";
import {
  loadPublishedDescriptives,
  loadPublishedModels,
  referenceDir,
  type PublishedDescriptive,
  type PublishedModelCell,
} from "../data/reference";
import { compareDescriptives, compareModels, type ComparisonTable, type DataSource } from "./compare";
import { toCsv, type CsvValue } from "./csv";
import { showComparison, showDescriptiveTable, showFigure, showModelTable, simpleTableHtml, type ColumnFormat, type HtmlDisplay } from "./display";
import type { FigureSpec } from "./figures";
import { tableName, writeComparisonCsv, writeCsvText, writeFigure, writeTableCsv } from "./outputs";
import type { FitSummary } from "./summary";
import { descriptiveTable, modelTable, type DescriptiveTable, type ModelTable } from "./tables";

export interface PublishContext {
  readonly display: HtmlDisplay;
  /** The run's output folder (runPaths(config).root). */
  readonly outDir: string;
  readonly source: DataSource;
  /** Folder of the published CSVs (default: referenceDir()). */
  readonly referenceDir?: string;
}

const publishedCache = new Map<string, { descriptives: PublishedDescriptive[]; models: PublishedModelCell[] }>();

function published(ctx: PublishContext): { descriptives: PublishedDescriptive[]; models: PublishedModelCell[] } {
  const dir = ctx.referenceDir ?? referenceDir();
  let p = publishedCache.get(dir);
  if (p === undefined) {
    p = { descriptives: loadPublishedDescriptives(dir), models: loadPublishedModels(dir) };
    publishedCache.set(dir, p);
  }
  return p;
}

export interface Published<T> {
  readonly table: T;
  readonly comparison: ComparisonTable;
  readonly files: readonly string[];
}

/** Tabel 1-4 for one frame: shown, written, compared with 3b (comparison shown and written). */
export function publishDescriptives(
  ctx: PublishContext,
  frame: ColumnTable,
  outcome: string,
  year: number,
  reference?: Readonly<Record<string, string>>,
): Published<DescriptiveTable> {
  const table = descriptiveTable(frame, outcome, year, reference !== undefined ? { reference } : {});
  showDescriptiveTable(ctx.display, table);
  const comparison = compareDescriptives(table, published(ctx).descriptives, ctx.source);
  showComparison(ctx.display, comparison);
  const files = [writeTableCsv(ctx.outDir, table), writeComparisonCsv(ctx.outDir, comparison, tableName(table))];
  return { table, comparison, files };
}

/** Tabel 5-8 for one outcome and year: shown, written, compared with 3b (and with the truth, if given). */
export function publishModels(ctx: PublishContext, summaries: readonly FitSummary[], truth?: ReadonlyMap<string, number>): Published<ModelTable> {
  const table = modelTable(summaries);
  showModelTable(ctx.display, table);
  const comparison = compareModels(table, published(ctx).models, ctx.source, truth !== undefined ? { truth } : {});
  showComparison(ctx.display, comparison);
  const files = [writeTableCsv(ctx.outDir, table), writeComparisonCsv(ctx.outDir, comparison, tableName(table))];
  return { table, comparison, files };
}

/** A figure: shown in the notebook and written as a standalone HTML file. */
export function publishFigure(ctx: PublishContext, spec: FigureSpec): string {
  showFigure(ctx.display, spec);
  return writeFigure(ctx.outDir, spec);
}

/**
 * Any other table (selection flow, missingness, LRTs): shown as HTML (numbers in the column formats
 * given) and written as CSV under tables/ (numbers in full).
 */
export function publishSimpleTable(
  ctx: PublishContext,
  name: string,
  caption: string,
  header: readonly string[],
  rows: readonly (readonly CsvValue[])[],
  options: { readonly formats?: readonly ColumnFormat[] } = {},
): string {
  if (rows.length === 0) throw new Error(`publishSimpleTable(${name}): the table is empty`);
  ctx.display.html(simpleTableHtml(caption, header, rows, options.formats));
  return writeCsvText(ctx.outDir, name, toCsv(header, rows));
}
