/**
 * The exact gradient of the Laplace deviance d(theta, beta) (laplace.ts), at the cost of two more O(n)
 * passes and one more solve with the factor PIRLS already has.
 *
 * With r = y - m mu, W = m mu (1 - mu), W' = dW/deta = W (1 - 2 mu), v_i = Lambda' z_i (row i of
 * Z Lambda), and P = A^-1:
 *
 *  - PD(u_hat) needs only its partial derivatives (u_hat minimises it: envelope theorem);
 *  - log det(A) depends on phi directly through Lambda and through W(eta), and eta moves both directly
 *    and through u_hat(phi), whose derivative the implicit function theorem gives from
 *    G(u, phi) = u - Lambda' Z' r = 0:   du_hat/dphi = -P dG/dphi.
 *
 * Collecting terms with h_i = v_i' P v_i (so d log det A / dW_i = h_i), c_i = W'_i h_i,
 * w = P Lambda' Z' c, s_i = c_i - W_i (Z Lambda w)_i and e_i = s_i - 2 r_i:
 *
 *   dd/dbeta_j  = sum_i x_ij e_i
 *   dd/dtheta_k = e' Z dLambda_k u + r' Z dLambda_k w + 2 tr(P Lambda' Z'WZ dLambda_k),
 *
 * and, theta_k being entry (r, c) of Lambda_t, dLambda_k is E_rc in every level block of term t:
 *
 *   e' Z dLambda_k u = sum_l (Z'e)_{l,r} u_{l,c},   r' Z dLambda_k w = sum_l (Z'r)_{l,r} w_{l,c},
 *   tr(P Lambda' Z'WZ dLambda_k) = sum_i W_i z_{t,r}(i) (P v_i)_{t,c}.
 *
 * P v_i only needs the blocks of P on the pattern of A (the selected inverse of blocked-cholesky.ts).
 * The two passes over the rows are kernels of row-kernels.ts, run on two threads by row-engine.ts.
 */
import type { LaplaceModel } from "./laplace";
import { thetaPositions } from "./lambda";
import { Kernel } from "./row-kernels";

export class LaplaceGradient {
  private readonly zc: Float64Array;
  private readonly ze: Float64Array;
  private readonly w: Float64Array;
  private readonly trace: Float64Array;
  private readonly traceOffset: Int32Array;

  constructor(private readonly model: LaplaceModel) {
    const L = model.layout;
    this.zc = new Float64Array(L.q);
    this.ze = new Float64Array(L.q);
    this.w = new Float64Array(L.q);
    this.traceOffset = new Int32Array(L.terms.length);
    let to = 0;
    L.terms.forEach((t, i) => {
      this.traceOffset[i] = to;
      to += t.k * t.k;
    });
    this.trace = new Float64Array(to);
  }

  /**
   * Per packed column c (term t, column a): v_c = sum_{r >= a} Lambda_t[r][a] z_{t,r}, as a list of
   * (source column, coefficient); and the trace pairs (z column r, P v column cc, trace entry) for
   * r >= cc within each term. Written into the engine's shared pass inputs.
   */
  private writeMaps(): void {
    const { lambda, lambdaOffset } = this.model;
    const rows = this.model.rows;
    const L = this.model.layout;
    const { vFrom, vCoef, vStart, trRow, trCol, trIndex } = this.model.engine.inputs;
    let nv = 0;
    let nt = 0;
    vStart[0] = 0;
    for (let cc = 0; cc < rows.K; cc++) {
      const t = rows.colTerm[cc];
      const a = rows.colWithin[cc];
      const k = L.terms[t].k;
      for (let r = a; r < k; r++) {
        vFrom[nv] = rows.termStart[t] + r;
        vCoef[nv] = lambda[lambdaOffset[t] + r * k + a];
        nv++;
      }
      vStart[cc + 1] = nv;
      for (let cc2 = 0; cc2 <= a; cc2++) {
        trRow[nt] = cc;
        trCol[nt] = rows.termStart[t] + cc2;
        trIndex[nt] = this.traceOffset[t] + a * k + cc2;
        nt++;
      }
    }
  }

  /**
   * Writes dd/dtheta (first nTheta entries) and dd/dbeta (scaled beta, next p entries) into `out`.
   * The model must be at its PIRLS solution for the current parameters.
   */
  compute(out: Float64Array): void {
    const model = this.model;
    const L = model.layout;
    const T = L.terms.length;
    const chol = model.chol;
    const engine = model.engine;
    chol.selectedInverse();
    engine.inputs.pAll.set(chol.pAll);
    const { u, zr } = model;
    const { zc, ze, w, trace } = this;
    const bw = engine.inputs.bw;
    this.writeMaps();

    // Pass 1: v_i = Lambda' z_i, P v_i, h_i = v_i' P v_i, c_i = W'_i h_i, Z'c and the trace sums.
    engine.run(Kernel.GradientFirst);
    engine.sum((s) => s.zc, zc);
    engine.sum((s) => s.trace, trace);

    // w = A^-1 Lambda' Z'c, and Z Lambda w through bw = Lambda w.
    model.lambdaTransposeTimes(zc, w);
    chol.solve(w, w);
    model.lambdaTimes(w, bw);

    // Pass 2: e_i = c_i - W_i (Z Lambda w)_i - 2 r_i, Z'e, and dd/dbeta = X~'e.
    engine.run(Kernel.GradientSecond);
    engine.sum((s) => s.ze, ze);
    engine.sum((s) => s.xv, out.subarray(L.nTheta, L.nTheta + model.p));
    for (let t = 0; t < T; t++) {
      const term = L.terms[t];
      const k = term.k;
      const { row, col } = thetaPositions(k);
      for (let th = 0; th < term.nTheta; th++) {
        const r = row[th];
        const cc = col[th];
        let acc = 2 * trace[this.traceOffset[t] + r * k + cc];
        for (let l = 0; l < term.nLevels; l++) {
          const o = term.uOffset + l * k;
          acc += ze[o + r] * u[o + cc] + zr[o + r] * w[o + cc];
        }
        out[term.thetaOffset + th] = acc;
      }
    }
  }
}
