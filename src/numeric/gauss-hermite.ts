/**
 * Gauss-Hermite quadrature: n nodes t_k and weights w_k with
 *
 *   integral of exp(-t^2) f(t) dt over the real line  ~  sum_k w_k f(t_k),
 *
 * exact for polynomials f of degree up to 2n - 1. For a normal expectation, with Z ~ N(0, 1),
 *
 *   E[f(mu + s Z)] ~ sum_k (w_k / sqrt(pi)) f(mu + sqrt(2) s t_k),
 *
 * which normalExpectationRule returns directly (the weights sum to 1).
 *
 * The nodes are the roots of the physicists' Hermite polynomial H_n, found by Newton's method on the
 * orthonormal recurrence
 *
 *   p_0 = pi^(-1/4),  p_1 = sqrt(2) t p_0,  p_j = t sqrt(2/j) p_{j-1} - sqrt((j-1)/j) p_{j-2},
 *
 * with p_n'(t) = sqrt(2n) p_{n-1}(t) and w_k = 2 / p_n'(t_k)^2 (the classical algorithm, Golub-Welsch
 * in another form), starting from the asymptotic guesses for the largest roots and stepping inwards;
 * the roots are symmetric, so only half are computed. Accurate to rounding for n up to 150 (beyond,
 * p_0 = pi^(-1/4) underflows on the way to the largest roots).
 */

export interface QuadratureRule {
  readonly nodes: Float64Array;
  readonly weights: Float64Array;
}

const cache = new Map<number, QuadratureRule>();

/** The n-point Gauss-Hermite rule for the weight exp(-t^2) (nodes ascending). */
export function gaussHermite(n: number): QuadratureRule {
  if (!Number.isInteger(n) || n < 1 || n > 150) throw new Error(`gaussHermite: n must be a whole number from 1 to 150, got ${n}`);
  const known = cache.get(n);
  if (known) return known;
  const nodes = new Float64Array(n);
  const weights = new Float64Array(n);
  const m = Math.floor((n + 1) / 2);
  const pim4 = Math.pow(Math.PI, -0.25);
  let z = 0;
  for (let i = 0; i < m; i++) {
    // Initial guesses (Numerical Recipes' gauher): the largest root, then steps inwards.
    if (i === 0) z = Math.sqrt(2 * n + 1) - 1.85575 * Math.pow(2 * n + 1, -0.16667);
    else if (i === 1) z -= (1.14 * Math.pow(n, 0.426)) / z;
    else if (i === 2) z = 1.86 * z - 0.86 * nodes[n - 1];
    else if (i === 3) z = 1.91 * z - 0.91 * nodes[n - 2];
    else z = 2 * z - nodes[n - 1 - (i - 2)];
    let pp = 0;
    for (let iteration = 0; iteration < 100; iteration++) {
      let p1 = pim4;
      let p2 = 0;
      for (let j = 1; j <= n; j++) {
        const p3 = p2;
        p2 = p1;
        p1 = z * Math.sqrt(2 / j) * p2 - Math.sqrt((j - 1) / j) * p3;
      }
      pp = Math.sqrt(2 * n) * p2;
      const step = p1 / pp;
      z -= step;
      if (Math.abs(step) <= 1e-15 * Math.max(1, Math.abs(z))) break;
    }
    nodes[n - 1 - i] = z;
    nodes[i] = -z;
    weights[n - 1 - i] = 2 / (pp * pp);
    weights[i] = weights[n - 1 - i];
  }
  if (n % 2 === 1) nodes[m - 1] = 0;
  const rule = { nodes, weights };
  cache.set(n, rule);
  return rule;
}

/** The rule for E[f(Z)], Z ~ N(0, 1): E ~ sum_k weights[k] f(nodes[k]) with nodes sqrt(2) t_k, weights w_k / sqrt(pi). */
export function normalExpectationRule(n: number): QuadratureRule {
  const { nodes, weights } = gaussHermite(n);
  return {
    nodes: Float64Array.from(nodes, (t) => Math.SQRT2 * t),
    weights: Float64Array.from(weights, (w) => w / Math.sqrt(Math.PI)),
  };
}
