/**
 * Figures as plotly.js specifications: pure data (traces + layout), so a test can check them without a
 * browser, and one renderer for both places they appear: the notebook (a <div> and a Plotly.newPlot
 * script, the bundle loaded once per notebook) and a standalone HTML file with the pinned plotly.js-dist
 * bundle inlined (no CDN, so it opens offline and in an archive).
 */
import { readFileSync } from "node:fs";
import { escapeHtml } from "./escape";

/** One plotly trace. The keys used here are plotly's own (type, x, y, error_x, marker, ...). */
export interface PlotlyTrace {
  readonly type: string;
  readonly name?: string;
  readonly x?: readonly (number | string)[];
  readonly y?: readonly (number | string)[];
  readonly [key: string]: unknown;
}

export interface FigureSpec {
  /** Stable id: the div id in a notebook and the file name of the standalone HTML. */
  readonly id: string;
  readonly title: string;
  readonly data: readonly PlotlyTrace[];
  readonly layout: Readonly<Record<string, unknown>>;
}

const Z95 = 1.959963984540054;
const FONT = { family: "Helvetica, Arial, sans-serif", size: 13 };
/** Colours per migration background, the same in every figure. */
export const BACKGROUND_COLOURS: Readonly<Record<string, string>> = {
  "Geen migratie-achtergrond": "#4c72b0",
  "Niet-westerse migratieachtergrond": "#dd8452",
  "Westerse migratieachtergrond": "#55a868",
};

function baseLayout(title: string, extra: Record<string, unknown>): Record<string, unknown> {
  return { title: { text: title }, font: FONT, margin: { l: 70, r: 30, t: 60, b: 60 }, ...extra };
}

function checkFinite(where: string, label: string, ...xs: number[]): void {
  for (const x of xs) if (!Number.isFinite(x)) throw new Error(`${where}: '${label}' has a non-finite value (${x})`);
}

// ---------------------------------------------------------------------------------------------------

export interface OutcomeRate {
  readonly year: number;
  /** Series label, e.g. the migration background as 3b prints it. */
  readonly group: string;
  /** Share with the outcome (0-1). */
  readonly rate: number;
  readonly n: number;
}

/** 3a 3.1: the outcome rate by migration background over the years (2016-2021), one line per group. */
export function outcomeRatesFigure(outcome: string, rates: readonly OutcomeRate[]): FigureSpec {
  if (rates.length === 0) throw new Error(`outcomeRatesFigure(${outcome}): no rates given`);
  const groups = [...new Set(rates.map((r) => r.group))];
  const data = groups.map((g) => {
    const rs = rates.filter((r) => r.group === g).sort((a, b) => a.year - b.year);
    rs.forEach((r) => checkFinite("outcomeRatesFigure", `${g} ${r.year}`, r.rate));
    return {
      type: "scatter",
      mode: "lines+markers",
      name: g,
      x: rs.map((r) => r.year),
      y: rs.map((r) => r.rate),
      customdata: rs.map((r) => r.n),
      hovertemplate: "%{x}: %{y:.1%} (n = %{customdata})<extra>" + g + "</extra>",
      line: { color: BACKGROUND_COLOURS[g] ?? null },
    };
  });
  return {
    id: `rates-${outcome}`,
    title: `${outcome === "vsv" ? "Vsv" : "Doorstroom"} naar migratieachtergrond per jaar`,
    data,
    layout: baseLayout(`${outcome === "vsv" ? "Vsv" : "Doorstroom"} naar migratieachtergrond per jaar`, {
      xaxis: { title: { text: "Jaar (uitkomst in schooljaar T)" }, dtick: 1 },
      yaxis: { title: { text: `Aandeel ${outcome}` }, tickformat: ".0%", rangemode: "tozero" },
      legend: { orientation: "h", y: -0.2 },
    }),
  };
}

export interface FlowStep {
  readonly label: string;
  readonly n: number;
}

/** 3a 3.2: the selection flow as a funnel, students remaining after each rule. */
export function selectionFlowFigure(id: string, title: string, steps: readonly FlowStep[]): FigureSpec {
  if (steps.length === 0) throw new Error(`selectionFlowFigure(${id}): no steps given`);
  steps.forEach((s) => checkFinite("selectionFlowFigure", s.label, s.n));
  return {
    id,
    title,
    data: [
      {
        type: "funnel",
        y: steps.map((s) => s.label),
        x: steps.map((s) => s.n),
        // Whole counts with a thousands separator and the share of the start (plotly's default "11.014k" misleads).
        texttemplate: "%{value:,d}<br>%{percentInitial:.1%}",
        marker: { color: "#4c72b0" },
      },
    ],
    layout: baseLayout(title, { margin: { l: 330, r: 30, t: 60, b: 40 }, height: 120 + 45 * steps.length }),
  };
}

export interface ScoreDistribution {
  readonly label: string;
  /** counts[s] = number of students with cito score s (0-50, i.e. 500-550). */
  readonly counts: readonly number[];
}

/** 3a 2.4: the cito score distribution (as shares) for groups defined by missingness elsewhere. */
export function citoByMissingnessFigure(id: string, title: string, groups: readonly ScoreDistribution[]): FigureSpec {
  if (groups.length === 0) throw new Error(`citoByMissingnessFigure(${id}): no groups given`);
  const data = groups.map((g) => {
    const total = g.counts.reduce((a, b) => a + b, 0);
    if (total === 0) throw new Error(`citoByMissingnessFigure(${id}): group '${g.label}' has no students with a cito score`);
    return {
      type: "bar",
      name: `${g.label} (n = ${total})`,
      x: g.counts.map((_, s) => 500 + s),
      y: g.counts.map((c) => c / total),
      opacity: 0.6,
    };
  });
  return {
    id,
    title,
    data,
    layout: baseLayout(title, {
      barmode: "overlay",
      xaxis: { title: { text: "Citoscore" } },
      yaxis: { title: { text: "Aandeel studenten" }, tickformat: ".0%" },
      legend: { orientation: "h", y: -0.2 },
    }),
  };
}

export interface Estimate {
  readonly label: string;
  readonly estimate: number;
  readonly se: number;
}

/** 3a 3.3: average marginal effects of model 2 with 95% intervals (estimate +- 1.96 SE). */
export function ameForestFigure(outcome: string, year: number, effects: readonly Estimate[], model = "2"): FigureSpec {
  if (effects.length === 0) throw new Error(`ameForestFigure(${outcome} ${year}): no effects given`);
  effects.forEach((e) => checkFinite("ameForestFigure", e.label, e.estimate));
  const title = `Average marginal effects, model ${model}, ${outcome} ${year}`;
  return {
    id: `ame-${outcome}-${year}`,
    title,
    data: [
      {
        type: "scatter",
        mode: "markers",
        name: "AME (95%-interval)",
        x: effects.map((e) => e.estimate),
        y: effects.map((e) => e.label),
        error_x: { type: "data", array: effects.map((e) => (Number.isFinite(e.se) ? Z95 * e.se : 0)), visible: true },
        marker: { color: "#4c72b0", size: 8 },
      },
    ],
    layout: baseLayout(title, {
      margin: { l: 260, r: 30, t: 60, b: 60 },
      height: 120 + 28 * effects.length,
      xaxis: { title: { text: "Verandering in kans (procentpunt / 100)" }, zeroline: true },
      yaxis: { autorange: "reversed", automargin: true },
      showlegend: false,
    }),
  };
}

export interface LevelEffect {
  readonly level: string;
  readonly mode: number;
  readonly sd: number;
}

/** Location effects (conditional modes +- 1.96 conditional SD), sorted, as a caterpillar plot. */
export function caterpillarFigure(id: string, title: string, effects: readonly LevelEffect[], yTitle: string): FigureSpec {
  if (effects.length === 0) throw new Error(`caterpillarFigure(${id}): no effects given`);
  const sorted = [...effects].sort((a, b) => a.mode - b.mode);
  sorted.forEach((e) => checkFinite("caterpillarFigure", e.level, e.mode));
  return {
    id,
    title,
    data: [
      {
        type: "scatter",
        mode: "markers",
        name: "locatie",
        x: sorted.map((_, i) => i + 1),
        y: sorted.map((e) => e.mode),
        text: sorted.map((e) => e.level),
        error_y: { type: "data", array: sorted.map((e) => (Number.isFinite(e.sd) ? Z95 * e.sd : 0)), visible: true, thickness: 1, width: 0, color: "rgba(76,114,176,0.35)" },
        marker: { color: "#4c72b0", size: 4 },
        hovertemplate: "%{text}: %{y:.3f}<extra></extra>",
      },
    ],
    layout: baseLayout(title, {
      xaxis: { title: { text: "Schoollocaties, gerangschikt" } },
      yaxis: { title: { text: yTitle }, zeroline: true },
      showlegend: false,
    }),
  };
}

export interface RobustnessPair {
  readonly label: string;
  readonly full: number;
  readonly fullSe: number;
  readonly reduced: number;
  readonly reducedSe: number;
}

/** 3a 3.4: model 2 with and without cito, coefficient by coefficient, side by side. */
export function robustnessFigure(outcome: string, year: number, pairs: readonly RobustnessPair[]): FigureSpec {
  if (pairs.length === 0) throw new Error(`robustnessFigure(${outcome} ${year}): no coefficients given`);
  const title = `Model 2 met en zonder cito, ${outcome} ${year}`;
  const trace = (name: string, values: number[], ses: number[], colour: string, offset: number): PlotlyTrace => ({
    type: "scatter",
    mode: "markers",
    name,
    x: values,
    y: pairs.map((p) => p.label),
    error_x: { type: "data", array: ses.map((s) => (Number.isFinite(s) ? Z95 * s : 0)), visible: true },
    marker: { color: colour, size: 8, symbol: offset === 0 ? "circle" : "diamond" },
    // Horizontal, so that layout.scattermode "group" sets the two models side by side on each row.
    orientation: "h",
  });
  return {
    id: `robustness-${outcome}-${year}`,
    title,
    data: [
      trace("Model 2 (met cito)", pairs.map((p) => p.full), pairs.map((p) => p.fullSe), "#4c72b0", 0),
      trace("Model 2 zonder cito, citojaar en missing indicator", pairs.map((p) => p.reduced), pairs.map((p) => p.reducedSe), "#dd8452", 1),
    ],
    layout: baseLayout(title, {
      margin: { l: 260, r: 30, t: 60, b: 60 },
      height: 160 + 34 * pairs.length,
      scattermode: "group",
      scattergap: 0.5,
      xaxis: { title: { text: "Coëfficiënt (log-odds)" }, zeroline: true },
      yaxis: { autorange: "reversed", automargin: true },
      legend: { orientation: "h", y: -0.15 },
    }),
  };
}

// ---------------------------------------------------------------------------------------------------
// Rendering

let bundleCache: string | undefined;

/** The pinned plotly.js-dist bundle's source (read once). It assigns window.Plotly in a browser. */
export function plotlyBundle(): string {
  if (bundleCache === undefined) bundleCache = readFileSync(require.resolve("plotly.js-dist"), "utf8");
  return bundleCache;
}

/** JSON safe inside a <script> element (no "</script>" can close it early). */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

/** The bundle as a <script>, to display once at the top of a notebook. */
export function plotlyLoaderHtml(bundle: string = plotlyBundle()): string {
  // The bundle's UMD wrapper uses `module` when it exists; inside a page it does not, and the bundle
  // sets window.Plotly. Escape any "</script" inside the source so the element is not closed early.
  return `<script type="text/javascript">${bundle.replace(/<\/script/gi, "<\\/script")}</script>`;
}

/** The figure as a <div> plus the script that draws it (needs window.Plotly, see plotlyLoaderHtml). */
export function figureDivHtml(spec: FigureSpec): string {
  const id = `fig-${spec.id.replace(/[^A-Za-z0-9_-]/g, "_")}`;
  return (
    `<div id="${id}" class="kansen-mbo-figure" style="width:100%;max-width:960px;"></div>\n` +
    `<script type="text/javascript">(function(){var el=document.getElementById(${scriptJson(id)});` +
    `if(!window.Plotly){el.textContent="plotly.js is niet geladen: voer de setup-cel van dit hoofdstuk uit";return;}` +
    `window.Plotly.newPlot(el,${scriptJson(spec.data)},${scriptJson(spec.layout)},{responsive:true,displaylogo:false});})();</script>`
  );
}


/** File name of the pinned bundle when it is written once beside the figures (see figureHtmlLinked). */
export function plotlyBundleFileName(): string {
  const version = (JSON.parse(readFileSync(require.resolve("plotly.js-dist/package.json"), "utf8")) as { version: string }).version;
  return `plotly-${version}.js`;
}

function figureDocument(spec: FigureSpec, loader: string): string {
  return (
    `<!DOCTYPE html>\n<html lang="nl">\n<head>\n<meta charset="utf-8">\n<title>${escapeHtml(spec.title)}</title>\n` +
    `${loader}\n</head>\n<body>\n${figureDivHtml(spec)}\n</body>\n</html>\n`
  );
}

/** A self-contained HTML document for one figure, with the plotly bundle inlined (about 10 MB). */
export function figureHtml(spec: FigureSpec, bundle: string = plotlyBundle()): string {
  return figureDocument(spec, plotlyLoaderHtml(bundle));
}

/**
 * An HTML document for one figure that loads the pinned bundle from a file in the same folder
 * (`<script src="plotly-4.1.1.js">`): still offline, no CDN, but a run's two dozen figures share one
 * 10 MB bundle instead of carrying one each.
 */
export function figureHtmlLinked(spec: FigureSpec, bundleFile: string = plotlyBundleFileName()): string {
  return figureDocument(spec, `<script type="text/javascript" src="${escapeHtml(bundleFile)}"></script>`);
}
