/**
 * The population-averaged (marginal) probability of a logit GLMM: per row, the probability averaged
 * over the fitted random-effect distribution instead of taken at the conditional modes,
 *
 *   pbar_i = E_b[ logistic(x_i' beta + z_i' b) ],   b ~ N(0, Sigma)   (every term, independent),
 *
 * which is what "the expected share for a student with these characteristics at a random location" means.
 * z_i' b is a sum of normal terms, so per row it is N(0, s_i^2) with
 *
 *   s_i^2 = sum_t z_ti' Sigma_t z_ti                                  (randomEffectVariance),
 *
 * and one-dimensional Gauss-Hermite quadrature with K nodes (src/numeric/gauss-hermite.ts) gives
 * pbar_i = sum_k w_k logistic(eta_i + s_i t_k). For s up to ~0.6 (the location variances of bijlage 3b)
 * 20 nodes are exact to rounding; at s = 1 the error is ~1e-10 and at s = 2 ~2e-6 (averageMarginalEffects
 * reports the error it measured against twice the nodes).
 *
 * marginalMoments also returns what the AMEs and their delta-method gradients need, all under the same
 * rule, with p = logistic(eta + v), w = p (1 - p) = dp/deta, w' = w (1 - 2p) = dw/deta, v = s Z:
 *
 *   p = E[p],  w = E[w],  dw = E[w'],  and (withSlope) wv = E[w v],  dwv = E[w' v].
 *
 * E[w v] enters through a random slope: for the random-effect column b_a of a row,
 * E[w b_a] = E[w E[b_a | v]] = (Cov(b_a, v) / s^2) E[w v], Cov(b_a, v) = (Sigma z_i)_a.
 */
import type { GlmmFit } from "../glmm/types";
import { normalExpectationRule } from "../numeric/gauss-hermite";

export interface MarginalMoments {
  readonly p: Float64Array;
  readonly w: Float64Array;
  readonly dw: Float64Array;
  /** E[w v] and E[w' v]; empty arrays unless withSlope. */
  readonly wv: Float64Array;
  readonly dwv: Float64Array;
}

/** A random-effects column (term t, column a) set to a value instead of its observed z (a counterfactual). */
export interface ColumnOverride {
  readonly term: number;
  readonly column: number;
  readonly value: number;
}

/** z_ta of row i, or the override's value. */
function zValue(fit: GlmmFit, overrides: readonly ColumnOverride[], t: number, a: number): Float64Array | number {
  for (const o of overrides) if (o.term === t && o.column === a) return o.value;
  return fit.design.random[t].z[a];
}

/** s_i^2 = sum_t z_ti' Sigma_t z_ti per row, with the given columns overridden. */
export function randomEffectVariance(fit: GlmmFit, overrides: readonly ColumnOverride[] = [], out: Float64Array = new Float64Array(fit.nobs)): Float64Array {
  const n = fit.nobs;
  out.fill(0);
  fit.design.random.forEach((term, t) => {
    const k = term.terms.length;
    const sigma = fit.varcorr[t].covariance;
    for (let a = 0; a < k; a++) {
      for (let c = 0; c <= a; c++) {
        const s = (a === c ? 1 : 2) * sigma[a * k + c];
        if (s === 0) continue;
        const za = zValue(fit, overrides, t, a);
        const zc = zValue(fit, overrides, t, c);
        if (typeof za === "number" && typeof zc === "number") {
          const v = s * za * zc;
          if (v !== 0) for (let i = 0; i < n; i++) out[i] += v;
        } else if (typeof za === "number") {
          if (za !== 0) for (let i = 0; i < n; i++) out[i] += s * za * (zc as Float64Array)[i];
        } else if (typeof zc === "number") {
          if (zc !== 0) for (let i = 0; i < n; i++) out[i] += s * za[i] * zc;
        } else {
          for (let i = 0; i < n; i++) out[i] += s * za[i] * zc[i];
        }
      }
    }
  });
  return out;
}

/**
 * (Sigma_t z_ti)_a per row: the covariance of the random effect of column a of term t with z_i' b
 * (the slope's share of v), with the given columns overridden.
 */
export function slopeCovariance(fit: GlmmFit, term: number, column: number, overrides: readonly ColumnOverride[] = []): Float64Array {
  const n = fit.nobs;
  const k = fit.design.random[term].terms.length;
  const sigma = fit.varcorr[term].covariance;
  const out = new Float64Array(n);
  for (let c = 0; c < k; c++) {
    const s = sigma[column * k + c];
    if (s === 0) continue;
    const z = zValue(fit, overrides, term, c);
    if (typeof z === "number") {
      for (let i = 0; i < n; i++) out[i] += s * z;
    } else {
      for (let i = 0; i < n; i++) out[i] += s * z[i];
    }
  }
  return out;
}

/**
 * The moments of the file comment per row, for linear predictors `eta` and variances `variance`, with
 * `nodes` Gauss-Hermite nodes. logistic(eta + s t_k) = 1 / (1 + exp(-eta) exp(-s t_k)): one exp per row
 * for exp(-eta), and the factors exp(-s t_k) computed once per distinct s (rows share a few values of
 * z' Sigma z when the random-effects columns are dummies; a design with a numeric slope recomputes them).
 */
export function marginalMoments(eta: Float64Array, variance: Float64Array, nodes: number, withSlope = false): MarginalMoments {
  const n = eta.length;
  const rule = normalExpectationRule(nodes);
  const z = rule.nodes;
  const weight = rule.weights;
  const p = new Float64Array(n);
  const w = new Float64Array(n);
  const dw = new Float64Array(n);
  const wv = new Float64Array(withSlope ? n : 0);
  const dwv = new Float64Array(withSlope ? n : 0);
  const factors = new Map<number, Float64Array>();
  let last = Number.NaN;
  let lastFactors = new Float64Array(nodes);
  for (let i = 0; i < n; i++) {
    const s = Math.sqrt(Math.max(variance[i], 0));
    if (s !== last) {
      let f = factors.get(s);
      if (!f) {
        f = Float64Array.from(z, (t) => Math.exp(-s * t));
        if (factors.size < 256) factors.set(s, f);
      }
      last = s;
      lastFactors = f;
    }
    const e = Math.exp(-eta[i]);
    let sp = 0;
    let sw = 0;
    let sdw = 0;
    let swv = 0;
    let sdwv = 0;
    for (let k = 0; k < nodes; k++) {
      const pk = 1 / (1 + e * lastFactors[k]);
      const wk = pk * (1 - pk);
      const dk = wk * (1 - 2 * pk);
      const o = weight[k];
      sp += o * pk;
      sw += o * wk;
      sdw += o * dk;
      if (withSlope) {
        const v = s * z[k];
        swv += o * wk * v;
        sdwv += o * dk * v;
      }
    }
    p[i] = sp;
    w[i] = sw;
    dw[i] = sdw;
    if (withSlope) {
      wv[i] = swv;
      dwv[i] = sdwv;
    }
  }
  return { p, w, dw, wv, dwv };
}
