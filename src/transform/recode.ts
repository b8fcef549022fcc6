/**
 * The recodes of bijlage 3a 2.3-2.4 from raw DUO codes to the analysis-frame values of
 * data-schema/frame-*.schema.json. One pure function per recode; `RECODES` lists them with their source
 * so a notebook can show them. The levels they produce are the study's vocabulary (src/vocabulary.ts).
 */
import { FACTOR_LEVELS } from "../vocabulary";


/** Cito is the only final test scored 500-550 (3a 2.3), so only those (whole) scores are cito scores. */
export const CITO_MIN = 500;
export const CITO_MAX = 550;
/** The cito years DUO delivered start in 2009 (3a 2.1). */
export const CITO_FIRST_YEAR = 2009;
/** Value a missing cito score is set to (Tabel 1-4 footnote; missing-indicator method, 3a 2.4). */
export const CITO_MISSING_VALUE = 100;

/** Migration background: the raw codes are already the frame's (3a 2.3); null stays null (selected out). */
export function recodeMigratie(code: string | null): string | null {
  return code;
}

/** Parents' education with the missing-indicator category 'onbekend' (3a 2.3). */
export function recodeOuders(code: string | null): string {
  return code === null ? "onbekend" : code;
}

/** Gender M/V -> man/vrouw (3a 2.3: "onderverdeeld in vrouw en man"). */
export function recodeGeslacht(code: string | null): string | null {
  return code === "M" ? "man" : code === "V" ? "vrouw" : null;
}

/** Leerweg BOL/BBL -> bol/bbl; EX has no frame value (examenkandidaten are selected out, 3a 3.2). */
export function recodeLeerweg(code: string | null): string | null {
  return code === "BOL" ? "bol" : code === "BBL" ? "bbl" : null;
}

/** Age on 1 August of t, counted from 14 (Tabel 1: "Leeftijd (vanaf 14, per jaar)"). */
export function ageFrom14(age: number): number {
  return age - 14;
}

/**
 * SBB sectorkamer -> the four sectors of 3a 2.3: handel_economie (zakelijke dienstverlening en
 * veiligheid, handel), techniek_ict (techniek en gebouwde omgeving, creatieve industrie en ICT),
 * zorg_sport (zorg, welzijn en sport), overig (bovensectoraal, entree, onbekend, mobiliteit transport
 * logistiek en maritiem, specialistisch vakmanschap, voedsel groen en gastvrijheid). An empty
 * sectorkamer is "sectorkamer onbekend", hence overig.
 */
export function sectorOf(sectorkamer: string | null): string {
  switch (sectorkamer) {
    case "zakelijke_dienstverlening_veiligheid":
    case "handel":
      return "handel_economie";
    case "techniek_gebouwde_omgeving":
    case "creatieve_industrie_ict":
      return "techniek_ict";
    case "zorg_welzijn_sport":
      return "zorg_sport";
    default:
      return "overig";
  }
}

/** Cito year category (3a 2.3): 2009-2013 each, ">2014" for 2014 and later; earlier or missing -> null. */
export function citojaarCategory(year: number): string | null {
  if (!(year >= CITO_FIRST_YEAR) || !Number.isInteger(year)) return null;
  return year >= 2014 ? ">2014" : String(year);
}

export interface CitoRecode {
  /** score - 500 (0-50), or 100 if missing. */
  readonly cito: number;
  /** 1 if score or year is missing (Tabel 1: "Missingindicator cito/jaar"). */
  readonly citoMissing: number;
  /** Year category; the reference "2009" when missing (missing-indicator method, 3a 2.4). */
  readonly citojaar: string;
}

/**
 * Whether a registered final-test score is a cito score: a whole number from 500 to 550 (3a 2.3: only
 * the cito's range is 500-550, "Daarom kan voor studenten met een eindtoetsscore tussen de 500 en 550
 * met zekerheid worden vastgesteld dat zij de citotoets hebben afgelegd"). The cito scale has whole
 * scores only, so 523.5 is not a cito result: it is treated like another test's score (data-schema/README.md).
 */
export function isCitoScore(score: number): boolean {
  return Number.isInteger(score) && score >= CITO_MIN && score <= CITO_MAX;
}

/**
 * Cito score and year with the missing-indicator method (3a 2.3, 2.4): a cito score (`isCitoScore`)
 * with a known year from 2009 on gives cito = score - 500; anything else (another test's score, a score
 * with decimals, no score, no year, a year before 2009) gives cito = 100, cito_missing = 1 and the
 * reference year.
 */
export function recodeCito(score: number, year: number): CitoRecode {
  const category = citojaarCategory(year);
  if (isCitoScore(score) && category !== null) {
    return { cito: score - CITO_MIN, citoMissing: 0, citojaar: category };
  }
  return { cito: CITO_MISSING_VALUE, citoMissing: 1, citojaar: FACTOR_LEVELS.citojaar[0] };
}

/** Every recode, with its source, for display (in Dutch, like the chapters that show it). */
export const RECODES: readonly { readonly variable: string; readonly recode: string; readonly section: string }[] = [
  { variable: "migratie", recode: "geen / westers / niet-westers zoals geleverd; niet_westers = 1 bij niet-westers", section: "3a 2.3" },
  { variable: "ouders", recode: "max_vmbo_kader / hoger; leeg -> onbekend (categorie van de missing indicator)", section: "3a 2.3, 2.4" },
  { variable: "geslacht", recode: "M -> man, V -> vrouw", section: "3a 2.3" },
  { variable: "leeftijd", recode: "leeftijd op 1 augustus van t min 14", section: "3a 2.3; Tabel 1" },
  { variable: "niveau", recode: "niveau van crebo_t in crebo.csv (1-4)", section: "3a 2.3" },
  { variable: "sector", recode: "sectorkamer van crebo_t -> handel_economie / techniek_ict / zorg_sport / overig (leeg -> overig)", section: "3a 2.3" },
  { variable: "leerweg", recode: "BOL -> bol, BBL -> bbl", section: "3a 2.3" },
  { variable: "cito", recode: "hele score 500-550 met jaar >= 2009 -> score - 500; anders (ook een score met decimalen) 100 en cito_missing = 1", section: "3a 2.3, 2.4; voetnoot Tabel 1" },
  { variable: "citojaar", recode: "2009, 2010, 2011, 2012, 2013, >2014 (2014 en later); ontbrekend of voor 2009 -> 2009 met cito_missing = 1", section: "3a 2.3, 2.4" },
];
