/**
 * Every notebook in notebooks/, executed headlessly at small scale through the reproduce command
 * (the same runner, configuration and outputs as `npm run reproduce`). Fails if any cell errors or any
 * table is empty, where a table is
 *   - every CSV the run writes under tables/ (it must have a header and at least one data row), and
 *   - every HTML <table> a cell displays (it must have at least one row of <td> cells);
 * and a figure is every HTML file under figures/ (it must call Plotly with at least one trace).
 * Skips, saying why, only when Jupyter is not installed or there are no notebooks yet.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, relative } from "node:path";
import { PROJECT_ROOT } from "../../src/config";
import { cellSource, chapterRuns, jupyterStatus, listNotebooks, readNotebook } from "../../src/pipeline/notebooks";
import { PUBLISHED_REFERENCE } from "../../src/vocabulary";

/** Small enough for CI, large enough that every model has locations with students in each group. */
const E2E_SCALE = "0.02";

const jupyter = jupyterStatus();
const notebooks = listNotebooks();
const skip = !jupyter.available
  ? `Jupyter is not installed, so notebooks cannot run: ${jupyter.reason}`
  : notebooks.length === 0
    ? "no numbered notebooks in notebooks/ yet"
    : false;

function filesUnder(dir: string, ext: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path, ext) : name.endsWith(ext) ? [path] : [];
  });
}

/** Data rows of a CSV text (lines after the header that are not empty). */
export function csvDataRows(text: string): number {
  return text.split(/\r?\n/).slice(1).filter((line) => line.trim() !== "" && !/^,*$/.test(line)).length;
}

/** The <table> elements of an HTML fragment that have no row of <td> cells. */
export function emptyTables(html: string): string[] {
  const empty: string[] = [];
  for (const m of html.matchAll(/<table\b[\s\S]*?<\/table>/gi)) {
    if (!/<tr\b[^>]*>\s*(?:<th\b[^>]*>[\s\S]*?<\/th>\s*)*<td\b/i.test(m[0])) empty.push(m[0].slice(0, 200));
  }
  return empty;
}

/** Links `href="#x"` (outside scripts) whose target id does not exist in the document. */
export function brokenInternalLinks(html: string): string[] {
  const markup = html.replace(/<script\b[^>]*>[\s\S]*?<\/script>/gi, "");
  const ids = new Set([...markup.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]));
  const targets = [...markup.matchAll(/href="#([^"]+)"/g)].map((m) => m[1] ?? "");
  return [...new Set(targets.filter((t) => !ids.has(t) && !ids.has(decodeURIComponent(t))))];
}

test("the broken-link check finds a link without target", () => {
  assert.deepEqual(brokenInternalLinks('<a href="#a">a</a><h2 id="a">A</h2><a href="#b">b</a><script>x = \'<a href="#c">\'</script>'), ["b"]);
});

test("the empty-table checks catch what they should", () => {
  assert.equal(csvDataRows("a,b\n"), 0);
  assert.equal(csvDataRows("a,b\n,\n"), 0);
  assert.equal(csvDataRows("a,b\n1,2\n"), 1);
  assert.deepEqual(emptyTables("<table><thead><tr><th>a</th></tr></thead><tbody></tbody></table>").length, 1);
  assert.deepEqual(emptyTables("<table><tr><th>rij</th><td>1</td></tr></table>"), []);
});

test(`every notebook runs headlessly at scale ${E2E_SCALE} without a cell error, and no table is empty`, { skip }, () => {
  const scratch = mkdtempSync(join(tmpdir(), "kansen-e2e-"));
  const out = join(scratch, "outputs");
  const run = spawnSync(
    process.execPath,
    ["--import", "tsx", join(PROJECT_ROOT, "scripts", "reproduce.ts"), "--scale", E2E_SCALE, "--out", out, "--cell-timeout", "900"],
    { cwd: PROJECT_ROOT, encoding: "utf8", env: { ...process.env, KANSEN_CONFIG: "" }, stdio: ["ignore", "inherit", "pipe"], maxBuffer: 64 * 1024 * 1024 },
  );
  const tail = run.stderr.split("\n").slice(-60).join("\n");
  assert.equal(run.status, 0, `the reproduce run failed (outputs in ${scratch}):\n${tail}`);

  const executed = readdirSync(join(out, "notebooks")).sort();
  const chapters = chapterRuns({ outcomes: ["doorstroom", "vsv"], years: [2020, 2021], reference: PUBLISHED_REFERENCE }).map((c) => c.name);
  assert.deepEqual(executed, chapters.map((c) => `${c}.ipynb`).sort(), "every chapter was executed (the model chapter once per outcome)");

  const problems: string[] = [];
  for (const name of executed) {
    const nb = readNotebook(join(out, "notebooks", name));
    nb.cells.forEach((cell, i) => {
      if (cell.cell_type !== "code") return;
      const where = `${name}, cell ${i + 1}${cell.id ? ` (id "${cell.id}")` : ""}`;
      for (const output of (cell.outputs ?? []) as { output_type: string; data?: { [mime: string]: unknown } }[]) {
        if (output.output_type === "error") problems.push(`${where}: error output`);
        const html = output.data?.["text/html"];
        const text = Array.isArray(html) ? html.join("") : typeof html === "string" ? html : "";
        for (const t of emptyTables(text)) problems.push(`${where}: displays an empty table: ${t}`);
      }
      if (cellSource(cell).trim() !== "" && cell.execution_count == null) problems.push(`${where}: did not run`);
    });
  }

  const csvs = filesUnder(join(out, "tables"), ".csv");
  assert.ok(csvs.length > 0, `the run wrote no tables under ${join(out, "tables")}`);
  for (const csv of csvs) {
    if (csvDataRows(readFileSync(csv, "utf8")) === 0) problems.push(`${relative(out, csv)}: a table without data rows`);
  }
  for (const fig of filesUnder(join(out, "figures"), ".html")) {
    const html = readFileSync(fig, "utf8");
    if (!/Plotly\.(newPlot|react)\(/.test(html) || /"data"\s*:\s*\[\s*\]/.test(html)) problems.push(`${relative(out, fig)}: a figure without traces`);
  }
  // Chapter 8 per outcome and year: both specification curves (CSV and figure) and the missing-data
  // table; the intervals of model 2 for the chapter's default outcome-year.
  for (const outcome of ["doorstroom", "vsv"]) {
    for (const year of [2020, 2021]) {
      for (const table of [`specificatiecurve-niet-westers-${outcome}-${year}`, `specificatiecurve-ouders-hoger-${outcome}-${year}`, `ontbrekende-cito-${outcome}-${year}`]) {
        if (!existsSync(join(out, "tables", `${table}.csv`))) problems.push(`chapter 8 wrote no tables/${table}.csv`);
      }
      if (!existsSync(join(out, "figures", `spec-curve-niet-westers-${outcome}-${year}.html`))) problems.push(`chapter 8 wrote no figure spec-curve-niet-westers-${outcome}-${year}.html`);
    }
  }
  if (!existsSync(join(out, "tables", "intervallen-model-2-doorstroom-2020.csv"))) problems.push("chapter 8 wrote no intervals of model 2");
  assert.deepEqual(problems, [], problems.join("\n"));

  const report = readFileSync(join(out, "report.html"), "utf8");
  for (const c of chapters) assert.ok(report.includes(`href="#${c}"`), `the report's contents link to ${c}`);
  assert.deepEqual(brokenInternalLinks(report), [], "every link of the contents and the appendices has a target in the report");
  assert.ok(existsSync(join(out, "manifest.json")));
  // Only a passing run is removed (a failed one stays for inspection; its path is in the message).
  rmSync(scratch, { recursive: true, force: true });
});
