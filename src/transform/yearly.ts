/**
 * The descriptive analyses of bijlage 3a 3.1 for the years 2016-2021: per year a frequency table of the
 * background characteristics (migratieachtergrond, geslacht, leeftijd, opleidingsniveau ouders), the
 * study characteristics (niveau, bol/bbl, sector) and the outcomes (citoscore, diploma, doorstroom, vsv);
 * cross tables of migration background against the other characteristics; and the outcome rates per
 * migration background.
 *
 * Population of year T (3a 3.1): students enrolled in mbo in schooljaar t = T - 1 ("gebruiken we de
 * studie-informatie ... en achtergrondkenmerken van het voorgaande schooljaar"), bol or bbl, aged 14-25,
 * migration background known. No location rule: locations exist only from 2019 on (3a 2.5).
 * The outcomes are rates within their own denominators: diploma among all students of the population,
 * doorstroom among those with a diploma in t (3a 2.3), vsv among those in the startpopulatie of T (3a 3.2).
 */
import type { RawData } from "../data/load";
import { SelectionFlow, type FlowStep } from "./flow";
import { creboLookup, studentFields, vsvStudentRows, vsvYear, yearBlock, type CreboLookup, type StudentFields } from "./columns";
import { ageBetween14And25, bolOrBbl, enrolledIn, migrationKnown } from "./select";
import { isDoorstroom } from "./frames";
import { recodeCito, recodeGeslacht, recodeLeerweg, recodeOuders } from "./recode";

/** Years with an outcome and a previous schooljaar in 2015-2021 (3a 3.1: "de jaren 2016-2021"). */
export const DESCRIPTIVE_YEARS: readonly number[] = [2016, 2017, 2018, 2019, 2020, 2021];

/** Characteristics tabulated, in the order of 3a 3.1. */
export const CHARACTERISTICS = ["migratie", "geslacht", "leeftijd", "ouders", "niveau", "leerweg", "sector", "cito"] as const;
export type Characteristic = (typeof CHARACTERISTICS)[number];
export const OUTCOMES = ["diploma", "doorstroom", "vsv"] as const;
export type DescriptiveOutcome = (typeof OUTCOMES)[number];

/** The descriptive population of one year, one category string per characteristic and 0/1/NaN outcomes. */
export interface YearPopulation {
  readonly year: number;
  readonly t: number;
  readonly n: number;
  readonly flow: readonly FlowStep[];
  readonly characteristics: Readonly<Record<Characteristic, readonly string[]>>;
  /** 1/0, or NaN where the student is not in the outcome's denominator. */
  readonly outcomes: Readonly<Record<DescriptiveOutcome, Float64Array>>;
}

/** Cito score band (score - 500), or "ontbreekt" (no cito, 3a 2.3). */
export function citoBand(cito: number, missing: number): string {
  if (missing === 1) return "ontbreekt";
  if (cito < 10) return "500-509";
  if (cito < 20) return "510-519";
  if (cito < 30) return "520-529";
  if (cito < 40) return "530-539";
  return "540-550";
}

interface Shared {
  readonly raw: RawData;
  readonly students: StudentFields;
  readonly crebo: CreboLookup;
  readonly vsvRows: Int32Array;
}

function population(ctx: Shared, year: number): YearPopulation {
  const t = yearBlock(ctx.raw, year - 1);
  const next = yearBlock(ctx.raw, year);
  const vsv = vsvYear(ctx.raw, year, ctx.students, ctx.vsvRows);
  const flow = new SelectionFlow(`beschrijvend ${year}`);
  let rows = flow.start("alle studenten in studenten.csv (mbo 2015-2021)", "3a 2.1", ctx.students.n);
  rows = flow.apply(rows, enrolledIn(t));
  rows = flow.apply(rows, bolOrBbl(t));
  rows = flow.apply(rows, ageBetween14And25(t));
  rows = flow.apply(rows, migrationKnown(ctx.students));
  const n = rows.length;
  const ch: Record<Characteristic, string[]> = {
    migratie: new Array<string>(n), geslacht: new Array<string>(n), leeftijd: new Array<string>(n), ouders: new Array<string>(n),
    niveau: new Array<string>(n), leerweg: new Array<string>(n), sector: new Array<string>(n), cito: new Array<string>(n),
  };
  const diploma = new Float64Array(n);
  const doorstroom = new Float64Array(n);
  const vsvOut = new Float64Array(n);
  const s = ctx.students;
  for (let i = 0; i < n; i++) {
    const r = rows[i];
    ch.migratie[i] = s.migratie[r] as string;
    ch.geslacht[i] = recodeGeslacht(s.geslacht[r]) ?? "onbekend";
    ch.leeftijd[i] = String(t.leeftijd[r]);
    ch.ouders[i] = recodeOuders(s.ouders[r]);
    const code = t.crebo[r] as string;
    ch.niveau[i] = String(ctx.crebo.niveau.get(code) ?? "onbekend");
    ch.leerweg[i] = recodeLeerweg(t.leerweg[r]) ?? "onbekend";
    ch.sector[i] = ctx.crebo.sector.get(code) ?? "overig";
    const c = recodeCito(s.score[r], s.citojaar[r]);
    ch.cito[i] = citoBand(c.cito, c.citoMissing);
    const hasDiploma = t.diploma[r] === 1;
    diploma[i] = hasDiploma ? 1 : 0;
    doorstroom[i] = hasDiploma ? (isDoorstroom(r, t, next, ctx.crebo) ? 1 : 0) : NaN;
    vsvOut[i] = vsv.startpopulatie[r] === 1 ? (vsv.nieuweVsver[r] === 1 ? 1 : 0) : NaN;
  }
  return { year, t: year - 1, n, flow: flow.steps, characteristics: ch, outcomes: { diploma, doorstroom, vsv: vsvOut } };
}

/** The descriptive populations of the given years (default 2016-2021). */
export function descriptivePopulations(raw: RawData, years: readonly number[] = DESCRIPTIVE_YEARS): YearPopulation[] {
  const students = studentFields(raw);
  const ctx: Shared = { raw, students, crebo: creboLookup(raw), vsvRows: vsvStudentRows(raw, students) };
  return years.map((y) => population(ctx, y));
}

export interface FrequencyRow {
  readonly year: number;
  readonly variable: string;
  readonly category: string;
  readonly n: number;
  /** n / number of students in the denominator (the population, or the outcome's denominator). */
  readonly share: number;
}

function sortedCategories(values: Iterable<string>): string[] {
  return [...new Set(values)].sort((a, b) => {
    const x = Number(a);
    const y = Number(b);
    return Number.isFinite(x) && Number.isFinite(y) ? x - y : a < b ? -1 : a > b ? 1 : 0;
  });
}

function count(values: readonly string[], keep: (i: number) => boolean): Map<string, number> {
  const m = new Map<string, number>();
  for (let i = 0; i < values.length; i++) if (keep(i)) m.set(values[i], (m.get(values[i]) ?? 0) + 1);
  return m;
}

/**
 * Frequency tables per year (3a 3.1: "Bij de beschrijvende analyses zijn per jaar eerst
 * frequentietabellen gemaakt"): every characteristic over the population, every outcome over its own
 * denominator (categories "ja"/"nee").
 */
export function frequencyTables(populations: readonly YearPopulation[]): FrequencyRow[] {
  const out: FrequencyRow[] = [];
  for (const p of populations) {
    for (const v of CHARACTERISTICS) {
      const counts = count(p.characteristics[v], () => true);
      for (const c of sortedCategories(counts.keys())) out.push({ year: p.year, variable: v, category: c, n: counts.get(c) ?? 0, share: (counts.get(c) ?? 0) / p.n });
    }
    for (const o of OUTCOMES) {
      const y = p.outcomes[o];
      let yes = 0;
      let no = 0;
      for (let i = 0; i < y.length; i++) {
        if (y[i] === 1) yes++;
        else if (y[i] === 0) no++;
      }
      const d = yes + no;
      out.push({ year: p.year, variable: o, category: "ja", n: yes, share: d > 0 ? yes / d : NaN });
      out.push({ year: p.year, variable: o, category: "nee", n: no, share: d > 0 ? no / d : NaN });
    }
  }
  return out;
}

export interface CrossRow {
  readonly year: number;
  readonly variable: string;
  readonly category: string;
  readonly migratie: string;
  readonly n: number;
  /** n / number of students with this migration background (column share). */
  readonly share: number;
}

/**
 * Cross tables of migration background against the other background and study characteristics
 * (3a 3.1: "kruistabellen ... waarbij de we de variabele migratieachtergrond afzetten tegen de andere
 * achtergrondkenmerken en de studiekenmerken"), as shares within each migration background.
 */
export function crossTablesByMigration(populations: readonly YearPopulation[]): CrossRow[] {
  const out: CrossRow[] = [];
  for (const p of populations) {
    const mig = p.characteristics.migratie;
    const groups = sortedCategories(mig);
    const groupN = count(mig, () => true);
    for (const v of CHARACTERISTICS) {
      if (v === "migratie") continue;
      const values = p.characteristics[v];
      for (const g of groups) {
        const counts = count(values, (i) => mig[i] === g);
        for (const c of sortedCategories(values)) {
          const k = counts.get(c) ?? 0;
          out.push({ year: p.year, variable: v, category: c, migratie: g, n: k, share: k / (groupN.get(g) ?? 1) });
        }
      }
    }
  }
  return out;
}

export interface RateRow {
  readonly year: number;
  readonly outcome: DescriptiveOutcome;
  /** Migration background, or "totaal". */
  readonly migratie: string;
  /** Students in the outcome's denominator. */
  readonly n: number;
  readonly count: number;
  readonly rate: number;
}

/**
 * Outcome rates per migration background and year (3a 3.1: "Ten slotte is gekeken hoe de
 * onderwijsresultaten verschillen voor studenten zonder migratieachtergrond, diegene met een westerse
 * migratieachtergrond en degene met een niet-westerse migratieachtergrond").
 */
export function outcomeRatesByMigration(populations: readonly YearPopulation[]): RateRow[] {
  const out: RateRow[] = [];
  for (const p of populations) {
    const mig = p.characteristics.migratie;
    const groups = [...sortedCategories(mig), "totaal"];
    for (const o of OUTCOMES) {
      const y = p.outcomes[o];
      for (const g of groups) {
        let n = 0;
        let k = 0;
        for (let i = 0; i < y.length; i++) {
          if (y[i] !== y[i] || (g !== "totaal" && mig[i] !== g)) continue;
          n++;
          if (y[i] === 1) k++;
        }
        out.push({ year: p.year, outcome: o, migratie: g, n, count: k, rate: n > 0 ? k / n : NaN });
      }
    }
  }
  return out;
}
