/** The manifest and the methodology index as HTML appendices of the report (issue 7: "the HTML report shows the manifest"), in Dutch like the rest of the report. */
import type { Manifest } from "../audit/manifest";

import { escapeHtml } from "./escape";
export { escapeHtml };

function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const th = head.map((h) => `<th>${escapeHtml(h)}</th>`).join("");
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join("")}</tr>`).join("\n");
  return `<table class="manifest"><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

const mib = (bytes: number): string => (bytes / 1048576).toFixed(1);
/** A number as the manifest holds it: JSON turns NaN and Infinity into null, which prints as "n.b." (niet beschikbaar). */
const num = (x: number | null | undefined, format: (v: number) => string): string =>
  typeof x === "number" && Number.isFinite(x) ? format(x) : "n.b.";
const sci = (x: number | null | undefined): string => num(x, (v) => v.toExponential(2));

export function renderManifestHtml(m: Manifest): string {
  const git = m.git.commit === null ? "geen git-checkout" : `${m.git.commit}${m.git.clean ? " (schone werkboom)" : ` (niet vastgelegde wijzigingen: ${m.git.changed.join(", ")})`}`;
  const cache = m.fitCache ?? [];
  const hits = cache.filter((e) => e.status === "hit").length;
  const misses = cache.filter((e) => e.status === "miss").length;
  const parts = [
    `<h2 id="manifest">Run-manifest ${escapeHtml(m.id)}</h2>`,
    `<p>Elke CSV-tabel en elke figuur van deze run draagt het id <code>${escapeHtml(m.id)}</code>: een hash van dit manifest zonder tijden, duur en geheugengebruik (en zonder de fitcache: een fit uit de cache is dezelfde fit). Code: <code>${escapeHtml(git)}</code>. Gemaakt ${escapeHtml(m.createdAt)}.</p>`,
    `<h3>Configuratie</h3><pre>${escapeHtml(JSON.stringify(m.config, null, 2))}</pre>`,
    `<h3>Invoer</h3>`,
    table(["bestand", "SHA-256", "bytes", "rijen"], m.inputs.map((i) => [i.path, i.sha256, String(i.bytes), String(i.rows)])),
    `<h3>Stappen</h3>`,
    table(["stap", "soort", "begonnen", "seconden", "piek MiB"], m.steps.map((s) => [s.name, s.kind, s.startedAt, num(s.durationSeconds, (v) => v.toFixed(2)), num(s.peakRssBytes, mib)])),
    `<h3>Fits</h3>`,
    table(
      ["model", "n", "logLik", "geconvergeerd", "max|grad|", "geschaalde grad", "kleinste eigenwaarde Hessiaan", "singulier", "optimalisatie", "iteraties", "seconden", "meldingen"],
      m.fits.map((f) => [
        f.label, String(f.nobs), num(f.logLik, (v) => v.toFixed(2)), f.convergence.converged ? "ja" : "NEE",
        sci(f.convergence.maxAbsGradient), sci(f.convergence.maxAbsScaledGradient),
        sci(f.convergence.minHessianEigenvalue), f.convergence.singular ? "ja" : "nee",
        f.convergence.optimizer, String(f.convergence.iterations), num(f.elapsedSeconds, (v) => v.toFixed(2)), f.convergence.messages.join("; "),
      ]),
    ),
    `<h3>Fitcache</h3>`,
    cache.length === 0
      ? "<p>Geen fits opgezocht in de fitcache.</p>"
      : `<p>${hits} fits uit de fitcache gelezen, ${misses} geschat (en opgeslagen)${cache.length - hits - misses > 0 ? `, ${cache.length - hits - misses} zonder fitcache` : ""}.</p>` +
        table(["model", "sleutel", "fitcache", "toelichting", "seconden schatten"], cache.map((e) => [
          e.label, e.key, e.status === "hit" ? "hit (gelezen)" : e.status === "miss" ? "miss (geschat)" : "uit", e.detail, num(e.fitSeconds, (v) => v.toFixed(2)),
        ])),
    `<h3>Omgeving</h3>`,
    table(["onderdeel", "versie"], [
      ["node", m.environment.node],
      ["OS", m.environment.os],
      ["tslab", m.environment.tslab ?? "niet geïnstalleerd"],
      ...Object.entries(m.environment.python).map(([k, v]) => [k, v]),
    ]),
    `<details><summary>${Object.keys(m.environment.npmPackages).length} npm-pakketten</summary>`,
    table(["pakket", "versie"], Object.entries(m.environment.npmPackages).map(([k, v]) => [k, v])),
    `</details>`,
    `<h3>Uitvoer</h3>`,
    table(["bestand", "SHA-256", "bytes"], m.outputs.map((o) => [o.path, o.sha256, String(o.bytes)])),
  ];
  return parts.join("\n");
}

/** A statement of the methodology index as the report shows it (see methodology-index.ts). */
export interface IndexRow {
  readonly section: string;
  readonly quote: string;
  readonly summary: string;
  readonly implemented: boolean;
  readonly reason?: string;
  readonly functions: readonly string[];
  readonly tests: readonly string[];
  /** Cells with the href of their anchor in the report. */
  readonly cells: readonly { readonly label: string; readonly href: string }[];
}

/** The methodology index as a table: statement, code, tests, and links to the cells that show it. */
export function renderIndexHtml(rows: readonly IndexRow[]): string {
  const body = rows.map((r) => {
    const cells = r.cells.map((c) => `<a href="${escapeHtml(c.href)}">${escapeHtml(c.label)}</a>`).join("<br>");
    const code = r.implemented ? r.functions.map((f) => `<code>${escapeHtml(f)}</code>`).join("<br>") : `<em>niet uitgevoerd:</em> ${escapeHtml(r.reason ?? "")}`;
    return `<tr><td>${escapeHtml(r.section)}</td><td><q>${escapeHtml(r.quote)}</q><br><small>${escapeHtml(r.summary)}</small></td><td>${code}</td><td>${r.tests.map((t) => escapeHtml(t)).join("<br>")}</td><td>${cells}</td></tr>`;
  }).join("\n");
  return `<table class="methodology-index"><thead><tr><th>3a</th><th>uitspraak</th><th>uitgevoerd door</th><th>gecontroleerd door</th><th>getoond in</th></tr></thead><tbody>\n${body}\n</tbody></table>`;
}
