/**
 * Multiple imputation of the cito score (and its test year) of one analysis frame: m completed data
 * sets drawn from the posterior predictive distribution of the imputation model (imputation-model.ts).
 *
 * Schedule, as jomo's: one Gibbs chain (gibbs-sampler.ts) runs `burnIn` sweeps, then imputation l
 * (l = 1..m) is taken after `between` further sweeps from the chain's current draw of
 * (alpha, u, v, sigma^2). For each imputation:
 *   1. the missing test years from their cell model (test-year.ts), with fresh Dirichlet draws;
 *   2. the predicted mean mu_i = w_i' alpha + alpha_{year_i} + z_i' u_l + v_s of every row without a score;
 *   3. the score: "pmm" (default) the observed score of one of the 5 donors whose predicted mean (under
 *      the posterior mean of the second half of the burn-in) is closest to mu_i; "normal" mu_i + sigma e_i.
 *
 * Random numbers: the project's xoshiro128** generator (src/data/synthetic/prng.ts), the chain on stream
 * 0 of the seed and imputation l's own draws (years, donors, residuals) on stream l. The same seed gives
 * the same imputations, and the first m imputations of a run with more are the same as those of a run
 * with m (the chain is one sequence and imputation l only adds its own stream).
 */
import { Xoshiro128 } from "../data/synthetic/prng";
import type { ColumnTable } from "../model/types";
import { NestedNormalGibbs, type NestedNormalPrior } from "./gibbs-sampler";
import { CITO, CITOJAAR, type CitoImputationModel } from "./imputation-model";
import { PredictiveMeanMatcher, DEFAULT_DONORS } from "./pmm";
import { drawTestYears } from "./test-year";
import type { ImputedDistribution } from "./result";
import { summariseTrace, type TraceSummary } from "./trace";

export type ImputationDraw = "pmm" | "normal";

export interface CitoImputationOptions {
  /** Number of imputations (default 20; at least 2). */
  readonly m?: number;
  readonly seed?: number;
  /** Sweeps before the first imputation (default 1000). */
  readonly burnIn?: number;
  /** Sweeps between imputations (default 100). */
  readonly between?: number;
  readonly draw?: ImputationDraw;
  /** Donors for predictive mean matching (default 5, as mice). */
  readonly donors?: number;
  readonly prior?: NestedNormalPrior;
  readonly onProgress?: (message: string) => void;
}

export const DEFAULT_IMPUTATIONS = 20;
export const DEFAULT_SEED = 20240214;
export const DEFAULT_BURN_IN = 1000;
export const DEFAULT_BETWEEN = 100;

/** The sampler's parameters at the sweep an imputation was taken from. */
export interface ParameterDraw {
  readonly alpha: Float64Array;
  readonly sigma2: number;
  readonly psi: Float64Array;
  readonly tau2: number;
}

export interface ChainSummary {
  readonly burnIn: number;
  readonly between: number;
  readonly sweeps: number;
  /** Posterior summaries over the sweeps after the burn-in, one per parameter (alpha by name, sigma2, Psi entries, tau2). */
  readonly parameters: readonly TraceSummary[];
  readonly seconds: number;
}

export interface CitoImputations {
  readonly model: CitoImputationModel;
  readonly m: number;
  readonly seed: number;
  readonly draw: ImputationDraw;
  readonly donors: number;
  /** Imputed scores of model.missingRows, one array per imputation. */
  readonly cito: readonly Float64Array[];
  /** Imputed year category indices (into model.yearLevels) of model.missingRows, one array per imputation. */
  readonly year: readonly Int32Array[];
  /** The parameter draw each imputation used. */
  readonly parameters: readonly ParameterDraw[];
  readonly chain: ChainSummary;
  readonly seconds: number;
}

/** Names of the traced parameters: alpha by fixed-effect name, then sigma2, Psi's lower triangle, tau2. */
function traceNames(model: CitoImputationModel): string[] {
  const k = model.statistics.k;
  const terms = model.statistics.data.location.terms;
  const names = model.fixed.names.map((n) => `alpha:${n}`);
  names.push("sigma2");
  for (let a = 0; a < k; a++) for (let b = 0; b <= a; b++) names.push(a === b ? `psi:${terms[a]}` : `psi:${terms[a]},${terms[b]}`);
  if (model.institutionOfLocation !== null) names.push("tau2");
  return names;
}

function record(g: NestedNormalGibbs, out: Float64Array, hasInstitution: boolean): void {
  const { p, k } = g.stats;
  let q = 0;
  for (let j = 0; j < p; j++) out[q++] = g.alpha[j];
  out[q++] = g.sigma2;
  for (let a = 0; a < k; a++) for (let b = 0; b <= a; b++) out[q++] = g.psi[a * k + b];
  if (hasInstitution) out[q++] = g.tau2;
}

/** The part of a sampler state that predicts a row: fixed effects, location and institution effects. */
interface EffectState {
  readonly alpha: Float64Array;
  readonly u: Float64Array;
  readonly v: Float64Array;
}

/**
 * Predicted means mu_i of `rows` under `state`. The design codes the year of a row without a score as
 * the reference; `drawnYear` (category per row of `rows`) adds the drawn year's effect for those rows,
 * null keeps the design's own coding (rows with a score).
 */
function predictedMeans(model: CitoImputationModel, state: EffectState, rows: Int32Array, drawnYear: Int32Array | null, out: Float64Array): void {
  const { fixed, locationIndex, locationZ, institutionOfLocation, yearColumn } = model;
  const k = locationZ.length;
  out.fill(0);
  for (let c = 0; c < fixed.columns.length; c++) {
    const a = state.alpha[c];
    if (a === 0) continue;
    const x = fixed.columns[c];
    for (let j = 0; j < rows.length; j++) out[j] += x[rows[j]] * a;
  }
  for (let j = 0; j < rows.length; j++) {
    const i = rows[j];
    const l = locationIndex[i];
    let mu = out[j];
    if (drawnYear !== null) {
      const col = yearColumn[drawnYear[j]];
      if (col >= 0) mu += state.alpha[col];
    }
    for (let t = 0; t < k; t++) mu += locationZ[t][i] * state.u[l * k + t];
    if (institutionOfLocation !== null) mu += state.v[institutionOfLocation[l]];
    out[j] = mu;
  }
}

/** Draw m imputations of the missing cito scores and years (see the module comment). */
export function imputeCito(model: CitoImputationModel, options: CitoImputationOptions = {}): CitoImputations {
  const t0 = performance.now();
  const m = options.m ?? DEFAULT_IMPUTATIONS;
  const seed = options.seed ?? DEFAULT_SEED;
  const burnIn = options.burnIn ?? DEFAULT_BURN_IN;
  const between = options.between ?? DEFAULT_BETWEEN;
  const draw = options.draw ?? "pmm";
  const donors = options.donors ?? DEFAULT_DONORS;
  const progress = options.onProgress ?? (() => undefined);
  if (!(Number.isInteger(m) && m >= 2)) throw new Error(`imputeCito: m must be an integer >= 2, got ${m}`);
  if (!(Number.isInteger(burnIn) && burnIn >= 0 && Number.isInteger(between) && between >= 1)) {
    throw new Error(`imputeCito: burnIn (${burnIn}) must be >= 0 and between (${between}) >= 1, whole numbers`);
  }
  const hasInstitution = model.institutionOfLocation !== null;
  const names = traceNames(model);
  const width = names.length;
  const gibbs = new NestedNormalGibbs(model.statistics, new Xoshiro128(seed, 0), options.prior);
  const { observedRows, missingRows } = model;
  const nMis = missingRows.length;

  // Burn-in; the second half also gives the posterior-mean state for the donors' predicted means.
  const half = Math.floor(burnIn / 2);
  const alphaMean = new Float64Array(model.statistics.p);
  const uMean = new Float64Array(gibbs.u.length);
  const vMean = new Float64Array(gibbs.v.length);
  let averaged = 0;
  for (let it = 0; it < burnIn; it++) {
    gibbs.step();
    if (it >= half) {
      averaged++;
      for (let j = 0; j < alphaMean.length; j++) alphaMean[j] += gibbs.alpha[j];
      for (let j = 0; j < uMean.length; j++) uMean[j] += gibbs.u[j];
      for (let j = 0; j < vMean.length; j++) vMean[j] += gibbs.v[j];
    }
  }
  if (burnIn === 0) {
    gibbs.step();
    averaged = 1;
    alphaMean.set(gibbs.alpha);
    uMean.set(gibbs.u);
    vMean.set(gibbs.v);
  }
  progress(`imputation model: ${burnIn} burn-in sweeps done (${((performance.now() - t0) / 1000).toFixed(1)} s)`);

  let matcher: PredictiveMeanMatcher | null = null;
  if (draw === "pmm") {
    // Donors' predicted means under the posterior mean (type-1 matching), computed with a view of the
    // sampler whose state is the averaged one.
    const state: EffectState = { alpha: alphaMean.map((a) => a / averaged), u: uMean.map((a) => a / averaged), v: vMean.map((a) => a / averaged) };
    const donorMeans = new Float64Array(observedRows.length);
    predictedMeans(model, state, observedRows, null, donorMeans);
    matcher = new PredictiveMeanMatcher(donorMeans, model.observedCito, donors);
  }

  const trace = new Float64Array(m * between * width);
  const row = new Float64Array(width);
  const cito: Float64Array[] = [];
  const year: Int32Array[] = [];
  const parameters: ParameterDraw[] = [];
  const mu = new Float64Array(nMis);
  let sweep = 0;
  for (let l = 0; l < m; l++) {
    for (let it = 0; it < between; it++) {
      gibbs.step();
      record(gibbs, row, hasInstitution);
      trace.set(row, sweep++ * width);
    }
    const rng = new Xoshiro128(seed, l + 1);
    const yr = new Int32Array(nMis);
    drawTestYears(model.yearModel, rng, missingRows, yr);
    predictedMeans(model, gibbs, missingRows, yr, mu);
    const values = new Float64Array(nMis);
    if (matcher !== null) {
      for (let j = 0; j < nMis; j++) values[j] = matcher.draw(rng, mu[j]);
    } else {
      const sd = Math.sqrt(gibbs.sigma2);
      for (let j = 0; j < nMis; j++) values[j] = mu[j] + sd * rng.normal();
    }
    cito.push(values);
    year.push(yr);
    parameters.push({ alpha: Float64Array.from(gibbs.alpha), sigma2: gibbs.sigma2, psi: Float64Array.from(gibbs.psi), tau2: gibbs.tau2 });
  }
  const chainSeconds = (performance.now() - t0) / 1000;
  progress(`imputation model: ${m} imputations drawn after ${burnIn + m * between} sweeps (${chainSeconds.toFixed(1)} s)`);
  const summaries = names.map((name, q) => {
    const x = new Float64Array(sweep);
    for (let s = 0; s < sweep; s++) x[s] = trace[s * width + q];
    return summariseTrace(name, x);
  });
  return {
    model,
    m,
    seed,
    draw,
    donors,
    cito,
    year,
    parameters,
    chain: { burnIn, between, sweeps: burnIn + m * between, parameters: summaries, seconds: chainSeconds },
    seconds: (performance.now() - t0) / 1000,
  };
}

/** Mean and SD (n - 1) of an array. */
function meanSd(x: ArrayLike<number>): { mean: number; sd: number } {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  const mean = s / x.length;
  let ss = 0;
  for (let i = 0; i < x.length; i++) ss += (x[i] - mean) * (x[i] - mean);
  return { mean, sd: x.length > 1 ? Math.sqrt(ss / (x.length - 1)) : Number.NaN };
}

/** Observed against imputed scores and test years (result.ts, ImputedDistribution). */
export function imputedDistribution(imputations: CitoImputations): ImputedDistribution {
  const { model } = imputations;
  const K = model.yearLevels.length;
  const observedYears = new Float64Array(K);
  const counts = model.yearModel.counts;
  for (let c = 0; c < counts.length; c++) observedYears[c % K] += counts[c];
  const nObs = observedYears.reduce((a, b) => a + b, 0);
  const imputedYears = new Float64Array(K);
  for (const yr of imputations.year) for (const k of yr) imputedYears[k]++;
  const nImp = imputations.year.reduce((a, yr) => a + yr.length, 0);
  return {
    observed: meanSd(model.observedCito),
    imputed: imputations.cito.map(meanSd),
    yearShares: model.yearLevels.map((year, k) => ({ year, observed: observedYears[k] / nObs, imputed: nImp > 0 ? imputedYears[k] / nImp : Number.NaN })),
  };
}

/**
 * The frame with imputation l's scores and years filled in (a new `cito` and `citojaar` column; every
 * other column is shared with the frame, not copied).
 */
export function completedTable(frame: ColumnTable, imputations: CitoImputations, l: number): ColumnTable {
  if (!(l >= 0 && l < imputations.m)) throw new Error(`completedTable: imputation ${l} is outside 0..${imputations.m - 1}`);
  const { model } = imputations;
  const source = frame[CITO];
  const sourceYear = frame[CITOJAAR];
  if (source === undefined || sourceYear === undefined) throw new Error("completedTable: the frame has no cito or citojaar column");
  const c = Float64Array.from(source as ArrayLike<number>);
  const y = Array.from(sourceYear as ArrayLike<string | null>);
  const values = imputations.cito[l];
  const years = imputations.year[l];
  model.missingRows.forEach((i, j) => {
    c[i] = values[j];
    y[i] = model.yearLevels[years[j]];
  });
  return { ...frame, [CITO]: c, [CITOJAAR]: y };
}
