// Test helper: a GlmmFit from lme4's parameters as written by an R script (beta, vcov, VarCorr,
// conditional modes and their conditional variances), with X and Z rebuilt from the same CSV by
// buildDesign, so the post-fit statistics are compared with R's on the identical fit.
import { readFileSync } from "node:fs";
import type { GlmmFit, RanefBlock, VarCorrBlock } from "../../src/glmm/types";
import { buildDesign } from "../../src/model/design";
import type { ColumnTable } from "../../src/model/types";

export interface RModel {
  formula: string;
  beta: Record<string, number>;
  vcov: number[][];
  logLik: number;
  df: number;
  theta: number[];
  varcorr: { group: string; terms: string[] | string; covariance: number[][] | number }[];
  ranef: { group: string; terms: string[] | string; levels: string[]; modes: number[][]; condVar: (number[][] | number[] | number)[] }[];
}

const asArray = (x: string[] | string): string[] => (Array.isArray(x) ? x : [x]);
const asMatrix = (x: number[][] | number[] | number): number[][] =>
  typeof x === "number" ? [[x]] : Array.isArray(x[0]) ? (x as number[][]) : [x as number[]];

/** Read a plain CSV (no quoting) into columns; the named columns are numeric, the rest strings. */
export function readPlainCsv(path: string, numeric: readonly string[]): ColumnTable {
  const lines = readFileSync(path, "utf8").trim().split("\n");
  const header = lines[0].split(",");
  const rows = lines.slice(1).map((l) => l.split(","));
  const table: Record<string, Float64Array | string[]> = {};
  header.forEach((name, c) => {
    table[name] = numeric.includes(name) ? Float64Array.from(rows.map((r) => Number(r[c]))) : rows.map((r) => r[c]);
  });
  return table;
}

export function fitFromR(model: RModel, data: ColumnTable): GlmmFit {
  const design = buildDesign(model.formula, data);
  const names = design.fixed.names;
  const p = names.length;
  const rNames = Object.keys(model.beta);
  if (rNames.join("|") !== names.join("|")) throw new Error(`X columns differ: R ${rNames.join(", ")} vs ${names.join(", ")}`);
  const beta = Float64Array.from(names.map((nm) => model.beta[nm]));
  const vcov = Float64Array.from(model.vcov.flat());
  const n = design.nobs;
  const varcorr: VarCorrBlock[] = [];
  const ranef: RanefBlock[] = [];
  const eta = new Float64Array(n);
  const etaFixed = new Float64Array(n);
  for (let j = 0; j < p; j++) for (let i = 0; i < n; i++) etaFixed[i] += design.fixed.columns[j][i] * beta[j];
  eta.set(etaFixed);
  for (const term of design.random) {
    const vc = model.varcorr.find((v) => v.group === term.group);
    const re = model.ranef.find((r) => r.group === term.group);
    if (!vc || !re) throw new Error(`R output has no term for ${term.group}`);
    if (asArray(vc.terms).join("|") !== term.terms.join("|")) throw new Error(`terms of ${term.group} differ`);
    const k = term.terms.length;
    const cov = asMatrix(vc.covariance);
    const sd = term.terms.map((_, s) => Math.sqrt(cov[s][s]));
    varcorr.push({
      group: term.group,
      terms: term.terms,
      covariance: Float64Array.from(cov.flat()),
      sd,
      corr: cov.map((row, s) => row.map((c, t) => c / (sd[s] * sd[t]))),
    });
    const modes = new Float64Array(term.levels.length * k);
    const condVar = new Float64Array(term.levels.length * k * k);
    const rIndex = new Map(re.levels.map((l, j) => [l, j]));
    term.levels.forEach((level, j) => {
      const r = rIndex.get(level);
      if (r === undefined) throw new Error(`level ${level} of ${term.group} missing in R output`);
      const m = asMatrix(re.modes[r]);
      for (let s = 0; s < k; s++) modes[j * k + s] = m[0][s];
      const cv = asMatrix(re.condVar[r]);
      for (let s = 0; s < k; s++) for (let t = 0; t < k; t++) condVar[j * k * k + s * k + t] = cv[s][t];
    });
    ranef.push({ group: term.group, terms: term.terms, levels: term.levels, modes, condVar });
    for (let i = 0; i < n; i++) for (let s = 0; s < k; s++) eta[i] += term.z[s][i] * modes[term.index[i] * k + s];
  }
  const fitted = eta.map((e) => 1 / (1 + Math.exp(-e)));
  return {
    design,
    beta,
    se: Float64Array.from(names.map((_, j) => Math.sqrt(vcov[j * p + j]))),
    vcov,
    seMethod: "from R",
    theta: Float64Array.from(model.theta),
    varcorr,
    ranef,
    eta,
    etaFixed,
    fitted,
    logLik: model.logLik,
    deviance: -2 * model.logLik,
    aic: -2 * model.logLik + 2 * model.df,
    bic: -2 * model.logLik + model.df * Math.log(n),
    df: model.df,
    nobs: n,
    ngroups: Object.fromEntries(design.random.map((t) => [t.group, t.levels.length])),
    convergence: {
      converged: true,
      optimizer: "lme4 (R)",
      iterations: 0,
      functionEvaluations: 0,
      maxAbsGradient: Number.NaN,
      maxAbsScaledGradient: Number.NaN,
      minHessianEigenvalue: Number.NaN,
      singular: false,
      messages: [],
    },
    elapsedSeconds: 0,
    threads: 1,
  };
}
