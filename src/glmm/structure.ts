/**
 * The block structure of the random effects, fixed once per design (it does not depend on theta).
 *
 * u is ordered term by term, level-major inside a term: term t, level l, column a sits at
 * uOffset_t + l k_t + a. The system matrix A = Lambda' Z' W Z Lambda + I is split as
 *
 *   A = [ A11  A12 ]   A11: the first (largest) term, block diagonal with one k0 x k0 block per level;
 *       [ A21  A22 ]   A22: all further terms together, stored dense (q2 x q2);
 *                      A12: sparse, one k0 x k_t "cross block" per (level of term 0, level of term t)
 *                           pair that occurs in some row.
 *
 * For a nested design (location in institution) each location meets one institution, so A12 has one
 * cross block per location and the dense part is only q2 = 62 wide; a crossed design has more cross
 * blocks and a wider dense part, but the same code handles it.
 */
import type { GlmmDesign } from "../model/types";
import { thetaLength } from "./lambda";

export interface TermLayout {
  readonly group: string;
  readonly terms: readonly string[];
  readonly levels: readonly string[];
  /** Number of columns k of the term. */
  readonly k: number;
  readonly nLevels: number;
  /** Level index per row. */
  readonly index: Int32Array;
  /** The term's k model-matrix columns. */
  readonly z: readonly Float64Array[];
  /** Where the term's theta starts, and how many entries it has: k (k + 1) / 2. */
  readonly thetaOffset: number;
  readonly nTheta: number;
  /** Where the term's block starts in u. */
  readonly uOffset: number;
  /** For terms after the first: where the term starts inside the dense part (u index - q0). */
  readonly denseOffset: number;
}

export interface RandomEffectsLayout {
  readonly nobs: number;
  readonly terms: readonly TermLayout[];
  /** Total length of u (and b). */
  readonly q: number;
  /** Length of the block-diagonal part: nLevels_0 * k_0. */
  readonly q0: number;
  /** Width of the dense part: sum over further terms of nLevels_t * k_t. */
  readonly q2: number;
  readonly nTheta: number;
  /** Cross blocks, grouped by level of term 0: those of level j are slotStart[j] .. slotStart[j+1]-1. */
  readonly nSlots: number;
  readonly slotStart: Int32Array;
  /** Term (>= 1) of each slot, its first column in the dense part, and its width k_t. */
  readonly slotTerm: Int32Array;
  readonly slotDenseCol: Int32Array;
  readonly slotWidth: Int32Array;
  /** Offset of each slot's k0 x k_t values (row-major) in the cross-block arrays; total crossSize. */
  readonly slotValueOffset: Int32Array;
  readonly crossSize: number;
  /** Slot of row i for term t >= 1 at rowSlot[i * (T - 1) + t - 1]. */
  readonly rowSlot: Int32Array;
}

export function buildLayout(design: GlmmDesign): RandomEffectsLayout {
  const n = design.nobs;
  const random = design.random;
  if (random.length === 0) {
    throw new Error(`glmm: the formula "${design.formula}" has no random-effects term; fit it as a GLM instead`);
  }
  const terms: TermLayout[] = [];
  let thetaOffset = 0;
  let uOffset = 0;
  let denseOffset = 0;
  random.forEach((term, t) => {
    const k = term.z.length;
    if (k === 0) throw new Error(`glmm: random-effects term for "${term.group}" has no columns`);
    if (term.index.length !== n) {
      throw new Error(`glmm: grouping index of "${term.group}" has ${term.index.length} rows, expected ${n}`);
    }
    for (let a = 0; a < k; a++) {
      if (term.z[a].length !== n) {
        throw new Error(`glmm: column "${term.terms[a]}" of the term for "${term.group}" has ${term.z[a].length} rows, expected ${n}`);
      }
    }
    const nLevels = term.levels.length;
    for (let i = 0; i < n; i++) {
      const l = term.index[i];
      if (l < 0 || l >= nLevels) {
        throw new Error(`glmm: row ${i + 1} has level index ${l} for "${term.group}", outside 0..${nLevels - 1}`);
      }
    }
    const nTheta = thetaLength(k);
    terms.push({
      group: term.group,
      terms: term.terms,
      levels: term.levels,
      k,
      nLevels,
      index: term.index,
      z: term.z,
      thetaOffset,
      nTheta,
      uOffset,
      denseOffset: t === 0 ? -1 : denseOffset,
    });
    thetaOffset += nTheta;
    uOffset += nLevels * k;
    if (t > 0) denseOffset += nLevels * k;
  });

  const T = terms.length;
  const t0 = terms[0];
  const n0 = t0.nLevels;
  const k0 = t0.k;
  // Distinct (level of term 0, term t, level of term t) triples, grouped by the level of term 0.
  const keyToSlot = new Map<number, number>();
  const keys: { j: number; t: number; l: number }[] = [];
  const tmpSlotOfRow = new Int32Array(n * Math.max(T - 1, 0));
  let keyBase = 0;
  for (let t = 1; t < T; t++) {
    const lt = terms[t];
    for (let i = 0; i < n; i++) {
      const j = t0.index[i];
      const l = lt.index[i];
      // A unique number per (t, j, l): each term gets its own range of n0 * nLevels_t keys.
      const key = keyBase + j * lt.nLevels + l;
      let slot = keyToSlot.get(key);
      if (slot === undefined) {
        slot = keys.length;
        keyToSlot.set(key, slot);
        keys.push({ j, t, l });
      }
      tmpSlotOfRow[i * (T - 1) + t - 1] = slot;
    }
    keyBase += n0 * lt.nLevels;
  }
  const order = keys.map((_, s) => s);
  order.sort((a, b) => keys[a].j - keys[b].j || keys[a].t - keys[b].t || keys[a].l - keys[b].l);
  const rank = new Int32Array(keys.length);
  order.forEach((s, r) => (rank[s] = r));
  const nSlots = keys.length;
  const slotStart = new Int32Array(n0 + 1);
  const slotTerm = new Int32Array(nSlots);
  const slotDenseCol = new Int32Array(nSlots);
  const slotWidth = new Int32Array(nSlots);
  const slotValueOffset = new Int32Array(nSlots);
  let crossSize = 0;
  for (let r = 0; r < nSlots; r++) {
    const key = keys[order[r]];
    const lt = terms[key.t];
    slotTerm[r] = key.t;
    slotDenseCol[r] = lt.denseOffset + key.l * lt.k;
    slotWidth[r] = lt.k;
    slotValueOffset[r] = crossSize;
    crossSize += k0 * lt.k;
    slotStart[key.j + 1]++;
  }
  for (let j = 0; j < n0; j++) slotStart[j + 1] += slotStart[j];
  const rowSlot = new Int32Array(tmpSlotOfRow.length);
  for (let i = 0; i < rowSlot.length; i++) rowSlot[i] = rank[tmpSlotOfRow[i]];

  return {
    nobs: n,
    terms,
    q: uOffset,
    q0: n0 * k0,
    q2: denseOffset,
    nTheta: thetaOffset,
    nSlots,
    slotStart,
    slotTerm,
    slotDenseCol,
    slotWidth,
    slotValueOffset,
    crossSize,
    rowSlot,
  };
}
