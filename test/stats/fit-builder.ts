// Test helper: a GlmmFit assembled from given parameters (beta, vcov, Sigma per term, conditional
// modes), so the post-fit statistics can be checked without the solver. eta, etaFixed and fitted are
// computed from the parameters exactly as the contract in src/glmm/types.ts defines them.
import type { GlmmFit, RanefBlock, VarCorrBlock } from "../../src/glmm/types";
import type { FixedTermInfo, GlmmDesign, RandomEffectsTerm } from "../../src/model/types";

export interface TermSpec {
  group: string;
  terms: string[];
  /** Level of each row (labels). */
  rowLevels: string[];
  /** Per term column, values per row (the intercept column may be omitted: all ones). */
  z: Record<string, number[]>;
  /** k x k covariance, row-major. */
  sigma: number[];
  /** Modes per level label: k numbers. */
  modes: Record<string, number[]>;
  /** Optional conditional covariance per level (k x k); default identity * 0.01. */
  condVar?: Record<string, number[]>;
}

export interface FitSpec {
  y?: number[];
  columns: { name: string; info: FixedTermInfo; values: number[] }[];
  beta: number[];
  vcov?: number[];
  random: TermSpec[];
  logLik?: number;
  theta?: number[];
  singular?: boolean;
  formula?: string;
}

export function buildFit(spec: FitSpec): GlmmFit {
  const n = spec.columns[0].values.length;
  const p = spec.columns.length;
  const random: RandomEffectsTerm[] = [];
  const varcorr: VarCorrBlock[] = [];
  const ranef: RanefBlock[] = [];
  for (const t of spec.random) {
    const levels = [...new Set(t.rowLevels)];
    const index = Int32Array.from(t.rowLevels.map((l) => levels.indexOf(l)));
    const z = t.terms.map((name) => Float64Array.from(name === "(Intercept)" ? new Array(n).fill(1) : t.z[name]));
    const k = t.terms.length;
    random.push({ group: t.group, terms: t.terms, levels, index, z });
    const sd = t.terms.map((_, s) => Math.sqrt(t.sigma[s * k + s]));
    varcorr.push({
      group: t.group,
      terms: t.terms,
      covariance: Float64Array.from(t.sigma),
      sd,
      corr: t.terms.map((_, s) => t.terms.map((__, u) => t.sigma[s * k + u] / (sd[s] * sd[u]))),
    });
    const modes = new Float64Array(levels.length * k);
    const condVar = new Float64Array(levels.length * k * k);
    levels.forEach((l, j) => {
      const m = t.modes[l] ?? new Array(k).fill(0);
      for (let s = 0; s < k; s++) modes[j * k + s] = m[s];
      const cv = t.condVar?.[l];
      for (let s = 0; s < k; s++) for (let u = 0; u < k; u++) condVar[j * k * k + s * k + u] = cv ? cv[s * k + u] : s === u ? 0.01 : 0;
    });
    ranef.push({ group: t.group, terms: t.terms, levels, modes, condVar });
  }
  const columns = spec.columns.map((c) => Float64Array.from(c.values));
  const etaFixed = new Float64Array(n);
  for (let j = 0; j < p; j++) for (let i = 0; i < n; i++) etaFixed[i] += columns[j][i] * spec.beta[j];
  const eta = Float64Array.from(etaFixed);
  random.forEach((t, r) => {
    const k = t.terms.length;
    for (let i = 0; i < n; i++) for (let s = 0; s < k; s++) eta[i] += t.z[s][i] * ranef[r].modes[t.index[i] * k + s];
  });
  const fitted = eta.map((e) => 1 / (1 + Math.exp(-e)));
  const vcov = Float64Array.from(spec.vcov ?? Array.from({ length: p * p }, (_, q) => (Math.floor(q / p) === q % p ? 0.01 : 0)));
  const theta = Float64Array.from(spec.theta ?? []);
  const logLik = spec.logLik ?? 0;
  const df = p + theta.length;
  const design: GlmmDesign = {
    formula: spec.formula ?? "y ~ test",
    nobs: n,
    response: { name: "y", successes: Float64Array.from(spec.y ?? new Array(n).fill(0)), trials: new Float64Array(n).fill(1) },
    fixed: { names: spec.columns.map((c) => c.name), columns, info: spec.columns.map((c) => c.info), dropped: [] },
    random,
  };
  return {
    design,
    beta: Float64Array.from(spec.beta),
    se: Float64Array.from({ length: p }, (_, j) => Math.sqrt(vcov[j * p + j])),
    vcov,
    seMethod: "given",
    theta,
    varcorr,
    ranef,
    eta,
    etaFixed,
    fitted,
    logLik,
    deviance: -2 * logLik,
    aic: -2 * logLik + 2 * df,
    bic: -2 * logLik + df * Math.log(n),
    df,
    nobs: n,
    ngroups: Object.fromEntries(random.map((t) => [t.group, t.levels.length])),
    convergence: {
      converged: true,
      optimizer: "none",
      iterations: 0,
      functionEvaluations: 0,
      maxAbsGradient: 0,
      maxAbsScaledGradient: 0,
      minHessianEigenvalue: 1,
      singular: spec.singular ?? false,
      messages: [],
    },
    elapsedSeconds: 0,
    threads: 1,
  };
}

export const INTERCEPT: FixedTermInfo = { name: "(Intercept)", variable: "", kind: "intercept" };
export function numeric(name: string): FixedTermInfo {
  return { name, variable: name, kind: "numeric" };
}
export function level(variable: string, lev: string, reference: string): FixedTermInfo {
  return { name: variable + lev, variable, kind: "factorLevel", level: lev, reference };
}
