/**
 * Starting values for theta by a few Laplace-EM steps (the E-step uses the conditional modes and
 * conditional covariances of the Laplace approximation): for each term t with J_t levels,
 *
 *   Sigma_t <- (1 / J_t) sum_j ( b_j b_j' + Var(b_j | y) ),   Var(b_j | y) = Lambda_t P_jj Lambda_t',
 *
 * with b = Lambda u_hat and P = A^-1 (its diagonal blocks from the selected inverse), and then
 * Lambda_t = chol(Sigma_t). Each step costs one PIRLS; it moves theta from lme4's start (Lambda = I)
 * to near the optimum, where the Newton-type iterations of optimise.ts converge fast. Variances are
 * kept at >= start.emVarianceFloor (1e-6) before the Cholesky factor is taken, and diagonals of theta
 * at >= start.emThetaFloor (1e-3) so that no variance starts on its bound (control.ts).
 */
import type { LaplaceModel } from "./laplace";
import { choleskyInPlace } from "../numeric/dense";
import { DEFAULT_CONTROL, type GlmmControl } from "./control";

/** Conditional covariances Var(b_j | y) = Lambda P_jj Lambda' per term and level (after pirls). */
export function conditionalCovariances(model: LaplaceModel): Float64Array[] {
  const L = model.layout;
  const chol = model.chol;
  chol.selectedInverse();
  return L.terms.map((term, t) => {
    const k = term.k;
    const lam = model.lambda.subarray(model.lambdaOffset[t], model.lambdaOffset[t] + k * k);
    const out = new Float64Array(term.nLevels * k * k);
    const blk = new Float64Array(k * k);
    for (let l = 0; l < term.nLevels; l++) {
      const uo = term.uOffset + l * k;
      for (let r = 0; r < k; r++) {
        for (let c = 0; c < k; c++) {
          blk[r * k + c] = t === 0 ? chol.p11[l * k * k + r * k + c] : chol.p22[(uo - L.q0 + r) * L.q2 + uo - L.q0 + c];
        }
      }
      for (let r = 0; r < k; r++) {
        for (let c = 0; c < k; c++) {
          let acc = 0;
          for (let s = 0; s <= r; s++) for (let s2 = 0; s2 <= c; s2++) acc += lam[r * k + s] * blk[s * k + s2] * lam[c * k + s2];
          out[l * k * k + r * k + c] = acc;
        }
      }
    }
    return out;
  });
}

/** One EM update of theta from the current PIRLS state; returns the new theta. */
export function emThetaUpdate(model: LaplaceModel, settings: GlmmControl["start"] = DEFAULT_CONTROL.start): Float64Array {
  const varianceFloor = settings.emVarianceFloor;
  const thetaFloor = settings.emThetaFloor;
  const L = model.layout;
  const cond = conditionalCovariances(model);
  const theta = new Float64Array(L.nTheta);
  L.terms.forEach((term, t) => {
    const k = term.k;
    const sigma = new Float64Array(k * k);
    for (let l = 0; l < term.nLevels; l++) {
      const uo = term.uOffset + l * k;
      for (let r = 0; r < k; r++) {
        for (let c = 0; c < k; c++) sigma[r * k + c] += model.b[uo + r] * model.b[uo + c] + cond[t][l * k * k + r * k + c];
      }
    }
    for (let a = 0; a < k * k; a++) sigma[a] /= term.nLevels;
    for (let a = 0; a < k; a++) sigma[a * k + a] = Math.max(sigma[a * k + a], varianceFloor);
    if (!choleskyInPlace(sigma, k)) {
      // Not positive definite (a correlation at +-1): keep the variances, drop the covariances.
      for (let r = 0; r < k; r++) for (let c = 0; c < k; c++) if (r !== c) sigma[r * k + c] = 0;
      for (let a = 0; a < k; a++) sigma[a * k + a] = Math.sqrt(Math.max(sigma[a * k + a], varianceFloor));
    }
    let o = term.thetaOffset;
    for (let c = 0; c < k; c++) {
      for (let r = c; r < k; r++) theta[o++] = r === c ? Math.max(sigma[r * k + c], thetaFloor) : sigma[r * k + c];
    }
  });
  return theta;
}
