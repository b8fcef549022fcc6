/**
 * Intraclass correlation of a logit GLMM on the latent scale, where the level-1 (student) variance is
 * that of the standard logistic distribution, pi^2/3. For the empty three-level model 0,
 *
 *   logit(p_ijk) = beta_0 + u_location + v_institution,
 *
 *   ICC_location    = sigma2_loc  / (sigma2_loc + sigma2_inst + pi^2/3)
 *   ICC_institution = sigma2_inst / (sigma2_loc + sigma2_inst + pi^2/3)
 *   ICC (combined)  = (sigma2_loc + sigma2_inst) / (sigma2_loc + sigma2_inst + pi^2/3),
 *
 * the share of latent variance between locations and institutions, i.e. the correlation between two
 * students of the same location. Names as `performance::icc`:
 *
 *   adjusted   = sigma2_r / (sigma2_r + pi^2/3)             (random effects only)
 *   unadjusted = sigma2_r / (sigma2_f + sigma2_r + pi^2/3)  (also counts the fixed-effects variance)
 *
 * which coincide for model 0 (sigma2_f = 0). Per level, like `performance::icc(by_group = TRUE)`, each
 * term's INTERCEPT variance over the adjusted denominator; with random slopes that per-level split is only
 * indicative (performance warns), the combined values use the full sigma2_r.
 */
import type { GlmmFit } from "../glmm/types";
import { varianceDecomposition, type SlopeHandling } from "./variance-components";

export interface IccResult {
  readonly adjusted: number;
  readonly unadjusted: number;
  /** One entry per random-effects term with an intercept (grouping factor), in design order. */
  readonly byGroup: readonly { readonly group: string; readonly icc: number }[];
  readonly hasRandomSlopes: boolean;
}

/** The latent-scale ICC of a fitted logit GLMM (see the module comment). */
export function intraclassCorrelation(fit: GlmmFit, options: { slopes?: SlopeHandling } = {}): IccResult {
  const v = varianceDecomposition(fit, options.slopes ?? "asPerformance");
  const denominator = v.random + v.distribution;
  return {
    adjusted: v.random / denominator,
    unadjusted: v.random / (v.fixed + denominator),
    // Terms without an intercept ((0 + x | g)) have no between-group intercept variance: left out, as performance does.
    byGroup: v.terms.filter((t) => !Number.isNaN(t.interceptVariance)).map((t) => ({ group: t.group, icc: t.interceptVariance / denominator })),
    hasRandomSlopes: fit.design.random.some((t) => t.terms.some((name) => name !== "(Intercept)")),
  };
}
