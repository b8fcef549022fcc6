/**
 * Sensitivity of the conditional mode to the parameters, for warm starts of PIRLS at the points of a
 * finite-difference stencil. By the implicit function theorem on G(u, phi) = u - Lambda' Z' r = 0,
 *
 *   du_hat/dphi = -A^-1 dG/dphi,
 *   dG/dbeta_j  = Lambda' Z'W x_j,
 *   dG/dtheta_k = -dLambda_k' Z'r + Lambda' (Z'WZ) dLambda_k u,
 *
 * all at the base point (A's factor, Z'WZ and Z'r as PIRLS left them there). Starting PIRLS at
 * u_hat + h du_hat/dphi instead of u_hat leaves an O(h^2) error, so it usually converges in one pass
 * fewer. Only a speed-up: PIRLS still iterates to its tolerance from wherever it starts.
 */
import type { LaplaceModel } from "./laplace";
import { thetaPositions } from "./lambda";
import { weightedCrossproducts } from "./rx";

/** out = K v for the symmetric z-space Z'WZ stored in the block layout (lower triangles). */
export function blockSymMatVec(model: LaplaceModel, v: Float64Array, out: Float64Array): void {
  const L = model.layout;
  const k0 = L.terms[0].k;
  const q0 = L.q0;
  const q2 = L.q2;
  const { k11, kCross, k22 } = model;
  out.fill(0);
  for (let j = 0; j < L.terms[0].nLevels; j++) {
    const o = j * k0 * k0;
    for (let a = 0; a < k0; a++) {
      let acc = 0;
      for (let c = 0; c < k0; c++) acc += (a >= c ? k11[o + a * k0 + c] : k11[o + c * k0 + a]) * v[j * k0 + c];
      out[j * k0 + a] += acc;
    }
    for (let s = L.slotStart[j]; s < L.slotStart[j + 1]; s++) {
      const w = L.slotWidth[s];
      const vo = L.slotValueOffset[s];
      const d = q0 + L.slotDenseCol[s];
      for (let a = 0; a < k0; a++) {
        for (let c = 0; c < w; c++) {
          const kv = kCross[vo + a * w + c];
          out[j * k0 + a] += kv * v[d + c];
          out[d + c] += kv * v[j * k0 + a];
        }
      }
    }
  }
  for (let r = 0; r < q2; r++) {
    for (let c = 0; c <= r; c++) {
      const kv = k22[r * q2 + c];
      if (kv === 0) continue;
      out[q0 + r] += kv * v[q0 + c];
      if (c !== r) out[q0 + c] += kv * v[q0 + r];
    }
  }
}

/**
 * For each coordinate k of x = (theta, beta~) and step h_k: the predicted change h_k du_hat/dx_k of the
 * conditional mode (length q each). The model must be at its PIRLS solution at the base point.
 */
export function modeShifts(model: LaplaceModel, steps: Float64Array, coordinates: readonly number[]): Map<number, Float64Array> {
  const L = model.layout;
  const q = L.q;
  const nTheta = L.nTheta;
  const out = new Map<number, Float64Array>();
  const d = new Float64Array(q);
  const kd = new Float64Array(q);
  const dg = new Float64Array(q);
  const needBeta = coordinates.some((k) => k >= nTheta);
  // Z'W X~ in z-space (q x p row-major), only if beta coordinates are asked for.
  const zwx = needBeta ? weightedCrossproducts(model, false).zwx : new Float64Array(0);
  for (const k of coordinates) {
    if (k < nTheta) {
      // theta_k is entry (r, c) of Lambda_t.
      const t = L.terms.findIndex((term) => k >= term.thetaOffset && k < term.thetaOffset + term.nTheta);
      const term = L.terms[t];
      const pos = thetaPositions(term.k);
      const r = pos.row[k - term.thetaOffset];
      const c = pos.col[k - term.thetaOffset];
      d.fill(0);
      for (let l = 0; l < term.nLevels; l++) d[term.uOffset + l * term.k + r] = model.u[term.uOffset + l * term.k + c];
      blockSymMatVec(model, d, kd);
      model.lambdaTransposeTimes(kd, dg);
      for (let l = 0; l < term.nLevels; l++) dg[term.uOffset + l * term.k + c] -= model.zr[term.uOffset + l * term.k + r];
    } else {
      model.lambdaTransposeTimes(zwx, dg, model.p, k - nTheta);
    }
    model.chol.solve(dg, dg);
    const shift = new Float64Array(q);
    for (let a = 0; a < q; a++) shift[a] = -steps[k] * dg[a];
    out.set(k, shift);
  }
  return out;
}
