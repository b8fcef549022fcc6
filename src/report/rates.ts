/**
 * 3a 3.1: "Ten slotte is gekeken hoe de onderwijsresultaten verschillen voor studenten zonder
 * migratieachtergrond, diegene met een westerse migratieachtergrond en degene met een niet-westerse
 * migratieachtergrond", over the years 2016-2021 ("Wanneer we kijken naar doorstroom en vsv gaat dit
 * over de jaren 2016-2021, omdat je altijd kijkt naar t+1").
 *
 * The population of the descriptive figures (3a 3.1) differs from the model frames (3a 3.2): no location
 * is needed (location codes exist only from 2019), so every year 2016-2021 can be counted. Per outcome
 * year T, with covariates from schooljaar t = T - 1, the rules are the transform's own (src/transform):
 *   enrolled in t, bol or bbl ("Alleen studenten die bol of bbl deden"), aged 14-25 ("Voor de figuren ...
 *   alleen studenten ... die tussen de 14-25 jaar oud zijn"), migration background known; then
 *   doorstroom: a diploma in t, outcome = enrolled at a higher level in T (isDoorstroom);
 *   vsv: in DUO's startpopulatie of T, outcome = nieuwe vsv'er in T.
 */
import { numberColumn, stringColumn, type RawData } from "../data/load";
import { creboLookup, studentFields, yearBlock, type StudentFields, type VsvYear } from "../transform/columns";
import { isDoorstroom } from "../transform/frames";
import { ageBetween14And25, bolOrBbl, diplomaIn, enrolledIn, inStartpopulatie, migrationKnown } from "../transform/select";
import type { OutcomeRate } from "./figures";
import type { Outcome } from "../vocabulary";
import { levelLabel } from "./labels";

const BACKGROUNDS = ["geen", "niet-westers", "westers"] as const;

/**
 * The vsv file of several years at once, per row of studenten.csv (what transform's vsvYear gives for
 * one year): one pass over vsv.csv with one id index, instead of an index per year (6 x 1.36 million).
 */
function vsvYears(raw: RawData, years: readonly number[], students: StudentFields): Map<number, VsvYear> {
  const rowOf = new Map<string, number>();
  for (let r = 0; r < students.n; r++) {
    const id = students.id[r];
    if (id !== null && id !== undefined) rowOf.set(id, r);
  }
  const out = new Map<number, VsvYear>();
  for (const year of years) {
    out.set(year, { year, startpopulatie: new Float64Array(students.n).fill(NaN), nieuweVsver: new Float64Array(students.n).fill(NaN) });
  }
  const id = stringColumn(raw.vsv, "id");
  const jaar = numberColumn(raw.vsv, "jaar");
  const start = numberColumn(raw.vsv, "startpopulatie");
  const nieuw = numberColumn(raw.vsv, "nieuwe_vsver");
  for (let k = 0; k < raw.vsv.nrows; k++) {
    const y = out.get(jaar[k] as number);
    const key = id[k];
    if (y === undefined || key === null || key === undefined) continue;
    const r = rowOf.get(key);
    if (r === undefined) continue; // validation guarantees every vsv id is a student
    y.startpopulatie[r] = start[k] as number;
    y.nieuweVsver[r] = nieuw[k] as number;
  }
  return out;
}

/** Outcome rate per year T and migration background (3a 3.1), for the years given (default 2016-2021). */
export function outcomeRatesByYear(raw: RawData, outcome: Outcome, years: readonly number[] = [2016, 2017, 2018, 2019, 2020, 2021]): OutcomeRate[] {
  const students = studentFields(raw);
  const crebo = creboLookup(raw);
  const vsvByYear = outcome === "vsv" ? vsvYears(raw, years, students) : undefined;
  const out: OutcomeRate[] = [];
  for (const year of years) {
    const t = yearBlock(raw, year - 1);
    const rules = [enrolledIn(t), bolOrBbl(t), ageBetween14And25(t), migrationKnown(students)];
    let isCase: (r: number) => boolean;
    if (outcome === "doorstroom") {
      const next = yearBlock(raw, year);
      rules.push(diplomaIn(t));
      isCase = (r) => isDoorstroom(r, t, next, crebo);
    } else {
      const vsv = vsvByYear?.get(year) as VsvYear;
      rules.push(inStartpopulatie(vsv));
      isCase = (r) => vsv.nieuweVsver[r] === 1;
    }
    const n = new Map<string, number>(BACKGROUNDS.map((b) => [b, 0]));
    const cases = new Map<string, number>(BACKGROUNDS.map((b) => [b, 0]));
    for (let r = 0; r < students.n; r++) {
      if (!rules.every((rule) => rule.keep(r))) continue;
      const b = students.migratie[r] as string;
      n.set(b, (n.get(b) ?? 0) + 1);
      if (isCase(r)) cases.set(b, (cases.get(b) ?? 0) + 1);
    }
    for (const b of BACKGROUNDS) {
      const nb = n.get(b) ?? 0;
      if (nb === 0) continue;
      out.push({ year, group: levelLabel("migratie", b, "descriptive"), rate: (cases.get(b) ?? 0) / nb, n: nb });
    }
  }
  if (out.length === 0) throw new Error(`outcomeRatesByYear(${outcome}): no students in any of the years ${years.join(", ")}`);
  return out;
}
