/**
 * The main thread's side of the second row-pass thread (row-worker.ts): one worker per process,
 * started on first use and kept (unref'd: it never holds the process open), shared by every fit.
 *
 * The main thread stays synchronous: it posts a job by writing the control words and notifying, runs
 * its own chunk, then blocks in Atomics.wait until the worker reports the job done. A worker that
 * cannot start (no worker_threads, a loader problem) is reported once on stderr and the passes run on
 * one thread instead -- with the same chunks, so the numbers are identical either way.
 */
import { workerSource } from "./worker-source";
import { MessageChannel, Worker, type MessagePort } from "node:worker_threads";
import { CONTROL, DROP_CONTEXT, ERROR_BYTES, TAKE_CONTEXT } from "./row-worker";
import type { Kernel, RowContext } from "./row-kernels";

/** How long to wait for the worker to load before running on one thread (ms). */
const STARTUP_TIMEOUT_MS = 60_000;

export class RowThread {
  private readonly control: Int32Array;
  private readonly errors: Uint8Array;
  private heldContext = -1;
  private pending = 0;

  private constructor(
    private readonly worker: Worker,
    control: SharedArrayBuffer,
    errors: SharedArrayBuffer,
    private readonly port: MessagePort,
  ) {
    this.control = new Int32Array(control);
    this.errors = new Uint8Array(errors);
  }

  /**
   * Starts the worker without waiting for it; `ready()` then waits (synchronously) until it has
   * loaded. Null if no worker can be created.
   */
  static spawn(): RowThread | null {
    const control = new SharedArrayBuffer(CONTROL.size * 4);
    const errors = new SharedArrayBuffer(ERROR_BYTES);
    const channel = new MessageChannel();
    // The worker serves this folder's row-worker (worker-source.ts).
    const source = workerSource(require.resolve("./row-worker"), "serveRowPasses", CONTROL.ready);
    let worker: Worker;
    try {
      worker = new Worker(source, {
        eval: true,
        workerData: { control, errors, port: channel.port2 },
        transferList: [channel.port2],
      });
    } catch (error) {
      process.stderr.write(`glmm: no second thread for the row passes (${(error as Error).message}); running on one\n`);
      return null;
    }
    worker.unref();
    // An 'error' event after a failed start must not become an uncaught exception.
    worker.on("error", () => undefined);
    channel.port1.unref();
    return new RowThread(worker, control, errors, channel.port1);
  }

  /** Waits until the worker has loaded; false (and the worker stopped) if it failed or timed out. */
  ready(): boolean {
    const words = this.control;
    const deadline = Date.now() + STARTUP_TIMEOUT_MS;
    while (Atomics.load(words, CONTROL.ready) === 0 && Date.now() < deadline) {
      Atomics.wait(words, CONTROL.ready, 0, 100);
    }
    if (Atomics.load(words, CONTROL.ready) === 1) return true;
    process.stderr.write("glmm: the row-pass worker did not start; running on one thread\n");
    void this.worker.terminate();
    return false;
  }

  /** Makes sure the worker holds context `id` (sends it if not). */
  use(id: number, context: Omit<RowContext, "columns">): void {
    if (this.heldContext === id) return;
    this.port.postMessage(context);
    this.begin(TAKE_CONTEXT, 0);
    this.finish();
    this.heldContext = id;
  }

  /** Drops context `id` if the worker holds it, so its buffers can be freed. */
  release(id: number): void {
    if (this.heldContext !== id) return;
    this.begin(DROP_CONTEXT, 0);
    this.finish();
    this.heldContext = -1;
  }

  /** Starts `kernel` on chunk 1 in the worker. */
  begin(kernel: Kernel | typeof TAKE_CONTEXT | typeof DROP_CONTEXT, flag: number): void {
    const c = this.control;
    c[CONTROL.kernel] = kernel;
    c[CONTROL.flag] = flag;
    this.pending = Atomics.load(c, CONTROL.job) + 1;
    Atomics.store(c, CONTROL.job, this.pending);
    Atomics.notify(c, CONTROL.job);
  }

  /** Waits for the job started by begin(); throws the worker's error if it failed. */
  finish(): void {
    const c = this.control;
    for (;;) {
      const done = Atomics.load(c, CONTROL.done);
      if (done === this.pending) break;
      Atomics.wait(c, CONTROL.done, done, 1000);
    }
    if (Atomics.load(c, CONTROL.status) !== 0) {
      const end = this.errors.indexOf(0);
      const text = new TextDecoder().decode(this.errors.subarray(0, end < 0 ? this.errors.length : end));
      this.heldContext = -1;
      throw new Error(`glmm: the row-pass worker failed: ${text}`);
    }
  }
}

let spawned: RowThread | null | undefined;
let checked = false;

/**
 * Starts the process's row-pass worker if it is not running yet, without waiting for it: a fit calls
 * this first, so the worker loads while the fit sets up its design.
 */
export function prestartRowThread(): void {
  if (spawned === undefined) spawned = RowThread.spawn();
}

/** Whether the process's row-pass worker has been started (and did not fail to start). */
export function rowThreadStarted(): boolean {
  return spawned !== undefined && spawned !== null;
}

/** The process's row-pass worker, ready for jobs (null when it cannot run). */
export function rowThread(): RowThread | null {
  prestartRowThread();
  if (spawned && !checked) {
    checked = true;
    if (!spawned.ready()) spawned = null;
  }
  return spawned ?? null;
}
