/**
 * The second thread of a bootstrap (replicate-thread.ts): a worker that holds its own ReplicateRunner
 * (its own objective of the design, its passes on this one thread) and runs the replicates it is sent,
 * one at a time, while the main thread runs others. A job arrives as a message { replicate }; the
 * result goes back as { replicate, row, error, seconds } on the same port, and the control word DONE
 * counts finished jobs so that the main thread can wait for one synchronously (Atomics.wait).
 *
 * Control words (Int32Array over a SharedArrayBuffer): [0] READY (0 loading, 1 ready, 2 failed),
 * [1] DONE (jobs finished).
 */
import type { MessagePort } from "node:worker_threads";
import type { GlmmFit } from "../glmm/types";
import { ReplicateRunner, type ReplicateStart, type RunnerSettings } from "./replicate-runner";

export const REPLICATE_CONTROL = { ready: 0, done: 1, size: 2 } as const;

export interface ReplicateWorkerData {
  readonly control: SharedArrayBuffer;
  readonly port: MessagePort;
  readonly fit: GlmmFit;
  readonly start: ReplicateStart;
  readonly settings: RunnerSettings;
}

export interface ReplicateJobResult {
  readonly replicate: number;
  readonly row: Float64Array;
  readonly error: string | null;
  readonly seconds: number;
}

/** The worker's side: build the runner, say ready, then serve jobs until told to stop. */
export function serveReplicates(data: ReplicateWorkerData): void {
  const control = new Int32Array(data.control);
  let runner: ReplicateRunner;
  try {
    runner = new ReplicateRunner(data.fit, data.start, { ...data.settings, threads: 1 });
  } catch (error) {
    Atomics.store(control, REPLICATE_CONTROL.ready, 2);
    Atomics.notify(control, REPLICATE_CONTROL.ready);
    throw error;
  }
  Atomics.store(control, REPLICATE_CONTROL.ready, 1);
  Atomics.notify(control, REPLICATE_CONTROL.ready);
  const port = data.port;
  port.on("message", (message: { replicate?: number; stop?: boolean }) => {
    if (message.stop || message.replicate === undefined) {
      runner.release();
      port.close();
      return;
    }
    const started = performance.now();
    const { row, error } = runner.run(message.replicate);
    const result: ReplicateJobResult = { replicate: message.replicate, row, error, seconds: (performance.now() - started) / 1000 };
    port.postMessage(result, [row.buffer]);
    Atomics.add(control, REPLICATE_CONTROL.done, 1);
    Atomics.notify(control, REPLICATE_CONTROL.done);
  });
}
