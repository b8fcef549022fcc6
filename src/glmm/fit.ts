/**
 * fitDesign: maximum likelihood for a binomial-logit GLMM with the Laplace approximation, the same
 * objective as lme4's glmer(..., nAGQ = 1), composed of the solver's stages as lme4's modular.R composes
 * glFormula -> mkGlmerDevfun -> optimizeGlmer -> mkMerMod:
 *
 *   design      buildDesign (src/model/design.ts): formula + table -> X, Z terms, response;
 *   objective   laplaceObjective (objective.ts): the Laplace deviance d(theta, beta), its exact
 *               gradient and the PIRLS state, buildable and callable without fitting;
 *   optimise    optimiseObjective (optimise.ts): lme4's start, stage A and EM (or a warm start), Newton
 *               with an approximate Hessian, polish with the full one; an optimisation summary;
 *   assemble    assembleFit (assemble.ts): beta, SEs, VarCorr, conditional modes, logLik and the
 *               convergence report.
 *
 * Every tolerance and limit is in the control (control.ts, options.control). Every O(n) pass (PIRLS,
 * the gradient, RX'RX) runs on two threads where a second thread pays (row-engine.ts: from 50,000
 * rows, or 20,000 once the worker runs, with a core free for it; options.threads = 1 keeps one); the
 * result is the same bit for bit either way.
 *
 * The same stages by hand, as a notebook cell would walk them:
 *
 *   const objective = laplaceObjective(design, { control });
 *   try {
 *     objective.deviance(objective.thetaStart(), beta0);   // d at any point, beta on the scale of X
 *     const optimum = optimiseObjective(objective);        // optimum.summary: start, stages, work
 *     const fit = assembleFit(objective, optimum);
 *   } finally {
 *     objective.release();
 *   }
 */
import type { GlmmDesign } from "../model/types";
import type { GlmmControlInput } from "./control";
import type { GlmmFit, GlmmOptions } from "./types";
import { assembleFit } from "./assemble";
import { laplaceObjective } from "./objective";
import { optimiseObjective } from "./optimise";
import { refitNear, refitStart } from "./refit";

export function fitDesign(design: GlmmDesign, options: GlmmOptions = {}): GlmmFit {
  const progress = options.onProgress ?? (() => undefined);
  const objective = laplaceObjective(design, {
    threads: options.threads,
    control: controlOf(options),
    ...(options.offset !== undefined ? { offset: options.offset } : {}),
  });
  try {
    const L = objective.layout;
    progress(`setup: ${L.q} random effects, ${L.nSlots} cross blocks, dense part ${L.q2} wide`);
    if (options.refit !== undefined) {
      if (options.start === undefined) throw new Error("fitDesign: a refit (options.refit) needs options.start");
      if (options.fixedTheta !== undefined) throw new Error("fitDesign: a refit (options.refit) cannot hold theta");
      const refit = refitNear(objective, refitStart(objective, options.start.theta, options.start.beta, options.refit.hessian));
      progress(`refit near the start: ${refit.message}, ${refit.iterations} iteration(s)${refit.fallback ? " (the solver's stages finished it)" : ""}`);
      return assembleFit(objective, refit.optimum, { se: options.se ?? (refit.optimum.hessian === null ? "rx" : "hessian") });
    }
    const optimum = optimiseObjective(objective, {
      onProgress: progress,
      ...(options.start !== undefined ? { start: options.start } : {}),
      ...(options.fixedTheta !== undefined ? { fixedTheta: options.fixedTheta } : {}),
    });
    return assembleFit(objective, optimum, { se: options.se });
  } finally {
    // The worker thread holds the objective's shared buffers until told to drop them.
    objective.release();
  }
}

/** options.control, with options.maxIterations (the older option, the CLI's --max-iterations) as newton.maxIterations. */
function controlOf(options: GlmmOptions): GlmmControlInput | undefined {
  if (options.maxIterations === undefined) return options.control;
  return { ...options.control, newton: { ...options.control?.newton, maxIterations: options.maxIterations } };
}
