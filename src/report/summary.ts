/**
 * A fitted model reduced to what the report needs, as plain JSON: the fixed effects with their origin,
 * the variance components, Nakagawa's R2, the AMEs and the convergence report. The model notebooks save
 * these summaries in the run's output folder so that later chapters (07-robuustheid) read model 2 from
 * there instead of refitting it, and a table can be rebuilt without the 400,000-row design.
 */
import type { ConvergenceReport, GlmmFit } from "../glmm/types";

export interface FixedEffectSummary {
  /** lme4 term name ("migratieniet-westers"). */
  readonly name: string;
  /** The frame column it comes from ("" for the intercept). */
  readonly variable: string;
  readonly kind: "intercept" | "numeric" | "factorLevel";
  readonly level?: string;
  readonly reference?: string;
  readonly estimate: number;
  readonly se: number;
}

/** One variance component: the variance of one column of one random-effects term. */
export interface VarianceComponent {
  readonly group: string;
  readonly term: string;
  readonly variance: number;
  readonly sd: number;
}

export interface RandomCorrelation {
  readonly group: string;
  readonly terms: readonly [string, string];
  readonly corr: number;
}

export interface AmeEntry {
  readonly term: string;
  readonly estimate: number;
  readonly se?: number;
}

export interface FitSummary {
  /** Model name as in 3a Tabel 2: "0", "1a", "1b", "1c", "2" (or a robustness variant, e.g. "2-zonder-cito"). */
  readonly model: string;
  readonly outcome: string;
  readonly year: number;
  readonly formula: string;
  readonly nobs: number;
  readonly ngroups: Readonly<Record<string, number>>;
  readonly fixed: readonly FixedEffectSummary[];
  readonly dropped: readonly { readonly name: string; readonly reason: string }[];
  readonly random: readonly VarianceComponent[];
  readonly correlations: readonly RandomCorrelation[];
  readonly logLik: number;
  readonly aic: number;
  readonly bic: number;
  readonly df: number;
  readonly convergence: ConvergenceReport;
  readonly elapsedSeconds: number;
  /** Nakagawa's pseudo R2 (3a 3.3: the conditional one is what 3b reports). */
  readonly r2?: { readonly conditional: number; readonly marginal: number };
  /** Average marginal effects (3b reports them for model 2). */
  readonly ame?: readonly AmeEntry[];
}

export interface SummaryExtras {
  readonly model: string;
  readonly outcome: string;
  readonly year: number;
  readonly r2?: { readonly conditional: number; readonly marginal: number };
  readonly ame?: readonly AmeEntry[];
}

/**
 * Reduce a GlmmFit to a FitSummary. Variances are the diagonal of each term's covariance
 * Sigma_k = Lambda_k Lambda_k'; correlations the off-diagonal Sigma_st / (sd_s sd_t).
 */
export function summariseFit(fit: GlmmFit, extras: SummaryExtras): FitSummary {
  const names = fit.design.fixed.names;
  const fixed: FixedEffectSummary[] = names.map((name, j) => {
    const info = fit.design.fixed.info[j];
    if (info === undefined || info.name !== name) {
      throw new Error(`summariseFit: design.fixed.info[${j}] does not describe term '${name}'`);
    }
    return {
      name,
      variable: info.variable,
      kind: info.kind,
      ...(info.level !== undefined ? { level: info.level } : {}),
      ...(info.reference !== undefined ? { reference: info.reference } : {}),
      estimate: fit.beta[j] as number,
      se: fit.se[j] as number,
    };
  });
  const random: VarianceComponent[] = [];
  const correlations: RandomCorrelation[] = [];
  for (const block of fit.varcorr) {
    const k = block.terms.length;
    block.terms.forEach((term, t) => {
      const variance = block.covariance[t * k + t] as number;
      random.push({ group: block.group, term, variance, sd: block.sd[t] ?? Math.sqrt(variance) });
      for (let s = 0; s < t; s++) {
        correlations.push({ group: block.group, terms: [block.terms[s] as string, term], corr: block.corr[t]?.[s] ?? NaN });
      }
    });
  }
  return {
    model: extras.model,
    outcome: extras.outcome,
    year: extras.year,
    formula: fit.design.formula,
    nobs: fit.nobs,
    ngroups: { ...fit.ngroups },
    fixed,
    dropped: fit.design.fixed.dropped.map((d) => ({ name: d.name, reason: d.reason })),
    random,
    correlations,
    logLik: fit.logLik,
    aic: fit.aic,
    bic: fit.bic,
    df: fit.df,
    convergence: fit.convergence,
    elapsedSeconds: fit.elapsedSeconds,
    ...(extras.r2 !== undefined ? { r2: extras.r2 } : {}),
    ...(extras.ame !== undefined ? { ame: extras.ame } : {}),
  };
}

/** Check that a parsed JSON value has the shape of a FitSummary (the cache is read back by 07). */
export function parseFitSummary(value: unknown, source: string): FitSummary {
  const fail = (what: string): never => {
    throw new Error(`${source}: not a fit summary (${what})`);
  };
  if (typeof value !== "object" || value === null) return fail("not an object");
  const o = value as Record<string, unknown>;
  for (const key of ["model", "outcome", "formula"]) if (typeof o[key] !== "string") fail(`'${key}' is not a string`);
  for (const key of ["year", "nobs", "logLik"]) if (typeof o[key] !== "number") fail(`'${key}' is not a number`);
  if (!Array.isArray(o["fixed"])) fail("'fixed' is not an array");
  if (!Array.isArray(o["random"])) fail("'random' is not an array");
  const conv = o["convergence"];
  if (typeof conv !== "object" || conv === null || typeof (conv as Record<string, unknown>)["converged"] !== "boolean") {
    fail("'convergence.converged' is missing");
  }
  // JSON has no NaN: a non-finite estimate or SE was written as null; read it back as NaN.
  const num = (x: unknown): number => (typeof x === "number" ? x : NaN);
  const fixed = (o["fixed"] as unknown[]).map((f, i) => {
    const r = f as Record<string, unknown>;
    if (typeof r["name"] !== "string") fail(`fixed[${i}] has no name`);
    if (!(typeof r["estimate"] === "number" || r["estimate"] === null)) fail(`fixed[${i}] has no estimate`);
    return { ...(r as unknown as FixedEffectSummary), estimate: num(r["estimate"]), se: num(r["se"]) };
  });
  const random = (o["random"] as unknown[]).map((c) => {
    const r = c as Record<string, unknown>;
    return { ...(r as unknown as VarianceComponent), variance: num(r["variance"]), sd: num(r["sd"]) };
  });
  const c = conv as Record<string, unknown>;
  const convergence = {
    ...(c as unknown as ConvergenceReport),
    maxAbsGradient: num(c["maxAbsGradient"]),
    maxAbsScaledGradient: num(c["maxAbsScaledGradient"]),
    minHessianEigenvalue: num(c["minHessianEigenvalue"]),
  };
  return { ...(value as FitSummary), fixed, random, convergence };
}
