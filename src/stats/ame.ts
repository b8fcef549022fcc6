/**
 * Average marginal effects (AMEs) of a fitted logit GLMM, with delta-method standard errors, along two
 * independent axes: which prediction p_i is averaged (three random-effects conventions) and how the
 * effect of a column is taken (two conventions). All six combinations are available and labelled.
 *
 * Random effects (`randomEffects`), the three readings of "the effect on the probability":
 *   "included"   (default; bijlage 3b's) conditional on the estimated location effects:
 *                p_i = logistic(x_i' beta + z_i' b_hat), the conditional modes included, as
 *                predict(fit, type = "response") for a glmer fit;
 *   "excluded"   at zero random effects: p_i = logistic(x_i' beta), a student at a location (and
 *                institution) with effect 0, predict(fit, re.form = NA);
 *   "integrated" integrated over the fitted random-effect distribution: p_i = E_b[logistic(x_i' beta +
 *                z_i' b)], b ~ N(0, Sigma), the population-averaged probability over locations
 *                (marginal-probability.ts: z_i' b ~ N(0, z_i' Sigma z_i), Gauss-Hermite quadrature with
 *                `quadratureNodes` nodes, 20 by default; the result reports the nodes and the largest
 *                change of an AME when the nodes are doubled).
 *
 * Effect of a column (`convention`):
 *   "published" (default; Tabel 5-8 of bijlage 3b) every column of X, dummies included, is numeric and
 *               the AME is the mean derivative AME_j = (1/n) sum_i dp_i/dx_ij;
 *   "discrete"  for a factor level j of factor F (dummies D_F) the mean change in probability between
 *               the level and the reference, the other dummies of F at 0, everything else as observed;
 *               numeric columns keep the derivative.
 *
 * With w = dp/deta = p (1 - p) and w' = dw/deta = w (1 - 2p) (for "integrated" their expectations over
 * b, E[w] and E[w']), a column j without a random slope has
 *
 *   published:  AME_j = beta_j mean(w),         g_jk = [k = j] mean(w) + beta_j mean(w' x_k)
 *   discrete:   AME_j = mean(p^1 - p^0),        g_jk = mean((w^1 - w^0) x_k) (k outside D_F),
 *                                               g_jj = mean(w^1), 0 for the other dummies of F,
 *
 * where p^1, p^0 (w^1, w^0) are taken with the factor at level j and at the reference. A column with a
 * random slope (model 2: the non-western dummy per location, random-slopes.ts) has the location's slope
 * b_ij moving with it: dp_i/dx_ij = w_i (beta_j + b_ij), so
 *
 *   included:    AME_j = mean(w (beta_j + b_j)),                 g_jk = [k = j] mean(w) + mean(w' (beta_j + b_j) x_k)
 *   integrated:  AME_j = mean(beta_j E[w] + c_j E[w v]),         g_jk = [k = j] mean(E[w]) + mean((beta_j E[w'] + c_j E[w' v]) x_k)
 *
 * with v = z_i' b and c_ij = (Sigma z_i)_slope / z_i' Sigma z_i (E[b_slope | v] = c v); "excluded"
 * sets b to 0. In the discrete convention the slope column is set with its dummy (1 at the level, 0 at the
 * reference): in the prediction through b_ij ("included"), through the row's variance z' Sigma z
 * ("integrated").
 *
 * The delta method holds b_hat (and Sigma) fixed, as predict() on counterfactual data does and as
 * marginaleffects computes SEs: se_j = sqrt(g_j' V g_j), V = vcov(beta), g_jk = d AME_j / d beta_k.
 *
 * Cost: one pass over the rows per prediction ("integrated": times the nodes), then dot products with
 * the columns of X, which for 0/1 dummies only visit the rows where the dummy is 1 (column-index.ts).
 */
import type { GlmmFit } from "../glmm/types";
import type { FixedTermInfo } from "../model/types";
import { columnIndex, dotColumn } from "./column-index";
import { marginalMoments, randomEffectVariance, slopeCovariance, type ColumnOverride } from "./marginal-probability";
import { findRandomSlopes, ranefBlockFor, type RandomSlopeLink } from "./random-slopes";

export type AmeConvention = "published" | "discrete";
export type AmeRandomEffects = "included" | "excluded" | "integrated";

/** The labels of the conventions, as tables and the CLI print them. */
export const AME_CONVENTIONS: Readonly<Record<AmeConvention, string>> = {
  published: "mean derivative, dummies as numeric (bijlage 3b)",
  discrete: "factor levels as the mean change from the reference level",
};
export const AME_RANDOM_EFFECTS: Readonly<Record<AmeRandomEffects, string>> = {
  included: "conditional on the estimated location effects (bijlage 3b)",
  excluded: "at zero random effects",
  integrated: "integrated over the fitted random-effect distribution",
};

/** The default number of Gauss-Hermite nodes of the "integrated" convention. */
export const DEFAULT_QUADRATURE_NODES = 20;

export interface AmeOptions {
  readonly convention?: AmeConvention;
  readonly randomEffects?: AmeRandomEffects;
  /** Gauss-Hermite nodes for "integrated" (default 20, at most 75 so that twice as many can check them). */
  readonly quadratureNodes?: number;
  /** "integrated": also compute with twice the nodes and report the difference (default true). */
  readonly checkQuadrature?: boolean;
  /** Delta-method SEs (default true; false leaves them NaN, e.g. for a bootstrap replicate). */
  readonly standardErrors?: boolean;
}

export interface MarginalEffect {
  /** lme4 column name ("migratieniet-westers"). */
  readonly term: string;
  readonly variable: string;
  readonly kind: FixedTermInfo["kind"];
  readonly level?: string;
  readonly reference?: string;
  /** How this AME was computed: mean derivative, or mean discrete change from the reference. */
  readonly method: "derivative" | "discreteChange";
  /** True when a random slope on this column entered (its modes when "included", its variance when "integrated"). */
  readonly randomSlope: boolean;
  readonly estimate: number;
  readonly se: number;
}

export interface AmeResult {
  readonly convention: AmeConvention;
  readonly randomEffects: AmeRandomEffects;
  /** "published (mean derivative, ...), conditional on the estimated location effects (bijlage 3b)". */
  readonly label: string;
  /** mean_i of w_i = dp_i/deta_i (E[w_i] when integrated): the factor that turns a coefficient without random slope into its AME. */
  readonly meanDensity: number;
  /** "integrated" only: the Gauss-Hermite nodes, and max_j |AME_j - AME_j with twice the nodes| (NaN when not checked). */
  readonly quadrature: { readonly nodes: number; readonly error: number } | null;
  /** One per column of X except the intercept, in X order. */
  readonly effects: readonly MarginalEffect[];
}

/** sqrt(g' V g) for a p x p row-major covariance V. */
function deltaMethodSe(g: Float64Array, vcov: Float64Array): number {
  const p = g.length;
  let q = 0;
  for (let r = 0; r < p; r++) {
    if (g[r] === 0) continue;
    let row = 0;
    for (let c = 0; c < p; c++) row += vcov[r * p + c] * g[c];
    q += g[r] * row;
  }
  return Math.sqrt(Math.max(q, 0));
}

/**
 * What a random-effects convention supplies per row. For the derivative: w = E[dp/deta] and
 * dw = E[dw/deta] at the observed rows, and for each X column with a random slope E[w b_j] and
 * E[w' b_j]. For the discrete change: p and w with the dummies of one factor at a level (or all 0).
 */
interface RowModel {
  readonly w: Float64Array;
  readonly dw: Float64Array;
  readonly slopes: ReadonlyMap<number, { readonly w: Float64Array; readonly dw: Float64Array }>;
  counterfactual(dummies: readonly number[], level: number): { readonly p: Float64Array; readonly w: Float64Array };
}

/** "included" / "excluded": the prediction at the modes b_hat, or at b = 0. */
function pointModel(fit: GlmmFit, included: boolean): RowModel {
  const n = fit.nobs;
  const X = fit.design.fixed.columns;
  const beta = fit.beta;
  const eta = included ? fit.eta : fit.etaFixed;
  // Per row, the sum of the random-slope modes on each X column that has one: b_ij.
  const modes = new Map<number, Float64Array>();
  if (included) {
    for (const link of findRandomSlopes(fit)) {
      const block = ranefBlockFor(fit, link.termIndex);
      const index = fit.design.random[link.termIndex].index;
      const k = block.terms.length;
      let b = modes.get(link.fixedIndex);
      if (!b) {
        b = new Float64Array(n);
        modes.set(link.fixedIndex, b);
      }
      for (let i = 0; i < n; i++) b[i] += block.modes[index[i] * k + link.column];
    }
  }
  const w = new Float64Array(n);
  const dw = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const pi = 1 / (1 + Math.exp(-eta[i])); // logistic, inlined in the hot loop
    const wi = pi * (1 - pi);
    w[i] = wi;
    dw[i] = wi * (1 - 2 * pi);
  }
  const slopes = new Map<number, { w: Float64Array; dw: Float64Array }>();
  for (const [j, b] of modes) {
    const sw = new Float64Array(n);
    const sdw = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      sw[i] = w[i] * b[i];
      sdw[i] = dw[i] * b[i];
    }
    slopes.set(j, { w: sw, dw: sdw });
  }
  return {
    w,
    dw,
    slopes,
    counterfactual(dummies, level) {
      // eta with every dummy of the factor (and any slope on it) at the reference, then the level's.
      const p = new Float64Array(n);
      const wOut = new Float64Array(n);
      const columns = dummies.map((d) => ({ x: X[d], beta: beta[d], modes: modes.get(d) }));
      const levelModes = level >= 0 ? modes.get(level) : undefined;
      const shift = level >= 0 ? beta[level] : 0;
      for (let i = 0; i < n; i++) {
        let e = eta[i] + shift + (levelModes !== undefined ? levelModes[i] : 0);
        for (const c of columns) {
          const x = c.x[i];
          if (x !== 0) e -= x * (c.beta + (c.modes !== undefined ? c.modes[i] : 0));
        }
        const pi = 1 / (1 + Math.exp(-e));
        p[i] = pi;
        wOut[i] = pi * (1 - pi);
      }
      return { p, w: wOut };
    },
  };
}

/** "integrated": expectations over b ~ N(0, Sigma) by Gauss-Hermite quadrature (marginal-probability.ts). */
function integratedModel(fit: GlmmFit, nodes: number): RowModel {
  const n = fit.nobs;
  const X = fit.design.fixed.columns;
  const beta = fit.beta;
  const links = findRandomSlopes(fit);
  const variance = randomEffectVariance(fit);
  const m = marginalMoments(fit.etaFixed, variance, nodes, links.length > 0);
  const slopes = new Map<number, { w: Float64Array; dw: Float64Array }>();
  for (const link of links) {
    let s = slopes.get(link.fixedIndex);
    if (!s) {
      s = { w: new Float64Array(n), dw: new Float64Array(n) };
      slopes.set(link.fixedIndex, s);
    }
    // E[w b_slope] = c E[w v] with c = Cov(b_slope, v) / Var(v).
    const cov = slopeCovariance(fit, link.termIndex, link.column);
    for (let i = 0; i < n; i++) {
      const c = variance[i] > 0 ? cov[i] / variance[i] : 0;
      s.w[i] += c * m.wv[i];
      s.dw[i] += c * m.dwv[i];
    }
  }
  return {
    w: m.w,
    dw: m.dw,
    slopes,
    counterfactual(dummies, level) {
      const eta = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        let e = fit.etaFixed[i];
        for (const d of dummies) {
          const x = X[d][i];
          if (x !== 0) e -= x * beta[d];
        }
        eta[i] = level >= 0 ? e + beta[level] : e;
      }
      // The slope columns that duplicate a dummy of the factor take the counterfactual value.
      const overrides: ColumnOverride[] = links
        .filter((l: RandomSlopeLink) => dummies.includes(l.fixedIndex))
        .map((l) => ({ term: l.termIndex, column: l.column, value: l.fixedIndex === level ? 1 : 0 }));
      const cf = marginalMoments(eta, randomEffectVariance(fit, overrides), nodes);
      return { p: cf.p, w: cf.w };
    },
  };
}

/** Average marginal effects for every non-intercept column of X (see the file comment). */
export function averageMarginalEffects(fit: GlmmFit, options: AmeOptions = {}): AmeResult {
  const convention = options.convention ?? "published";
  const randomEffects = options.randomEffects ?? "included";
  if (!(convention in AME_CONVENTIONS)) throw new Error(`AME convention must be one of ${Object.keys(AME_CONVENTIONS).join(", ")}, got "${convention}"`);
  if (!(randomEffects in AME_RANDOM_EFFECTS)) throw new Error(`AME random effects must be one of ${Object.keys(AME_RANDOM_EFFECTS).join(", ")}, got "${randomEffects}"`);
  const label = `${convention} (${AME_CONVENTIONS[convention]}), ${AME_RANDOM_EFFECTS[randomEffects]}`;
  const withSe = options.standardErrors ?? true;
  if (randomEffects !== "integrated") {
    const { meanDensity, effects } = computeEffects(fit, convention, pointModel(fit, randomEffects === "included"), withSe);
    return { convention, randomEffects, label, meanDensity, quadrature: null, effects };
  }
  const nodes = options.quadratureNodes ?? DEFAULT_QUADRATURE_NODES;
  if (!Number.isInteger(nodes) || nodes < 1 || nodes > 75) throw new Error(`AME quadratureNodes must be a whole number from 1 to 75, got ${nodes}`);
  const { meanDensity, effects } = computeEffects(fit, convention, integratedModel(fit, nodes), withSe);
  let error = Number.NaN;
  if (options.checkQuadrature ?? true) {
    const check = computeEffects(fit, convention, integratedModel(fit, 2 * nodes), false).effects;
    error = 0;
    effects.forEach((e, m) => (error = Math.max(error, Math.abs(e.estimate - check[m].estimate))));
  }
  return { convention, randomEffects, label, meanDensity, quadrature: { nodes, error }, effects };
}

/** The AMEs of one convention under one row model; SEs only when asked (the quadrature check needs none). */
function computeEffects(fit: GlmmFit, convention: AmeConvention, model: RowModel, withSe: boolean): { meanDensity: number; effects: MarginalEffect[] } {
  const { fixed } = fit.design;
  const n = fit.nobs;
  const p = fixed.columns.length;
  const beta = fit.beta;
  if (beta.length !== p || fit.vcov.length !== p * p) {
    throw new Error(`fit has ${beta.length} coefficients and a ${Math.sqrt(fit.vcov.length)}-square vcov for ${p} columns of X`);
  }
  const xIndex = columnIndex(fixed);
  const dot = (v: Float64Array, k: number): number => dotColumn(v, fixed, xIndex, k);
  const { w, dw } = model;
  let sumW = 0;
  for (let i = 0; i < n; i++) sumW += w[i];
  const meanW = sumW / n;
  // G_k = (1/n) sum_i w'_i x_ik, shared by all derivative AMEs without a random slope.
  const G = new Float64Array(p);
  if (withSe) for (let k = 0; k < p; k++) G[k] = dot(dw, k) / n;

  const effects: (MarginalEffect | undefined)[] = new Array(p);
  const scratch = new Float64Array(n);
  const g = new Float64Array(p);

  const derivative = (j: number): void => {
    const slope = model.slopes.get(j);
    let estimate: number;
    if (slope) {
      let s = 0;
      for (let i = 0; i < n; i++) {
        s += beta[j] * w[i] + slope.w[i];
        scratch[i] = beta[j] * dw[i] + slope.dw[i];
      }
      estimate = s / n;
      if (withSe) for (let k = 0; k < p; k++) g[k] = dot(scratch, k) / n;
    } else {
      estimate = beta[j] * meanW;
      for (let k = 0; k < p; k++) g[k] = beta[j] * G[k];
    }
    g[j] += meanW;
    effects[j] = {
      ...termInfo(fixed.info[j], fixed.names[j]),
      method: "derivative",
      randomSlope: slope !== undefined,
      estimate,
      se: withSe ? deltaMethodSe(g, fit.vcov) : Number.NaN,
    };
  };

  const factorDummies = new Map<string, number[]>();
  for (let j = 0; j < p; j++) {
    const info = fixed.info[j];
    if (info.kind === "intercept") continue;
    if (convention === "discrete" && info.kind === "factorLevel") {
      const list = factorDummies.get(info.variable) ?? [];
      list.push(j);
      factorDummies.set(info.variable, list);
    } else {
      derivative(j);
    }
  }

  for (const dummies of factorDummies.values()) {
    const reference = model.counterfactual(dummies, -1);
    let p0Sum = 0;
    let w0Sum = 0;
    for (let i = 0; i < n; i++) {
      p0Sum += reference.p[i];
      w0Sum += reference.w[i];
    }
    for (const j of dummies) {
      const level = model.counterfactual(dummies, j);
      let p1Sum = 0;
      let w1Sum = 0;
      for (let i = 0; i < n; i++) {
        p1Sum += level.p[i];
        w1Sum += level.w[i];
        scratch[i] = level.w[i] - reference.w[i];
      }
      if (withSe) {
        for (let k = 0; k < p; k++) {
          const kind = xIndex.kind[k];
          if (dummies.includes(k)) g[k] = 0;
          else if (kind === "ones") g[k] = (w1Sum - w0Sum) / n;
          else g[k] = dot(scratch, k) / n;
        }
        g[j] = w1Sum / n;
      }
      effects[j] = {
        ...termInfo(fixed.info[j], fixed.names[j]),
        method: "discreteChange",
        randomSlope: model.slopes.has(j),
        estimate: (p1Sum - p0Sum) / n,
        se: withSe ? deltaMethodSe(g, fit.vcov) : Number.NaN,
      };
    }
  }
  return { meanDensity: meanW, effects: effects.filter((e): e is MarginalEffect => e !== undefined) };
}

function termInfo(info: FixedTermInfo, name: string): Pick<MarginalEffect, "term" | "variable" | "kind" | "level" | "reference"> {
  return {
    term: name,
    variable: info.variable,
    kind: info.kind,
    ...(info.level !== undefined ? { level: info.level } : {}),
    ...(info.reference !== undefined ? { reference: info.reference } : {}),
  };
}
