/**
 * The small analysis frame of test/missing/fixtures/small-frame.csv (written by runner.R) as a
 * MissingDataFrame: the frame schema's columns, numbers as Float64Array, factors as strings.
 */
import { join } from "node:path";
import { readCsvRecords } from "../../src/data/csv";
import type { MissingDataFrame } from "../../src/missing";
import type { ColumnTable } from "../../src/model/types";

export const FIXTURES = join(__dirname, "fixtures");
const NUMERIC = ["doorstroom", "niet_westers", "leeftijd", "cito", "cito_missing"];

export function smallFrame(): MissingDataFrame {
  const csv = readCsvRecords(join(FIXTURES, "small-frame.csv"));
  const columns: Record<string, Float64Array | string[]> = {};
  csv.header.forEach((name, j) => {
    columns[name] = NUMERIC.includes(name) ? Float64Array.from(csv.rows, (r) => Number(r[j])) : csv.rows.map((r) => r[j]);
  });
  return { columns: columns as ColumnTable, outcome: "doorstroom" };
}
