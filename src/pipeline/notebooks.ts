/**
 * The notebooks as files, the chapters a run executes, and running them through the headless runner
 * (scripts/run-notebooks.py, Jupyter's nbclient on the tslab kernel). The reproduce command and the
 * end-to-end tests both come through here, so the tests exercise exactly what a reproduce run does.
 *
 * Chapters and notebooks: every numbered notebook is a chapter, except the model chapter
 * (MODEL_CHAPTER_NOTEBOOK), which is one notebook for both outcomes. Papermill style, the runner
 * executes it once per configured outcome, injecting `outcome` after its parameters cell, into the
 * chapters named in MODEL_CHAPTERS (05-modellen-doorstroom, 06-modellen-vsv). Opened in Jupyter, the
 * notebook runs with the values of its own parameters cell: the doorstroom chapter.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { constants } from "node:os";
import { basename, join } from "node:path";
import { PROJECT_ROOT, type KansenConfig } from "../config";
import type { Outcome } from "../vocabulary";

/** Debian's Python, which has Jupyter (the python3 first on PATH may be another interpreter). */
export const JUPYTER_PYTHON = "/usr/bin/python3";
export const RUNNER = join(PROJECT_ROOT, "scripts", "run-notebooks.py");
/** Where scripts/setup.sh registers the tslab kernel (project-local, never the user's folders). */
export const LOCAL_JUPYTER_PATH = join(PROJECT_ROOT, ".jupyter-local", "share", "jupyter");
export const NOTEBOOK_DIR = join(PROJECT_ROOT, "notebooks");

/** The chapters: notebooks whose names start with a number ("01-definities.ipynb"), in that order. */
export function listNotebooks(dir: string = NOTEBOOK_DIR): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => /^\d+.*\.ipynb$/.test(name))
    .sort((a, b) => a.localeCompare(b, "en", { numeric: true }))
    .map((name) => join(dir, name));
}

/**
 * The model chapter (3a 3.3; Tabel 5-6 for doorstroom, Tabel 7-8 for vsv): one notebook whose parameters
 * cell chooses the outcome, `outcome = "doorstroom"` as committed. The one place that says which notebook
 * that is: the browser test opens it (as a researcher does, it is then the doorstroom chapter), and
 * test/e2e/committed-notebooks.test.ts checks that it exists.
 */
export const MODEL_CHAPTER_NOTEBOOK = "05-modellen.ipynb";

/** The chapters the model notebook is executed into, one per outcome, with their chapter numbers. */
export const MODEL_CHAPTERS: { readonly [O in Outcome]: { readonly name: string; readonly number: number } } = {
  doorstroom: { name: "05-modellen-doorstroom", number: 5 },
  vsv: { name: "06-modellen-vsv", number: 6 },
};

/** A parameter value as JSON (it is written into the injected cell as a TypeScript literal). */
export type ParameterValue = null | boolean | number | string | readonly ParameterValue[] | { readonly [key: string]: ParameterValue };

/** A chapter as the runner executes it. */
export interface ChapterRun {
  /** The notebook file (absolute path). */
  readonly notebook: string;
  /** The chapter's name: of its executed notebook, its HTML export and its anchor in the report. */
  readonly name: string;
  /** Values injected after the notebook's cell tagged `parameters` (only those the cell declares). */
  readonly parameters: { readonly [name: string]: ParameterValue };
}

/**
 * The chapters a run executes, in order, with the configuration's values as parameters (outcomes,
 * years, reference); the model notebook once per configured outcome, with `outcome` added.
 */
export function chapterRuns(config: Pick<KansenConfig, "outcomes" | "years" | "reference">, dir: string = NOTEBOOK_DIR): ChapterRun[] {
  const parameters = { outcomes: [...config.outcomes], years: [...config.years], reference: { ...config.reference } };
  return listNotebooks(dir).flatMap((notebook): ChapterRun[] => {
    if (basename(notebook) !== MODEL_CHAPTER_NOTEBOOK) return [{ notebook, name: basename(notebook, ".ipynb"), parameters }];
    return config.outcomes.map((outcome) => ({ notebook, name: MODEL_CHAPTERS[outcome].name, parameters: { ...parameters, outcome } }));
  });
}

/** The parts of nbformat 4 we read. */
export interface NotebookCell {
  readonly cell_type: string;
  readonly id?: string;
  readonly source: string | readonly string[];
  readonly metadata?: { readonly tags?: readonly string[]; readonly [key: string]: unknown };
  readonly outputs?: readonly unknown[];
  readonly execution_count?: number | null;
}
export interface Notebook {
  readonly cells: readonly NotebookCell[];
  readonly metadata?: { readonly [key: string]: unknown };
  readonly nbformat?: number;
}

export function readNotebook(path: string): Notebook {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new Error(`${path}: not a readable notebook (${(error as Error).message})`);
  }
  if (typeof value !== "object" || value === null || !Array.isArray((value as { cells?: unknown }).cells)) {
    throw new Error(`${path}: not an nbformat 4 notebook (no "cells" list)`);
  }
  return value as Notebook;
}

export function cellSource(cell: NotebookCell): string {
  return typeof cell.source === "string" ? cell.source : cell.source.join("");
}

/**
 * What a committed notebook must not carry: outputs or execution counts (executed copies live only in
 * the outputs folder, so diffs of notebooks/ stay readable). Returns one line per offending cell.
 */
export function committedNotebookProblems(path: string): string[] {
  const nb = readNotebook(path);
  const problems: string[] = [];
  nb.cells.forEach((cell, i) => {
    if (cell.cell_type !== "code") return;
    const where = `${path}, cell ${i + 1}${cell.id ? ` (id "${cell.id}")` : ""}`;
    if (cell.outputs && cell.outputs.length > 0) problems.push(`${where}: has ${cell.outputs.length} output(s); clear the outputs before committing`);
    if (cell.execution_count !== null && cell.execution_count !== undefined) problems.push(`${where}: has execution count ${cell.execution_count}; clear it before committing`);
  });
  return problems;
}

/** Is Jupyter (nbclient on Debian's Python) there, and the tslab kernel registered? Reason if not. */
export function jupyterStatus(): { readonly available: boolean; readonly reason: string } {
  if (!existsSync(JUPYTER_PYTHON)) return { available: false, reason: `${JUPYTER_PYTHON} does not exist (install Debian's python3 and Jupyter: bash scripts/setup.sh)` };
  const probe = spawnSync(JUPYTER_PYTHON, ["-c", "import nbclient, nbformat, nbconvert"], { encoding: "utf8" });
  if (probe.status !== 0) return { available: false, reason: `Jupyter's nbclient/nbconvert are not installed for ${JUPYTER_PYTHON} (bash scripts/setup.sh installs them): ${probe.stderr.trim().split("\n").pop() ?? ""}` };
  if (!existsSync(join(LOCAL_JUPYTER_PATH, "kernels", "tslab", "kernel.json"))) return { available: false, reason: `the tslab kernel is not registered under ${LOCAL_JUPYTER_PATH} (bash scripts/setup.sh registers it)` };
  return { available: true, reason: "" };
}

/** The runner's JSON summary (see scripts/run-notebooks.py). */
export interface RunnerFailure {
  readonly notebook: string;
  /** The chapter the failing run was executing (differs from the notebook's name for the model chapter). */
  readonly chapter?: string;
  readonly cellIndex: number;
  readonly cellNumber: number;
  readonly cellCount: number;
  readonly cellId: string | null;
  readonly tags: readonly string[];
  readonly firstLine: string;
  readonly message: string;
}
export interface RunnerNotebookResult {
  /** The notebook file, relative to the project when inside it. */
  readonly notebook: string;
  /** The chapter's name (the executed notebook is `<chapter>.ipynb`). */
  readonly chapter: string;
  readonly status: "ok" | "error";
  readonly startedAt: string;
  readonly durationSeconds: number;
  readonly kernelPeakRssBytes?: number | null;
  /** CPU seconds (user + system, all threads) the kernel used, kernel start included; null where /proc is absent. */
  readonly kernelCpuSeconds?: number | null;
  /** Per executed cell: wall time, and the kernel's CPU time during it (null where /proc is absent). */
  readonly cells: readonly { readonly index: number; readonly id: string | null; readonly status: string; readonly durationSeconds: number; readonly cpuSeconds?: number | null }[];
  readonly failure?: RunnerFailure;
}
export interface RunnerSummary {
  readonly status: "ok" | "error" | "interrupted";
  readonly startedAt: string;
  readonly durationSeconds: number;
  readonly notebooks: readonly RunnerNotebookResult[];
  readonly failure?: Partial<RunnerFailure> & { readonly message: string };
}

export interface RunNotebooksOptions {
  /** Folder for the executed notebooks. */
  readonly outDir: string;
  /** Folder for one nbconvert HTML export per notebook (for the report). */
  readonly htmlDir?: string;
  /** Where the runner writes its JSON summary. */
  readonly summaryPath: string;
  /** Extra environment for the kernels (KANSEN_CONFIG, KANSEN_RUN_DIR, KANSEN_RUN_LOG). */
  readonly env?: { readonly [name: string]: string };
  /** Seconds one cell may take. */
  readonly cellTimeoutSeconds?: number;
  /** Keep the runner's stderr (progress, errors) in the result as well as passing it through. */
  readonly capture?: boolean;
  /** Pass the runner's stderr through to ours (default true). */
  readonly echo?: boolean;
}

export interface RunNotebooksResult {
  readonly exitCode: number;
  readonly summary: RunnerSummary | undefined;
  /** The runner's stderr, if captured. */
  readonly log: string;
}

/**
 * Execute chapters in order through the runner: ChapterRuns (with parameters to inject), or plain
 * notebook paths (run as they are, under their own name). Resolves when the runner exits (never
 * rejects on a cell error). The plan is handed to the runner as a JSON file beside the summary.
 */
export function runNotebooks(chapters: readonly (string | ChapterRun)[], options: RunNotebooksOptions): Promise<RunNotebooksResult> {
  const plan = chapters.map((c) => (typeof c === "string" ? { notebook: c, name: basename(c, ".ipynb"), parameters: {} } : c));
  const planPath = `${options.summaryPath.replace(/\.json$/, "")}.plan.json`;
  writeFileSync(planPath, JSON.stringify(plan, null, 1) + "\n");
  const args = [RUNNER, "--out-dir", options.outDir, "--summary", options.summaryPath, "--plan", planPath];
  if (options.htmlDir) args.push("--html-dir", options.htmlDir);
  if (options.cellTimeoutSeconds) args.push("--timeout", String(options.cellTimeoutSeconds));
  const echo = options.echo ?? true;
  return new Promise((resolvePromise, reject) => {
    const child = spawn(JUPYTER_PYTHON, args, {
      cwd: PROJECT_ROOT,
      env: { ...process.env, JUPYTER_PATH: LOCAL_JUPYTER_PATH, ...(options.env ?? {}) },
      stdio: ["ignore", "inherit", options.capture || !echo ? "pipe" : "inherit"],
    });
    const chunks: string[] = [];
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (chunk: string) => {
      if (options.capture) chunks.push(chunk);
      if (echo) process.stderr.write(chunk);
    });
    // Forward an interrupt to the runner, which shuts its kernel down. Prepended, so that it runs
    // before a listener that exits the process (src/audit/atomic-output.ts reports and exits).
    const forward = (signal: NodeJS.Signals): void => {
      child.kill(signal);
    };
    process.prependListener("SIGINT", forward);
    process.prependListener("SIGTERM", forward);
    child.on("error", (error) => reject(new Error(`could not start the notebook runner ${JUPYTER_PYTHON} ${RUNNER}: ${error.message}`)));
    child.on("close", (code, signal) => {
      process.removeListener("SIGINT", forward);
      process.removeListener("SIGTERM", forward);
      let summary: RunnerSummary | undefined;
      if (existsSync(options.summaryPath)) summary = JSON.parse(readFileSync(options.summaryPath, "utf8")) as RunnerSummary;
      // Killed by a signal: the shell's convention, 128 + the signal's number.
      const exitCode = code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : 1);
      resolvePromise({ exitCode, summary, log: chunks.join("") });
    });
  });
}

/** One sentence naming what failed, for the reproduce command's last line. */
export function describeFailure(result: RunNotebooksResult): string {
  const f = result.summary?.failure;
  if (!f) return `the notebook runner exited with status ${result.exitCode}${result.summary ? "" : " before writing its summary"}`;
  if (f.notebook === undefined || f.cellNumber === undefined) return f.message;
  const id = f.cellId ? ` (id "${f.cellId}"${f.tags && f.tags.length ? `, tags: ${f.tags.join(", ")}` : ""})` : "";
  const chapter = f.chapter !== undefined && f.chapter !== basename(f.notebook, ".ipynb") ? ` (chapter ${f.chapter})` : "";
  return `notebook ${f.notebook}${chapter}, cell ${f.cellNumber} of ${f.cellCount}${id}, first line \`${f.firstLine}\`: ${f.message.split("\n")[0]}`;
}
