/**
 * Chapter 8's tables in the published style, their CSV rows, and the sentences of its prose that
 * depend on the numbers (so the prose stays true whatever the data: each sentence is computed from the
 * result it describes).
 *
 *   intervals        model 2's variance parameters (SD, correlation) with the profile and the bootstrap
 *                    interval side by side; the ICC and R2 with the bootstrap interval
 *   AME conventions  the non-western and parents' AMEs of model 2 in the three random-effects
 *                    conventions, delta-method SE and interval, and the bootstrap percentile interval
 *   missing data     the four analyses of the missing cito score as columns, "estimate (SE)" cells as
 *                    3b prints them, the fraction of missing information of multiple imputation
 */
import type { Interval } from "../inference/interval";
import type { ParameterProfile, ProfileResult } from "../inference/profile";
import type { ComparisonLine, MissingDataComparison } from "../missing/compare";
import type { MissingDataMethod } from "../missing/result";
import type { SpecificationCurve } from "../robustness/specification-curve";
import type { AmeRandomEffects, MarginalEffect } from "../stats/ame";
import type { CsvValue } from "./csv";
import { levelLabel, randomComponentLabel } from "./labels";

/** Dutch label of an lme4 variance parameter ("sd_niet_westers|locatie" -> "SD slope van niet-westerse ..."). */
export function varianceParameterLabel(name: string): string {
  const sd = /^sd_(.+)\|(.+)$/.exec(name);
  if (sd) return `SD: ${randomComponentLabel(sd[2] as string, sd[1] as string).replace(/^Variantie /, "").replace(/ variantie$/, "")}`;
  const cor = /^cor_(.+)\.(.+)\|(.+)$/.exec(name);
  if (cor) return `correlatie ${cor[1]} en ${cor[2]} per ${cor[3]}`;
  const labels: Record<string, string> = { icc_adjusted: "ICC (adjusted)", r2_marginal: "Nakagawa's R2 marginaal", r2_conditional: "Nakagawa's R2 conditioneel" };
  return labels[name] ?? name;
}

/** The two AMEs chapter 8 discusses and their labels. */
export const KEY_TERMS: readonly { readonly term: string; readonly labelNl: string }[] = [
  { term: "migratieniet-westers", labelNl: levelLabel("migratie", "niet-westers", "model") },
  { term: "oudershoger", labelNl: levelLabel("ouders", "hoger", "model") },
];

export const AME_CONVENTION_NL: Readonly<Record<AmeRandomEffects, string>> = {
  included: "gegeven de locatie-effecten (3b)",
  excluded: "bij random effecten nul",
  integrated: "geïntegreerd over de locaties",
};

export const INTERVAL_HEADER = ["parameter", "lme4-naam", "schatting", "profiel: onder", "profiel: boven", "bootstrap: onder", "bootstrap: boven", "opmerking"] as const;

function find(intervals: readonly Interval[], parameter: string): Interval | undefined {
  return intervals.find((i) => i.parameter === parameter);
}

/** One row per variance parameter (profile and bootstrap), then the ICC and R2 (bootstrap only). */
export function intervalRows(profile: ProfileResult | null, bootstrap: readonly Interval[], estimates: ReadonlyMap<string, number>): CsvValue[][] {
  const rows: CsvValue[][] = [];
  const names = profile !== null ? profile.profiles.map((p) => p.parameter) : [...estimates.keys()].filter((n) => /^(sd|cor)_/.test(n));
  for (const name of [...names, "icc_adjusted", "r2_marginal", "r2_conditional"]) {
    const pr = profile?.intervals.find((i) => i.parameter === name);
    const bs = find(bootstrap, name);
    if (pr === undefined && bs === undefined) continue;
    const estimate = profile?.profiles.find((p: ParameterProfile) => p.parameter === name)?.estimate ?? estimates.get(name) ?? null;
    const note = [pr?.note ? `profiel: ${pr.note}` : "", bs?.note ? `bootstrap: ${bs.note}` : ""].filter((x) => x !== "").join("; ");
    rows.push([varianceParameterLabel(name), name, estimate, pr?.lower ?? null, pr?.upper ?? null, bs?.lower ?? null, bs?.upper ?? null, note]);
  }
  return rows;
}

export const AME_CONVENTION_HEADER = ["AME van", "conventie", "AME", "SE (deltamethode)", "95%: onder", "95%: boven", "bootstrap: onder", "bootstrap: boven"] as const;

const Z95 = 1.959963984540054;

/** The key AMEs in each random-effects convention, with the bootstrap's percentile interval where it ran. */
export function ameConventionRows(byConvention: readonly { readonly convention: AmeRandomEffects; readonly effects: readonly MarginalEffect[] }[], bootstrap: readonly Interval[]): CsvValue[][] {
  const block: Record<AmeRandomEffects, string> = { included: "conditional", excluded: "zero", integrated: "integrated" };
  const rows: CsvValue[][] = [];
  for (const k of KEY_TERMS) {
    for (const c of byConvention) {
      const e = c.effects.find((x) => x.term === k.term);
      if (e === undefined) continue;
      const bs = find(bootstrap, `ame:${block[c.convention]}:${k.term}`);
      rows.push([k.labelNl, AME_CONVENTION_NL[c.convention], e.estimate, e.se, e.estimate - Z95 * e.se, e.estimate + Z95 * e.se, bs?.lower ?? null, bs?.upper ?? null]);
    }
  }
  return rows;
}

/** Short column heads of the four methods. */
const METHOD_HEAD: Readonly<Record<MissingDataMethod, string>> = {
  "missing-indicator": "missing indicator (3b)",
  "no-cito": "zonder cito (3a 3.4)",
  "complete-cases": "complete cases",
  "multiple-imputation": "multipele imputatie",
};

function cell(line: ComparisonLine | undefined): string {
  if (line === undefined) return "";
  return `${line.estimate.toFixed(3)} (${line.se.toFixed(3)})`;
}

/** The missing-data comparison as 3b prints a model table: rows are terms, columns methods, "b (SE)" cells. */
export function missingDataTable(c: MissingDataComparison): { readonly header: string[]; readonly rows: string[][] } {
  const header = ["", "rij (3b)", ...c.methods.map((m) => METHOD_HEAD[m]), "FMI (imputatie)", "grootste verschil met 3b"];
  const rows: string[][] = [];
  for (const quantity of ["coefficient", "ame"] as const) {
    for (const term of c.terms) {
      const lines = c.lines.filter((l) => l.quantity === quantity && l.term === term);
      const first = lines[0];
      if (first === undefined) continue;
      const mi = lines.find((l) => l.method === "multiple-imputation");
      const largest = lines.reduce((m, l) => Math.max(m, Math.abs(l.differenceFromPublished ?? 0)), 0);
      rows.push([
        quantity === "coefficient" ? "coëfficiënt (log-odds)" : "AME (kans)",
        levelLabel(first.variable, first.level ?? "", "model"),
        ...c.methods.map((m) => cell(lines.find((l) => l.method === m))),
        mi?.fmi !== null && mi?.fmi !== undefined ? mi.fmi.toFixed(3) : "",
        largest.toFixed(3),
      ]);
    }
  }
  const m = c.lines.find((l) => l.method === "multiple-imputation")?.m;
  rows.push(["", "studenten in de analyse", ...c.methods.map((method) => String(c.lines.find((l) => l.method === method)?.nobs ?? "")), m !== undefined ? `m = ${m}` : "", ""]);
  return { header, rows };
}

/** The comparison's lines in full (CSV). */
export const MISSING_DATA_CSV_HEADER = ["outcome", "year", "quantity", "term", "method", "m", "nobs", "estimate", "se", "lower", "upper", "df", "fmi", "difference_from_published", "fit_problems"] as const;

export function missingDataCsvRows(c: MissingDataComparison, year: number): CsvValue[][] {
  return c.lines.map((l) => [c.outcome, year, l.quantity, l.term, l.method, l.m, l.nobs, l.estimate, l.se, l.lower, l.upper, Number.isFinite(l.df) ? l.df : "Inf", l.fmi, l.differenceFromPublished, l.fitProblems]);
}

// ---------------------------------------------------------------------------------------------------
// Sentences computed from the results.

function pp(x: number): string {
  return `${(100 * x).toFixed(1).replace(".", ",")} procentpunt`;
}

function num(x: number, digits = 2): string {
  return x.toFixed(digits).replace(".", ",");
}

/** What the intervals of model 2's random slope say (one sentence per statement, Dutch). */
export function intervalSentences(label: string, profile: ProfileResult | null, bootstrap: readonly Interval[]): string[] {
  const out: string[] = [];
  const slope = profile?.intervals.find((i) => /^sd_niet_westers\|locatie$/.test(i.parameter)) ?? find(bootstrap, "sd_niet_westers|locatie");
  if (slope !== undefined) {
    const method = slope.method === "profile" ? "profiel" : "bootstrap";
    if (Number.isFinite(slope.lower) && slope.lower > 0) {
      out.push(`${label}: het ${method}interval van de SD van de niet-westerse helling per locatie loopt van ${num(slope.lower, 3)} tot ${num(slope.upper, 3)} (log-odds) en sluit nul uit: de gegevens steunen de conclusie van 3b dat het effect van een niet-westerse migratieachtergrond tussen locaties verschilt.`);
    } else {
      out.push(`${label}: het ${method}interval van de SD van de niet-westerse helling per locatie loopt van ${Number.isFinite(slope.lower) ? num(slope.lower, 3) : "een grens die niet bepaald kon worden"} tot ${Number.isFinite(slope.upper) ? num(slope.upper, 3) : "een grens die niet bepaald kon worden"} (log-odds) en sluit nul niet uit: de gegevens sluiten niet uit dat het effect op alle locaties even groot is, dus de spreiding tussen locaties die 3b beschrijft is hier niet zeker.`);
    }
  }
  const cor = profile?.intervals.find((i) => i.parameter.startsWith("cor_"));
  if (cor !== undefined && Number.isFinite(cor.lower) && Number.isFinite(cor.upper)) {
    const holdsZero = cor.lower <= 0 && cor.upper >= 0;
    out.push(`De correlatie tussen het locatie-intercept en de niet-westerse helling ligt met 95% zekerheid tussen ${num(cor.lower)} en ${num(cor.upper)}${holdsZero ? "; nul ligt erin, dus over de samenhang tussen het niveau van een locatie en haar migratiekloof zeggen de gegevens weinig." : "; nul ligt er niet in."}`);
  }
  return out;
}

/** What the missing-data comparison says about the non-western AME of one outcome and year. */
export function missingDataSentence(c: MissingDataComparison, year: number): string {
  const lines = c.lines.filter((l) => l.quantity === "ame" && l.term === "migratieniet-westers");
  const published = lines.find((l) => l.method === "missing-indicator");
  if (published === undefined || lines.length < 2) return `${c.outcome} ${year}: geen vergelijking met de gepubliceerde methode.`;
  const others = lines.filter((l) => l !== published);
  const largest = others.reduce((a, b) => (Math.abs(b.differenceFromPublished ?? 0) > Math.abs(a.differenceFromPublished ?? 0) ? b : a));
  const diff = largest.differenceFromPublished ?? 0;
  const sameSign = others.every((l) => Math.sign(l.estimate) === Math.sign(published.estimate));
  const withinSe = Math.abs(diff) <= 2 * published.se;
  return (
    `${c.outcome} ${year}: de AME van een niet-westerse migratieachtergrond is ${pp(published.estimate)} met de missing indicator (3b) en ligt bij de andere methoden tussen ${pp(Math.min(...others.map((l) => l.estimate)))} en ${pp(Math.max(...others.map((l) => l.estimate)))}; ` +
    `het grootste verschil (${largest.labelNl}) is ${pp(Math.abs(diff))}, ${withinSe ? "binnen" : "meer dan"} twee standaardfouten van de gepubliceerde schatting. ` +
    (sameSign ? "Het teken van het effect, en dus de richting van de conclusie, verandert bij geen enkele methode." : "Bij minstens één methode keert het teken om: de richting van de conclusie hangt hier af van hoe de ontbrekende cito wordt behandeld.")
  );
}

/** What a specification curve says, in one sentence. */
export function curveSentence(curve: SpecificationCurve): string {
  const s = curve.summary;
  const where = `${curve.outcome} ${curve.year}, AME van ${curve.quantity.labelNl}`;
  const range = `de ${s.specifications} specificaties geven ${pp(s.min)} tot ${pp(s.max)} (mediaan ${pp(s.median)})`;
  const published = s.publishedRank !== null ? `; de specificatie van de Rekenkamer (${pp(s.published)}) staat op plaats ${s.publishedRank}` : "";
  const sign = s.sameSign === s.specifications ? "alle hebben hetzelfde teken" : `${s.sameSign} van de ${s.specifications} hebben hetzelfde teken als de gepubliceerde`;
  const zero = s.excludingZero === s.specifications ? "en bij alle sluit het 95%-interval nul uit" : s.excludingZero === 0 ? "en bij geen enkele sluit het 95%-interval nul uit" : `en bij ${s.excludingZero} sluit het 95%-interval nul uit`;
  const conv = s.notConverged > 0 ? ` (${s.notConverged} met een fit die niet convergeerde, open cirkels)` : "";
  return `${where}: ${range}${published}; ${sign} ${zero}${conv}.`;
}
