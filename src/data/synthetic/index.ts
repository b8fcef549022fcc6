/**
 * The synthetic DUO-shaped population: generate it from (seed, scale) and write the raw files
 * (studenten.csv, vsv.csv, crebo.csv) plus truth.json into a folder.
 */
import { generatePopulation, type GeneratedPopulation } from "./generate";
import { Xoshiro128 } from "./prng";
import { buildTruth } from "./truth";
import { writeOrder, writePopulation, type WrittenFiles } from "./write";

export { generatePopulation, CHOICES } from "./generate";
export type { GeneratedPopulation, GenerateOptions } from "./generate";
export { selectFrame, compareDescriptives, formatComparison } from "./calibration";
export type { CheckFrame, ComparisonRow } from "./calibration";
export { TRUTH_FORMAT } from "./truth";

export interface SyntheticDataOptions {
  readonly seed: number;
  readonly scale: number;
  /** Output folder (created if needed); existing files are replaced only when all new ones are complete. */
  readonly out: string;
  readonly onProgress?: (message: string) => void;
}

export interface SyntheticDataResult {
  readonly generated: GeneratedPopulation;
  readonly written: WrittenFiles;
}

/** Stream number of the write order, separate from the generator's streams. */
const ORDER_STREAM = 99;

export function generateSyntheticData(opts: SyntheticDataOptions): SyntheticDataResult {
  const generated = generatePopulation({ seed: opts.seed, scale: opts.scale, onProgress: opts.onProgress });
  const truth = JSON.stringify(buildTruth(generated, opts.seed, opts.scale), null, 1);
  const order = writeOrder(new Xoshiro128(opts.seed, ORDER_STREAM), generated.pop.n);
  const written = writePopulation(opts.out, generated.pop, generated.schools, generated.crebos, order, truth, opts.onProgress);
  return { generated, written };
}
