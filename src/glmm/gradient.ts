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
 */
import type { LaplaceModel } from "./laplace";
import { thetaPositions } from "./lambda";
import { crossprodColumns } from "./columns";

export class LaplaceGradient {
  private readonly c: Float64Array;
  private readonly zc: Float64Array;
  private readonly ze: Float64Array;
  private readonly w: Float64Array;
  private readonly bw: Float64Array;
  private readonly trace: Float64Array;
  private readonly traceOffset: Int32Array;
  private readonly v: Float64Array;
  private readonly av: Float64Array;

  constructor(private readonly model: LaplaceModel) {
    const L = model.layout;
    this.c = new Float64Array(model.n);
    this.zc = new Float64Array(L.q);
    this.ze = new Float64Array(L.q);
    this.w = new Float64Array(L.q);
    this.bw = new Float64Array(L.q);
    this.traceOffset = new Int32Array(L.terms.length);
    let to = 0;
    L.terms.forEach((t, i) => {
      this.traceOffset[i] = to;
      to += t.k * t.k;
    });
    this.trace = new Float64Array(to);
    this.v = new Float64Array(model.rows.K);
    this.av = new Float64Array(model.rows.K);
  }

  /**
   * Per packed column c (term t, column a): v_c = sum_{r >= a} Lambda_t[r][a] z_{t,r}, as a list of
   * (source column, coefficient); and the trace pairs (z column r, P v column cc, trace entry) for
   * r >= cc within each term.
   */
  private maps(lambda: Float64Array, lambdaOffset: Int32Array) {
    const rows = this.model.rows;
    const L = this.model.layout;
    const vFrom: number[] = [];
    const vCoef: number[] = [];
    const vStart = [0];
    const trRow: number[] = [];
    const trCol: number[] = [];
    const trIndex: number[] = [];
    for (let cc = 0; cc < rows.K; cc++) {
      const t = rows.colTerm[cc];
      const a = rows.colWithin[cc];
      const k = L.terms[t].k;
      for (let r = a; r < k; r++) {
        vFrom.push(rows.termStart[t] + r);
        vCoef.push(lambda[lambdaOffset[t] + r * k + a]);
      }
      vStart.push(vFrom.length);
      for (let cc2 = 0; cc2 <= a; cc2++) {
        trRow.push(cc);
        trCol.push(rows.termStart[t] + cc2);
        trIndex.push(this.traceOffset[t] + a * k + cc2);
      }
    }
    return {
      vFrom: Int32Array.from(vFrom),
      vCoef: Float64Array.from(vCoef),
      vStart: Int32Array.from(vStart),
      trRow: Int32Array.from(trRow),
      trCol: Int32Array.from(trCol),
      trIndex: Int32Array.from(trIndex),
    };
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
    chol.selectedInverse();
    const pAll = chol.pAll;
    const { lambda, lambdaOffset, mu, m, y, u, zr } = model;
    const { c, zc, ze, w, bw, trace, v, av } = this;
    const { K, nPairs, pairFirst, pairSecond, z, uIndex, target } = model.rows;
    const { vFrom, vCoef, vStart, trRow, trCol, trIndex } = this.maps(lambda, lambdaOffset);
    const nTr = trRow.length;
    zc.fill(0);
    trace.fill(0);

    // Pass 1: v_i = Lambda' z_i, P v_i, h_i = v_i' P v_i, c_i = W'_i h_i, Z'c and the trace sums.
    for (let i = 0; i < model.n; i++) {
      const base = i * K;
      for (let cc = 0; cc < K; cc++) {
        let acc = 0;
        for (let e = vStart[cc]; e < vStart[cc + 1]; e++) acc += vCoef[e] * z[base + vFrom[e]];
        v[cc] = acc;
        av[cc] = 0;
      }
      const pb = i * nPairs;
      for (let pp = 0; pp < nPairs; pp++) {
        const pv = pAll[target[pb + pp]];
        const c1 = pairFirst[pp];
        const c2 = pairSecond[pp];
        av[c1] += pv * v[c2];
        if (c1 !== c2) av[c2] += pv * v[c1];
      }
      let h = 0;
      for (let cc = 0; cc < K; cc++) h += v[cc] * av[cc];
      const mui = mu[i];
      const wi = m[i] * mui * (1 - mui);
      const ci = wi * (1 - 2 * mui) * h;
      c[i] = ci;
      for (let cc = 0; cc < K; cc++) zc[uIndex[base + cc]] += ci * z[base + cc];
      for (let e = 0; e < nTr; e++) trace[trIndex[e]] += wi * z[base + trRow[e]] * av[trCol[e]];
    }

    // w = A^-1 Lambda' Z'c, and Z Lambda w through bw = Lambda w.
    for (let t = 0; t < T; t++) {
      const term = L.terms[t];
      const k = term.k;
      const lo = lambdaOffset[t];
      for (let l = 0; l < term.nLevels; l++) {
        const o = term.uOffset + l * k;
        for (let a = 0; a < k; a++) {
          let acc = 0;
          for (let r = a; r < k; r++) acc += lambda[lo + r * k + a] * zc[o + r];
          w[o + a] = acc;
        }
      }
    }
    chol.solve(w, w);
    for (let t = 0; t < T; t++) {
      const term = L.terms[t];
      const k = term.k;
      const lo = lambdaOffset[t];
      for (let l = 0; l < term.nLevels; l++) {
        const o = term.uOffset + l * k;
        for (let r = 0; r < k; r++) {
          let acc = 0;
          for (let cc = 0; cc <= r; cc++) acc += lambda[lo + r * k + cc] * w[o + cc];
          bw[o + r] = acc;
        }
      }
    }

    // Pass 2: e_i = c_i - W_i (Z Lambda w)_i - 2 r_i, and Z'e.
    ze.fill(0);
    for (let i = 0; i < model.n; i++) {
      const base = i * K;
      let zlw = 0;
      for (let cc = 0; cc < K; cc++) zlw += z[base + cc] * bw[uIndex[base + cc]];
      const mui = mu[i];
      const mi = m[i];
      const ei = c[i] - mi * mui * (1 - mui) * zlw - 2 * (y[i] - mi * mui);
      c[i] = ei;
      for (let cc = 0; cc < K; cc++) ze[uIndex[base + cc]] += ei * z[base + cc];
    }
    const nTheta = L.nTheta;
    crossprodColumns(model.x, c, out, model.n, model.p, nTheta);
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
