/**
 * A response simulated from a fitted model, unconditionally, as lme4's simulate(fit) and bootMer(fit,
 * use.u = FALSE) draw it: new random effects for every level from the fitted covariance, then every
 * row's successes from the model,
 *
 *   b*_t[l] = Lambda_t u,  u ~ N(0, I_k)            (term t, level l; Sigma_t = Lambda_t Lambda_t')
 *   y*_i ~ Binomial(m_i, logistic(o_i + x_i' beta + sum_t z_ti' b*_t[l_t(i)]))
 *
 * with (theta, beta) and the offset o of the fit, the design's X, Z and trials m.
 *
 * The draws come from xoshiro128** (src/data/synthetic/prng.ts) seeded by (seed, replicate): replicate r
 * of seed s is the same data whoever draws it and whatever was drawn before, so a bootstrap of 100
 * replicates extended to 200 is the bootstrap of 200, and two threads may draw any replicates in any
 * order. The order of the draws: the terms in design order, each level's k normals (Box-Muller), then
 * the rows in order, m_i uniforms each (a binomial count as the sum of m_i Bernoulli draws).
 */
import type { GlmmFit } from "../glmm/types";
import { fillLambda, thetaLength } from "../glmm/lambda";
import { Xoshiro128 } from "../data/synthetic/prng";

/** The simulated successes of replicate `replicate` of `seed` (length nobs), written into `out` when given. */
export function simulateResponse(fit: GlmmFit, seed: number, replicate: number, out: Float64Array = new Float64Array(fit.nobs)): Float64Array {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new Error(`simulateResponse: the seed must be a whole number from 0 to 2^32 - 1, got ${seed}`);
  if (!Number.isInteger(replicate) || replicate < 0) throw new Error(`simulateResponse: the replicate must be a whole number >= 0, got ${replicate}`);
  const rng = new Xoshiro128(seed, replicate);
  const design = fit.design;
  const n = design.nobs;
  const eta = Float64Array.from(fit.etaFixed);
  let offset = 0;
  for (const term of design.random) {
    const k = term.terms.length;
    const lambda = new Float64Array(k * k);
    fillLambda(fit.theta, offset, k, lambda);
    offset += thetaLength(k);
    const levels = term.levels.length;
    const b = new Float64Array(levels * k);
    const u = new Float64Array(k);
    for (let l = 0; l < levels; l++) {
      for (let a = 0; a < k; a++) u[a] = rng.normal();
      for (let r = 0; r < k; r++) {
        let acc = 0;
        for (let c = 0; c <= r; c++) acc += lambda[r * k + c] * u[c];
        b[l * k + r] = acc;
      }
    }
    const index = term.index;
    for (let a = 0; a < k; a++) {
      const z = term.z[a];
      for (let i = 0; i < n; i++) eta[i] += z[i] * b[index[i] * k + a];
    }
  }
  const trials = design.response.trials;
  for (let i = 0; i < n; i++) {
    const mu = 1 / (1 + Math.exp(-eta[i]));
    const m = trials[i];
    let y = 0;
    for (let r = 0; r < m; r++) if (rng.uniform() < mu) y++;
    out[i] = y;
  }
  return out;
}
