/**
 * The second thread of the row passes (row-engine.ts): it waits on a shared control word, runs the
 * requested kernel (row-kernels.ts) on chunk 1 of the rows while the main thread runs chunk 0, and
 * signals completion. It never uses its event loop, so the main thread can stay synchronous: a job
 * is a write to shared memory and an Atomics.notify, its end an Atomics.wait.
 *
 * Control words (Int32Array over a SharedArrayBuffer), shared with row-threads.ts:
 *   [0] job sequence number (main increments it to start a job)   [1] sequence number of the job done
 *   [2] kernel id (0: take a new context from the port, -1: drop it)   [3] kernel flag
 *   [5] status of the last job (0 ok, 1 failed; the message in the error bytes)
 *   [6] ready (1 once this module is loaded, 2 if loading failed)
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { receiveMessageOnPort, type MessagePort } from "node:worker_threads";
import { columnViews, runKernel, type Kernel, type RowContext } from "./row-kernels";

/**
 * A full garbage collection of this thread's heap. The SharedArrayBuffers of a dropped context (the
 * packed rows of a fit, ~100 MB at 400,000 rows) are freed only when both threads have collected their
 * handles; this thread allocates almost nothing, so without it its collector seldom runs and every
 * fit of a process would keep its buffers (measured: +100 MB of array buffers per fit over 20
 * completed-data refits of vsv 2020; with one thread the process stayed at 0.7 GB). V8's gc function,
 * exposed for this thread's use only (the flag applies to contexts made after it is set); null if the
 * runtime refuses it, and the buffers are then freed whenever this thread's collector runs.
 */
let collector: (() => void) | null | undefined;
function collectGarbage(): void {
  if (collector === undefined) {
    try {
      setFlagsFromString("--expose-gc");
      const gc = runInNewContext("gc") as unknown;
      collector = typeof gc === "function" ? (gc as () => void) : null;
    } catch {
      collector = null;
    }
  }
  collector?.();
}

export const CONTROL = {
  job: 0,
  done: 1,
  kernel: 2,
  flag: 3,
  status: 5,
  ready: 6,
  size: 8,
} as const;
export const TAKE_CONTEXT = 0;
export const DROP_CONTEXT = -1;
export const ERROR_BYTES = 2048;

export interface WorkerSetup {
  readonly control: SharedArrayBuffer;
  readonly errors: SharedArrayBuffer;
  readonly port: MessagePort;
}

/** The worker's loop; returns never (the thread ends with the process or worker.terminate()). */
export function serveRowPasses(setup: WorkerSetup): void {
  const control = new Int32Array(setup.control);
  const errors = new Uint8Array(setup.errors);
  let context: RowContext | null = null;
  let last = Atomics.load(control, CONTROL.job);
  Atomics.store(control, CONTROL.ready, 1);
  Atomics.notify(control, CONTROL.ready);
  for (;;) {
    // A bounded wait, so that termination is never stuck behind it.
    Atomics.wait(control, CONTROL.job, last, 1000);
    const job = Atomics.load(control, CONTROL.job);
    if (job === last) continue;
    last = job;
    const kernel = Atomics.load(control, CONTROL.kernel);
    let status = 0;
    try {
      if (kernel === TAKE_CONTEXT) {
        const message = receiveMessageOnPort(setup.port);
        if (!message) throw new Error("no context message on the port");
        const shared = message.message as Omit<RowContext, "columns">;
        context = { ...shared, columns: columnViews(shared.rows) };
      } else if (kernel === DROP_CONTEXT) {
        context = null;
        collectGarbage();
      } else {
        if (!context) throw new Error("a row kernel was started without a context");
        runKernel(context, kernel as Kernel, 1, Atomics.load(control, CONTROL.flag));
      }
    } catch (error) {
      status = 1;
      const text = new TextEncoder().encode(error instanceof Error ? `${error.message}\n${error.stack ?? ""}` : String(error));
      errors.fill(0);
      errors.set(text.subarray(0, ERROR_BYTES - 1));
    }
    Atomics.store(control, CONTROL.status, status);
    Atomics.store(control, CONTROL.done, job);
    Atomics.notify(control, CONTROL.done);
  }
}
