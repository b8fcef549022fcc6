/**
 * Z row by row, packed for the O(n) passes: each row of Z has exactly K = sum_t k_t nonzeros (one
 * level per term, k_t columns each). For row i and packed column c (terms in order, columns within a
 * term in order) we store its value z[i K + c] and its position uIndex[i K + c] in u (and in b, Z'r...).
 *
 * Z'WZ is accumulated over the pairs c1 <= c2 of packed columns: row i adds w_i z_c1 z_c2 to one entry
 * of the block storage (k11 | cross blocks | k22, see structure.ts), whose index target[i P + pair] is
 * precomputed, pair (c1, c2) at c2 (c2 + 1) / 2 + c1 (the kernels of row-kernels.ts rely on this order), so the hot loop is a handful of loads and multiply-adds per row with no branching on
 * the model's structure. The inverse P = A^-1 is stored in the same layout, so P v_i uses the same targets.
 */
import type { RandomEffectsLayout } from "./structure";
import { sharedFloat64, sharedInt32 } from "./shared-arrays";

export interface BlockStorage {
  /** Offsets of the three parts in one Float64Array, and its total size. */
  readonly off11: number;
  readonly offCross: number;
  readonly off22: number;
  readonly size: number;
}

export interface PackedRows {
  readonly K: number;
  readonly nPairs: number;
  readonly z: Float64Array;
  readonly uIndex: Int32Array;
  readonly target: Int32Array;
  /** Term and column within the term of each packed column, and where each term's columns start. */
  readonly colTerm: Int32Array;
  readonly colWithin: Int32Array;
  readonly termStart: Int32Array;
  readonly storage: BlockStorage;
}

export function blockStorage(layout: RandomEffectsLayout): BlockStorage {
  const t0 = layout.terms[0];
  const off11 = 0;
  const offCross = t0.nLevels * t0.k * t0.k;
  const off22 = offCross + layout.crossSize;
  return { off11, offCross, off22, size: off22 + layout.q2 * layout.q2 };
}

export function packRows(layout: RandomEffectsLayout): PackedRows {
  const n = layout.nobs;
  const T = layout.terms.length;
  const termStart = new Int32Array(T + 1);
  layout.terms.forEach((t, i) => (termStart[i + 1] = termStart[i] + t.k));
  const K = termStart[T];
  const colTerm = new Int32Array(K);
  const colWithin = new Int32Array(K);
  for (let t = 0; t < T; t++) {
    for (let a = 0; a < layout.terms[t].k; a++) {
      colTerm[termStart[t] + a] = t;
      colWithin[termStart[t] + a] = a;
    }
  }
  const pf: number[] = [];
  const ps: number[] = [];
  for (let c2 = 0; c2 < K; c2++) {
    for (let c1 = 0; c1 <= c2; c1++) {
      pf.push(c1);
      ps.push(c2);
    }
  }
  const nPairs = pf.length;
  const pairFirst = Int32Array.from(pf);
  const pairSecond = Int32Array.from(ps);
  const storage = blockStorage(layout);
  // In shared memory: the row passes read them from two threads (row-engine.ts).
  const z = sharedFloat64(n * K);
  const uIndex = sharedInt32(n * K);
  const target = sharedInt32(n * nPairs);
  const t0 = layout.terms[0];
  const k0 = t0.k;
  const q0 = layout.q0;
  const q2 = layout.q2;
  const T1 = T - 1;
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < T; t++) {
      const term = layout.terms[t];
      const base = term.uOffset + term.index[i] * term.k;
      for (let a = 0; a < term.k; a++) {
        z[i * K + termStart[t] + a] = term.z[a][i];
        uIndex[i * K + termStart[t] + a] = base + a;
      }
    }
    const j = t0.index[i];
    for (let pp = 0; pp < nPairs; pp++) {
      const c1 = pairFirst[pp];
      const c2 = pairSecond[pp];
      const t1 = colTerm[c1];
      const t2 = colTerm[c2];
      const a1 = colWithin[c1];
      const a2 = colWithin[c2];
      let idx: number;
      if (t2 === 0) {
        // Both in the first term: the lower-triangle entry of level j's block.
        idx = storage.off11 + j * k0 * k0 + Math.max(a1, a2) * k0 + Math.min(a1, a2);
      } else if (t1 === 0) {
        const s = layout.rowSlot[i * T1 + t2 - 1];
        idx = storage.offCross + layout.slotValueOffset[s] + a1 * layout.terms[t2].k + a2;
      } else {
        const d1 = uIndex[i * K + c1] - q0;
        const d2 = uIndex[i * K + c2] - q0;
        idx = storage.off22 + Math.max(d1, d2) * q2 + Math.min(d1, d2);
      }
      target[i * nPairs + pp] = idx;
    }
  }
  return { K, nPairs, z, uIndex, target, colTerm, colWithin, termStart, storage };
}
