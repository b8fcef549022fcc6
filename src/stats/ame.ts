/**
 * Average marginal effects (AMEs) of a fitted logit GLMM, with delta-method standard errors.
 *
 * Predictions: p_i = logistic(eta_i) = 1 / (1 + exp(-eta_i)) (exp overflow gives 0 or 1, as it should). With `randomEffects: "included"` (the default) eta_i = x_i' beta +
 * z_i' b_hat, the conditional modes included, as `predict(fit, type = "response")` does for a glmer fit;
 * with `"excluded"` eta_i = x_i' beta, the population-level prediction with every random effect at zero
 * (`predict(fit, re.form = NA)`).
 *
 * Convention "published" (default; what bijlage 3b Tabel 5-8 report): every column of X, dummies
 * included, is treated as numeric and the AME is the sample mean of the derivative
 *
 *   AME_j = (1/n) sum_i dp_i/dx_ij = (1/n) sum_i p_i (1 - p_i) (beta_j + b_{g(i), j}),
 *
 * where b_{g(i), j} is the conditional mode of a random slope on x_j (model 2: non-western background per
 * location; see random-slopes.ts) and is zero for columns without one or when random effects are
 * excluded. Without a slope this is beta_j * mean(p(1-p)), the "about 0.2 times the coefficient" of Tabel 5.
 *
 * Convention "discrete": for a factor level j of factor F (dummies D_F), the mean change in probability
 * between the level and the reference, all other dummies of F at 0 and everything else as observed:
 *
 *   AME_j = (1/n) sum_i [ logistic(eta_i^0 + beta_j + b_ij) - logistic(eta_i^0) ],
 *   eta_i^0 = eta_i - sum_{d in D_F} x_id (beta_d + b_id)
 *
 * (the random slope moves with the dummy it duplicates). Numeric columns keep the derivative.
 *
 * Delta method (b_hat held fixed, as in predict() on counterfactual data): se_j = sqrt(g_j' V g_j) with
 * V = vcov(beta) and the analytic gradient g_jk = d AME_j / d beta_k, using dp/deta = p(1-p) and
 * d[p(1-p)]/deta = p(1-p)(1-2p):
 *
 *   derivative:  g_jk = [k = j] mean(w) + mean( w_i (1 - 2 p_i) (beta_j + b_ij) x_ik ),   w = p(1-p)
 *   discrete:    g_jk = mean( (w1_i - w0_i) x_ik ) for k outside D_F,  g_jj = mean(w1),  0 for other k in D_F.
 *
 * Cost: one pass for p and w, then dot products with the columns of X, which for 0/1 dummies only visit
 * the rows where the dummy is 1 (column-index.ts); scratch arrays are allocated once per call, never per
 * row or per term.
 */
import type { GlmmFit } from "../glmm/types";
import type { FixedTermInfo } from "../model/types";
import { columnIndex, dotColumn } from "./column-index";
import { findRandomSlopes, ranefBlockFor } from "./random-slopes";

export type AmeConvention = "published" | "discrete";
export type AmeRandomEffects = "included" | "excluded";

export interface AmeOptions {
  readonly convention?: AmeConvention;
  readonly randomEffects?: AmeRandomEffects;
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
  /** True when a random slope's conditional modes entered (random effects included, slope on this column). */
  readonly randomSlope: boolean;
  readonly estimate: number;
  readonly se: number;
}

export interface AmeResult {
  readonly convention: AmeConvention;
  readonly randomEffects: AmeRandomEffects;
  /** mean_i p_i (1 - p_i): the factor that turns a coefficient without random slope into its AME. */
  readonly meanDensity: number;
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

/** Average marginal effects for every non-intercept column of X (see the module comment). */
export function averageMarginalEffects(fit: GlmmFit, options: AmeOptions = {}): AmeResult {
  const convention = options.convention ?? "published";
  const randomEffects = options.randomEffects ?? "included";
  const { fixed } = fit.design;
  const n = fit.nobs;
  const p = fixed.columns.length;
  const X = fixed.columns;
  const beta = fit.beta;
  if (beta.length !== p || fit.vcov.length !== p * p) {
    throw new Error(`fit has ${beta.length} coefficients and a ${Math.sqrt(fit.vcov.length)}-square vcov for ${p} columns of X`);
  }
  const eta = randomEffects === "included" ? fit.eta : fit.etaFixed;
  const xIndex = columnIndex(fixed);
  const dot = (v: Float64Array, k: number): number => dotColumn(v, fixed, xIndex, k);

  // Per row, the sum of the random-slope modes on each X column that has one: b_ij.
  const slopeModes = new Map<number, Float64Array>();
  if (randomEffects === "included") {
    for (const link of findRandomSlopes(fit)) {
      const block = ranefBlockFor(fit, link.termIndex);
      const index = fit.design.random[link.termIndex].index;
      const k = block.terms.length;
      let b = slopeModes.get(link.fixedIndex);
      if (!b) {
        b = new Float64Array(n);
        slopeModes.set(link.fixedIndex, b);
      }
      for (let i = 0; i < n; i++) b[i] += block.modes[index[i] * k + link.column];
    }
  }

  // One pass: w_i = p_i (1 - p_i) and v_i = w_i (1 - 2 p_i).
  const w = new Float64Array(n);
  const v = new Float64Array(n);
  let sumW = 0;
  for (let i = 0; i < n; i++) {
    const pi = 1 / (1 + Math.exp(-eta[i])); // logistic, inlined in the hot loop
    const wi = pi * (1 - pi);
    w[i] = wi;
    v[i] = wi * (1 - 2 * pi);
    sumW += wi;
  }
  const meanW = sumW / n;
  // G_k = (1/n) sum_i v_i x_ik, shared by all derivative AMEs without a random slope.
  const G = new Float64Array(p);
  for (let k = 0; k < p; k++) G[k] = dot(v, k) / n;

  const effects: (MarginalEffect | undefined)[] = new Array(p);
  const scratch = new Float64Array(n);
  const g = new Float64Array(p);

  const derivative = (j: number): void => {
    const b = slopeModes.get(j);
    let estimate: number;
    if (b) {
      // u_i = v_i (beta_j + b_ij); AME = mean(w (beta_j + b_j)).
      let s = 0;
      for (let i = 0; i < n; i++) {
        const effect = beta[j] + b[i];
        s += w[i] * effect;
        scratch[i] = v[i] * effect;
      }
      estimate = s / n;
      for (let k = 0; k < p; k++) g[k] = dot(scratch, k) / n;
    } else {
      estimate = beta[j] * meanW;
      for (let k = 0; k < p; k++) g[k] = beta[j] * G[k];
    }
    g[j] += meanW;
    effects[j] = {
      ...termInfo(fixed.info[j], fixed.names[j]),
      method: "derivative",
      randomSlope: b !== undefined,
      estimate,
      se: deltaMethodSe(g, fit.vcov),
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

  if (factorDummies.size > 0) {
    const eta0 = new Float64Array(n);
    const w0 = new Float64Array(n);
    // Dense columns (not 0/1, e.g. age and cito) are accumulated inside the row pass of each level;
    // the column of ones is sum(w1 - w0) = w1Sum - w0Sum; sparse 0/1 columns are gathered afterwards.
    const dense = xIndex.kind.flatMap((kind, k) => (kind === null ? [k] : []));
    const denseX = dense.map((k) => X[k]);
    const denseSums = new Float64Array(dense.length);
    for (const dummies of factorDummies.values()) {
      // eta^0: every dummy of the factor (and any slope on it) set to the reference.
      eta0.set(eta);
      for (const d of dummies) {
        const kind = xIndex.kind[d];
        const b = slopeModes.get(d);
        const bd = beta[d];
        if (kind !== null && kind !== "ones") {
          for (let m = 0; m < kind.length; m++) {
            const i = kind[m];
            eta0[i] -= bd + (b !== undefined ? b[i] : 0);
          }
        } else {
          const x = X[d];
          for (let i = 0; i < n; i++) if (x[i] !== 0) eta0[i] -= x[i] * (bd + (b !== undefined ? b[i] : 0));
        }
      }
      // From here on eta0 holds exp(-eta^0_i): then p(level j) = 1 / (1 + exp(-eta^0_i) exp(-beta_j - b_ij)),
      // one exp per row for the factor instead of one per row and level.
      let p0Sum = 0;
      let w0Sum = 0;
      for (let i = 0; i < n; i++) {
        const e = Math.exp(-eta0[i]);
        eta0[i] = e;
        const p0 = 1 / (1 + e);
        const w = p0 * (1 - p0);
        w0[i] = w;
        p0Sum += p0;
        w0Sum += w;
      }
      for (const j of dummies) {
        const b = slopeModes.get(j);
        let p1Sum = 0;
        let w1Sum = 0;
        const shift = Math.exp(-beta[j]);
        denseSums.fill(0);
        for (let i = 0; i < n; i++) {
          const p1 = 1 / (1 + eta0[i] * (b !== undefined ? shift * Math.exp(-b[i]) : shift));
          const w1 = p1 * (1 - p1);
          p1Sum += p1;
          w1Sum += w1;
          const diff = w1 - w0[i];
          scratch[i] = diff;
          for (let m = 0; m < denseX.length; m++) denseSums[m] += diff * denseX[m][i];
        }
        for (let k = 0; k < p; k++) {
          const kind = xIndex.kind[k];
          if (dummies.includes(k)) g[k] = 0;
          else if (kind === "ones") g[k] = (w1Sum - w0Sum) / n;
          else if (kind !== null) g[k] = dot(scratch, k) / n;
        }
        dense.forEach((k, m) => (g[k] = denseSums[m] / n));
        g[j] = w1Sum / n;
        effects[j] = {
          ...termInfo(fixed.info[j], fixed.names[j]),
          method: "discreteChange",
          randomSlope: b !== undefined,
          estimate: (p1Sum - p0Sum) / n,
          se: deltaMethodSe(g, fit.vcov),
        };
      }
    }
  }

  return {
    convention,
    randomEffects,
    meanDensity: meanW,
    effects: effects.filter((e): e is MarginalEffect => e !== undefined),
  };
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
