/**
 * The synthetic DUO-shaped population: careers of mbo students over schooljaar 2015-2021, built so that
 * the workspace's own selections (bijlage 3a 3.2) find the four analysis frames with the published
 * covariate distributions (Tabel 1-4) and outcomes from the published model 2 (Tabel 5-8).
 *
 * How the covariates hang together, who studies where, and how the location and institution effects
 * relate to that composition are the calibrated parameters (parameters.ts, calibrated-parameters.json).
 *
 * Order of construction (steps 1-2 are generateAnalysisFrames, all a calibration needs):
 *  1. schooljaar 2019: the students of doorstroom 2020 (diploma in 2019) and vsv 2020 (startpopulatie,
 *     no diploma) are drawn from IPF-fitted tables (frameDraw.ts), placed in locations by the choice
 *     model of schools.ts, and get their outcomes from model 2 with balanced random effects.
 *  2. schooljaar 2020: the careers continue. Students still enrolled (vsv 2020 non-leavers, doorstroom
 *     2020 students who went up a level) are raked into doorstroom 2021 (diploma in 2020) and vsv 2021
 *     (still without startkwalificatie) so that they fill a fixed share of each 2021 frame with the
 *     published margins; new students fill the remaining gap of every margin (IPF on the gap).
 *     Every draw of steps 1-2 that decides a frame record is keyed by the record (prng.ts KeyedRandom):
 *     populations of nearby parameters differ record by record only where the parameters differ, which
 *     is what a calibration by common random numbers needs.
 *  3. schooljaar 2021: what the 2021 outcomes imply (enrolled at a higher level, in hbo, left), plus a
 *     new intake.
 *  4. schooljaar 2015-2018: the earlier years of every career (same programme, lower-level diplomas
 *     for some), plus students whose whole career lies before 2019.
 *  5. records the selections must remove: examenkandidaten, missing migration background, ages outside
 *     14-25, unknown location.
 */
import { DIM, DIM_NAMES, DIM_SIZES, FRAMES, FRAME_KEYS, type FrameKey } from "./coding";
import { allocRecords, concatRecords, drawCito, drawRecords, recordMargins, type FrameRecords } from "./frameDraw";
import { paretoSample, rakeSelection } from "./ipf";
import { centreSlopesByPrecision, drawOutcomeEffects, drawOutcomes, type OutcomeReport, type RandomEffects } from "./outcomes";
import { calibratedParameters, effectParameters, type SyntheticParameters } from "./parameters";
import { Population } from "./population";
import { KeyedRandom, Xoshiro128 } from "./prng";
import { makeCreboTable, makeSchools, Placement, riskSorting, urbanity, type CreboTable, type Schools } from "./schools";
import { addEarlierCareers, addExcludedRecords, backfill, categoryAt, drawCategory, intakeMargins, setTimeInvariant } from "./careers";
import { frameTargets, modelTruths, withGrossBackground, type FrameTarget, type ModelTruth } from "./targets";

export interface GenerateOptions {
  readonly seed: number;
  /** Multiplies the number of students (1 = the real population size). */
  readonly scale: number;
  /** The association, composition and effect parameters; default: the committed calibration (parameters.ts). */
  readonly parameters?: SyntheticParameters;
  readonly onProgress?: (message: string) => void;
}

/** The unpublished choices, in one place, each with its reason (copied into truth.json). */
export const CHOICES = {
  nInstitutions: { value: 62, reason: "Tabel 5-8: 62 institutions in every model" },
  nLocations: { value: 585, reason: "the largest published location count (Tabel 8); frames use the first 566/574/581/585 of one fixed order, so each frame has its published count at full scale" },
  yearCorrelation: { value: 0.8, reason: "not published (each year is fitted separately). Location and institution effects of one outcome are correlated 0.8 between 2020 and 2021, as schools are stable over a year" },
  continuingShareDoorstroom2021: { value: 0.72, reason: "share of doorstroom 2021 (diploma in 2020) drawn from students already enrolled in 2019; the rest enter in 2020 or were older than 21 in 2019" },
  continuingShareVsv2021: { value: 0.68, reason: "share of vsv 2021 drawn from students enrolled in 2019; the rest is the 2020 intake" },
  startpopulatieExcludesDiplomaYear: { value: true, reason: "a student who obtains a diploma in schooljaar t is not in the startpopulatie of jaar t + 1 here, so the doorstroom and vsv frames of one year are disjoint and each can be drawn to its own published margins. In DUO's real definition students without a startkwalificatie on 1 October are in it, whatever happens later in the year" },
  startpopulatieAge: { value: 21, reason: "Tabel 3-4 ages run 0-7 (14-21): DUO's startpopulatie holds students younger than 22 (3a 2.3: older than 22 is no vsv)" },
  exceptionLeavers: { value: "students of vsv 2020 who neither become vsv'er nor stay (raking share not needed in vsv 2021) leave mbo without counting as vsv (DUO's exceptions: abroad, newcomer, level-1 diploma with work; 30 % of level-4 leavers go to hbo)", reason: "keeps the vsv 2021 margins reachable" },
  doorstroomMechanics: { value: "doorstroom = 1: level 4 -> hbo next year; level 1-3 -> the next level in the same institution and location (level 2 -> 4 for 20 %). doorstroom = 0: 85 % leave, 15 % (levels 2-4) re-enrol at the same level", reason: "3a 2.3: enrolled at a higher level, mbo or hbo, in t + 1" },
  excludedRecords: { value: "per schooljaar 2019 and 2020: examenkandidaten 2 %, missing migration background 0.5 %, missing gender 0.1 %, aged 26-34 with a diploma 1.5 %, aged 13 0.1 %, unknown location 0.3 % (shares of the frame sizes, at least 2 each; half with a diploma, half without)", reason: "so that every selection of 3a 3.2 removes records" },
  schoolSizes: { value: "institution size ~ lognormal(0, 0.9^2); every institution has one location, the other locations go to institutions in proportion to size; location size ~ lognormal(0, 0.7^2)", reason: "a few large regional colleges, many small specialist ones" },
  programmeLength: { value: "years up to the diploma: niveau 1: 1; niveau 2: 2 (70 %) or 1; niveau 3: 3 (60 %) or 2; niveau 4: 3 (50 %), 4 (40 %) or 2", reason: "nominal mbo programme lengths with some variation" },
  earlierDiploma: { value: "of the diploma students at niveau 2+ who are not in the 2019 startpopulatie, 25 % of the reference background (geen migratie-achtergrond, ouders max vmbo kader) hold a lower-level diploma from just before their programme, the others with the odds ratios of the background terms of model 1a of doorstroom 2020 (careers.ts earlierDiplomaProbability)", reason: "doorstroom within mbo in the years before the data window; a flat share turned the background gap of 2018-2019 around once the frames put students with a migration background more often at levels 1-2, where no lower diploma can precede" },
  earlierCareers: { value: "careers wholly in 2015-2018: last year 2015/16/17/18 with P 0.25 each, programme length (+1 year for 50 %); 72 % diploma (careers.ts EARLIER_DIPLOMA_SHARE), who leaves without one drawn from the vsv propensity of model 2 of 2020 with model 1a's background terms (intercept solved for the share); outcomes as in earlierOutcomes", reason: "fills the years before the location data (about 330k-480k enrolled a year in 2015-2018 at scale 1, 550k-590k in 2019-2021); these years feed only the 3a 3.1 descriptives" },
  earlierOutcomes: {
    value: "the outcomes of the careers wholly in 2015-2018 are calibrated per schooljaar t so that the 3a 3.1 rates of 2016-2019 equal the mean published rate of 2020 and 2021 (doorstroom among the diplomas of t, vsv among the startpopulatie of t), counting the earlier years of the 2019-2021 careers as they are: level-4 diploma leavers go to hbo with share hboShare (t = 2018: as many as the doorstroom rate needs, at most 0.9); a share of the students at level 2+ had a lower-level diploma in the year before their programme (t <= 2017), solved per year; of the leavers without a diploma in the startpopulatie, as many as the vsv rate needs leave as vsv'er, the others as a DUO exception. Who gets the event is drawn from the propensity of the published model 2 of 2020 (fixed part; intercept solved for the share) with the background terms of model 1a (the gross gaps: these careers' events are tied to their level and year, not drawn by the frames' level and age composition), so the background gaps point as in 2020-2021",
    hboShare: 0.5,
    reason: "nothing is published for 2016-2019 by background; uncalibrated careers gave doorstroom about 0.27 and vsv 0.03-0.05 with flat or reversed gaps, which the yearly figure would show as a break at 2020. In 2018 nobody can continue in mbo in 2019 without entering the calibrated 2019 frames, so that year's doorstroom rests on hbo and the 2019 students' earlier diplomas",
  },
  intake2021: { value: "36 % of the vsv 2021 size, vsv 2021 margins with ages 14-21 weighted 0.10/0.30/0.30/0.15/0.08/0.04/0.02/0.01", reason: "first-year students of schooljaar 2021 (they are in no frame)" },
  diplomaIn2021: { value: "vsv 2021 non-leavers obtain a diploma in 2021 with P 0.6/0.4/0.3/0.25 at niveau 1-4", reason: "careers continue after the last frame year" },
  referenceCitoYearEvent: {
    value: "in every frame the outcomes of the students with a 2009 cito score (the reference cito year, cito not missing) are drawn from model 2 conditionally on at least one event (vsv'er or doorstroom) among them: a draw that has one is kept, otherwise the group is redrawn from the conditional law (first event at position k with probability prod_{j<k}(1 - p_j) p_k / P(at least one))",
    reason: "in vsv 2021 the group is tiny (Tabel 4 prints .000; about 100 students at scale 1, 5 at scale 0.05) with about one expected vsv'er, and Tabel 8's SE of 1.01 for the intercept and every cito year (about 1/sqrt(events)) implies the real group held roughly one. Without an event the intercept of models 1c and 2 runs off to minus infinity (quasi-separation) and the fit cannot converge; at scale 1 that happened in about a third of the seeds. In the other frames the group is 1.7-3.2 % of the students and the condition practically never binds",
  },
  populationSize: { value: 1_360_000, reason: "about 1.36 million students over 2015-2021 (issue 2); students whose career lies wholly in 2015-2018 fill the total" },
} as const;

export interface FrameDiagnostics {
  readonly n: number;
  readonly continuing: number;
  readonly drawnNew: number;
  /** Students by which the continuing ones overfilled a category (the gap could not absorb it). */
  readonly overfill: Readonly<Record<string, number>>;
  readonly outcome: OutcomeReport;
  readonly ipfError: number;
}

export interface GeneratedPopulation {
  readonly pop: Population;
  readonly schools: Schools;
  readonly parameters: SyntheticParameters;
  readonly crebos: CreboTable;
  readonly frames: Readonly<Record<FrameKey, FrameRecords>>;
  readonly targets: Readonly<Record<FrameKey, FrameTarget>>;
  readonly truths: Readonly<Record<FrameKey, ModelTruth>>;
  readonly effects: Readonly<Record<FrameKey, RandomEffects>>;
  readonly diagnostics: Readonly<Record<FrameKey, FrameDiagnostics>>;
  readonly counts: Readonly<Record<string, number>>;
}

const STREAM = {
  schools: 1,
  frames2019: 2,
  effects: 3,
  outcomes: 4,
  careers2020: 5,
  frames2020: 6,
  careers2021: 7,
  backfill: 8,
  extras: 9,
  filler: 10,
  keyedRecords: 20,
  keyedCito: 21,
  keyedCareers: 22,
  keyedIntake: 23,
  keyedPlacement: 30,
  keyedOutcomes: 40,
};

/**
 * First record key of each draw (prng.ts KeyedRandom): the frames' own records and the fresh 2020
 * students of the 2021 frames; continuing students keep the key of their 2019 record. At most
 * 10 million records per draw (scale <= 4).
 */
const KEY_BASE: Readonly<Record<FrameKey, number>> = { doorstroom2020: 0, vsv2020: 10_000_000, doorstroom2021: 20_000_000, vsv2021: 30_000_000 };
const INTAKE_KEY_BASE = 40_000_000;

/**
 * The students with a cito score from 2009, the reference cito year (CHOICES.referenceCitoYearEvent):
 * their outcomes are drawn conditionally on at least one event.
 */
function referenceCitoYear(rec: FrameRecords): Uint8Array {
  const g = new Uint8Array(rec.n);
  const cc = rec.dims[DIM.citocat];
  for (let r = 0; r < rec.n; r++) g[r] = cc[r] === 1 ? 1 : 0;
  return g;
}

/** Published counts times the scale, at least 1. */
function scaled(n: number, scale: number): number {
  return Math.max(1, Math.round(n * scale));
}

function countsFromShares(target: FrameTarget, n: number): Float64Array[] {
  return DIM_NAMES.map((d) => Float64Array.from(target.margins[d], (p) => p * n));
}

/**
 * Steps 1-2 of the construction: the four analysis frames with their outcomes (schooljaar 2019 and
 * 2020), and the population of careers so far. This is all a calibration needs (src/calibration/); the
 * later steps only add what the frames do not see.
 */
export interface SyntheticFrames {
  readonly seed: number;
  readonly scale: number;
  readonly parameters: SyntheticParameters;
  readonly pop: Population;
  readonly schools: Schools;
  readonly crebos: CreboTable;
  readonly frames: Readonly<Record<FrameKey, FrameRecords>>;
  readonly targets: Readonly<Record<FrameKey, FrameTarget>>;
  readonly truths: Readonly<Record<FrameKey, ModelTruth>>;
  readonly effects: Readonly<Record<FrameKey, RandomEffects>>;
  readonly diagnostics: Readonly<Record<FrameKey, FrameDiagnostics>>;
  /** Students per frame (published N times the scale). */
  readonly sizes: Readonly<Record<FrameKey, number>>;
  /** vsv 2020 students who left in 2020 without counting as vsv'er. */
  readonly exceptionLeavers: number;
}

export function generateAnalysisFrames(opts: GenerateOptions): SyntheticFrames {
  const { seed, scale } = opts;
  if (!(scale > 0) || !Number.isFinite(scale)) throw new Error(`scale must be a positive number, got ${scale}`);
  if (!Number.isInteger(seed)) throw new Error(`seed must be an integer, got ${seed}`);
  const params = opts.parameters ?? calibratedParameters();
  const progress = opts.onProgress ?? (() => undefined);
  const targets = frameTargets();
  const truths = modelTruths();
  const schools = makeSchools(new Xoshiro128(seed, STREAM.schools), CHOICES.nInstitutions.value, CHOICES.nLocations.value);
  const crebos = makeCreboTable();
  const pop = new Population(Math.ceil(CHOICES.populationSize.value * scale * 1.1) + 1000);
  const N = {} as Record<FrameKey, number>;
  for (const k of Object.keys(FRAMES) as FrameKey[]) N[k] = scaled(targets[k].n, scale);

  // Random effects: balanced draws per outcome, shared by its two years (correlated), with the published
  // model-2 SDs and the calibrated relations to composition.
  const rngFx = new Xoshiro128(seed, STREAM.effects);
  const effects = {} as Record<FrameKey, RandomEffects>;
  const u = urbanity(schools, params);
  for (const outcome of ["doorstroom", "vsv"] as const) {
    const scalesOf = (key: FrameKey) => ({ locationSd: truths[key].locationSd, slopeSd: truths[key].slopeSd, institutionSd: truths[key].institutionSd });
    const fx = drawOutcomeEffects(
      rngFx,
      u,
      schools.latent.level,
      schools.latent.institutionUrbanity,
      { 2020: scalesOf(`${outcome}2020`), 2021: scalesOf(`${outcome}2021`) },
      effectParameters(params, outcome),
      CHOICES.yearCorrelation.value,
    );
    effects[`${outcome}2020`] = fx[2020];
    effects[`${outcome}2021`] = fx[2021];
  }
  const placements = {} as Record<FrameKey, Placement>;
  for (const key of FRAME_KEYS) {
    const outcome = FRAMES[key].outcome as "doorstroom" | "vsv";
    placements[key] = new Placement(
      schools,
      params,
      truths[key].publishedLocations,
      outcome === "vsv" ? params.startpopulatieSpread : 1,
      riskSorting(params, outcome, truths[key].beta, targets[key].margins),
    );
  }
  // Keyed random numbers (common random numbers record by record, prng.ts KeyedRandom) for every draw
  // that decides a frame record; the sequential generators only for what no frame sees.
  const keyed = {
    records: new KeyedRandom(seed, STREAM.keyedRecords),
    cito: new KeyedRandom(seed, STREAM.keyedCito),
    careers: new KeyedRandom(seed, STREAM.keyedCareers),
    placement: (key: FrameKey) => new KeyedRandom(seed, STREAM.keyedPlacement + FRAME_KEYS.indexOf(key)),
    outcome: (key: FrameKey) => new KeyedRandom(seed, STREAM.keyedOutcomes + FRAME_KEYS.indexOf(key)),
  };
  const rngOut = new Xoshiro128(seed, STREAM.outcomes);
  const frames = {} as Record<FrameKey, FrameRecords>;
  const diagnostics = {} as Record<FrameKey, FrameDiagnostics>;

  // ---- 1. schooljaar 2019 -------------------------------------------------------------------------
  const rng19 = new Xoshiro128(seed, STREAM.frames2019);
  for (const key of ["doorstroom2020", "vsv2020"] as const) {
    const tg = targets[key];
    const { records, report } = drawRecords(keyed.records, KEY_BASE[key], 2019, N[key], countsFromShares(tg, N[key]), params);
    drawCito(keyed.cito, records, 0, 2019, tg.citoObservedMean, tg.citoObservedSd, params);
    placements[key].place(keyed.placement(key), records, 0);
    effects[key] = centreSlopesByPrecision(effects[key], records, truths[key].beta, schools.institutionOf, tg.rate, truths[key].slopeSd);
    const outcome = drawOutcomes(keyed.outcome(key), rngOut, records, truths[key].beta, effects[key], schools.institutionOf, tg.rate, referenceCitoYear(records));
    frames[key] = records;
    diagnostics[key] = { n: records.n, continuing: 0, drawnNew: records.n, overfill: {}, outcome, ipfError: report.ipfError };
    for (let r = 0; r < records.n; r++) {
      const i = pop.add();
      records.student[r] = i;
      setTimeInvariant(pop, i, records, r);
      const niveau = records.dims[DIM.niveau][r] + 1;
      const crebo = crebos.pick(rng19, niveau, records.dims[DIM.sector][r]);
      pop.enrol(i, 2019, crebo, schools.institutionOf[records.loc[r]], records.loc[r], records.dims[DIM.leerweg][r], 14 + records.dims[DIM.leeftijd][r]);
      if (key === "doorstroom2020") pop.setDiploma(i, 2019, niveau);
      else pop.vsvNew[pop.slot(i, 2019)] = records.y[r];
    }
    progress(`schooljaar 2019: ${key} ${records.n} students`);
  }

  // ---- 2. schooljaar 2020 -------------------------------------------------------------------------
  const rng20 = new Xoshiro128(seed, STREAM.careers2020);
  const d20 = frames.doorstroom2020;
  const v20 = frames.vsv2020;
  // Candidates for doorstroom 2021 (diploma in 2020) among students enrolled in 2019 and still in 2020.
  const candA = allocRecords(v20.n + d20.n);
  const origin = new Uint8Array(candA.n); // 0 = vsv 2020 stayer, 1 = level-1 doorstroomer, 2 = level 2-3 doorstroomer
  let nA = 0;
  const copyRecord = (from: FrameRecords, r: number, to: FrameRecords, q: number): void => {
    for (let d = 0; d < DIM_SIZES.length; d++) to.dims[d][q] = from.dims[d][r];
    to.cito[q] = from.cito[r];
    to.toetsScore[q] = from.toetsScore[r];
    to.toetsJaar[q] = from.toetsJaar[r];
    to.student[q] = from.student[r];
    to.key[q] = from.key[r];
    to.loc[q] = from.loc[r];
  };
  // Draws of step 2 that decide frame records, keyed by the record (draw numbers 0-5 of its key).
  const u20 = (rec: FrameRecords, r: number, k: number): number => keyed.careers.uniform(rec.key[r], k);
  for (let r = 0; r < v20.n; r++) {
    if (v20.y[r] === 1) continue; // new vsv'er: not enrolled in 2020
    copyRecord(v20, r, candA, nA);
    candA.dims[DIM.leeftijd][nA]++;
    origin[nA++] = 0;
  }
  for (let r = 0; r < d20.n; r++) {
    const i = d20.student[r];
    const niv = d20.dims[DIM.niveau][r];
    if (d20.y[r] === 1) {
      if (niv === 3) {
        pop.ho[pop.slot(i, 2020)] = 1;
        if (u20(d20, r, 0) < 0.85) pop.ho[pop.slot(i, 2021)] = 1;
        continue;
      }
      const up = niv === 1 && u20(d20, r, 1) < 0.2 ? 2 : 1;
      if (d20.dims[DIM.leeftijd][r] >= 11) {
        // 26 in 2020: enrolled at the higher level, but too old for any 2021 frame.
        const l = d20.loc[r];
        const sec = niv === 0 ? categoryAt(u20(d20, r, 2), targets.vsv2021.margins.sector) : d20.dims[DIM.sector][r];
        pop.enrol(i, 2020, crebos.pick(rng20, niv + up + 1, sec), schools.institutionOf[l], l, d20.dims[DIM.leerweg][r], 26);
        continue;
      }
      copyRecord(d20, r, candA, nA);
      candA.dims[DIM.niveau][nA] = niv + up;
      if (niv === 0) candA.dims[DIM.sector][nA] = categoryAt(u20(d20, r, 2), targets.vsv2021.margins.sector);
      candA.dims[DIM.leeftijd][nA]++;
      origin[nA++] = niv === 0 ? 1 : 2;
    } else if (niv >= 1 && u20(d20, r, 3) < 0.15) {
      const i2 = d20.student[r];
      const c = crebos.sibling(rng20, pop.crebo[pop.slot(i2, 2019)]);
      const l = d20.loc[r];
      pop.enrol(i2, 2020, c, schools.institutionOf[l], l, d20.dims[DIM.leerweg][r], 15 + d20.dims[DIM.leeftijd][r]);
    }
  }
  candA.n = nA;
  // Rake the candidates into doorstroom 2021 (a fixed share of its published margins).
  const tD21 = targets.doorstroom2021;
  const nD21cont = CHOICES.continuingShareDoorstroom2021.value * N.doorstroom2021;
  const pD = rakeSelection(
    candA.dims.map((c) => c.subarray(0, nA)),
    nA,
    countsFromShares(tD21, nD21cont),
    25,
  );
  // Exactly the planned number continues (Pareto order sampling on the raked probabilities), so the
  // number of new students below, and with it their draw, does not move with the parameters.
  const inD21 = paretoSample(pD, (q) => u20(candA, q, 4), Math.round(nD21cont));
  // Candidates for vsv 2021: vsv 2020 stayers not in doorstroom 2021 and at most 21 in 2020; level-1
  // doorstroomers (no startkwalificatie yet) are in it whenever they are young enough.
  const forced: number[] = [];
  const candB: number[] = [];
  for (let q = 0; q < nA; q++) {
    if (inD21[q]) continue;
    if (candA.dims[DIM.leeftijd][q] > 7) continue;
    if (origin[q] === 1) forced.push(q);
    else if (origin[q] === 0) candB.push(q);
  }
  const tV21 = targets.vsv2021;
  const nV21cont = CHOICES.continuingShareVsv2021.value * N.vsv2021;
  const vTargets = countsFromShares(tV21, nV21cont);
  for (const q of forced) for (let d = 0; d < DIM_SIZES.length; d++) vTargets[d][candA.dims[d][q]] -= 1;
  for (const t of vTargets) for (let c = 0; c < t.length; c++) t[c] = Math.max(0, t[c]);
  const candBRec = allocRecords(candB.length);
  candB.forEach((q, k) => copyRecord(candA, q, candBRec, k));
  const pV = rakeSelection(candBRec.dims, candB.length, vTargets, 25);
  const inV21 = new Uint8Array(nA);
  for (const q of forced) inV21[q] = 1;
  const pickB = paretoSample(pV, (k) => u20(candA, candB[k], 5), Math.round(nV21cont) - forced.length);
  candB.forEach((q, k) => (inV21[q] = pickB[k]));
  // Enrolment in 2020 of every candidate, by destination.
  let exceptionLeavers = 0;
  for (let q = 0; q < nA; q++) {
    const i = candA.student[q];
    const niveau = candA.dims[DIM.niveau][q] + 1;
    const l = candA.loc[q];
    const age = 14 + candA.dims[DIM.leeftijd][q];
    const prev = pop.crebo[pop.slot(i, 2019)];
    const crebo = origin[q] === 0 ? prev : crebos.pick(rng20, niveau, candA.dims[DIM.sector][q]);
    if (origin[q] === 0 && !inD21[q] && !inV21[q] && age <= 21) {
      // Leaves mbo without becoming vsv'er (an exception of DUO's definition, or to hbo).
      exceptionLeavers++;
      if (niveau === 4 && rng20.uniform() < 0.3) pop.ho[pop.slot(i, 2020)] = 1;
      continue;
    }
    pop.enrol(i, 2020, crebo, schools.institutionOf[l], l, candA.dims[DIM.leerweg][q], age);
    if (inD21[q]) pop.setDiploma(i, 2020, niveau);
  }
  // Frames of 2020 = continuing + new students filling each margin's remaining gap.
  const rngF20 = new Xoshiro128(seed, STREAM.frames2020);
  for (const key of ["doorstroom2021", "vsv2021"] as const) {
    const tg = targets[key];
    const sel = key === "doorstroom2021" ? inD21 : inV21;
    const idx: number[] = [];
    for (let q = 0; q < nA; q++) if (sel[q]) idx.push(q);
    const cont = allocRecords(idx.length);
    idx.forEach((q, k) => copyRecord(candA, q, cont, k));
    const nNew = Math.max(0, N[key] - cont.n);
    const have = recordMargins(cont);
    const want = countsFromShares(tg, N[key]);
    const overfill: Record<string, number> = {};
    const gap = want.map((w, d) => {
      const g = new Float64Array(w.length);
      let over = 0;
      for (let c = 0; c < w.length; c++) {
        g[c] = Math.max(0, w[c] - have[d][c]);
        over += Math.max(0, have[d][c] - w[c]);
      }
      overfill[DIM_NAMES[d]] = Math.round(over);
      const s = g.reduce((a, b) => a + b, 0);
      if (s > 0) for (let c = 0; c < g.length; c++) g[c] *= nNew / s;
      return g;
    });
    const { records: fresh, report } = drawRecords(keyed.records, KEY_BASE[key], 2020, nNew, gap, params);
    drawCito(keyed.cito, fresh, 0, 2020, tg.citoObservedMean, tg.citoObservedSd, params);
    placements[key].place(keyed.placement(key), fresh, 0);
    for (let r = 0; r < fresh.n; r++) {
      const i = pop.add();
      fresh.student[r] = i;
      setTimeInvariant(pop, i, fresh, r);
      const niveau = fresh.dims[DIM.niveau][r] + 1;
      const crebo = crebos.pick(rngF20, niveau, fresh.dims[DIM.sector][r]);
      const inst = schools.institutionOf[fresh.loc[r]];
      const age = 14 + fresh.dims[DIM.leeftijd][r];
      pop.enrol(i, 2020, crebo, inst, fresh.loc[r], fresh.dims[DIM.leerweg][r], age);
      if (key === "doorstroom2021") {
        pop.setDiploma(i, 2020, niveau);
        // Older diploma students were enrolled in 2019 too (then 22 or older: not in the startpopulatie).
        if (age >= 23) pop.enrol(i, 2019, crebo, inst, fresh.loc[r], fresh.dims[DIM.leerweg][r], age - 1);
      }
    }
    const all = concatRecords(cont, fresh);
    effects[key] = centreSlopesByPrecision(effects[key], all, truths[key].beta, schools.institutionOf, tg.rate, truths[key].slopeSd);
    const outcome = drawOutcomes(keyed.outcome(key), rngOut, all, truths[key].beta, effects[key], schools.institutionOf, tg.rate, referenceCitoYear(all));
    frames[key] = all;
    diagnostics[key] = { n: all.n, continuing: cont.n, drawnNew: fresh.n, overfill, outcome, ipfError: report.ipfError };
    if (key === "vsv2021") for (let r = 0; r < all.n; r++) pop.vsvNew[pop.slot(all.student[r], 2020)] = all.y[r];
    progress(`schooljaar 2020: ${key} ${all.n} students (${cont.n} continuing, ${fresh.n} new)`);
  }

  return { seed, scale, parameters: params, pop, schools, crebos, frames, targets, truths, effects, diagnostics, sizes: N, exceptionLeavers };
}

export function generatePopulation(opts: GenerateOptions): GeneratedPopulation {
  const stage = generateAnalysisFrames(opts);
  const { seed, scale, parameters: params, pop, schools, crebos, frames, targets, truths, effects, diagnostics, sizes: N, exceptionLeavers } = stage;
  const progress = opts.onProgress ?? (() => undefined);
  // ---- 3. schooljaar 2021 -------------------------------------------------------------------------
  const rng21 = new Xoshiro128(seed, STREAM.careers2021);
  const d21 = frames.doorstroom2021;
  for (let r = 0; r < d21.n; r++) {
    const i = d21.student[r];
    const s20 = pop.slot(i, 2020);
    const niv = d21.dims[DIM.niveau][r] + 1;
    const l = pop.locatie[s20];
    if (d21.y[r] === 1) {
      if (niv === 4) pop.ho[pop.slot(i, 2021)] = 1;
      else {
        const up = niv === 2 && rng21.uniform() < 0.2 ? 2 : 1;
        const c = crebos.pick(rng21, niv + up, d21.dims[DIM.sector][r] === 3 && niv === 1 ? drawCategory(rng21, targets.vsv2021.margins.sector) : d21.dims[DIM.sector][r]);
        pop.enrol(i, 2021, c, pop.instelling[s20], l, pop.leerweg[s20], pop.leeftijd[s20] + 1);
      }
    } else if (niv >= 2 && rng21.uniform() < 0.15) {
      pop.enrol(i, 2021, crebos.sibling(rng21, pop.crebo[s20]), pop.instelling[s20], l, pop.leerweg[s20], pop.leeftijd[s20] + 1);
    }
  }
  const v21 = frames.vsv2021;
  for (let r = 0; r < v21.n; r++) {
    if (v21.y[r] === 1) continue;
    const i = v21.student[r];
    const s20 = pop.slot(i, 2020);
    pop.enrol(i, 2021, pop.crebo[s20], pop.instelling[s20], pop.locatie[s20], pop.leerweg[s20], pop.leeftijd[s20] + 1);
    const niv = v21.dims[DIM.niveau][r] + 1;
    if (rng21.uniform() < [0.6, 0.4, 0.3, 0.25][niv - 1]) pop.setDiploma(i, 2021, niv);
  }
  // Students enrolled in 2020 outside the 2021 frames (same-level re-enrolment, level-up without diploma,
  // aged 22) mostly continue in 2021.
  const inFrame21 = new Uint8Array(pop.n);
  for (const r of [d21, v21]) for (let k = 0; k < r.n; k++) inFrame21[r.student[k]] = 1;
  for (let i = 0; i < pop.n; i++) {
    if (inFrame21[i] || !pop.enrolled(i, 2020)) continue;
    if (rng21.uniform() < 0.65) {
      const s20 = pop.slot(i, 2020);
      pop.enrol(i, 2021, pop.crebo[s20], pop.instelling[s20], pop.locatie[s20], pop.leerweg[s20], pop.leeftijd[s20] + 1);
    }
  }
  // The 2021 intake: first-year students drawn like the new students of vsv 2021.
  const nIntake = Math.round(0.36 * N.vsv2021);
  const keyedIntake = new KeyedRandom(seed, STREAM.keyedIntake);
  const intake = drawRecords(keyedIntake, INTAKE_KEY_BASE, 2021, nIntake, intakeMargins(targets.vsv2021, nIntake), params).records;
  drawCito(keyedIntake, intake, 0, 2021, targets.vsv2021.citoObservedMean, targets.vsv2021.citoObservedSd, params);
  new Placement(schools, params, truths.vsv2021.publishedLocations, params.startpopulatieSpread, riskSorting(params, "vsv", truths.vsv2021.beta, targets.vsv2021.margins)).place(keyedIntake, intake, 0);
  for (let r = 0; r < intake.n; r++) {
    const i = pop.add();
    setTimeInvariant(pop, i, intake, r);
    const c = crebos.pick(rng21, intake.dims[DIM.niveau][r] + 1, intake.dims[DIM.sector][r]);
    pop.enrol(i, 2021, c, schools.institutionOf[intake.loc[r]], intake.loc[r], intake.dims[DIM.leerweg][r], 14 + intake.dims[DIM.leeftijd][r]);
  }
  progress(`schooljaar 2021: intake ${nIntake}`);

  // ---- 4. schooljaar 2015-2018 --------------------------------------------------------------------
  const rngB = new Xoshiro128(seed, STREAM.backfill);
  const nCareers = pop.n;
  const grossDoorstroom = withGrossBackground(truths.doorstroom2020);
  for (let i = 0; i < nCareers; i++) backfill(rngB, pop, crebos, i, grossDoorstroom);
  // ---- 5. records the selections remove -----------------------------------------------------------
  const rngX = new Xoshiro128(seed, STREAM.extras);
  const excluded = addExcludedRecords(rngX, pop, crebos, schools, targets, N);
  // ---- 4b. careers wholly before 2019 -------------------------------------------------------------
  const rngFill = new Xoshiro128(seed, STREAM.filler);
  const nFill = Math.max(0, Math.round(CHOICES.populationSize.value * scale) - pop.n);
  addEarlierCareers(rngFill, pop, crebos, schools, targets.vsv2020, nFill, {
    doorstroomBeta: grossDoorstroom,
    vsvBeta: withGrossBackground(truths.vsv2020),
    doorstroomRate: 0.5 * (targets.doorstroom2020.rate + targets.doorstroom2021.rate),
    vsvRate: 0.5 * (targets.vsv2020.rate + targets.vsv2021.rate),
    hboShare: CHOICES.earlierOutcomes.hboShare,
  }, params);
  progress(`careers: ${pop.n} students in total`);

  return {
    pop,
    schools,
    parameters: params,
    crebos,
    frames,
    targets,
    truths,
    effects,
    diagnostics,
    counts: { students: pop.n, exceptionLeavers, intake2021: nIntake, earlierCareers: nFill, ...excluded },
  };
}
