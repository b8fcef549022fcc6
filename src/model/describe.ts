/**
 * What a design holds, as plain rows a notebook can show before anything is fitted ("here is the
 * design matrix"): per column of X its origin and mean (for a 0/1 dummy: the share of observations in
 * that level), per random-effects term its grouping factor and how many observations its groups hold.
 */
import type { GlmmDesign } from "./types";

export interface FixedColumnDescription {
  readonly name: string;
  readonly variable: string;
  readonly kind: "intercept" | "numeric" | "factorLevel";
  readonly level?: string;
  readonly reference?: string;
  /** Mean over the observations: x-bar = (1/n) sum_i x_i; for a dummy, the share in its level. */
  readonly mean: number;
  readonly min: number;
  readonly max: number;
}

export interface RandomTermDescription {
  readonly group: string;
  readonly terms: readonly string[];
  readonly levels: number;
  /** Observations per group: smallest, median, largest. */
  readonly minPerGroup: number;
  readonly medianPerGroup: number;
  readonly maxPerGroup: number;
}

export interface DesignDescription {
  readonly formula: string;
  readonly nobs: number;
  readonly droppedRows: number;
  readonly response: { readonly name: string; readonly successes: number; readonly trials: number };
  readonly fixed: readonly FixedColumnDescription[];
  readonly dropped: readonly { readonly name: string; readonly reason: string }[];
  readonly random: readonly RandomTermDescription[];
}

function median(sorted: Int32Array): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  return n % 2 === 1 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

export function describeDesign(design: GlmmDesign): DesignDescription {
  const n = design.nobs;
  const fixed = design.fixed.columns.map((x, j): FixedColumnDescription => {
    let sum = 0;
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < x.length; i++) {
      const v = x[i];
      sum += v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    const info = design.fixed.info[j];
    return {
      name: design.fixed.names[j],
      variable: info.variable,
      kind: info.kind,
      ...(info.level !== undefined ? { level: info.level } : {}),
      ...(info.reference !== undefined ? { reference: info.reference } : {}),
      mean: n > 0 ? sum / n : NaN,
      min,
      max,
    };
  });
  const random = design.random.map((t): RandomTermDescription => {
    const counts = new Int32Array(t.levels.length);
    for (let i = 0; i < t.index.length; i++) counts[t.index[i]]++;
    counts.sort();
    return {
      group: t.group,
      terms: t.terms,
      levels: t.levels.length,
      minPerGroup: counts.length > 0 ? counts[0] : 0,
      medianPerGroup: median(counts),
      maxPerGroup: counts.length > 0 ? counts[counts.length - 1] : 0,
    };
  });
  let successes = 0;
  let trials = 0;
  for (let i = 0; i < n; i++) {
    successes += design.response.successes[i];
    trials += design.response.trials[i];
  }
  return {
    formula: design.formula,
    nobs: n,
    droppedRows: design.missing?.dropped ?? 0,
    response: { name: design.response.name, successes, trials },
    fixed,
    dropped: design.fixed.dropped,
    random,
  };
}
