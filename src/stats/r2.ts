/**
 * Nakagawa's pseudo R2 for a logit GLMM (Nakagawa & Schielzeth 2012; Nakagawa, Johnson & Schielzeth 2017),
 * as `performance::r2_nakagawa` computes it:
 *
 *   R2_marginal    = sigma2_f / (sigma2_f + sigma2_r + pi^2/3)
 *   R2_conditional = (sigma2_f + sigma2_r) / (sigma2_f + sigma2_r + pi^2/3)
 *
 * with sigma2_f = var(X beta) and sigma2_r the mean over rows of z' Sigma z summed over random-effects
 * terms (src/stats/variance-components.ts explains the choices, including how random slopes enter).
 * Bijlage 3a 3.3 reports the conditional one.
 */
import type { GlmmFit } from "../glmm/types";
import { varianceDecomposition, type SlopeHandling, type VarianceDecomposition } from "./variance-components";

export interface NakagawaR2 {
  readonly conditional: number;
  readonly marginal: number;
  readonly variances: VarianceDecomposition;
  /** True when a variance is estimated at zero (performance then warns, and may return NA). */
  readonly singular: boolean;
  /** Random-slope columns left out of sigma2_r (performance's name matching); empty with slopes = "all". */
  readonly droppedSlopes: readonly string[];
}

/** Marginal and conditional R2 from a variance decomposition. */
export function r2FromVariances(v: VarianceDecomposition): { conditional: number; marginal: number } {
  const total = v.fixed + v.random + v.distribution;
  return { conditional: (v.fixed + v.random) / total, marginal: v.fixed / total };
}

/** Nakagawa's R2 of a fitted logit GLMM; `slopes` as in `varianceDecomposition` (default: as performance). */
export function nakagawaR2(fit: GlmmFit, options: { slopes?: SlopeHandling } = {}): NakagawaR2 {
  const variances = varianceDecomposition(fit, options.slopes ?? "asPerformance");
  return {
    ...r2FromVariances(variances),
    variances,
    singular: fit.convergence.singular,
    droppedSlopes: variances.terms.flatMap((t) => t.dropped.map((d) => `${d} | ${t.group}`)),
  };
}
