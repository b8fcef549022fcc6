/**
 * Profile-likelihood intervals for the parameters of a fit, on the scale lme4's confint reports them
 * (SDs, correlations, fixed effects), the counterpart of lme4's profile() + confint(method = "profile").
 *
 * The profile of a parameter v holds it at a value and minimises the Laplace deviance d over every
 * other parameter (held-parameter.ts says in which coordinates): d_v(v) = min d. The signed root
 * deviance
 *
 *   zeta(v) = sign(v - v_hat) sqrt(d_v(v) - d(theta_hat, beta_hat))
 *
 * is about (v - v_hat) / SE near the estimate and, if the likelihood ratio statistic is chi-square(1),
 * the level-L interval is {v : |zeta(v)| <= z}, z = Phi^-1((1 + L) / 2) (1.96 for 95 %).
 *
 * Per parameter and side, from the estimate outwards:
 *   walk      steps of about `zetaStep` (0.5) in zeta, the step in v from the slope of zeta so far (at
 *             first the Wald SE from the Hessian at the optimum); each point warm-started from its
 *             neighbours: the other parameters extrapolated along the path of the last two points
 *             (at the first step along the path the Hessian predicts, -H_phiphi^-1 H_phiv);
 *   monotone  |zeta| must grow at every step; a profile where it does not is reported (the interval is
 *             still computed from the first crossing, and the note says it may not be the only one);
 *   root      once |zeta| passes z the interval's end is the root of |zeta(v)| = z in the last step,
 *             by Brent's method (src/numeric/roots.ts) to `rootTolerance` Wald SEs, every evaluation
 *             warm-started by interpolating between the bracket's ends;
 *   boundary  an SD is not walked below 0 nor a correlation beyond +-1: the walk evaluates the profile
 *             at the boundary itself, and if |zeta| is still below z there the interval ends at the
 *             boundary with a note (lme4 reports the same limit); an estimate on the boundary (a
 *             singular fit) gives that limit at once.
 *
 * The minimisation at each point: BFGS over the free coordinates phi (src/glmm/optimizer.ts, bounds on
 * the SDs) from the Hessian at the optimum, J' H J, down to a Newton decrement of `tolerance` (1e-7
 * deviance units: zeta is then exact to ~1e-7 / (2 |zeta|)). Every point uses one objective of the data
 * (src/glmm/objective.ts), so the O(n) passes run on two threads and PIRLS starts from the last modes.
 *
 *   const result = profileFit(fit);                          // the SDs and correlations, 95 %
 *   const all = profileFit(fit, { parameters: "all" });      // and the fixed effects
 *   result.intervals;   // [{ parameter: "sd_(Intercept)|g", method: "profile", level: 0.95, lower, upper, note }]
 *   result.profiles[0].points;   // (value, zeta) for a profile plot
 */
import type { GlmmControlInput } from "../glmm/control";
import type { GlmmFit } from "../glmm/types";
import { laplaceObjective, type LaplaceObjective } from "../glmm/objective";
import { optimiseObjective } from "../glmm/optimise";
import { minimiseBounded, type BoundedProblem } from "../glmm/optimizer";
import { thetaLength } from "../glmm/lambda";
import { invertSpd } from "../numeric/dense";
import { normalQuantile } from "../numeric/distributions";
import { brentRoot } from "../numeric/roots";
import { HeldParameter } from "./held-parameter";
import { checkLevel, type Interval } from "./interval";
import { selectParameters, type ModelParameter, type ParameterKind } from "./parameters";
import { isIdentityOrder, orderWithFirst, reorderTerm, reorderTheta, thetaOffsetOf, type TermOrder } from "./term-order";

export interface ProfileOptions {
  /** Which parameters: "variance" (default: SDs and correlations), "fixed", "all", or lme4 names. */
  readonly parameters?: "variance" | "fixed" | "all" | readonly string[];
  /** Confidence level of the intervals (default 0.95). */
  readonly level?: number;
  /** The walk's step in zeta (default 0.5; lme4 steps by about cutoff / 8 = 0.32 at 99 %). */
  readonly zetaStep?: number;
  /** Points per side before the walk gives up (default 30). */
  readonly maxPoints?: number;
  /** Newton decrement at which a profile point counts as minimised (deviance units, default 1e-7). */
  readonly tolerance?: number;
  /** BFGS iterations per profile point (default 200). */
  readonly maxIterations?: number;
  /** The interval's ends to this many Wald SEs, or |zeta| within this of the cutoff (default 1e-4). */
  readonly rootTolerance?: number;
  /** Threads of the O(n) passes (as GlmmOptions.threads). */
  readonly threads?: number;
  /** Solver control (PIRLS tolerances, the line search); default: the solver's defaults. */
  readonly control?: GlmmControlInput;
  readonly onProgress?: (message: string) => void;
}

/** One point of a profile: the held value, zeta there, and every parameter at the conditional optimum. */
export interface ProfilePoint {
  readonly value: number;
  readonly zeta: number;
  /** The minimised Laplace deviance (without the binomial constant). */
  readonly deviance: number;
  /** The minimisation reached its tolerance. */
  readonly converged: boolean;
  readonly iterations: number;
  /** theta (lme4's order of the model) and beta at the conditional optimum. */
  readonly theta: Float64Array;
  readonly beta: Float64Array;
}

/**
 * How an interval's end was found: "root" of |zeta| = cutoff; "boundary": |zeta| stays below the cutoff
 * up to the end of the parameter's range, which is the limit; "estimate on boundary": the estimate is
 * at the end of the range on this side; "not reached": the walk stopped first (the limit is NaN).
 */
export type LimitKind = "root" | "boundary" | "estimate on boundary" | "not reached";

export interface ProfileLimit {
  readonly value: number;
  readonly kind: LimitKind;
  /** zeta at the limit: +-cutoff at a root, the boundary's zeta otherwise. */
  readonly zeta: number;
}

export interface ParameterProfile {
  readonly parameter: string;
  readonly kind: ParameterKind;
  readonly estimate: number;
  /** sqrt(2 [H^-1]_vv) on this parameter's scale from the Hessian at the optimum: the Wald SE. */
  readonly waldSe: number;
  /** The points visited, sorted by value, the estimate (zeta 0) included. */
  readonly points: readonly ProfilePoint[];
  readonly lower: ProfileLimit;
  readonly upper: ProfileLimit;
  /** |zeta| grew at every step of both walks. */
  readonly monotone: boolean;
  readonly notes: readonly string[];
  /** Conditional optima computed, and their BFGS iterations. */
  readonly evaluations: number;
  readonly iterations: number;
  readonly seconds: number;
}

export interface ProfileResult {
  readonly level: number;
  /** z = Phi^-1((1 + level) / 2). */
  readonly cutoff: number;
  /** The Laplace deviance at the optimum the profiles start from. */
  readonly deviance: number;
  readonly profiles: readonly ParameterProfile[];
  readonly intervals: readonly Interval[];
  /** What concerns every profile (the refit at the start moved the optimum, ...). */
  readonly notes: readonly string[];
  readonly seconds: number;
}

interface Settings {
  readonly zetaStep: number;
  readonly maxPoints: number;
  readonly tolerance: number;
  readonly maxIterations: number;
  readonly rootTolerance: number;
  readonly cutoff: number;
  readonly progress: (message: string) => void;
}

/** An objective with its optimum, the deviance there and the Hessian over x at it. */
interface Frame {
  readonly objective: LaplaceObjective;
  readonly order: TermOrder | null;
  readonly x: Float64Array;
  readonly deviance: number;
  readonly hessian: Float64Array;
}

/** Profiles of the chosen parameters of `fit` and their intervals (see the file comment). */
export function profileFit(fit: GlmmFit, options: ProfileOptions = {}): ProfileResult {
  const started = performance.now();
  const level = checkLevel(options.level ?? 0.95);
  const settings: Settings = {
    zetaStep: positive(options.zetaStep ?? 0.5, "zetaStep"),
    maxPoints: positive(options.maxPoints ?? 30, "maxPoints"),
    tolerance: positive(options.tolerance ?? 1e-7, "tolerance"),
    maxIterations: positive(options.maxIterations ?? 200, "maxIterations"),
    rootTolerance: positive(options.rootTolerance ?? 1e-4, "rootTolerance"),
    cutoff: normalQuantile(1 - (1 - level) / 2),
    progress: options.onProgress ?? (() => undefined),
  };
  const design = fit.design;
  const parameters = selectParameters(design, options.parameters ?? "variance");
  const objectiveOptions = {
    ...(options.threads !== undefined ? { threads: options.threads } : {}),
    ...(options.control !== undefined ? { control: options.control } : {}),
    ...(fit.offset !== undefined ? { offset: fit.offset } : {}),
  };
  const notes: string[] = [];
  const profiles: ParameterProfile[] = [];
  const base = laplaceObjective(design, objectiveOptions);
  const frames = new Map<string, Frame>();
  let deviance = Number.NaN;
  try {
    // The optimum on this objective (a warm refit from the fit; it also gives the Hessian).
    const optimum = optimiseObjective(base, { start: fit });
    const startDeviance = optimum.summary.start.deviance;
    if (startDeviance - optimum.deviance > 1e-6) {
      notes.push(
        `the fit was not at the optimum: a refit from it lowered the deviance by ${(startDeviance - optimum.deviance).toExponential(2)}; the profiles start from the refit`,
      );
    }
    if (!optimum.summary.converged) notes.push(`the refit at the optimum did not converge (${optimum.summary.message}); the profiles may be off`);
    const mle: Frame = { objective: base, order: null, x: optimum.x, deviance: optimum.deviance, hessian: optimum.hessian };
    deviance = optimum.deviance;
    settings.progress(`profile: optimum deviance ${mle.deviance.toFixed(6)}, ${parameters.length} parameter(s), cutoff |zeta| = ${settings.cutoff.toFixed(4)}`);
    for (const parameter of parameters) {
      const order = orderFor(design, parameter);
      let frame = mle;
      if (order) {
        const key = `${order.term}:${order.order.join(",")}`;
        let f = frames.get(key);
        if (!f) {
          f = reorderedFrame(mle, order, objectiveOptions);
          frames.set(key, f);
        }
        frame = f;
      }
      profiles.push(profileParameter(frame, parameter, settings));
    }
  } finally {
    for (const f of frames.values()) f.objective.release();
    base.release();
  }
  return {
    level,
    cutoff: settings.cutoff,
    deviance,
    profiles,
    intervals: profiles.map((p) => profileInterval(p, level, notes)),
    notes,
    seconds: (performance.now() - started) / 1000,
  };
}

function positive(v: number, name: string): number {
  if (!(v > 0) || !Number.isFinite(v)) throw new Error(`profile: ${name} must be a positive number, got ${v}`);
  return v;
}

/** The term order in which `parameter` is a first-column SD or a correlation of the first two columns; null if the model's own. */
function orderFor(design: GlmmFit["design"], parameter: ModelParameter): TermOrder | null {
  if (parameter.kind === "beta") return null;
  const k = design.random[parameter.term].terms.length;
  const order = parameter.kind === "sd" ? orderWithFirst(k, parameter.row) : orderWithFirst(k, parameter.column, parameter.row);
  return isIdentityOrder(order) ? null : { term: parameter.term, order };
}

/**
 * The objective of the design with one term reordered, at the image of the optimum. Its Hessian is the
 * original's under the change of coordinates, H' = K' H K with K = dx/dx' by central differences of the
 * (cheap, smooth) reordering map; the gradient is ~0 there, so no second-derivative term enters.
 */
function reorderedFrame(mle: Frame, order: TermOrder, objectiveOptions: Parameters<typeof laplaceObjective>[1]): Frame {
  const design = mle.objective.design;
  const objective = laplaceObjective(reorderTerm(design, order), objectiveOptions);
  const n = mle.x.length;
  const nTheta = mle.objective.nTheta;
  const x = Float64Array.from(mle.x);
  x.set(reorderTheta(design, order, mle.x.subarray(0, nTheta)), 0);
  const deviance = objective.evaluate(x);
  const offset = thetaOffsetOf(design, order.term);
  const m = thetaLength(order.order.length);
  const k = new Float64Array(n * n);
  for (let e = 0; e < n; e++) k[e * n + e] = 1;
  for (let a = offset; a < offset + m; a++) {
    const h = 1e-6 * Math.max(1, Math.abs(x[a]));
    const up = Float64Array.from(x.subarray(0, nTheta));
    const down = Float64Array.from(x.subarray(0, nTheta));
    up[a] += h;
    down[a] -= h;
    const tu = reorderTheta(design, order, up, true);
    const td = reorderTheta(design, order, down, true);
    for (let r = offset; r < offset + m; r++) k[r * n + a] = (tu[r] - td[r]) / (2 * h);
  }
  return { objective, order, x, deviance, hessian: congruenceT(k, mle.hessian, n, n) };
}

/** K' H K for an n x m matrix K and n x n H (row-major). */
function congruenceT(k: Float64Array, h: Float64Array, n: number, m: number): Float64Array {
  const hk = new Float64Array(n * m);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < m; c++) {
      let acc = 0;
      for (let s = 0; s < n; s++) acc += h[r * n + s] * k[s * m + c];
      hk[r * m + c] = acc;
    }
  }
  const out = new Float64Array(m * m);
  for (let r = 0; r < m; r++) {
    for (let c = 0; c < m; c++) {
      let acc = 0;
      for (let s = 0; s < n; s++) acc += k[s * m + r] * hk[s * m + c];
      out[r * m + c] = acc;
    }
  }
  return out;
}

interface Visited {
  readonly value: number;
  readonly zeta: number;
  readonly deviance: number;
  readonly phi: Float64Array;
  readonly converged: boolean;
  readonly iterations: number;
  readonly x: Float64Array;
}

/** The profile of one parameter: both walks, the roots, the notes. */
function profileParameter(frame: Frame, parameter: ModelParameter, settings: Settings): ParameterProfile {
  const started = performance.now();
  const objective = frame.objective;
  const held = new HeldParameter(objective, parameter);
  const n = held.xDimension;
  const m = held.dimension;
  const start = held.fromX(frame.x);
  const estimate = start.value;
  const notes: string[] = [];
  let evaluations = 0;
  let iterations = 0;
  let lowestBelow = 0;

  // The Hessian in (v, phi): K = [dx/dv, dx/dphi], H_K = K' H K; the Wald SE and the predicted path.
  const tangent = held.tangent(estimate, start.phi);
  const jac = held.jacobian(estimate);
  const kMatrix = new Float64Array(n * (m + 1));
  for (let e = 0; e < n; e++) {
    kMatrix[e * (m + 1)] = tangent[e];
    for (let a = 0; a < m; a++) kMatrix[e * (m + 1) + a + 1] = jac[e * m + a];
  }
  const hk = congruenceT(kMatrix, frame.hessian, n, m + 1);
  const hkInverse = allFinite(hk) ? invertSpd(hk, m + 1) : null;
  const waldSe = hkInverse ? Math.sqrt(2 * hkInverse[0]) : Number.NaN;
  // dphi/dv along the path of conditional optima: -H_phiphi^-1 H_phiv = [H^-1]_phiv / [H^-1]_vv.
  const path = new Float64Array(m);
  if (hkInverse && hkInverse[0] > 0) for (let a = 0; a < m; a++) path[a] = hkInverse[a + 1] / hkInverse[0];
  const hessianAt = (value: number): Float64Array => congruenceT(held.jacobian(value), frame.hessian, n, m);

  const minimiseAt = (value: number, phiStart: Float64Array): Visited => {
    const x = new Float64Array(n);
    const gx = new Float64Array(n);
    const problem: BoundedProblem = {
      dimension: m,
      lower: held.lower,
      evaluate: (phi) => objective.evaluate(held.toX(value, phi, x)),
      gradient: (out) => {
        objective.internalGradient(gx);
        held.pullGradient(value, gx, out);
      },
    };
    const phi0 = Float64Array.from(phiStart);
    for (let a = 0; a < m; a++) if (phi0[a] < held.lower[a]) phi0[a] = held.lower[a];
    const r = minimiseBounded(problem, phi0, hessianAt(value), {
      maxIterations: settings.maxIterations,
      tolerance: settings.tolerance,
      lineSearch: objective.control.lineSearch,
    });
    evaluations++;
    iterations += r.iterations;
    const excess = r.f - frame.deviance;
    if (excess < lowestBelow) lowestBelow = excess;
    const side = Math.sign(value - estimate);
    return {
      value,
      zeta: side * Math.sqrt(Math.max(0, excess)),
      deviance: r.f,
      phi: Float64Array.from(r.x),
      converged: r.converged,
      iterations: r.iterations,
      x: held.toX(value, r.x),
    };
  };

  const origin: Visited = {
    value: estimate,
    zeta: 0,
    deviance: frame.deviance,
    phi: start.phi,
    converged: true,
    iterations: 0,
    x: Float64Array.from(frame.x),
  };
  const visited: Visited[] = [origin];
  let monotone = true;
  const unconverged: number[] = [];

  const walk = (side: 1 | -1): ProfileLimit => {
    const bound = side > 0 ? held.valueUpper : held.valueLower;
    const where = side > 0 ? "upper" : "lower";
    // An estimate at the end of the range (within the solver's singular tolerance for an SD).
    const atBound = Number.isFinite(bound) && Math.abs(estimate - bound) <= (parameter.kind === "sd" ? 1e-4 : 1e-8);
    if (atBound) {
      notes.push(`the estimate is on the boundary ${bound} of the parameter's range: the ${where} limit is that boundary`);
      return { value: bound, kind: "estimate on boundary", zeta: 0 };
    }
    let prev = origin;
    let before: Visited | null = null;
    let slope = Number.isFinite(waldSe) && waldSe > 0 ? 1 / waldSe : Number.NaN;
    let lastStep = Number.NaN;
    for (let count = 0; count < settings.maxPoints; count++) {
      // The step in zeta: zetaStep, or just past the cutoff when that is nearer (a tight bracket for
      // the root).
      const remaining = settings.cutoff - Math.abs(prev.zeta);
      const zetaStep = remaining < 1.2 * settings.zetaStep ? remaining + 0.1 * settings.zetaStep : settings.zetaStep;
      let step: number;
      if (Number.isFinite(slope) && slope > 0) step = zetaStep / slope;
      else step = Number.isFinite(lastStep) ? 2 * lastStep : 0.1 * Math.max(Math.abs(estimate), 0.1);
      // Growth at most fourfold per step: a flat stretch must not throw the walk far away.
      if (Number.isFinite(lastStep)) step = Math.min(step, 4 * lastStep);
      let value = prev.value + side * step;
      let onBound = false;
      if (Number.isFinite(bound) && side * (value - bound) >= 0) {
        value = bound;
        onBound = true;
      }
      const phiStart = predict(prev, before, value);
      const point = minimiseAt(value, phiStart);
      visited.push(point);
      if (!point.converged) unconverged.push(value);
      settings.progress(`profile ${parameter.name}: zeta ${point.zeta.toFixed(4)} at ${value.toPrecision(6)} (${point.iterations} BFGS iterations)`);
      if (Math.abs(point.zeta) <= Math.abs(prev.zeta)) monotone = false;
      const dz = Math.abs(point.zeta) - Math.abs(prev.zeta);
      const dv = Math.abs(value - prev.value);
      if (dz > 0 && dv > 0) slope = dz / dv;
      lastStep = dv;
      if (Math.abs(point.zeta) >= settings.cutoff) return root(prev, point, side);
      if (onBound) {
        notes.push(
          `the profile reaches the boundary ${bound} with |zeta| = ${Math.abs(point.zeta).toFixed(3)} < ${settings.cutoff.toFixed(3)}: the ${where} limit is that boundary`,
        );
        return { value: bound, kind: "boundary", zeta: point.zeta };
      }
      before = prev;
      prev = point;
    }
    notes.push(`the ${where} walk stopped after ${settings.maxPoints} points with |zeta| = ${Math.abs(prev.zeta).toFixed(3)} below the cutoff: no ${where} limit`);
    return { value: Number.NaN, kind: "not reached", zeta: prev.zeta };
  };

  // The other parameters at a new value: along the line through the last two points, or the path the
  // Hessian predicts from the estimate.
  const predict = (prev: Visited, before: Visited | null, value: number): Float64Array => {
    const out = new Float64Array(m);
    if (before && prev.value !== before.value) {
      const t = (value - prev.value) / (prev.value - before.value);
      for (let a = 0; a < m; a++) out[a] = prev.phi[a] + t * (prev.phi[a] - before.phi[a]);
    } else {
      const dv = value - prev.value;
      for (let a = 0; a < m; a++) out[a] = prev.phi[a] + (Number.isFinite(path[a]) ? path[a] * dv : 0);
    }
    return out;
  };

  // |zeta(v)| = cutoff between the last two points of a walk, by Brent's method.
  const root = (inside: Visited, outside: Visited, side: 1 | -1): ProfileLimit => {
    const target = side * settings.cutoff;
    const scale = Number.isFinite(waldSe) && waldSe > 0 ? waldSe : Math.abs(outside.value - inside.value);
    let nearest = { low: inside, high: outside };
    const f = (value: number): number => {
      const { low, high } = nearest;
      const t = (value - low.value) / (high.value - low.value);
      const phi = new Float64Array(m);
      for (let a = 0; a < m; a++) phi[a] = low.phi[a] + t * (high.phi[a] - low.phi[a]);
      const point = minimiseAt(value, phi);
      visited.push(point);
      if (!point.converged) unconverged.push(value);
      // Keep the bracket's points for the next interpolation.
      if (side * (point.zeta - target) < 0) nearest = { low: point, high };
      else nearest = { low, high: point };
      return point.zeta - target;
    };
    const r = brentRoot(f, inside.value, outside.value, {
      fa: inside.zeta - target,
      fb: outside.zeta - target,
      tolerance: settings.rootTolerance * scale,
      fTolerance: settings.rootTolerance,
    });
    settings.progress(`profile ${parameter.name}: ${side > 0 ? "upper" : "lower"} limit ${r.root.toPrecision(8)} (${r.evaluations} root evaluations)`);
    return { value: r.root, kind: "root", zeta: r.value + target };
  };

  const lower = walk(-1);
  const upper = walk(1);
  if (!monotone) notes.push("the profile is not monotone (|zeta| fell between neighbouring points): the likelihood may have more than one mode along it, or a point was not minimised");
  if (unconverged.length > 0) notes.push(`${unconverged.length} profile point(s) did not reach the decrement ${settings.tolerance} (at ${unconverged.map((v) => v.toPrecision(4)).join(", ")})`);
  if (lowestBelow < -1e-6) notes.push(`the profile found a deviance ${(-lowestBelow).toExponential(2)} below the optimum: the fit was not at the minimum`);
  const points: ProfilePoint[] = visited
    .map((v) => {
      const model = toModel(frame, v.x);
      return { value: v.value, zeta: v.zeta, deviance: v.deviance, converged: v.converged, iterations: v.iterations, theta: model.theta, beta: model.beta };
    })
    .sort((a, b) => a.value - b.value);
  return {
    parameter: parameter.name,
    kind: parameter.kind,
    estimate,
    waldSe,
    points,
    lower,
    upper,
    monotone,
    notes,
    evaluations,
    iterations,
    seconds: (performance.now() - started) / 1000,
  };
}

/** theta in the model's own order and beta on the scale of X, from a point x of a frame's objective. */
function toModel(frame: Frame, x: Float64Array): { theta: Float64Array; beta: Float64Array } {
  const { theta, beta } = frame.objective.fromInternal(x);
  if (!frame.order) return { theta, beta };
  return { theta: reorderTheta(frame.objective.design, frame.order, theta, true), beta };
}

function allFinite(a: Float64Array): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return false;
  return true;
}

/** The interval of one profile, with its notes (and the ones that concern every profile). */
function profileInterval(p: ParameterProfile, level: number, global: readonly string[]): Interval {
  return {
    parameter: p.parameter,
    method: "profile",
    level,
    lower: p.lower.value,
    upper: p.upper.value,
    note: [...p.notes, ...global].join("; "),
  };
}
