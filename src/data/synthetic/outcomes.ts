/**
 * Outcomes from the published model 2 (Tabel 5-8) as the data-generating process:
 *
 *   logit P(y_i = 1) = x_i' beta + b0_l + b1_l * niet_westers_i + v_j,
 *   (b0_l, b1_l) ~ N(0, [[s0^2, rho s0 s1], [rho s0 s1, s1^2]])   per location l,
 *   v_j ~ N(0, sI^2)                                               per institution j,
 *
 * with location l nested in institution j (drawOutcomeEffects: realised effects with exactly these
 * variances, and the calibrated relations to composition; centreSlopesByPrecision: the slopes shifted
 * per frame so that their mean under model 2's precision weights is 0). The intercept is then recalibrated so that the expected
 * outcome rate in the frame equals the published rate (the published intercept is conditional on the
 * published covariate distribution, which the synthetic one matches only in its margins).
 */
import { balance, balancedNormal, combine } from "./balanced";
import { DIM, type DimName } from "./coding";
import type { FrameRecords } from "./frameDraw";
import type { KeyedRandom, Xoshiro128 } from "./prng";

export interface RandomEffects {
  /** Location intercept b0_l and slope b1_l. */
  readonly intercept: Float64Array;
  readonly slope: Float64Array;
  readonly institution: Float64Array;
  /**
   * The constant subtracted from every slope so that their mean under model 2's precision weights is 0
   * (centreSlopesByPrecision); 0 before centring.
   */
  readonly slopeShift: number;
}

/** The published SDs of one frame's model 2 (Tabel 5-8), which the realised effects get exactly. */
export interface EffectScales {
  readonly locationSd: number;
  readonly slopeSd: number;
  readonly institutionSd: number;
}

/** How one outcome's effects relate to each other and to composition (calibrated, parameters.ts). */
export interface EffectStructure {
  /** corr(b0_l, b1_l). */
  readonly rho: number;
  /** Partial correlation of b1_l with urbanity given b0_l. */
  readonly slopeUrbanity: number;
  /** corr(v_j, U_j), the institution effect with the institution's urbanity. */
  readonly institutionUrbanity: number;
}

/**
 * The random effects of one outcome in 2020 and 2021, from balanced draws (balanced.ts), so that over the
 * locations and institutions every realised variance and correlation is exactly the one asked for:
 *
 *   b0_l = s0 z0_l,
 *   b1_l = s1 [rho z0_l + sqrt(1 - rho^2) (lambda u_l + sqrt(1 - lambda^2) e1_l)],
 *   v_j  = sI [kappa U_j + sqrt(1 - kappa^2) w_j],
 *
 * with u the location's urbanity, U_j the institution's; z0, e1 and w balanced and orthogonal to
 * everything they are combined with, and z0 also to the level orientation: the location intercepts are
 * unrelated to composition. (An intercept correlated with composition, a contextual effect, would make
 * model 0's variance easy to reach but bias every fixed effect that varies between locations, so model
 * 2 would no longer recover its truth.) In 2021 each score is r x_2020 + sqrt(1 - r^2) x_new (r =
 * yearCorrelation: a school that does well in 2020 tends to do well in 2021).
 */
export function drawOutcomeEffects(
  rng: Xoshiro128,
  urbanityOfLocation: Float64Array,
  levelOrientation: Float64Array,
  institutionUrbanity: Float64Array,
  scales: { readonly 2020: EffectScales; readonly 2021: EffectScales },
  structure: EffectStructure,
  yearCorrelation: number,
): { readonly 2020: RandomEffects; readonly 2021: RandomEffects } {
  const nLoc = urbanityOfLocation.length;
  const nInst = institutionUrbanity.length;
  const r = yearCorrelation;
  const rc = Math.sqrt(1 - r * r);
  const { rho, slopeUrbanity: lambda, institutionUrbanity: kappa } = structure;
  const u = balance(Float64Array.from(urbanityOfLocation));
  const fixed = [u, balance(Float64Array.from(levelOrientation))];
  const z0a = balancedNormal(rng, nLoc, fixed);
  const e1a = balancedNormal(rng, nLoc, [...fixed, z0a]);
  const z0b = combine(r, z0a, rc, balancedNormal(rng, nLoc, [...fixed, z0a, e1a]));
  const e1b = combine(r, e1a, rc, balancedNormal(rng, nLoc, [...fixed, z0a, e1a, z0b]));
  const U = balance(Float64Array.from(institutionUrbanity));
  const wa = balancedNormal(rng, nInst, [U]);
  const wb = combine(r, wa, rc, balancedNormal(rng, nInst, [U, wa]));
  const make = (z0: Float64Array, e1: Float64Array, w: Float64Array, sc: EffectScales): RandomEffects => {
    const intercept = new Float64Array(nLoc);
    const slope = new Float64Array(nLoc);
    const a = Math.sqrt(1 - rho * rho);
    const b = Math.sqrt(1 - lambda * lambda);
    for (let l = 0; l < nLoc; l++) {
      intercept[l] = sc.locationSd * z0[l];
      slope[l] = sc.slopeSd * (rho * z0[l] + a * (lambda * u[l] + b * e1[l]));
    }
    const c = Math.sqrt(1 - kappa * kappa);
    const institution = Float64Array.from(w, (wj, j) => sc.institutionSd * (kappa * U[j] + c * wj));
    return { intercept, slope, institution, slopeShift: 0 };
  };
  return { 2020: make(z0a, e1a, wa, scales[2020]), 2021: make(z0b, e1b, wb, scales[2021]) };
}

/**
 * The precision weights with which model 2 averages the location slopes into its fixed non-western
 * effect, per location (0 for a location without non-western students):
 *
 *   w_l = 1 / (s1^2 + 1 / I_l) = I_l / (1 + s1^2 I_l),   I_l = sum_{i in l, nw_i = 1} p_i (1 - p_i),
 *
 * with s1 the slopes' SD and p_i the student's probability under the generating model (offset plus the
 * intercept calibrated to `rate`). Why these weights: in location l the non-western students' gap,
 * estimated from that location alone, has mean beta_nw + b1_l and, given b1_l, a sampling variance of
 * about 1 / I_l (the Fisher information of a log-odds shift among its non-western students; the location's
 * intercept is taken as known from its western students); over locations its variance is s1^2 + 1 / I_l.
 * The GLMM's estimating equation for beta_nw (with the variance components at their values) weights
 * these local gaps by the inverse of that variance, so
 *
 *   E[beta_nw_hat] ~ beta_nw + sum_l w_l b1_l / sum_l w_l.
 *
 * The two limits: s1 -> 0 gives w_l -> I_l (the slopes averaged over the non-western students, each by
 * p (1 - p)); s1^2 I_l >> 1 gives w_l -> 1 / s1^2 (the plain mean over locations with non-western students).
 */
export function slopePrecisionWeights(
  re: RandomEffects,
  rec: FrameRecords,
  beta: Float64Array,
  institutionOf: Int16Array,
  rate: number,
  slopeSd: number,
): Float64Array {
  const offset = linearPredictorWithoutIntercept(rec, beta, re, institutionOf);
  const b = rec.n > 0 ? calibrateIntercept(offset, rate, beta[0]) : beta[0];
  const mig = rec.dims[DIM.migratie];
  const info = new Float64Array(re.slope.length);
  for (let i = 0; i < rec.n; i++) {
    if (mig[i] !== 1) continue;
    const p = sigmoid(b + offset[i]);
    info[rec.loc[i]] += p * (1 - p);
  }
  const s2 = slopeSd * slopeSd;
  return Float64Array.from(info, (I) => I / (1 + s2 * I));
}

/**
 * The effects with every location slope shifted by one constant m so that model 2's fixed non-western
 * effect stays the published coefficient:
 *
 *   b1_l <- b1_l - m,   m = sum_l w_l b1_l / sum_l w_l   (w_l: slopePrecisionWeights),
 *
 * so that sum_l w_l b1_l = 0 and the bias term of the estimating equation (slopePrecisionWeights)
 * vanishes. Why a shift is needed: the slopes may depend on urbanity (slopeUrbanity) and urbanity sorts
 * non-western students (urbanitySorting), so the slopes need not average 0 where the non-western
 * students are, and model 2 would come back biased by the weighted mean. The weights depend on p, which
 * moves with the shift (through the non-western students' probabilities and the recalibrated intercept),
 * so m is found by fixed-point iteration (until the further shift is below 1e-12, at most 20 passes; a
 * shift moves the weights only through p (1 - p), so the passes after the first move m little).
 * Centring on the plain mean over the non-western students (w_l = their count in l, the limit s1 -> 0
 * with equal p) overshoots: with s1 = 0.24 and 200 non-western students at p near 0.4 in a city
 * location, s1^2 I_l = 0.0576 x 48 = 2.8, so such a location counts far less than its students.
 * The slopes' variance over locations is unchanged; the total shift is recorded (slopeShift, truth.json).
 */
export function centreSlopesByPrecision(
  re: RandomEffects,
  rec: FrameRecords,
  beta: Float64Array,
  institutionOf: Int16Array,
  rate: number,
  slopeSd: number,
): RandomEffects {
  let current = re;
  for (let pass = 0; pass < 20; pass++) {
    const w = slopePrecisionWeights(current, rec, beta, institutionOf, rate, slopeSd);
    let sw = 0;
    let swb = 0;
    for (let l = 0; l < w.length; l++) {
      sw += w[l];
      swb += w[l] * current.slope[l];
    }
    const m = sw > 0 ? swb / sw : 0;
    const slope = Float64Array.from(current.slope, (b) => b - m);
    current = { intercept: re.intercept, slope, institution: re.institution, slopeShift: current.slopeShift + m };
    if (Math.abs(m) < 1e-12) break;
  }
  return current;
}

/**
 * The linear predictor without the intercept: offset_i = x_i' beta (no intercept) + b0_l + b1_l nw_i + v_j,
 * l the record's location and j its institution.
 */
export function linearPredictorWithoutIntercept(rec: FrameRecords, beta: Float64Array, re: RandomEffects, institutionOf: Int16Array): Float64Array {
  const offset = fixedPartWithoutIntercept(rec, beta);
  const mig = rec.dims[DIM.migratie];
  for (let i = 0; i < rec.n; i++) {
    const l = rec.loc[i];
    offset[i] += re.intercept[l] + (mig[i] === 1 ? re.slope[l] : 0) + re.institution[institutionOf[l]];
  }
  return offset;
}

/**
 * x_i' beta without the intercept, in the coefficient order of targets.ts COEF_NAMES: migratie
 * (niet-westers, westers), ouders (hoger, onbekend), vrouw, leeftijd, niveau (1, 2, 4), sector (zorg_sport,
 * techniek_ict, overig), bbl, cito, cito_missing, citojaar (2010 ... >2014).
 */
export function fixedPartWithoutIntercept(rec: FrameRecords, beta: Float64Array): Float64Array {
  const out = new Float64Array(rec.n);
  const d = rec.dims;
  const niveauCoef = [beta[7], beta[8], 0, beta[9]];
  const sectorCoef = [0, beta[10], beta[11], beta[12]];
  const citojaarCoef = [0, 0, beta[16], beta[17], beta[18], beta[19], beta[20]];
  for (let i = 0; i < rec.n; i++) {
    const mig = d[DIM.migratie][i];
    const ou = d[DIM.ouders][i];
    const cc = d[DIM.citocat][i];
    out[i] =
      (mig === 1 ? beta[1] : mig === 2 ? beta[2] : 0) +
      (ou === 1 ? beta[3] : ou === 2 ? beta[4] : 0) +
      (d[DIM.geslacht][i] === 1 ? beta[5] : 0) +
      beta[6] * d[DIM.leeftijd][i] +
      niveauCoef[d[DIM.niveau][i]] +
      sectorCoef[d[DIM.sector][i]] +
      (d[DIM.leerweg][i] === 1 ? beta[13] : 0) +
      beta[14] * rec.cito[i] +
      (cc === 0 ? beta[15] : 0) +
      citojaarCoef[cc];
  }
  return out;
}

/** One-way shares per frame dimension, as in targets.ts FrameTarget.margins. */
export type FrameMargins = Readonly<Record<DimName, ArrayLike<number>>>;

/**
 * A student's log odds from the terms a placement sees (niveau, sector, leerweg, leeftijd 0-11 and
 * migratie; coding.ts codes), with model 2's coefficients in the order of fixedPartWithoutIntercept.
 */
export function programmeRisk(beta: Float64Array, niveau: number, sector: number, leerweg: number, migratie: number, age: number): number {
  const niveauCoef = niveau === 0 ? beta[7] : niveau === 1 ? beta[8] : niveau === 3 ? beta[9] : 0;
  const sectorCoef = sector === 0 ? 0 : beta[9 + sector];
  return niveauCoef + sectorCoef + (leerweg === 1 ? beta[13] : 0) + beta[6] * age + (migratie === 1 ? beta[1] : migratie === 2 ? beta[2] : 0);
}

/** The mean of programmeRisk under one-way margins (the risk is additive over the dimensions). */
export function meanProgrammeRisk(beta: Float64Array, margins: FrameMargins): number {
  const mean = (d: DimName, value: (c: number) => number): number => {
    const m = margins[d];
    let s = 0;
    let t = 0;
    for (let c = 0; c < m.length; c++) {
      s += m[c] * value(c);
      t += m[c];
    }
    return t > 0 ? s / t : 0;
  };
  return (
    mean("niveau", (c) => programmeRisk(beta, c, 0, 0, 0, 0)) +
    mean("sector", (c) => programmeRisk(beta, 2, c, 0, 0, 0)) +
    mean("leerweg", (c) => programmeRisk(beta, 2, 0, c, 0, 0)) +
    mean("leeftijd", (c) => beta[6] * c) +
    mean("migratie", (c) => programmeRisk(beta, 2, 0, 0, c, 0))
  );
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/**
 * The intercept b such that sum_i sigmoid(b + offset_i) = n * rate (Newton's method on a monotone,
 * convex-concave function; the derivative is sum_i p_i (1 - p_i)).
 */
export function calibrateIntercept(offset: Float64Array, rate: number, start: number): number {
  let b = start;
  const target = offset.length * rate;
  for (let iter = 0; iter < 100; iter++) {
    let s = 0;
    let ds = 0;
    for (let i = 0; i < offset.length; i++) {
      const p = sigmoid(b + offset[i]);
      s += p;
      ds += p * (1 - p);
    }
    const step = (s - target) / Math.max(ds, 1e-12);
    b -= Math.max(-2, Math.min(2, step));
    if (Math.abs(step) < 1e-10) break;
  }
  return b;
}

export interface OutcomeReport {
  readonly calibratedIntercept: number;
  readonly expectedRate: number;
  readonly realisedRate: number;
  /** The group whose outcomes are conditioned on at least one event (absent when none was asked for). */
  readonly eventGroup?: EventGroupReport;
}

export interface EventGroupReport {
  /** Records in the group. */
  readonly n: number;
  /** Expected events unconditionally: sum of p_i over the group. */
  readonly expectedEvents: number;
  /** Events realised after conditioning. */
  readonly events: number;
  /** True when the unconditional draw had no event and the group was redrawn from the conditional law. */
  readonly redrawn: boolean;
}

/**
 * Makes a draw y_1..y_K of independent Bernoulli(p_k) (the members of one group) a draw from the same law
 * conditioned on S = sum_k y_k >= 1. A draw that already has an event is kept; otherwise the group is
 * redrawn from the conditional law by the position F of its first event:
 *
 *   P(F = k | S >= 1) = [prod_{j<k} (1 - p_j)] p_k / (1 - prod_j (1 - p_j)),
 *
 * with y_j = 0 before F, y_F = 1 and y_j ~ Bernoulli(p_j) after F. Keeping an accepted draw and redrawing
 * a rejected one conditionally is exact: P(y) = P(y) + P(S = 0) P(y | S >= 1) ... = P(y | S >= 1) for every
 * y with S >= 1. The cumulative P(F <= k) = 1 - prod_{j<=k} (1 - p_j) is computed as -expm1(sum log1p(-p_j)),
 * so groups with p_j near 1e-3 lose no precision. Returns whether the group was redrawn.
 */
export function conditionOnEvent(rng: Xoshiro128, y: Uint8Array, members: Int32Array, p: Float64Array): boolean {
  if (members.length === 0) return false;
  for (let k = 0; k < members.length; k++) if (y[members[k]] === 1) return false;
  let logQ = 0;
  for (let k = 0; k < members.length; k++) logQ += Math.log1p(-p[k]);
  const total = -Math.expm1(logQ); // P(S >= 1)
  if (!(total > 0)) throw new Error("conditionOnEvent: every member has probability 0, no event is possible");
  const u = rng.uniform() * total;
  let partial = 0;
  let first = members.length - 1;
  for (let k = 0; k < members.length; k++) {
    partial += Math.log1p(-p[k]);
    if (u < -Math.expm1(partial)) {
      first = k;
      break;
    }
  }
  y[members[first]] = 1;
  for (let k = first + 1; k < members.length; k++) y[members[k]] = rng.uniform() < p[k] ? 1 : 0;
  return true;
}

/**
 * Draws y for every record: offset_i = x_i' beta (no intercept) + b0_l + b1_l nw_i + v_j, intercept
 * calibrated to `rate`, then y_i = [u_i < sigmoid(intercept + offset_i)] with u_i the keyed uniform of
 * the record (common random numbers: a record whose probability moves a little keeps its outcome). When `eventGroup` is given
 * (a 0/1 flag per record), the outcomes of the flagged records are drawn conditionally on at least one
 * event among them (conditionOnEvent; a non-empty group only).
 */
export function drawOutcomes(
  random: KeyedRandom,
  eventRng: Xoshiro128,
  rec: FrameRecords,
  beta: Float64Array,
  re: RandomEffects,
  institutionOf: Int16Array,
  rate: number,
  eventGroup?: Uint8Array,
): OutcomeReport {
  const offset = linearPredictorWithoutIntercept(rec, beta, re, institutionOf);
  const b = rec.n > 0 ? calibrateIntercept(offset, rate, beta[0]) : beta[0];
  let expected = 0;
  let realised = 0;
  for (let i = 0; i < rec.n; i++) {
    const p = sigmoid(b + offset[i]);
    expected += p;
    const y = random.uniform(rec.key[i]) < p ? 1 : 0;
    rec.y[i] = y;
    realised += y;
  }
  let group: EventGroupReport | undefined;
  if (eventGroup) {
    let k = 0;
    for (let i = 0; i < rec.n; i++) k += eventGroup[i];
    const members = new Int32Array(k);
    const p = new Float64Array(k);
    let expectedEvents = 0;
    k = 0;
    for (let i = 0; i < rec.n; i++) {
      if (!eventGroup[i]) continue;
      members[k] = i;
      p[k] = sigmoid(b + offset[i]);
      expectedEvents += p[k++];
    }
    const before = members.reduce((s, i) => s + rec.y[i], 0);
    const redrawn = conditionOnEvent(eventRng, rec.y, members, p);
    const events = members.reduce((s, i) => s + rec.y[i], 0);
    realised += events - before;
    group = { n: members.length, expectedEvents, events, redrawn };
  }
  return {
    calibratedIntercept: b,
    expectedRate: rec.n ? expected / rec.n : Number.NaN,
    realisedRate: rec.n ? realised / rec.n : Number.NaN,
    ...(group ? { eventGroup: group } : {}),
  };
}
