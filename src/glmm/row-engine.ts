/**
 * RowEngine: the shared buffers of the O(n) passes and the way they are run. The rows are split in
 * two fixed chunks; chunk 0 runs on the calling thread and chunk 1 on the process's row-pass worker
 * (row-threads.ts) when the worker pays for itself (planRowThread), on the calling thread otherwise.
 * Sums over rows are added chunk 0 + chunk 1 in that order either way, so a fit gives the same bits on
 * one thread or two.
 *
 * When the worker pays: each pass hands over in a few microseconds, so a running worker pays from
 * THREAD_MIN_ROWS rows. Starting it costs ~0.2-0.3 s of CPU (a V8 isolate that loads the kernels and
 * compiles them again for itself), which a fit repays only from THREAD_START_ROWS rows. And the two
 * halves meet at the end of every pass, so the worker pays only with a core free for it: with the
 * machine's cores busy (a 1-minute load average of cores - 0.5 or more) each pass waits for whichever
 * half the scheduler put aside. Measured on the 2 shared cores here (load 4-6, model 2, the whole
 * glmm command, medians of 5-7 runs): one thread took 1.11 / 1.54 / 2.36 s CPU and 1.16 / 2.45 / 3.62 s
 * wall at 20k / 50k / 100k rows, two threads 1.29 / 1.82 / 2.83 s CPU and 1.27 / 2.81 / 4.80 s wall.
 * Two threads asked for (options.threads = 2, KANSEN_GLMM_THREADS=2) split from THREAD_MIN_ROWS
 * whatever the start costs and the load; these rules are the default's.
 */
import { availableParallelism, loadavg } from "node:os";
import { prestartRowThread, rowThread, rowThreadStarted, type RowThread } from "./row-threads";
import { sharedFloat64, sharedInt32 } from "./shared-arrays";
import { runKernel, columnViews, type ChunkSums, type Kernel, type PassInputs, type RowArrays, type RowContext } from "./row-kernels";

/** Below this many rows the passes stay on the calling thread (the hand-over would cost more). */
export const THREAD_MIN_ROWS = 20_000;
/** Below this many rows a fit does not start the worker (its start costs more than it saves); it uses one already running. */
export const THREAD_START_ROWS = 50_000;

export interface RowEngineSizes {
  readonly n: number;
  readonly p: number;
  readonly K: number;
  readonly nPairs: number;
  readonly q: number;
  /** Size of the Z'WZ block storage (packed-rows.ts). */
  readonly storageSize: number;
  /** Total size of the per-term k x k trace blocks. */
  readonly traceSize: number;
  /** Entries of the v = Lambda'z lists and of the trace pair lists (gradient.ts). */
  readonly vEntries: number;
  readonly traceEntries: number;
  /** Whether the linear predictor has an offset (rows.offset then has length n). */
  readonly offset: boolean;
}

export interface RowEngineOptions {
  /** 1: never use the worker; 2 (default): use it where it pays (planRowThread). KANSEN_GLMM_THREADS overrides the default. */
  readonly threads?: number;
  /** Use the worker whatever the number of rows and the load (tests; the objective, once it has planned). */
  readonly forceThreads?: boolean;
}

let nextId = 1;

export class RowEngine {
  readonly context: RowContext;
  readonly rows: RowArrays;
  readonly inputs: PassInputs;
  readonly chunks: readonly ChunkSums[];
  readonly threaded: boolean;
  private readonly id = nextId++;
  private readonly thread: RowThread | null;

  /** `z`, `uIndex`, `target` must come from sharedFloat64/sharedInt32 (packRows with shared storage). */
  constructor(sizes: RowEngineSizes, packed: { z: Float64Array; uIndex: Int32Array; target: Int32Array }, options: RowEngineOptions = {}) {
    const { n, p, K, nPairs, q } = sizes;
    this.rows = {
      n,
      p,
      K,
      nPairs,
      z: packed.z,
      uIndex: packed.uIndex,
      target: packed.target,
      x: sharedFloat64(n * p),
      y: sharedFloat64(n),
      m: sharedFloat64(n),
      offset: sharedFloat64(sizes.offset ? n : 0),
      etaFixed: sharedFloat64(n),
      eta: sharedFloat64(n),
      mu: sharedFloat64(n),
      c: sharedFloat64(n),
      scratch: sharedFloat64(n),
    };
    this.inputs = {
      b: sharedFloat64(q),
      pAll: sharedFloat64(sizes.storageSize),
      bw: sharedFloat64(q),
      coef: sharedFloat64(p),
      vFrom: sharedInt32(sizes.vEntries),
      vCoef: sharedFloat64(sizes.vEntries),
      vStart: sharedInt32(K + 1),
      trRow: sharedInt32(sizes.traceEntries),
      trCol: sharedInt32(sizes.traceEntries),
      trIndex: sharedInt32(sizes.traceEntries),
    };
    const chunk = (): ChunkSums => ({
      kAll: sharedFloat64(sizes.storageSize),
      zr: sharedFloat64(q),
      zc: sharedFloat64(q),
      ze: sharedFloat64(q),
      trace: sharedFloat64(sizes.traceSize),
      xv: sharedFloat64(p),
      xwx: sharedFloat64(p * p),
      zwx: sharedFloat64(q * p),
      scalars: sharedFloat64(4),
    });
    this.chunks = [chunk(), chunk()];
    const half = Math.floor(n / 2);
    const bounds = sharedInt32(3);
    bounds.set([0, half, n]);
    this.context = { rows: this.rows, inputs: this.inputs, chunks: this.chunks, bounds, columns: columnViews(this.rows) };
    for (const array of [packed.z, packed.uIndex, packed.target]) {
      if (!(array.buffer instanceof SharedArrayBuffer)) throw new Error("glmm: the packed rows must live in shared memory (packed-rows.ts allocates them so)");
    }
    this.thread = usesThread(n, options) ? rowThread() : null;
    this.threaded = this.thread !== null;
  }

  /** Runs `kernel` over all rows: chunk 1 on the worker (if any) while chunk 0 runs here. */
  run(kernel: Kernel, flag = 0): void {
    const thread = this.thread;
    if (thread) {
      const { rows, inputs, chunks, bounds } = this.context;
      thread.use(this.id, { rows, inputs, chunks, bounds });
      thread.begin(kernel, flag);
      try {
        runKernel(this.context, kernel, 0, flag);
      } finally {
        thread.finish();
      }
    } else {
      runKernel(this.context, kernel, 0, flag);
      runKernel(this.context, kernel, 1, flag);
    }
  }

  /** out = chunk 0's + chunk 1's values of one sum. */
  sum(pick: (sums: ChunkSums) => Float64Array, out: Float64Array): Float64Array {
    const a = pick(this.chunks[0]);
    const b = pick(this.chunks[1]);
    for (let k = 0; k < out.length; k++) out[k] = a[k] + b[k];
    return out;
  }

  /** Lets the worker drop this engine's buffers (the fit is done with them). */
  release(): void {
    this.thread?.release(this.id);
  }
}

/** Whether n rows would be split across the worker under these options (see the file comment). */
function usesThread(n: number, options: RowEngineOptions): boolean {
  const explicit = options.threads ?? environmentThreads();
  if ((explicit ?? 2) < 2) return false;
  if (options.forceThreads === true) return true;
  if (n < THREAD_MIN_ROWS) return false;
  // Two threads asked for: from THREAD_MIN_ROWS, whatever the start costs and the load.
  if (explicit !== undefined) return true;
  return (n >= THREAD_START_ROWS || rowThreadStarted()) && loadavg()[0] < availableParallelism() - 0.5;
}

/**
 * Whether a model of n rows will split its passes across the worker; if so, starts the worker early
 * (without waiting), so that it loads while the caller sets up, and RowEngine then waits for it. The
 * caller passes the answer on ({ forceThreads: true } or { threads: 1 }), so it is decided once.
 */
export function planRowThread(n: number, options: RowEngineOptions = {}): boolean {
  const split = usesThread(n, options);
  if (split) prestartRowThread();
  return split;
}

/** KANSEN_GLMM_THREADS, or undefined when it is not set. */
function environmentThreads(): number | undefined {
  const env = process.env.KANSEN_GLMM_THREADS;
  if (env === undefined || env === "") return undefined;
  const v = Number(env);
  if (!Number.isInteger(v) || v < 1) throw new Error(`glmm: KANSEN_GLMM_THREADS must be a positive integer, got "${env}"`);
  return v;
}
