/**
 * The machine-readable result of `glmm fit --json`: one JSON object, assembled in one place.
 *
 * Fields (issue 3, item 6): converged, logLik, deviance, aic, bic, nobs, ngroups, fixef, varcorr,
 * diagnostics, elapsedSeconds; plus, so that a reader of the JSON alone knows what was fitted and what
 * was left out: formula, seMethod, messages (rank deficiency, rows dropped for missing values,
 * convergence warnings) and dropped (rows and columns).
 *
 * Post-fit statistics (issue 5, item 7): r2 and icc (as performance names them), ame (published
 * convention unless `--ame discrete`; conditional on the modes unless `--ame-random-effects`), each
 * null with a line in statisticsErrors if it cannot be computed; keep every field's derivation in this
 * one function.
 *
 * Intervals (issue 13, item 1): with --profile and/or --bootstrap, `intervals` lists
 * { parameter, method, level, lower, upper, note } per parameter and method (profile first), with
 * lme4's confint names (oldNames = FALSE); `profile` and `bootstrap` say what those runs did.
 */
import { designMessages, nearlyDependentColumns } from "../model/design";
import { RANK_TOLERANCE, type NearDependence } from "../model/rank";
import type { GlmmDesign } from "../model/types";
import type { GlmmFit } from "../glmm/types";
import { averageMarginalEffects, type AmeConvention, type AmeRandomEffects } from "../stats/ame";
import type { BootstrapResult } from "../inference/bootstrap";
import type { Interval } from "../inference/interval";
import type { ProfileResult } from "../inference/profile";
import { intraclassCorrelation } from "../stats/icc";
import { nakagawaR2 } from "../stats/r2";

/** A JSON number: non-finite values (an SE that could not be computed) become null. */
export type JsonNumber = number | null;

export interface FitJson {
  readonly converged: boolean;
  readonly formula: string;
  readonly logLik: JsonNumber;
  readonly deviance: JsonNumber;
  readonly aic: JsonNumber;
  readonly bic: JsonNumber;
  readonly nobs: number;
  readonly ngroups: Readonly<Record<string, number>>;
  readonly fixef: readonly { readonly term: string; readonly estimate: JsonNumber; readonly se: JsonNumber }[];
  readonly seMethod: string;
  readonly varcorr: readonly {
    readonly group: string;
    readonly terms: readonly string[];
    readonly sd: readonly JsonNumber[];
    readonly corr: readonly (readonly JsonNumber[])[];
  }[];
  readonly diagnostics: {
    readonly maxAbsGradient: JsonNumber;
    readonly maxAbsScaledGradient: JsonNumber;
    readonly minHessianEigenvalue: JsonNumber;
    readonly singular: boolean;
    readonly iterations: number;
    readonly functionEvaluations: number;
    readonly optimizer: string;
  };
  readonly dropped: { readonly rows: number; readonly columns: readonly { readonly name: string; readonly reason: string }[] };
  readonly messages: readonly string[];
  readonly elapsedSeconds: JsonNumber;
  /** Nakagawa's R2 as performance::r2_nakagawa (src/stats/r2.ts); null if it could not be computed. */
  readonly r2: { readonly conditional: JsonNumber; readonly marginal: JsonNumber } | null;
  /** Latent-scale ICC as performance::icc (src/stats/icc.ts); null if it could not be computed. */
  readonly icc: { readonly adjusted: JsonNumber; readonly unadjusted: JsonNumber } | null;
  /** Average marginal effects (src/stats/ame.ts) in `ameConvention`, random effects as `ameRandomEffects` (default included). */
  readonly ame: readonly { readonly term: string; readonly estimate: JsonNumber; readonly se: JsonNumber }[] | null;
  readonly ameConvention: AmeConvention;
  readonly ameRandomEffects: AmeRandomEffects;
  /** "published (mean derivative, ...), conditional on the estimated location effects (bijlage 3b)". */
  readonly ameLabel: string | null;
  /** With --profile and/or --bootstrap: one interval per parameter and method (src/inference). */
  readonly intervals?: readonly IntervalJson[];
  /** With --profile: what concerns every profile, and its time. */
  readonly profile?: { readonly level: number; readonly seconds: JsonNumber; readonly notes: readonly string[] };
  /** With --bootstrap: the replicates, how many converged and were singular, where they are kept. */
  readonly bootstrap?: {
    readonly replicates: number;
    readonly seed: number;
    readonly converged: number;
    readonly notConverged: number;
    readonly failed: number;
    readonly singular: number;
    readonly reused: number;
    readonly computed: number;
    readonly concurrency: number;
    readonly file: string | null;
    readonly seconds: JsonNumber;
  };
  /** Why a post-fit statistic above is null (empty when all were computed). */
  readonly statisticsErrors: readonly string[];
}

/** An interval as JSON: non-finite limits become null (the note says why). */
export interface IntervalJson {
  readonly parameter: string;
  readonly method: Interval["method"];
  readonly level: number;
  readonly lower: JsonNumber;
  readonly upper: JsonNumber;
  readonly note: string;
}

/** What --profile and --bootstrap add to the JSON. */
export interface IntervalRuns {
  readonly profile?: ProfileResult;
  readonly bootstrap?: { readonly result: BootstrapResult; readonly intervals: readonly Interval[]; readonly file: string | null };
}

/** Run one post-fit statistic; a failure becomes null plus a line in `errors`, so the fit is still printed. */
function statistic<T>(name: string, errors: string[], compute: () => T): T | null {
  try {
    return compute();
  } catch (e) {
    errors.push(`${name}: ${e instanceof Error ? e.message : String(e)}`);
    return null;
  }
}

export function jsonNumber(x: number): JsonNumber {
  return Number.isFinite(x) ? x : null;
}

/** A coefficient of a near-dependence, short: 2, -0.5, 1.0003, 3.1e-5. */
function coefficientText(c: number): string {
  return Number(c.toPrecision(5)).toString();
}

/**
 * "x2 ~ 2 x1 - 0.5 (Intercept)": what a nearly dependent column nearly equals, and how near, with
 * lme4's threshold for dropping it.
 */
export function nearDependenceNote(design: GlmmDesign, d: NearDependence): string {
  const names = design.fixed.names;
  const terms = d.combination
    .map((t, k) => {
      const c = coefficientText(Math.abs(t.coefficient));
      const sign = t.coefficient < 0 ? (k === 0 ? "-" : " - ") : k === 0 ? "" : " + ";
      return `${sign}${c === "1" ? "" : `${c} `}${names[t.index]}`;
    })
    .join("");
  return `${names[d.index]} ~ ${terms === "" ? "0" : terms} (relative residual ${d.residual.toExponential(1)}; lme4 drops a column only below ${RANK_TOLERANCE.toExponential(0)})`;
}

/**
 * The notes about the fit that lme4 would print as a message or a warning: rank deficiency, nearly
 * collinear columns, then the optimiser's (convergence, identifiability, separation, singular fit).
 * lme4's "Model is nearly unidentifiable" and "Hessian is numerically singular" get the nearly
 * collinear columns, when there are any, as their cause.
 */
export function fitWarnings(fit: GlmmFit): string[] {
  const design = fit.design;
  const near = nearlyDependentColumns(design);
  const names = design.fixed.names;
  const out: string[] = [];
  // designMessages' first note is the rank deficiency, when there is one.
  if (design.fixed.dropped.length > 0) out.push(designMessages(design)[0]);
  if (near.length > 0) out.push(`fixed-effect model matrix is nearly rank deficient: ${near.map((d) => nearDependenceNote(design, d)).join("; ")}`);
  const involved = [...new Set(near.flatMap((d) => [d.index, ...d.combination.map((t) => t.index)]))].sort((a, b) => a - b);
  const cause = involved.length > 0 ? ` (nearly collinear fixed-effect columns: ${involved.map((j) => names[j]).join(", ")})` : "";
  out.push(...fit.convergence.messages.map((m) => (/nearly unidentifiable|numerically singular/.test(m) ? `${m}${cause}` : m)));
  return out;
}

/** Every note a reader must see next to the numbers: the warnings, and the rows dropped for missing values. */
export function fitMessages(fit: GlmmFit): string[] {
  const warnings = fitWarnings(fit);
  const notes = designMessages(fit.design).slice(fit.design.fixed.dropped.length > 0 ? 1 : 0);
  // Design notes first, as before: rank deficiency and near-dependence, rows dropped, then the optimiser's.
  const designWarnings = warnings.length - fit.convergence.messages.length;
  return [...warnings.slice(0, designWarnings), ...notes, ...warnings.slice(designWarnings)];
}

/**
 * The `--json` object of a fit; `ame` and `ameRandomEffects` pick the AME conventions (default
 * "published", "included"); `runs` adds the intervals of --profile and --bootstrap.
 */
export function fitToJson(
  fit: GlmmFit,
  options: { readonly ame?: AmeConvention; readonly ameRandomEffects?: AmeRandomEffects } = {},
  runs: IntervalRuns = {},
): FitJson {
  const c = fit.convergence;
  const statisticsErrors: string[] = [];
  const convention = options.ame ?? "published";
  const randomEffects = options.ameRandomEffects ?? "included";
  const r2 = statistic("r2", statisticsErrors, () => nakagawaR2(fit));
  const icc = statistic("icc", statisticsErrors, () => intraclassCorrelation(fit));
  const ame = statistic("ame", statisticsErrors, () => averageMarginalEffects(fit, { convention, randomEffects }));
  const intervals = [...(runs.profile?.intervals ?? []), ...(runs.bootstrap?.intervals ?? [])];
  const boot = runs.bootstrap;
  return {
    converged: c.converged,
    formula: fit.design.formula,
    logLik: jsonNumber(fit.logLik),
    deviance: jsonNumber(fit.deviance),
    aic: jsonNumber(fit.aic),
    bic: jsonNumber(fit.bic),
    nobs: fit.nobs,
    ngroups: { ...fit.ngroups },
    fixef: fit.design.fixed.names.map((term, j) => ({ term, estimate: jsonNumber(fit.beta[j]), se: jsonNumber(fit.se[j]) })),
    seMethod: fit.seMethod,
    varcorr: fit.varcorr.map((b) => ({
      group: b.group,
      terms: [...b.terms],
      sd: b.sd.map(jsonNumber),
      corr: b.corr.map((row) => row.map(jsonNumber)),
    })),
    diagnostics: {
      maxAbsGradient: jsonNumber(c.maxAbsGradient),
      maxAbsScaledGradient: jsonNumber(c.maxAbsScaledGradient),
      minHessianEigenvalue: jsonNumber(c.minHessianEigenvalue),
      singular: c.singular,
      iterations: c.iterations,
      functionEvaluations: c.functionEvaluations,
      optimizer: c.optimizer,
    },
    dropped: { rows: fit.design.missing?.dropped ?? 0, columns: fit.design.fixed.dropped.map((d) => ({ ...d })) },
    messages: fitMessages(fit),
    elapsedSeconds: jsonNumber(fit.elapsedSeconds),
    r2: r2 && { conditional: jsonNumber(r2.conditional), marginal: jsonNumber(r2.marginal) },
    icc: icc && { adjusted: jsonNumber(icc.adjusted), unadjusted: jsonNumber(icc.unadjusted) },
    ame: ame && ame.effects.map((e) => ({ term: e.term, estimate: jsonNumber(e.estimate), se: jsonNumber(e.se) })),
    ameConvention: convention,
    ameRandomEffects: randomEffects,
    ameLabel: ame && ame.label,
    statisticsErrors,
    ...(runs.profile || boot
      ? {
          intervals: intervals.map((iv) => ({
            parameter: iv.parameter,
            method: iv.method,
            level: iv.level,
            lower: jsonNumber(iv.lower),
            upper: jsonNumber(iv.upper),
            note: iv.note,
          })),
        }
      : {}),
    ...(runs.profile ? { profile: { level: runs.profile.level, seconds: jsonNumber(runs.profile.seconds), notes: [...runs.profile.notes] } } : {}),
    ...(boot
      ? {
          bootstrap: {
            replicates: boot.result.counts.replicates,
            seed: boot.result.seed,
            converged: boot.result.counts.converged,
            notConverged: boot.result.counts.notConverged,
            failed: boot.result.counts.failed,
            singular: boot.result.counts.singular,
            reused: boot.result.reused,
            computed: boot.result.computed,
            concurrency: boot.result.concurrency,
            file: boot.file,
            seconds: jsonNumber(boot.result.seconds),
          },
        }
      : {}),
  };
}
