/**
 * A design without one column of X, and that column: what profiling a fixed effect needs. lme4's
 * profile holds beta_j at a value b by refitting without column j and with the offset b x_j
 * (eta = b x_j + X_-j beta_-j + Z b), which is the same model with beta_j fixed:
 *
 *   const { design: reduced, column } = withoutFixedColumn(design, "niet_westers");
 *   fitDesign(reduced, { offset: column.map((x) => b * x), start: ... });
 */
import type { GlmmDesign } from "../model/types";

/** The design with fixed-effect column `which` (index or lme4 name) removed, and that column's values. */
export function withoutFixedColumn(design: GlmmDesign, which: number | string): { design: GlmmDesign; column: Float64Array; name: string } {
  const names = design.fixed.names;
  const j = typeof which === "number" ? which : names.indexOf(which);
  if (!Number.isInteger(j) || j < 0 || j >= names.length) {
    throw new Error(`glmm: no fixed-effect column ${typeof which === "number" ? which : `"${which}"`} in ${design.formula} (columns: ${names.join(", ")})`);
  }
  const keep = (_: unknown, k: number): boolean => k !== j;
  return {
    design: {
      ...design,
      fixed: {
        ...design.fixed,
        names: names.filter(keep),
        columns: design.fixed.columns.filter(keep),
        info: design.fixed.info.filter(keep),
      },
    },
    column: Float64Array.from(design.fixed.columns[j]),
    name: names[j],
  };
}
