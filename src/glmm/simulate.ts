/**
 * Seeded simulation of binomial-logit GLMM data from known parameters, for the parameter-recovery tests
 * and the solver benchmark (scripts/bench-glmm.ts). Not used by the analysis itself.
 *
 *   y_i ~ Binomial(m_i, logistic(x_i' beta + sum_t z_ti' b_t[l_t(i)])),  b_t[l] ~ N(0, Lambda_t Lambda_t').
 */
import type { GlmmDesign, RandomEffectsTerm } from "../model/types";
import { fillLambda, thetaLength } from "./lambda";

/** A small, fast, seeded generator (mulberry32) with normal draws by Box-Muller. */
export class Rng {
  private state: number;
  private spare: number | null = null;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  uniform(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  }
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    const r = Math.sqrt(-2 * Math.log(this.uniform()));
    const a = 2 * Math.PI * this.uniform();
    this.spare = r * Math.sin(a);
    return r * Math.cos(a);
  }
  /** Index drawn with the given (unnormalised) weights. */
  categorical(cumulative: Float64Array): number {
    const x = this.uniform() * cumulative[cumulative.length - 1];
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

export interface SimulatedTermSpec {
  readonly group: string;
  readonly nLevels: number;
  /** Names of the fixed-effect columns that also get a random slope (the intercept is always in). */
  readonly slopes?: readonly string[];
  /** theta of this term (lme4 order); length k (k + 1) / 2 with k = 1 + slopes.length. */
  readonly theta: readonly number[];
  /** Nest in another term: each level of this term belongs to one level of `nestedIn` (a term index). */
  readonly nestedIn?: number;
  /** Relative sizes of the levels are drawn from a gamma(2)-like spread when true (default uniform). */
  readonly unequalSizes?: boolean;
}

export interface SimulatedColumnSpec {
  readonly name: string;
  /** "normal": N(0, 1) rounded to 4 decimals; "binary": Bernoulli(prob); "integer": uniform 0..max. */
  readonly kind: "normal" | "binary" | "integer";
  readonly prob?: number;
  readonly max?: number;
}

export interface SimulationSpec {
  readonly n: number;
  readonly seed: number;
  /** Fixed-effect columns after the intercept. */
  readonly columns: readonly SimulatedColumnSpec[];
  /** Intercept first, then one per column. */
  readonly beta: readonly number[];
  /** Random-effects terms in the order they should appear in the design (most levels first). */
  readonly terms: readonly SimulatedTermSpec[];
  /** Trials per row: 1 (Bernoulli, default) or drawn uniformly from 1..maxTrials. */
  readonly maxTrials?: number;
}

export interface Simulation {
  readonly design: GlmmDesign;
  readonly truthBeta: Float64Array;
  readonly truthTheta: Float64Array;
}

export function simulateGlmm(spec: SimulationSpec): Simulation {
  const rng = new Rng(spec.seed);
  const n = spec.n;
  const names = ["(Intercept)", ...spec.columns.map((c) => c.name)];
  if (spec.beta.length !== names.length) throw new Error(`simulate: beta has ${spec.beta.length} entries, expected ${names.length}`);
  const columns: Float64Array[] = [new Float64Array(n).fill(1)];
  for (const c of spec.columns) {
    const x = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      if (c.kind === "normal") x[i] = Math.round(rng.normal() * 1e4) / 1e4;
      else if (c.kind === "binary") x[i] = rng.uniform() < (c.prob ?? 0.5) ? 1 : 0;
      else x[i] = Math.floor(rng.uniform() * ((c.max ?? 10) + 1));
    }
    columns.push(x);
  }
  // Level of each row per term, drawn with (possibly unequal) level sizes. A term nested in another
  // fixes each of its levels to one parent level (every parent gets at least one child), and the
  // parent's index then follows from the child's.
  const indices: Int32Array[] = spec.terms.map((t) => {
    const cum = new Float64Array(t.nLevels);
    let acc = 0;
    for (let l = 0; l < t.nLevels; l++) {
      acc += t.unequalSizes ? 0.25 + 2 * rng.uniform() : 1;
      cum[l] = acc;
    }
    const idx = new Int32Array(n);
    for (let i = 0; i < n; i++) idx[i] = rng.categorical(cum);
    return idx;
  });
  spec.terms.forEach((t, ti) => {
    if (t.nestedIn === undefined) return;
    const pl = spec.terms[t.nestedIn].nLevels;
    const parent = new Int32Array(t.nLevels);
    for (let l = 0; l < t.nLevels; l++) parent[l] = l < pl ? l : Math.floor(rng.uniform() * pl);
    const parentIdx = indices[t.nestedIn];
    for (let i = 0; i < n; i++) parentIdx[i] = parent[indices[ti][i]];
  });

  const truthTheta = new Float64Array(spec.terms.reduce((s, t) => s + thetaLength(1 + (t.slopes?.length ?? 0)), 0));
  const random: RandomEffectsTerm[] = [];
  const eta = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let e = 0;
    for (let j = 0; j < columns.length; j++) e += spec.beta[j] * columns[j][i];
    eta[i] = e;
  }
  let thetaOffset = 0;
  spec.terms.forEach((t, ti) => {
    const slopes = t.slopes ?? [];
    const k = 1 + slopes.length;
    if (t.theta.length !== thetaLength(k)) throw new Error(`simulate: term ${t.group} needs ${thetaLength(k)} theta entries`);
    t.theta.forEach((v, a) => (truthTheta[thetaOffset + a] = v));
    thetaOffset += t.theta.length;
    const lambda = new Float64Array(k * k);
    fillLambda(t.theta, 0, k, lambda);
    const bl = new Float64Array(t.nLevels * k);
    const zz = new Float64Array(k);
    for (let l = 0; l < t.nLevels; l++) {
      for (let a = 0; a < k; a++) zz[a] = rng.normal();
      for (let r = 0; r < k; r++) {
        let acc = 0;
        for (let c = 0; c <= r; c++) acc += lambda[r * k + c] * zz[c];
        bl[l * k + r] = acc;
      }
    }
    const z: Float64Array[] = [new Float64Array(n).fill(1)];
    for (const s of slopes) {
      const j = names.indexOf(s);
      if (j < 0) throw new Error(`simulate: slope column ${s} is not a fixed-effect column`);
      z.push(columns[j]);
    }
    const idx = indices[ti];
    for (let i = 0; i < n; i++) {
      for (let a = 0; a < k; a++) eta[i] += z[a][i] * bl[idx[i] * k + a];
    }
    random.push({
      group: t.group,
      terms: ["(Intercept)", ...slopes],
      levels: Array.from({ length: t.nLevels }, (_, l) => `${t.group}${String(l + 1).padStart(4, "0")}`),
      index: idx,
      z,
    });
  });
  const successes = new Float64Array(n);
  const trials = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const m = spec.maxTrials ? 1 + Math.floor(rng.uniform() * spec.maxTrials) : 1;
    const mu = 1 / (1 + Math.exp(-eta[i]));
    let s = 0;
    for (let r = 0; r < m; r++) if (rng.uniform() < mu) s++;
    successes[i] = s;
    trials[i] = m;
  }
  // Levels without rows are an error in a design: drop them by re-indexing.
  for (const term of random) {
    const used = new Int32Array(term.levels.length).fill(-1);
    let next = 0;
    for (let i = 0; i < n; i++) if (used[term.index[i]] < 0) used[term.index[i]] = 0;
    const levels: string[] = [];
    for (let l = 0; l < used.length; l++) {
      if (used[l] === 0) {
        used[l] = next++;
        levels.push(term.levels[l]);
      }
    }
    for (let i = 0; i < n; i++) term.index[i] = used[term.index[i]];
    (term as { levels: readonly string[] }).levels = levels;
  }
  const design: GlmmDesign = {
    formula: `y ~ ${names.slice(1).join(" + ")} + ${spec.terms.map((t) => `(${["1", ...(t.slopes ?? [])].join(" + ")} | ${t.group})`).join(" + ")}`,
    nobs: n,
    response: { name: spec.maxTrials ? "cbind(y, m - y)" : "y", successes, trials },
    fixed: {
      names,
      columns,
      info: names.map((nm, j) => (j === 0 ? { name: nm, variable: "", kind: "intercept" as const } : { name: nm, variable: nm, kind: "numeric" as const })),
      dropped: [],
    },
    random,
  };
  return { design, truthBeta: Float64Array.from(spec.beta), truthTheta };
}

/**
 * The shape of model 2 of bijlage 3a: 20 fixed-effect columns after the intercept (0/1 dummies of
 * migration background, parents' education, sex, level, sector, pathway, cito year, the missing-cito
 * indicator; age and cito score as integers), a correlated random intercept and non-western slope per
 * location, and a random intercept per institution (locations nested in institutions). Effect sizes
 * and variance components near the published model 2 (variances 0.18, 0.06, 0.02).
 */
export function model2Spec(n: number, nLocations = 571, nInstitutions = 62, seed = 20260302): SimulationSpec {
  const bin = (name: string, prob: number): SimulatedColumnSpec => ({ name, kind: "binary", prob });
  const columns: SimulatedColumnSpec[] = [
    bin("niet_westers", 0.18),
    bin("westers", 0.08),
    bin("ouders_hoger", 0.4),
    bin("ouders_onbekend", 0.15),
    bin("vrouw", 0.5),
    { name: "leeftijd", kind: "integer", max: 8 },
    bin("niveau1", 0.05),
    bin("niveau2", 0.2),
    bin("niveau4", 0.45),
    bin("zorg_sport", 0.3),
    bin("techniek_ict", 0.25),
    bin("overig", 0.15),
    bin("bbl", 0.2),
    { name: "cito", kind: "integer", max: 50 },
    bin("cito_missing", 0.3),
    bin("citojaar2010", 0.12),
    bin("citojaar2011", 0.14),
    bin("citojaar2012", 0.14),
    bin("citojaar2013", 0.14),
    bin("citojaar2014", 0.1),
  ];
  const beta = [0.46, -0.3, 0.14, 0.24, 0.18, 0.07, -0.27, 1.52, 0.53, -0.04, -0.22, 0.08, -0.31, -0.78, 0.004, 0.1, 0.08, 0.25, 0.4, 0.43, 0.52];
  // Lambda for (1 + niet_westers | locatie): SDs 0.42 and 0.24, correlation -0.3.
  const sd1 = 0.42;
  const sd2 = 0.24;
  const rho = -0.3;
  const theta = [sd1, rho * sd2, sd2 * Math.sqrt(1 - rho * rho)];
  return {
    n,
    seed,
    columns,
    beta,
    terms: [
      { group: "locatie", nLevels: nLocations, slopes: ["niet_westers"], theta, nestedIn: 1, unequalSizes: true },
      { group: "instelling", nLevels: nInstitutions, theta: [0.14] },
    ],
  };
}
