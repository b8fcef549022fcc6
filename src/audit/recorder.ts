/**
 * ManifestRecorder: what the reproduce command feeds while it runs, and what turns that into
 * `manifest.json` at the end (see manifest.ts for what the manifest holds and how its id is made).
 *
 *   const rec = new ManifestRecorder(repoDir, config);
 *   await rec.addInputs(dataDir);                       // SHA-256, size, rows of every input CSV
 *   await rec.step("generate", "generation", () => ...) // in-process steps, timed
 *   rec.addStep({...})                                  // steps measured elsewhere (a notebook run)
 *   rec.foldRunLog(join(outDir, RUN_LOG_FILE))          // steps, fits and fit-cache lookups logged inside notebook kernels
 *   const manifest = rec.finish(outDir)                 // id, stamps CSV/HTML, writes manifest.json
 */
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import {
  type JsonValue, type Manifest, type ManifestFit, type ManifestFitCacheEvent, type ManifestInput, type ManifestStep, type StepKind,
  describeInputFolder, describeOutputs, environmentVersions, gitState, manifestId, toJsonValue, writeJsonAtomic,
} from "./manifest";
import { parseRunLog } from "./run-log";
import { stampOutputs } from "./stamp";

export const MANIFEST_FILE = "manifest.json";
export const RUN_LOG_FILE = "run-log.jsonl";

export class ManifestRecorder {
  private readonly steps: ManifestStep[] = [];
  private readonly fits: ManifestFit[] = [];
  private readonly fitCache: ManifestFitCacheEvent[] = [];
  private inputs: ManifestInput[] = [];
  private readonly createdAt = new Date().toISOString();
  private readonly config: JsonValue;

  constructor(private readonly repoDir: string, config: unknown) {
    this.config = toJsonValue(config);
  }

  async addInputs(dataDir: string): Promise<void> {
    this.inputs = await describeInputFolder(dataDir);
  }

  addStep(step: ManifestStep): void {
    this.steps.push(step);
  }

  async step<T>(name: string, kind: StepKind, work: () => T | Promise<T>, peakRss: () => number = () => process.resourceUsage().maxRSS * 1024): Promise<T> {
    const startedAt = new Date().toISOString();
    const t0 = process.hrtime.bigint();
    const result = await work();
    this.steps.push({ name, kind, startedAt, durationSeconds: Number(process.hrtime.bigint() - t0) / 1e9, peakRssBytes: peakRss() });
    return result;
  }

  /** Fold in what notebook kernels logged, then remove the log (its content now lives in the manifest). */
  foldRunLog(path: string): void {
    if (!existsSync(path)) return;
    for (const entry of parseRunLog(readFileSync(path, "utf8"), path)) {
      if (entry.type === "step") this.steps.push(entry.step);
      else if (entry.type === "fit") this.fits.push(entry.fit);
      else this.fitCache.push(entry.event);
    }
    rmSync(path);
  }

  /** Complete the manifest: compute its id, stamp every CSV and HTML output, list outputs, write it. */
  finish(outDir: string): Manifest {
    const base: Omit<Manifest, "id"> = {
      format: "kansen-mbo-manifest/1",
      createdAt: this.createdAt,
      git: gitState(this.repoDir),
      config: this.config,
      inputs: this.inputs,
      environment: environmentVersions(this.repoDir),
      steps: this.steps,
      fits: this.fits,
      fitCache: this.fitCache,
      outputs: [],
    };
    const id = manifestId(base);
    stampOutputs(outDir, id);
    const outputs = describeOutputs(outDir, (rel) => rel === MANIFEST_FILE);
    const manifest: Manifest = { ...base, id, outputs };
    writeJsonAtomic(join(outDir, MANIFEST_FILE), manifest);
    return manifest;
  }
}
