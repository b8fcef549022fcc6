/**
 * The parametric bootstrap of a fit, the counterpart of lme4's bootMer(fit, FUN, nsim, seed,
 * use.u = FALSE, type = "parametric") with boot.ci's intervals:
 *
 *   replicate r   a response simulated from the fitted model with new random effects drawn from the
 *                 fitted Sigma (simulate-response.ts; the draws depend only on the seed and r), refitted
 *                 from the original optimum (replicate-fit.ts), its statistics computed
 *                 (bootstrap-statistics.ts: the SDs and correlations, the fixed effects, the ICC,
 *                 Nakagawa's R2 and the AMEs, all from the same draws);
 *   counted       replicates whose refit did not converge (or failed outright) and singular ones
 *                 (a variance at 0) are counted and kept: the intervals use every replicate with a value
 *                 by default, as bootMer and boot.ci do, and each interval's note gives the counts and
 *                 the interval without those replicates;
 *   intervals     percentile by default, basic and normal on request (bootstrap-intervals.ts);
 *   stored        with `file`, the rows go to a compact replicate file (bootstrap-store.ts), written
 *                 every `checkpoint` replicates and at the end; a later run with the same file, fit and
 *                 seed reads them and computes only the missing ones;
 *   threads       `concurrency` 2 runs two replicates side by side, one on the main thread and one on a
 *                 worker, each with its own objective and its passes on its own thread; 1 runs them one
 *                 after the other with the passes split over two threads (GlmmOptions.threads). The rows
 *                 are the same bits either way. "auto" (default) takes 2 from 20,000 rows and 8
 *                 replicates on (scripts/bench-intervals.ts --concurrency 1|2 measures either).
 *
 *   const boot = parametricBootstrap(fit, { replicates: 200, seed: 1, file: "outputs/boot/model2.kboot" });
 *   boot.intervals();                                  // percentile, 95 %, every replicate
 *   boot.intervals({ type: "basic", replicates: "converged" });
 *   boot.counts;                                       // { replicates, converged, notConverged, singular, ... }
 */
import type { GlmmControlInput } from "../glmm/control";
import type { GlmmFit } from "../glmm/types";
import { laplaceObjective } from "../glmm/objective";
import { optimiseObjective } from "../glmm/optimise";
import type { AmeConvention, AmeRandomEffects } from "../stats/ame";
import { DEFAULT_STATISTICS, statisticNames, statisticRow, type StatisticsSettings } from "./bootstrap-statistics";
import { bootstrapLimits, type BootstrapIntervalType } from "./bootstrap-intervals";
import { fitFingerprint, storedRows, writeBootstrapFile, type BootstrapHeader } from "./bootstrap-store";
import { checkLevel, type Interval } from "./interval";
import { ReplicateRunner, type ReplicateStart, type RunnerSettings } from "./replicate-runner";
import { ReplicateThread } from "./replicate-thread";

export interface BootstrapOptions {
  /** Number of replicates R (>= 1). */
  readonly replicates: number;
  /** Seed of the draws (a whole number from 0 to 2^32 - 1). */
  readonly seed: number;
  /** A replicate file to read (if it exists) and write (bootstrap-store.ts). */
  readonly file?: string;
  /** Replicates side by side: 1, 2, or "auto" (default). */
  readonly concurrency?: 1 | 2 | "auto";
  /** Write the file every this many new replicates (default 25). */
  readonly checkpoint?: number;
  /** BFGS decrement of a replicate's refit (deviance units, default 1e-8) and its iteration limit (default 100). */
  readonly tolerance?: number;
  readonly maxIterations?: number;
  /** The AMEs recorded: the effect convention (default "published") and the random-effects conventions (default all three). */
  readonly ameConvention?: AmeConvention;
  readonly ameRandomEffects?: readonly AmeRandomEffects[];
  readonly quadratureNodes?: number;
  /** Threads of the passes when replicates run one at a time (as GlmmOptions.threads). */
  readonly threads?: number;
  /** Solver control of the refit of the original data that gives the start and the Hessian. */
  readonly control?: GlmmControlInput;
  readonly onProgress?: (message: string) => void;
}

/** Which replicates an interval uses. */
export type ReplicateSubset = "all" | "converged" | "regular";

export const REPLICATE_SUBSETS: Readonly<Record<ReplicateSubset, string>> = {
  all: "every replicate with a value",
  converged: "the replicates whose refit converged",
  regular: "the replicates whose refit converged and is not singular",
};

export interface BootstrapIntervalOptions {
  readonly level?: number;
  readonly type?: BootstrapIntervalType;
  /** Default "all", as bootMer and boot.ci. */
  readonly replicates?: ReplicateSubset;
  /** Statistics (names); default every statistic. */
  readonly statistics?: readonly string[];
}

export interface BootstrapCounts {
  readonly replicates: number;
  readonly converged: number;
  /** Refits that did not converge, failed outright included. */
  readonly notConverged: number;
  /** Refits that failed outright (no statistics at all). */
  readonly failed: number;
  readonly singular: number;
  /** Replicates the solver's own stages had to finish (BFGS from the original Hessian did not converge). */
  readonly fallback: number;
}

export interface BootstrapResult {
  readonly seed: number;
  readonly counts: BootstrapCounts;
  /** The statistics (no diagnostics), their estimates t0 from the fit, and every column of the rows (diagnostics last). */
  readonly statistics: readonly string[];
  readonly estimates: Float64Array;
  readonly columns: readonly string[];
  /** R x columns.length, row-major, replicate order. */
  readonly rows: Float64Array;
  /** Replicates read from the file, and computed by this run. */
  readonly reused: number;
  readonly computed: number;
  /** This run's errors of replicates whose refit failed outright: "replicate 17: ..." (counts.failed counts the stored ones too). */
  readonly errors: readonly string[];
  readonly concurrency: 1 | 2;
  readonly settings: Readonly<Record<string, unknown>>;
  readonly seconds: number;
  /** The replicates of one statistic (NaN where it has no value), in replicate order. */
  values(statistic: string): Float64Array;
  /** Intervals for every statistic (see BootstrapIntervalOptions); method "bootstrap", notes with the counts. */
  intervals(options?: BootstrapIntervalOptions): Interval[];
}

/** The parametric bootstrap of `fit` (see the file comment). */
export function parametricBootstrap(fit: GlmmFit, options: BootstrapOptions): BootstrapResult {
  const started = performance.now();
  const progress = options.onProgress ?? (() => undefined);
  const R = options.replicates;
  if (!Number.isInteger(R) || R < 1) throw new Error(`bootstrap: replicates must be a whole number >= 1, got ${R}`);
  const seed = options.seed;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new Error(`bootstrap: the seed must be a whole number from 0 to 2^32 - 1, got ${seed}`);
  const checkpoint = options.checkpoint ?? 25;
  const statisticsSettings: StatisticsSettings = {
    ameConvention: options.ameConvention ?? DEFAULT_STATISTICS.ameConvention,
    ameRandomEffects: options.ameRandomEffects ?? DEFAULT_STATISTICS.ameRandomEffects,
    quadratureNodes: options.quadratureNodes ?? DEFAULT_STATISTICS.quadratureNodes,
  };
  const tolerance = options.tolerance ?? 1e-8;
  const maxIterations = options.maxIterations ?? 100;
  const settings = { ...statisticsSettings, tolerance, maxIterations, simulation: "use.u = FALSE", refit: "BFGS from the original Hessian" };
  const columns = statisticNames(fit, statisticsSettings);
  const width = columns.length;
  const header: Omit<BootstrapHeader, "replicates"> = {
    format: 1,
    formula: fit.design.formula,
    nobs: fit.nobs,
    fingerprint: fitFingerprint(fit),
    seed,
    settings,
    statistics: columns,
  };
  const stored = options.file ? storedRows(options.file, header) : new Float64Array(0);
  const reused = Math.min(stored.length / width, R);
  const rows = new Float64Array(R * width);
  rows.set(stored.subarray(0, reused * width));
  if (reused > 0) progress(`bootstrap: ${reused} replicate(s) read from ${options.file}`);

  const errors: string[] = [];
  let concurrency: 1 | 2 = 1;
  if (reused < R) {
    // The start of every replicate: the optimum of the original data and the full Hessian there.
    const objective = laplaceObjective(fit.design, {
      ...(options.threads !== undefined ? { threads: options.threads } : {}),
      ...(options.control !== undefined ? { control: options.control } : {}),
      ...(fit.offset !== undefined ? { offset: fit.offset } : {}),
    });
    let start: ReplicateStart;
    try {
      const optimum = optimiseObjective(objective, { start: fit });
      const at = objective.fromInternal(optimum.x);
      start = { x: optimum.x, hessian: optimum.hessian, theta: at.theta, beta: at.beta };
    } finally {
      objective.release();
    }
    const wanted = options.concurrency ?? "auto";
    concurrency = wanted === "auto" ? (fit.nobs >= 20_000 && R - reused >= 8 ? 2 : 1) : wanted;
    const runnerSettings: RunnerSettings = { seed, tolerance, maxIterations, statistics: statisticsSettings, ...(options.threads !== undefined ? { threads: options.threads } : {}) };
    const done = new Uint8Array(R);
    done.fill(1, 0, reused);
    let written = reused;
    const store = (r: number, row: Float64Array, error: string | null): void => {
      rows.set(row, r * width);
      done[r] = 1;
      if (error) errors.push(`replicate ${r}: ${error}`);
    };
    const flush = (force: boolean): void => {
      let prefix = written;
      while (prefix < R && done[prefix] === 1) prefix++;
      if (options.file && (force || prefix - written >= checkpoint) && prefix > written) {
        writeBootstrapFile(options.file, { header: { ...header, replicates: prefix }, rows: rows.subarray(0, prefix * width) });
        written = prefix;
      }
    };
    const report = (count: number): void => {
      if (count % 10 === 0 || count === R) progress(`bootstrap: ${count}/${R} replicates, ${((performance.now() - started) / 1000).toFixed(1)} s`);
    };
    const thread = concurrency === 2 ? ReplicateThread.start(fit, start, runnerSettings, progress) : null;
    if (concurrency === 2 && !thread) concurrency = 1;
    const runner = new ReplicateRunner(fit, start, concurrency === 2 ? { ...runnerSettings, threads: 1 } : runnerSettings);
    try {
      let next = reused;
      let finished = reused;
      while (finished < R) {
        if (thread && thread.busyWith < 0 && next < R) thread.post(next++);
        if (next < R) {
          const r = next++;
          const { row, error } = runner.run(r);
          store(r, row, error);
          report(++finished);
        }
        const fromThread = thread?.collect(next >= R) ?? null;
        if (fromThread) {
          store(fromThread.replicate, fromThread.row, fromThread.error);
          report(++finished);
        }
        flush(false);
      }
      flush(true);
    } finally {
      runner.release();
      thread?.stop();
    }
  }

  const estimates = statisticRow(fit, statisticsSettings, {
    converged: fit.convergence.converged,
    singular: fit.convergence.singular,
    fallback: false,
    deviance: fit.deviance,
    decrement: fit.optimisation?.newtonDecrement ?? Number.NaN,
    iterations: fit.convergence.iterations,
  });
  return bootstrapResult({
    seed,
    columns,
    rows,
    estimates,
    reused,
    errors,
    concurrency,
    settings,
    seconds: (performance.now() - started) / 1000,
  });
}

/** The result object over rows (from a run or read back from a file). */
export function bootstrapResult(input: {
  seed: number;
  columns: readonly string[];
  rows: Float64Array;
  estimates: Float64Array;
  reused: number;
  errors: readonly string[];
  concurrency: 1 | 2;
  settings: Readonly<Record<string, unknown>>;
  seconds: number;
}): BootstrapResult {
  const { columns, rows } = input;
  const width = columns.length;
  const R = rows.length / width;
  const column = (name: string): number => {
    const c = columns.indexOf(name);
    if (c < 0) throw new Error(`bootstrap: no statistic "${name}"; the statistics are ${columns.filter((s) => !s.startsWith(".")).join(", ")}`);
    return c;
  };
  const values = (name: string): Float64Array => {
    const c = column(name);
    return Float64Array.from({ length: R }, (_, r) => rows[r * width + c]);
  };
  const converged = values(".converged");
  const singular = values(".singular");
  const fallback = values(".fallback");
  const deviance = values(".deviance");
  let nConverged = 0;
  let nSingular = 0;
  let nFallback = 0;
  let nFailed = 0;
  for (let r = 0; r < R; r++) {
    if (converged[r] === 1) nConverged++;
    if (singular[r] === 1) nSingular++;
    if (fallback[r] === 1) nFallback++;
    if (Number.isNaN(deviance[r])) nFailed++;
  }
  const counts: BootstrapCounts = {
    replicates: R,
    converged: nConverged,
    notConverged: R - nConverged,
    failed: nFailed,
    singular: nSingular,
    fallback: nFallback,
  };
  const statistics = columns.filter((c) => !c.startsWith("."));
  const keep = (subset: ReplicateSubset, r: number): boolean =>
    subset === "all" || (converged[r] === 1 && (subset === "converged" || singular[r] !== 1));
  const intervals = (options: BootstrapIntervalOptions = {}): Interval[] => {
    const level = checkLevel(options.level ?? 0.95);
    const type = options.type ?? "percentile";
    const subset = options.replicates ?? "all";
    const names = options.statistics ?? statistics;
    return names.map((name) => {
      const c = column(name);
      const limitsOf = (s: ReplicateSubset): ReturnType<typeof bootstrapLimits> => {
        const v: number[] = [];
        for (let r = 0; r < R; r++) if (keep(s, r)) v.push(rows[r * width + c]);
        return bootstrapLimits(input.estimates[c], v, level, type);
      };
      const main = limitsOf(subset);
      const notes: string[] = [`${type}, ${main.used} of ${R} replicates (${REPLICATE_SUBSETS[subset]})`];
      if (counts.notConverged > 0) notes.push(`${counts.notConverged} not converged${counts.failed > 0 ? ` (${counts.failed} failed outright)` : ""}`);
      if (counts.singular > 0) notes.push(`${counts.singular} singular`);
      const inSubset = subset === "all" ? R : Array.from({ length: R }, (_, r) => keep(subset, r)).filter(Boolean).length;
      if (main.used < inSubset) notes.push(`${inSubset - main.used} without a value (e.g. a correlation where an SD is 0)`);
      const format = (l: ReturnType<typeof bootstrapLimits>): string => `[${l.lower.toPrecision(5)}, ${l.upper.toPrecision(5)}]`;
      if (subset === "all" && counts.notConverged > 0) notes.push(`without the not converged: ${format(limitsOf("converged"))}`);
      if (subset !== "regular" && counts.singular > 0) {
        notes.push(`without ${counts.notConverged > 0 ? "the not converged and " : ""}the singular: ${format(limitsOf("regular"))}`);
      }
      if (main.extreme) notes.push(`too few replicates for this level: an end is the most extreme replicate`);
      return { parameter: name, method: "bootstrap" as const, level, lower: main.lower, upper: main.upper, note: notes.join("; ") };
    });
  };
  return {
    seed: input.seed,
    counts,
    statistics,
    estimates: Float64Array.from(statistics, (s) => input.estimates[column(s)]),
    columns,
    rows,
    reused: input.reused,
    computed: R - input.reused,
    errors: input.errors,
    concurrency: input.concurrency,
    settings: input.settings,
    seconds: input.seconds,
    values,
    intervals,
  };
}
