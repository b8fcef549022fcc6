/**
 * The selection rules of bijlage 3a 3.1 and 3.2, one function each. Each returns a `SelectionRule`
 * (rule text, section, predicate over rows of studenten.csv) that `SelectionFlow.apply` records.
 */
import type { SelectionRule } from "./flow";
import type { StudentFields, VsvYear, YearBlock } from "./columns";

/** Youngest and oldest age kept (3a 3.2: "minimaal 14 jaar oud ... en maximaal 25 jaar oud"). */
export const MIN_AGE = 14;
export const MAX_AGE = 25;

/**
 * Enrolled in mbo on the peildatum of schooljaar t (the enrolment block is filled). Covariates come
 * from t (3a 3.1: "gebruiken we de studie-informatie ... en achtergrondkenmerken van het voorgaande
 * schooljaar"); students with a diploma but no enrolment on 1 October are not analysed (3a 2.5: "nemen
 * we ze niet mee in de analyse").
 */
export function enrolledIn(block: YearBlock): SelectionRule {
  const leerweg = block.leerweg;
  return {
    rule: `ingeschreven in het mbo op 1 oktober ${block.year} (schooljaar t)`,
    section: "3a 2.1, 2.5, 3.1",
    keep: (r) => leerweg[r] !== null,
  };
}

/** Obtained an mbo diploma in t: the population of the doorstroom outcome (3a 2.3). */
export function diplomaIn(block: YearBlock): SelectionRule {
  const diploma = block.diploma;
  return {
    rule: `diploma behaald in schooljaar ${block.year}`,
    section: "3a 2.3",
    keep: (r) => diploma[r] === 1,
  };
}

/** Age 14 to 25 inclusive on 1 August of t (3a 3.2, and 3a 3.1 for the descriptives). */
export function ageBetween14And25(block: YearBlock): SelectionRule {
  const age = block.leeftijd;
  return {
    rule: `leeftijd ${MIN_AGE}-${MAX_AGE} jaar op 1 augustus ${block.year}`,
    section: "3a 3.2",
    keep: (r) => age[r] >= MIN_AGE && age[r] <= MAX_AGE,
  };
}

/** Bol or bbl only; examenkandidaten (EX) out (3a 3.1, 3.2). */
export function bolOrBbl(block: YearBlock): SelectionRule {
  const leerweg = block.leerweg;
  return {
    rule: `bol of bbl in ${block.year} (examenkandidaten eruit)`,
    section: "3a 3.2",
    keep: (r) => leerweg[r] === "BOL" || leerweg[r] === "BBL",
  };
}

/**
 * School location known in t: the models need it (3a 3.2: "Omdat we zien dat deze informatie niet
 * weggelaten kan worden, kunnen we alleen de jaren 2020 en 2021 analyseren"). A student without a
 * location code cannot be placed in the location level and is left out.
 */
export function locationKnown(block: YearBlock): SelectionRule {
  const locatie = block.locatie;
  return {
    rule: `schoollocatie bekend in ${block.year}`,
    section: "3a 2.5, 3.2",
    keep: (r) => locatie[r] !== null,
  };
}

/**
 * Gender known. Not a rule of 3a (which has no missing category for gender, 3a 2.3: "onderverdeeld in
 * vrouw en man"), so a student without a registered gender cannot enter the models; the flow shows how
 * many this concerns.
 */
export function genderKnown(students: StudentFields): SelectionRule {
  const g = students.geslacht;
  return {
    rule: "geslacht bekend (eigen keuze: 3a kent geen categorie onbekend voor geslacht)",
    section: "eigen keuze (3a 2.3)",
    keep: (r) => g[r] !== null,
  };
}

/** Migration background known (3a 3.1, 3.2: "Studenten met een missende waarde op migratieachtergrond zijn niet meegenomen"). */
export function migrationKnown(students: StudentFields): SelectionRule {
  const m = students.migratie;
  return {
    rule: "migratieachtergrond bekend",
    section: "3a 3.2",
    keep: (r) => m[r] !== null,
  };
}

/** In DUO's startpopulatie for the vsv measure of jaar T (3a 3.2: "Alleen studenten die tot de startpopulatie behoren"). */
export function inStartpopulatie(vsv: VsvYear): SelectionRule {
  const start = vsv.startpopulatie;
  return {
    rule: `in de startpopulatie vsv ${vsv.year} (vsv-bestand, startpopulatie = 1)`,
    section: "3a 3.2",
    keep: (r) => start[r] === 1,
  };
}
