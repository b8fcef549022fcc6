/**
 * The optimiser stage: minimise the Laplace objective (objective.ts) over (theta, beta), the
 * counterpart of lme4's optimizeGlmer. It returns the optimum and an optimisation summary (what
 * MixedModels.jl keeps in OptSummary): the start and its deviance, each stage's log, the work done,
 * the final gradient and Newton decrement, and whether it converged.
 *
 *   const optimum = optimiseObjective(objective);                       // lme4's start, all stages
 *   const again = optimiseObjective(objective, { start: fit });         // warm start (theta, beta of a fit)
 *   const profiled = optimiseObjective(objective, { start: fit, fixedTheta: [null, null, 0.2, null] });
 *
 * Stages (their tolerances and limits are the control's, control.ts):
 *   start     lme4's theta (Lambda = I, fixed values where theta is held) and beta~ at the intercept-only
 *             logit; then "beta at start" (stage A): Newton steps on the penalised deviance PD(beta~,
 *             u_hat) at that theta, with gradient -2 X~'(y - m mu) and Hessian 2 RX'RX; then "EM": a
 *             few Laplace-EM steps for theta (em-start.ts). Together they bring (theta, beta) near the
 *             optimum cheaply, as lme4 starts its Laplace fit from an nAGQ = 0 fit. A warm start
 *             (options.start, e.g. a previous fit) replaces all three.
 *   Newton    Newton-type iterations over x = (theta, beta~) with the exact gradient and bounds
 *             (optimizer.ts); Hessian: theta rows by forward differences of the gradient, beta block
 *             2 RX'RX (it omits the O(q) change of log det A with beta, so convergence is linear with
 *             a small rate), down to a Newton decrement of newton.tolerance (1e-3).
 *   polish    the full Hessian by forward differences of the exact gradient, Newton steps with it
 *             until the Newton decrement g'H^-1 g is below polish.tolerance (1e-10); the same H
 *             gives the standard errors (assemble.ts).
 *
 * Held theta (options.fixedTheta): those coordinates stay at their values through every stage and are
 * left out of the steps, the stencils, the decrement and (in assemble.ts) the convergence checks;
 * this profiles the deviance over the rest.
 *
 * The model is left at the PIRLS solution of the optimum, which assembleFit reads.
 */
import type { OptimisationStageLog, OptimisationSummary } from "./types";
import { formatTolerance, glmmControl, type ControlGroup, type GlmmControl, type GlmmControlInput } from "./control";
import { emThetaUpdate } from "./em-start";
import type { LaplaceObjective } from "./objective";
import { freeStep, freeVariables, minimiseBounded, type BoundedProblem } from "./optimizer";
import { modeShifts } from "./mode-sensitivity";
import { hessianFromGradient } from "./vcov";

export interface OptimiseOptions {
  /** A warm start on the original scale of X (a GlmmFit qualifies); replaces lme4's start, stage A and EM. */
  readonly start?: { readonly theta: ArrayLike<number>; readonly beta: ArrayLike<number> };
  /** Per theta coordinate: a value to hold it at, or null to optimise it (length nTheta). */
  readonly fixedTheta?: readonly (number | null)[];
  /** Tolerances and limits of the optimiser (default: the objective's control). */
  readonly control?: GlmmControlInput;
  readonly onProgress?: (message: string) => void;
}

/** What the optimiser found: the summary, and the optimum in the objective's internal coordinates. */
export interface Optimum {
  readonly summary: OptimisationSummary;
  /** x = (theta, beta~) at the optimum (objective.fromInternal maps it back). */
  readonly x: Float64Array;
  readonly deviance: number;
  /** The exact gradient of d over x there. */
  readonly gradient: Float64Array;
  /** The finite-difference Hessian of d over x there (rows and columns of held theta are 0). */
  readonly hessian: Float64Array;
  /** Indices of x that were optimised (all but the held theta). */
  readonly free: readonly number[];
  /** Whether PIRLS converged to control.pirls.tolerance at the optimum. */
  readonly pirlsConverged: boolean;
}

/** Minimises the objective; the objective is left at the optimum. See the file comment for the stages. */
export function optimiseObjective(objective: LaplaceObjective, options: OptimiseOptions = {}): Optimum {
  const run = new Run(objective, options);
  const startedAt = performance.now();
  const x0 = options.start ? run.warmStart(options.start) : run.lme4Start();
  const g0 = new Float64Array(run.dim);
  run.beginStage("Newton");
  run.gradientAt(x0, g0);
  run.evaluations++;
  // Without stage A and EM (no fixed effects and start.emSteps = 0) this is the first evaluation.
  if (Number.isNaN(run.startDeviance)) run.startDeviance = objective.model.laplaceDeviance();
  run.progress(`start: deviance ${objective.model.laplaceDeviance().toFixed(4)}`);
  const newton = run.newton(x0, g0);
  const polished = run.polish(newton.x);
  // The state at the optimum (the Hessian differences moved it).
  const f = objective.evaluate(polished.x);
  run.evaluations++;
  const g = new Float64Array(run.dim);
  objective.internalGradient(g);
  run.endStage(f, polished.decrement, polished.message, polished.iterations);
  // PIRLS at the optimum converged to the tolerance iff the objective holds that point.
  const pirlsConverged = objective.holds(polished.x);
  const counts = objective.counts();
  run.progress(
    `done: ${run.evaluations} deviance evaluations, ${counts.pirlsPasses} PIRLS passes over the rows, ${counts.gradients} gradients, ${counts.rxComputations} RX'RX`,
  );
  const convergenceDecrement = run.control.convergence.decrement;
  const converged = polished.decrement < convergenceDecrement;
  const at = objective.fromInternal(polished.x);
  const summary: OptimisationSummary = {
    start: { kind: options.start ? "warm start" : "lme4 start", theta: run.startTheta, beta: run.startBeta, deviance: run.startDeviance },
    stages: run.stages,
    optimum: { theta: at.theta, beta: at.beta, deviance: f },
    fixedTheta: run.fixedTheta,
    iterations: newton.iterations + polished.iterations,
    evaluations: run.evaluations,
    gradients: counts.gradients,
    pirlsSolutions: counts.pirlsSolutions,
    pirlsPasses: counts.pirlsPasses,
    pirlsIterations: counts.pirlsIterations,
    pirlsFailures: counts.pirlsFailures,
    rxComputations: counts.rxComputations,
    finalGradient: objective.gradientToOriginal(g),
    newtonDecrement: polished.decrement,
    converged,
    message: converged
      ? `converged: Newton decrement ${polished.decrement.toExponential(2)} < ${formatTolerance(convergenceDecrement)}`
      : `not converged: ${newton.message === "converged" ? "" : `${newton.message}; `}Newton decrement ${polished.decrement.toExponential(2)} (needs < ${formatTolerance(convergenceDecrement)})`,
    newtonMessage: newton.message,
    seconds: (performance.now() - startedAt) / 1000,
    control: run.control,
  };
  return { summary, x: polished.x, deviance: f, gradient: g, hessian: polished.hessian, free: run.free, pirlsConverged };
}

/** The state one optimisation shares between its stages: counters, the held theta and the stage log. */
class Run {
  readonly control: GlmmControl;
  readonly dim: number;
  readonly nTheta: number;
  readonly p: number;
  /** Per coordinate of x: held fixed. */
  readonly fixed: readonly boolean[];
  readonly fixedTheta: readonly (number | null)[] | null;
  /** Optimised coordinates of x, and of theta only. */
  readonly free: readonly number[];
  readonly freeTheta: readonly number[];
  readonly stages: OptimisationStageLog[] = [];
  /** Deviance evaluations as the convergence report counts them (stencil points included). */
  evaluations = 0;
  startTheta = new Float64Array(0);
  startBeta = new Float64Array(0);
  startDeviance = Number.NaN;
  readonly progress: (message: string) => void;
  private stage: { name: OptimisationStageLog["stage"]; evaluations: number; gradients: number; passes: number } | null = null;

  constructor(
    readonly objective: LaplaceObjective,
    options: OptimiseOptions,
  ) {
    this.control = options.control ? withOverrides(objective.control, options.control) : objective.control;
    this.nTheta = objective.nTheta;
    this.p = objective.p;
    this.dim = objective.dimension;
    this.progress = options.onProgress ?? (() => undefined);
    const fixed = new Array<boolean>(this.dim).fill(false);
    if (options.fixedTheta !== undefined) {
      const ft = options.fixedTheta;
      if (ft.length !== this.nTheta) {
        throw new Error(`glmm optimise: fixedTheta has ${ft.length} entries, the model ${this.nTheta} theta (${objective.parameterNames.slice(0, this.nTheta).join(", ")})`);
      }
      ft.forEach((v, k) => {
        if (v === null) return;
        const name = objective.parameterNames[k];
        if (!Number.isFinite(v)) throw new Error(`glmm optimise: fixedTheta[${k}] (${name}) is ${v}, not a finite number or null`);
        if (v < objective.lower[k]) throw new Error(`glmm optimise: fixedTheta[${k}] (${name}) = ${v} is below its lower bound ${objective.lower[k]}`);
        fixed[k] = true;
      });
      this.fixedTheta = [...ft];
    } else {
      this.fixedTheta = null;
    }
    this.fixed = fixed;
    this.free = fixed.flatMap((f, k) => (f ? [] : [k]));
    this.freeTheta = this.free.filter((k) => k < this.nTheta);
  }

  /** theta with the held coordinates set to their values. */
  private holdTheta(x: Float64Array): void {
    this.fixedTheta?.forEach((v, k) => {
      if (v !== null) x[k] = v;
    });
  }

  beginStage(name: OptimisationStageLog["stage"]): void {
    const c = this.objective.counts();
    this.stage = { name, evaluations: this.evaluations, gradients: c.gradients, passes: c.pirlsPasses };
  }

  endStage(deviance: number, decrement: number, message: string, iterations: number): void {
    const s = this.stage;
    if (!s) return;
    const c = this.objective.counts();
    this.stages.push({
      stage: s.name,
      iterations,
      evaluations: this.evaluations - s.evaluations,
      gradients: c.gradients - s.gradients,
      pirlsPasses: c.pirlsPasses - s.passes,
      deviance,
      decrement,
      message,
    });
    this.stage = null;
  }

  /** The problem over x at a PIRLS tolerance (the objective's held point answers repeated points). */
  problem(tolerance: number): BoundedProblem {
    const objective = this.objective;
    return {
      dimension: this.dim,
      lower: objective.lower,
      fixed: this.fixedTheta ? this.fixed : undefined,
      evaluate: (x) => objective.evaluate(x, tolerance),
      gradient: (out) => objective.internalGradient(out),
    };
  }

  gradientAt(x: Float64Array, out: Float64Array, tolerance = this.control.pirls.tolerance): void {
    this.objective.evaluate(x, tolerance);
    this.objective.internalGradient(out);
  }

  /** The gradient at a point of a finite-difference stencil (looser PIRLS tolerance). */
  readonly stencilGradientAt = (x: Float64Array, out: Float64Array): void => this.gradientAt(x, out, this.control.pirls.stencilTolerance);

  /** A warm start: (theta, beta) on the original scale, held theta set, clipped to the bounds. */
  warmStart(start: { readonly theta: ArrayLike<number>; readonly beta: ArrayLike<number> }): Float64Array {
    const o = this.objective;
    if (start.theta.length !== this.nTheta || start.beta.length !== this.p) {
      throw new Error(`glmm optimise: the start has ${start.theta.length} theta and ${start.beta.length} beta, the model ${this.nTheta} and ${this.p}`);
    }
    for (let k = 0; k < this.nTheta; k++) if (!Number.isFinite(start.theta[k])) throw new Error(`glmm optimise: start theta[${k}] (${o.parameterNames[k]}) is ${start.theta[k]}`);
    for (let j = 0; j < this.p; j++) if (!Number.isFinite(start.beta[j])) throw new Error(`glmm optimise: start beta[${j}] (${o.design.fixed.names[j]}) is ${start.beta[j]}`);
    const x0 = o.toInternal(start.theta, start.beta);
    this.holdTheta(x0);
    for (let k = 0; k < this.nTheta; k++) if (x0[k] < o.lower[k]) x0[k] = o.lower[k];
    this.recordStart(x0);
    this.startDeviance = o.evaluate(x0);
    return x0;
  }

  private recordStart(x0: Float64Array): void {
    const at = this.objective.fromInternal(x0);
    this.startTheta = at.theta;
    this.startBeta = at.beta;
  }

  /** lme4's start, then stage A (beta at the starting theta) and the EM steps for theta. */
  lme4Start(): Float64Array {
    const o = this.objective;
    const design = o.design;
    const nTheta = this.nTheta;
    const p = this.p;
    const x0 = new Float64Array(this.dim);
    x0.set(o.thetaStart());
    this.holdTheta(x0);
    const intercept = o.scaling.intercept;
    if (intercept >= 0) {
      let ys = 0;
      let ms = 0;
      for (let i = 0; i < design.nobs; i++) {
        ys += design.response.successes[i];
        ms += design.response.trials[i];
      }
      const floor = this.control.start.probabilityFloor;
      const pbar = Math.min(Math.max(ys / ms, floor), 1 - floor);
      x0[nTheta + intercept] = Math.log(pbar / (1 - pbar));
    }
    this.recordStart(x0);
    // Stages A and EM only look for a starting point: PIRLS stops at start.startTolerance there.
    const tolerance = this.control.pirls.startTolerance;
    if (p > 0 && this.control.start.betaMaxIterations > 0) {
      this.beginStage("beta at start");
      const thetaStartValues = Float64Array.from(x0.subarray(0, nTheta));
      const full = new Float64Array(this.dim);
      const betaProblem: BoundedProblem = {
        dimension: p,
        lower: new Float64Array(p).fill(-Infinity),
        evaluate: (beta) => {
          full.set(thetaStartValues);
          full.set(beta, nTheta);
          o.evaluate(full, tolerance);
          return o.model.penalisedDeviance;
        },
        gradient: (out) => o.penalisedBetaGradient(out),
      };
      this.startDeviance = o.evaluate(x0, tolerance);
      const rxHessian = this.twiceRx();
      const stageA = minimiseBounded(betaProblem, Float64Array.from(x0.subarray(nTheta)), rxHessian, {
        maxIterations: this.control.start.betaMaxIterations,
        tolerance: this.control.start.betaTolerance,
        hessian: () => rxHessian,
        lineSearch: this.control.lineSearch,
      });
      this.evaluations += stageA.evaluations + 1;
      x0.set(stageA.x, nTheta);
      this.endStage(o.model.laplaceDeviance(), stageA.decrement, stageA.message, stageA.iterations);
      this.progress(`stage A (beta at the starting theta): ${stageA.iterations} Newton steps, ${o.model.rowPasses} passes so far`);
    }
    const em = this.control.start;
    if (em.emSteps > 0) {
      this.beginStage("EM");
      let steps = 0;
      let change = Number.NaN;
      let deviance = Number.NaN;
      for (let step = 0; step < em.emSteps; step++) {
        deviance = o.evaluate(x0, tolerance);
        if (Number.isNaN(this.startDeviance)) this.startDeviance = deviance;
        this.evaluations++;
        steps++;
        const next = emThetaUpdate(o.model, em);
        this.holdTheta(next);
        change = 0;
        for (let k = 0; k < nTheta; k++) change = Math.max(change, Math.abs(next[k] - x0[k]));
        x0.set(next);
        if (change < em.emTolerance) break;
      }
      this.endStage(deviance, Number.NaN, `${steps} step${steps === 1 ? "" : "s"}, largest change of theta in the last ${change.toExponential(2)}`, steps);
      this.progress(`stage EM: theta ${Array.from(x0.subarray(0, nTheta), (v) => v.toFixed(3)).join(" ")}, ${o.model.rowPasses} passes so far`);
    }
    return x0;
  }

  /** 2 RX'RX at the current state: the beta block of the Newton Hessian. */
  private twiceRx(): Float64Array {
    const rx = this.objective.fixedEffectsCrossproduct();
    for (let k = 0; k < rx.length; k++) rx[k] *= 2;
    return rx;
  }

  /** Newton-type iterations with the approximate Hessian, down to a decrement of newton.tolerance. */
  newton(x0: Float64Array, g0: Float64Array): { x: Float64Array; iterations: number; message: string } {
    const o = this.objective;
    const near = this.control.newton.nearDecrement;
    const problem = this.problem(this.control.pirls.tolerance);
    let lastDecrement = Number.POSITIVE_INFINITY;
    let previous: Float64Array | null = null;
    let sinceRefresh = 0;
    let rxHessian = new Float64Array(0);
    const newtonHessian = (x: Float64Array, g: Float64Array): Float64Array => {
      // Near the optimum (decrement below newton.nearDecrement) the Hessian changes slowly: keep the
      // previous one for one iteration out of two; refresh RX'RX only while far away.
      if (previous && lastDecrement < near && sinceRefresh < 1) {
        sinceRefresh++;
        return previous;
      }
      sinceRefresh = 0;
      this.evaluations += this.freeTheta.length;
      if (lastDecrement > near || rxHessian.length === 0) {
        problem.evaluate(x);
        this.evaluations++;
        rxHessian = this.twiceRx();
      }
      previous = this.approximateHessian(rxHessian, x, g);
      return previous;
    };
    const b0 = newtonHessian(x0, g0);
    problem.evaluate(x0);
    const opt = minimiseBounded(problem, x0, b0, {
      maxIterations: this.control.newton.maxIterations,
      tolerance: this.control.newton.tolerance,
      hessian: newtonHessian,
      lineSearch: this.control.lineSearch,
      onIteration: (it, f, dec) => {
        lastDecrement = dec;
        this.progress(`iteration ${it}: deviance ${f.toFixed(6)}, decrement ${dec.toExponential(2)}, ${o.model.rowPasses} passes so far`);
      },
    });
    this.evaluations += opt.evaluations;
    this.endStage(opt.f, opt.decrement, opt.message, opt.iterations);
    return { x: opt.x, iterations: opt.iterations, message: opt.message };
  }

  /**
   * The Hessian approximation of the Newton stage: the theta rows (and so the theta-beta block) by
   * forward differences of the exact gradient, one gradient per free theta; the beta block from
   * 2 RX'RX, the Hessian of the penalised deviance in beta with u profiled out. The objective must be
   * at x on entry; on return it is at a perturbed point.
   */
  private approximateHessian(rxHessian: Float64Array, x0: Float64Array, g0: Float64Array): Float64Array {
    const { dim, nTheta, p } = this;
    const b = new Float64Array(dim * dim);
    for (let a = 0; a < p; a++) for (let c = 0; c < p; c++) b[(nTheta + a) * dim + nTheta + c] = rxHessian[a * p + c];
    const xp = Float64Array.from(x0);
    const gp = new Float64Array(dim);
    const steps = new Float64Array(dim);
    const h0 = this.control.newton.thetaStep;
    for (const k of this.freeTheta) steps[k] = h0 * Math.max(1, Math.abs(x0[k]));
    const warm = this.stencilWarmStart(steps, this.freeTheta);
    for (const k of this.freeTheta) {
      const h = steps[k];
      xp[k] = x0[k] + h;
      warm(k);
      this.stencilGradientAt(xp, gp);
      xp[k] = x0[k];
      for (let r = 0; r < dim; r++) {
        const v = (gp[r] - g0[r]) / h;
        if (r < nTheta) {
          b[r * dim + k] += 0.5 * v;
          b[k * dim + r] += 0.5 * v;
        } else {
          b[r * dim + k] = v;
          b[k * dim + r] = v;
        }
      }
    }
    return b;
  }

  /**
   * Warm starts for the points of a difference stencil around the current PIRLS solution: before the
   * evaluation at x + h_k e_k, u is set to u_hat(x) + h_k du_hat/dx_k (mode-sensitivity.ts).
   */
  private stencilWarmStart(steps: Float64Array, coordinates: readonly number[]): (k: number) => void {
    const model = this.objective.model;
    const base = Float64Array.from(model.u);
    const shifts = modeShifts(model, steps, coordinates);
    return (k: number) => {
      const shift = shifts.get(k);
      if (shift) this.objective.warmStartModes(base, shift);
    };
  }

  /** The full Hessian at x by forward differences of the exact gradient over the free coordinates. */
  private hessianAt(at: Float64Array): Float64Array {
    const dim = this.dim;
    const gAt = new Float64Array(dim);
    this.gradientAt(at, gAt);
    const steps = new Float64Array(dim);
    const h0 = this.control.polish.hessianStep;
    for (const k of this.free) steps[k] = h0 * Math.max(1, Math.abs(at[k]));
    this.evaluations += this.free.length + 1;
    const warm = this.stencilWarmStart(steps, this.free);
    return hessianFromGradient(this.stencilGradientAt, at, steps, gAt, warm, this.fixedTheta ? this.free : undefined);
  }

  /**
   * Newton steps with the full finite-difference Hessian until the Newton decrement is below
   * polish.tolerance. Below a decrement of ~1e-9 the predicted decrease is at the level of rounding in
   * the deviance and the line search may fail to see it: that ends the polishing, it is not a failure.
   * The Hessian is recomputed at the end only if a round started far away (polish.rehessianDecrement).
   */
  polish(x0: Float64Array): { x: Float64Array; hessian: Float64Array; decrement: number; iterations: number; message: string } {
    const o = this.objective;
    const c = this.control.polish;
    const lower = o.lower;
    const dim = this.dim;
    const problem = this.problem(this.control.pirls.tolerance);
    const fixed = this.fixedTheta ? this.fixed : undefined;
    this.beginStage("polish");
    let x = x0;
    let iterations = 0;
    let hess = this.hessianAt(x);
    let g = new Float64Array(dim);
    problem.evaluate(x);
    this.evaluations++;
    problem.gradient(g);
    let newtonDecrement = freeStep(hess, g, freeVariables(x, g, lower, fixed, this.control.lineSearch.activeBound), dim, this.control.lineSearch.eigenvalueFloor).decrement;
    let rounds = 0;
    let message = "the Newton decrement was below polish.tolerance at the start";
    for (let round = 0; round < c.maxRounds && newtonDecrement >= c.tolerance; round++) {
      this.progress(`polish ${round}: Newton decrement ${newtonDecrement.toExponential(2)}`);
      rounds++;
      const fixedHessian = hess;
      const step = minimiseBounded(problem, x, hess, {
        maxIterations: c.maxIterations,
        tolerance: c.tolerance,
        hessian: () => fixedHessian,
        lineSearch: this.control.lineSearch,
      });
      this.evaluations += step.evaluations;
      iterations += step.iterations;
      x = step.x;
      if (newtonDecrement > c.rehessianDecrement) hess = this.hessianAt(x);
      problem.evaluate(x);
      this.evaluations++;
      g = new Float64Array(dim);
      problem.gradient(g);
      newtonDecrement = freeStep(hess, g, freeVariables(x, g, lower, fixed, this.control.lineSearch.activeBound), dim, this.control.lineSearch.eigenvalueFloor).decrement;
      message = `${rounds} round${rounds === 1 ? "" : "s"} with the full Hessian, the last: ${step.message}`;
      if (step.iterations === 0 || (!step.converged && newtonDecrement < this.control.convergence.decrement)) break;
    }
    return { x, hessian: hess, decrement: newtonDecrement, iterations, message };
  }
}

/** `base` with the fields of `overrides` replaced, group by group (and checked). */
function withOverrides(base: GlmmControl, overrides: GlmmControlInput): GlmmControl {
  const merged: Record<string, Record<string, number>> = {};
  for (const g of Object.keys(base) as ControlGroup[]) merged[g] = { ...base[g], ...(overrides[g] ?? {}) };
  for (const g of Object.keys(overrides)) if (!(g in merged)) merged[g] = (overrides as Record<string, Record<string, number>>)[g];
  return glmmControl(merged as GlmmControlInput);
}
