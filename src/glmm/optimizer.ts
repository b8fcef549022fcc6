/**
 * Bound-constrained Newton-type minimisation with an exact gradient and an active set, for the
 * (theta, beta) problem (p + length(theta) ~ 25 parameters, so the Hessian approximation B is dense).
 * B comes from the caller: recomputed at every accepted point by `options.hessian` (optimise.ts supplies
 * differences of the exact gradient in theta and 2 RX'RX in beta, or the full difference Hessian),
 * or, without it, updated by BFGS with Powell's damping.
 *
 * Why this and not lme4's derivative-free Nelder-Mead/BOBYQA: with the exact gradient of the Laplace
 * deviance (gradient.ts) and a good Hessian a Newton-type method needs a handful of iterations instead
 * of hundreds to thousands of evaluations, and its stopping rule is a second-order optimality test
 * (the Newton decrement) rather than a simplex size. (A pure BFGS start from lme4's theta = 1 was tried
 * and zig-zagged for hundreds of iterations on the model-2 data; optimise.ts therefore starts near the
 * optimum and uses Hessians.)
 *
 * Each iteration:
 *   1. active set: variables on their lower bound whose gradient pushes them further down, and the
 *      variables the problem holds fixed;
 *   2. step on the free variables: B_FF d_F = -g_F (eigenvalues of B_FF made positive if it is not
 *      positive definite);
 *   3. backtracking line search along x + a d, cut at the bounds, with the Armijo condition
 *      f(x + a d) <= f(x) + c a g'd (c = lineSearch.armijo, 1e-4);
 *   4. the next B (options.hessian, or the damped BFGS update).
 * Converged when the Newton decrement g_F' B_FF^-1 g_F (about twice the distance to the minimum in
 * deviance units) falls below `tolerance` or below 1e-14 (1 + |f|) (the rounding level of f), or the
 * largest projected-gradient entry below 1e-9. Those two and the line search's constants are the
 * control's lineSearch group (control.ts).
 */

import { solveSpd, symmetricEigen } from "../numeric/dense";
import { DEFAULT_CONTROL, type GlmmControl } from "./control";

/** The line-search and stopping constants (control.ts, group lineSearch). */
export type LineSearchSettings = GlmmControl["lineSearch"];

export interface BoundedProblem {
  readonly dimension: number;
  readonly lower: Float64Array;
  /** Variables held at their starting value (true: fixed); none when absent. */
  readonly fixed?: readonly boolean[];
  /** f(x); the problem keeps the state of this evaluation for gradient(). */
  evaluate(x: Float64Array): number;
  /** Gradient at the last evaluated x. */
  gradient(out: Float64Array): void;
}

export interface OptimizerResult {
  readonly x: Float64Array;
  readonly f: number;
  readonly gradient: Float64Array;
  readonly iterations: number;
  readonly evaluations: number;
  readonly converged: boolean;
  readonly decrement: number;
  readonly message: string;
}

export interface OptimizerOptions {
  readonly maxIterations?: number;
  readonly tolerance?: number;
  readonly onIteration?: (iteration: number, f: number, decrement: number) => void;
  /**
   * If given, the Hessian approximation is recomputed by this function at every accepted point (a
   * Newton-type method) instead of being updated by BFGS. It may move the problem's state; the
   * optimiser evaluates again before it needs a gradient.
   */
  readonly hessian?: (x: Float64Array, g: Float64Array) => Float64Array;
  /** Line-search and stopping constants (default: the control's defaults). */
  readonly lineSearch?: LineSearchSettings;
}

/**
 * Newton-type step on the free variables: solves H_FF d_F = -g_F. If H_FF is not positive definite,
 * its eigenvalues are replaced by max(|lambda|, floor max|lambda|, 1e-12) (a modified Newton step that keeps
 * the curvature of the well-determined directions, e.g. the beta block, intact). Returns the step
 * (0 on active variables) and the decrement -g'd.
 */
export function freeStep(
  h: Float64Array,
  g: Float64Array,
  free: readonly boolean[],
  n: number,
  eigenvalueFloor: number = DEFAULT_CONTROL.lineSearch.eigenvalueFloor,
): { step: Float64Array; decrement: number } {
  const idx: number[] = [];
  for (let i = 0; i < n; i++) if (free[i]) idx.push(i);
  const m = idx.length;
  const step = new Float64Array(n);
  if (m === 0) return { step, decrement: 0 };
  const a = new Float64Array(m * m);
  for (let r = 0; r < m; r++) for (let c = 0; c < m; c++) a[r * m + c] = h[idx[r] * n + idx[c]];
  const b = new Float64Array(m);
  for (let r = 0; r < m; r++) b[r] = -g[idx[r]];
  const solved = solveSpd(a, m, b);
  if (solved) {
    b.set(solved);
  } else {
    const { values, vectors } = symmetricEigen(a, m);
    let top = 0;
    for (let k = 0; k < m; k++) top = Math.max(top, Math.abs(values[k]));
    // (1e-12: a guard for an all-zero matrix, not a tolerance.)
    const floor = Math.max(eigenvalueFloor * top, 1e-12);
    const proj = new Float64Array(m);
    for (let k = 0; k < m; k++) {
      let acc = 0;
      for (let r = 0; r < m; r++) acc += vectors[r * m + k] * b[r];
      proj[k] = acc / Math.max(Math.abs(values[k]), floor);
    }
    for (let r = 0; r < m; r++) {
      let acc = 0;
      for (let k = 0; k < m; k++) acc += vectors[r * m + k] * proj[k];
      b[r] = acc;
    }
  }
  let dec = 0;
  for (let r = 0; r < m; r++) {
    step[idx[r]] = b[r];
    dec -= g[idx[r]] * b[r];
  }
  return { step, decrement: dec };
}

/**
 * Free variables: not held fixed, and not on the lower bound (within activeBound) or on it with a
 * gradient that points inside.
 */
export function freeVariables(
  x: Float64Array,
  g: Float64Array,
  lower: Float64Array,
  fixed?: readonly boolean[],
  activeBound: number = DEFAULT_CONTROL.lineSearch.activeBound,
): boolean[] {
  const out: boolean[] = [];
  for (let i = 0; i < x.length; i++) out.push(!(fixed?.[i] === true) && !(x[i] <= lower[i] + activeBound && g[i] > 0));
  return out;
}

export function minimiseBounded(
  problem: BoundedProblem,
  x0: Float64Array,
  hessian0: Float64Array,
  options: OptimizerOptions = {},
): OptimizerResult {
  const n = problem.dimension;
  const lower = problem.lower;
  const maxIterations = options.maxIterations ?? 500;
  const tolerance = options.tolerance ?? 1e-10;
  const ls = options.lineSearch ?? DEFAULT_CONTROL.lineSearch;
  const x = Float64Array.from(x0);
  for (let i = 0; i < n; i++) if (x[i] < lower[i]) x[i] = lower[i];
  const B = Float64Array.from(hessian0);
  let f = problem.evaluate(x);
  let evaluations = 1;
  const g = new Float64Array(n);
  problem.gradient(g);
  const xNew = new Float64Array(n);
  const gNew = new Float64Array(n);
  const s = new Float64Array(n);
  const yv = new Float64Array(n);
  const bs = new Float64Array(n);
  let decrement = Number.POSITIVE_INFINITY;
  let message = "";
  for (let it = 0; it < maxIterations; it++) {
    const free = freeVariables(x, g, lower, problem.fixed, ls.activeBound);
    let maxProjected = 0;
    for (let i = 0; i < n; i++) if (free[i]) maxProjected = Math.max(maxProjected, Math.abs(g[i]));
    const { step, decrement: dec } = freeStep(B, g, free, n, ls.eigenvalueFloor);
    decrement = dec;
    options.onIteration?.(it, f, dec);
    // Converged: decrement below the tolerance, or below the rounding level of f itself (a decrease
    // of 1e-14 |f| cannot be seen by the line search), or a vanishing projected gradient.
    if (dec < tolerance || dec < ls.roundingDecrement * (1 + Math.abs(f)) || maxProjected < ls.projectedGradient) {
      return { x, f, gradient: g, iterations: it, evaluations, converged: true, decrement: dec, message: "converged" };
    }
    // Backtracking line search on x + a d, a <= aMax: a step that would cross a bound is cut to 95% of
    // the distance to it (projection would put a theta exactly on 0, where the deviance of a 1 x 1
    // term is stationary by symmetry and the method could stall); a step landing on it is kept.
    let alphaMax = 1;
    for (let i = 0; i < n; i++) {
      if (step[i] < 0 && x[i] + step[i] < lower[i]) alphaMax = Math.min(alphaMax, (ls.boundFraction * (x[i] - lower[i])) / -step[i]);
    }
    let alpha = alphaMax;
    let fNew = Number.NaN;
    let accepted = false;
    for (let tries = 0; tries < ls.maxSteps; tries++) {
      let slope = 0;
      for (let i = 0; i < n; i++) {
        const v = x[i] + alpha * step[i];
        xNew[i] = v < lower[i] ? lower[i] : v;
        slope += g[i] * (xNew[i] - x[i]);
      }
      fNew = problem.evaluate(xNew);
      evaluations++;
      if (Number.isFinite(fNew) && fNew <= f + ls.armijo * slope) {
        accepted = true;
        break;
      }
      // Quadratic interpolation of f along the path, kept within [0.1, 0.5] of the current step.
      const denom = 2 * (fNew - f - slope);
      let next = denom > 0 ? (-slope * alpha) / denom : 0.5 * alpha;
      if (!Number.isFinite(next)) next = 0.5 * alpha;
      alpha = Math.min(0.5 * alpha, Math.max(0.1 * alpha, next));
    }
    if (!accepted) {
      problem.evaluate(x);
      evaluations++;
      message = "line search failed to decrease the deviance";
      return { x, f, gradient: g, iterations: it, evaluations, converged: false, decrement, message };
    }
    problem.gradient(gNew);
    if (options.hessian) {
      x.set(xNew);
      g.set(gNew);
      f = fNew;
      B.set(options.hessian(x, g));
      continue;
    }
    let sy = 0;
    let sBs = 0;
    for (let i = 0; i < n; i++) {
      s[i] = xNew[i] - x[i];
      yv[i] = gNew[i] - g[i];
    }
    for (let r = 0; r < n; r++) {
      let acc = 0;
      for (let c = 0; c < n; c++) acc += B[r * n + c] * s[c];
      bs[r] = acc;
      sBs += s[r] * acc;
      sy += s[r] * yv[r];
    }
    if (sBs > 0) {
      // Powell damping: replace y by a combination with Bs so that s'y >= 0.2 s'Bs.
      if (sy < 0.2 * sBs) {
        const phi = (0.8 * sBs) / (sBs - sy);
        for (let i = 0; i < n; i++) yv[i] = phi * yv[i] + (1 - phi) * bs[i];
        sy = 0.2 * sBs;
      }
      for (let r = 0; r < n; r++) {
        for (let c = 0; c < n; c++) B[r * n + c] += (yv[r] * yv[c]) / sy - (bs[r] * bs[c]) / sBs;
      }
    }
    x.set(xNew);
    g.set(gNew);
    f = fNew;
  }
  message = `no convergence in ${maxIterations} iterations`;
  return { x, f, gradient: g, iterations: maxIterations, evaluations, converged: false, decrement, message };
}
