/**
 * The contract between the formula interface (src/model) and the numerical GLMM core (src/glmm).
 *
 * A model is written in lme4 syntax over a column table, e.g.
 *   doorstroom ~ migratie + leeftijd + (1 + niet_westers | locatie) + (1 | instelling)
 * `buildDesign` (src/model/design.ts) turns formula + table into a `GlmmDesign`: the response as
 * binomial counts, the fixed-effects model matrix X (lme4 column names, treatment contrasts) and the
 * random-effects terms, each a grouping factor with its own model-matrix columns Z_k and an
 * unstructured covariance among those columns (lme4's `(1 + x | g)`; `(1 | g) + (0 + x | g)` gives two
 * terms with the same grouping factor, hence uncorrelated).
 */

/** A numeric column: 0/1 dummies, counts, scores. NaN is a missing value. */
export type NumericColumn = Float64Array | Int32Array | Uint8Array | readonly number[];
/** A categorical column: treated as a factor; `null` is a missing value. */
export type FactorColumn = readonly (string | null)[];
export type Column = NumericColumn | FactorColumn;

/** Column table: the input of the formula interface (an analysis frame is one). */
export interface ColumnTable {
  readonly [name: string]: Column;
}

/** How one column of X came about, so post-fit statistics can group dummies per factor. */
export interface FixedTermInfo {
  /** lme4 name: "(Intercept)", a numeric column's own name, or factor name + level ("niveau1"). */
  readonly name: string;
  /** The data column the term comes from ("" for the intercept). */
  readonly variable: string;
  readonly kind: "intercept" | "numeric" | "factorLevel";
  /** For factor levels: the level this dummy indicates, and the factor's reference level. */
  readonly level?: string;
  readonly reference?: string;
}

/** A column lme4 would drop (constant, or aliased with earlier columns) and why. */
export interface DroppedTerm {
  readonly name: string;
  readonly reason: string;
}

export interface FixedDesign {
  /** Column names in order, lme4 style. */
  readonly names: readonly string[];
  /** X column by column (column-major), each of length nobs, on the original (uncentred) scale. */
  readonly columns: readonly Float64Array[];
  readonly info: readonly FixedTermInfo[];
  /** Columns removed before fitting (rank deficiency), as lme4 reports "fixed-effect model matrix is rank deficient". */
  readonly dropped: readonly DroppedTerm[];
}

/** One random-effects term `(z_1 + ... + z_k | group)`. */
export interface RandomEffectsTerm {
  /** Grouping factor as lme4 names it: "locatie", or "locatie:instelling" from (1 | instelling/locatie) (lme4's expandSlash: inner:outer). */
  readonly group: string;
  /** Names of the k columns: "(Intercept)", "niet_westers", ... */
  readonly terms: readonly string[];
  /** Level labels of the grouping factor, length nLevels (levels without observations are an error). */
  readonly levels: readonly string[];
  /** For each observation, the index (0..nLevels-1) of its level. */
  readonly index: Int32Array;
  /** For each of the k columns, its n values (all ones for the intercept). */
  readonly z: readonly Float64Array[];
}

export interface BinomialResponse {
  /** Name as written on the left of ~ (or "cbind(s, f)"). */
  readonly name: string;
  /** Successes per row: 0/1 for Bernoulli rows, a count for aggregated binomial rows. */
  readonly successes: Float64Array;
  /** Trials per row: 1 for Bernoulli rows. */
  readonly trials: Float64Array;
}

/** Rows left out because a column the model uses was missing (lme4's default na.action = na.omit). */
export interface MissingRows {
  /** Number of input rows dropped. */
  readonly dropped: number;
  /** For each design row, the 0-based index of the input-table row it came from (length nobs). */
  readonly kept: Int32Array;
  /** Number of missing values per used column (a row missing in two columns counts under both). */
  readonly byColumn: Readonly<Record<string, number>>;
}

export interface GlmmDesign {
  readonly formula: string;
  readonly nobs: number;
  /** Set by buildDesign: which input rows were used (absent when a design is made by hand). */
  readonly missing?: MissingRows;
  readonly response: BinomialResponse;
  readonly fixed: FixedDesign;
  /** Ordered as lme4 orders them: by decreasing number of levels. */
  readonly random: readonly RandomEffectsTerm[];
}

export interface DesignOptions {
  /** Reference level per factor column (default: the first level in sort order, as R does). */
  readonly reference?: Readonly<Record<string, string>>;
  /** Relative tolerance of the rank check of X (default 1e-7, as lme4). */
  readonly rankTolerance?: number;
}
