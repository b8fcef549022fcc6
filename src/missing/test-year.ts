/**
 * The imputation model of the cito test year (citojaar) for students without a cito score.
 *
 * A missing cito score and a missing test year go together (the frame sets cito = 100, cito_missing = 1
 * and the reference year for both; data-schema/README.md), so the missing-data pattern is monotone and
 * the joint imputation factors exactly into
 *
 *   p(year, cito | observed) = p(year | age, outcome) p(cito | year, covariates, outcome, location, institution),
 *
 * with the test year drawn first and then the score given that year (imputation-model.ts). The year is a
 * category with meaning only together with a score: it is the edition of the test the score belongs to,
 * and in the analysis model its dummies compare students tested in different years at equal score. An
 * imputed score therefore needs an imputed edition too, and the year mostly follows the birth cohort
 * (a student of age 14 + a in schooljaar t sat the test around t - a - 2), so the model conditions on
 * the age and, because the analysis model has year effects on the outcome, on the outcome:
 *
 *   cells c = (leeftijd, outcome); year_i | c ~ Categorical(pi_c),
 *   pi_c | data ~ Dirichlet(n_c + c0 pibar_a),   pibar_a = (n_a + 1/K) / (n_a. + 1),
 *
 * with n_c the year counts of the observed students in the cell, n_a those of the age pooled over the
 * outcome, K the number of year categories and c0 = 1 pseudo-observation. An age without any observed
 * year (the oldest students, tested before 2009) borrows pibar from the nearest age that has one (the
 * older, on a tie): their imputed year is then the earliest category, i.e. "2009 or before", which is
 * what the reference category means for them. Each imputation draws every pi_c from its posterior
 * (proper imputation) and then each missing year.
 *
 * Left out on purpose: location, institution and the other covariates. The year is a cohort marker,
 * age carries it; the year coefficients are nuisance terms of the analysis model.
 */
import type { RandomSource } from "./random-draws";
import { dirichletDraw } from "./random-draws";

export interface TestYearModel {
  /** Year categories in the analysis model's order (reference first). */
  readonly levels: readonly string[];
  /** The distinct ages (leeftijd values), ascending. */
  readonly ages: readonly number[];
  /** Cell of each row: ageIndex * 2 + outcome. */
  readonly cellOf: Int32Array;
  /** Observed year counts per cell, (ages x 2) x K. */
  readonly counts: Float64Array;
  /** Dirichlet posterior parameters per cell, (ages x 2) x K. */
  readonly posterior: Float64Array;
  /** Ages without an observed year and the age they borrow from. */
  readonly borrowed: readonly { readonly age: number; readonly from: number }[];
  /** Pseudo-observations c0 of the age-level prior. */
  readonly priorWeight: number;
}

const MAX_AGES = 200;

/**
 * Fit the cell model on the rows with an observed year. `yearIndex[i]` is the category index
 * (0..levels.length-1) of row i, read only where `observed[i]` is 1; `outcome` is 0/1.
 */
export function fitTestYearModel(
  age: ArrayLike<number>,
  outcome: ArrayLike<number>,
  yearIndex: Int32Array,
  observed: Uint8Array,
  levels: readonly string[],
  priorWeight = 1,
): TestYearModel {
  const n = age.length;
  const K = levels.length;
  if (outcome.length !== n || yearIndex.length !== n || observed.length !== n) throw new Error("test-year model: columns of unequal length");
  const distinct = new Set<number>();
  for (let i = 0; i < n; i++) {
    const a = age[i];
    if (!Number.isFinite(a)) throw new Error(`test-year model: leeftijd at row ${i + 1} is ${a}`);
    distinct.add(a);
  }
  if (distinct.size > MAX_AGES) throw new Error(`test-year model: leeftijd has ${distinct.size} distinct values; the cell model needs whole years (at most ${MAX_AGES})`);
  const ages = [...distinct].sort((a, b) => a - b);
  const ageIndex = new Map(ages.map((a, j) => [a, j] as const));
  const A = ages.length;
  const cellOf = new Int32Array(n);
  const counts = new Float64Array(A * 2 * K);
  for (let i = 0; i < n; i++) {
    const y = outcome[i];
    if (y !== 0 && y !== 1) throw new Error(`test-year model: outcome at row ${i + 1} is ${y}, not 0 or 1`);
    const c = (ageIndex.get(age[i]) as number) * 2 + y;
    cellOf[i] = c;
    if (observed[i] === 1) {
      const k = yearIndex[i];
      if (!(k >= 0 && k < K)) throw new Error(`test-year model: year index ${k} at row ${i + 1} is outside 0..${K - 1}`);
      counts[c * K + k]++;
    }
  }
  // Age-level prior shares, borrowed from the nearest age with data where an age has none.
  const ageCounts = new Float64Array(A * K);
  const ageTotal = new Float64Array(A);
  for (let a = 0; a < A; a++) {
    for (let k = 0; k < K; k++) {
      const v = counts[(a * 2) * K + k] + counts[(a * 2 + 1) * K + k];
      ageCounts[a * K + k] = v;
      ageTotal[a] += v;
    }
  }
  if (!ageTotal.some((t) => t > 0)) throw new Error("test-year model: no row has an observed test year");
  const borrowed: { age: number; from: number }[] = [];
  const source = new Int32Array(A);
  for (let a = 0; a < A; a++) {
    if (ageTotal[a] > 0) {
      source[a] = a;
      continue;
    }
    let best = -1;
    for (let b = 0; b < A; b++) {
      if (ageTotal[b] === 0) continue;
      const d = Math.abs(ages[b] - ages[a]);
      const bestD = best < 0 ? Infinity : Math.abs(ages[best] - ages[a]);
      if (d < bestD || (d === bestD && ages[b] > ages[best])) best = b;
    }
    source[a] = best;
    borrowed.push({ age: ages[a], from: ages[best] });
  }
  const posterior = new Float64Array(A * 2 * K);
  for (let a = 0; a < A; a++) {
    const s = source[a];
    for (let y = 0; y < 2; y++) {
      for (let k = 0; k < K; k++) {
        const share = (ageCounts[s * K + k] + 1 / K) / (ageTotal[s] + 1);
        posterior[(a * 2 + y) * K + k] = counts[(a * 2 + y) * K + k] + priorWeight * share;
      }
    }
  }
  return { levels, ages, cellOf, counts, posterior, borrowed, priorWeight };
}

/**
 * One proper draw of the missing years: pi_c from each cell's Dirichlet posterior, then a category for
 * every row in `rows` (out[j] for rows[j]).
 */
export function drawTestYears(model: TestYearModel, rng: RandomSource, rows: Int32Array, out: Int32Array): void {
  const K = model.levels.length;
  const cells = model.posterior.length / K;
  const cdf = new Float64Array(cells * K);
  const pi = new Float64Array(K);
  for (let c = 0; c < cells; c++) {
    dirichletDraw(rng, model.posterior.subarray(c * K, (c + 1) * K), pi);
    let s = 0;
    for (let k = 0; k < K; k++) {
      s += pi[k];
      cdf[c * K + k] = s;
    }
  }
  for (let j = 0; j < rows.length; j++) {
    const off = model.cellOf[rows[j]] * K;
    const u = rng.uniform() * cdf[off + K - 1];
    let k = 0;
    while (k < K - 1 && cdf[off + k] <= u) k++;
    out[j] = k;
  }
}
