/**
 * The run log: how steps that run inside a notebook kernel (a transform, a fit) reach the manifest.
 *
 * The reproduce command sets KANSEN_RUN_LOG to a file in the run's output folder; `recordStep` and
 * `recordFit` append one JSON object per line to it (appends of one short line are atomic enough for a
 * single writer per kernel, and the notebooks run one at a time). Outside a reproduce run (a researcher
 * in Jupyter) the variable is unset and nothing is written. The manifest recorder folds the lines in.
 */
import { appendFileSync } from "node:fs";
import type { GlmmFit } from "../glmm/types";
import type { ManifestFit, ManifestFitCacheEvent, ManifestStep, StepKind, JsonValue } from "./manifest";
import { toJsonValue } from "./manifest";

export type RunLogEntry =
  | { readonly type: "step"; readonly step: ManifestStep }
  | { readonly type: "fit"; readonly fit: ManifestFit }
  | { readonly type: "fitCache"; readonly event: ManifestFitCacheEvent };

export const RUN_LOG_ENV = "KANSEN_RUN_LOG";

function append(entry: RunLogEntry): void {
  const path = process.env[RUN_LOG_ENV];
  if (!path) return;
  appendFileSync(path, JSON.stringify(entry) + "\n");
}

/** Peak resident memory of this process so far, bytes (getrusage's ru_maxrss). */
export function peakRssBytes(): number {
  return process.resourceUsage().maxRSS * 1024;
}

/** Time a synchronous or asynchronous step and log it; returns what the step returns. */
export async function recordStep<T>(
  name: string,
  kind: StepKind,
  work: () => T | Promise<T>,
  detail?: (result: T) => { [key: string]: JsonValue },
): Promise<T> {
  const startedAt = new Date().toISOString();
  const t0 = process.hrtime.bigint();
  const result = await work();
  const durationSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const step: ManifestStep = {
    name,
    kind,
    startedAt,
    durationSeconds,
    peakRssBytes: peakRssBytes(),
    ...(detail ? { detail: detail(result) } : {}),
  };
  append({ type: "step", step });
  return result;
}

/**
 * Log a step timed by the caller (one that spans several calls, such as a fit walked stage by stage in
 * notebook cells): its start and its duration.
 */
export function recordTimedStep(name: string, kind: StepKind, startedAt: string, durationSeconds: number): void {
  append({ type: "step", step: { name, kind, startedAt, durationSeconds, peakRssBytes: peakRssBytes() } });
}

/** Log a fit's convergence report under a label such as "doorstroom 2020 model 2". */
export function recordFit(label: string, fit: GlmmFit): void {
  append({
    type: "fit",
    fit: {
      label,
      formula: fit.design.formula,
      nobs: fit.nobs,
      logLik: fit.logLik,
      convergence: toJsonValue(fit.convergence) as unknown as GlmmFit["convergence"],
      elapsedSeconds: fit.elapsedSeconds,
    },
  });
}

/** Log whether a fit came from the fit cache (src/pipeline/fit-cache.ts) or was computed, and why. */
export function recordFitCache(event: ManifestFitCacheEvent): void {
  append({ type: "fitCache", event });
}

/** Parse a run log; a malformed line is an error naming the file and line. */
export function parseRunLog(text: string, path: string): RunLogEntry[] {
  const entries: RunLogEntry[] = [];
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      throw new Error(`${path}, line ${i + 1}: not JSON (${(e as Error).message})`);
    }
    const type = (value as { type?: unknown }).type;
    if (type !== "step" && type !== "fit" && type !== "fitCache") throw new Error(`${path}, line ${i + 1}: unknown entry type ${JSON.stringify(type)}`);
    entries.push(value as RunLogEntry);
  });
  return entries;
}
