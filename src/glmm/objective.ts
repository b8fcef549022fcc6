/**
 * The Laplace objective of a design: the second stage of a fit, the counterpart of lme4's
 * mkGlmerDevfun (a deviance function of the parameters) and of MixedModels.jl's objective!/pirls!.
 *
 *   const objective = laplaceObjective(design);          // nothing is fitted yet
 *   objective.deviance(theta, beta);                      // d(theta, beta), beta on the scale of X
 *   objective.gradient();                                 // its exact gradient there
 *   objective.state();                                    // u, b, eta, mu, PIRLS iterations, log det ...
 *   objective.setResponse(ySimulated);                     // the same design with another response
 *   objective.release();                                  // when done: frees the worker's buffers
 *
 * d(theta, beta) = -2 log L_Laplace without the binomial constant (laplace.ts): at any (theta, beta)
 * PIRLS finds the conditional modes u_hat, and d = sum of binomial deviance terms + ||u_hat||^2 +
 * log det(Lambda'Z'WZ Lambda + I). logLik = -d/2 + sum log C(m_i, y_i).
 *
 * Coordinates. The public methods take and give beta on the original scale of the design's X, as lme4
 * reports it. Inside, the fixed-effect columns are centred and scaled (scaling.ts) and the optimiser
 * works on x = (theta, beta~) with beta = T beta~; toInternal/fromInternal map between the two, and
 * evaluate/internalGradient are the objective in x, which the optimiser stage (optimise.ts) uses.
 *
 * State. The objective holds one PIRLS solution: the last point evaluated. PIRLS is warm-started from
 * the previous u (to its tolerance the result does not depend on it). Asking again for the point it
 * holds, with a tolerance no tighter than the one it was solved to, returns the held deviance without
 * a pass over the rows (the arithmetic would be the same; the optimiser asks for the optimum several
 * times), and its gradient is kept once computed.
 *
 * Release. The O(n) passes may run half on the process's worker thread (row-engine.ts, planRowThread),
 * which holds this objective's shared buffers until told otherwise: call release() when done with the
 * objective (fitDesign does, in a finally). After release() every method throws.
 */
import type { GlmmDesign } from "../model/types";
import { matTVec, matVec, sameValues } from "../numeric/dense";
import { glmmControl, type GlmmControl, type GlmmControlInput } from "./control";
import { LaplaceGradient } from "./gradient";
import { LaplaceModel, type PirlsResult } from "./laplace";
import { thetaLowerBounds, thetaPositions, thetaStart as lme4ThetaStart } from "./lambda";
import { fixedEffectsCrossproduct } from "./rx";
import { Kernel } from "./row-kernels";
import { planRowThread, type RowEngineOptions } from "./row-engine";
import { scaleFixedEffects, type FixedScaling } from "./scaling";
import { buildLayout, type RandomEffectsLayout } from "./structure";

export interface ObjectiveOptions extends RowEngineOptions {
  /** Threads of the O(n) passes (GlmmOptions.threads); forceThreads (tests) uses the worker at any size and load. */
  readonly threads?: number;
  /** A known offset o in the linear predictor eta = o + X beta + Z b (length nobs), e.g. beta_j x_j for a column dropped from X. */
  readonly offset?: ArrayLike<number>;
  /** Tolerances and limits (control.ts); the objective uses the pirls group, the optimiser the rest. */
  readonly control?: GlmmControlInput;
}

/** The PIRLS solution the objective holds: everything at the last evaluated (theta, beta). */
export interface PirlsState {
  readonly theta: Float64Array;
  /** Fixed effects on the original scale of X. */
  readonly beta: Float64Array;
  /** Spherical random effects u_hat and b = Lambda u_hat (conditional modes), in the layout's order. */
  readonly u: Float64Array;
  readonly b: Float64Array;
  /** Per row: o + x_i' beta, eta_i = that + z_i' b, mu_i = logistic(eta_i). */
  readonly etaFixed: Float64Array;
  readonly eta: Float64Array;
  readonly mu: Float64Array;
  /** Whether PIRLS reached its tolerance, and its Newton iterations and step halvings at this point. */
  readonly converged: boolean;
  readonly iterations: number;
  readonly halvings: number;
  /** -2 sum log p(y | u_hat) without the binomial constant. */
  readonly conditionalDeviance: number;
  /** conditionalDeviance + ||u_hat||^2, the quantity PIRLS minimises. */
  readonly penalisedDeviance: number;
  /** log det(Lambda'Z'WZ Lambda + I) at u_hat. */
  readonly logDet: number;
  /** The Laplace deviance d = penalisedDeviance + logDet, and logLik = -d/2 + sum log C(m, y). */
  readonly deviance: number;
  readonly logLik: number;
}

/** Work done by an objective so far. */
export interface ObjectiveCounts {
  /** PIRLS solutions computed (evaluations that were not answered from the held point). */
  readonly pirlsSolutions: number;
  /** PIRLS Newton iterations, and passes over the rows (PIRLS evaluations, including halvings). */
  readonly pirlsIterations: number;
  readonly pirlsPasses: number;
  /** PIRLS solutions that reached the iteration limit instead of the tolerance. */
  readonly pirlsFailures: number;
  /** Exact gradients computed (two passes over the rows each). */
  readonly gradients: number;
  /** RX'RX computed (one pass over the rows each). */
  readonly rxComputations: number;
}

/** The Laplace objective of `design`, ready to evaluate (nothing is fitted). Release it when done. */
export function laplaceObjective(design: GlmmDesign, options: ObjectiveOptions = {}): LaplaceObjective {
  return new LaplaceObjective(design, options);
}

export class LaplaceObjective {
  private currentDesign: GlmmDesign;
  readonly control: GlmmControl;
  /** The block structure of the random effects (structure.ts). */
  readonly layout: RandomEffectsLayout;
  /** The internal centring and scaling of X (scaling.ts): beta = T beta~. */
  readonly scaling: FixedScaling;
  /** The PIRLS machinery (laplace.ts), for a reader who wants to look further inside. */
  readonly model: LaplaceModel;
  readonly offset: Float64Array | null;
  readonly nTheta: number;
  readonly p: number;
  /** nTheta + p. */
  readonly dimension: number;
  /** Lower bounds of x = (theta, beta~): 0 on the diagonals of theta, -Infinity elsewhere. */
  readonly lower: Float64Array;
  /** Names of theta as lme4's getME(fit, "theta") gives them ("g.(Intercept)", "g.x.(Intercept)", "g.x"), then of beta. */
  readonly parameterNames: readonly string[];
  /** Seconds spent building it (layout, scaling, packing the rows). */
  readonly setupSeconds: number;

  private readonly gradientEngine: LaplaceGradient;
  private heldX: Float64Array | null = null;
  private heldTolerance = Number.POSITIVE_INFINITY;
  private heldDeviance = Number.NaN;
  private heldGradient: Float64Array | null = null;
  private lastX: Float64Array | null = null;
  private lastPirls: PirlsResult | null = null;
  private solutions = 0;
  private failures = 0;
  private gradientCount = 0;
  private rxCount = 0;
  private released = false;

  constructor(design: GlmmDesign, options: ObjectiveOptions = {}) {
    const started = performance.now();
    // Decided once (row-engine.ts: size, a running worker, the machine's load) and passed on as decided.
    const split = planRowThread(design.nobs, { threads: options.threads, forceThreads: options.forceThreads });
    const threads: RowEngineOptions = split ? { forceThreads: true } : { threads: 1 };
    this.currentDesign = design;
    this.control = glmmControl(options.control);
    this.layout = buildLayout(design);
    this.p = design.fixed.columns.length;
    this.nTheta = this.layout.nTheta;
    this.dimension = this.nTheta + this.p;
    this.scaling = scaleFixedEffects(design.fixed.columns, design.fixed.names);
    this.offset = options.offset === undefined ? null : Float64Array.from(options.offset);
    this.model = new LaplaceModel(design, this.layout, this.scaling.columns, { ...threads, offset: this.offset });
    this.gradientEngine = new LaplaceGradient(this.model);
    this.lower = new Float64Array(this.dimension).fill(-Infinity);
    for (const term of this.layout.terms) this.lower.set(thetaLowerBounds(term.k), term.thetaOffset);
    const names: string[] = [];
    for (const term of this.layout.terms) {
      const { row, col } = thetaPositions(term.k);
      for (let t = 0; t < term.nTheta; t++) {
        names.push(row[t] === col[t] ? `${term.group}.${term.terms[row[t]]}` : `${term.group}.${term.terms[row[t]]}.${term.terms[col[t]]}`);
      }
    }
    this.parameterNames = [...names, ...design.fixed.names];
    this.setupSeconds = (performance.now() - started) / 1000;
  }

  /** The design, with the response of the last setResponse. */
  get design(): GlmmDesign {
    return this.currentDesign;
  }

  /**
   * Replaces the response's successes (same rows, same trials): the objective of another data set on
   * the same design, e.g. a bootstrap replicate, without packing the rows again. Everything evaluated
   * so far is forgotten and PIRLS starts from u = 0, as in a new objective, so the results are the
   * same bits as those of laplaceObjective(design with this response). (counts() keep adding up over
   * the objective's life.)
   */
  setResponse(successes: ArrayLike<number>): void {
    this.assertLive();
    const d = this.currentDesign;
    this.model.setSuccesses(successes, d.response.name);
    this.currentDesign = { ...d, response: { ...d.response, successes: Float64Array.from(successes) } };
    this.forgetHeldPoint();
    this.lastX = null;
    this.lastPirls = null;
  }

  // --- On the original scale of X -------------------------------------------------------------------

  /** The Laplace deviance d(theta, beta) (PIRLS to control.pirls.tolerance), beta on the scale of X. */
  deviance(theta: ArrayLike<number>, beta: ArrayLike<number>): number {
    this.checkParameters(theta, beta);
    return this.evaluate(this.toInternal(theta, beta));
  }

  /** The exact gradient of d over (theta, beta) at the last evaluated point, beta on the scale of X. */
  gradient(): Float64Array {
    const g = new Float64Array(this.dimension);
    this.internalGradient(g);
    return this.gradientToOriginal(g);
  }

  /** lme4's starting theta: 1 on the diagonals of each Lambda, 0 off them. */
  thetaStart(): Float64Array {
    const out = new Float64Array(this.nTheta);
    for (const term of this.layout.terms) out.set(lme4ThetaStart(term.k), term.thetaOffset);
    return out;
  }

  /** A copy of the PIRLS solution at the last evaluated point. */
  state(): PirlsState {
    this.assertLive();
    const m = this.model;
    if (!this.lastPirls) throw new Error("glmm objective: nothing has been evaluated yet; call deviance(theta, beta) first");
    const deviance = m.laplaceDeviance();
    return {
      theta: Float64Array.from(m.theta),
      beta: matVec(this.scaling.transform, m.beta, this.p, new Float64Array(this.p)),
      u: Float64Array.from(m.u),
      b: Float64Array.from(m.b),
      etaFixed: Float64Array.from(m.etaFixed),
      eta: Float64Array.from(m.eta),
      mu: Float64Array.from(m.mu),
      converged: this.lastPirls.converged,
      iterations: this.lastPirls.iterations,
      halvings: this.lastPirls.halvings,
      conditionalDeviance: m.conditionalDeviance,
      penalisedDeviance: m.penalisedDeviance,
      logDet: m.chol.logDet,
      deviance,
      logLik: m.logLik(),
    };
  }

  /** Work done so far. */
  counts(): ObjectiveCounts {
    return {
      pirlsSolutions: this.solutions,
      pirlsIterations: this.model.pirlsIterationsTotal,
      pirlsPasses: this.model.rowPasses,
      pirlsFailures: this.failures,
      gradients: this.gradientCount,
      rxComputations: this.rxCount,
    };
  }

  /** Frees the worker thread's hold on this objective's shared buffers; the objective cannot be used after. */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.model.release();
  }

  // --- Internal coordinates x = (theta, beta~), for the optimiser ----------------------------------

  /** x = (theta, T^-1 beta). */
  toInternal(theta: ArrayLike<number>, beta: ArrayLike<number>): Float64Array {
    const x = new Float64Array(this.dimension);
    for (let k = 0; k < this.nTheta; k++) x[k] = theta[k];
    matVec(this.scaling.inverse, beta, this.p, x.subarray(this.nTheta));
    return x;
  }

  /** (theta, beta = T beta~) from x. */
  fromInternal(x: ArrayLike<number>): { theta: Float64Array; beta: Float64Array } {
    const theta = Float64Array.from({ length: this.nTheta }, (_, k) => x[k]);
    const betaScaled = Float64Array.from({ length: this.p }, (_, j) => x[this.nTheta + j]);
    return { theta, beta: matVec(this.scaling.transform, betaScaled, this.p, new Float64Array(this.p)) };
  }

  /** A gradient over x as a gradient over (theta, beta): dd/dbeta = T^-T dd/dbeta~. */
  gradientToOriginal(g: Float64Array): Float64Array {
    const out = new Float64Array(this.dimension);
    out.set(g.subarray(0, this.nTheta));
    out.set(matTVec(this.scaling.inverse, g.subarray(this.nTheta), this.p, new Float64Array(this.p)), this.nTheta);
    return out;
  }

  /**
   * d at x, PIRLS to `tolerance` (default control.pirls.tolerance). Answered from the held point when
   * x is the held point solved to a tolerance no looser.
   */
  evaluate(x: Float64Array, tolerance: number = this.control.pirls.tolerance): number {
    this.assertLive();
    if (this.heldX && this.heldTolerance <= tolerance && sameValues(this.heldX, x)) return this.heldDeviance;
    this.forgetHeldPoint();
    const model = this.model;
    model.setParameters(x.subarray(0, this.nTheta), x.subarray(this.nTheta));
    const r = model.pirls(tolerance, this.control.pirls);
    const deviance = model.laplaceDeviance();
    this.solutions++;
    this.lastPirls = r;
    this.lastX = Float64Array.from(x);
    if (!r.converged) {
      this.failures++;
    } else {
      this.heldX = Float64Array.from(x);
      this.heldTolerance = tolerance;
      this.heldDeviance = deviance;
    }
    return deviance;
  }

  /** The exact gradient of d over x at the last evaluated point (laplace gradient.ts). */
  internalGradient(out: Float64Array): void {
    this.assertLive();
    if (!this.lastPirls) throw new Error("glmm objective: nothing has been evaluated yet; call deviance(theta, beta) first");
    if (this.heldGradient) {
      out.set(this.heldGradient);
      return;
    }
    this.gradientCount++;
    this.gradientEngine.compute(out);
    if (this.heldX) this.heldGradient = Float64Array.from(out);
  }

  /** Whether the objective holds the PIRLS solution at x, solved to `tolerance` or tighter. */
  holds(x: Float64Array, tolerance: number = this.control.pirls.tolerance): boolean {
    return this.heldX !== null && this.heldTolerance <= tolerance && sameValues(this.heldX, x);
  }

  /** Whether the last evaluation was at x (converged or not): the model's state belongs to x. */
  isAt(x: Float64Array): boolean {
    return this.lastX !== null && sameValues(this.lastX, x);
  }

  /** Sets u to base + shift (a warm start for PIRLS at a nearby point); the held point is forgotten. */
  warmStartModes(base: Float64Array, shift: Float64Array): void {
    this.forgetHeldPoint();
    this.lastX = null;
    const u = this.model.u;
    for (let a = 0; a < base.length; a++) u[a] = base[a] + shift[a];
  }

  /**
   * The gradient of the penalised deviance PD(beta~, u_hat) over beta~ at the current state: u_hat
   * minimises PD, so it is the partial derivative, -2 X~'(y - m mu).
   */
  penalisedBetaGradient(out: Float64Array): void {
    this.assertLive();
    const engine = this.model.engine;
    engine.run(Kernel.BetaScore);
    engine.sum((s) => s.xv, out);
    for (let j = 0; j < this.p; j++) out[j] = -2 * out[j];
  }

  /** RX'RX over beta~ at the current state (rx.ts). */
  fixedEffectsCrossproduct(): Float64Array {
    this.assertLive();
    this.rxCount++;
    return fixedEffectsCrossproduct(this.model);
  }

  private forgetHeldPoint(): void {
    this.heldX = null;
    this.heldGradient = null;
  }

  private assertLive(): void {
    if (this.released) throw new Error("glmm objective: it has been released (its buffers are freed); build a new one with laplaceObjective(design)");
  }

  private checkParameters(theta: ArrayLike<number>, beta: ArrayLike<number>): void {
    if (theta.length !== this.nTheta) throw new Error(`glmm objective: theta has ${theta.length} values, the model ${this.nTheta} (${this.parameterNames.slice(0, this.nTheta).join(", ")})`);
    if (beta.length !== this.p) throw new Error(`glmm objective: beta has ${beta.length} values, the model ${this.p} (${this.design.fixed.names.join(", ")})`);
    for (let k = 0; k < this.nTheta; k++) {
      if (!Number.isFinite(theta[k])) throw new Error(`glmm objective: theta[${k}] (${this.parameterNames[k]}) is ${theta[k]}, not a finite number`);
      if (theta[k] < this.lower[k]) throw new Error(`glmm objective: theta[${k}] (${this.parameterNames[k]}) = ${theta[k]} is below its lower bound ${this.lower[k]}`);
    }
    for (let j = 0; j < this.p; j++) {
      if (!Number.isFinite(beta[j])) throw new Error(`glmm objective: beta[${j}] (${this.design.fixed.names[j]}) is ${beta[j]}, not a finite number`);
    }
  }
}

