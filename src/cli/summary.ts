/**
 * A readable summary of a fit in the layout of lme4's `summary(glmer(...))`: the information criteria,
 * the random-effects table (Variance, Std.Dev., Corr), the numbers of observations and groups, the
 * fixed-effects table with Wald z tests, and the convergence report. A fit that did not converge says
 * so in a banner at the top and again at the bottom, with max|grad| and the smallest Hessian eigenvalue.
 *
 * Wald test per coefficient: z = estimate / SE, Pr(>|z|) = 2 Phi(-|z|) (normal reference, as lme4).
 */
import type { GlmmFit } from "../glmm/types";
import type { Interval } from "../inference/interval";
import { fitMessages } from "./fitJson";
import { twoSidedNormalP } from "../numeric/distributions";

function padLeft(s: string, width: number): string {
  return s.length >= width ? s : " ".repeat(width - s.length) + s;
}

function padRight(s: string, width: number): string {
  return s.length >= width ? s : s + " ".repeat(width - s.length);
}

/** Lays out rows of cells; columns listed in `leftAligned` are padded on the right, others on the left. */
function table(rows: readonly (readonly string[])[], leftAligned: readonly number[] = [0]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, j) => (widths[j] = Math.max(widths[j] ?? 0, cell.length)));
  return rows.map((row) =>
    row
      .map((cell, j) => (leftAligned.includes(j) ? padRight(cell, widths[j]) : padLeft(cell, widths[j])))
      .join(" ")
      .trimEnd(),
  );
}

/**
 * One format per column, as R's format() chooses it: fixed decimals so that the smallest non-zero
 * magnitude shows 4 significant digits (at least 2 decimals); when that would take more than 7
 * decimals (values below 1e-4, e.g. a variance estimated at zero), scientific notation with 4 digits.
 */
type ColumnFormat = number | "scientific";

function columnDecimals(values: readonly number[]): ColumnFormat {
  const finite = values.filter((v) => Number.isFinite(v) && v !== 0).map(Math.abs);
  if (finite.length === 0) return 4;
  const decimals = Math.max(2, 3 - Math.floor(Math.log10(Math.min(...finite))));
  return decimals > 7 ? "scientific" : decimals;
}

function fixedNumber(v: number, format: ColumnFormat): string {
  if (!Number.isFinite(v)) return "NA";
  if (format === "scientific") return v.toExponential(3).replace(/e([+-])(\d)$/, "e$10$2");
  return v.toFixed(format);
}

/** R's format.pval style: "< 2e-16" below machine precision, scientific below 1e-4, else 3 digits. */
export function formatPValue(p: number): string {
  if (!Number.isFinite(p)) return "NA";
  if (p < 2.2e-16) return "< 2e-16";
  if (p < 1e-4) return p.toExponential(2).replace(/e([+-])(\d)$/, "e$10$2"); // R writes 9.39e-08
  return p.toPrecision(3);
}

/** R's significance stars. */
export function significanceStars(p: number): string {
  if (!Number.isFinite(p)) return "";
  return p < 0.001 ? "***" : p < 0.01 ? "**" : p < 0.05 ? "*" : p < 0.1 ? "." : "";
}

function significant(v: number, digits: number): string {
  if (!Number.isFinite(v)) return "NA";
  if (v === 0) return "0";
  const s = v.toPrecision(digits);
  return s.includes("e") ? s : String(Number(s));
}

function convergenceLines(fit: GlmmFit): string[] {
  const c = fit.convergence;
  const detail =
    `max|grad| = ${significant(c.maxAbsGradient, 3)}, max|scaled grad| = ${significant(c.maxAbsScaledGradient, 3)}, ` +
    `smallest Hessian eigenvalue = ${significant(c.minHessianEigenvalue, 4)}`;
  const lines = [
    c.converged
      ? `Convergence: converged (${c.optimizer}, ${c.iterations} iterations, ${c.functionEvaluations} function evaluations)`
      : `Convergence: *** NOT CONVERGED *** (${c.optimizer}, ${c.iterations} iterations, ${c.functionEvaluations} function evaluations)`,
    `  ${detail}`,
  ];
  if (c.singular) lines.push("  boundary (singular) fit: a variance component is estimated at (or near) zero");
  return lines;
}

function notConvergedBanner(fit: GlmmFit, where: "below" | "above"): string[] {
  const c = fit.convergence;
  return [
    `*** WARNING: THIS FIT DID NOT CONVERGE; the estimates ${where} are not a reliable maximum. ***`,
    `*** max|grad| = ${significant(c.maxAbsGradient, 3)}, smallest Hessian eigenvalue = ${significant(c.minHessianEigenvalue, 4)} ***`,
    "",
  ];
}

function randomEffectsLines(fit: GlmmFit): string[] {
  const rows: string[][] = [["Groups", "Name", "Variance", "Std.Dev.", ...(fit.varcorr.some((b) => b.terms.length > 1) ? ["Corr"] : [])]];
  const withCorr = rows[0].length === 5;
  const sds = fit.varcorr.flatMap((b) => b.sd);
  const dVar = columnDecimals(sds.map((sd) => sd * sd));
  const dSd = columnDecimals(sds);
  for (const b of fit.varcorr) {
    b.terms.forEach((term, t) => {
      const sd = b.sd[t];
      const row = [t === 0 ? b.group : "", term, fixedNumber(sd * sd, dVar), fixedNumber(sd, dSd)];
      if (withCorr) {
        // Lower triangle of the correlation matrix: row t shows corr(t, 0..t-1).
        const corr = b.corr[t].slice(0, t).map((r) => (Number.isFinite(r) ? r.toFixed(2) : "NA"));
        row.push(corr.join(" "));
      }
      rows.push(row);
    });
  }
  return table(rows, [0, 1, 2, 3, ...(withCorr ? [4] : [])]).map((l) => ` ${l}`);
}

/** R's quantile type 7 of sorted values: linear interpolation between order statistics at (n - 1) p. */
function quantileSorted(sorted: Float64Array, p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/**
 * lme4's "Scaled residuals": Pearson residuals r_i = (y_i / m_i - mu_i) / sqrt(mu_i (1 - mu_i) / m_i),
 * with mu_i the fitted probability including the conditional modes (the binomial scale is 1).
 */
export function scaledResidualQuantiles(fit: GlmmFit): number[] {
  const { successes, trials } = fit.design.response;
  const r = new Float64Array(fit.nobs);
  for (let i = 0; i < r.length; i++) {
    const mu = fit.fitted[i];
    const m = trials[i];
    r[i] = (successes[i] / m - mu) / Math.sqrt((mu * (1 - mu)) / m);
  }
  r.sort();
  return [0, 0.25, 0.5, 0.75, 1].map((p) => quantileSorted(r, p));
}

function residualLines(fit: GlmmFit): string[] {
  if (fit.nobs === 0 || fit.fitted.length !== fit.nobs) return [];
  const q = scaledResidualQuantiles(fit);
  if (!q.every(Number.isFinite)) return [];
  return ["Scaled residuals:", ...table([["Min", "1Q", "Median", "3Q", "Max"], q.map((v) => v.toFixed(4))], []).map((l) => ` ${l}`), ""];
}

/** lme4 prints the correlations of the fixed effects (from vcov) when there are at most 12 of them. */
function fixedCorrelationLines(fit: GlmmFit): string[] {
  const p = fit.design.fixed.names.length;
  if (p < 2) return [];
  if (p > 12) return [`Correlation matrix of the fixed effects not shown, as p = ${p} > 12 (as lme4).`];
  const short = fit.design.fixed.names.map((n) => (n === "(Intercept)" ? "(Intr)" : n.length > 6 ? n.slice(0, 6) : n));
  const rows: string[][] = [["", ...short.slice(0, p - 1)]];
  for (let j = 1; j < p; j++) {
    const row = [fit.design.fixed.names[j].slice(0, 12)];
    for (let k = 0; k < j; k++) {
      const r = fit.vcov[j * p + k] / Math.sqrt(fit.vcov[j * p + j] * fit.vcov[k * p + k]);
      row.push(Number.isFinite(r) ? r.toFixed(3) : "NA");
    }
    rows.push(row);
  }
  return ["Correlation of Fixed Effects:", ...table(rows)];
}

function fixedEffectsLines(fit: GlmmFit): string[] {
  const names = fit.design.fixed.names;
  const estimates = Array.from(fit.beta);
  const ses = Array.from(fit.se);
  // Estimate and Std. Error share one format, as R's printCoefmat formats them together.
  const dEst = columnDecimals([...estimates, ...ses]);
  const dSe = dEst;
  const rows: string[][] = [["", "Estimate", "Std. Error", "z value", "Pr(>|z|)", ""]];
  names.forEach((name, j) => {
    const z = estimates[j] / ses[j];
    const p = twoSidedNormalP(z);
    rows.push([name, fixedNumber(estimates[j], dEst), fixedNumber(ses[j], dSe), fixedNumber(z, 3), formatPValue(p), significanceStars(p)]);
  });
  return [
    ...table(rows, [0, 5]),
    "---",
    "Signif. codes:  0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1",
  ];
}

/**
 * The intervals of --profile / --bootstrap as lme4's confint prints them (one row per parameter and
 * method, the limits in the percent columns of the level), each note as a numbered footnote.
 */
export function intervalLines(intervals: readonly Interval[]): string[] {
  if (intervals.length === 0) return [];
  const level = intervals[0].level;
  const pct = (p: number): string => `${Number((p * 100).toFixed(2))} %`;
  const rows: string[][] = [["", "method", pct((1 - level) / 2), pct(1 - (1 - level) / 2), ""]];
  const notes: string[] = [];
  const d = columnDecimals(intervals.flatMap((iv) => [iv.lower, iv.upper]));
  for (const iv of intervals) {
    let mark = "";
    if (iv.note !== "") {
      notes.push(iv.note);
      mark = `[${notes.length}]`;
    }
    const lvl = iv.level === level ? "" : ` (${pct(iv.level)})`;
    rows.push([iv.parameter, `${iv.method}${lvl}`, fixedNumber(iv.lower, d), fixedNumber(iv.upper, d), mark]);
  }
  return [`Confidence intervals (${pct(level)}):`, ...table(rows, [0, 1, 4]), ...notes.map((n, k) => ` [${k + 1}] ${n}`)];
}

/**
 * The whole summary as text (lines joined by "\n", ending in a newline). `data` names the data source;
 * `intervals` (from --profile, --bootstrap) are printed after the fixed effects.
 */
export function formatSummary(fit: GlmmFit, data?: string, intervals: readonly Interval[] = []): string {
  const c = fit.convergence;
  const lines: string[] = [];
  if (!c.converged) lines.push(...notConvergedBanner(fit, "below"));
  lines.push(
    "Generalized linear mixed model fit by maximum likelihood (Laplace Approximation)",
    " Family: binomial  ( logit )",
    `Formula: ${fit.design.formula}`,
  );
  if (data !== undefined) lines.push(`   Data: ${data}`);
  lines.push("");
  const ic = [
    ["AIC", "BIC", "logLik", "deviance", "df.resid"],
    [fit.aic, fit.bic, fit.logLik, fit.deviance].map((v) => fixedNumber(v, 1)).concat(String(fit.nobs - fit.df)),
  ];
  lines.push(...table(ic, []).map((l) => ` ${l}`), "");
  lines.push(...residualLines(fit));
  lines.push("Random effects:", ...randomEffectsLines(fit));
  const groups = Object.entries(fit.ngroups)
    .map(([g, k]) => `${g}, ${k}`)
    .join("; ");
  lines.push(`Number of obs: ${fit.nobs}, groups:  ${groups}`, "");
  lines.push("Fixed effects:", ...fixedEffectsLines(fit));
  lines.push(`(standard errors: ${fit.seMethod})`, "");
  const correlations = fixedCorrelationLines(fit);
  if (correlations.length > 0) lines.push(...correlations, "");
  const intervalText = intervalLines(intervals);
  if (intervalText.length > 0) lines.push(...intervalText, "");
  const messages = fitMessages(fit);
  if (messages.length > 0) lines.push(...messages.map((m) => `Note: ${m}`), "");
  lines.push(...convergenceLines(fit));
  if (!c.converged) lines.push("", ...notConvergedBanner(fit, "above").slice(0, 2));
  lines.push(`Fit time: ${significant(fit.elapsedSeconds, 3)} s on ${fit.threads} thread${fit.threads === 1 ? "" : "s"}`);
  return lines.join("\n") + "\n";
}
