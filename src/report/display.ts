/**
 * Tables and figures as HTML for the notebook (tslab's `display.html`) and for the exported report.
 * Rendering is pure (string in, string out); the `show*` helpers take any object with an `html` method,
 * so notebooks pass `tslab.display` and tests pass a recorder.
 */
import type { ComparisonRow, ComparisonTable } from "./compare";
import { figureDivHtml, plotlyLoaderHtml, type FigureSpec } from "./figures";
import { fixed, formatCell, formatDescriptiveMean, formatPValue, type DescriptiveTable, type ModelTable } from "./tables";

export interface HtmlDisplay {
  html(s: string): void;
}

import { escapeHtml } from "./escape";
export { escapeHtml };

const STYLE =
  "<style>.kmbo{border-collapse:collapse;font:13px/1.35 Helvetica,Arial,sans-serif;margin:6px 0}" +
  ".kmbo caption{text-align:left;font-weight:bold;padding:4px 0}.kmbo th,.kmbo td{padding:2px 8px;border-bottom:1px solid #e3e3e3;text-align:right}" +
  ".kmbo th:first-child,.kmbo td:first-child{text-align:left}.kmbo td.grp{font-weight:bold;text-align:left}" +
  ".kmbo td.ind{padding-left:22px}.kmbo td.ame{background:#fff6cc}.kmbo .bad{color:#b00020;font-weight:bold}" +
  ".kmbo .ok{color:#1b7a2e}.kmbo .note{font-size:11px;color:#555;text-align:left;max-width:420px}" +
  ".kmbo-conv{font:12px Helvetica,Arial,sans-serif;margin:2px 0}.kmbo-conv .bad{color:#b00020;font-weight:bold}" +
  ".kmbo-banner{font:bold 13px Helvetica,Arial,sans-serif;background:#fde7e9;border-left:4px solid #b00020;padding:6px 10px;margin:6px 0}</style>";

/** Tabel 1-4 as printed: group headers, indented categories, "(ref.)", "-" for the SD of a proportion. */
export function descriptiveTableHtml(t: DescriptiveTable): string {
  const out: string[] = [STYLE, `<table class="kmbo"><caption>${escapeHtml(t.caption)}</caption>`];
  out.push("<thead><tr><th></th><th>Gemiddelde</th><th>SD</th><th>Min.</th><th>Max.</th></tr></thead><tbody>");
  let group = "";
  for (const r of t.rows) {
    const single = r.group === r.category;
    if (!single && r.group !== group) out.push(`<tr><td class="grp" colspan="5">${escapeHtml(r.group)}</td></tr>`);
    group = r.group;
    const label = `${r.category}${r.isReference ? " (ref.)" : ""}${r.group === "Citoscore" ? "*" : ""}`;
    out.push(
      `<tr><td${single ? "" : ' class="ind"'}>${escapeHtml(label)}</td><td>${formatDescriptiveMean(r)}</td>` +
        `<td>${r.sd === null ? "-" : fixed(r.sd, 3)}</td><td>${r.min}</td><td>${r.max}</td></tr>`,
    );
  }
  out.push(`</tbody></table><p class="kmbo-conv">${escapeHtml(t.footnote)}</p>`);
  return out.join("");
}

/** Tabel 5-8 as printed, plus one convergence line per model under the table. */
export function modelTableHtml(t: ModelTable): string {
  const out: string[] = [STYLE];
  const failed = t.convergence.filter((c) => !c.converged);
  if (failed.length > 0) {
    out.push(`<div class="kmbo-banner">Niet geconvergeerd: model ${failed.map((c) => c.model).join(", ")}. Zie de regels onder de tabel.</div>`);
  }
  out.push(`<table class="kmbo"><caption>${escapeHtml(t.caption)}</caption><thead><tr><th></th>`);
  for (const m of t.models) out.push(`<th>Model ${escapeHtml(m)}<br>Coëfficiënt (SE)</th>`);
  if (t.ameModel !== null) out.push("<th>Average marginal effect</th>");
  out.push("</tr></thead><tbody>");
  const width = t.models.length + (t.ameModel !== null ? 2 : 1);
  let group = "";
  for (const r of t.rows) {
    const single = r.group === r.category;
    if (!single && r.group !== group) {
      out.push(`<tr><td class="grp" colspan="${width}">${escapeHtml(t.groupHeaders[r.group] ?? r.group)}</td></tr>`);
    }
    group = r.group;
    out.push(`<tr><td${single ? "" : ' class="ind"'}>${escapeHtml(r.category)}</td>`);
    for (const m of t.models) out.push(`<td>${formatCell(r, r.cells[m])}</td>`);
    if (t.ameModel !== null) out.push(r.part === "fixed" ? `<td class="ame">${r.ame === null ? "" : fixed(r.ame, 3)}</td>` : "<td></td>");
    out.push("</tr>");
  }
  out.push("</tbody></table>");
  for (const c of t.convergence) out.push(`<p class="kmbo-conv"><span class="${c.converged ? "ok" : "bad"}">${escapeHtml(c.text)}</span></p>`);
  return out.join("");
}

function num(x: number | null, digits: number): string {
  return x === null ? "" : Number.isFinite(x) ? fixed(x, digits) : "NA";
}

function verdict(r: ComparisonRow): string {
  if (r.withinTolerance === null) return "";
  if (r.withinTolerance) return '<span class="ok">ja</span>';
  return r.expectedMiss !== "" ? '<span class="note">verwacht</span>' : '<span class="bad">NEE</span>';
}

/** The statistic of a comparison row, as the table names it. */
const STATISTIC_LABELS: Readonly<Record<ComparisonRow["statistic"], string>> = {
  n: "N",
  mean: "gemiddelde",
  sd: "SD",
  estimate: "coëfficiënt",
  se: "SE",
  variance: "variantie",
  r2: "R2",
  ame: "AME",
};

function comparisonRowsHtml(rows: readonly ComparisonRow[], hasTruth: boolean): string {
  const out: string[] = [];
  out.push("<thead><tr><th>Rij</th><th>Model</th><th>Statistiek</th><th>Gepubliceerd</th><th>Gereproduceerd</th><th>Verschil</th><th>Tolerantie</th><th>Binnen</th>");
  if (hasTruth) out.push("<th>Waarde van de generator</th><th>Binnen 2 SE</th>");
  out.push("<th>Noot</th></tr></thead><tbody>");
  for (const r of rows) {
    const label = r.group === r.category ? r.category : `${r.group}: ${r.category}`;
    const digits = r.statistic === "n" ? 0 : 3;
    out.push(
      `<tr><td>${escapeHtml(label)}</td><td>${escapeHtml(r.model)}</td><td>${STATISTIC_LABELS[r.statistic]}</td><td>${num(r.published, digits)}</td>` +
        `<td>${num(r.reproduced, digits)}</td><td>${num(r.difference, digits)}</td><td class="note">${escapeHtml(r.tolerance)}</td><td>${verdict(r)}</td>`,
    );
    if (hasTruth) {
      const t2 = r.withinTwoSeOfTruth === null ? "" : r.withinTwoSeOfTruth ? '<span class="ok">ja</span>' : '<span class="bad">NEE</span>';
      out.push(`<td>${num(r.truth, 3)}</td><td>${t2}</td>`);
    }
    const note = r.expectedMiss !== "" ? (r.note !== "" ? `${r.expectedMiss}. ${r.note}` : r.expectedMiss) : r.note;
    out.push(`<td class="note">${escapeHtml(note)}</td></tr>`);
  }
  out.push("</tbody>");
  return out.join("");
}

/**
 * Published versus reproduced: the synthetic-data label on top, the counts, then the cells that need a
 * reader's eye (outside tolerance, outside 2 SE of the truth, or carrying a misprint note) in full view,
 * and every cell in a folded section underneath (all of them are also in the CSV).
 */
export function comparisonTableHtml(t: ComparisonTable, options: { onlyOutside?: boolean } = {}): string {
  const s = t.summary;
  const hasTruth = t.rows.some((r) => r.truth !== null);
  const flagged = t.rows.filter((r) => r.withinTolerance === false || r.withinTwoSeOfTruth === false || (r.note !== "" && r.published !== null));
  const out: string[] = [STYLE];
  if (t.source === "synthetic") out.push(`<div class="kmbo-banner">SYNTHETISCHE DATA. ${escapeHtml(t.label)}</div>`);
  let counts = `${s.within} van ${s.judged} gepubliceerde cellen binnen de tolerantie, ${s.outside} erbuiten`;
  if (s.expected > 0) counts += `, ${s.expected} erbuiten zoals verwacht (drukfout, afgeronde 0,00 of steekproefband: zie de noot)`;
  if (s.truthJudged > 0) counts += `; vaste effecten van model 2 binnen 2 SE van de waarde van de generator: ${s.truthWithin} van ${s.truthJudged}`;
  const legend =
    "Tolerantie |gereproduceerd - gepubliceerd| <= de getoonde grens: 2 SE = tweemaal de grootste van de gepubliceerde en de gereproduceerde SE; " +
    "SE's 0,005 + 25%; varianties 0,005 + 2 var √(2/G) over G groepen; aandelen 0,01; gemiddelden en SD's 3%; R2 en AME's 0,01.";
  const caption = `${escapeHtml(t.label)}<br>${escapeHtml(counts)}.`;
  if (flagged.length > 0) {
    out.push(`<table class="kmbo"><caption>${caption} Getoond: cellen buiten een tolerantie of met een noot bij de gepubliceerde waarde (${flagged.length}).<br><span class="note">${escapeHtml(legend)}</span></caption>`);
    out.push(comparisonRowsHtml(flagged, hasTruth), "</table>");
  } else {
    // No empty table: say in words that nothing needs a reader's eye.
    out.push(`<p class="kmbo-conv"><b>${caption}</b> Elke cel binnen haar tolerantie, geen noten bij de gepubliceerde waarden.<br>${escapeHtml(legend)}</p>`);
  }
  if (!options.onlyOutside) {
    out.push(`<details><summary>Alle ${t.rows.length} cellen van de vergelijking</summary><table class="kmbo">${comparisonRowsHtml(t.rows, hasTruth)}</table></details>`);
  }
  return out.join("");
}

/**
 * How a column of numbers is printed: a whole number, two or three decimals, or a p-value ("< 0.001"
 * below 0.0005). Without a format a number prints as a whole number when it is one, else with three
 * decimals, which suits counts and shares but mixes "0" and "0.000" in a column of estimates: give
 * such a column a format.
 */
export type ColumnFormat = "integer" | "fixed2" | "fixed3" | "pValue" | null;

export function formatNumber(v: number, format: ColumnFormat | undefined): string {
  if (!Number.isFinite(v)) return "NA";
  switch (format) {
    case "integer":
      return Math.round(v).toString();
    case "fixed2":
      return fixed(v, 2);
    case "fixed3":
      return fixed(v, 3);
    case "pValue":
      return formatPValue(v);
    default:
      return Number.isInteger(v) ? String(v) : fixed(v, 3);
  }
}

/** A small generic table (selection flow, missingness counts, LRTs): header + rows of cells, with optional number formats per column. */
export function simpleTableHtml(
  caption: string,
  header: readonly string[],
  rows: readonly (readonly (string | number | boolean | null)[])[],
  formats: readonly ColumnFormat[] = [],
): string {
  const cell = (v: string | number | boolean | null, j: number): string =>
    v === null ? "" : escapeHtml(typeof v === "number" ? formatNumber(v, formats[j]) : String(v));
  return (
    `${STYLE}<table class="kmbo"><caption>${escapeHtml(caption)}</caption><thead><tr>${header.map((h) => `<th>${escapeHtml(h)}</th>`).join("")}</tr></thead><tbody>` +
    rows.map((r) => `<tr>${r.map((v, j) => `<td>${cell(v, j)}</td>`).join("")}</tr>`).join("") +
    "</tbody></table>"
  );
}

export function showDescriptiveTable(display: HtmlDisplay, t: DescriptiveTable): void {
  display.html(descriptiveTableHtml(t));
}
export function showModelTable(display: HtmlDisplay, t: ModelTable): void {
  display.html(modelTableHtml(t));
}
export function showComparison(display: HtmlDisplay, t: ComparisonTable, options: { onlyOutside?: boolean } = {}): void {
  display.html(comparisonTableHtml(t, options));
}
/** Load plotly.js once per notebook (first cell). */
export function loadPlotly(display: HtmlDisplay): void {
  display.html(plotlyLoaderHtml());
}
export function showFigure(display: HtmlDisplay, spec: FigureSpec): void {
  display.html(figureDivHtml(spec));
}

/**
 * The line at the top of every notebook that says which data the numbers come from; on synthetic data
 * it says plainly that nothing shown is a finding about real students. Given the run's paths
 * (src/config.ts `runPaths`), an interactive session also names the folder it writes into.
 */
export function sourceBannerHtml(source: "synthetic" | "real", detail: string, output?: { readonly root: string; readonly interactive: boolean }): string {
  const where =
    output !== undefined && output.interactive
      ? `<div class="kmbo-conv">Interactieve sessie: dit notebook schrijft zijn tabellen, figuren en fitsamenvattingen naar <code>${escapeHtml(output.root)}</code>; ` +
        "de uitvoer van de laatste <code>npm run reproduce</code> blijft onaangeroerd.</div>"
      : "";
  if (source === "synthetic") {
    return (
      `${STYLE}<div class="kmbo-banner">SYNTHETISCHE DATA (${escapeHtml(detail)}): een gegenereerde populatie in de vorm van de DUO-gegevens, gekalibreerd op bijlage 3b. ` +
      `Elk getal hieronder beschrijft die populatie, geen echte studenten.</div>${where}`
    );
  }
  return `${STYLE}<div class="kmbo-conv">Data: ${escapeHtml(detail)}</div>${where}`;
}
