/**
 * Which fixed-effect columns also carry a random slope.
 *
 * In model 2 the location term is `(1 + niet_westers | locatie)` while the fixed part codes the same
 * background as the factor dummy `migratieniet-westers`. The names differ, the values do not. A column j
 * of X "has a random slope" when some non-intercept column z_t of a random-effects term equals x_j in
 * every row; the location-specific effect of x_j is then beta_j + b_{g(i), t}.
 */
import type { GlmmFit, RanefBlock } from "../glmm/types";
import { sameValues } from "../numeric/dense";

export interface RandomSlopeLink {
  /** Index of the column in X (design.fixed.names). */
  readonly fixedIndex: number;
  readonly fixedName: string;
  /** Index of the random-effects term in design.random / fit.ranef. */
  readonly termIndex: number;
  /** Position of the slope among that term's columns (0 is usually the intercept). */
  readonly column: number;
  readonly group: string;
  /** The random-effects column's own name ("niet_westers"). */
  readonly slopeName: string;
}

/** Every (X column, random slope) pair whose values coincide in all rows, in X order. */
export function findRandomSlopes(fit: GlmmFit): RandomSlopeLink[] {
  const { fixed, random } = fit.design;
  const links: RandomSlopeLink[] = [];
  for (let j = 0; j < fixed.columns.length; j++) {
    if (fixed.info[j]?.kind === "intercept") continue;
    for (let r = 0; r < random.length; r++) {
      const term = random[r];
      for (let t = 0; t < term.terms.length; t++) {
        if (term.terms[t] === "(Intercept)") continue;
        if (sameValues(fixed.columns[j], term.z[t])) {
          links.push({
            fixedIndex: j,
            fixedName: fixed.names[j],
            termIndex: r,
            column: t,
            group: term.group,
            slopeName: term.terms[t],
          });
        }
      }
    }
  }
  return links;
}

/** The ranef block belonging to design.random[termIndex], checked by group name and term list. */
export function ranefBlockFor(fit: GlmmFit, termIndex: number): RanefBlock {
  const term = fit.design.random[termIndex];
  const block = fit.ranef[termIndex];
  if (!block || block.group !== term.group || block.terms.length !== term.terms.length) {
    throw new Error(
      `fit.ranef[${termIndex}] does not match random-effects term (${term.terms.join(" + ")} | ${term.group})`,
    );
  }
  return block;
}
