/**
 * The reproduce command (npm run reproduce -> scripts/reproduce.sh -> this file):
 *
 *   1. the configuration from notebooks/config.json, KANSEN_CONFIG, --config and the flags;
 *   2. the data, before any output folder exists: the synthetic population generated (or reused from
 *      the cache under data/) or the real files found, then every file read and validated against
 *      data-schema/ and the four analysis frames built into the frame cache (prepareFrames), so that a
 *      rejected input stops the run having written nothing (no outputs folder, no partial folder);
 *   3. a fresh temporary outputs folder (src/audit/atomic-output.ts), moved into place only when
 *      every step below succeeded: a failed run leaves the previous outputs untouched; every input
 *      file hashed into the manifest;
 *   4. every chapter (src/pipeline/notebooks.ts: the numbered notebooks, the model chapter once per
 *      outcome), in order, through the headless runner with the run's configuration in the environment
 *      and its values injected after each chapter's parameters cell; it stops at the first failing
 *      cell and names it. Fits come from the fit cache where their key is unchanged (--no-cache: a
 *      fresh, empty cache for this run only);
 *   5. manifest.json (src/audit), then one HTML report with all chapters, a table of contents and the
 *      manifest as an appendix.
 * Exit status: 0 done, 1 a step failed (the message names it), 2 bad flags or configuration.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { ConfigError, CONFIG_ENV, PROJECT_ROOT, RUN_DIR_ENV, configToJson, isSynthetic, type KansenConfig } from "../src/config";
import { ManifestRecorder, RUN_LOG_ENV, RUN_LOG_FILE, runIntoFreshOutput } from "../src/audit";
import { stampHtmlText } from "../src/audit/stamp";
import type { Manifest } from "../src/audit";
import { ensureData } from "../src/pipeline/data-cache";
import { prepareFrames } from "../src/pipeline/steps";
import { DataValidationError } from "../src/data/validate";
import { assembleReport, type AppendixInput, type ChapterInput } from "../src/report/html-report";
import { loadMethodologyIndex } from "../src/audit/methodology-index";
import { renderIndexHtml, renderManifestHtml } from "../src/report/audit-appendix";
import { METHODOLOGY_INDEX_FILE, methodologyIndexRows } from "../src/report/methodology-appendix";
import { FIT_CACHE_ENV } from "../src/pipeline/fit-cache";
import { chapterRuns, describeFailure, jupyterStatus, readNotebook, runNotebooks, type ChapterRun } from "../src/pipeline/notebooks";
import { formatDuration } from "../src/pipeline/progress";
import { REPRODUCE_USAGE, type ReproduceOptions, UsageError, parseReproduceArgs } from "../src/pipeline/reproduce-args";

/** A failure the user can act on: printed without a stack trace. */
class StepFailed extends Error {}

function say(line: string): void {
  process.stderr.write(`reproduce: ${line}\n`);
}

/** The data source for the report's header (the report is in Dutch; the terminal lines stay English). */
function describeSourceDutch(config: KansenConfig): string {
  return config.data.kind === "synthetic"
    ? `synthetische populatie in de vorm van de DUO-gegevens, schaal ${config.data.scale}, seed ${config.data.seed}`
    : `echte DUO-bestanden in ${config.data.path}`;
}

function describeSource(config: KansenConfig): string {
  return config.data.kind === "synthetic"
    ? `synthetic DUO-shaped population, scale ${config.data.scale}, seed ${config.data.seed}`
    : `real DUO files in ${config.data.path}`;
}

async function reproduce(options: ReproduceOptions): Promise<void> {
  const { config, only, cellTimeoutSeconds } = options;
  const t0 = Date.now();
  let chapters = chapterRuns(config, options.notebookDir);
  if (only.length > 0) chapters = chapters.filter((c) => only.some((p) => c.name.includes(p) || basename(c.notebook).includes(p)));
  if (chapters.length === 0) throw new StepFailed(`no numbered notebooks to run in ${options.notebookDir}${only.length ? ` matching ${only.join(", ")}` : ""}`);
  const jupyter = jupyterStatus();
  if (!jupyter.available) throw new StepFailed(jupyter.reason);

  say(`data: ${describeSource(config)}; years ${config.years.join(", ")}; outcomes ${config.outcomes.join(", ")}`);
  say(`chapters: ${chapters.map((c) => c.name).join(", ")}`);

  // The data first, before any output folder exists: an input that breaks data-schema/ is rejected
  // here and the run writes nothing (README). The frames built here are cached for the notebooks.
  const recorder = new ManifestRecorder(PROJECT_ROOT, configToJson(config));
  const data = await recorder.step(config.data.kind === "synthetic" ? "synthetic population" : "data folder check", "generation", () => {
    try {
      return ensureData(config, say);
    } catch (error) {
      throw new StepFailed(`${(error as Error).message}\nnothing was written; ${config.outDir} is untouched`);
    }
  });
  await recorder.step("data: read, validate, analysis frames", "validation", async () => {
    try {
      await prepareFrames(config);
    } catch (error) {
      if (error instanceof DataValidationError) throw new StepFailed(`${error.message}\nthe data was rejected: nothing was written; ${config.outDir} is untouched`);
      throw new StepFailed(`${error instanceof Error ? error.message : String(error)}\nnothing was written; ${config.outDir} is untouched`);
    }
  });

  const scratch = mkdtempSync(join(tmpdir(), "kansen-reproduce-"));
  // --no-cache: this run's own, empty fit cache (cold), shared by its chapters and removed with the scratch folder.
  const fitCacheEnv: { [name: string]: string } = options.noCache ? { [FIT_CACHE_ENV]: join(scratch, "fit-cache") } : {};
  if (options.noCache) say("fit cache: not read (--no-cache); every model is fitted afresh in this run");
  try {
    await runIntoFreshOutput(config.outDir, async (workDir) => {
      // The run's configuration, as the notebooks will read it (KANSEN_CONFIG).
      const configPath = join(workDir, "config.json");
      writeFileSync(configPath, JSON.stringify(configToJson(config), null, 2) + "\n");
      await recorder.addInputs(data.dir);

      const executedDir = join(workDir, "notebooks");
      const htmlDir = join(scratch, "html");
      mkdirSync(executedDir, { recursive: true });
      const result = await runNotebooks(chapters, {
        outDir: executedDir,
        htmlDir,
        summaryPath: join(scratch, "runner-summary.json"),
        cellTimeoutSeconds,
        env: {
          [CONFIG_ENV]: configPath,
          [RUN_DIR_ENV]: workDir,
          [RUN_LOG_ENV]: join(workDir, RUN_LOG_FILE),
          ...fitCacheEnv,
        },
      });
      for (const nb of result.summary?.notebooks ?? []) {
        recorder.addStep({
          name: `notebook ${nb.chapter ?? basename(nb.notebook, ".ipynb")}`,
          kind: "notebook",
          startedAt: nb.startedAt,
          durationSeconds: nb.durationSeconds,
          peakRssBytes: nb.kernelPeakRssBytes ?? 0,
          detail: { status: nb.status, cells: nb.cells.length },
        });
      }
      if (result.exitCode !== 0) throw new StepFailed(`FAILED in ${describeFailure(result)}`);

      recorder.foldRunLog(join(workDir, RUN_LOG_FILE));
      const manifest = recorder.finish(workDir);

      const reportStart = Date.now();
      writeReport(workDir, htmlDir, chapters, config, manifest);
      say(`report: report.html assembled in ${((Date.now() - reportStart) / 1000).toFixed(1)} s`);
      for (const nb of result.summary?.notebooks ?? []) say(`  ${(nb.chapter ?? basename(nb.notebook)).padEnd(34)} ${formatDuration(nb.durationSeconds)}`);
      const cache = manifest.fitCache ?? [];
      if (cache.length > 0) say(`fit cache: ${cache.filter((e) => e.status === "hit").length} hits, ${cache.filter((e) => e.status === "miss").length} misses (manifest.json "fitCache")`);
    });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  say(`done in ${formatDuration((Date.now() - t0) / 1000)}: ${config.outDir}/report.html`);
}

/** One HTML report: every chapter (nbconvert export + cell ids for anchors) and the manifest appendix. */
function writeReport(workDir: string, htmlDir: string, runs: readonly ChapterRun[], config: KansenConfig, manifest: Manifest): string {
  const chapters: ChapterInput[] = runs.map((run) => {
    const slug = run.name;
    const exported = join(htmlDir, `${slug}.html`);
    if (!existsSync(exported)) throw new StepFailed(`the HTML export of ${slug}.ipynb is missing (${exported})`);
    const executed = readNotebook(join(workDir, "notebooks", `${slug}.ipynb`));
    return {
      slug,
      notebook: basename(run.notebook),
      html: readFileSync(exported, "utf8"),
      cells: executed.cells.map((c) => ({ id: c.id ?? null, tags: c.metadata?.tags ?? [] })),
    };
  });
  const appendices: AppendixInput[] = [];
  const indexPath = join(PROJECT_ROOT, "notebooks", METHODOLOGY_INDEX_FILE);
  if (existsSync(indexPath)) {
    const rows = methodologyIndexRows(loadMethodologyIndex(indexPath), chapters);
    appendices.push({ slug: "methodologie-index", title: "Aanhangsel: methodologie-index (bijlage 3a -> code, tests, cellen)", html: renderIndexHtml(rows) });
  } else {
    say(`report: no methodology index at ${indexPath}; the appendix is left out`);
  }
  appendices.push({ slug: "manifest", title: "Aanhangsel: run-manifest", html: renderManifestHtml(manifest) });
  const { html, chaptersWithoutCellAnchors } = assembleReport({
    title: "Gelijke kansen mbo: heranalyse (kansen-mbo)",
    facts: [
      `Data: ${describeSourceDutch(config)}`,
      `Jaren: ${config.years.join(", ")}; uitkomsten: ${config.outcomes.join(", ")}`,
      `Referentiecategorieën: ${Object.entries(config.reference).map(([f, l]) => `${f} = ${l}`).join("; ")}`,
      `Manifest ${manifest.id}; git ${manifest.git.commit ?? "onbekend"}${manifest.git.clean === false ? " (met niet vastgelegde wijzigingen)" : ""}`,
    ],
    banner: isSynthetic(config)
      ? "Synthetische data: elk getal in dit rapport komt uit een gegenereerde populatie in de vorm van de DUO-gegevens, niet uit de echte DUO-registraties. De vergelijkingen met de gepubliceerde tabellen toetsen de werkwijze, niet de bevindingen."
      : undefined,
    chapters,
    appendices,
  });
  if (chaptersWithoutCellAnchors.length > 0) say(`report: no cell anchors for ${chaptersWithoutCellAnchors.join(", ")} (nbconvert's cells did not match the notebook's)`);
  const path = join(workDir, "report.html");
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, stampHtmlText(html, manifest.id));
  renameSync(tmp, path); // the report appears whole or not at all
  return path;
}

async function main(): Promise<number> {
  let options;
  try {
    options = parseReproduceArgs(process.argv.slice(2));
  } catch (error) {
    if (error instanceof UsageError || error instanceof ConfigError) {
      process.stderr.write(`reproduce: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  if (options === "help") {
    process.stdout.write(REPRODUCE_USAGE + "\n");
    return 0;
  }
  try {
    await reproduce(options);
    return 0;
  } catch (error) {
    if (error instanceof StepFailed) {
      say(error.message);
      return 1;
    }
    throw error;
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`reproduce: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
