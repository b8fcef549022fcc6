/**
 * The variance decomposition on the latent (logit) scale that Nakagawa's R2 and the ICC share
 * (Nakagawa & Schielzeth 2012; Johnson 2014; Nakagawa, Johnson & Schielzeth 2017):
 *
 *   sigma2_f = var(x_i' beta)                            (sample variance, n - 1 denominator)
 *   sigma2_r = sum_k (1/n) sum_i z_ik' Sigma_k z_ik       (one term per random-effects term k)
 *   sigma2_d = pi^2 / 3                                   (the standard logistic distribution)
 *
 * For a random-intercept term z_ik = 1 and its contribution is simply the intercept variance. For a term
 * with a random slope, (1/n) sum_i z_i' Sigma z_i = Sigma_00 + 2 Sigma_01 mean(x) + Sigma_11 mean(x^2):
 * the average, over the observed rows, of the random-effect variance at that row's covariate value.
 *
 * sigma2_d: R's performance/insight (0.10.2 / 0.19.0, the versions installed here) use pi^2/3 for the
 * binomial family with logit link (insight:::.compute_variance_distribution), the "theoretical" latent
 * variance, not the observation-level (delta-method or lognormal) approximation that Nakagawa et al. 2017
 * also discuss for Poisson models. We use the same, so the ICC and R2 are those of the methodology.
 *
 * Which slope columns enter sigma2_r: insight 0.19.0 selects the rows of Sigma_k whose names are columns
 * of the FIXED-effects matrix X (insight:::.compute_variance_random) and takes their values from X. A random
 * slope named `niet_westers` with the fixed effect coded as the factor dummy `migratieniet-westers` is
 * therefore silently dropped, leaving only the intercept variance of that term. `slopes: "asPerformance"`
 * (the default, because it is what `performance::r2_nakagawa` and `performance::icc` report and hence
 * most likely what bijlage 3b's R2 is) reproduces that; `slopes: "all"` uses every random-effects
 * column, the definition of Johnson (2014). Both are reported by `nakagawaR2`.
 *
 * A second quirk of the same function: it sums over the VarCorr elements named like a grouping factor,
 * and lme4 names a second term of the same factor `g.1` (`(1 | g) + (0 + x | g)`), so "asPerformance"
 * counts only the first term of each grouping factor and reports the others as dropped.
 */
import type { GlmmFit } from "../glmm/types";
import { LOGISTIC_VARIANCE } from "./logistic";

export type SlopeHandling = "asPerformance" | "all";

export interface RandomTermVariance {
  readonly group: string;
  /** The random-effects columns that entered the mean of z' Sigma z. */
  readonly columns: readonly string[];
  /** Columns of the term left out (only with slopes = "asPerformance"). */
  readonly dropped: readonly string[];
  /** Sigma_00: the intercept variance (NaN if the term has no intercept). */
  readonly interceptVariance: number;
  /** (1/n) sum_i z_i' Sigma z_i over the retained columns. */
  readonly variance: number;
}

export interface VarianceDecomposition {
  /** sigma2_f = var(X beta), n - 1 denominator. */
  readonly fixed: number;
  /** sigma2_r = sum of the terms' variances. */
  readonly random: number;
  /** sigma2_d = pi^2 / 3. */
  readonly distribution: number;
  readonly terms: readonly RandomTermVariance[];
  readonly slopes: SlopeHandling;
}

/** Sample variance (n - 1 denominator) of the fixed-part linear predictor x_i' beta. */
export function fixedEffectVariance(etaFixed: Float64Array): number {
  const n = etaFixed.length;
  if (n < 2) return 0;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += etaFixed[i];
  mean /= n;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const d = etaFixed[i] - mean;
    ss += d * d;
  }
  return ss / (n - 1);
}

/** (1/n) sum_i z_i' Sigma z_i = sum_{s,t} Sigma_st mean_i(z_is z_it), for the given columns of one term. */
function meanQuadraticForm(z: readonly Float64Array[], sigma: Float64Array, k: number, keep: readonly number[]): number {
  let total = 0;
  for (const s of keep) {
    for (const t of keep) {
      const sst = sigma[s * k + t];
      if (sst === 0) continue;
      const zs = z[s];
      const zt = z[t];
      const n = zs.length;
      let cross = 0;
      for (let i = 0; i < n; i++) cross += zs[i] * zt[i];
      total += (sst * cross) / n;
    }
  }
  return total;
}

/** The latent-scale variance decomposition of a fitted logit GLMM (see the module comment). */
export function varianceDecomposition(fit: GlmmFit, slopes: SlopeHandling = "asPerformance"): VarianceDecomposition {
  const fixedNames = new Set(fit.design.fixed.names);
  const terms: RandomTermVariance[] = [];
  const seenGroups = new Set<string>();
  let random = 0;
  fit.design.random.forEach((term, r) => {
    const vc = fit.varcorr[r];
    if (!vc || vc.group !== term.group || vc.terms.length !== term.terms.length) {
      throw new Error(`fit.varcorr[${r}] does not match random-effects term (${term.terms.join(" + ")} | ${term.group})`);
    }
    const k = term.terms.length;
    const keep: number[] = [];
    const dropped: string[] = [];
    const repeatedGroup = seenGroups.has(term.group);
    seenGroups.add(term.group);
    term.terms.forEach((name, t) => {
      if (slopes === "all" || (!repeatedGroup && (name === "(Intercept)" || fixedNames.has(name)))) keep.push(t);
      else dropped.push(name);
    });
    const variance = meanQuadraticForm(term.z, vc.covariance, k, keep);
    const ic = term.terms.indexOf("(Intercept)");
    terms.push({
      group: term.group,
      columns: keep.map((t) => term.terms[t]),
      dropped,
      interceptVariance: ic >= 0 ? vc.covariance[ic * k + ic] : Number.NaN,
      variance,
    });
    random += variance;
  });
  return { fixed: fixedEffectVariance(fit.etaFixed), random, distribution: LOGISTIC_VARIANCE, terms, slopes };
}
