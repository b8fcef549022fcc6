/**
 * A three-level normal linear mixed model, held as its sufficient statistics: the imputation model for a
 * continuous variable (the cito score) of students in locations in institutions.
 *
 *   y_i = x_i' alpha + z_i' u_{l(i)} + v_{s(l(i))} + e_i,
 *   u_l ~ N_k(0, Psi)   (location: intercept and, for model 2, the non-western slope),
 *   v_s ~ N(0, tau^2)   (institution intercept; optional),
 *   e_i ~ N(0, sigma^2).
 *
 * Every Gibbs step of src/missing/gibbs-sampler.ts needs the data only through cross products, so they
 * are formed once, in one pass over the rows:
 *
 *   X'X (p x p), X'y, y'y,
 *   per location l:     Z_l'Z_l (k x k), Z_l'y (k), Z_l'X (k x p), Z_l'1 (k),
 *   per institution s:  n_s, 1'y_s, 1'X_s (p).
 *
 * After that a step costs O(L k^2 p + S p + p^3), independent of the number of rows. Locations and
 * institutions without a single observed row are kept (their effects are drawn from the prior), so the
 * rows whose value is missing can be predicted in every location of the frame.
 */

export interface LocationStructure {
  /** Location index (0..levels.length-1) of every row. */
  readonly index: Int32Array;
  readonly levels: readonly string[];
  /** Names of the k random-effect columns at location level ("(Intercept)", "niet_westers"). */
  readonly terms: readonly string[];
  /** The k columns z_i, one value per row. */
  readonly z: readonly Float64Array[];
}

export interface InstitutionStructure {
  readonly levels: readonly string[];
  /** Institution index of every location (nested design: a location belongs to one institution). */
  readonly ofLocation: Int32Array;
}

export interface NestedNormalData {
  /** The response on the rows that have it. */
  readonly y: Float64Array;
  /** Fixed-effect columns (intercept included when wanted), each of length n. */
  readonly x: readonly Float64Array[];
  readonly fixedNames: readonly string[];
  readonly location: LocationStructure;
  /** null: a two-level model (no institution intercept). */
  readonly institution: InstitutionStructure | null;
}

export class NestedNormalStatistics {
  readonly n: number;
  readonly p: number;
  /** Random-effect columns per location. */
  readonly k: number;
  readonly nLocations: number;
  readonly nInstitutions: number;
  readonly xtx: Float64Array;
  readonly xty: Float64Array;
  readonly yty: number;
  /** nLocations x k x k. */
  readonly ztz: Float64Array;
  /** nLocations x k. */
  readonly zty: Float64Array;
  /** nLocations x k x p. */
  readonly ztx: Float64Array;
  /** nLocations x k: sum of z_i over the location's rows (the cross block with the institution intercept). */
  readonly zt1: Float64Array;
  /** Rows per institution. */
  readonly instN: Float64Array;
  readonly instY: Float64Array;
  /** nInstitutions x p. */
  readonly instX: Float64Array;
  /** Rows per location (for reporting). */
  readonly locationN: Int32Array;
  /** Institution of each location, or null for a two-level model. */
  readonly ofLocation: Int32Array | null;
  /** Locations of each institution (CSR: locationsOf[instStart[s] .. instStart[s+1])). */
  readonly instStart: Int32Array;
  readonly locationsOf: Int32Array;

  constructor(readonly data: NestedNormalData) {
    const { y, x, location, institution } = data;
    const n = y.length;
    const p = x.length;
    const k = location.z.length;
    const L = location.levels.length;
    this.n = n;
    this.p = p;
    this.k = k;
    this.nLocations = L;
    if (p === 0) throw new Error("nested normal model: no fixed-effect columns");
    if (k === 0) throw new Error("nested normal model: no random-effect column at location level");
    for (let j = 0; j < p; j++) if (x[j].length !== n) throw new Error(`nested normal model: fixed column '${data.fixedNames[j]}' has ${x[j].length} values for ${n} rows`);
    for (let t = 0; t < k; t++) if (location.z[t].length !== n) throw new Error(`nested normal model: random column '${location.terms[t]}' has ${location.z[t].length} values for ${n} rows`);
    if (location.index.length !== n) throw new Error(`nested normal model: ${location.index.length} location indices for ${n} rows`);
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(y[i])) throw new Error(`nested normal model: response at row ${i + 1} is ${y[i]}`);
      const l = location.index[i];
      if (!(l >= 0 && l < L)) throw new Error(`nested normal model: location index ${l} at row ${i + 1} is outside 0..${L - 1}`);
    }

    this.xtx = new Float64Array(p * p);
    this.xty = new Float64Array(p);
    this.ztz = new Float64Array(L * k * k);
    this.zty = new Float64Array(L * k);
    this.ztx = new Float64Array(L * k * p);
    this.zt1 = new Float64Array(L * k);
    this.locationN = new Int32Array(L);
    let yty = 0;
    const xi = new Float64Array(p);
    const zi = new Float64Array(k);
    for (let i = 0; i < n; i++) {
      const yi = y[i];
      const l = location.index[i];
      for (let j = 0; j < p; j++) xi[j] = x[j][i];
      for (let t = 0; t < k; t++) zi[t] = location.z[t][i];
      yty += yi * yi;
      for (let a = 0; a < p; a++) {
        const xa = xi[a];
        if (xa === 0) continue;
        this.xty[a] += xa * yi;
        for (let b = 0; b <= a; b++) this.xtx[a * p + b] += xa * xi[b];
      }
      this.locationN[l]++;
      for (let t = 0; t < k; t++) {
        const zt = zi[t];
        if (zt === 0) continue;
        this.zty[l * k + t] += zt * yi;
        this.zt1[l * k + t] += zt;
        for (let s = 0; s < k; s++) this.ztz[(l * k + t) * k + s] += zt * zi[s];
        const row = (l * k + t) * p;
        for (let j = 0; j < p; j++) this.ztx[row + j] += zt * xi[j];
      }
    }
    for (let a = 0; a < p; a++) for (let b = 0; b < a; b++) this.xtx[b * p + a] = this.xtx[a * p + b];
    this.yty = yty;

    if (institution === null) {
      this.nInstitutions = 0;
      this.ofLocation = null;
      this.instN = new Float64Array(0);
      this.instY = new Float64Array(0);
      this.instX = new Float64Array(0);
      this.instStart = new Int32Array(1);
      this.locationsOf = new Int32Array(0);
      return;
    }
    const S = institution.levels.length;
    this.nInstitutions = S;
    if (institution.ofLocation.length !== L) throw new Error(`nested normal model: institution given for ${institution.ofLocation.length} of ${L} locations`);
    this.ofLocation = institution.ofLocation;
    this.instN = new Float64Array(S);
    this.instY = new Float64Array(S);
    this.instX = new Float64Array(S * p);
    const count = new Int32Array(S + 1);
    for (let l = 0; l < L; l++) {
      const s = institution.ofLocation[l];
      if (!(s >= 0 && s < S)) throw new Error(`nested normal model: location '${location.levels[l]}' has institution index ${s} outside 0..${S - 1}`);
      count[s + 1]++;
    }
    for (let s = 0; s < S; s++) count[s + 1] += count[s];
    this.instStart = Int32Array.from(count);
    this.locationsOf = new Int32Array(L);
    const fill = Int32Array.from(count);
    for (let l = 0; l < L; l++) this.locationsOf[fill[institution.ofLocation[l]]++] = l;
    // Institution sums follow from the location sums when the first location column is the intercept;
    // in general they are summed over the rows.
    for (let i = 0; i < n; i++) {
      const s = institution.ofLocation[location.index[i]];
      this.instN[s] += 1;
      this.instY[s] += y[i];
      const row = s * p;
      for (let j = 0; j < p; j++) this.instX[row + j] += x[j][i];
    }
  }
}
