/**
 * Values that pass data-schema/ but that a rule of bijlage 3a makes implausible. They are kept (the
 * schema allows them, and a real DUO file has a few), counted among the students of each analysis frame
 * and reported as warning steps of its selection flow (`SelectionFlow.warn`), so a reader sees how many
 * students of a model carry them. One function per check; each returns a `PlausibilityCheck`.
 */
import type { PlausibilityCheck } from "./flow";
import type { StudentFields, VsvYear, YearBlock } from "./columns";
import { CITO_FIRST_YEAR, CITO_MAX, CITO_MIN, isCitoScore } from "./recode";

/** The age above which a school leaver is not a vsv'er (3a 2.3: "ouder is dan 22"). */
export const VSV_MAX_AGE = 22;

/**
 * The primary-school final test taken after schooljaar t of mbo. 3a 2.3: "de centrale eindtoetsscore in
 * het primair onderwijs": a test of the last year of primary school, which comes before mbo. Kept as
 * registered (the score still counts as cito when it is one).
 */
export function testYearAfterT(students: StudentFields, t: YearBlock): PlausibilityCheck {
  const year = students.citojaar;
  const last = t.year;
  return {
    rule: `eindtoetsjaar na schooljaar ${last} (de eindtoets van het primair onderwijs gaat aan het mbo vooraf)`,
    section: "3a 2.1, 2.3",
    treatment: "behouden",
    flag: (r) => year[r] > last,
  };
}

/**
 * A score in the cito range with decimals. The cito scale has whole scores only, so such a score is no
 * cito result (data-schema/README.md, "Final-test scores with decimals") and gets the missing indicator.
 */
export function fractionalCitoRangeScore(students: StudentFields): PlausibilityCheck {
  const score = students.score;
  return {
    rule: `eindtoetsscore tussen ${CITO_MIN} en ${CITO_MAX} met decimalen (de citotoets kent alleen hele scores)`,
    section: "3a 2.3, 2.4",
    treatment: "geen citoscore: missing indicator",
    flag: (r) => score[r] >= CITO_MIN && score[r] <= CITO_MAX && !Number.isInteger(score[r]),
  };
}

/**
 * A cito score whose test year is before 2009 or missing: DUO's cito data start in 2009 (3a 2.1: "een
 * extra jaar (2009) toegevoegd aan de informatie over de centrale eindtoetsscores"), and the year
 * category is part of the model (3a 2.3), so the score is treated as missing (3a 2.4).
 */
export function citoScoreWithoutUsableYear(students: StudentFields): PlausibilityCheck {
  const score = students.score;
  const year = students.citojaar;
  return {
    rule: `citoscore zonder toetsjaar of met een toetsjaar voor ${CITO_FIRST_YEAR}`,
    section: "3a 2.1, 2.4",
    treatment: "geen citoscore: missing indicator",
    flag: (r) => isCitoScore(score[r]) && !(year[r] >= CITO_FIRST_YEAR),
  };
}

/**
 * A new vsv'er of jaar T who is enrolled in mbo (leerweg_T given) or hbo (ho_T = 1) on 1 October of T.
 * 3a 2.3: a vsv'er is "Een student die het onderwijs in jaar t+1 heeft verlaten zonder een
 * startkwalificatie". The outcome is DUO's and is kept as delivered.
 */
export function vsverStillEnrolled(vsv: VsvYear, next: YearBlock): PlausibilityCheck {
  const nieuw = vsv.nieuweVsver;
  const leerweg = next.leerweg;
  const ho = next.ho;
  return {
    rule: `nieuwe vsv'er ${vsv.year} die op 1 oktober ${next.year} in het mbo of hbo ingeschreven staat`,
    section: "3a 2.3",
    treatment: "behouden zoals DUO levert",
    flag: (r) => nieuw[r] === 1 && (leerweg[r] !== null || ho[r] === 1),
  };
}

/**
 * A new vsv'er older than 22 on 1 August of t. 3a 2.3: a student who leaves without a basic
 * qualification is not a vsv'er "als een student: ouder is dan 22". Kept as DUO delivers it.
 */
export function vsverOlderThan22(vsv: VsvYear, t: YearBlock): PlausibilityCheck {
  const nieuw = vsv.nieuweVsver;
  const age = t.leeftijd;
  return {
    rule: `nieuwe vsv'er ${vsv.year} ouder dan ${VSV_MAX_AGE} op 1 augustus ${t.year} (3a: dan geen vsv'er)`,
    section: "3a 2.3",
    treatment: "behouden zoals DUO levert",
    flag: (r) => nieuw[r] === 1 && age[r] > VSV_MAX_AGE,
  };
}

/** The checks of every frame: the covariates of t. */
export function studentChecks(students: StudentFields, t: YearBlock): PlausibilityCheck[] {
  return [testYearAfterT(students, t), fractionalCitoRangeScore(students), citoScoreWithoutUsableYear(students)];
}

/** The checks of a vsv frame: the covariates, and DUO's outcome against 3a's definition of vsv. */
export function vsvChecks(students: StudentFields, t: YearBlock, next: YearBlock, vsv: VsvYear): PlausibilityCheck[] {
  return [...studentChecks(students, t), vsverStillEnrolled(vsv, next), vsverOlderThan22(vsv, t)];
}
