/** The manifest as an HTML appendix of the report (issue 7: "the HTML report shows the manifest"). */
import type { Manifest } from "../audit/manifest";

import { escapeHtml } from "./escape";
export { escapeHtml };

function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const th = head.map((h) => `<th>${escapeHtml(h)}</th>`).join("");
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join("")}</tr>`).join("\n");
  return `<table class="manifest"><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

const mib = (bytes: number): string => (bytes / 1048576).toFixed(1);
/** A number as the manifest holds it: JSON turns NaN and Infinity into null, which prints as "n/a". */
const num = (x: number | null | undefined, format: (v: number) => string): string =>
  typeof x === "number" && Number.isFinite(x) ? format(x) : "n/a";
const sci = (x: number | null | undefined): string => num(x, (v) => v.toExponential(2));

export function renderManifestHtml(m: Manifest): string {
  const git = m.git.commit === null ? "not a git checkout" : `${m.git.commit}${m.git.clean ? " (clean tree)" : ` (uncommitted changes: ${m.git.changed.join(", ")})`}`;
  const parts = [
    `<h2 id="manifest">Run manifest ${escapeHtml(m.id)}</h2>`,
    `<p>Every CSV table and figure of this run carries the id <code>${escapeHtml(m.id)}</code>: a hash of this manifest without its times, durations and memory readings. Code: <code>${escapeHtml(git)}</code>. Created ${escapeHtml(m.createdAt)}.</p>`,
    `<h3>Configuration</h3><pre>${escapeHtml(JSON.stringify(m.config, null, 2))}</pre>`,
    `<h3>Inputs</h3>`,
    table(["file", "SHA-256", "bytes", "rows"], m.inputs.map((i) => [i.path, i.sha256, String(i.bytes), String(i.rows)])),
    `<h3>Steps</h3>`,
    table(["step", "kind", "started", "seconds", "peak MiB"], m.steps.map((s) => [s.name, s.kind, s.startedAt, num(s.durationSeconds, (v) => v.toFixed(2)), num(s.peakRssBytes, mib)])),
    `<h3>Fits</h3>`,
    table(
      ["model", "n", "logLik", "converged", "max|grad|", "scaled grad", "min Hessian eigenvalue", "singular", "optimizer", "iterations", "seconds", "messages"],
      m.fits.map((f) => [
        f.label, String(f.nobs), num(f.logLik, (v) => v.toFixed(2)), f.convergence.converged ? "yes" : "NO",
        sci(f.convergence.maxAbsGradient), sci(f.convergence.maxAbsScaledGradient),
        sci(f.convergence.minHessianEigenvalue), f.convergence.singular ? "yes" : "no",
        f.convergence.optimizer, String(f.convergence.iterations), num(f.elapsedSeconds, (v) => v.toFixed(2)), f.convergence.messages.join("; "),
      ]),
    ),
    `<h3>Environment</h3>`,
    table(["component", "version"], [
      ["node", m.environment.node],
      ["OS", m.environment.os],
      ["tslab", m.environment.tslab ?? "not installed"],
      ...Object.entries(m.environment.python).map(([k, v]) => [k, v]),
    ]),
    `<details><summary>${Object.keys(m.environment.npmPackages).length} npm packages</summary>`,
    table(["package", "version"], Object.entries(m.environment.npmPackages).map(([k, v]) => [k, v])),
    `</details>`,
    `<h3>Outputs</h3>`,
    table(["file", "SHA-256", "bytes"], m.outputs.map((o) => [o.path, o.sha256, String(o.bytes)])),
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
    const code = r.implemented ? r.functions.map((f) => `<code>${escapeHtml(f)}</code>`).join("<br>") : `<em>not implemented:</em> ${escapeHtml(r.reason ?? "")}`;
    return `<tr><td>${escapeHtml(r.section)}</td><td><q>${escapeHtml(r.quote)}</q><br><small>${escapeHtml(r.summary)}</small></td><td>${code}</td><td>${r.tests.map((t) => escapeHtml(t)).join("<br>")}</td><td>${cells}</td></tr>`;
  }).join("\n");
  return `<table class="methodology-index"><thead><tr><th>3a</th><th>statement</th><th>implemented by</th><th>checked by</th><th>shown in</th></tr></thead><tbody>\n${body}\n</tbody></table>`;
}
