/**
 * The audit trail (issue 7). What the reproduce command and the notebooks call:
 * - `runIntoFreshOutput` (atomic-output.ts): write a run into a fresh folder, move it into place only on success.
 * - `ManifestRecorder` (recorder.ts): inputs, steps, fits -> manifest.json with a timing-free id; stamps CSV/HTML outputs.
 * - `recordStep`, `recordFit` (run-log.ts): called inside notebook kernels; reach the manifest through KANSEN_RUN_LOG.
 * (The manifest's HTML appendix is rendered by src/report/audit-appendix.ts.)
 * - `compareRuns`, `formatRunComparison` (compare-runs.ts): what moved between two runs (`npm run compare`).
 */
export { runIntoFreshOutput, beginFreshOutput, commitFreshOutput, recoverInterruptedSwap } from "./atomic-output";
export { ManifestRecorder, MANIFEST_FILE, RUN_LOG_FILE } from "./recorder";
export { recordStep, recordFit, recordFitCache, RUN_LOG_ENV } from "./run-log";
export { stampOutputs, MANIFEST_COLUMN } from "./stamp";
export { compareRuns, formatRunComparison } from "./compare-runs";
export type { Manifest, ManifestStep, ManifestFit, ManifestFitCacheEvent, ManifestInput, StepKind } from "./manifest";
