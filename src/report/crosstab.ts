/**
 * 3a 3.1: "Vervolgens hebben we kruistabellen gemaakt waarbij de we de variabele migratieachtergrond
 * afzetten tegen de andere achtergrondkenmerken en de studiekenmerken." For one analysis frame: per
 * variable and category, the share within each migration background (column shares, so each background's
 * categories add up to 1), and for numeric variables the mean per background; the outcome rate per
 * background on top.
 */
import type { ColumnTable } from "../model/types";
import type { CsvValue } from "./csv";
import { OUTCOME_LABELS, VARIABLE_LABELS, levelLabel } from "./labels";

const BACKGROUNDS = ["geen", "niet-westers", "westers"] as const;

export const CROSSTAB_HEADER = ["variabele", "categorie", ...BACKGROUNDS.map((b) => levelLabel("migratie", b, "descriptive")), "totaal"] as const;

export function crossTableByBackground(frame: ColumnTable, outcome: string): CsvValue[][] {
  const where = `crossTableByBackground(${outcome})`;
  const migratie = frame["migratie"];
  const y = frame[outcome];
  if (migratie === undefined || y === undefined) throw new Error(`${where}: the frame needs columns 'migratie' and '${outcome}'`);
  const n = migratie.length;
  const groupOf = new Int32Array(n);
  const size = [0, 0, 0];
  for (let i = 0; i < n; i++) {
    const g = BACKGROUNDS.indexOf(migratie[i] as (typeof BACKGROUNDS)[number]);
    if (g < 0) throw new Error(`${where}: row ${i + 1} has migratie '${String(migratie[i])}', expected geen, niet-westers or westers`);
    groupOf[i] = g;
    size[g] = (size[g] as number) + 1;
  }
  /** Mean of f(i) per background and overall. */
  const means = (f: (i: number) => number): CsvValue[] => {
    const sum = [0, 0, 0];
    let total = 0;
    for (let i = 0; i < n; i++) {
      const v = f(i);
      sum[groupOf[i] as number] = (sum[groupOf[i] as number] as number) + v;
      total += v;
    }
    return [...sum.map((s, g) => ((size[g] as number) > 0 ? s / (size[g] as number) : null)), n > 0 ? total / n : null];
  };
  const num = (col: ColumnTable[string], i: number): number => {
    const v = col[i];
    return typeof v === "number" ? v : NaN;
  };
  const outcomeLabel = OUTCOME_LABELS[outcome] ?? outcome;
  const rows: CsvValue[][] = [["N", "N", ...size, n], [outcomeLabel, outcomeLabel, ...means((i) => num(y, i))]];
  for (const v of VARIABLE_LABELS) {
    if (v.variable === "migratie") continue;
    const col = frame[v.variable];
    if (col === undefined) throw new Error(`${where}: the frame has no column '${v.variable}'`);
    if (v.kind === "numeric") {
      rows.push([v.descriptiveGroup, v.variable === "cito" ? "gemiddelde (missend = 100)" : "gemiddelde", ...means((i) => num(col, i))]);
      continue;
    }
    for (const l of v.levels ?? []) rows.push([v.descriptiveGroup, l.descriptive, ...means((i) => (col[i] === l.level ? 1 : 0))]);
  }
  return rows;
}
