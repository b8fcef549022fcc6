/**
 * The joint structure of the covariates: a seed table over the eight frame dimensions whose odds ratios
 * encode how the covariates hang together in mbo (unpublished: the strengths that matter for the model
 * ladder are calibrated parameters, parameters.ts; the rest are fixed plausible choices; every factor is
 * listed in truth.json). IPF (ipf.ts) then fits the table to the published one-way margins of Tabel 1-4,
 * which keeps these odds ratios and changes only the margins.
 *
 * seed(c) = prod over pairs (d, e) of phi_de(c_d, c_e), with phi = 1 where nothing is assumed.
 */
import { DIM, DIM_SIZES } from "./coding";
import { emptyTable, type CellTable } from "./ipf";
import { LEVEL_STEP_DOWN, type SyntheticParameters } from "./parameters";

/**
 * Offset distribution of the primary-school final test year around the "natural" year: a student aged
 * 14 + a on 1 August of schooljaar t was about 12 in the spring of year t - a - 2 (group 8). Grade
 * retention shifts the test later, skipping a year earlier: P(offset k), k = -2..2.
 */
export const TEST_YEAR_OFFSET: readonly number[] = [0.03, 0.15, 0.55, 0.2, 0.07];

/** Cito scores are in DUO's data from 2009 on (bijlage 3b Tabel 1-4 start at 2009). */
export const FIRST_CITO_YEAR = 2009;

/** Base propensity of a missing cito score for reasons other than the test year (other test, no test). */
const BASE_MISSING = 0.35;

/**
 * The pairwise association factors, named as they appear in truth.json. Those marked "calibrated" take
 * their strength from the calibrated parameters (parameters.ts); the others are fixed, plausible choices.
 */
export const ASSOCIATIONS: readonly { readonly pair: string; readonly factor: string; readonly reason: string }[] = [
  { pair: "niveau x sector", factor: "niveau 1 only in sector overig", reason: "level-1 (entree) crebos belong to the entree sectorkamer, which 3a 2.3 maps to overig" },
  { pair: "niveau x leerweg", factor: "bbl odds x0.4, x1.6, x1.4, x0.7 at niveau 1-4", reason: "bbl is concentrated in levels 2-3" },
  { pair: "leeftijd x leerweg", factor: "bbl odds x exp(bblAge (a - 5)) (calibrated)", reason: "bbl students are older (work-based learning)" },
  { pair: "leeftijd x ouders", factor: "onbekend odds x exp(parentsUnknownAge (a - 5)) (calibrated)", reason: "parents' education is less often registered for older students" },
  { pair: "leeftijd x niveau", factor: "odds x exp(levelAge (a - 5) s(niveau)), s = level step down (calibrated)", reason: "age differs by level" },
  { pair: "migratie x ouders", factor: "niet-westers: max_vmbo_kader x1.6, onbekend x1.8; westers: onbekend x1.5", reason: "parents educated abroad are often unregistered or lower registered" },
  { pair: "migratie x niveau", factor: "niet-westers odds x exp(nwLevelStep s(niveau)); westers at westernFraction of it (calibrated)", reason: "over-representation of students with a migration background in the lower levels" },
  { pair: "migratie x leeftijd", factor: "niet-westers odds x exp(nwAge (a - 5)); westers at westernFraction (calibrated)", reason: "age profile by background" },
  { pair: "migratie x leerweg", factor: "niet-westers bbl odds x exp(nwBbl); westers at westernFraction (calibrated)", reason: "work-based places (an employer) are harder to find for some groups" },
  { pair: "ouders x niveau", factor: "hoger odds x exp(parentsLevelStep s(niveau)), onbekend x exp(parentsUnknownLevelStep s(niveau)) (calibrated)", reason: "parents' education relates to the student's level" },
  { pair: "ouders x leerweg", factor: "onbekend: bbl odds x exp(parentsUnknownBbl) (calibrated)", reason: "registration of parents' education differs by pathway" },
  { pair: "leeftijd x citocat", factor: "test year = t - a - 2 + k, k ~ TEST_YEAR_OFFSET; years before 2009 are missing", reason: "cito year follows the birth cohort; DUO has cito scores from 2009 on" },
  { pair: "migratie x citocat", factor: "missing odds x exp(nwCitoMissing) (niet-westers), at westernFraction (westers) (calibrated)", reason: "late arrivals in the Netherlands took no Dutch primary-school test" },
  { pair: "ouders x citocat", factor: "missing odds x exp(parentsUnknownCitoMissing) when parents' education is unknown (calibrated)", reason: "both registrations are missing for the same students more often" },
  { pair: "sector x geslacht", factor: "vrouw odds x4 in zorg_sport, x0.15 in techniek_ict", reason: "gender segregation of mbo sectors" },
  { pair: "migratie x sector", factor: "niet-westers x1.4 in handel_economie", reason: "sector choice differs by background" },
];

/**
 * Seed table for schooljaar t (test years depend on t through the birth cohort), with the association
 * strengths of `p`. Each cell's weight is a product of pairwise factors, so IPF keeps them as odds ratios.
 */
export function seedTable(t: number, p: SyntheticParameters): CellTable {
  const table = emptyTable(DIM_SIZES);
  const w = table.weights;
  const nAge = DIM_SIZES[DIM.leeftijd];
  // phi(leeftijd, citocat): kernel mass of each test-year category per age.
  const ageCito: number[][] = [];
  for (let a = 0; a < nAge; a++) {
    const row = new Array<number>(DIM_SIZES[DIM.citocat]).fill(0);
    row[0] = BASE_MISSING;
    for (let k = -2; k <= 2; k++) {
      const y = t - a - 2 + k;
      const q = TEST_YEAR_OFFSET[k + 2];
      if (y < FIRST_CITO_YEAR) row[0] += q;
      else if (y <= 2013) row[1 + (y - FIRST_CITO_YEAR)] += q;
      else row[6] += q;
    }
    ageCito.push(row);
  }
  // Log factors of the migration groups (index 0 geen, 1 niet-westers, 2 westers).
  const migScale = [0, 1, p.westernFraction];
  const s = table.strides;
  for (let i = 0; i < w.length; i++) {
    const niv = Math.floor(i / s[DIM.niveau]) % 4;
    const sec = Math.floor(i / s[DIM.sector]) % 4;
    const lw = Math.floor(i / s[DIM.leerweg]) % 2;
    const a = Math.floor(i / s[DIM.leeftijd]) % nAge;
    const mig = Math.floor(i / s[DIM.migratie]) % 3;
    const ou = Math.floor(i / s[DIM.ouders]) % 3;
    const ge = Math.floor(i / s[DIM.geslacht]) % 2;
    const cc = Math.floor(i / s[DIM.citocat]) % 7;
    if (niv === 0 && sec !== 3) {
      w[i] = 0;
      continue;
    }
    const step = LEVEL_STEP_DOWN[niv];
    const m = migScale[mig];
    let logf = 0;
    if (lw === 1) logf += p.bblAge * (a - 5) + m * p.nwBbl + (ou === 2 ? p.parentsUnknownBbl : 0);
    if (ou === 2) logf += p.parentsUnknownAge * (a - 5);
    logf += step * (p.levelAge * (a - 5) + m * p.nwLevelStep + (ou === 1 ? p.parentsLevelStep : ou === 2 ? p.parentsUnknownLevelStep : 0));
    logf += m * p.nwAge * (a - 5);
    if (cc === 0) logf += m * p.nwCitoMissing + (ou === 2 ? p.parentsUnknownCitoMissing : 0);
    let f = ageCito[a][cc] * Math.exp(logf);
    if (lw === 1) f *= [0.4, 1.6, 1.4, 0.7][niv];
    if (mig === 1) f *= ou === 0 ? 1.6 : ou === 2 ? 1.8 : 1;
    if (mig === 2 && ou === 2) f *= 1.5;
    if (ge === 1) f *= sec === 1 ? 4 : sec === 2 ? 0.15 : 1;
    if (mig === 1 && sec === 0) f *= 1.4;
    w[i] = f;
  }
  return table;
}
