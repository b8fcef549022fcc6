/**
 * The design of completed data set l from the design of another completed data set of the same frame.
 *
 * The m completed data sets differ only in the imputed cells: the cito score and the test year of the
 * students without a score. The analysis model's design (model matrix, response, grouping factors) is
 * therefore built once (buildDesign on completed data set 1) and, for every further imputation, only the
 * cito column and the citojaar dummies of the imputed rows are rewritten: the same numbers buildDesign
 * would produce (tested: test/missing/completed-design.test.ts), without coding 10 factors of 124,621
 * rows again. Columns that do not change are shared with the template.
 *
 * Returns null when the template cannot be patched (rows were dropped for missing values, or an imputed
 * year has no dummy column in the template because the rank check dropped it); the caller then builds
 * the design from the completed table.
 */
import type { GlmmDesign } from "../model/types";
import { CITO, CITOJAAR, type CitoImputationModel } from "./imputation-model";
import type { CitoImputations } from "./impute-cito";

export function completedDesign(template: GlmmDesign, imputations: CitoImputations, l: number): GlmmDesign | null {
  const model: CitoImputationModel = imputations.model;
  if (template.nobs !== model.nrows || (template.missing !== undefined && template.missing.dropped !== 0)) return null;
  const { names, info, columns } = template.fixed;
  const citoCol = info.findIndex((t) => t.variable === CITO && t.kind === "numeric");
  if (citoCol < 0) return null;
  // Dummy column of each year category (-1: the reference, or no column).
  const yearCols = model.yearLevels.map((level) => info.findIndex((t) => t.variable === CITOJAAR && t.kind === "factorLevel" && t.level === level));
  const reference = info.find((t) => t.variable === CITOJAAR && t.kind === "factorLevel")?.reference;
  const values = imputations.cito[l];
  const years = imputations.year[l];
  for (let j = 0; j < years.length; j++) {
    const level = model.yearLevels[years[j]];
    if (yearCols[years[j]] < 0 && level !== reference) return null;
  }
  const out = columns.slice();
  const cito = Float64Array.from(columns[citoCol]);
  out[citoCol] = cito;
  const yearColumns = new Map<number, Float64Array>();
  for (const c of yearCols) if (c >= 0) yearColumns.set(c, Float64Array.from(columns[c]));
  const rows = model.missingRows;
  for (let j = 0; j < rows.length; j++) {
    const i = rows[j];
    cito[i] = values[j];
    for (const col of yearColumns.values()) col[i] = 0;
    const c = yearCols[years[j]];
    if (c >= 0) (yearColumns.get(c) as Float64Array)[i] = 1;
  }
  for (const [c, col] of yearColumns) out[c] = col;
  return { ...template, fixed: { ...template.fixed, names, columns: out } };
}
