/**
 * Hand-made inputs for the report tests: fit summaries whose numbers are the published Tabel 5-8 cells
 * (so a faithful table and comparison must give them back), and a small analysis frame.
 */
import type { ConvergenceReport } from "../../src/glmm/types";
import { loadPublishedModels, type PublishedModelCell } from "../../src/data/reference";
import type { FitSummary, FixedEffectSummary } from "../../src/report/summary";

type Term = Omit<FixedEffectSummary, "estimate" | "se">;

const f = (variable: string, level: string, reference: string): Term => ({ name: `${variable}${level}`, variable, kind: "factorLevel", level, reference });
const num = (variable: string): Term => ({ name: variable, variable, kind: "numeric" });

export const TERMS_1A: readonly Term[] = [
  { name: "(Intercept)", variable: "", kind: "intercept" },
  f("migratie", "niet-westers", "geen"),
  f("migratie", "westers", "geen"),
  f("ouders", "hoger", "max_vmbo_kader"),
  f("ouders", "onbekend", "max_vmbo_kader"),
];
export const TERMS_1B: readonly Term[] = [
  ...TERMS_1A,
  f("geslacht", "vrouw", "man"),
  num("leeftijd"),
  f("niveau", "1", "3"),
  f("niveau", "2", "3"),
  f("niveau", "4", "3"),
  f("sector", "zorg_sport", "handel_economie"),
  f("sector", "techniek_ict", "handel_economie"),
  f("sector", "overig", "handel_economie"),
  f("leerweg", "bbl", "bol"),
];
export const TERMS_2: readonly Term[] = [
  ...TERMS_1B,
  num("cito"),
  num("cito_missing"),
  ...["2010", "2011", "2012", "2013", ">2014"].map((y) => f("citojaar", y, "2009")),
];
export const TERMS_BY_MODEL: Readonly<Record<string, readonly Term[]>> = {
  "0": TERMS_1A.slice(0, 1),
  "1a": TERMS_1A,
  "1b": TERMS_1B,
  "1c": TERMS_2,
  "2": TERMS_2,
};

export function convergence(converged: boolean): ConvergenceReport {
  return {
    converged,
    optimizer: "test",
    iterations: 12,
    functionEvaluations: 40,
    maxAbsGradient: converged ? 1e-5 : 0.3,
    maxAbsScaledGradient: converged ? 1e-6 : 0.05,
    minHessianEigenvalue: 1,
    singular: false,
    messages: converged ? [] : ["Model failed to converge with max|grad| = 0.3"],
  };
}

/** Fit summaries of one published table with the published numbers as the estimates. */
export function publishedSummaries(table: number, options: { failing?: string } = {}): { summaries: FitSummary[]; cells: PublishedModelCell[] } {
  const cells = loadPublishedModels().filter((c) => c.table === table);
  const first = cells[0];
  if (first === undefined) throw new Error(`no published cells for table ${table}`);
  // Published label -> term name, via the label mapping under test would be circular; spell it out.
  const termFor = new Map<string, string>([
    ["Intercept|Intercept", "(Intercept)"],
    ["Migratieachtergrond|Niet-westerse migratieachtergrond", "migratieniet-westers"],
    ["Migratieachtergrond|Westerse migratieachtergrond", "migratiewesters"],
    ["Opleidingsniveau ouders|Hoger dan vmbo kader", "oudershoger"],
    ["Opleidingsniveau ouders|Onbekend (missing indicator)", "oudersonbekend"],
    ["Geslacht|Vrouw", "geslachtvrouw"],
    ["Leeftijd (vanaf 14, per jaar)|Leeftijd (vanaf 14, per jaar)", "leeftijd"],
    ["Niveau|Niveau 1", "niveau1"],
    ["Niveau|Niveau 2", "niveau2"],
    ["Niveau|Niveau 4", "niveau4"],
    ["Sector|Zorg en sport", "sectorzorg_sport"],
    ["Sector|Techniek en ict", "sectortechniek_ict"],
    ["Sector|Overig", "sectoroverig"],
    ["Leerweg|BBL", "leerwegbbl"],
    ["Citoscore (per score)|Citoscore (per score)", "cito"],
    ["Missingindicator cito|Missingindicator cito", "cito_missing"],
    ...["2010", "2011", "2012", "2013", ">2014"].map((y): [string, string] => [`Citojaar|${y}`, `citojaar${y}`]),
  ]);
  const summaries = ["0", "1a", "1b", "1c", "2"].map((model): FitSummary => {
    const mine = cells.filter((c) => c.model === model);
    const fixed = (TERMS_BY_MODEL[model] ?? []).map((t) => {
      const cell = mine.find((c) => c.part === "fixed" && termFor.get(`${c.group}|${c.category}`) === t.name);
      if (cell === undefined) throw new Error(`table ${table} model ${model}: no published cell for ${t.name}`);
      return { ...t, estimate: cell.estimate, se: cell.se ?? NaN };
    });
    const comp = (category: string, group: string, term: string) => {
      const c = mine.find((x) => x.part === "random" && x.category === category);
      return c === undefined ? [] : [{ group, term, variance: c.estimate, sd: c.se ?? NaN }];
    };
    const r2 = mine.find((c) => c.part === "diagnostic");
    const ame = model === "2" ? mine.filter((c) => c.ame !== null).map((c) => ({ term: termFor.get(`${c.group}|${c.category}`) ?? "?", estimate: c.ame as number })) : undefined;
    return {
      model,
      outcome: first.outcome,
      year: first.year,
      formula: `${first.outcome} ~ model ${model}`,
      nobs: first.nIndividuals,
      ngroups: { locatie: first.nLocations, instelling: first.nInstitutions },
      fixed,
      dropped: [],
      random: [
        ...comp("Schoollocatie variantie", "locatie", "(Intercept)"),
        ...comp("Variantie slope van niet-westerse migratieachtergrond", "locatie", "niet_westers"),
        ...comp("Instelling variantie", "instelling", "(Intercept)"),
      ],
      correlations: [],
      logLik: -1000,
      aic: 2010,
      bic: 2050,
      df: fixed.length + 2,
      convergence: convergence(model !== options.failing),
      elapsedSeconds: 1,
      ...(r2 !== undefined ? { r2: { conditional: r2.estimate, marginal: r2.estimate / 2 } } : {}),
      ...(ame !== undefined ? { ame } : {}),
    };
  });
  return { summaries, cells };
}

/** A 10-student frame with every level, hand-countable. */
export function smallFrame() {
  return {
    doorstroom: Uint8Array.from([1, 0, 1, 0, 1, 0, 1, 0, 1, 1]),
    migratie: ["geen", "geen", "geen", "geen", "geen", "geen", "niet-westers", "niet-westers", "westers", "geen"],
    ouders: ["max_vmbo_kader", "hoger", "hoger", "onbekend", "hoger", "hoger", "onbekend", "max_vmbo_kader", "hoger", "hoger"],
    geslacht: ["man", "vrouw", "man", "vrouw", "man", "vrouw", "man", "vrouw", "man", "man"],
    leeftijd: Float64Array.from([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]),
    niveau: ["1", "2", "3", "4", "4", "4", "3", "2", "4", "4"],
    sector: ["zorg_sport", "techniek_ict", "handel_economie", "overig", "overig", "zorg_sport", "zorg_sport", "techniek_ict", "overig", "overig"],
    leerweg: ["bol", "bol", "bbl", "bol", "bol", "bol", "bbl", "bol", "bol", "bol"],
    cito: Float64Array.from([30, 40, 100, 20, 100, 45, 35, 100, 25, 50]),
    cito_missing: Uint8Array.from([0, 0, 1, 0, 1, 0, 0, 1, 0, 0]),
    citojaar: ["2009", "2010", "2009", "2011", "2009", "2012", "2013", "2009", ">2014", ">2014"],
  };
}

