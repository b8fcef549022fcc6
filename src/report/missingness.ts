/**
 * The missing-indicator method of 3a 2.4 made visible: how many students miss a cito score or their
 * parents' education, how that differs by migration background, and how the outcome differs between
 * students with and without the missing value ("De missende waarden zijn niet willekeurig (niet missing
 * completely at random)"). All of it counts rows of an analysis frame (data-schema/README.md columns):
 *   cito missing     <=> cito_missing = 1 (score and year set to fixed values, 3a 2.4)
 *   parents missing  <=> ouders = "onbekend" (the added category 'onbekend', 3a 2.3)
 */
import type { Column, ColumnTable } from "../model/types";
import type { ScoreDistribution } from "./figures";
import { levelLabel } from "./labels";

export interface MissingnessRow {
  /** "Citoscore" or "Opleidingsniveau ouders". */
  readonly variable: string;
  /** Migration background as 3b prints it, or "Totaal". */
  readonly group: string;
  readonly n: number;
  readonly missing: number;
  readonly share: number;
  /** Outcome rate among students with the value missing / present. */
  readonly outcomeRateMissing: number;
  readonly outcomeRatePresent: number;
}

function need(frame: ColumnTable, name: string, where: string): Column {
  const c = frame[name];
  if (c === undefined) throw new Error(`${where}: the analysis frame has no column '${name}'`);
  return c;
}

/** Indicator per row: is the value missing? */
function missingIndicators(frame: ColumnTable, where: string): { variable: string; missing: (i: number) => boolean }[] {
  const citoMissing = need(frame, "cito_missing", where);
  const ouders = need(frame, "ouders", where);
  return [
    { variable: "Citoscore", missing: (i) => citoMissing[i] === 1 },
    { variable: "Opleidingsniveau ouders", missing: (i) => ouders[i] === "onbekend" },
  ];
}

/**
 * Per variable (cito, parents' education) and migration background (plus "Totaal"): the number and
 * share missing, and the outcome rate with the value missing versus present.
 */
export function missingnessTable(frame: ColumnTable, outcome: string): MissingnessRow[] {
  const where = `missingnessTable(${outcome})`;
  const y = need(frame, outcome, where);
  const migratie = need(frame, "migratie", where);
  const groups = ["Totaal", "geen", "niet-westers", "westers"];
  const rows: MissingnessRow[] = [];
  for (const { variable, missing } of missingIndicators(frame, where)) {
    for (const g of groups) {
      let n = 0;
      let m = 0;
      let yMissing = 0;
      let yPresent = 0;
      for (let i = 0; i < y.length; i++) {
        if (g !== "Totaal" && migratie[i] !== g) continue;
        n++;
        const yi = y[i] === 1 ? 1 : 0;
        if (missing(i)) {
          m++;
          yMissing += yi;
        } else yPresent += yi;
      }
      rows.push({
        variable,
        group: g === "Totaal" ? "Totaal" : levelLabel("migratie", g, "descriptive"),
        n,
        missing: m,
        share: n > 0 ? m / n : NaN,
        outcomeRateMissing: m > 0 ? yMissing / m : NaN,
        outcomeRatePresent: n - m > 0 ? yPresent / (n - m) : NaN,
      });
    }
  }
  return rows;
}

/**
 * Cito score distributions (counts of scores 500..550, i.e. frame values 0..50) of students with an
 * observed score, split by whether their parents' education is known: does missingness on one variable
 * go with lower or higher capacity as measured by the other?
 */
export function citoByParentsKnown(frame: ColumnTable): ScoreDistribution[] {
  const where = "citoByParentsKnown";
  const cito = need(frame, "cito", where);
  const citoMissing = need(frame, "cito_missing", where);
  const ouders = need(frame, "ouders", where);
  const known = new Array<number>(51).fill(0);
  const unknown = new Array<number>(51).fill(0);
  for (let i = 0; i < cito.length; i++) {
    if (citoMissing[i] === 1) continue;
    const s = cito[i];
    if (typeof s !== "number" || !Number.isInteger(s) || s < 0 || s > 50) {
      throw new Error(`${where}: row ${i + 1} has cito ${String(s)} with cito_missing = 0; expected a score 0-50 (500-550 minus 500)`);
    }
    if (ouders[i] === "onbekend") unknown[s] = (unknown[s] as number) + 1;
    else known[s] = (known[s] as number) + 1;
  }
  return [
    { label: "Opleidingsniveau ouders bekend", counts: known },
    { label: "Opleidingsniveau ouders onbekend", counts: unknown },
  ];
}
