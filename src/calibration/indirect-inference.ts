/**
 * Indirect inference of the synthetic population's parameters (parameters.ts) with the workspace's own
 * solver: for a parameter vector, generate the four analysis frames (generateAnalysisFrames, steps 1-2 of
 * the generator, the same code the default population comes from), fit models 0, 1a, 1b, 1c and 2 on
 * each (src/glmm through designFitter, the ladder of src/analysis/models.ts), read the ladder's moments
 * (ladder-moments.ts) and set them against Tabel 5-8. The calibration minimises the sum of squared
 * scaled residuals over the parameters with a derivative-free trust-region method (least-squares.ts).
 *
 * Common random numbers: every evaluation generates with the same seed, so the objective is a
 * deterministic function of the parameters and differences between two evaluations are differences of
 * parameters, not of draws.
 */
import { designFitter, modelLadder, type Outcome } from "../analysis/models";
import { loadPublishedModels, type PublishedModelCell } from "../data/reference";
import { FRAME_KEYS, FRAMES, type FrameKey } from "../data/synthetic/coding";
import { frameColumns } from "../data/synthetic/frameTable";
import { generateAnalysisFrames } from "../data/synthetic/generate";
import { PARAMETER_NAMES, PARAMETER_SPECS, type ParameterName, type SyntheticParameters } from "../data/synthetic/parameters";
import type { GlmmFit } from "../glmm/types";
import type { ColumnTable } from "../model/types";
import { LOGISTIC_VARIANCE } from "../stats/logistic";
import { nakagawaR2 } from "../stats/r2";
import { ladderMoments, ladderResiduals, modelsNeeded, type FittedLadder, type FittedLadderModel, type LadderModel, type LadderMoment, type MomentSelection } from "./ladder-moments";
import { minimiseSumOfSquares, type EvaluationRecord, type LeastSquaresResult } from "./least-squares";

export interface EvaluationOptions {
  readonly seed: number;
  readonly scale: number;
  /** Threads of the solver's row passes (default 1: the calibration runs beside other work). */
  readonly threads?: number;
}

export interface ParameterEvaluation {
  readonly parameters: SyntheticParameters;
  readonly fitted: Readonly<Record<FrameKey, FittedLadder>>;
  readonly residuals: Float64Array;
  readonly objective: number;
  /** Fits that did not converge ("vsv2021 model 2: ..."). */
  readonly warnings: readonly string[];
  readonly seconds: number;
}

/** The location intercept and institution variance of a fit (0 where the term is absent). */
function interceptVariance(fit: GlmmFit, group: string): number {
  const block = fit.varcorr.find((b) => b.group === group);
  return block ? block.covariance[0] : 0;
}

export function fittedLadderModel(fit: GlmmFit): FittedLadderModel {
  const beta = new Map<string, number>();
  fit.design.fixed.names.forEach((name, j) => beta.set(name, fit.beta[j]));
  const aggregated = fit.design.response.trials.some((m) => m !== 1);
  return {
    beta,
    locationVariance: interceptVariance(fit, "locatie"),
    institutionVariance: interceptVariance(fit, "instelling"),
    r2: aggregated ? aggregatedR2(fit) : nakagawaR2(fit).conditional,
  };
}

/**
 * Nakagawa's conditional R2 of a random-intercept fit on aggregated binomial rows: as nakagawaR2 on the
 * student rows, with sigma2_f the variance of x'beta over students (each row weighted by its trials,
 * n - 1 denominator) and sigma2_r the sum of the intercept variances.
 */
export function aggregatedR2(fit: GlmmFit): number {
  const w = fit.design.response.trials;
  const eta = fit.etaFixed;
  let n = 0;
  let s = 0;
  for (let i = 0; i < eta.length; i++) {
    n += w[i];
    s += w[i] * eta[i];
  }
  const m = s / n;
  let ss = 0;
  for (let i = 0; i < eta.length; i++) ss += w[i] * (eta[i] - m) * (eta[i] - m);
  const fixed = n > 1 ? ss / (n - 1) : 0;
  let random = 0;
  for (const b of fit.varcorr) {
    if (b.terms.length !== 1 || b.terms[0] !== "(Intercept)") throw new Error(`aggregatedR2: only random intercepts, got (${b.terms.join(" + ")} | ${b.group})`);
    random += b.covariance[0];
  }
  return (fixed + random) / (fixed + random + LOGISTIC_VARIANCE);
}

/**
 * The frame's students collapsed into binomial rows, one per combination of `factors` (which must
 * include the grouping factors): successes and failures of `outcome`. A binomial GLMM on these rows has
 * the likelihood of the student rows up to a constant, so the same estimates, at a fraction of the cost
 * when the factors are few (models 0 and 1a).
 */
export function aggregateRows(table: ColumnTable, outcome: string, factors: readonly string[]): ColumnTable {
  const y = table[outcome] as ArrayLike<number>;
  const cols = factors.map((f) => table[f] as ArrayLike<string | null>);
  const index = new Map<string, number>();
  const keys: string[][] = [];
  const successes: number[] = [];
  const failures: number[] = [];
  for (let r = 0; r < y.length; r++) {
    const parts = cols.map((c) => String(c[r]));
    const key = parts.join("\u0000");
    let k = index.get(key);
    if (k === undefined) {
      k = keys.length;
      index.set(key, k);
      keys.push(parts);
      successes.push(0);
      failures.push(0);
    }
    if (y[r] === 1) successes[k]++;
    else failures[k]++;
  }
  const out: Record<string, Float64Array | string[]> = { successes: Float64Array.from(successes), failures: Float64Array.from(failures) };
  factors.forEach((f, j) => (out[f] = keys.map((parts) => parts[j])));
  return out;
}

/** Factor columns of models 0 and 1a, which are fitted on aggregated rows. */
const AGGREGATED: Readonly<Record<string, readonly string[]>> = {
  "0": ["locatie", "instelling"],
  "1a": ["locatie", "instelling", "migratie", "ouders"],
};

/** The moments of the four frames, from the published Tabel 5-8 (default: every model, anchored at 1c). */
export function allLadderMoments(selection: MomentSelection = {}, published: readonly PublishedModelCell[] = loadPublishedModels()): LadderMoment[] {
  return FRAME_KEYS.flatMap((key) => ladderMoments(key, published, selection));
}

/**
 * Generate the frames with `parameters` and fit, on each, the models the moments need; the residuals
 * against `moments`.
 */
export async function evaluateParameters(parameters: SyntheticParameters, moments: readonly LadderMoment[], options: EvaluationOptions): Promise<ParameterEvaluation> {
  const t0 = performance.now();
  const g = generateAnalysisFrames({ seed: options.seed, scale: options.scale, parameters });
  const fitter = designFitter();
  const fitted = {} as Record<FrameKey, FittedLadder>;
  const warnings: string[] = [];
  const needed = new Set<string>(modelsNeeded(moments));
  for (const key of FRAME_KEYS) {
    const outcome = FRAMES[key].outcome as Outcome;
    const table = frameColumns(g.frames[key], g.schools, key);
    const ladder: Partial<Record<LadderModel, FittedLadderModel>> = {};
    for (const spec of modelLadder(outcome)) {
      if (!needed.has(spec.id)) continue;
      const factors = AGGREGATED[spec.id];
      const fit = factors
        ? await fitter(`cbind(successes, failures) ${spec.formula.slice(spec.formula.indexOf("~"))}`, aggregateRows(table, outcome, factors), { threads: options.threads ?? 1 })
        : await fitter(spec.formula, table, { threads: options.threads ?? 1 });
      if (!fit.convergence.converged) warnings.push(`${key} model ${spec.id}: ${fit.convergence.messages.join("; ")}`);
      ladder[spec.id as LadderModel] = fittedLadderModel(fit);
    }
    fitted[key] = ladder;
  }
  const residuals = ladderResiduals(moments, fitted);
  let objective = 0;
  for (const r of residuals) objective += r * r;
  return { parameters, fitted, residuals, objective, warnings, seconds: (performance.now() - t0) / 1000 };
}

/** One stage of a calibration: which parameters move, against which moments. */
export interface CalibrationStage {
  readonly name: string;
  readonly free: readonly ParameterName[];
  readonly moments: readonly LadderMoment[];
  readonly maxEvaluations: number;
}

export interface CalibrationOptions extends EvaluationOptions {
  readonly start: SyntheticParameters;
  readonly stages: readonly CalibrationStage[];
  readonly onEvaluation?: (stage: CalibrationStage, record: EvaluationRecord, evaluation: ParameterEvaluation) => void;
}

export interface StageResult {
  readonly stage: CalibrationStage;
  readonly parameters: SyntheticParameters;
  readonly optimisation: LeastSquaresResult;
  /** The evaluation at the stage's best parameters. */
  readonly best: ParameterEvaluation;
}

export interface CalibrationResult {
  readonly start: SyntheticParameters;
  readonly parameters: SyntheticParameters;
  readonly stages: readonly StageResult[];
}

/** One stage: minimise the sum of squared residuals of `stage.moments` over `stage.free`, the rest held at `start`. */
export async function calibrateStage(stage: CalibrationStage, start: SyntheticParameters, options: EvaluationOptions & { onEvaluation?: CalibrationOptions["onEvaluation"] }): Promise<StageResult> {
  const at = (x: Float64Array): SyntheticParameters => {
    const p = { ...start } as Record<ParameterName, number>;
    stage.free.forEach((name, j) => (p[name] = x[j]));
    return p;
  };
  const evaluations = new Map<number, ParameterEvaluation>();
  let last: ParameterEvaluation | null = null;
  const optimisation = await minimiseSumOfSquares(
    async (x) => {
      last = await evaluateParameters(at(x), stage.moments, options);
      return last.residuals;
    },
    {
      lower: stage.free.map((n) => PARAMETER_SPECS[n].lower),
      upper: stage.free.map((n) => PARAMETER_SPECS[n].upper),
      start: stage.free.map((n) => start[n]),
      maxEvaluations: stage.maxEvaluations,
      onEvaluation: (rec) => {
        const e = last as ParameterEvaluation | null;
        if (e === null) return;
        evaluations.set(rec.index, e);
        options.onEvaluation?.(stage, rec, e);
      },
    },
  );
  const parameters = at(optimisation.x);
  // The optimiser returns its best evaluated point; its evaluation is kept.
  let best: ParameterEvaluation | undefined;
  for (const rec of optimisation.history) if (rec.f === optimisation.f) best = evaluations.get(rec.index);
  best ??= await evaluateParameters(parameters, stage.moments, options);
  return { stage, parameters, optimisation, best };
}

/** The stages in turn, each starting where the previous one ended. */
export async function calibrate(options: CalibrationOptions): Promise<CalibrationResult> {
  let current = options.start;
  const stages: StageResult[] = [];
  for (const stage of options.stages) {
    const r = await calibrateStage(stage, current, options);
    stages.push(r);
    current = r.parameters;
  }
  return { start: options.start, parameters: current, stages };
}

/**
 * The default two stages. Composition: the associations, the composition and the institution effects'
 * relation to urbanity, against models 0-1c anchored at 1c (model 2 is not fitted). Effects: the
 * intercept-slope correlations and the slopes' relation to urbanity, against the shift from 1c to 2 (the
 * non-western coefficient, the location variance) and model 2's R2. The intercept-slope structure barely
 * moves the shifts among models 0-1c, and the covariates barely move the 1c-to-2 shift, so the stages
 * hardly interact while the first saves the random-slope fits.
 */
export function defaultStages(maxEvaluations: { composition: number; effects: number }, published: readonly PublishedModelCell[] = loadPublishedModels()): CalibrationStage[] {
  const effects: ParameterName[] = ["doorstroomInterceptSlopeCorrelation", "vsvInterceptSlopeCorrelation", "doorstroomSlopeUrbanity", "vsvSlopeUrbanity"];
  return [
    {
      name: "composition",
      free: PARAMETER_NAMES.filter((n) => !effects.includes(n)),
      moments: allLadderMoments({ anchor: "1c", models: ["0", "1a", "1b", "1c"] }, published),
      maxEvaluations: maxEvaluations.composition,
    },
    { name: "effects", free: effects, moments: allLadderMoments({ anchor: "1c", models: ["1c", "2"] }, published), maxEvaluations: maxEvaluations.effects },
  ];
}
