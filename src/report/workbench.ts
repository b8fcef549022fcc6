/**
 * What the chapters' setup and the model workbench (src/pipeline/workbench.ts) show, as HTML: the
 * chapter's heading and parameters, and per model stage a compact view with the frames side by side
 * (one column per outcome-year): the design (n, columns of X, reference levels, dropped columns, groups
 * and their sizes), the fit (where it came from, its convergence report, the estimates) and the
 * statistics (R2, ICC, average marginal effects). Pure functions from plain data to a string.
 */
import type { KansenConfig } from "../config";
import { controlFields, formatTolerance, type GlmmControl } from "../glmm/control";
import type { GlmmFit, OptimisationSummary } from "../glmm/types";
import type { DesignDescription } from "../model/describe";
import type { AmeResult } from "../stats/ame";
import type { IccResult } from "../stats/icc";
import { escapeHtml } from "./escape";
import { termDisplayLabel } from "./adapters";
import { dutchCount, publishedTableNumber, randomComponentLabel, termLabel } from "./labels";
import { fixed } from "./tables";

const STYLE =
  "<style>.kmbo-wb{border-collapse:collapse;font:13px/1.35 Helvetica,Arial,sans-serif;margin:6px 0}" +
  ".kmbo-wb caption{text-align:left;font-weight:bold;padding:4px 0}.kmbo-wb th,.kmbo-wb td{padding:2px 8px;border-bottom:1px solid #e3e3e3;text-align:right;vertical-align:top}" +
  ".kmbo-wb th:first-child,.kmbo-wb td:first-child{text-align:left}.kmbo-wb .bad{color:#b00020;font-weight:bold}.kmbo-wb .ok{color:#1b7a2e}" +
  ".kmbo-wb td.txt,.kmbo-wb th.txt{text-align:left}.kmbo-wb-f{font:13px Helvetica,Arial,sans-serif;margin:4px 0}.kmbo-wb-f code{background:#f3f3f3;padding:1px 4px}" +
  ".kmbo-params{font:13px Helvetica,Arial,sans-serif;background:#f4f7fb;border-left:4px solid #1565c0;padding:6px 10px;margin:6px 0}</style>";

/** Where a fit came from: the fit cache, or the solver (and why not the cache). */
export type FitOrigin =
  | { readonly kind: "cache"; readonly key: string; readonly createdAt: string }
  | { readonly kind: "fitted"; readonly key: string; readonly reason: string };

/** One model's design on one frame, as the workbench hands it over. */
export interface DesignView {
  /** "doorstroom 2020". */
  readonly label: string;
  readonly formula: string;
  readonly reference: Readonly<Record<string, string>>;
  readonly description: DesignDescription;
}

export interface FitView extends DesignView {
  readonly fit: GlmmFit;
  readonly origin: FitOrigin;
}

export interface StatisticsView extends FitView {
  readonly r2: { readonly marginal: number; readonly conditional: number };
  readonly icc: IccResult;
  readonly ame: AmeResult;
}

/** A cell that reads as a number (or numbers: "0.123 (0.045)", "5 / 40 / 120", "3.1e-5", "< 0.001", "NA"). */
const NUMERIC_CELL = /^[\s\d.,()+\-\u2212e/<>%]*$|^NA$/;

/**
 * A table of HTML cells (already escaped) under an escaped caption and header. Numbers are right-aligned
 * so their digits line up; a cell of words (a message, where a fit came from) is left-aligned, and so is
 * the header of a column that holds only words.
 */
function table(caption: string, header: readonly string[], rows: readonly (readonly string[])[]): string {
  const isText = (c: string): boolean => c !== "" && !NUMERIC_CELL.test(c.replace(/<[^>]*>/g, "").replace(/&lt;/g, "<").replace(/&gt;/g, ">"));
  const textColumn = header.map((_, j) => j > 0 && rows.some((r) => isText(r[j] ?? "")) && rows.every((r) => (r[j] ?? "") === "" || isText(r[j] ?? "")));
  const th = header.map((h, j) => `<th${textColumn[j] ? ' class="txt"' : ""}>${escapeHtml(h)}</th>`).join("");
  const body = rows.map((r) => `<tr>${r.map((c, j) => `<td${j > 0 && isText(c) ? ' class="txt"' : ""}>${c}</td>`).join("")}</tr>`).join("");
  return `<table class="kmbo-wb"><caption>${escapeHtml(caption)}</caption><thead><tr>${th}</tr></thead><tbody>${body}</tbody></table>`;
}

/** The rows with something in at least one frame's column (a fit from the cache leaves the objective's rows empty). */
function filledRows(rows: readonly (readonly string[])[]): string[][] {
  return rows.filter((r) => r.slice(1).some((c) => c !== "")).map((r) => [...r]);
}

/** Text shown short, with the whole of it on hover (the solver's own description, quoted as it is). */
function short(text: string, full: string): string {
  return `<span title="${escapeHtml(full)}">${escapeHtml(text)}</span>`;
}

/** The SE method in a few Dutch words; the solver's full description on hover. */
function seMethodText(seMethod: string): string {
  if (seMethod.startsWith("hessian")) return short("uit de Hessiaan van de Laplace-deviantie (lme4's standaard)", seMethod);
  if (seMethod.startsWith("rx")) return short("uit (RX'RX)^-1, theta als bekend", seMethod);
  return escapeHtml(seMethod);
}

function expo(x: number): string {
  return Number.isFinite(x) ? x.toExponential(1) : "NA";
}

/** The formula once when every frame has the same one, else per frame. */
function formulaHtml(views: readonly DesignView[]): string {
  const distinct = [...new Set(views.map((v) => v.formula))];
  if (distinct.length === 1) return `<p class="kmbo-wb-f">Formule: <code>${escapeHtml(distinct[0] as string)}</code></p>`;
  return views.map((v) => `<p class="kmbo-wb-f">Formule (${escapeHtml(v.label)}): <code>${escapeHtml(v.formula)}</code></p>`).join("");
}

/** "migratie = geen migratie-achtergrond (geen)". */
function referenceText(reference: Readonly<Record<string, string>>): string {
  const entries = Object.entries(reference);
  if (entries.length === 0) return "geen factoren";
  return entries.map(([f, l]) => `${f} = ${l}`).join("; ");
}

/**
 * Stage 1, the design: per frame the number of students, rows left out for a missing value, the
 * outcome's count, the columns of X, the reference levels, the columns dropped by the rank check, and
 * per random-effects term its groups and how many students they hold; the columns of X with their mean
 * (a dummy's mean is the share in its level) under a fold.
 */
export function designSummaryHtml(model: string, views: readonly DesignView[]): string {
  const header = ["", ...views.map((v) => v.label)];
  const d = views.map((v) => v.description);
  const rows: string[][] = [
    ["studenten (n)", ...d.map((x) => dutchCount(x.nobs))],
    ["weggelaten rijen (ontbrekende waarde)", ...d.map((x) => dutchCount(x.droppedRows))],
    [`uitkomst = 1`, ...d.map((x) => `${dutchCount(x.response.successes)} (${fixed(x.response.successes / Math.max(1, x.response.trials), 3)})`)],
    ["kolommen van X (vaste effecten)", ...d.map((x) => String(x.fixed.length))],
    ["referentiecategorieën", ...views.map((v) => escapeHtml(referenceText(v.reference)))],
    ["vervallen kolommen (rangtekort)", ...d.map((x) => (x.dropped.length === 0 ? "geen" : escapeHtml(x.dropped.map((c) => `${c.name} (${c.reason})`).join("; "))))],
  ];
  const terms = d[0]?.random ?? [];
  terms.forEach((t, k) => {
    const name = `(${t.terms.map((z) => (z === "(Intercept)" ? "1" : z)).join(" + ")} | ${t.group})`;
    rows.push([`${escapeHtml(name)}: groepen`, ...d.map((x) => (x.random[k] ? dutchCount(x.random[k].levels) : ""))]);
    rows.push([`${escapeHtml(t.group)}: studenten per groep (min / mediaan / max)`, ...d.map((x) => {
      const r = x.random[k];
      return r ? `${dutchCount(r.minPerGroup)} / ${dutchCount(r.medianPerGroup)} / ${dutchCount(r.maxPerGroup)}` : "";
    })]);
  });
  const columnNames = [...new Set(d.flatMap((x) => x.fixed.map((c) => c.name)))];
  const columnRows = columnNames.map((name) => {
    const first = d.flatMap((x) => x.fixed).find((c) => c.name === name);
    const origin = first === undefined || first.kind === "intercept" ? "" : first.kind === "numeric" ? first.variable : `${first.variable}: ${first.level ?? ""} (ref. ${first.reference ?? ""})`;
    return [escapeHtml(name), escapeHtml(origin), ...d.map((x) => {
      const c = x.fixed.find((f) => f.name === name);
      return c === undefined ? "" : fixed(c.mean, 3);
    })];
  });
  return (
    STYLE +
    formulaHtml(views) +
    table(`Ontwerp van model ${model}`, header, rows) +
    `<details><summary>De ${columnNames.length} kolommen van X met hun gemiddelde (bij een dummy: het aandeel in dat niveau)</summary>` +
    table(`Kolommen van X, model ${model}`, ["kolom", "herkomst", ...views.map((v) => v.label)], columnRows) +
    "</details>"
  );
}

/**
 * Where a fit came from, without times: the table is part of the executed notebook, which two runs must
 * write identically (test/audit/determinism.test.ts); the times are in the fit's progress line.
 */
function originText(origin: FitOrigin): string {
  if (origin.kind === "cache") return `uit de fitcache (sleutel ${escapeHtml(origin.key.slice(0, 12))})`;
  return `geschat (${escapeHtml(origin.reason)}; sleutel ${escapeHtml(origin.key.slice(0, 12))})`;
}

/** Stage 2 on one frame, as the workbench hands it over. */
export interface ObjectiveView {
  readonly label: string;
  readonly key: string;
  readonly fromCache: boolean;
  /** Why the cache had no fit (empty for a fit from the cache). */
  readonly reason: string;
  /** The objective's dimensions and control, null when no objective was built (a fit from the cache). */
  readonly structure: {
    readonly nobs: number;
    readonly p: number;
    readonly nTheta: number;
    readonly q: number;
    readonly parameterNames: readonly string[];
    readonly control: GlmmControl;
  } | null;
}

/**
 * Stage 2, the Laplace objective d(theta, beta) = sum devres_i + ||u||^2 + log det(L)^2 of each design:
 * its parameters (theta, the lower triangles of the random-effects covariance factors, and beta), the
 * random effects it integrates out, and the solver's control (every tolerance and limit with its lme4
 * counterpart, under a fold). A fit from the fit cache needs no objective; the table says so.
 */
export function objectiveHtml(model: string, views: readonly ObjectiveView[]): string {
  const header = ["", ...views.map((v) => v.label)];
  const cell = (v: ObjectiveView, f: (x: NonNullable<ObjectiveView["structure"]>) => string): string => (v.structure === null ? "" : f(v.structure));
  const rows: string[][] = [
    ["doelfunctie", ...views.map((v) => (v.fromCache ? `niet opgebouwd: de fit komt uit de fitcache (sleutel ${escapeHtml(v.key.slice(0, 12))})` : `opgebouwd (${escapeHtml(v.reason)}; sleutel ${escapeHtml(v.key.slice(0, 12))})`))],
    ["waarnemingen", ...views.map((v) => cell(v, (x) => dutchCount(x.nobs)))],
    ["random effecten u (geïntegreerd met Laplace)", ...views.map((v) => cell(v, (x) => dutchCount(x.q)))],
    ["parameters: theta (covariantiefactoren)", ...views.map((v) => cell(v, (x) => escapeHtml(`${x.nTheta}: ${x.parameterNames.slice(0, x.nTheta).join(", ")}`)))],
    ["parameters: beta (vaste effecten)", ...views.map((v) => cell(v, (x) => String(x.p)))],
  ];
  const first = views.find((v) => v.structure !== null)?.structure;
  const control = first === undefined || first === null
    ? ""
    : `<details><summary>De instellingen van de schatter (src/glmm/control.ts), elk met zijn tegenhanger in lme4</summary>` +
      table("Instellingen", ["veld", "waarde", "standaard", "betekenis", "lme4"], controlFields(first.control).map((f) => [
        `<code>${escapeHtml(f.field)}</code>`, escapeHtml(formatTolerance(f.value)), escapeHtml(formatTolerance(f.default)), escapeHtml(f.meaning), escapeHtml(f.lme4),
      ])) + "</details>";
  return STYLE + table(`Doelfunctie van model ${model} (de Laplace-deviantie, als lme4's mkGlmerDevfun)`, header, filledRows(rows)) + control;
}

/** Stage 3 on one frame: the optimisation summary (null for a fit stored before summaries existed). */
export interface OptimisationView {
  readonly label: string;
  readonly summary: OptimisationSummary | null;
  readonly fromCache: boolean;
}

/** The optimiser's stages (src/glmm/optimise.ts) and starting points in the chapter's language. */
const STAGE_NAMES: Readonly<Record<OptimisationSummary["stages"][number]["stage"] | OptimisationSummary["start"]["kind"], string>> = {
  "lme4 start": "start (als lme4)",
  "warm start": "warme start",
  "beta at start": "beta bij de start",
  EM: "EM",
  Newton: "Newton",
  polish: "afronding (volle Hessiaan)",
  refit: "herschatting vanuit een nabij optimum (BFGS)",
};

/**
 * Stage 3, the optimisation, as MixedModels.jl's OptSummary keeps it: where it started (lme4's start or a
 * warm start) and the deviance there, each stage's log (Newton steps, deviance evaluations, exact
 * gradients, PIRLS passes, the deviance and Newton decrement where it ended), the totals and the final
 * gradient. No times: two runs must write the same notebook.
 */
export function optimisationHtml(model: string, views: readonly OptimisationView[]): string {
  const parts: string[] = [STYLE];
  for (const v of views) {
    const s = v.summary;
    if (s === null) {
      parts.push(`<p class="kmbo-wb-f">${escapeHtml(v.label)}: geen optimalisatiesamenvatting bewaard.</p>`);
      continue;
    }
    let maxGrad = 0;
    for (let i = 0; i < s.finalGradient.length; i++) maxGrad = Math.max(maxGrad, Math.abs(s.finalGradient[i] as number));
    const stages = s.stages.map((st) => [
      escapeHtml(STAGE_NAMES[st.stage]), String(st.iterations), String(st.evaluations), String(st.gradients), String(st.pirlsPasses),
      fixed(st.deviance, 4), Number.isFinite(st.decrement) ? expo(st.decrement) : "", escapeHtml(st.message),
    ]);
    stages.unshift([escapeHtml(STAGE_NAMES[s.start.kind]), "", "", "", "", fixed(s.start.deviance, 4), "", "het startpunt"]);
    stages.push([
      "<b>totaal</b>", String(s.iterations), String(s.evaluations), String(s.gradients), String(s.pirlsPasses), fixed(s.optimum.deviance, 4), expo(s.newtonDecrement),
      `${s.converged ? '<span class="ok">geconvergeerd</span>' : '<span class="bad">niet geconvergeerd</span>'}: ${escapeHtml(s.message)}; max |eindgradiënt| ${expo(maxGrad)}`,
    ]);
    parts.push(table(
      `Optimalisatie van model ${model}, ${v.label}${v.fromCache ? " (uit de fitcache: de samenvatting van toen)" : ""}`,
      ["stap", "iteraties", "evaluaties", "gradiënten", "PIRLS-passes", "deviantie", "Newton-decrement", "melding"],
      stages,
    ));
  }
  return parts.join("");
}

/**
 * Stage 4, the fit: where it came from (the fit cache or the solver), the convergence report (lme4's
 * checks: the gradient, the scaled gradient, the smallest Hessian eigenvalue, a singular fit, the
 * optimiser's messages) and the estimates, coefficient (SE) and variance (SD), per frame.
 */
export function fitReportHtml(model: string, views: readonly FitView[]): string {
  const header = ["", ...views.map((v) => v.label)];
  const c = views.map((v) => v.fit.convergence);
  const conv: string[][] = [
    ["herkomst", ...views.map((v) => originText(v.origin))],
    ["geconvergeerd", ...c.map((x) => (x.converged ? '<span class="ok">ja</span>' : '<span class="bad">NEE</span>'))],
    ["logLik", ...views.map((v) => fixed(v.fit.logLik, 2))],
    ["max |gradiënt|", ...c.map((x) => expo(x.maxAbsGradient))],
    ["max |geschaalde gradiënt| (lme4 waarschuwt boven 0.002)", ...c.map((x) => expo(x.maxAbsScaledGradient))],
    ["kleinste eigenwaarde van de Hessiaan", ...c.map((x) => expo(x.minHessianEigenvalue))],
    ["singulier (een variantie op nul)", ...c.map((x) => (x.singular ? '<span class="bad">ja</span>' : "nee"))],
    ["optimalisatie", ...c.map((x) => short(`Newton: ${x.iterations} iteraties, ${x.functionEvaluations} evaluaties`, x.optimizer))],
    ["standaardfouten", ...views.map((v) => seMethodText(v.fit.seMethod))],
    ["meldingen", ...c.map((x) => (x.messages.length === 0 ? "geen" : `<span class="bad">${escapeHtml(x.messages.join("; "))}</span>`))],
  ];
  const names = [...new Set(views.flatMap((v) => [...v.fit.design.fixed.names]))];
  const estimates: string[][] = names.map((name) => {
    const info = views.map((v) => v.fit.design.fixed.info.find((i) => i.name === name)).find((i) => i !== undefined);
    const label = info === undefined ? name : termDisplayLabel({ name, variable: info.variable, kind: info.kind, ...(info.level !== undefined ? { level: info.level } : {}) });
    return [escapeHtml(label), ...views.map((v) => {
      const j = v.fit.design.fixed.names.indexOf(name);
      return j < 0 ? "" : `${fixed(v.fit.beta[j] as number, 3)} (${fixed(v.fit.se[j] as number, 3)})`;
    })];
  });
  const components = [...new Set(views.flatMap((v) => v.fit.varcorr.flatMap((b) => b.terms.map((t) => `${b.group}\u0000${t}`))))];
  for (const comp of components) {
    const [group, term] = comp.split("\u0000") as [string, string];
    estimates.push([escapeHtml(randomComponentLabel(group, term)), ...views.map((v) => {
      const b = v.fit.varcorr.find((x) => x.group === group);
      const t = b?.terms.indexOf(term) ?? -1;
      if (b === undefined || t < 0) return "";
      const k = b.terms.length;
      return `${fixed(b.covariance[t * k + t] as number, 3)} (${fixed(b.sd[t] as number, 3)})`;
    })]);
  }
  return (
    STYLE +
    table(`Fit van model ${model}: convergentie`, header, conv) +
    table(`Fit van model ${model}: coëfficiënt (SE); random deel: variantie (SD)`, ["", ...views.map((v) => v.label)], estimates)
  );
}

/**
 * Stage 5, the statistics: Nakagawa's marginal and conditional R2 (3b prints the conditional one), the
 * latent-scale ICC with its parts per level, and the average marginal effects (AME (SE)).
 */
export function statisticsHtml(model: string, views: readonly StatisticsView[]): string {
  const header = ["", ...views.map((v) => v.label)];
  const groups = [...new Set(views.flatMap((v) => v.icc.byGroup.map((g) => g.group)))];
  const rows: string[][] = [
    ["R2 marginaal (vast deel)", ...views.map((v) => fixed(v.r2.marginal, 3))],
    ["R2 conditioneel (3b)", ...views.map((v) => fixed(v.r2.conditional, 3))],
    ["ICC (adjusted)", ...views.map((v) => fixed(v.icc.adjusted, 3))],
    ...groups.map((g) => [`ICC ${escapeHtml(g)}`, ...views.map((v) => {
      const x = v.icc.byGroup.find((b) => b.group === g);
      return x === undefined ? "" : fixed(x.icc, 3);
    })]),
    ["gemiddelde p(1 - p)", ...views.map((v) => fixed(v.ame.meanDensity, 4))],
  ];
  let html = STYLE + table(`Statistieken van model ${model}`, header, rows);
  // One row per term, in the order of Tabel 5-8.
  const effects = new Map(views.flatMap((v) => v.ame.effects).map((e) => [e.term, e]));
  if (effects.size > 0) {
    const ameRows = [...effects.values()]
      .map((e) => {
        const term = { name: e.term, variable: e.variable, kind: e.kind, ...(e.level !== undefined ? { level: e.level } : {}) };
        const cells = views.map((v) => {
          const x = v.ame.effects.find((y) => y.term === e.term);
          return x === undefined ? "" : `${fixed(x.estimate, 3)} (${fixed(x.se, 3)})`;
        });
        return { order: termLabel(term).order, row: [escapeHtml(termDisplayLabel(term)), ...cells] };
      })
      .sort((a, b) => a.order - b.order)
      .map((x) => x.row);
    html += table(`Average marginal effects van model ${model} (AME (SE), conventie van 3b)`, header, ameRows);
  }
  return html;
}

/** The model chapter's title for one outcome: "5. Multilevel modellen voor doorstroom (3a 3.3; bijlage 3b Tabel 5 en 6)". */
export function modelChapterTitle(chapterNumber: number, outcome: string): string {
  const t2020 = publishedTableNumber("model", outcome, 2020);
  const t2021 = publishedTableNumber("model", outcome, 2021);
  const tables = t2020 !== undefined && t2021 !== undefined ? `; bijlage 3b Tabel ${t2020} en ${t2021}` : "";
  return `${chapterNumber}. Multilevel modellen voor ${outcome} (3a 3.3${tables})`;
}

/** The parameters a chapter runs with, in one line each. */
function parameterLines(config: KansenConfig, parameters: { readonly outcomes?: readonly string[]; readonly years?: readonly number[]; readonly reference?: Readonly<Record<string, string>> }): string[] {
  const lines = [
    `uitkomsten: ${config.outcomes.join(", ")}${parameters.outcomes === undefined ? " (configuratie)" : ""}`,
    `jaren: ${config.years.join(", ")}${parameters.years === undefined ? " (configuratie)" : ""}`,
  ];
  const reference = Object.entries(config.reference).map(([f, l]) => `${f} = ${l}`).join("; ");
  lines.push(`referentiecategorieën: ${reference}${parameters.reference === undefined ? " (configuratie)" : ""}`);
  return lines;
}

/**
 * The head of a chapter: its title (the model chapter's depends on its outcome, so the setup shows it)
 * and the parameters it runs with, so an executed chapter says what it was asked to do.
 */
export function chapterHeaderHtml(input: {
  readonly title?: string;
  readonly config: KansenConfig;
  readonly parameters: { readonly outcomes?: readonly string[]; readonly years?: readonly number[]; readonly reference?: Readonly<Record<string, string>> };
  readonly fitCacheDir: string | null;
}): string {
  const title = input.title === undefined ? "" : `<h1 id="${escapeHtml(slugOf(input.title))}">${escapeHtml(input.title)}</h1>`;
  const lines = parameterLines(input.config, input.parameters);
  lines.push(input.fitCacheDir === null ? "fitcache: uit" : `fitcache: ${input.fitCacheDir}`);
  return `${STYLE}${title}<div class="kmbo-params"><b>Parameters van dit hoofdstuk</b> (de cel met tag <code>parameters</code>; in een headless run de cel <code>injected-parameters</code> eronder):<br>${lines.map(escapeHtml).join("<br>")}</div>`;
}

/** An id for a heading, as nbconvert makes them from markdown headings (spaces to hyphens). */
function slugOf(text: string): string {
  return text.replace(/[^\p{L}\p{N}]+/gu, "-").replace(/^-|-$/g, "");
}
