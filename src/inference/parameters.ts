/**
 * The parameters of a fit on the scale lme4's confint reports them, with lme4's names
 * (`confint(fit, oldNames = FALSE)`):
 *
 *   per random-effects term (design order), over the lower triangle of Sigma in theta's order
 *   (column-major: for (1 + x | g) that is (1,1), (2,1), (2,2)):
 *     diagonal      sd_<column>|<group>              SD_r = sqrt(Sigma_rr)
 *     off-diagonal  cor_<row>.<column>|<group>       rho_rs = Sigma_rs / (SD_r SD_s)
 *   then the fixed effects under their column names.
 *
 *   sd_(Intercept)|g, cor_x.(Intercept)|g, sd_x|g, sd_(Intercept)|h, (Intercept), x, ...
 *
 * The natural range of each: an SD in [0, inf), a correlation in [-1, 1], a fixed effect unbounded.
 */
import type { GlmmDesign } from "../model/types";
import { covarianceFromTheta, thetaPositions } from "../glmm/lambda";

export type ParameterKind = "sd" | "cor" | "beta";

export interface ModelParameter {
  /** lme4's name (confint, oldNames = FALSE). */
  readonly name: string;
  readonly kind: ParameterKind;
  /** sd/cor: the random-effects term (index in design.random) and the entry (row >= column) of its Sigma. */
  readonly term: number;
  readonly row: number;
  readonly column: number;
  /** sd/cor: index of theta entry (row, column); beta: index of the fixed effect. */
  readonly index: number;
  /** The natural range. */
  readonly lower: number;
  readonly upper: number;
}

/** Every parameter of a design's model, variance parameters first (theta order), then the fixed effects. */
export function modelParameters(design: GlmmDesign): ModelParameter[] {
  const out: ModelParameter[] = [];
  let offset = 0;
  design.random.forEach((term, t) => {
    const k = term.terms.length;
    const { row, col } = thetaPositions(k);
    for (let e = 0; e < row.length; e++) {
      const r = row[e];
      const c = col[e];
      const sd = r === c;
      out.push({
        name: sd ? `sd_${term.terms[r]}|${term.group}` : `cor_${term.terms[r]}.${term.terms[c]}|${term.group}`,
        kind: sd ? "sd" : "cor",
        term: t,
        row: r,
        column: c,
        index: offset + e,
        lower: sd ? 0 : -1,
        upper: sd ? Number.POSITIVE_INFINITY : 1,
      });
    }
    offset += row.length;
  });
  design.fixed.names.forEach((name, j) => {
    out.push({ name, kind: "beta", term: -1, row: -1, column: -1, index: j, lower: Number.NEGATIVE_INFINITY, upper: Number.POSITIVE_INFINITY });
  });
  return out;
}

/** The variance parameters only (SDs and correlations, theta order). */
export function varianceParameters(design: GlmmDesign): ModelParameter[] {
  return modelParameters(design).filter((p) => p.kind !== "beta");
}

/**
 * The SDs and correlations of theta, in the order of varianceParameters (a correlation with a zero SD is
 * NaN: undefined, as lme4 prints it).
 */
export function sdcorFromTheta(design: GlmmDesign, theta: ArrayLike<number>): Float64Array {
  const out: number[] = [];
  let offset = 0;
  for (const term of design.random) {
    const k = term.terms.length;
    const { covariance } = covarianceFromTheta(theta, offset, k);
    const { row, col } = thetaPositions(k);
    for (let e = 0; e < row.length; e++) {
      const r = row[e];
      const c = col[e];
      if (r === c) out.push(Math.sqrt(covariance[r * k + r]));
      else {
        const denom = Math.sqrt(covariance[r * k + r] * covariance[c * k + c]);
        out.push(denom > 0 ? covariance[r * k + c] / denom : Number.NaN);
      }
    }
    offset += row.length;
  }
  return Float64Array.from(out);
}

/** The value of one parameter at (theta, beta). */
export function parameterValue(design: GlmmDesign, parameter: ModelParameter, theta: ArrayLike<number>, beta: ArrayLike<number>): number {
  return parameter.kind === "beta" ? beta[parameter.index] : sdcorFromTheta(design, theta)[parameter.index];
}

/** Parameters picked by lme4 name, by kind ("variance": SDs and correlations; "fixed"; "all"), or all. */
export function selectParameters(design: GlmmDesign, which: "variance" | "fixed" | "all" | readonly string[] = "variance"): ModelParameter[] {
  const all = modelParameters(design);
  if (which === "all") return all;
  if (which === "variance") return all.filter((p) => p.kind !== "beta");
  if (which === "fixed") return all.filter((p) => p.kind === "beta");
  return which.map((name) => {
    const found = all.find((p) => p.name === name);
    if (!found) throw new Error(`no parameter "${name}" in ${design.formula}; the parameters are: ${all.map((p) => p.name).join(", ")}`);
    return found;
  });
}
