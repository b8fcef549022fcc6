/**
 * The Laplace deviance of a binomial-logit GLMM, as lme4's glmer (nAGQ = 1) defines it:
 *
 *   d(beta, theta) = -2 sum_i log p(y_i | u_hat) + ||u_hat||^2 + log det(A),
 *   A = Lambda' Z' W Z Lambda + I  at the conditional mode u_hat,
 *
 * with p(y_i | u) = C(m_i, y_i) mu_i^y_i (1 - mu_i)^(m_i - y_i), mu_i = logistic(eta_i),
 * eta = o + X beta + Z Lambda u (o a known offset, 0 by default) and W = diag(m_i mu_i (1 - mu_i)). For 0/1 rows C = 1 and the first sum is
 * the sum of binomial deviance residuals; for aggregated rows lme4 uses the same -2 log dbinom (its
 * family's aic()), so logLik = -d / 2 equals glmer's logLik.
 *
 * u_hat minimises the penalised deviance PD(u) = -2 sum_i log p(y_i | u) + ||u||^2 for fixed (beta,
 * theta); pirls() finds it by Newton's method (penalised IRLS): the step delta solves
 *
 *   A delta = Lambda' Z' (y - m mu) - u,
 *
 * halving the step while PD increases, until the Newton decrement delta' A delta (the predicted
 * decrease of PD) is below a tolerance, 1e-20 by default (control.ts: pirls.tolerance) -- far tighter
 * than lme4's relative change of 1e-7. PD is stationary
 * at u_hat but log det(A) is not, so an error e in u moves d by O(e) = O(sqrt(decrement)); the exact
 * gradient (gradient.ts) needs u to be the mode to ~1e-10. (Gradients that are only differenced for
 * a Hessian use 1e-13: an error of ~3e-7 in u changes a Hessian entry by ~1e-4 relative.) Every pass over the rows is O(n), allocates
 * nothing and runs on two threads (row-engine.ts, row-kernels.ts); A is assembled from Z'WZ
 * accumulated in z-space and factorised by blocked-cholesky.ts.
 */
import type { GlmmDesign } from "../model/types";
import { BlockedCholesky } from "./blocked-cholesky";
import { fillLambda, lambdaTimes, lambdaTransposeTimes } from "./lambda";
import type { RandomEffectsLayout } from "./structure";
import { packRows, type PackedRows } from "./packed-rows";
import { RowEngine, type RowEngineOptions } from "./row-engine";
import { Kernel } from "./row-kernels";
import { logChoose } from "../numeric/special-functions";
import { DEFAULT_CONTROL, type GlmmControl } from "./control";

/** The PIRLS limits and tolerances of the control (control.ts, group pirls). */
export type PirlsSettings = GlmmControl["pirls"];

export interface LaplaceModelOptions extends RowEngineOptions {
  /** A known offset o in the linear predictor, eta = o + X beta + Z b (length nobs). */
  readonly offset?: ArrayLike<number> | null;
}

export interface PirlsResult {
  readonly converged: boolean;
  readonly iterations: number;
  readonly halvings: number;
}

export class LaplaceModel {
  readonly n: number;
  readonly p: number;
  /** Successes and trials per row. */
  readonly y: Float64Array;
  readonly m: Float64Array;
  /** sum_i log C(m_i, y_i): 0 for 0/1 rows. */
  logBinomialConstant: number;
  /** Fixed-effect columns the optimiser works with (scaled, see scaling.ts), views of shared memory. */
  readonly x: readonly Float64Array[];
  /** The O(n) passes, on one or two threads. */
  readonly engine: RowEngine;
  readonly chol: BlockedCholesky;

  /** Current parameters. */
  readonly theta: Float64Array;
  readonly beta: Float64Array;
  /** Lambda_t per term, k_t x k_t row-major, concatenated (offset lambdaOffset[t]). */
  readonly lambda: Float64Array;
  readonly lambdaOffset: Int32Array;

  /** Per row: X beta, eta, mu. */
  readonly etaFixed: Float64Array;
  readonly eta: Float64Array;
  readonly mu: Float64Array;
  /** Spherical random effects u, b = Lambda u, and the last Newton step. */
  readonly u: Float64Array;
  readonly b: Float64Array;
  private readonly uOld: Float64Array;
  private readonly delta: Float64Array;
  /** Z row by row (packed-rows.ts). */
  readonly rows: PackedRows;
  /** Z'WZ in z-space (blocks as in structure.ts, one array kAll = k11 | kCross | k22) and Z'(y - m mu). */
  readonly kAll: Float64Array;
  readonly k11: Float64Array;
  readonly kCross: Float64Array;
  readonly k22: Float64Array;
  readonly zr: Float64Array;
  /** The assembled system A and right-hand side. */
  readonly a11: Float64Array;
  readonly aCross: Float64Array;
  readonly a22: Float64Array;
  readonly rhs: Float64Array;
  /** -2 sum log p(y | u) without the binomial constant, at the current u. */
  conditionalDeviance = 0;
  penalisedDeviance = 0;
  /** Which term and column within the term each dense column of A22 belongs to. */
  private readonly denseTerm: Int32Array;
  private readonly denseCol: Int32Array;
  pirlsIterationsTotal = 0;
  /** Number of passes over the rows so far (for benchmarks). */
  rowPasses = 0;

  constructor(
    readonly design: GlmmDesign,
    readonly layout: RandomEffectsLayout,
    x: readonly Float64Array[],
    options: LaplaceModelOptions = {},
  ) {
    const n = design.nobs;
    this.n = n;
    this.p = x.length;
    const L = layout;
    this.rows = packRows(L);
    let traceSize = 0;
    let vEntries = 0;
    for (const t of L.terms) {
      traceSize += t.k * t.k;
      vEntries += (t.k * (t.k + 1)) / 2;
    }
    this.engine = new RowEngine(
      {
        n,
        p: this.p,
        K: this.rows.K,
        nPairs: this.rows.nPairs,
        q: L.q,
        storageSize: this.rows.storage.size,
        traceSize,
        vEntries,
        traceEntries: vEntries,
        offset: options.offset != null,
      },
      this.rows,
      options,
    );
    const R = this.engine.rows;
    if (options.offset != null) {
      if (options.offset.length !== n) throw new Error(`glmm: the offset has ${options.offset.length} values, the design ${n} rows`);
      for (let i = 0; i < n; i++) {
        const o = options.offset[i];
        if (!Number.isFinite(o)) throw new Error(`glmm: offset value ${o} in row ${i + 1} is not a finite number`);
        R.offset[i] = o;
      }
    }
    for (let j = 0; j < this.p; j++) R.x.set(x[j], j * n);
    this.x = this.engine.context.columns;
    R.y.set(design.response.successes);
    R.m.set(design.response.trials);
    this.y = R.y;
    this.m = R.m;
    this.logBinomialConstant = this.checkResponse(design.response.name);
    this.chol = new BlockedCholesky(L);
    this.theta = new Float64Array(L.nTheta);
    this.beta = new Float64Array(this.p);
    this.lambdaOffset = new Int32Array(L.terms.length);
    let lo = 0;
    L.terms.forEach((t, i) => {
      this.lambdaOffset[i] = lo;
      lo += t.k * t.k;
    });
    this.lambda = new Float64Array(lo);
    this.etaFixed = R.etaFixed;
    this.eta = R.eta;
    this.mu = R.mu;
    this.u = new Float64Array(L.q);
    this.b = this.engine.inputs.b;
    this.uOld = new Float64Array(L.q);
    this.delta = new Float64Array(L.q);
    const st = this.rows.storage;
    this.kAll = new Float64Array(st.size);
    this.k11 = this.kAll.subarray(st.off11, st.offCross);
    this.kCross = this.kAll.subarray(st.offCross, st.off22);
    this.k22 = this.kAll.subarray(st.off22, st.size);
    this.zr = new Float64Array(L.q);
    this.a11 = new Float64Array(this.k11.length);
    this.aCross = new Float64Array(L.crossSize);
    this.a22 = new Float64Array(L.q2 * L.q2);
    this.rhs = new Float64Array(L.q);
    this.denseTerm = new Int32Array(L.q2);
    this.denseCol = new Int32Array(L.q2);
    for (let t = 1; t < L.terms.length; t++) {
      const term = L.terms[t];
      for (let l = 0; l < term.nLevels; l++) {
        for (let a = 0; a < term.k; a++) {
          this.denseTerm[term.denseOffset + l * term.k + a] = t;
          this.denseCol[term.denseOffset + l * term.k + a] = a;
        }
      }
    }
  }

  /** Checks every row's successes against its trials; returns sum_i log C(m_i, y_i). */
  private checkResponse(name: string): number {
    let c = 0;
    for (let i = 0; i < this.n; i++) {
      const yi = this.y[i];
      const mi = this.m[i];
      if (!(mi > 0) || !(yi >= 0) || yi > mi || !Number.isFinite(mi)) {
        throw new Error(`glmm: row ${i + 1} of the response "${name}" has ${yi} successes out of ${mi} trials`);
      }
      if (mi !== 1) c += logChoose(mi, yi);
    }
    return c;
  }

  /**
   * Replaces the successes of every row (the trials stay): the same design with another response, e.g.
   * a simulated one. The model starts afresh, as if just built: u = 0 and the next setParameters
   * recomputes o + X beta in full, so what follows does not depend on what came before.
   */
  setSuccesses(successes: ArrayLike<number>, name: string): void {
    if (successes.length !== this.n) throw new Error(`glmm: the response has ${successes.length} values, the design ${this.n} rows`);
    for (let i = 0; i < this.n; i++) this.y[i] = successes[i];
    this.logBinomialConstant = this.checkResponse(name);
    this.u.fill(0);
    this.fresh = true;
  }

  /** Set by setSuccesses: the next setParameters recomputes X beta in full. */
  private fresh = false;

  /** Sets theta and beta (scaled), recomputes Lambda and o + X beta. u is kept as the warm start. */
  setParameters(theta: ArrayLike<number>, beta: ArrayLike<number>): void {
    const L = this.layout;
    for (let t = 0; t < L.nTheta; t++) this.theta[t] = theta[t];
    L.terms.forEach((term, t) => fillLambda(this.theta, term.thetaOffset, term.k, this.lambda.subarray(this.lambdaOffset[t])));
    // X beta: recomputed in full when many coefficients changed, updated column by column
    // (o += (beta_j' - beta_j) x_j) when only a few did, as in the finite-difference Hessian.
    let nChanged = 0;
    for (let j = 0; j < this.p; j++) if (this.beta[j] !== beta[j]) nChanged++;
    const coef = this.engine.inputs.coef;
    if (this.pirlsIterationsTotal === 0 || nChanged > 2 || this.fresh) {
      this.fresh = false;
      for (let j = 0; j < this.p; j++) this.beta[j] = beta[j];
      coef.set(this.beta);
      this.engine.run(Kernel.LinearPredictor, 1);
    } else if (nChanged > 0) {
      for (let j = 0; j < this.p; j++) {
        coef[j] = beta[j] - this.beta[j];
        this.beta[j] = beta[j];
      }
      this.engine.run(Kernel.LinearPredictor, 0);
    }
  }

  /** b = Lambda u, level by level. */
  private updateB(): void {
    this.lambdaTimes(this.u, this.b);
  }

  /** out = Lambda v for a u-layout vector v (lambda.ts). */
  lambdaTimes(v: Float64Array, out: Float64Array): void {
    lambdaTimes(this.layout, this.lambda, this.lambdaOffset, v, out);
  }

  /** out = Lambda' v, v read as v[index * stride + column] (lambda.ts). */
  lambdaTransposeTimes(v: Float64Array, out: Float64Array, stride = 1, column = 0): void {
    lambdaTransposeTimes(this.layout, this.lambda, this.lambdaOffset, v, out, stride, column);
  }

  /**
   * One pass over the rows at the current u: eta, mu, the conditional deviance, and Z'WZ and
   * Z'(y - m mu) in z-space. Returns the penalised deviance.
   */
  evaluateRows(): number {
    this.updateB();
    this.rowPasses++;
    const engine = this.engine;
    engine.run(Kernel.Evaluate);
    const dev = engine.chunks[0].scalars[0] + engine.chunks[1].scalars[0];
    engine.sum((s) => s.kAll, this.kAll);
    engine.sum((s) => s.zr, this.zr);
    this.conditionalDeviance = dev;
    let uu = 0;
    for (let a = 0; a < this.u.length; a++) uu += this.u[a] * this.u[a];
    this.penalisedDeviance = dev + uu;
    return this.penalisedDeviance;
  }

  /** A = Lambda' K Lambda + I and rhs = Lambda' Z'r - u from the accumulated z-space blocks. */
  assembleSystem(): void {
    const L = this.layout;
    const t0 = L.terms[0];
    const k0 = t0.k;
    const q0 = L.q0;
    const q2 = L.q2;
    const { lambda, k11, kCross, k22, a11, aCross, a22, zr, rhs, u } = this;
    const lo0 = this.lambdaOffset[0];
    // A11_j = Lambda0' K11_j Lambda0 + I (K11 holds the lower triangle).
    for (let j = 0; j < t0.nLevels; j++) {
      const o = j * k0 * k0;
      for (let a = 0; a < k0; a++) {
        for (let c = 0; c <= a; c++) {
          let acc = 0;
          for (let r = a; r < k0; r++) {
            for (let s = c; s < k0; s++) {
              const kv = r >= s ? k11[o + r * k0 + s] : k11[o + s * k0 + r];
              acc += lambda[lo0 + r * k0 + a] * kv * lambda[lo0 + s * k0 + c];
            }
          }
          if (a === c) acc += 1;
          a11[o + a * k0 + c] = acc;
          a11[o + c * k0 + a] = acc;
        }
      }
      // rhs_j = Lambda0' zr_j - u_j
      for (let a = 0; a < k0; a++) {
        let acc = 0;
        for (let r = a; r < k0; r++) acc += lambda[lo0 + r * k0 + a] * zr[j * k0 + r];
        rhs[j * k0 + a] = acc - u[j * k0 + a];
      }
    }
    // Cross blocks: Lambda0' Kc Lambda_t.
    for (let s = 0; s < L.nSlots; s++) {
      const t = L.slotTerm[s];
      const kt = L.slotWidth[s];
      const vo = L.slotValueOffset[s];
      const lot = this.lambdaOffset[t];
      for (let a = 0; a < k0; a++) {
        for (let c = 0; c < kt; c++) {
          let acc = 0;
          for (let r = a; r < k0; r++) {
            for (let s2 = c; s2 < kt; s2++) acc += lambda[lo0 + r * k0 + a] * kCross[vo + r * kt + s2] * lambda[lot + s2 * kt + c];
          }
          aCross[vo + a * kt + c] = acc;
        }
      }
    }
    // Dense part, lower triangle: A22[r][c] = sum Lambda[r'][r] K22[r'][c'] Lambda[c'][c] + I.
    const { denseTerm, denseCol } = this;
    for (let row = 0; row < q2; row++) {
      const tr = denseTerm[row];
      const ar = denseCol[row];
      const kr = L.terms[tr].k;
      const baseR = row - ar;
      const lor = this.lambdaOffset[tr];
      for (let col = 0; col <= row; col++) {
        const tc = denseTerm[col];
        const ac = denseCol[col];
        const kc = L.terms[tc].k;
        const baseC = col - ac;
        const loc = this.lambdaOffset[tc];
        let acc = 0;
        for (let r2 = ar; r2 < kr; r2++) {
          const rr = baseR + r2;
          for (let c2 = ac; c2 < kc; c2++) {
            const cc = baseC + c2;
            const kv = rr >= cc ? k22[rr * q2 + cc] : k22[cc * q2 + rr];
            if (kv === 0) continue;
            acc += lambda[lor + r2 * kr + ar] * kv * lambda[loc + c2 * kc + ac];
          }
        }
        if (row === col) acc += 1;
        a22[row * q2 + col] = acc;
      }
      // rhs for the dense part.
      let acc = 0;
      for (let r2 = ar; r2 < kr; r2++) acc += lambda[lor + r2 * kr + ar] * zr[q0 + baseR + r2];
      rhs[q0 + row] = acc - u[q0 + row];
    }
  }

  /**
   * Penalised IRLS for u_hat at the current (theta, beta), warm-started from the current u, until the
   * Newton decrement is below `tolerance` (or below settings.stallDecrement after
   * settings.stallIterations iterations). On return the factor of A, mu, eta and the z-space sums all
   * belong to the returned u.
   */
  pirls(tolerance: number = DEFAULT_CONTROL.pirls.tolerance, settings: PirlsSettings = DEFAULT_CONTROL.pirls): PirlsResult {
    const { u, uOld, delta, rhs } = this;
    const maxIterations = settings.maxIterations;
    let pd = this.evaluateRows();
    let halvings = 0;
    for (let it = 0; it < maxIterations; it++) {
      this.assembleSystem();
      if (!this.chol.factor(this.a11, this.aCross, this.a22)) {
        throw new Error("glmm: Lambda'Z'WZLambda + I is not positive definite (numerical breakdown in PIRLS)");
      }
      this.chol.solve(rhs, delta);
      let dec = 0;
      for (let a = 0; a < u.length; a++) dec += delta[a] * rhs[a];
      this.pirlsIterationsTotal++;
      if (dec < tolerance || (dec < settings.stallDecrement && it >= settings.stallIterations)) return { converged: true, iterations: it, halvings };
      uOld.set(u);
      let step = 1;
      let pdNew = Number.POSITIVE_INFINITY;
      for (let h = 0; h < settings.maxHalvings; h++) {
        for (let a = 0; a < u.length; a++) u[a] = uOld[a] + step * delta[a];
        pdNew = this.evaluateRows();
        if (pdNew <= pd + settings.increaseRelative * Math.abs(pd) + settings.increaseAbsolute) break;
        step /= 2;
        halvings++;
      }
      pd = pdNew;
    }
    this.assembleSystem();
    this.chol.factor(this.a11, this.aCross, this.a22);
    return { converged: false, iterations: maxIterations, halvings };
  }

  /** The Laplace deviance at the current state (after pirls): PD + log det(A), without the constant. */
  laplaceDeviance(): number {
    return this.penalisedDeviance + this.chol.logDet;
  }

  /** Frees the worker's hold on this model's shared buffers (call when the fit is done). */
  release(): void {
    this.engine.release();
  }

  /** lme4's logLik: -d/2 plus sum log C(m, y). */
  logLik(): number {
    return -this.laplaceDeviance() / 2 + this.logBinomialConstant;
  }
}
