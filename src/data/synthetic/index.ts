/**
 * The synthetic DUO-shaped population: generate it from (seed, scale) and write the raw files
 * (studenten.csv, vsv.csv, crebo.csv) plus truth.json into a folder.
 */
import { generatePopulation, type GeneratedPopulation } from "./generate";
import { loadCalibration, type SyntheticParameters } from "./parameters";
import { Xoshiro128 } from "./prng";
import { buildTruth } from "./truth";
import { writeOrder, writePopulation, type WrittenFiles } from "./write";

export { generatePopulation, generateAnalysisFrames, CHOICES } from "./generate";
export type { GeneratedPopulation, GenerateOptions, SyntheticFrames } from "./generate";
export {
  PARAMETER_SPECS,
  PARAMETER_NAMES,
  startParameters,
  checkParameters,
  loadCalibration,
  calibratedParameters,
  calibratedParametersFile,
  CALIBRATION_FORMAT,
} from "./parameters";
export type { SyntheticParameters, ParameterName, ParameterSpec, CalibrationRecord } from "./parameters";
export { selectFrame, compareDescriptives, formatComparison } from "./calibration";
export type { CheckFrame, ComparisonRow } from "./calibration";
export { TRUTH_FORMAT } from "./truth";

export interface SyntheticDataOptions {
  readonly seed: number;
  readonly scale: number;
  /** Output folder (created if needed); existing files are replaced only when all new ones are complete. */
  readonly out: string;
  /** Parameters to generate with instead of the committed calibration (truth.json then says so). */
  readonly parameters?: SyntheticParameters;
  readonly onProgress?: (message: string) => void;
}

export interface SyntheticDataResult {
  readonly generated: GeneratedPopulation;
  readonly written: WrittenFiles;
}

/** Stream number of the write order, separate from the generator's streams. */
const ORDER_STREAM = 99;

export function generateSyntheticData(opts: SyntheticDataOptions): SyntheticDataResult {
  const calibration = opts.parameters ? null : loadCalibration();
  const parameters = opts.parameters ?? (calibration as NonNullable<typeof calibration>).parameters;
  const generated = generatePopulation({ seed: opts.seed, scale: opts.scale, parameters, onProgress: opts.onProgress });
  const truth = JSON.stringify(buildTruth(generated, opts.seed, opts.scale, calibration), null, 1);
  const order = writeOrder(new Xoshiro128(opts.seed, ORDER_STREAM), generated.pop.n);
  const written = writePopulation(opts.out, generated.pop, generated.schools, generated.crebos, order, truth, opts.onProgress);
  return { generated, written };
}
