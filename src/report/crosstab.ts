/**
 * 3a 3.1: "Vervolgens hebben we kruistabellen gemaakt waarbij de we de variabele migratieachtergrond
 * afzetten tegen de andere achtergrondkenmerken en de studiekenmerken." For one analysis frame: per
 * variable and category, the share within each migration background (column shares, so each background's
 * categories add up to 1), and for numeric variables the mean per background; the outcome rate per
 * background on top. For the cito score also its distribution among the students who have one (mean and
 * SD where cito_missing = 0): the published mean counts a missing score as 100 and so mixes the score with
 * its missingness, which differ by background in opposite directions.
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
  /** Mean and SD (divisor m - 1) of f(i) over the rows with keep(i), per background and overall. */
  const meanSd = (f: (i: number) => number, keep: (i: number) => boolean): [CsvValue[], CsvValue[]] => {
    const m = [0, 0, 0, 0];
    const mean = [0, 0, 0, 0];
    const ss = [0, 0, 0, 0];
    for (let i = 0; i < n; i++) {
      if (!keep(i)) continue;
      const v = f(i);
      for (const g of [groupOf[i] as number, 3]) {
        // Welford's update: mean_m = mean_{m-1} + (v - mean_{m-1}) / m, ss += (v - mean_{m-1}) (v - mean_m)
        m[g] = (m[g] as number) + 1;
        const d = v - (mean[g] as number);
        mean[g] = (mean[g] as number) + d / (m[g] as number);
        ss[g] = (ss[g] as number) + d * (v - (mean[g] as number));
      }
    }
    return [
      mean.map((x, g) => ((m[g] as number) > 0 ? x : null)),
      ss.map((x, g) => ((m[g] as number) > 1 ? Math.sqrt(x / ((m[g] as number) - 1)) : null)),
    ];
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
      const missing = frame["cito_missing"];
      if (v.variable === "cito" && missing !== undefined) {
        const [mean, sd] = meanSd((i) => num(col, i), (i) => num(missing, i) === 0);
        rows.push([v.descriptiveGroup, "gemiddelde (met score)", ...mean], [v.descriptiveGroup, "SD (met score)", ...sd]);
      }
      continue;
    }
    for (const l of v.levels ?? []) rows.push([v.descriptiveGroup, l.descriptive, ...means((i) => (col[i] === l.level ? 1 : 0))]);
  }
  return rows;
}
