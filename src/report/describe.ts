/**
 * Descriptives of an analysis frame in the layout of bijlage 3b Tabel 1-4 (group and category labels
 * exactly as in the published CSV, so a comparison joins on table, group and category), and the
 * comparison with the published cells.
 *
 * The table itself is built by `descriptiveTable` of src/report/tables.ts (shares over all N; mean,
 * sample SD, min and max for leeftijd and cito; the cito-year shares over students with cito_missing = 0,
 * as 3b prints them), and judged by `compareDescriptives` of src/report/compare.ts (a proportion within
 * 0.01 absolute, a mean or SD within 3% relative). This module ties them to an `AnalysisFrame`, so the
 * frame's own reference categories are marked and its table number is known.
 */
import { descriptiveTable, type DescriptiveTable } from "./tables";
import { loadPublishedDescriptives, type PublishedDescriptive } from "../data/reference";
import { compareDescriptives, type ComparisonTable, type DataSource } from "./compare";
import type { AnalysisFrame } from "../transform/frames";

export { compareDescriptives };

/** Tabel 1-4 rows (group, category, reference flag, mean, sd, min, max) of one analysis frame. */
export function describeFrame(frame: AnalysisFrame): DescriptiveTable {
  return descriptiveTable(frame.columns, frame.outcome, frame.year, { reference: frame.reference });
}

/** Describe a frame and set it against the published Tabel of the same outcome and year. */
export function compareFrameWithPublished(
  frame: AnalysisFrame,
  source: DataSource,
  published: readonly PublishedDescriptive[] = loadPublishedDescriptives(),
): ComparisonTable {
  return compareDescriptives(describeFrame(frame), published, source);
}
