/**
 * Derivative-free least squares in a box: minimise f(x) = ||r(x)||^2 over lower <= x <= upper for a
 * residual vector r that is expensive (one evaluation generates a population and fits a model ladder)
 * and only nearly smooth (common random numbers make it deterministic, but its draws are discrete).
 *
 * A trust-region Gauss-Newton method on a linear model of the residuals, in the spirit of DFO-GN /
 * DFO-LS (Cartis & Roberts 2019), in coordinates scaled to the unit box:
 *
 *   1. Jacobian J from forward differences at the start (p + 1 evaluations, step h in unit coordinates,
 *      taken inwards at a bound);
 *   2. step s = argmin ||r + J s||^2 subject to the box and ||s|| <= Delta (Levenberg-Marquardt on the
 *      free coordinates, coordinates that would leave the box held at their bound; the damping mu is the
 *      smallest with ||s|| <= Delta);
 *   3. ratio = actual / predicted reduction; accept the step when f decreases, widen Delta when the
 *      model predicted well, halve it when it did not;
 *   4. Broyden's rank-one update J <- J + (r_new - r - J s) s' / (s's) after every step, so each
 *      iteration costs one evaluation;
 *   5. when Delta falls below its minimum, J is estimated again by differences at the best point (once),
 *      then the method stops.
 *
 * Every evaluation is reported (onEvaluation) with its objective and the best so far: the calibration
 * script prints them as its progress and keeps them in the calibrated-parameters file.
 */

export type EvaluationKind = "start" | "probe" | "step";

export interface EvaluationRecord {
  readonly index: number;
  readonly kind: EvaluationKind;
  /** The point, in the caller's coordinates. */
  readonly x: Float64Array;
  readonly f: number;
  /** Best objective so far (including this evaluation). */
  readonly best: number;
  /** Trust-region radius in unit coordinates when the point was proposed. */
  readonly radius: number;
  /** For steps: actual over predicted reduction (NaN for probes). */
  readonly ratio: number;
  readonly seconds: number;
}

export interface BoxLeastSquaresOptions {
  readonly lower: ArrayLike<number>;
  readonly upper: ArrayLike<number>;
  readonly start: ArrayLike<number>;
  readonly maxEvaluations: number;
  /** Forward-difference step, as a fraction of each range (default 0.1). */
  readonly differenceStep?: number;
  /** Initial and smallest trust-region radius in unit coordinates (defaults 0.25 and 0.01). */
  readonly initialRadius?: number;
  readonly minRadius?: number;
  readonly onEvaluation?: (record: EvaluationRecord) => void;
}

export interface LeastSquaresResult {
  readonly x: Float64Array;
  readonly f: number;
  readonly residuals: Float64Array;
  readonly fStart: number;
  readonly evaluations: number;
  readonly history: readonly EvaluationRecord[];
  readonly stopReason: string;
}

export type ResidualFunction = (x: Float64Array) => Promise<Float64Array> | Float64Array;

function sumSquares(r: Float64Array): number {
  let s = 0;
  for (let i = 0; i < r.length; i++) s += r[i] * r[i];
  return s;
}

function norm(s: Float64Array): number {
  return Math.sqrt(sumSquares(s));
}

/** Solves the symmetric positive definite system A x = b (A k x k, row-major) by Cholesky; A is copied. */
export function solveSpd(a: Float64Array, b: Float64Array, k: number): Float64Array {
  const l = Float64Array.from(a);
  for (let j = 0; j < k; j++) {
    let d = l[j * k + j];
    for (let q = 0; q < j; q++) d -= l[j * k + q] * l[j * k + q];
    if (!(d > 0)) throw new Error("solveSpd: matrix is not positive definite");
    const djj = Math.sqrt(d);
    l[j * k + j] = djj;
    for (let i = j + 1; i < k; i++) {
      let v = l[i * k + j];
      for (let q = 0; q < j; q++) v -= l[i * k + q] * l[j * k + q];
      l[i * k + j] = v / djj;
    }
  }
  const y = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    let v = b[i];
    for (let q = 0; q < i; q++) v -= l[i * k + q] * y[q];
    y[i] = v / l[i * k + i];
  }
  const x = new Float64Array(k);
  for (let i = k - 1; i >= 0; i--) {
    let v = y[i];
    for (let q = i + 1; q < k; q++) v -= l[q * k + i] * x[q];
    x[i] = v / l[i * k + i];
  }
  return x;
}

/**
 * Levenberg-Marquardt step for min ||r + J s||^2 + mu ||s||^2 with y + s kept in [0, 1]^p: coordinates
 * whose step would leave the box are fixed at the bound and the rest solved again (at most p rounds).
 * J is m x p column-major (J[j] = column j).
 */
export function boxedStep(r: Float64Array, jac: readonly Float64Array[], y: Float64Array, mu: number): Float64Array {
  const p = jac.length;
  const m = r.length;
  const s = new Float64Array(p);
  const fixed = new Uint8Array(p);
  for (let round = 0; round <= p; round++) {
    const free: number[] = [];
    for (let j = 0; j < p; j++) if (!fixed[j]) free.push(j);
    if (free.length === 0) break;
    // Residual with the fixed coordinates' steps applied.
    const rr = Float64Array.from(r);
    for (let j = 0; j < p; j++) if (fixed[j]) for (let i = 0; i < m; i++) rr[i] += jac[j][i] * s[j];
    const k = free.length;
    const a = new Float64Array(k * k);
    const g = new Float64Array(k);
    for (let u = 0; u < k; u++) {
      const cu = jac[free[u]];
      for (let v = u; v < k; v++) {
        const cv = jac[free[v]];
        let d = 0;
        for (let i = 0; i < m; i++) d += cu[i] * cv[i];
        a[u * k + v] = d;
        a[v * k + u] = d;
      }
      a[u * k + u] += mu + 1e-12 * (1 + a[u * k + u]);
      let d = 0;
      for (let i = 0; i < m; i++) d += cu[i] * rr[i];
      g[u] = -d;
    }
    const sf = solveSpd(a, g, k);
    let changed = false;
    free.forEach((j, u) => {
      s[j] = sf[u];
      if (y[j] + s[j] > 1) {
        s[j] = 1 - y[j];
        fixed[j] = 1;
        changed = true;
      } else if (y[j] + s[j] < 0) {
        s[j] = -y[j];
        fixed[j] = 1;
        changed = true;
      }
    });
    if (!changed) break;
  }
  return s;
}

/** The step of smallest damping whose length is at most `radius` (bisection on log mu). */
export function trustRegionStep(r: Float64Array, jac: readonly Float64Array[], y: Float64Array, radius: number): Float64Array {
  // Scale-aware damping range: mu relative to the largest diagonal of J'J.
  let dmax = 0;
  for (const c of jac) dmax = Math.max(dmax, sumSquares(c));
  const base = Math.max(dmax, 1e-12);
  let s = boxedStep(r, jac, y, 1e-10 * base);
  if (norm(s) <= radius) return s;
  let lo = -10;
  let hi = 6;
  s = boxedStep(r, jac, y, base * 10 ** hi);
  for (let it = 0; it < 40; it++) {
    const mid = 0.5 * (lo + hi);
    const t = boxedStep(r, jac, y, base * 10 ** mid);
    if (norm(t) <= radius) {
      hi = mid;
      s = t;
    } else lo = mid;
    if (hi - lo < 0.02) break;
  }
  return s;
}

function modelValue(r: Float64Array, jac: readonly Float64Array[], s: Float64Array): number {
  let f = 0;
  for (let i = 0; i < r.length; i++) {
    let v = r[i];
    for (let j = 0; j < jac.length; j++) v += jac[j][i] * s[j];
    f += v * v;
  }
  return f;
}

export async function minimiseSumOfSquares(residual: ResidualFunction, options: BoxLeastSquaresOptions): Promise<LeastSquaresResult> {
  const p = options.start.length;
  const lower = Float64Array.from(options.lower);
  const upper = Float64Array.from(options.upper);
  const range = Float64Array.from(upper, (u, j) => u - lower[j]);
  for (let j = 0; j < p; j++) {
    if (!(range[j] > 0)) throw new Error(`least squares: coordinate ${j} has an empty range [${lower[j]}, ${upper[j]}]`);
    if (options.start[j] < lower[j] || options.start[j] > upper[j]) throw new Error(`least squares: start ${options.start[j]} of coordinate ${j} lies outside [${lower[j]}, ${upper[j]}]`);
  }
  const h = options.differenceStep ?? 0.1;
  const minRadius = options.minRadius ?? 0.01;
  let radius = options.initialRadius ?? 0.25;
  const toX = (y: Float64Array): Float64Array => Float64Array.from(y, (v, j) => lower[j] + Math.min(1, Math.max(0, v)) * range[j]);
  const history: EvaluationRecord[] = [];
  let best = Infinity;
  /** Evaluates at y; for a step, `reference` and `predicted` give its ratio of actual to predicted reduction. */
  const evaluate = async (y: Float64Array, kind: EvaluationKind, reference = Number.NaN, predicted = Number.NaN): Promise<{ r: Float64Array; f: number }> => {
    const t0 = performance.now();
    const x = toX(y);
    const r = await residual(x);
    const f = sumSquares(r);
    const ok = Number.isFinite(f);
    if (ok && f < best) best = f;
    const ratio = predicted > 0 ? ((reference - (ok ? f : Infinity)) / predicted) : Number.NaN;
    const rec: EvaluationRecord = { index: history.length, kind, x, f: ok ? f : Infinity, best, radius, ratio, seconds: (performance.now() - t0) / 1000 };
    history.push(rec);
    options.onEvaluation?.(rec);
    return { r, f: ok ? f : Infinity };
  };
  let y = Float64Array.from(options.start, (v, j) => (v - lower[j]) / range[j]);
  let { r, f } = await evaluate(y, "start");
  if (!Number.isFinite(f)) throw new Error("least squares: the objective is not finite at the start");
  const fStart = f;
  let jac: Float64Array[] = [];
  /** Forward differences at y; moves to a probe that beats the centre (the model stays centred there). */
  const probe = async (step: number): Promise<boolean> => {
    const cols: Float64Array[] = [];
    let bestProbe = -1;
    let bestF = f;
    let bestR = r;
    for (let j = 0; j < p; j++) {
      if (history.length >= options.maxEvaluations) return false;
      const hj = y[j] + step <= 1 ? step : -step;
      const yj = Float64Array.from(y);
      yj[j] += hj;
      const e = await evaluate(yj, "probe");
      const col = new Float64Array(r.length);
      if (Number.isFinite(e.f)) for (let i = 0; i < r.length; i++) col[i] = (e.r[i] - r[i]) / hj;
      cols.push(col);
      if (e.f < bestF) {
        bestF = e.f;
        bestProbe = j;
        bestR = e.r;
      }
    }
    jac = cols;
    if (bestProbe >= 0) {
      // Move the centre to the best probe; the linear model there: r_probe + J (s - h e_j).
      y[bestProbe] += y[bestProbe] + step <= 1 ? step : -step;
      r = bestR;
      f = bestF;
    }
    return true;
  };
  let stopReason = "evaluation budget used";
  let restarts = 0;
  if (await probe(h)) {
    while (history.length < options.maxEvaluations) {
      if (radius < minRadius) {
        if (restarts >= 1 || history.length + p + 1 > options.maxEvaluations) {
          stopReason = `trust region below ${minRadius}`;
          break;
        }
        restarts++;
        radius = Math.max(4 * minRadius, 0.1);
        if (!(await probe(Math.max(0.5 * h, 2 * minRadius)))) break;
        continue;
      }
      const s = trustRegionStep(r, jac, y, radius);
      const sn = norm(s);
      if (sn < 1e-9) {
        radius = 0.5 * radius;
        continue;
      }
      const predicted = f - modelValue(r, jac, s);
      const yNew = Float64Array.from(y, (v, j) => Math.min(1, Math.max(0, v + s[j])));
      const e = await evaluate(yNew, "step", f, predicted);
      const ratio = predicted > 0 ? (f - e.f) / predicted : -Infinity;
      if (Number.isFinite(e.f)) {
        // Broyden: J <- J + (r_new - r - J s) s' / (s's).
        const ss = sn * sn;
        for (let i = 0; i < r.length; i++) {
          let js = 0;
          for (let j = 0; j < p; j++) js += jac[j][i] * s[j];
          const d = (e.r[i] - r[i] - js) / ss;
          for (let j = 0; j < p; j++) jac[j][i] += d * s[j];
        }
      }
      if (e.f < f) {
        y = yNew;
        r = e.r;
        f = e.f;
      }
      if (ratio >= 0.7 && sn >= 0.9 * radius) radius = Math.min(2 * radius, 1);
      else if (ratio < 0.1) radius = 0.5 * radius;
    }
  }
  return { x: toX(y), f, residuals: r, fStart, evaluations: history.length, history, stopReason };
}
