/**
 * The GLMM core: binomial-logit mixed models fitted by the Laplace approximation, as lme4's glmer.
 *
 *   fitDesign(design, options)                 a GlmmDesign (src/model) -> GlmmFit
 *   fitGlmm(formula, data, designOptions, options)   buildDesign + fitDesign
 */
import type { ColumnTable, DesignOptions } from "../model/types";
import { buildDesign } from "../model/design";
import { fitDesign } from "./fit";
import type { GlmmFit, GlmmOptions } from "./types";

export { fitDesign } from "./fit";
export type { GlmmFit, GlmmOptions, ConvergenceReport, VarCorrBlock, RanefBlock } from "./types";

export function fitGlmm(formula: string, data: ColumnTable, designOptions: DesignOptions = {}, options: GlmmOptions = {}): GlmmFit {
  return fitDesign(buildDesign(formula, data, designOptions), options);
}
