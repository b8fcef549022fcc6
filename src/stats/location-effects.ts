/**
 * Location effects of a fitted model with `(1 + niet_westers | locatie)`: the data of a caterpillar plot
 * and the spread of the non-western effect across locations.
 *
 * Conditional modes b_hat_j = E[b_j | y] at the estimates (lme4 `ranef()`), with conditional SDs the
 * square roots of the diagonal of the conditional covariance (lme4 `ranef(condVar = TRUE)`, the "postVar").
 *
 * Spread: if location j's non-western effect is beta_nw + b_j,slope with b_j,slope ~ N(0, sigma2_slope),
 * 95% of location-specific effects lie in
 *
 *   beta_nw +- 1.96 sigma_slope              (log-odds scale),
 *
 * and, multiplying by the mean density mean_i p_i(1 - p_i) as the published AMEs do, approximately in
 *   mean(p(1-p)) (beta_nw +- 1.96 sigma_slope)   (probability scale).
 * The same interval is given for the intercept (the location's baseline log-odds, beta_0 +- 1.96 sigma_0).
 */
import type { GlmmFit } from "../glmm/types";
import { findRandomSlopes, ranefBlockFor } from "./random-slopes";

export interface LocationEffect {
  readonly level: string;
  readonly intercept: number;
  readonly interceptSd: number;
  /** NaN when the term has no slope. */
  readonly slope: number;
  readonly slopeSd: number;
  /** Rows (students) of this level. */
  readonly n: number;
}

export interface EffectSpread {
  /** The fixed effect (beta) the random effect varies around, NaN if the model has none. */
  readonly fixed: number;
  readonly sd: number;
  readonly lower: number;
  readonly upper: number;
}

export interface LocationEffects {
  readonly group: string;
  /** The random-effects column of the slope ("niet_westers"), or null for an intercept-only term. */
  readonly slopeName: string | null;
  /** The X column the slope duplicates ("migratieniet-westers"), or null. */
  readonly fixedSlopeTerm: string | null;
  /** Caterpillar data sorted by intercept mode (ascending). */
  readonly byIntercept: readonly LocationEffect[];
  /** The same sorted by slope mode (ascending); empty without a slope. */
  readonly bySlope: readonly LocationEffect[];
  readonly interceptSpread: EffectSpread;
  readonly slopeSpread: EffectSpread | null;
  /** mean_i p_i (1 - p_i) over the fitted values, the factor to the probability scale. */
  readonly meanDensity: number;
  /** slopeSpread times meanDensity. */
  readonly slopeSpreadProbability: EffectSpread | null;
}

const Z95 = 1.959963984540054;

function spread(fixed: number, variance: number): EffectSpread {
  const sd = Math.sqrt(variance);
  return { fixed, sd, lower: fixed - Z95 * sd, upper: fixed + Z95 * sd };
}

/** Caterpillar data and spreads for the random-effects term grouped by `group` (default "locatie"). */
export function locationEffects(fit: GlmmFit, options: { group?: string; slope?: string } = {}): LocationEffects {
  const group = options.group ?? "locatie";
  const termIndex = fit.design.random.findIndex(
    (t) => t.group === group && (options.slope === undefined || t.terms.includes(options.slope)),
  );
  if (termIndex < 0) {
    throw new Error(`no random-effects term for group '${group}'${options.slope ? ` with column '${options.slope}'` : ""} in ${fit.design.formula}`);
  }
  const term = fit.design.random[termIndex];
  const block = ranefBlockFor(fit, termIndex);
  const k = term.terms.length;
  const ic = term.terms.indexOf("(Intercept)");
  const sc = options.slope !== undefined ? term.terms.indexOf(options.slope) : term.terms.findIndex((name) => name !== "(Intercept)");
  const counts = new Int32Array(term.levels.length);
  for (let i = 0; i < term.index.length; i++) counts[term.index[i]]++;

  const effects: LocationEffect[] = term.levels.map((level, j) => ({
    level,
    intercept: ic >= 0 ? block.modes[j * k + ic] : Number.NaN,
    interceptSd: ic >= 0 ? Math.sqrt(block.condVar[j * k * k + ic * k + ic]) : Number.NaN,
    slope: sc >= 0 ? block.modes[j * k + sc] : Number.NaN,
    slopeSd: sc >= 0 ? Math.sqrt(block.condVar[j * k * k + sc * k + sc]) : Number.NaN,
    n: counts[j],
  }));

  const vc = fit.varcorr[termIndex];
  const interceptIndex = fit.design.fixed.names.indexOf("(Intercept)");
  const link = sc >= 0 ? findRandomSlopes(fit).find((l) => l.termIndex === termIndex && l.column === sc) : undefined;
  let meanDensity = 0;
  for (let i = 0; i < fit.fitted.length; i++) meanDensity += fit.fitted[i] * (1 - fit.fitted[i]);
  meanDensity /= fit.fitted.length;

  const slopeSpread = sc >= 0 ? spread(link ? fit.beta[link.fixedIndex] : Number.NaN, vc.covariance[sc * k + sc]) : null;
  return {
    group,
    slopeName: sc >= 0 ? term.terms[sc] : null,
    fixedSlopeTerm: link ? link.fixedName : null,
    byIntercept: [...effects].sort((a, b) => a.intercept - b.intercept),
    bySlope: sc >= 0 ? [...effects].sort((a, b) => a.slope - b.slope) : [],
    interceptSpread: spread(interceptIndex >= 0 ? fit.beta[interceptIndex] : Number.NaN, ic >= 0 ? vc.covariance[ic * k + ic] : Number.NaN),
    slopeSpread,
    meanDensity,
    slopeSpreadProbability: slopeSpread
      ? {
          fixed: slopeSpread.fixed * meanDensity,
          sd: slopeSpread.sd * meanDensity,
          lower: slopeSpread.lower * meanDensity,
          upper: slopeSpread.upper * meanDensity,
        }
      : null,
  };
}
