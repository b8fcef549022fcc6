/**
 * Frame records: the covariates of the students who will end up in one analysis frame, drawn so that
 * their one-way distributions are the published ones (Tabel 1-4), with the joint structure of
 * associations.ts.
 */
import { seedTable, TEST_YEAR_OFFSET, FIRST_CITO_YEAR } from "./associations";
import { LEVEL_STEP_DOWN, type SyntheticParameters } from "./parameters";
import { DIM, DIM_NAMES, DIM_SIZES } from "./coding";
import { ipfTable } from "./ipf";
import { cumulative, type KeyedRandom } from "./prng";

/** Columnar frame records; dims[d][r] is the category of record r in dimension d (coding.ts). */
export interface FrameRecords {
  n: number;
  dims: Uint8Array[];
  /** Frame cito value: score - 500 (0-50), or 100 when missing. */
  cito: Float64Array;
  /** Raw final-test score written to the file (-1 none) and its year (0 none). */
  toetsScore: Int16Array;
  toetsJaar: Int16Array;
  /** Population index of the student. */
  student: Int32Array;
  /**
   * Identity of the record for the generator's keyed random numbers (prng.ts KeyedRandom): unique over
   * the population's records, the same for the same record whatever the parameters.
   */
  key: Int32Array;
  /** Location index in schooljaar t. */
  loc: Int32Array;
  /** Outcome 0/1. */
  y: Uint8Array;
}

export function allocRecords(n: number): FrameRecords {
  return {
    n,
    dims: DIM_NAMES.map(() => new Uint8Array(n)),
    cito: new Float64Array(n),
    toetsScore: new Int16Array(n).fill(-1),
    toetsJaar: new Int16Array(n),
    student: new Int32Array(n).fill(-1),
    key: new Int32Array(n).fill(-1),
    loc: new Int32Array(n).fill(-1),
    y: new Uint8Array(n),
  };
}

/** Concatenates record sets (continuing students first, then new ones). */
export function concatRecords(a: FrameRecords, b: FrameRecords): FrameRecords {
  const out = allocRecords(a.n + b.n);
  for (let d = 0; d < a.dims.length; d++) {
    out.dims[d].set(a.dims[d]);
    out.dims[d].set(b.dims[d], a.n);
  }
  out.cito.set(a.cito);
  out.cito.set(b.cito, a.n);
  out.toetsScore.set(a.toetsScore);
  out.toetsScore.set(b.toetsScore, a.n);
  out.toetsJaar.set(a.toetsJaar);
  out.toetsJaar.set(b.toetsJaar, a.n);
  out.student.set(a.student);
  out.student.set(b.student, a.n);
  out.key.set(a.key);
  out.key.set(b.key, a.n);
  out.loc.set(a.loc);
  out.loc.set(b.loc, a.n);
  out.y.set(a.y);
  out.y.set(b.y, a.n);
  return out;
}

/** Counts per category of every dimension. */
export function recordMargins(r: FrameRecords): Float64Array[] {
  return DIM_SIZES.map((size, d) => {
    const m = new Float64Array(size);
    const col = r.dims[d];
    for (let i = 0; i < r.n; i++) m[col[i]]++;
    return m;
  });
}

export interface DrawReport {
  /** Largest |margin - target| of the fitted table, in students. */
  readonly ipfError: number;
}

/**
 * Draws n records whose one-way margins are `targetCounts` (one array per dimension, each summing to n),
 * from the seed table of schooljaar t fitted by IPF:
 *
 *  1. every record draws its categories dimension by dimension from the table's conditional
 *     distribution given the categories drawn so far, each with its own keyed uniform (record key
 *     keyBase + r); the first dimension's uniforms are stratified (rank k of the record's sort value gives
 *     (k + u0) / n), so its margin is exact;
 *  2. the other margins are made exact (largest-remainder rounding of the target counts): records of an
 *     over-filled category move to an under-filled one that the table allows beside their other
 *     categories, the records whose uniform lay nearest to their category's edge first.
 *
 * Records keep their uniforms whatever the parameters, and a change of the table moves only the records
 * near an edge of a conditional distribution: two populations of nearby parameters differ record by
 * record only where the tables differ (common random numbers; a systematic sample along the cells would
 * instead shift every record once the cumulative weights move).
 */
export function drawRecords(
  random: KeyedRandom,
  keyBase: number,
  t: number,
  n: number,
  targetCounts: readonly Float64Array[],
  params: SyntheticParameters,
): { records: FrameRecords; report: DrawReport } {
  const table = seedTable(t, params);
  const ipfError = ipfTable(table, targetCounts);
  const records = allocRecords(n);
  if (n === 0) return { records, report: { ipfError } };
  const D = DIM_SIZES.length;
  const strides = table.strides;
  const w = table.weights;
  // cum[i] = sum of weights of cells before i: the weight of any prefix block is a difference.
  const cum = new Float64Array(w.length + 1);
  for (let i = 0; i < w.length; i++) cum[i + 1] = cum[i] + w[i];
  const u0 = random.uniform(keyBase, 100);
  const sortValue = Float64Array.from({ length: n }, (_, r) => random.uniform(keyBase + r, 101));
  const byRank = Int32Array.from({ length: n }, (_, r) => r).sort((a, b) => sortValue[a] - sortValue[b]);
  const firstU = new Float64Array(n);
  byRank.forEach((r, k) => (firstU[r] = (k + u0) / n));
  /** Distance of each record's uniform to the nearer edge of its category, per dimension (relative). */
  const edge = DIM_SIZES.map(() => new Float64Array(n));
  const probs = new Float64Array(Math.max(...DIM_SIZES));
  for (let r = 0; r < n; r++) {
    records.key[r] = keyBase + r;
    let base = 0; // index of the first cell of the current prefix block
    for (let d = 0; d < D; d++) {
      const size = DIM_SIZES[d];
      const st = strides[d];
      let tot = 0;
      for (let c = 0; c < size; c++) {
        const start = base + c * st;
        probs[c] = cum[start + st] - cum[start];
        tot += probs[c];
      }
      const u = (d === 0 ? firstU[r] : random.uniform(keyBase + r, 102 + d)) * tot;
      let c = 0;
      let acc = probs[0];
      while (acc <= u && c < size - 1) acc += probs[++c];
      while (probs[c] <= 0 && c > 0) c--; // never a structural zero (rounding at the top end)
      const lo = acc - probs[c];
      edge[d][r] = tot > 0 ? Math.min(u - lo, acc - u) / tot : 0;
      records.dims[d][r] = c;
      base += c * st;
    }
  }
  // Exact margins for dimensions 2..D: move the records nearest to an edge out of over-filled categories.
  for (let d = 1; d < D; d++) {
    const size = DIM_SIZES[d];
    const target = roundedCounts(targetCounts[d], n);
    const col = records.dims[d];
    const count = new Float64Array(size);
    for (let r = 0; r < n; r++) count[col[r]]++;
    const order = Int32Array.from({ length: n }, (_, r) => r).sort((a, b) => edge[d][a] - edge[d][b]);
    for (const r of order) {
      const c = col[r];
      if (count[c] <= target[c]) continue;
      // The under-filled category the table weighs most beside the record's other categories.
      let cellBase = 0;
      for (let e = 0; e < D; e++) if (e !== d) cellBase += records.dims[e][r] * strides[e];
      let best = -1;
      let bestW = 0;
      for (let c2 = 0; c2 < size; c2++) {
        if (count[c2] >= target[c2]) continue;
        const wc = w[cellBase + c2 * strides[d]];
        if (wc > bestW) {
          bestW = wc;
          best = c2;
        }
      }
      if (best < 0) continue;
      col[r] = best;
      count[c]--;
      count[best]++;
    }
  }
  return { records, report: { ipfError } };
}

/** Integer counts summing to n in the proportions of `shares` (largest remainder). */
function roundedCounts(shares: Float64Array, n: number): Float64Array {
  const tot = shares.reduce((a, b) => a + b, 0);
  const exact = Array.from(shares, (x) => (tot > 0 ? (x / tot) * n : 0));
  const out = Float64Array.from(exact, Math.floor);
  let left = n - out.reduce((a, b) => a + b, 0);
  const order = exact.map((x, c) => [x - Math.floor(x), c] as const).sort((a, b) => b[0] - a[0]);
  for (let k = 0; left > 0 && k < order.length; k++, left--) out[order[k][1]]++;
  return out;
}

/**
 * Cito scores and the raw test registration for records[from..n).
 * Observed scores (score - 500) ~ round(N(mu + e_i - mean(e), sigma_e^2)) clipped to 0-50, where e_i is
 * a shift by level (levelCitoStep per level step down), parents' education (-1.5 max vmbo-kader, +1.5
 * hoger, -0.5 unknown) and migration background (nwCitoShift for non-western, westernFraction of it for
 * western), and sigma_e^2 = sigma^2 - var(e) keeps the published total SD. The test year follows the
 * cito year category (a year >= 2014 for ">2014"). Missing cito: no registration, or (for cohorts tested
 * from 2015 on, 30 %) a non-cito test score outside 500-550. Every draw is keyed by the record (draws
 * 0-4 of its key).
 */
export function drawCito(
  random: KeyedRandom,
  rec: FrameRecords,
  from: number,
  t: number,
  mu: number,
  sigma: number,
  params: SyntheticParameters,
): void {
  const niv = rec.dims[DIM.niveau];
  const ou = rec.dims[DIM.ouders];
  const mig = rec.dims[DIM.migratie];
  const cc = rec.dims[DIM.citocat];
  const age = rec.dims[DIM.leeftijd];
  const migShift = [0, params.nwCitoShift, params.westernFraction * params.nwCitoShift];
  const shift = (r: number): number => params.levelCitoStep * LEVEL_STEP_DOWN[niv[r]] + [-1.5, 1.5, -0.5][ou[r]] + migShift[mig[r]];
  let s1 = 0;
  let s2 = 0;
  let k = 0;
  for (let r = from; r < rec.n; r++) {
    if (cc[r] === 0) continue;
    const e = shift(r);
    s1 += e;
    s2 += e * e;
    k++;
  }
  const meanE = k ? s1 / k : 0;
  const varE = k ? s2 / k - meanE * meanE : 0;
  const sdResid = Math.sqrt(Math.max(1, sigma * sigma - varE));
  const offsetCdf = cumulative(TEST_YEAR_OFFSET);
  for (let r = from; r < rec.n; r++) {
    const natural = t - age[r] - 2;
    if (cc[r] === 0) {
      rec.cito[r] = 100;
      const testYear = natural + random.categorical(offsetCdf, rec.key[r], 2) - 2;
      if (testYear >= 2015 && random.uniform(rec.key[r], 3) < 0.3) {
        // Another final test (IEP-like scale 50-100): registered, but not a cito score (3a 2.3).
        rec.toetsScore[r] = 50 + Math.floor(random.uniform(rec.key[r], 4) * 51);
        rec.toetsJaar[r] = Math.min(testYear, t - 1);
      } else {
        rec.toetsScore[r] = -1;
        rec.toetsJaar[r] = 0;
      }
      continue;
    }
    let score = Math.round(mu + shift(r) - meanE + sdResid * random.normal(rec.key[r], 0));
    score = score < 0 ? 0 : score > 50 ? 50 : score;
    rec.cito[r] = score;
    rec.toetsScore[r] = 500 + score;
    if (cc[r] < 6) rec.toetsJaar[r] = FIRST_CITO_YEAR + cc[r] - 1;
    else {
      const y = natural + random.categorical(offsetCdf, rec.key[r], 2) - 2;
      rec.toetsJaar[r] = Math.max(2014, Math.min(t - 1, y));
    }
  }
}
