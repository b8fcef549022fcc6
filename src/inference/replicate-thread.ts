/**
 * The main thread's side of a bootstrap's second thread (replicate-worker.ts). The bootstrap stays a
 * synchronous call: the main thread posts a replicate to the worker, runs another itself, and collects
 * the worker's result with receiveMessageOnPort, blocking in Atomics.wait only when it has nothing
 * else to do. A worker that cannot start is reported and the bootstrap runs on the main thread alone;
 * the rows are the same either way (a replicate depends only on the seed and its number).
 */
import { workerSource } from "../glmm/worker-source";
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from "node:worker_threads";
import type { GlmmFit } from "../glmm/types";
import type { ReplicateStart, RunnerSettings } from "./replicate-runner";
import { REPLICATE_CONTROL, type ReplicateJobResult } from "./replicate-worker";

/** How long to wait for the worker to load and build its objective (ms). */
const STARTUP_TIMEOUT_MS = 120_000;

export class ReplicateThread {
  private readonly control: Int32Array;
  private seen = 0;
  /** The replicate the worker is running, or -1. */
  busyWith = -1;

  private constructor(
    private readonly worker: Worker,
    control: SharedArrayBuffer,
    private readonly port: MessagePort,
  ) {
    this.control = new Int32Array(control);
  }

  /** Starts the worker and waits until it is ready; null (with the reason on `onProblem`) if it cannot run. */
  static start(fit: GlmmFit, start: ReplicateStart, settings: RunnerSettings, onProblem: (message: string) => void): ReplicateThread | null {
    const control = new SharedArrayBuffer(REPLICATE_CONTROL.size * 4);
    const channel = new MessageChannel();
    // The worker serves this folder's replicate-worker (worker-source.ts).
    const source = workerSource(require.resolve("./replicate-worker"), "serveReplicates", REPLICATE_CONTROL.ready);
    let worker: Worker;
    try {
      worker = new Worker(source, {
        eval: true,
        workerData: { control, port: channel.port2, fit, start, settings },
        transferList: [channel.port2],
      });
    } catch (error) {
      onProblem(`no second thread for the bootstrap (${(error as Error).message}); running the replicates on one`);
      return null;
    }
    worker.unref();
    worker.on("error", () => undefined);
    channel.port1.unref();
    const words = new Int32Array(control);
    const deadline = Date.now() + STARTUP_TIMEOUT_MS;
    while (Atomics.load(words, REPLICATE_CONTROL.ready) === 0 && Date.now() < deadline) Atomics.wait(words, REPLICATE_CONTROL.ready, 0, 100);
    if (Atomics.load(words, REPLICATE_CONTROL.ready) !== 1) {
      onProblem("the bootstrap's second thread did not start; running the replicates on one");
      void worker.terminate();
      return null;
    }
    return new ReplicateThread(worker, control, channel.port1);
  }

  /** Sends replicate r to the worker (which must be idle). */
  post(replicate: number): void {
    if (this.busyWith >= 0) throw new Error(`bootstrap: the second thread is still running replicate ${this.busyWith}`);
    this.busyWith = replicate;
    this.port.postMessage({ replicate });
  }

  /** The worker's finished job, waiting for it when `block`; null when it is not done (and not blocking). */
  collect(block: boolean): ReplicateJobResult | null {
    if (this.busyWith < 0) return null;
    const c = this.control;
    for (;;) {
      const done = Atomics.load(c, REPLICATE_CONTROL.done);
      if (done > this.seen) {
        const message = receiveMessageOnPort(this.port);
        if (message) {
          this.seen++;
          this.busyWith = -1;
          return message.message as ReplicateJobResult;
        }
        // Counted but not yet on the port: wait a moment.
        Atomics.wait(c, REPLICATE_CONTROL.done, done, 1);
        continue;
      }
      if (!block) return null;
      Atomics.wait(c, REPLICATE_CONTROL.done, done, 1000);
    }
  }

  /** Stops the worker (its objective is released with it). */
  stop(): void {
    this.port.postMessage({ stop: true });
    void this.worker.terminate();
  }
}
