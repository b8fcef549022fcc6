/**
 * The calibrated parameters of the synthetic population: how the covariates hang together (associations),
 * how students are spread over locations and institutions (composition), and how the random effects of
 * the outcome models relate to that composition (effects). None of them is published; each is chosen by
 * indirect inference (src/calibration/) so that the workspace's own fits of models 0, 1a, 1b, 1c and 2
 * reproduce Tabel 5-8, while Tabel 1-4 (the one-way margins) and the model-2 truth stay as published.
 *
 * Every parameter has a meaning a reader can check in the data, a unit, and bounds that keep it
 * plausible; truth.json lists them with their values. The calibrated values are a committed file
 * (calibrated-parameters.json beside this module) that `npm run calibrate-synthetic` writes and the
 * default generation reads; generation never recalibrates.
 *
 * A "level step down" is one step from niveau 4 towards niveau 1: the score s(niveau) = 3 - niveau
 * (niveau 1: 2, niveau 2: 1, niveau 3: 0, niveau 4: -1) enters every level association linearly.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";

export type ParameterGroup = "association" | "composition" | "effects";

export interface ParameterSpec {
  readonly group: ParameterGroup;
  /** What the parameter does, in words a reader can check against the data. */
  readonly meaning: string;
  readonly unit: string;
  readonly lower: number;
  readonly upper: number;
  /** Starting value of a calibration (and the value when no calibrated file exists). */
  readonly start: number;
}

/** Level score s(niveau) = 3 - niveau for niveau 1-4 (index 0-3): the "level step down". */
export const LEVEL_STEP_DOWN: readonly number[] = [2, 1, 0, -1];

export const PARAMETER_SPECS = {
  // ---- associations: the seed table's odds ratios (associations.ts) and the cito score (frameDraw.ts) ----
  nwLevelStep: {
    group: "association",
    meaning: "non-western vs no migration background: log odds ratio of being one level step lower (niveau 4 -> 1)",
    unit: "log OR per level step",
    lower: -0.5,
    upper: 1.5,
    start: 0.4,
  },
  nwAge: {
    group: "association",
    meaning: "non-western vs no migration background: log odds ratio per year of age",
    unit: "log OR per year",
    lower: -0.5,
    upper: 0.5,
    start: 0,
  },
  nwBbl: {
    group: "association",
    meaning: "non-western vs no migration background: log odds ratio of following bbl (work-based) rather than bol",
    unit: "log OR",
    lower: -1.5,
    upper: 1,
    start: -0.5,
  },
  westernFraction: {
    group: "association",
    meaning: "western migration background: every association of non-western students (level, age, bbl, cito shift, cito missing, sorting over locations) taken at this fraction",
    unit: "fraction",
    lower: 0,
    upper: 1,
    start: 0.5,
  },
  parentsLevelStep: {
    group: "association",
    meaning: "parents educated above vmbo-kader vs at most vmbo-kader: log odds ratio of being one level step lower",
    unit: "log OR per level step",
    lower: -1.2,
    upper: 0.5,
    start: -0.25,
  },
  parentsUnknownLevelStep: {
    group: "association",
    meaning: "parents' education unknown vs at most vmbo-kader: log odds ratio of being one level step lower",
    unit: "log OR per level step",
    lower: -1.2,
    upper: 1.2,
    start: 0,
  },
  parentsUnknownBbl: {
    group: "association",
    meaning: "parents' education unknown vs known: log odds ratio of following bbl rather than bol",
    unit: "log OR",
    lower: -1.5,
    upper: 1.5,
    start: 0,
  },
  parentsUnknownCitoMissing: {
    group: "association",
    meaning: "parents' education unknown vs known: log odds ratio of having no cito score (both registrations missing for the same students)",
    unit: "log OR",
    lower: -1,
    upper: 2,
    start: 0.405,
  },
  parentsUnknownAge: {
    group: "association",
    meaning: "parents' education unknown (not registered): log odds ratio per year of age",
    unit: "log OR per year",
    lower: -0.2,
    upper: 1.2,
    start: 0.5,
  },
  bblAge: {
    group: "association",
    meaning: "bbl (work-based learning) rather than bol: log odds ratio per year of age",
    unit: "log OR per year",
    lower: -0.2,
    upper: 1,
    start: 0.35,
  },
  levelAge: {
    group: "association",
    meaning: "log odds ratio of being one level step lower per year of age",
    unit: "log OR per year and level step",
    lower: -0.5,
    upper: 0.5,
    start: 0,
  },
  nwCitoShift: {
    group: "association",
    meaning: "non-western vs no migration background: difference in the mean cito score (score - 500) at the same level and parents' education",
    unit: "cito points",
    lower: -8,
    upper: 3,
    start: -2,
  },
  nwCitoMissing: {
    group: "association",
    meaning: "non-western vs no migration background: log odds ratio of having no cito score",
    unit: "log OR",
    lower: -0.5,
    upper: 1.5,
    start: 0.4,
  },
  levelCitoStep: {
    group: "association",
    meaning: "difference in the mean cito score per level step down",
    unit: "cito points per level step",
    lower: -8,
    upper: 0,
    start: -3,
  },
  // ---- composition: who studies where (schools.ts, placement) ----
  locationLevelSpread: {
    group: "composition",
    meaning: "SD over locations of a location's log odds per level step down (programme level specialisation; centred within each institution, which stays a broad college)",
    unit: "SD of log odds per level step",
    lower: 0,
    upper: 3,
    start: 1.5,
  },
  locationBblSpread: {
    group: "composition",
    meaning: "SD over locations of a location's log odds of bbl (centred within each institution)",
    unit: "SD of log odds",
    lower: 0,
    upper: 3,
    start: 1.2,
  },
  locationAgeSpread: {
    group: "composition",
    meaning: "SD over locations of a location's log odds per year of age (age specialisation; centred within each institution)",
    unit: "SD of log odds per year",
    lower: 0,
    upper: 1,
    start: 0.3,
  },
  locationSectorSpread: {
    group: "composition",
    meaning: "SD over locations of a location's log odds of each sector (sector specialisation; centred within each institution)",
    unit: "SD of log odds",
    lower: 0,
    upper: 2,
    start: 1,
  },
  startpopulatieSpread: {
    group: "composition",
    meaning: "the location specialisation (level, bbl, age and sector spreads) of students without a startkwalificatie (the vsv frames) as a multiple of that of diploma students (the doorstroom frames)",
    unit: "factor",
    lower: 0.5,
    upper: 2.5,
    start: 1.2,
  },
  doorstroomRiskSorting: {
    group: "composition",
    meaning: "doorstroom frames (diploma students): log weight of a location per unit of a student's log odds of doorstroom from programme, age and background (model 2's coefficients of niveau, sector, leerweg, leeftijd and migratie, centred on the frame's mean), times the location's risk orientation (SD 1 over locations, centred within each institution): some locations draw the students with the better or worse prospects",
    unit: "log weight per logit and SD of the orientation",
    lower: -5,
    upper: 5,
    start: 0,
  },
  vsvRiskSorting: {
    group: "composition",
    meaning: "vsv frames (startpopulatie): log weight of a location per unit of a student's log odds of leaving early from programme, age and background (model 2's coefficients as for doorstroomRiskSorting), times the same risk orientation: some locations gather the students most at risk of leaving without a startkwalificatie",
    unit: "log weight per logit and SD of the orientation",
    lower: -5,
    upper: 5,
    start: 0,
  },
  urbanitySorting: {
    group: "composition",
    meaning: "non-western students: log weight of a location per SD of its urbanity (sorting over locations and institutions by background)",
    unit: "log weight per SD",
    lower: 0,
    upper: 2.5,
    start: 1,
  },
  urbanityLevelCorrelation: {
    group: "composition",
    meaning: "correlation over locations between urbanity and lower-level specialisation (urban locations offer more entree and level-2 programmes)",
    unit: "correlation",
    lower: -0.9,
    upper: 0.95,
    start: 0.5,
  },
  institutionUrbanityShare: {
    group: "composition",
    meaning: "share of the variance of urbanity that lies between institutions (the rest between locations of one institution)",
    unit: "share",
    lower: 0,
    upper: 0.95,
    start: 0.3,
  },
  // ---- effects: the outcome models' random effects in relation to composition (outcomes.ts) ----
  doorstroomInterceptSlopeCorrelation: {
    group: "effects",
    meaning: "doorstroom: correlation of a location's intercept and its non-western slope (model 2, unpublished)",
    unit: "correlation",
    lower: -0.95,
    upper: 0.95,
    start: -0.3,
  },
  vsvInterceptSlopeCorrelation: {
    group: "effects",
    meaning: "vsv: correlation of a location's intercept and its non-western slope (model 2, unpublished)",
    unit: "correlation",
    lower: -0.95,
    upper: 0.95,
    start: -0.7,
  },
  doorstroomSlopeUrbanity: {
    group: "effects",
    meaning: "doorstroom: correlation of a location's non-western slope with its urbanity, given its intercept (where many non-western students study, their gap differs)",
    unit: "partial correlation",
    lower: -0.9,
    upper: 0.9,
    start: 0,
  },
  vsvSlopeUrbanity: {
    group: "effects",
    meaning: "vsv: correlation of a location's non-western slope with its urbanity, given its intercept",
    unit: "partial correlation",
    lower: -0.9,
    upper: 0.9,
    start: -0.3,
  },
  doorstroomInstitutionUrbanity: {
    group: "effects",
    meaning: "doorstroom: correlation of an institution's effect with its urbanity",
    unit: "correlation",
    lower: -0.9,
    upper: 0.9,
    start: -0.4,
  },
  vsvInstitutionUrbanity: {
    group: "effects",
    meaning: "vsv: correlation of an institution's effect with its urbanity",
    unit: "correlation",
    lower: -0.9,
    upper: 0.9,
    start: 0,
  },
} as const satisfies Record<string, ParameterSpec>;

export type ParameterName = keyof typeof PARAMETER_SPECS;
export const PARAMETER_NAMES = Object.keys(PARAMETER_SPECS) as ParameterName[];
export type SyntheticParameters = Readonly<Record<ParameterName, number>>;

/** The starting values (used when no calibrated file exists, and as a calibration's start). */
export function startParameters(): SyntheticParameters {
  const out = {} as Record<ParameterName, number>;
  for (const name of PARAMETER_NAMES) out[name] = PARAMETER_SPECS[name].start;
  return out;
}

/** The parameters of one outcome's random effects. */
export function effectParameters(p: SyntheticParameters, outcome: "doorstroom" | "vsv"): { rho: number; slopeUrbanity: number; institutionUrbanity: number } {
  return outcome === "doorstroom"
    ? { rho: p.doorstroomInterceptSlopeCorrelation, slopeUrbanity: p.doorstroomSlopeUrbanity, institutionUrbanity: p.doorstroomInstitutionUrbanity }
    : { rho: p.vsvInterceptSlopeCorrelation, slopeUrbanity: p.vsvSlopeUrbanity, institutionUrbanity: p.vsvInstitutionUrbanity };
}

/** Checks a parameter record: every name known and present, every value finite and within its bounds. */
export function checkParameters(values: Readonly<Record<string, unknown>>, source: string): SyntheticParameters {
  const unknown = Object.keys(values).filter((k) => !(k in PARAMETER_SPECS));
  if (unknown.length > 0) throw new Error(`${source}: unknown parameter${unknown.length > 1 ? "s" : ""} ${unknown.join(", ")} (known: ${PARAMETER_NAMES.join(", ")})`);
  const out = {} as Record<ParameterName, number>;
  for (const name of PARAMETER_NAMES) {
    const v = values[name];
    const spec = PARAMETER_SPECS[name];
    if (typeof v !== "number" || !Number.isFinite(v)) throw new Error(`${source}: parameter ${name} is ${JSON.stringify(v)}, a finite number is required`);
    if (v < spec.lower || v > spec.upper) throw new Error(`${source}: parameter ${name} = ${v} lies outside its bounds [${spec.lower}, ${spec.upper}]`);
    out[name] = v;
  }
  return out;
}

/** Format tag of the calibrated-parameters file. */
export const CALIBRATION_FORMAT = "kansen-mbo synthetic calibration v1";

/** The committed file with the calibrated parameters, relative to the repository root. */
export const CALIBRATED_PARAMETERS_PATH = ["src", "data", "synthetic", "calibrated-parameters.json"] as const;

/** The repository root: this module is src/data/synthetic/parameters.ts (or dist/data/synthetic/parameters.js). */
const REPO_ROOT = resolve(__dirname, "..", "..", "..");

export function calibratedParametersFile(root: string = REPO_ROOT): string {
  return join(root, ...CALIBRATED_PARAMETERS_PATH);
}

/** What the calibration script writes: the values and how they were reached. */
export interface CalibrationRecord {
  readonly format: string;
  /** ISO date (YYYY-MM-DD) of the calibration run. */
  readonly date: string;
  /** Seed and scale of the population every evaluation generated (common random numbers). */
  readonly seed: number;
  readonly scale: number;
  /** The objective (sum of squared scaled residuals) at the start and at the calibrated values. */
  readonly objectiveStart: number;
  readonly objective: number;
  readonly evaluations: number;
  readonly wallSeconds: number;
  readonly parameters: SyntheticParameters;
  /** Free-form facts about the run (optimiser, residual counts, the command line). */
  readonly notes: Readonly<Record<string, unknown>>;
}

/** Reads and checks the calibrated-parameters file; the error names the file. */
export function loadCalibration(path: string = calibratedParametersFile()): CalibrationRecord {
  if (!existsSync(path)) throw new Error(`${path}: the calibrated parameters are missing; restore the file from git or run npm run calibrate-synthetic`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new Error(`${path}: not valid JSON (${(e as Error).message})`);
  }
  const r = raw as Record<string, unknown>;
  if (r.format !== CALIBRATION_FORMAT) throw new Error(`${path}: format is ${JSON.stringify(r.format)}, expected ${JSON.stringify(CALIBRATION_FORMAT)}`);
  for (const k of ["seed", "scale", "objectiveStart", "objective", "evaluations", "wallSeconds"]) {
    if (typeof r[k] !== "number" || !Number.isFinite(r[k] as number)) throw new Error(`${path}: field ${k} must be a finite number`);
  }
  if (typeof r.date !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(r.date)) throw new Error(`${path}: field date must be YYYY-MM-DD`);
  if (typeof r.parameters !== "object" || r.parameters === null) throw new Error(`${path}: field parameters is missing`);
  const parameters = checkParameters(r.parameters as Record<string, unknown>, `${path} parameters`);
  return {
    format: CALIBRATION_FORMAT,
    date: r.date,
    seed: r.seed as number,
    scale: r.scale as number,
    objectiveStart: r.objectiveStart as number,
    objective: r.objective as number,
    evaluations: r.evaluations as number,
    wallSeconds: r.wallSeconds as number,
    parameters,
    notes: (typeof r.notes === "object" && r.notes !== null ? r.notes : {}) as Record<string, unknown>,
  };
}

/** The parameters the default generation uses: the committed calibration. */
export function calibratedParameters(path?: string): SyntheticParameters {
  return loadCalibration(path).parameters;
}
