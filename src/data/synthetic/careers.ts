/**
 * Career building blocks of the synthetic population: placing students, filling in the years of a
 * career before 2019, the records the selections must remove, and careers wholly before 2019.
 */
import { DIM, DIM_NAMES, LEERWEG_EX, type FrameKey } from "./coding";
import { drawCito, drawRecords, type FrameRecords } from "./frameDraw";
import { calibrateIntercept, fixedPartWithoutIntercept } from "./outcomes";
import { FIRST_YEAR, LAST_YEAR, type Population } from "./population";
import { KeyedRandom, type Xoshiro128 } from "./prng";
import type { SyntheticParameters } from "./parameters";
import { Placement, sectorOf, sizeCdf, type CreboTable, type Schools } from "./schools";
import type { FrameTarget } from "./targets";
import { nieuweVsver, startpopulatie } from "./write";

export function drawCategory(rng: Xoshiro128, p: Float64Array): number {
  return categoryAt(rng.uniform(), p);
}

/** The category of shares `p` (summing to 1) at uniform u. */
export function categoryAt(u: number, p: Float64Array): number {
  for (let c = 0; c < p.length; c++) {
    u -= p[c];
    if (u < 0) return c;
  }
  return p.length - 1;
}

export function setTimeInvariant(pop: Population, i: number, rec: FrameRecords, r: number): void {
  pop.geslacht[i] = rec.dims[DIM.geslacht][r];
  pop.migratie[i] = rec.dims[DIM.migratie][r];
  pop.ouders[i] = rec.dims[DIM.ouders][r];
  pop.toetsScore[i] = rec.toetsScore[r];
  pop.toetsJaar[i] = rec.toetsJaar[r];
}

/** Margins of a first-year intake: the vsv 2021 margins with ages concentrated at 15-17. */
export function intakeMargins(tg: FrameTarget, n: number): Float64Array[] {
  return DIM_NAMES.map((d) => {
    if (d === "leeftijd") return Float64Array.from([0.1, 0.3, 0.3, 0.15, 0.08, 0.04, 0.02, 0.01, 0, 0, 0, 0], (p) => p * n);
    return Float64Array.from(tg.margins[d], (p) => p * n);
  });
}

/** Programme length in years before the diploma year, by level (1-4). */
export function programmeYears(rng: Xoshiro128, niveau: number): number {
  const u = rng.uniform();
  switch (niveau) {
    case 1:
      return 1;
    case 2:
      return u < 0.7 ? 2 : 1;
    case 3:
      return u < 0.6 ? 3 : 2;
    default:
      return u < 0.5 ? 3 : u < 0.9 ? 4 : 2;
  }
}

/** Share of the reference background (geen migratie-achtergrond, ouders max vmbo kader) with an earlier lower-level diploma (backfill). */
export const EARLIER_DIPLOMA_REFERENCE_SHARE = 0.25;

/** sigmoid(logit(EARLIER_DIPLOMA_REFERENCE_SHARE) + b_migratie + b_ouders) for student i (codes as DIM: migratie 1 niet-westers, 2 westers; ouders 1 hoger, 2 onbekend). */
function earlierDiplomaProbability(pop: Population, i: number, beta: Float64Array): number {
  const mig = pop.migratie[i];
  const ou = pop.ouders[i];
  const eta =
    Math.log(EARLIER_DIPLOMA_REFERENCE_SHARE / (1 - EARLIER_DIPLOMA_REFERENCE_SHARE)) +
    (mig === 1 ? beta[1] : mig === 2 ? beta[2] : 0) +
    (ou === 1 ? beta[3] : ou === 2 ? beta[4] : 0);
  return 1 / (1 + Math.exp(-eta));
}

/**
 * Earlier years of a career that is enrolled from some year in 2019-2021: the same programme back to its
 * start (a diploma student: its whole length; a non-diploma student: a random part), not before age 15
 * or 2015; for diploma students at level 2+, a lower-level diploma just before (doorstroom) with
 * probability sigmoid(logit(EARLIER_DIPLOMA_REFERENCE_SHARE) + b_migratie + b_ouders), b the background
 * terms of `grossBeta` (COEF_NAMES order; model 1a's gross gaps, as for the careers wholly before 2019):
 * the frames put students with a migration background more often at levels 1-2, where no lower diploma
 * can precede, so a flat share would turn the background gap of the years before 2020 around.
 */
export function backfill(rng: Xoshiro128, pop: Population, crebos: CreboTable, i: number, grossBeta: Float64Array): void {
  let first = -1;
  for (let y = 2019; y <= 2021; y++) {
    if (pop.enrolled(i, y)) {
      first = y;
      break;
    }
  }
  // Only careers enrolled in 2019 reach back: one that starts in 2020 or 2021 is a first-year student
  // there (enrolling it in 2019 would change the 2019 frames).
  if (first !== 2019) return;
  const s = pop.slot(i, first);
  const crebo = pop.crebo[s];
  const inst = pop.instelling[s];
  const lw = pop.leerweg[s];
  const age = pop.leeftijd[s];
  const niveau = crebos.niveau[crebo];
  let diplomaYear = -1;
  for (let y = first; y <= 2020; y++) if (pop.diploma[pop.slot(i, y)]) diplomaYear = y;
  const total = diplomaYear >= 0 ? programmeYears(rng, niveau) : 1 + rng.int(Math.min(niveau + 1, 4));
  // Years already enrolled in this programme from `first` on.
  const before = Math.max(0, total - (diplomaYear >= 0 ? diplomaYear - first + 1 : 1));
  let y = first - 1;
  let a = age - 1;
  for (let k = 0; k < before && y >= FIRST_YEAR && a >= 15; k++, y--, a--) {
    pop.enrol(i, y, crebo, inst, -1, lw, a);
  }
  // An earlier lower-level diploma is a startkwalificatie (level 2+): never for a student who must be in
  // the 2019 startpopulatie (no diploma in 2019, at most 21).
  const inStart2019 = !pop.diploma[s] && age <= 21;
  if (diplomaYear >= 0 && !inStart2019 && niveau >= 2 && y >= FIRST_YEAR && a >= 16 && rng.uniform() < earlierDiplomaProbability(pop, i, grossBeta)) {
    const lower = niveau === 2 ? crebos.pick(rng, 1, 3) : crebos.pick(rng, niveau - 1, sectorOf(crebos, crebo));
    const len = niveau === 2 ? 1 : 1 + rng.int(2);
    pop.setDiploma(i, y, niveau - 1);
    for (let k = 0; k < len && y >= FIRST_YEAR && a >= 15; k++, y--, a--) {
      pop.enrol(i, y, lower, inst, -1, lw, a);
    }
  }
}



/** Records that the selections of 3a 3.2 must remove, enrolled in 2019 or 2020 only. */
export function addExcludedRecords(
  rng: Xoshiro128,
  pop: Population,
  crebos: CreboTable,
  schools: Schools,
  targets: Readonly<Record<FrameKey, FrameTarget>>,
  N: Readonly<Record<FrameKey, number>>,
): Record<string, number> {
  const counts = { examenkandidaten: 0, missingMigration: 0, missingGender: 0, tooOld: 0, tooYoung: 0, unknownLocation: 0 };
  for (const t of [2019, 2020] as const) {
    const base = t === 2019 ? N.doorstroom2020 + N.vsv2020 : N.doorstroom2021 + N.vsv2021;
    const tg = t === 2019 ? targets.vsv2020 : targets.vsv2021;
    const cdf = sizeCdf(schools, schools.nLocations);
    const one = (kind: keyof typeof counts, k: number): void => {
      const i = pop.add();
      pop.geslacht[i] = kind === "missingGender" ? 2 : drawCategory(rng, tg.margins.geslacht);
      pop.migratie[i] = kind === "missingMigration" ? -1 : drawCategory(rng, tg.margins.migratie);
      pop.ouders[i] = drawCategory(rng, tg.margins.ouders);
      pop.toetsScore[i] = -1;
      pop.toetsJaar[i] = 0;
      const niveau = drawCategory(rng, tg.margins.niveau) + 1;
      const sector = niveau === 1 ? 3 : drawCategory(rng, tg.margins.sector);
      const crebo = crebos.pick(rng, niveau, sector);
      const l = rng.categorical(cdf);
      let age = 15 + rng.int(7);
      let leerweg = rng.uniform() < 0.2 ? 1 : 0;
      // Alternate: half of them in the doorstroom route (diploma), half in the vsv route (no diploma, <= 21).
      let diploma = k % 2 === 0;
      if (kind === "examenkandidaten") {
        leerweg = LEERWEG_EX;
        age = 18 + rng.int(20);
        diploma = rng.uniform() < 0.7;
      } else if (kind === "tooOld") {
        age = 26 + rng.int(9);
        diploma = true;
      } else if (kind === "tooYoung") {
        age = 13;
        diploma = false;
      }
      pop.enrol(i, t, crebo, schools.institutionOf[l], kind === "unknownLocation" ? -1 : l, leerweg, age);
      if (diploma) pop.setDiploma(i, t, niveau);
      counts[kind]++;
    };
    const plan: [keyof typeof counts, number][] = [
      ["examenkandidaten", 0.02],
      ["missingMigration", 0.005],
      ["missingGender", 0.001],
      ["tooOld", 0.015],
      ["tooYoung", 0.001],
      ["unknownLocation", 0.003],
    ];
    for (const [kind, share] of plan) {
      const n = Math.max(2, Math.round(share * base));
      for (let k = 0; k < n; k++) one(kind, k);
    }
  }
  return counts;
}

/** Record keys of the careers wholly before 2019 (prng.ts KeyedRandom; the frames use keys below it). */
export const EARLIER_CAREERS_KEY_BASE = 50_000_000;

/** P(last year <= 2015, 2016, 2017, 2018) of a career that ends before 2019 (cumulative). */
const LAST_YEAR_CDF = Float64Array.from([0.25, 0.5, 0.75, 1]);

/**
 * Share of the careers wholly before 2019 that end with a diploma (who does: the vsv propensity, see
 * addEarlierCareers). The rest leave without one; of those
 * the vsv calibration picks its vsv'ers, so the pool must be large enough for the model's ranking to
 * show (in 2018 about two thirds of it are needed).
 */
export const EARLIER_DIPLOMA_SHARE = 0.72;

/** What the outcomes of the careers wholly before 2019 are calibrated to (CHOICES.earlierOutcomes). */
export interface EarlierCalibration {
  /** Fixed effects of model 2 (COEF_NAMES order) whose linear predictor ranks students by propensity. */
  readonly doorstroomBeta: Float64Array;
  readonly vsvBeta: Float64Array;
  /** Target rates per descriptive year (3a 3.1): doorstroom among diplomas, vsv among the startpopulatie. */
  readonly doorstroomRate: number;
  readonly vsvRate: number;
  /** Share of level-4 diploma leavers that enrol in hbo the next year (the last year: as needed, up to 0.9). */
  readonly hboShare: number;
}

/** Counts of the descriptive population of schooljaar t (3a 3.1: enrolled, bol/bbl, 14-25, background known). */
export interface YearCounts {
  readonly diplomas: number;
  readonly doorstroom: number;
  readonly start: number;
  readonly vsv: number;
}

export function descriptiveCounts(pop: Population, crebos: CreboTable, t: number): YearCounts {
  let diplomas = 0;
  let doorstroom = 0;
  let start = 0;
  let vsv = 0;
  for (let i = 0; i < pop.n; i++) {
    const s = pop.slot(i, t);
    if (pop.crebo[s] < 0 || pop.leerweg[s] === LEERWEG_EX || pop.migratie[i] < 0) continue;
    const age = pop.leeftijd[s];
    if (age < 14 || age > 25) continue;
    if (pop.diploma[s]) {
      diplomas++;
      if (t < LAST_YEAR) {
        const n1 = pop.slot(i, t + 1);
        if (pop.ho[n1] === 1 || (pop.crebo[n1] >= 0 && crebos.niveau[pop.crebo[n1]] > pop.diplomaNiveau[s])) doorstroom++;
      }
    }
    if (startpopulatie(pop, i, t)) {
      start++;
      if (nieuweVsver(pop, i, t)) vsv++;
    }
  }
  return { diplomas, doorstroom, start, vsv };
}

/**
 * Draws which of `members` get the event so that the expected share is `share`, ranking them by the
 * linear predictor of a published model: P_k = sigmoid(a + offset_k), with a solved from
 * sum_k P_k = share * K (calibrateIntercept). Background gaps thus point the way the model's do.
 */
function drawByPropensity(rng: Xoshiro128, members: readonly number[], offset: Float64Array, share: number): Uint8Array {
  const y = new Uint8Array(members.length);
  if (members.length === 0 || share <= 0) return y;
  if (share >= 1) return y.fill(1);
  const off = Float64Array.from(members, (r) => offset[r]);
  const a = calibrateIntercept(off, share, 0);
  for (let k = 0; k < members.length; k++) y[k] = rng.uniform() < 1 / (1 + Math.exp(-(a + off[k]))) ? 1 : 0;
  return y;
}

/**
 * Students whose whole mbo career lies in 2015-2018: a programme of 1-5 years ending in 2015-2018
 * (earlier years fall before the data), EARLIER_DIPLOMA_SHARE of them with a diploma. Their outcomes are then calibrated year by
 * year, so that the descriptive rates of 3a 3.1 for 2016-2019 (doorstroom among the diplomas of t, vsv
 * among the startpopulatie of t) match the calibrated years 2020-2021, counting every student already
 * in the population (the earlier years of the 2019-2021 careers):
 *  - doorstroom within mbo: a lower-level programme with a diploma in the year before the programme
 *    (t = start - 1 <= 2017), for a share pi_t of the candidates solved from
 *    (D1_t + h E4_t + pi_t C_t) / (D_t + pi_t C_t) = doorstroomRate, with E4_t the level-4 diploma
 *    leavers of t and h = hboShare;
 *  - level-4 diploma leavers go to hbo: share hboShare, or as many as the doorstroom rate still needs
 *    (up to 0.9) where the candidates fell short, as in 2018 where nobody can continue in mbo in 2019
 *    without entering the calibrated 2019 frames;
 *  - vsv: of the leavers without a diploma who are in the startpopulatie, x_t = vsvRate * S_t - V_t
 *    leave as vsv'er, the others as a DUO exception (abroad, over 22, entree diploma and work).
 * Within each step who gets the event is drawn from the model-2 propensity (drawByPropensity).
 */
export function addEarlierCareers(
  rng: Xoshiro128,
  pop: Population,
  crebos: CreboTable,
  schools: Schools,
  tg: FrameTarget,
  n: number,
  calib: EarlierCalibration,
  params: SyntheticParameters,
): void {
  const placement = new Placement(schools, params, schools.nLocations);
  // These careers are in no frame: keyed draws from this generator's own sequence are enough.
  const keyed = new KeyedRandom(rng.nextUint32(), 0);
  const draws = drawRecords(keyed, EARLIER_CAREERS_KEY_BASE, 2019, n, DIM_NAMES.map((d) => Float64Array.from(tg.margins[d], (p) => p * n)), params).records;
  drawCito(keyed, draws, 0, 2019, tg.citoObservedMean, tg.citoObservedSd, params);
  const offD = fixedPartWithoutIntercept(draws, calib.doorstroomBeta);
  const offV = fixedPartWithoutIntercept(draws, calib.vsvBeta);
  const student = new Int32Array(n);
  const last = new Int16Array(n);
  const first = new Int16Array(n);
  const diploma = new Uint8Array(n);
  // Who leaves without a diploma follows the vsv propensity (gross background gaps, level, age):
  // P(diploma_r) = sigmoid(a - offV_r), a solved so that the share is EARLIER_DIPLOMA_SHARE.
  const offNoVsv = Float64Array.from(offV, (v) => -v);
  const aDiploma = calibrateIntercept(offNoVsv, EARLIER_DIPLOMA_SHARE, 0);
  for (let r = 0; r < n; r++) {
    const i = pop.add();
    student[r] = i;
    setTimeInvariant(pop, i, draws, r);
    const niveau = draws.dims[DIM.niveau][r] + 1;
    const crebo = crebos.pick(rng, niveau, draws.dims[DIM.sector][r]);
    const l = placement.draw(() => rng.uniform(), draws.dims[DIM.niveau][r], draws.dims[DIM.sector][r], draws.dims[DIM.leerweg][r], draws.dims[DIM.migratie][r], draws.dims[DIM.leeftijd][r]);
    const lw = draws.dims[DIM.leerweg][r];
    const len = programmeYears(rng, niveau) + (rng.uniform() < 0.5 ? 1 : 0);
    last[r] = 2015 + rng.categorical(LAST_YEAR_CDF); // 2015..2018
    const ageLast = 14 + draws.dims[DIM.leeftijd][r];
    for (let k = 0; k < len; k++) {
      const y = last[r] - k;
      if (y < FIRST_YEAR || (k > 0 && ageLast - k < 15)) break;
      pop.enrol(i, y, crebo, schools.institutionOf[l], -1, lw, ageLast - k);
      first[r] = y;
    }
    diploma[r] = rng.uniform() < 1 / (1 + Math.exp(-(aDiploma + offNoVsv[r]))) ? 1 : 0;
    if (diploma[r]) pop.setDiploma(i, last[r], niveau);
    else pop.vsvNew[pop.slot(i, last[r])] = 0; // for now a DUO exception; vsv'ers are chosen below
  }
  const niveauOf = (r: number): number => draws.dims[DIM.niveau][r] + 1;
  const level4Leavers = (t: number): number[] => {
    const out: number[] = [];
    for (let r = 0; r < n; r++) if (last[r] === t && diploma[r] && niveauOf(r) === 4) out.push(r);
    return out;
  };
  // Doorstroom within mbo: a lower-level diploma in the year before the programme.
  for (let t = FIRST_YEAR; t <= 2017; t++) {
    const members: number[] = [];
    for (let r = 0; r < n; r++) {
      if (first[r] - 1 !== t || niveauOf(r) < 2) continue;
      const s = pop.slot(student[r], first[r]);
      if (pop.leeftijd[s] - 1 >= 16) members.push(r);
    }
    if (members.length === 0) continue;
    const c = descriptiveCounts(pop, crebos, t);
    const rate = calib.doorstroomRate;
    // hbo of the level-4 leavers (drawn next) counted at its planned share hboShare.
    const need = (rate * c.diplomas - c.doorstroom - calib.hboShare * level4Leavers(t).length) / (1 - rate);
    const y = drawByPropensity(rng, members, offD, need / members.length);
    members.forEach((r, k) => {
      if (!y[k]) return;
      const i = student[r];
      const s = pop.slot(i, first[r]);
      const niveau = niveauOf(r);
      const lower = niveau === 2 ? crebos.pick(rng, 1, 3) : crebos.pick(rng, niveau - 1, sectorOf(crebos, pop.crebo[s]));
      const len = niveau === 2 ? 1 : 1 + rng.int(2);
      pop.setDiploma(i, t, niveau - 1);
      for (let k2 = 0, y2 = t, a = pop.leeftijd[s] - 1; k2 < len && y2 >= FIRST_YEAR && a >= 15; k2++, y2--, a--) {
        pop.enrol(i, y2, lower, pop.instelling[s], -1, pop.leerweg[s], a);
      }
    });
  }
  // Level-4 diploma leavers to hbo: hboShare, or more where the lower-level diplomas fell short.
  for (let t = FIRST_YEAR; t <= 2018; t++) {
    const members = level4Leavers(t);
    if (members.length === 0) continue;
    const c = descriptiveCounts(pop, crebos, t);
    const share = Math.min(0.9, Math.max(calib.hboShare, (calib.doorstroomRate * c.diplomas - c.doorstroom) / members.length));
    const y = drawByPropensity(rng, members, offD, share);
    members.forEach((r, k) => {
      if (y[k]) pop.ho[pop.slot(student[r], t + 1)] = 1;
    });
  }
  // Vsv'ers among the leavers without a diploma.
  for (let t = FIRST_YEAR; t <= 2018; t++) {
    const members: number[] = [];
    for (let r = 0; r < n; r++) if (last[r] === t && !diploma[r] && startpopulatie(pop, student[r], t)) members.push(r);
    if (members.length === 0) continue;
    const c = descriptiveCounts(pop, crebos, t);
    const need = calib.vsvRate * c.start - c.vsv;
    const y = drawByPropensity(rng, members, offV, need / members.length);
    members.forEach((r, k) => {
      if (y[k]) pop.vsvNew[pop.slot(student[r], t)] = -1; // derived: in the startpopulatie, gone in t + 1
    });
  }
}
