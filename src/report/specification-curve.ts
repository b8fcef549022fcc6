/**
 * The specification curve as a figure and a CSV (src/robustness/specification-curve.ts computes it).
 *
 * The figure has two panels sharing the x axis (the rank of a specification, 1 = smallest estimate):
 *   above, every specification's AME with its 95 % interval, sorted, the Rekenkamer's specification in
 *   red and a line at zero; points whose fits did not all converge are open circles;
 *   below, the choice panel: one row per choice of every dimension that varies in the curve, a mark
 *   at each point that made that choice (the published specification's marks in red).
 */
import type { ChoicePanel, SpecificationCurve, SpecificationEstimate } from "../robustness/specification-curve";
import type { CsvValue } from "./csv";
import type { FigureSpec, PlotlyTrace } from "./figures";

const PUBLISHED_COLOUR = "#c62828";
const POINT_COLOUR = "#4c72b0";
const FONT = { family: "Helvetica, Arial, sans-serif", size: 12 };

/** Percentage points, as the chapter's prose and hover texts write an AME. */
function pp(x: number): string {
  return `${(100 * x).toFixed(2)} pp`;
}

function hover(p: SpecificationEstimate, rank: number): string {
  const s = p.specification;
  return [
    `rang ${rank}${s.published ? " (gepubliceerd)" : ""}`,
    `AME ${pp(p.estimate)} [${pp(p.lower)}, ${pp(p.upper)}]`,
    `ontbrekende cito: ${s.missing}${p.m > 1 ? ` (m = ${p.m})` : ""}`,
    `random deel: ${s.random}`,
    `AME: ${s.ame}`,
    `vergelijkingsgroep: ${s.reference}`,
    p.converged ? "" : "niet alle fits geconvergeerd",
  ].filter((x) => x !== "").join("<br>");
}

/** The figure's id: "spec-curve-<quantity>-<outcome>-<year>". */
export function specificationCurveId(curve: SpecificationCurve): string {
  return `spec-curve-${curve.quantity.id}-${curve.outcome}-${curve.year}`;
}

/** The curve and its choice panel as one plotly figure (see the module comment). */
export function specificationCurveFigure(curve: SpecificationCurve, panel: ChoicePanel): FigureSpec {
  const n = curve.points.length;
  const title = `Specificatiecurve: AME van ${curve.quantity.labelNl}, ${curve.outcome} ${curve.year} (${n} specificaties)`;
  const others = curve.points.flatMap((p, i) => (p.specification.published ? [] : [i]));
  const pick = <T>(idx: readonly number[], f: (p: SpecificationEstimate, i: number) => T): T[] => idx.map((i) => f(curve.points[i] as SpecificationEstimate, i));
  const pointsTrace = (idx: readonly number[], name: string, colour: string, size: number): PlotlyTrace => ({
    type: "scatter",
    mode: "markers",
    name,
    x: pick(idx, (_, i) => i + 1),
    y: pick(idx, (p) => p.estimate),
    error_y: { type: "data", symmetric: false, array: pick(idx, (p) => p.upper - p.estimate), arrayminus: pick(idx, (p) => p.estimate - p.lower), visible: true, color: colour, thickness: 1, width: 0 },
    marker: { color: colour, size, symbol: pick(idx, (p) => (p.converged ? "circle" : "circle-open")) },
    text: pick(idx, (p, i) => hover(p, i + 1)),
    hoverinfo: "text",
    xaxis: "x",
    yaxis: "y",
  });
  const data: PlotlyTrace[] = [pointsTrace(others, "andere specificaties", POINT_COLOUR, 6)];
  if (curve.publishedIndex >= 0) data.push(pointsTrace([curve.publishedIndex], "Rekenkamer (bijlage 3b)", PUBLISHED_COLOUR, 10));
  // The panel: row labels on a categorical axis, top row first.
  const labels = panel.rows.map((r) => `${r.dimensionNl}: ${r.labelNl}`);
  const marks = panel.rows.flatMap((r, j) => r.points.map((i) => ({ x: i + 1, y: labels[j] as string, published: i === curve.publishedIndex })));
  const markTrace = (published: boolean): PlotlyTrace => ({
    type: "scatter",
    mode: "markers",
    name: published ? "keuzes van de Rekenkamer" : "keuzes",
    showlegend: false,
    x: marks.filter((m) => m.published === published).map((m) => m.x),
    y: marks.filter((m) => m.published === published).map((m) => m.y),
    marker: { color: published ? PUBLISHED_COLOUR : "#555555", size: published ? 8 : 5, symbol: "square" },
    hoverinfo: "x+y",
    xaxis: "x",
    yaxis: "y2",
  });
  data.push(markTrace(false));
  if (curve.publishedIndex >= 0) data.push(markTrace(true));
  const panelHeight = 22 * labels.length;
  const curveHeight = 340;
  const height = 90 + curveHeight + 40 + panelHeight + 60;
  const panelShare = (panelHeight + 20) / (curveHeight + 40 + panelHeight + 20);
  return {
    id: specificationCurveId(curve),
    title,
    data,
    layout: {
      title: { text: title },
      font: FONT,
      height,
      margin: { l: 60, r: 30, t: 70, b: 50 },
      showlegend: true,
      legend: { orientation: "h", x: 0, y: 1.0, yanchor: "bottom" },
      hovermode: "closest",
      xaxis: { title: { text: "specificatie (gesorteerd op de geschatte AME)" }, range: [0, n + 1], anchor: "y2", zeroline: false, showgrid: false },
      yaxis: { domain: [panelShare + 0.06, 1], title: { text: "AME (kans, 95%-interval)" }, zeroline: true, zerolinecolor: "#999", tickformat: ".1%", automargin: true },
      yaxis2: { domain: [0, panelShare], type: "category", categoryorder: "array", categoryarray: [...labels].reverse(), showgrid: true, gridcolor: "#eee", tickfont: { size: 11 }, automargin: true },
      shapes: curve.publishedIndex >= 0 ? [{ type: "line", xref: "x", yref: "paper", x0: curve.publishedIndex + 1, x1: curve.publishedIndex + 1, y0: 0, y1: 1, line: { color: PUBLISHED_COLOUR, width: 1, dash: "dot" } }] : [],
    },
  };
}

/** The columns of the curve's CSV, one row per specification in curve order. */
export const SPECIFICATION_CURVE_CSV_HEADER = [
  "outcome", "year", "quantity", "term", "rank", "specification", "missing", "random", "ame", "reference", "published",
  "estimate", "se", "lower", "upper", "df", "fmi", "m", "nobs", "converged",
] as const;

export function specificationCurveRows(curve: SpecificationCurve): CsvValue[][] {
  return curve.points.map((p, i) => [
    curve.outcome, curve.year, curve.quantity.id, p.term, i + 1, p.specification.id, p.specification.missing, p.specification.random, p.specification.ame, p.specification.reference,
    p.specification.published, p.estimate, p.se, p.lower, p.upper, Number.isFinite(p.df) ? p.df : "Inf", p.fmi, p.m, p.nobs, p.converged,
  ]);
}

/** The summary table's header and one row per curve (in the order given). */
export const CURVE_SUMMARY_HEADER = ["uitkomst en jaar", "AME van", "specificaties", "kleinste", "mediaan", "grootste", "gepubliceerd", "rang gepubliceerd", "zelfde teken", "interval zonder 0", "niet geconvergeerd"] as const;

export function curveSummaryRows(curves: readonly SpecificationCurve[]): CsvValue[][] {
  return curves.map((c) => {
    const s = c.summary;
    return [`${c.outcome} ${c.year}`, c.quantity.labelNl, s.specifications, s.min, s.median, s.max, Number.isFinite(s.published) ? s.published : null, s.publishedRank, `${s.sameSign} van ${s.specifications}`, `${s.excludingZero} van ${s.specifications}`, s.notConverged];
  });
}
