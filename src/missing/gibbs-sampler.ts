/**
 * Gibbs sampler for the posterior of the three-level normal model of nested-normal.ts, given the rows
 * whose response is observed. Because the response is the only incomplete variable and every covariate
 * is observed, this is the same posterior that jomo's data-augmentation sampler (jomo1ran) converges to:
 * rows with a missing response carry no information about the parameters under MAR and are left out of
 * the likelihood instead of being imputed inside the chain.
 *
 * Priors (jomo 2.7's defaults, so the small-case reference of scripts/r/make-missing-fixtures.R is
 * the same model):
 *   alpha flat;
 *   Psi ~ inverse-Wishart with k degrees of freedom and scale P_u (default I_k);
 *   sigma^2: p(1/sigma^2) proportional to (1/sigma^2)^(-3/2) exp(-S_e / (2 sigma^2)), S_e = 1;
 *   tau^2 (institution): inverse-Wishart with 1 degree of freedom and scale S_v = 1 (the k = 1 analogue).
 *
 * One iteration:
 *   1. (u, v, alpha) | sigma^2, Psi, tau^2, y  in one block: with C = [Z_loc Z_inst X], G = blockdiag(Psi, tau^2),
 *        M = C'C + sigma^2 G^-1,   theta ~ N(M^-1 C'y, sigma^2 M^-1),
 *      drawn as theta = L^-T (L^-1 C'y + sigma eps) with M = L L' factored block by block in the order
 *      [locations | institutions | alpha] (nested, so L has the same sparsity as M):
 *        L_l   = chol(Z_l'Z_l + sigma^2 Psi^-1)                             k x k per location
 *        e_l   = L_l^-1 Z_l'1,   F_l = L_l^-1 Z_l'X                          rows of the institution and alpha
 *        lam_s = sqrt(n_s + sigma^2 / tau^2 - sum_{l in s} e_l'e_l)
 *        g_s   = (1'X_s - sum_{l in s} F_l'e_l) / lam_s
 *        L_a   = chol(X'X - sum_l F_l'F_l - sum_s g_s g_s')                  p x p
 *      Drawing all location effects, institution effects and fixed effects jointly avoids the slow
 *      mixing of one-at-a-time Gibbs between an intercept and the mean of the random intercepts.
 *   2. Rescaling moves (parameter expansion as a generalised Gibbs step, Liu & Sabatti 2000): for each
 *      location column t, scale u_{.t} by c and Psi's row and column t by c, c drawn from
 *        p(c) ~ pi(u', Psi', ...) |J| dc / c,  |J| = c^(L + k + 1),
 *      which works out to log p(c) = -(Q2 c^2 - 2 Q1 c) / (2 sigma^2) - (nu0 + 1) log c - a2 / (2 c^2) - a1 / (2 c)
 *      with Q2 = sum_l u_lt^2 (Z_l'Z_l)_tt, Q1 = sum_l u_lt z_t'(partial residual), nu0 = k the prior's
 *      degrees of freedom and a2, a1 from the prior scale (drawn by slice sampling on log c); the same
 *      for the institution effects and tau^2. When a variance is near zero the plain Gibbs chain for it
 *      creeps (each draw of the effects is shrunk by the last variance, and the variance by the effects);
 *      the rescaling moves both together and leaves the posterior unchanged.
 *   3. sigma^2 | theta ~ inverse-gamma((n - 1) / 2, (RSS + S_e) / 2), RSS from the cross products.
 *   4. Psi | u ~ IW(L + k, sum_l u_l u_l' + P_u).
 *   5. tau^2 | v ~ inverse-gamma((S + 1) / 2, (sum_s v_s^2 + S_v) / 2).
 * A step allocates only the k x k inverses; everything else lives in buffers made once.
 */
import { choleskyInPlace, invertSpd, solveSpd } from "../numeric/dense";
import type { NestedNormalStatistics } from "./nested-normal";
import { inverseGammaDraw, inverseWishartDraw, type RandomSource } from "./random-draws";
import { sliceStep } from "./slice-sampler";

export interface NestedNormalPrior {
  /** S_e of the residual variance's prior (jomo's l1cov.prior for one variable; default 1). */
  readonly residualScale?: number;
  /** P_u, k x k row-major, of the location covariance's inverse-Wishart prior (jomo's l2cov.prior; default I). */
  readonly locationScale?: Float64Array;
  /** S_v of the institution variance's prior (default 1). */
  readonly institutionScale?: number;
}

export interface NestedNormalSamplerOptions {
  /** The rescaling moves of step 2 (default true; false gives the plain Gibbs sampler). */
  readonly rescale?: boolean;
}

/** Where the chain starts (default: least squares for alpha, zero effects, variances from the OLS residual). */
export interface NestedNormalStart {
  readonly alpha?: Float64Array;
  readonly sigma2?: number;
  readonly psi?: Float64Array;
  readonly tau2?: number;
}

export class NestedNormalGibbs {
  readonly alpha: Float64Array;
  /** Location effects, nLocations x k. */
  readonly u: Float64Array;
  /** Institution effects. */
  readonly v: Float64Array;
  sigma2: number;
  /** k x k location covariance. */
  psi: Float64Array;
  tau2: number;
  /** Iterations done. */
  iterations = 0;

  private readonly residualScale: number;
  private readonly locationScale: Float64Array;
  private readonly institutionScale: number;
  // Buffers of the block factorisation.
  private readonly lLoc: Float64Array;
  private readonly e: Float64Array;
  private readonly f: Float64Array;
  private readonly xLoc: Float64Array;
  private readonly lam: Float64Array;
  private readonly g: Float64Array;
  private readonly xInst: Float64Array;
  private readonly aAlpha: Float64Array;
  private readonly xAlpha: Float64Array;
  private readonly work: Float64Array;

  private readonly rescale: boolean;

  constructor(
    readonly stats: NestedNormalStatistics,
    private readonly rng: RandomSource,
    prior: NestedNormalPrior = {},
    start: NestedNormalStart = {},
    options: NestedNormalSamplerOptions = {},
  ) {
    this.rescale = options.rescale ?? true;
    const { p, k, nLocations: L, nInstitutions: S } = stats;
    this.residualScale = prior.residualScale ?? 1;
    this.institutionScale = prior.institutionScale ?? 1;
    const ident = new Float64Array(k * k);
    for (let t = 0; t < k; t++) ident[t * k + t] = 1;
    this.locationScale = prior.locationScale ?? ident;
    if (this.locationScale.length !== k * k) throw new Error(`nested normal prior: location scale must be ${k} x ${k}`);
    if (!(this.residualScale > 0) || !(this.institutionScale > 0)) throw new Error("nested normal prior: scales must be positive");
    if (stats.n <= p) throw new Error(`nested normal model: ${stats.n} observed rows for ${p} fixed effects`);

    this.alpha = new Float64Array(p);
    this.u = new Float64Array(L * k);
    this.v = new Float64Array(S);
    this.lLoc = new Float64Array(L * k * k);
    this.e = new Float64Array(L * k);
    this.f = new Float64Array(L * k * p);
    this.xLoc = new Float64Array(L * k);
    this.lam = new Float64Array(S);
    this.g = new Float64Array(S * p);
    this.xInst = new Float64Array(S);
    this.aAlpha = new Float64Array(p * p);
    this.xAlpha = new Float64Array(p);
    this.work = new Float64Array(Math.max(p, k));

    // Start: least squares without random effects.
    const ls = this.leastSquares();
    this.alpha.set(start.alpha ?? ls.alpha);
    this.sigma2 = start.sigma2 ?? ls.sigma2;
    this.psi = start.psi ?? Float64Array.from(ident, (d) => (d * ls.sigma2) / 10);
    this.tau2 = start.tau2 ?? ls.sigma2 / 10;
  }

  /** OLS of y on X from the cross products (the chain's default start); throws if X'X is singular. */
  leastSquares(): { alpha: Float64Array; sigma2: number } {
    const { p, xtx, xty, yty, n } = this.stats;
    const alpha = solveSpd(xtx, p, xty);
    if (alpha === null) {
      throw new Error(`imputation model: the fixed effects are not identified on the ${n} rows with an observed value (X'X is singular; a factor level or column without observed rows?)`);
    }
    let fit = 0;
    for (let j = 0; j < p; j++) fit += alpha[j] * xty[j];
    const sigma2 = Math.max((yty - fit) / (n - p), 1e-12);
    return { alpha, sigma2 };
  }

  /** One sweep of the sampler (see the module comment). */
  step(): void {
    this.drawEffects();
    if (this.rescale) {
      for (let t = 0; t < this.stats.k; t++) this.rescaleLocationColumn(t);
      if (this.stats.nInstitutions > 0) this.rescaleInstitutions();
    }
    const rss = this.residualSumOfSquares();
    const { n, k, nLocations: L, nInstitutions: S } = this.stats;
    this.sigma2 = inverseGammaDraw(this.rng, (n - 1) / 2, (rss + this.residualScale) / 2);
    const su = Float64Array.from(this.locationScale);
    for (let l = 0; l < L; l++) {
      for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) su[a * k + b] += this.u[l * k + a] * this.u[l * k + b];
    }
    this.psi = inverseWishartDraw(this.rng, L + k, su, k);
    if (S > 0) {
      let sv = this.institutionScale;
      for (let s = 0; s < S; s++) sv += this.v[s] * this.v[s];
      this.tau2 = inverseGammaDraw(this.rng, (S + 1) / 2, sv / 2);
    }
    this.iterations++;
  }

  /**
   * Step 1 alone: (u, v, alpha) jointly from their normal full conditional given the current sigma^2,
   * Psi and tau^2 (a stage of `step`, callable on its own to look at the conditional).
   */
  drawEffects(): void {
    const st = this.stats;
    const { p, k, nLocations: L, nInstitutions: S } = st;
    const { lLoc, e, f, xLoc, lam, g, xInst, aAlpha, xAlpha, work, u, v, alpha, rng } = this;
    const sigma2 = this.sigma2;
    const sd = Math.sqrt(sigma2);
    const psiInv = invertSpd(this.psi, k);
    if (psiInv === null) throw new Error("nested normal sampler: the location covariance is not positive definite");

    aAlpha.set(st.xtx);
    xAlpha.set(st.xty);
    // Locations: L_l, e_l, F_l, x_l = L_l^-1 Z_l'y; subtract F_l'F_l and F_l'x_l from the alpha block.
    for (let l = 0; l < L; l++) {
      const off = l * k * k;
      for (let t = 0; t < k * k; t++) lLoc[off + t] = st.ztz[off + t] + sigma2 * psiInv[t];
      if (!choleskyInPlace(lLoc, k, off)) throw new Error(`nested normal sampler: block of location ${l} is not positive definite`);
      forwardSolve(lLoc, off, k, st.zt1, l * k, e, l * k);
      forwardSolve(lLoc, off, k, st.zty, l * k, xLoc, l * k);
      for (let j = 0; j < p; j++) {
        // Column j of Z_l'X, solved: F_l[:, j] = L_l^-1 Z_l'X[:, j].
        for (let t = 0; t < k; t++) {
          let s = st.ztx[(l * k + t) * p + j];
          for (let c = 0; c < t; c++) s -= lLoc[off + t * k + c] * f[(l * k + c) * p + j];
          f[(l * k + t) * p + j] = s / lLoc[off + t * k + t];
        }
      }
      for (let t = 0; t < k; t++) {
        const row = (l * k + t) * p;
        const xt = xLoc[l * k + t];
        for (let a = 0; a < p; a++) xAlpha[a] -= f[row + a] * xt;
      }
      if (k === 2) {
        // Both rows of F_l in one pass over the lower triangle (the common case: intercept and slope).
        const r0 = l * 2 * p;
        const r1 = r0 + p;
        for (let a = 0; a < p; a++) {
          const f0 = f[r0 + a];
          const f1 = f[r1 + a];
          const base = a * p;
          for (let b = 0; b <= a; b++) aAlpha[base + b] -= f0 * f[r0 + b] + f1 * f[r1 + b];
        }
      } else {
        for (let t = 0; t < k; t++) {
          const row = (l * k + t) * p;
          for (let a = 0; a < p; a++) {
            const fa = f[row + a];
            const base = a * p;
            for (let b = 0; b <= a; b++) aAlpha[base + b] -= fa * f[row + b];
          }
        }
      }
    }
    // Institutions: lam_s, g_s, x_s; subtract g_s g_s' and g_s x_s.
    for (let s = 0; s < S; s++) {
      let d = st.instN[s] + sigma2 / this.tau2;
      let xs = st.instY[s];
      const gRow = s * p;
      for (let j = 0; j < p; j++) g[gRow + j] = st.instX[gRow + j];
      for (let q = st.instStart[s]; q < st.instStart[s + 1]; q++) {
        const l = st.locationsOf[q];
        for (let t = 0; t < k; t++) {
          const et = e[l * k + t];
          d -= et * et;
          xs -= et * xLoc[l * k + t];
          const row = (l * k + t) * p;
          for (let j = 0; j < p; j++) g[gRow + j] -= f[row + j] * et;
        }
      }
      if (!(d > 0)) throw new Error(`nested normal sampler: block of institution ${s} is not positive definite`);
      const ls = Math.sqrt(d);
      lam[s] = ls;
      xs /= ls;
      xInst[s] = xs;
      for (let j = 0; j < p; j++) g[gRow + j] /= ls;
      for (let a = 0; a < p; a++) {
        const ga = g[gRow + a];
        if (ga === 0) continue;
        xAlpha[a] -= ga * xs;
        for (let b = 0; b <= a; b++) aAlpha[a * p + b] -= ga * g[gRow + b];
      }
    }
    if (!choleskyInPlace(aAlpha, p)) throw new Error("nested normal sampler: the fixed-effects block is not positive definite (collinear covariates among the observed rows?)");
    // Forward solve for alpha's part, add the noise, then solve back: alpha, v, u.
    for (let a = 0; a < p; a++) {
      let s = xAlpha[a];
      for (let b = 0; b < a; b++) s -= aAlpha[a * p + b] * xAlpha[b];
      xAlpha[a] = s / aAlpha[a * p + a];
    }
    for (let a = 0; a < p; a++) xAlpha[a] += sd * rng.normal();
    for (let s = 0; s < S; s++) xInst[s] += sd * rng.normal();
    for (let q = 0; q < L * k; q++) xLoc[q] += sd * rng.normal();
    for (let a = p - 1; a >= 0; a--) {
      let s = xAlpha[a];
      for (let b = a + 1; b < p; b++) s -= aAlpha[b * p + a] * alpha[b];
      alpha[a] = s / aAlpha[a * p + a];
    }
    for (let s = 0; s < S; s++) {
      let t = xInst[s];
      const gRow = s * p;
      for (let j = 0; j < p; j++) t -= g[gRow + j] * alpha[j];
      v[s] = t / lam[s];
    }
    const of = st.ofLocation;
    for (let l = 0; l < L; l++) {
      const vs = of === null ? 0 : v[of[l]];
      for (let t = 0; t < k; t++) {
        let s = xLoc[l * k + t] - e[l * k + t] * vs;
        const row = (l * k + t) * p;
        for (let j = 0; j < p; j++) s -= f[row + j] * alpha[j];
        work[t] = s;
      }
      // u_l = L_l^-T work.
      const off = l * k * k;
      for (let t = k - 1; t >= 0; t--) {
        let s = work[t];
        for (let c = t + 1; c < k; c++) s -= lLoc[off + c * k + t] * u[l * k + c];
        u[l * k + t] = s / lLoc[off + t * k + t];
      }
    }
  }

  /** A draw of log c from log p(c) (module comment, step 2), c = 1 the current state. */
  private drawScale(q1: number, q2: number, nu0: number, a1: number, a2: number): number {
    if (!(q2 > 0)) return 1;
    const s2 = this.sigma2;
    // In s = log c (the Haar measure dc / c becomes ds):
    const f = (s: number): number => {
      const c = Math.exp(s);
      return -(q2 * c * c - 2 * q1 * c) / (2 * s2) - nu0 * s - a2 / (2 * c * c) - a1 / (2 * c);
    };
    // Width from the curvature at s = 0: -f''(0) = (4 q2 - 2 q1) / (2 sigma^2) + 2 a2 + a1 / 2.
    const curvature = (4 * q2 - 2 * q1) / (2 * s2) + 2 * a2 + a1 / 2;
    const w = curvature > 0 ? 2 / Math.sqrt(curvature) : 1;
    return Math.exp(sliceStep(this.rng, f, 0, w));
  }

  /** Step 2 for location column t: u_{.t} <- c u_{.t}, Psi's row and column t times c. */
  private rescaleLocationColumn(t: number): void {
    const st = this.stats;
    const { p, k, nLocations: L } = st;
    const { u, v, alpha } = this;
    let q1 = 0;
    let q2 = 0;
    for (let l = 0; l < L; l++) {
      const ut = u[l * k + t];
      if (ut === 0) continue;
      const row = (l * k + t) * p;
      let partial = st.zty[l * k + t];
      for (let j = 0; j < p; j++) partial -= st.ztx[row + j] * alpha[j];
      for (let j = 0; j < k; j++) if (j !== t) partial -= st.ztz[(l * k + t) * k + j] * u[l * k + j];
      if (st.ofLocation !== null) partial -= st.zt1[l * k + t] * v[st.ofLocation[l]];
      q1 += ut * partial;
      q2 += ut * ut * st.ztz[(l * k + t) * k + t];
    }
    const precision = invertSpd(this.psi, k);
    if (precision === null) throw new Error("nested normal sampler: the location covariance is not positive definite");
    const scale = this.locationScale;
    const a2 = scale[t * k + t] * precision[t * k + t];
    let a1 = 0;
    for (let j = 0; j < k; j++) if (j !== t) a1 += 2 * scale[t * k + j] * precision[j * k + t];
    const c = this.drawScale(q1, q2, k, a1, a2);
    for (let l = 0; l < L; l++) u[l * k + t] *= c;
    const psi = Float64Array.from(this.psi);
    for (let j = 0; j < k; j++) {
      psi[t * k + j] *= c;
      psi[j * k + t] *= c;
    }
    this.psi = psi;
  }

  /** Step 2 for the institution effects: v <- c v, tau^2 <- c^2 tau^2. */
  private rescaleInstitutions(): void {
    const st = this.stats;
    const { p, k, nInstitutions: S } = st;
    const { u, v, alpha } = this;
    let q1 = 0;
    let q2 = 0;
    for (let s = 0; s < S; s++) {
      const vs = v[s];
      if (vs === 0) continue;
      let partial = st.instY[s];
      for (let j = 0; j < p; j++) partial -= st.instX[s * p + j] * alpha[j];
      for (let q = st.instStart[s]; q < st.instStart[s + 1]; q++) {
        const l = st.locationsOf[q];
        for (let t = 0; t < k; t++) partial -= st.zt1[l * k + t] * u[l * k + t];
      }
      q1 += vs * partial;
      q2 += vs * vs * st.instN[s];
    }
    const c = this.drawScale(q1, q2, 1, 0, this.institutionScale / this.tau2);
    for (let s = 0; s < S; s++) v[s] *= c;
    this.tau2 *= c * c;
  }

  /** ||y - X alpha - Z u - v||^2 from the cross products. */
  residualSumOfSquares(): number {
    const st = this.stats;
    const { p, k, nLocations: L, nInstitutions: S } = st;
    const { alpha, u, v } = this;
    let quad = 0;
    let cross = 0;
    for (let a = 0; a < p; a++) {
      let row = 0;
      for (let b = 0; b < p; b++) row += st.xtx[a * p + b] * alpha[b];
      quad += alpha[a] * row;
      cross += alpha[a] * st.xty[a];
    }
    for (let l = 0; l < L; l++) {
      const vs = st.ofLocation === null ? 0 : v[st.ofLocation[l]];
      for (let t = 0; t < k; t++) {
        const ut = u[l * k + t];
        if (ut === 0) continue;
        let zz = 0;
        for (let c = 0; c < k; c++) zz += st.ztz[(l * k + t) * k + c] * u[l * k + c];
        let zx = 0;
        const row = (l * k + t) * p;
        for (let j = 0; j < p; j++) zx += st.ztx[row + j] * alpha[j];
        quad += ut * zz + 2 * ut * zx + 2 * ut * st.zt1[l * k + t] * vs;
        cross += ut * st.zty[l * k + t];
      }
    }
    for (let s = 0; s < S; s++) {
      const vs = v[s];
      let xa = 0;
      for (let j = 0; j < p; j++) xa += st.instX[s * p + j] * alpha[j];
      quad += st.instN[s] * vs * vs + 2 * vs * xa;
      cross += vs * st.instY[s];
    }
    const rss = st.yty - 2 * cross + quad;
    // Cancellation can only lose a few digits relative to y'y; a negative value means something is wrong.
    if (!(rss > -1e-8 * st.yty)) throw new Error(`nested normal sampler: residual sum of squares ${rss} is negative`);
    return Math.max(rss, 1e-12 * st.yty);
  }
}

/** b[boff..] <- L^-1 b for the k x k lower factor at l[off..] (writes into out[ooff..]). */
function forwardSolve(l: Float64Array, off: number, k: number, b: Float64Array, boff: number, out: Float64Array, ooff: number): void {
  for (let t = 0; t < k; t++) {
    let s = b[boff + t];
    for (let c = 0; c < t; c++) s -= l[off + t * k + c] * out[ooff + c];
    out[ooff + t] = s / l[off + t * k + t];
  }
}
