/**
 * Frame records: the covariates of the students who will end up in one analysis frame, drawn so that
 * their one-way distributions are the published ones (Tabel 1-4), with the joint structure of
 * associations.ts.
 */
import { seedTable, TEST_YEAR_OFFSET, FIRST_CITO_YEAR } from "./associations";
import { DIM, DIM_NAMES, DIM_SIZES } from "./coding";
import { cellCategory, ipfTable } from "./ipf";
import { Xoshiro128, cumulative } from "./prng";

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
 * from the seed table of schooljaar t fitted by IPF. Systematic sampling over the cells (one uniform
 * start, then steps of 1/n) makes every margin exact up to rounding, at any scale; the records are then
 * shuffled so their order carries no information.
 */
export function drawRecords(
  rng: Xoshiro128,
  t: number,
  n: number,
  targetCounts: readonly Float64Array[],
): { records: FrameRecords; report: DrawReport } {
  const table = seedTable(t);
  const ipfError = ipfTable(table, targetCounts);
  const records = allocRecords(n);
  if (n === 0) return { records, report: { ipfError } };
  const cdf = cumulative(table.weights);
  const total = cdf[cdf.length - 1];
  const u0 = rng.uniform();
  let cell = 0;
  const cells = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    const u = ((u0 + r) / n) * total;
    while (cdf[cell] <= u && cell < cdf.length - 1) cell++;
    cells[r] = cell;
  }
  for (let r = n - 1; r > 0; r--) {
    const j = rng.int(r + 1);
    const tmp = cells[r];
    cells[r] = cells[j];
    cells[j] = tmp;
  }
  for (let r = 0; r < n; r++) {
    for (let d = 0; d < DIM_SIZES.length; d++) records.dims[d][r] = cellCategory(table, cells[r], d);
  }
  return { records, report: { ipfError } };
}

/**
 * Cito scores and the raw test registration for records[from..n).
 * Observed scores (score - 500) ~ round(N(mu + e_i - mean(e), sigma_e^2)) clipped to 0-50, where e_i is
 * a shift by level (-6, -3, 0, +3 for niveau 1-4), parents' education (-1.5 max vmbo-kader, +1.5 hoger,
 * -0.5 unknown) and non-western background (-2), and sigma_e^2 = sigma^2 - var(e) keeps the published
 * total SD. The test year follows the cito year category (a year >= 2014 for ">2014"). Missing cito:
 * no registration, or (for cohorts tested from 2015 on, 30 %) a non-cito test score outside 500-550.
 */
export function drawCito(
  rng: Xoshiro128,
  rec: FrameRecords,
  from: number,
  t: number,
  mu: number,
  sigma: number,
): void {
  const niv = rec.dims[DIM.niveau];
  const ou = rec.dims[DIM.ouders];
  const mig = rec.dims[DIM.migratie];
  const cc = rec.dims[DIM.citocat];
  const age = rec.dims[DIM.leeftijd];
  const shift = (r: number): number =>
    [-6, -3, 0, 3][niv[r]] + [-1.5, 1.5, -0.5][ou[r]] + (mig[r] === 1 ? -2 : 0);
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
      const testYear = natural + rng.categorical(offsetCdf) - 2;
      if (testYear >= 2015 && rng.uniform() < 0.3) {
        // Another final test (IEP-like scale 50-100): registered, but not a cito score (3a 2.3).
        rec.toetsScore[r] = 50 + rng.int(51);
        rec.toetsJaar[r] = Math.min(testYear, t - 1);
      } else {
        rec.toetsScore[r] = -1;
        rec.toetsJaar[r] = 0;
      }
      continue;
    }
    let score = Math.round(mu + shift(r) - meanE + sdResid * rng.normal());
    score = score < 0 ? 0 : score > 50 ? 50 : score;
    rec.cito[r] = score;
    rec.toetsScore[r] = 500 + score;
    if (cc[r] < 6) rec.toetsJaar[r] = FIRST_CITO_YEAR + cc[r] - 1;
    else {
      const y = natural + rng.categorical(offsetCdf) - 2;
      rec.toetsJaar[r] = Math.max(2014, Math.min(t - 1, y));
    }
  }
}
