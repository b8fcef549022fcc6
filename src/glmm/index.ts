/**
 * The GLMM core: binomial-logit mixed models fitted by the Laplace approximation, as lme4's glmer.
 *
 *   fitDesign(design, options)                        a GlmmDesign (src/model) -> GlmmFit
 *   fitGlmm(formula, data, designOptions, options)    buildDesign + fitDesign
 *
 * and the stages fitDesign composes, to call one by one and look inside (fit.ts has the example):
 *
 *   laplaceObjective(design, { control, offset })    the Laplace deviance d(theta, beta), its gradient, the PIRLS state
 *   optimiseObjective(objective, { start, fixedTheta })   the optimum and its OptimisationSummary
 *   assembleFit(objective, optimum, { se })          the GlmmFit (fit.optimisation, fit.convergence)
 *   glmmControl(input), controlFields(control)       every tolerance and limit, with its lme4 counterpart
 */
import type { ColumnTable, DesignOptions } from "../model/types";
import { buildDesign } from "../model/design";
import { fitDesign } from "./fit";
import type { GlmmFit, GlmmOptions } from "./types";

export { fitDesign } from "./fit";
export { laplaceObjective, LaplaceObjective, type ObjectiveCounts, type ObjectiveOptions, type PirlsState } from "./objective";
export { optimiseObjective, type OptimiseOptions, type Optimum } from "./optimise";
export { assembleFit, type AssembleOptions } from "./assemble";
export { CONTROL_FIELDS, DEFAULT_CONTROL, GlmmControlError, controlFields, glmmControl, type GlmmControl, type GlmmControlInput } from "./control";
export { withoutFixedColumn } from "./fixed-column";
export type {
  GlmmFit,
  GlmmOptions,
  ConvergenceReport,
  OptimisationStageLog,
  OptimisationSummary,
  VarCorrBlock,
  RanefBlock,
} from "./types";

export function fitGlmm(formula: string, data: ColumnTable, designOptions: DesignOptions = {}, options: GlmmOptions = {}): GlmmFit {
  return fitDesign(buildDesign(formula, data, designOptions), options);
}
