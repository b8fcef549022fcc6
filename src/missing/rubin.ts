/**
 * Rubin's rules: pool m completed-data estimates of one scalar Q into one estimate with a variance that
 * carries the uncertainty about the missing values (Rubin 1987; Barnard & Rubin 1999 for the degrees of
 * freedom; the definitions of mice 3.15's pool() / pool.scalar() and mitml 0.4's testEstimates()).
 *
 * With Q_l and U_l (the estimate and its squared standard error) from imputation l = 1..m:
 *
 *   Qbar = (1/m) sum Q_l                                 pooled estimate
 *   Ubar = (1/m) sum U_l                                 within-imputation variance
 *   B    = 1/(m-1) sum (Q_l - Qbar)^2                    between-imputation variance
 *   T    = Ubar + (1 + 1/m) B                            total variance, SE = sqrt(T)
 *   riv  = (1 + 1/m) B / Ubar                            relative increase in variance
 *   lambda = (1 + 1/m) B / T                             proportion of the variance due to missingness
 *   df_old = (m - 1) / lambda^2                          Rubin's large-sample degrees of freedom
 *   df_obs = (nu_com + 1) / (nu_com + 3) nu_com (1 - lambda)   (nu_com: complete-data df)
 *   df   = df_old df_obs / (df_old + df_obs)             Barnard-Rubin small-sample df (df_old if nu_com = Inf)
 *   fmi  = (riv + 2 / (df + 3)) / (riv + 1)              fraction of missing information
 *
 * As in mice, lambda is floored at 1e-4 inside the df formula only (a coefficient the imputations do not
 * move, B = 0, would otherwise get df_old = Inf); mitml does not floor it, which differs from mice only
 * when lambda < 1e-4. Tests compare both (test/missing/rubin.test.ts, fixtures from scripts/r/).
 *
 * A Wald test and interval use t(df): t = Qbar / SE, p = P(|T_df| > |t|), Qbar +- t_{df, 0.975} SE.
 */
import { studentTQuantile, studentTTwoSided } from "../numeric/student-t";

export interface PooledScalar {
  /** Number of completed-data estimates pooled. */
  readonly m: number;
  /** Qbar. */
  readonly estimate: number;
  /** Ubar: mean of the squared completed-data standard errors. */
  readonly within: number;
  /** B: variance of the completed-data estimates across imputations. */
  readonly between: number;
  /** T = Ubar + (1 + 1/m) B. */
  readonly total: number;
  /** sqrt(T). */
  readonly se: number;
  /** Relative increase in variance due to nonresponse, (1 + 1/m) B / Ubar. */
  readonly riv: number;
  /** (1 + 1/m) B / T. */
  readonly lambda: number;
  /** Barnard-Rubin degrees of freedom (Rubin's df_old when the complete-data df is infinite). */
  readonly df: number;
  /** Fraction of missing information. */
  readonly fmi: number;
  /** The complete-data degrees of freedom the df was adjusted with (Infinity: no adjustment). */
  readonly dfComplete: number;
  /** Qbar / SE. */
  readonly statistic: number;
  /** Two-sided P(|T_df| > |statistic|). */
  readonly pValue: number;
  /** Qbar -+ t_{df, 1 - alpha/2} SE at the requested level (default 95 %). */
  readonly lower: number;
  readonly upper: number;
  readonly level: number;
}

/** mice's floor on lambda inside the Barnard-Rubin degrees of freedom. */
export const LAMBDA_FLOOR = 1e-4;

/** Barnard & Rubin (1999) degrees of freedom, as mice:::barnard.rubin (lambda floored at 1e-4). */
export function barnardRubinDf(m: number, between: number, total: number, dfComplete: number = Infinity): number {
  let lambda = ((1 + 1 / m) * between) / total;
  if (lambda < LAMBDA_FLOOR) lambda = LAMBDA_FLOOR;
  const dfOld = (m - 1) / (lambda * lambda);
  if (!Number.isFinite(dfComplete)) return dfOld;
  const dfObs = ((dfComplete + 1) / (dfComplete + 3)) * dfComplete * (1 - lambda);
  return (dfOld * dfObs) / (dfOld + dfObs);
}

export interface PoolOptions {
  /** Complete-data degrees of freedom nu_com (default Infinity: Rubin's df_old, as mitml without df.com). */
  readonly dfComplete?: number;
  /** Confidence level of the interval (default 0.95). */
  readonly level?: number;
}

/**
 * Pool m estimates and their squared standard errors (variances) by Rubin's rules. Needs m >= 2 and
 * finite inputs; a non-finite Q or U names its imputation.
 */
export function poolScalar(estimates: ArrayLike<number>, variances: ArrayLike<number>, options: PoolOptions = {}): PooledScalar {
  const m = estimates.length;
  if (variances.length !== m) throw new Error(`poolScalar: ${m} estimates but ${variances.length} variances`);
  if (m < 2) throw new Error(`poolScalar: Rubin's rules need at least 2 imputations, got ${m}`);
  const dfComplete = options.dfComplete ?? Infinity;
  if (!(dfComplete > 0)) throw new Error(`poolScalar: the complete-data degrees of freedom must be positive, got ${dfComplete}`);
  const level = options.level ?? 0.95;
  if (!(level > 0 && level < 1)) throw new Error(`poolScalar: level must be in (0, 1), got ${level}`);
  let sumQ = 0;
  let sumU = 0;
  for (let l = 0; l < m; l++) {
    const q = estimates[l];
    const u = variances[l];
    if (!Number.isFinite(q)) throw new Error(`poolScalar: estimate of imputation ${l + 1} is ${q}`);
    if (!(Number.isFinite(u) && u >= 0)) throw new Error(`poolScalar: variance of imputation ${l + 1} is ${u}`);
    sumQ += q;
    sumU += u;
  }
  const estimate = sumQ / m;
  const within = sumU / m;
  let ss = 0;
  for (let l = 0; l < m; l++) {
    const d = estimates[l] - estimate;
    ss += d * d;
  }
  const between = ss / (m - 1);
  const inflated = (1 + 1 / m) * between;
  const total = within + inflated;
  const riv = inflated / within;
  const lambda = inflated / total;
  const df = barnardRubinDf(m, between, total, dfComplete);
  const fmi = (riv + 2 / (df + 3)) / (riv + 1);
  const se = Math.sqrt(total);
  const statistic = estimate / se;
  const half = studentTQuantile(1 - (1 - level) / 2, df) * se;
  return {
    m,
    estimate,
    within,
    between,
    total,
    se,
    riv,
    lambda,
    df,
    fmi,
    dfComplete,
    statistic,
    pValue: studentTTwoSided(statistic, df),
    lower: estimate - half,
    upper: estimate + half,
    level,
  };
}

/** One named quantity estimated in every completed data set (a coefficient or an AME). */
export interface CompletedDataEstimates {
  readonly term: string;
  readonly estimates: ArrayLike<number>;
  /** Squared standard errors, one per imputation. */
  readonly variances: ArrayLike<number>;
}

export interface PooledTerm extends PooledScalar {
  readonly term: string;
}

/** Rubin's rules per term, in the given order. */
export function poolTerms(terms: readonly CompletedDataEstimates[], options: PoolOptions = {}): PooledTerm[] {
  return terms.map((t) => {
    try {
      return { term: t.term, ...poolScalar(t.estimates, t.variances, options) };
    } catch (error) {
      throw new Error(`pooling '${t.term}': ${error instanceof Error ? error.message : String(error)}`);
    }
  });
}
