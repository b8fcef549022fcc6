/**
 * The source of a worker thread that serves one exported function of a compiled module: the module is
 * `file` (.js when compiled; .ts under tsx, whose CommonJS hook the worker thread then registers for
 * itself), its `entry(workerData)` does the work. If loading fails, the worker stores 2 in word
 * `readyIndex` of `workerData.control` (an Int32Array view of a SharedArrayBuffer) and wakes the caller
 * waiting on that word before it throws, so the caller never waits for a worker that cannot start.
 * Used by the row passes (row-threads.ts) and the bootstrap's replicates (inference/replicate-thread.ts).
 */
export function workerSource(file: string, entry: string, readyIndex: number): string {
  const loader = file.endsWith(".ts") ? `require(${JSON.stringify(require.resolve("tsx/cjs"))});` : "";
  return [
    `const { workerData } = require("node:worker_threads");`,
    `try {`,
    `  ${loader}`,
    `  require(${JSON.stringify(file)}).${entry}(workerData);`,
    `} catch (error) {`,
    `  const words = new Int32Array(workerData.control);`,
    `  Atomics.store(words, ${readyIndex}, 2);`,
    `  Atomics.notify(words, ${readyIndex});`,
    `  throw error;`,
    `}`,
  ].join("\n");
}
