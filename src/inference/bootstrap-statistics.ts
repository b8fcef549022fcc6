/**
 * What a bootstrap records per replicate: one row of numbers, the same for the original fit (the
 * estimates t0) and for every replicate (t*), so that every interval comes from the same draws.
 *
 *   the variance parameters     sd_(Intercept)|g, cor_x.(Intercept)|g, sd_x|g, ...   (lme4's confint names)
 *   the fixed effects           (Intercept), x, ...
 *   icc_adjusted                the latent-scale ICC, as performance::icc (src/stats/icc.ts)
 *   r2_marginal, r2_conditional Nakagawa's R2, as performance::r2_nakagawa (src/stats/r2.ts)
 *   ame:<convention>:<term>     the AMEs (src/stats/ame.ts) in the chosen effect convention (published by
 *                               default), one block per random-effects convention: conditional on the
 *                               modes ("included"), at zero ("excluded"), integrated ("integrated")
 *   .converged .singular .fallback .deviance .decrement .iterations   the refit's diagnostics
 *
 * Names starting with a dot are diagnostics, not statistics: they get no interval.
 */
import type { GlmmFit } from "../glmm/types";
import { averageMarginalEffects, type AmeConvention, type AmeRandomEffects } from "../stats/ame";
import { intraclassCorrelation } from "../stats/icc";
import { nakagawaR2 } from "../stats/r2";
import { modelParameters, sdcorFromTheta } from "./parameters";

export interface StatisticsSettings {
  /** The effect convention of the AMEs (default "published"). */
  readonly ameConvention: AmeConvention;
  /** The random-effects conventions of the AMEs (default all three). */
  readonly ameRandomEffects: readonly AmeRandomEffects[];
  /** Gauss-Hermite nodes of the integrated AMEs (default 20). */
  readonly quadratureNodes: number;
}

export const DEFAULT_STATISTICS: StatisticsSettings = {
  ameConvention: "published",
  ameRandomEffects: ["included", "excluded", "integrated"],
  quadratureNodes: 20,
};

/** A replicate's refit, as the diagnostics columns record it. */
export interface RefitDiagnostics {
  readonly converged: boolean;
  readonly singular: boolean;
  readonly fallback: boolean;
  readonly deviance: number;
  readonly decrement: number;
  readonly iterations: number;
}

export const DIAGNOSTICS = [".converged", ".singular", ".fallback", ".deviance", ".decrement", ".iterations"] as const;

/** The AME block's name of a random-effects convention. */
export function ameLabel(randomEffects: AmeRandomEffects): string {
  return randomEffects === "included" ? "conditional" : randomEffects === "excluded" ? "zero" : "integrated";
}

/** The names of a row, in order (statistics, then the diagnostics). */
export function statisticNames(fit: GlmmFit, settings: StatisticsSettings): string[] {
  const names = modelParameters(fit.design).map((p) => p.name);
  names.push("icc_adjusted", "r2_marginal", "r2_conditional");
  const terms = fit.design.fixed.names.filter((_, j) => fit.design.fixed.info[j].kind !== "intercept");
  for (const re of settings.ameRandomEffects) for (const term of terms) names.push(`ame:${ameLabel(re)}:${term}`);
  names.push(...DIAGNOSTICS);
  return names;
}

/** The row of `fit` (an original fit or a replicate's), in the order of statisticNames. */
export function statisticRow(fit: GlmmFit, settings: StatisticsSettings, diagnostics: RefitDiagnostics): Float64Array {
  const out: number[] = [...sdcorFromTheta(fit.design, fit.theta), ...fit.beta];
  const icc = intraclassCorrelation(fit);
  const r2 = nakagawaR2(fit);
  out.push(icc.adjusted, r2.marginal, r2.conditional);
  for (const randomEffects of settings.ameRandomEffects) {
    const ame = averageMarginalEffects(fit, {
      convention: settings.ameConvention,
      randomEffects,
      quadratureNodes: settings.quadratureNodes,
      checkQuadrature: false,
      standardErrors: false,
    });
    for (const e of ame.effects) out.push(e.estimate);
  }
  out.push(
    diagnostics.converged ? 1 : 0,
    diagnostics.singular ? 1 : 0,
    diagnostics.fallback ? 1 : 0,
    diagnostics.deviance,
    diagnostics.decrement,
    diagnostics.iterations,
  );
  return Float64Array.from(out);
}
