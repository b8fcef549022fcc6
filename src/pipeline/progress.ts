/**
 * Progress of long steps (generating the population, building frames, each model fit), shown in two
 * places at once (issue 4, item 6):
 *
 *   - in the notebook, as ordinary cell output (console.log), when the code runs inside a tslab kernel;
 *   - on the terminal of a headless run: written straight to file descriptor 2 of the process. Inside
 *     a kernel that is the kernel's own stderr, which tslab does not capture but the notebook runner
 *     (scripts/run-notebooks.py) reads and echoes, so `npm run reproduce` shows it live.
 *
 * Outside a kernel (the reproduce command, a CLI, a test) fd 2 is the terminal and the notebook channel
 * is off, so nothing is printed twice. Updates are throttled (one line per `intervalMs`, default 2 s),
 * and the first and last line are always written.
 *
 *   const p = startProgress("generate", { total: nStudents, unit: "students" });
 *   for (...) { ...; p.update(done); }
 *   p.done();                                  // "[generate] done: 1,360,000 students in 41.2 s"
 */
import { writeSync } from "node:fs";

/** A sink for one line of progress (no trailing newline). */
export type LineSink = (line: string) => void;

export interface ProgressOptions {
  /** Total amount of work, for a percentage (e.g. students, iterations). */
  readonly total?: number;
  /** What is counted, e.g. "students", "iterations". */
  readonly unit?: string;
  /** Minimum time between two update lines, ms (default 2000). */
  readonly intervalMs?: number;
  /** Clock in ms (default: a monotonic clock); tests inject their own. */
  readonly now?: () => number;
  /** Where lines go; default: `defaultSinks()`. */
  readonly sinks?: readonly LineSink[];
}

export interface Progress {
  /** Record that `done` units are finished; prints if the interval has passed. */
  update(done: number, message?: string): void;
  /** Print a free-text line at once (e.g. "iteration 12: deviance 103512.4"). */
  note(message: string): void;
  /** Finish: prints the total time; later calls do nothing. (Returns nothing, so that a notebook
   *  cell ending in `p.done()` shows no stray value.) */
  done(message?: string): void;
  /** Finish with a failure line. */
  fail(message: string): void;
  /** Seconds since the start (up to `done`/`fail` once finished). */
  elapsedSeconds(): number;
}

/** True inside a tslab kernel (its process is started as `node .../tslab kernel ...`). */
export function inNotebookKernel(): boolean {
  return process.argv.some((arg) => /[\\/]tslab(\.js)?$/.test(arg) || /[\\/]tslab[\\/]dist[\\/]/.test(arg));
}

/** The terminal: fd 2 of this process, written synchronously so lines appear while a cell runs. */
export const terminalSink: LineSink = (line) => {
  try {
    writeSync(2, line + "\n");
  } catch {
    /* stderr closed: progress is best effort */
  }
};

/** The notebook: cell output through tslab's captured console. */
export const notebookSink: LineSink = (line) => console.log(line);

/** Both channels inside a kernel, the terminal alone elsewhere. */
export function defaultSinks(): readonly LineSink[] {
  return inNotebookKernel() ? [notebookSink, terminalSink] : [terminalSink];
}

function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** 1234567 -> "1,234,567" (fixed locale, so outputs do not depend on the machine). */
export function formatCount(n: number): string {
  return Number.isInteger(n) ? n.toLocaleString("en-US") : n.toLocaleString("en-US", { maximumFractionDigits: 2 });
}

/** Seconds as "8.3 s", "2 min 05 s". */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  const rest = Math.round(seconds - minutes * 60);
  return `${minutes} min ${String(rest).padStart(2, "0")} s`;
}

/** Start reporting a long step called `label`. Prints a start line at once. */
export function startProgress(label: string, options: ProgressOptions = {}): Progress {
  const now = options.now ?? monotonicMs;
  const sinks = options.sinks ?? defaultSinks();
  const interval = options.intervalMs ?? 2000;
  const unit = options.unit ? ` ${options.unit}` : "";
  const t0 = now();
  let lastPrint = t0;
  let finished = false;
  let lastDone = 0;
  let finalSeconds: number | undefined;

  const emit = (text: string): void => {
    const line = `[${label}] ${text}`;
    for (const sink of sinks) sink(line);
  };
  const elapsed = (): number => (now() - t0) / 1000;
  const amount = (done: number): string => {
    if (options.total !== undefined && options.total > 0) {
      const pct = Math.min(100, (100 * done) / options.total);
      return `${pct.toFixed(0)}% (${formatCount(done)} / ${formatCount(options.total)}${unit})`;
    }
    return `${formatCount(done)}${unit}`;
  };

  emit(options.total !== undefined ? `start: ${formatCount(options.total)}${unit}` : "start");
  return {
    update(done, message) {
      if (finished) return;
      lastDone = done;
      const t = now();
      if (t - lastPrint < interval) return;
      lastPrint = t;
      emit(`${amount(done)}, ${formatDuration(elapsed())}${message ? `: ${message}` : ""}`);
    },
    note(message) {
      if (finished) return;
      lastPrint = now();
      emit(`${message} (${formatDuration(elapsed())})`);
    },
    done(message) {
      if (finished) return;
      const seconds = elapsed();
      finished = true;
      finalSeconds = seconds;
      const what = options.total !== undefined ? `${formatCount(options.total)}${unit} ` : lastDone > 0 ? `${formatCount(lastDone)}${unit} ` : "";
      emit(`done: ${what}in ${formatDuration(seconds)}${message ? `: ${message}` : ""}`);
    },
    fail(message) {
      if (finished) return;
      const seconds = elapsed();
      finished = true;
      finalSeconds = seconds;
      emit(`FAILED after ${formatDuration(seconds)}: ${message}`);
    },
    elapsedSeconds() {
      return finalSeconds ?? elapsed();
    },
  };
}

/**
 * Run `work` as one reported step: a start line, the work (which may report through the Progress it
 * is given), and a done line with the elapsed time, or a failure line before the error is rethrown.
 */
export async function withProgress<T>(label: string, work: (progress: Progress) => T | Promise<T>, options: ProgressOptions = {}): Promise<T> {
  const progress = startProgress(label, options);
  try {
    const result = await work(progress);
    progress.done();
    return result;
  } catch (error) {
    progress.fail(error instanceof Error ? error.message : String(error));
    throw error;
  }
}

/**
 * A plain callback for code that reports `(done, total)` (the generator, the optimiser) without
 * knowing about notebooks; finishes itself when done reaches total.
 */
export function progressCallback(label: string, options: Omit<ProgressOptions, "total"> = {}): (done: number, total: number, message?: string) => void {
  let progress: Progress | undefined;
  return (done, total, message) => {
    progress ??= startProgress(label, { ...options, total });
    progress.update(done, message);
    if (done >= total) progress.done();
  };
}
