/**
 * A root of a continuous function in a bracket, by Brent's method (Brent 1973, "Algorithms for
 * Minimization without Derivatives", ch. 4; the algorithm of R's uniroot / zeroin): inverse quadratic
 * interpolation or a secant step when it stays inside the bracket and shrinks it fast enough,
 * bisection otherwise. It keeps a bracket [a, b] with f(a) f(b) <= 0 throughout, so the result is
 * within `tolerance` of a sign change of f even when f is not smooth.
 *
 *   const { root } = brentRoot((v) => zeta(v) - 1.96, 0.2, 0.9, { fa, fb, tolerance: 1e-6 });
 */

export interface RootOptions {
  /** f at the ends when already known (saves two evaluations). */
  readonly fa?: number;
  readonly fb?: number;
  /** Stop when the bracket is narrower than 2 tolerance (absolute, in x). */
  readonly tolerance?: number;
  /** Stop when |f| at the best point is at most this. */
  readonly fTolerance?: number;
  readonly maxIterations?: number;
}

export interface RootResult {
  readonly root: number;
  readonly value: number;
  readonly iterations: number;
  /** Evaluations of f (the known ends not counted). */
  readonly evaluations: number;
  readonly converged: boolean;
  /** The final bracket. */
  readonly bracket: readonly [number, number];
}

/** Brent's root of f in [a, b]; f(a) and f(b) must not have the same sign. */
export function brentRoot(f: (x: number) => number, a0: number, b0: number, options: RootOptions = {}): RootResult {
  const tolerance = options.tolerance ?? 1e-10;
  const fTolerance = options.fTolerance ?? 0;
  const maxIterations = options.maxIterations ?? 100;
  let evaluations = 0;
  const call = (x: number): number => {
    evaluations++;
    return f(x);
  };
  let a = a0;
  let b = b0;
  let fa = options.fa ?? call(a);
  let fb = options.fb ?? call(b);
  if (fa === 0) return { root: a, value: 0, iterations: 0, evaluations, converged: true, bracket: [a, a] };
  if (fb === 0) return { root: b, value: 0, iterations: 0, evaluations, converged: true, bracket: [b, b] };
  if (Math.sign(fa) === Math.sign(fb)) {
    throw new Error(`brentRoot: f(${a}) = ${fa} and f(${b}) = ${fb} have the same sign; no bracket`);
  }
  // b is the best estimate, a the previous one, c the other end of the bracket [b, c].
  let c = a;
  let fc = fa;
  let d = b - a;
  let e = d;
  for (let iteration = 1; iteration <= maxIterations; iteration++) {
    if (Math.sign(fb) === Math.sign(fc)) {
      c = a;
      fc = fa;
      d = b - a;
      e = d;
    }
    if (Math.abs(fc) < Math.abs(fb)) {
      a = b;
      b = c;
      c = a;
      fa = fb;
      fb = fc;
      fc = fa;
    }
    const tol = 2 * Number.EPSILON * Math.abs(b) + 0.5 * tolerance;
    const m = 0.5 * (c - b);
    if (Math.abs(m) <= tol || Math.abs(fb) <= fTolerance) {
      return { root: b, value: fb, iterations: iteration - 1, evaluations, converged: true, bracket: [Math.min(b, c), Math.max(b, c)] };
    }
    if (Math.abs(e) >= tol && Math.abs(fa) > Math.abs(fb)) {
      // Interpolation: secant when only two points are distinct, inverse quadratic otherwise.
      let p: number;
      let q: number;
      const s = fb / fa;
      if (a === c) {
        p = 2 * m * s;
        q = 1 - s;
      } else {
        const qa = fa / fc;
        const r = fb / fc;
        p = s * (2 * m * qa * (qa - r) - (b - a) * (r - 1));
        q = (qa - 1) * (r - 1) * (s - 1);
      }
      if (p > 0) q = -q;
      else p = -p;
      if (2 * p < Math.min(3 * m * q - Math.abs(tol * q), Math.abs(e * q))) {
        e = d;
        d = p / q;
      } else {
        d = m;
        e = m;
      }
    } else {
      d = m;
      e = m;
    }
    a = b;
    fa = fb;
    b += Math.abs(d) > tol ? d : m > 0 ? tol : -tol;
    fb = call(b);
  }
  return { root: b, value: fb, iterations: maxIterations, evaluations, converged: false, bracket: [Math.min(b, c), Math.max(b, c)] };
}
