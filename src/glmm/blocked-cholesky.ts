/**
 * Cholesky factorisation of A = Lambda' Z' W Z Lambda + I that follows the block structure of
 * structure.ts (the MixedModels.jl idea), so that a nested design never pays for a dense q x q factor:
 *
 *   A11 = L11 L11'                 one k0 x k0 Cholesky per level of the first term;
 *   G   = L11^-1 A12               per cross block: G_s = L11_j^-1 C_s (k0 x k_t);
 *   S   = A22 - G' G               the Schur complement of A11, dense q2 x q2;
 *   S   = L22 L22'.
 *
 * log det(A) = 2 sum log diag(L11) + 2 sum log diag(L22).
 *
 * The selected inverse gives the blocks of P = A^-1 on the sparsity pattern of A (what the Laplace
 * gradient and the conditional variances need), with X_j = A11_j^-1 C_j = L11_j^-T G_j:
 *
 *   P22 = S^-1,   P12_j = -X_j S^-1,   P11_j = A11_j^-1 - P12_j X_j'.
 */
import type { RandomEffectsLayout } from "./structure";
import { blockStorage } from "./packed-rows";
import { choleskyInPlace } from "../numeric/dense";

export class BlockedCholesky {
  readonly l11: Float64Array;
  readonly g: Float64Array;
  readonly l22: Float64Array;
  /** Selected inverse (valid after selectedInverse()), all three parts in one array laid out as
   *  packed-rows.ts's BlockStorage (p11 | p12 | p22), so row kernels can index it with their targets. */
  readonly pAll: Float64Array;
  readonly p11: Float64Array;
  readonly p12: Float64Array;
  readonly p22: Float64Array;
  logDet = 0;
  private readonly x: Float64Array;
  private readonly work0: Float64Array;
  private readonly work2: Float64Array;
  private readonly k0: number;
  private readonly n0: number;

  constructor(private readonly layout: RandomEffectsLayout) {
    this.k0 = layout.terms[0].k;
    this.n0 = layout.terms[0].nLevels;
    const k0 = this.k0;
    this.l11 = new Float64Array(this.n0 * k0 * k0);
    this.g = new Float64Array(layout.crossSize);
    this.l22 = new Float64Array(layout.q2 * layout.q2);
    const st = blockStorage(layout);
    this.pAll = new Float64Array(st.size);
    this.p11 = this.pAll.subarray(st.off11, st.offCross);
    this.p12 = this.pAll.subarray(st.offCross, st.off22);
    this.p22 = this.pAll.subarray(st.off22, st.size);
    this.x = new Float64Array(layout.crossSize);
    this.work0 = new Float64Array(k0 * k0);
    this.work2 = new Float64Array(layout.q2);
  }

  /**
   * Factorises A given its blocks (a11: n0 blocks k0 x k0; cross: the A12 cross blocks; a22: dense,
   * lower triangle used). Returns false if A is not positive definite (cannot happen for W >= 0).
   */
  factor(a11: Float64Array, cross: Float64Array, a22: Float64Array): boolean {
    const { k0, n0, l11, g, l22 } = this;
    const L = this.layout;
    const q2 = L.q2;
    let logDet = 0;
    l11.set(a11);
    l22.set(a22);
    for (let j = 0; j < n0; j++) {
      const off = j * k0 * k0;
      if (!choleskyInPlace(l11, k0, off)) return false;
      for (let a = 0; a < k0; a++) logDet += 2 * Math.log(l11[off + a * k0 + a]);
      const s0 = L.slotStart[j];
      const s1 = L.slotStart[j + 1];
      // G_s = L11_j^-1 C_s by forward substitution, column by column.
      for (let s = s0; s < s1; s++) {
        const w = L.slotWidth[s];
        const vo = L.slotValueOffset[s];
        for (let c = 0; c < w; c++) {
          for (let r = 0; r < k0; r++) {
            let v = cross[vo + r * w + c];
            for (let m = 0; m < r; m++) v -= l11[off + r * k0 + m] * g[vo + m * w + c];
            g[vo + r * w + c] = v / l11[off + r * k0 + r];
          }
        }
      }
      // S -= G_j' G_j on the lower triangle.
      for (let s = s0; s < s1; s++) {
        const ws = L.slotWidth[s];
        const vs = L.slotValueOffset[s];
        const ds = L.slotDenseCol[s];
        for (let s2 = s0; s2 < s1; s2++) {
          const w2 = L.slotWidth[s2];
          const v2 = L.slotValueOffset[s2];
          const d2 = L.slotDenseCol[s2];
          for (let a = 0; a < ws; a++) {
            const row = ds + a;
            for (let b = 0; b < w2; b++) {
              const col = d2 + b;
              if (col > row) continue;
              let acc = 0;
              for (let r = 0; r < k0; r++) acc += g[vs + r * ws + a] * g[v2 + r * w2 + b];
              l22[row * q2 + col] -= acc;
            }
          }
        }
      }
    }
    if (q2 > 0) {
      if (!choleskyInPlace(l22, q2)) return false;
      for (let a = 0; a < q2; a++) logDet += 2 * Math.log(l22[a * q2 + a]);
    }
    this.logDet = logDet;
    return true;
  }

  /** Solves A x = b (b and x of length q, in u order; they may be the same array). */
  solve(b: Float64Array, x: Float64Array): void {
    const { k0, n0, l11, g, l22, work2 } = this;
    const L = this.layout;
    const q0 = L.q0;
    const q2 = L.q2;
    if (x !== b) x.set(b);
    // Forward: y1_j = L11_j^-1 b1_j; y2 = b2 - sum_j G_j' y1_j.
    for (let a = 0; a < q2; a++) work2[a] = x[q0 + a];
    for (let j = 0; j < n0; j++) {
      const off = j * k0 * k0;
      const uo = j * k0;
      for (let r = 0; r < k0; r++) {
        let v = x[uo + r];
        for (let m = 0; m < r; m++) v -= l11[off + r * k0 + m] * x[uo + m];
        x[uo + r] = v / l11[off + r * k0 + r];
      }
      for (let s = L.slotStart[j]; s < L.slotStart[j + 1]; s++) {
        const w = L.slotWidth[s];
        const vo = L.slotValueOffset[s];
        const d = L.slotDenseCol[s];
        for (let c = 0; c < w; c++) {
          let acc = 0;
          for (let r = 0; r < k0; r++) acc += g[vo + r * w + c] * x[uo + r];
          work2[d + c] -= acc;
        }
      }
    }
    // Dense part: L22 L22' x2 = y2.
    for (let r = 0; r < q2; r++) {
      let v = work2[r];
      for (let m = 0; m < r; m++) v -= l22[r * q2 + m] * work2[m];
      work2[r] = v / l22[r * q2 + r];
    }
    for (let r = q2 - 1; r >= 0; r--) {
      let v = work2[r];
      for (let m = r + 1; m < q2; m++) v -= l22[m * q2 + r] * work2[m];
      work2[r] = v / l22[r * q2 + r];
    }
    for (let a = 0; a < q2; a++) x[q0 + a] = work2[a];
    // Backward: x1_j = L11_j^-T (y1_j - G_j x2).
    for (let j = 0; j < n0; j++) {
      const off = j * k0 * k0;
      const uo = j * k0;
      for (let s = L.slotStart[j]; s < L.slotStart[j + 1]; s++) {
        const w = L.slotWidth[s];
        const vo = L.slotValueOffset[s];
        const d = L.slotDenseCol[s];
        for (let r = 0; r < k0; r++) {
          let acc = 0;
          for (let c = 0; c < w; c++) acc += g[vo + r * w + c] * work2[d + c];
          x[uo + r] -= acc;
        }
      }
      for (let r = k0 - 1; r >= 0; r--) {
        let v = x[uo + r];
        for (let m = r + 1; m < k0; m++) v -= l11[off + m * k0 + r] * x[uo + m];
        x[uo + r] = v / l11[off + r * k0 + r];
      }
    }
  }

  /** Computes p11, p12 and p22: the blocks of A^-1 on the pattern of A (call after factor()). */
  selectedInverse(): void {
    const { k0, n0, l11, g, l22, p11, p12, p22, x, work0 } = this;
    const L = this.layout;
    const q2 = L.q2;
    // S^-1 = L22^-T L22^-1: invert L22 (lower) into p22's upper scratch, then multiply.
    if (q2 > 0) {
      const inv = new Float64Array(q2 * q2);
      for (let c = 0; c < q2; c++) {
        inv[c * q2 + c] = 1 / l22[c * q2 + c];
        for (let r = c + 1; r < q2; r++) {
          let v = 0;
          for (let m = c; m < r; m++) v -= l22[r * q2 + m] * inv[m * q2 + c];
          inv[r * q2 + c] = v / l22[r * q2 + r];
        }
      }
      for (let a = 0; a < q2; a++) {
        for (let b = 0; b <= a; b++) {
          let acc = 0;
          for (let m = a; m < q2; m++) acc += inv[m * q2 + a] * inv[m * q2 + b];
          p22[a * q2 + b] = acc;
          p22[b * q2 + a] = acc;
        }
      }
    }
    for (let j = 0; j < n0; j++) {
      const off = j * k0 * k0;
      const s0 = L.slotStart[j];
      const s1 = L.slotStart[j + 1];
      // X_s = L11_j^-T G_s (back substitution per column).
      for (let s = s0; s < s1; s++) {
        const w = L.slotWidth[s];
        const vo = L.slotValueOffset[s];
        for (let c = 0; c < w; c++) {
          for (let r = k0 - 1; r >= 0; r--) {
            let v = g[vo + r * w + c];
            for (let m = r + 1; m < k0; m++) v -= l11[off + m * k0 + r] * x[vo + m * w + c];
            x[vo + r * w + c] = v / l11[off + r * k0 + r];
          }
        }
      }
      // P12_s = -sum_s' X_s' S^-1[s', s].
      for (let s = s0; s < s1; s++) {
        const w = L.slotWidth[s];
        const vo = L.slotValueOffset[s];
        const d = L.slotDenseCol[s];
        for (let r = 0; r < k0; r++) {
          for (let c = 0; c < w; c++) {
            let acc = 0;
            for (let s2 = s0; s2 < s1; s2++) {
              const w2 = L.slotWidth[s2];
              const v2 = L.slotValueOffset[s2];
              const d2 = L.slotDenseCol[s2];
              for (let b = 0; b < w2; b++) acc += x[v2 + r * w2 + b] * p22[(d2 + b) * q2 + d + c];
            }
            p12[vo + r * w + c] = -acc;
          }
        }
      }
      // A11_j^-1 = L^-T L^-1 via the inverse of the small triangle (in work0).
      work0.fill(0);
      for (let c = 0; c < k0; c++) {
        work0[c * k0 + c] = 1 / l11[off + c * k0 + c];
        for (let r = c + 1; r < k0; r++) {
          let v = 0;
          for (let m = c; m < r; m++) v -= l11[off + r * k0 + m] * work0[m * k0 + c];
          work0[r * k0 + c] = v / l11[off + r * k0 + r];
        }
      }
      for (let a = 0; a < k0; a++) {
        for (let b = 0; b < k0; b++) {
          let acc = 0;
          for (let m = Math.max(a, b); m < k0; m++) acc += work0[m * k0 + a] * work0[m * k0 + b];
          // P11_j = A11_j^-1 - sum_s P12_s X_s'.
          for (let s = s0; s < s1; s++) {
            const w = L.slotWidth[s];
            const vo = L.slotValueOffset[s];
            for (let c = 0; c < w; c++) acc -= p12[vo + a * w + c] * x[vo + b * w + c];
          }
          p11[off + a * k0 + b] = acc;
        }
      }
    }
  }
}
