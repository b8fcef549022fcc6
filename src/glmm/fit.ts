/**
 * fitDesign: maximum likelihood for a binomial-logit GLMM with the Laplace approximation, the same
 * objective as lme4's glmer(..., nAGQ = 1), as a pipeline of named stages:
 *
 *   1. layout      the block structure of the random effects (structure.ts);
 *   2. scaling     centred/scaled fixed-effect columns (scaling.ts);
 *   3. start       theta at lme4's start (Lambda = I), beta~ at the intercept-only logit; a starting
 *                  Hessian from finite differences of the exact gradient in theta and 2 RX'RX in beta;
 *   4. optimise    Newton-type steps over (theta, beta~) with the exact gradient and bounds
 *                  (optimizer.ts), Hessian: theta rows by differences of the gradient, beta block
 *                  2 RX'RX (rx.ts), down to a Newton decrement of 1e-3;
 *   5. polish      the full Hessian by forward differences of the gradient, Newton steps with it until
 *                  the Newton decrement g'H^-1 g is below 1e-10 (deviance units); it is also the
 *                  Hessian of the standard errors;
 *   6. results     beta and vcov back on the original scale, VarCorr, conditional modes and variances,
 *                  logLik/AIC/BIC and an honest convergence report.
 *
 * Every O(n) pass (PIRLS, the gradient, RX'RX) runs on two threads from 20,000 rows on (row-engine.ts;
 * options.threads = 1 keeps one); the result is the same bit for bit either way.
 */
import type { GlmmDesign } from "../model/types";
import type { ConvergenceReport, GlmmFit, GlmmOptions, RanefBlock, VarCorrBlock } from "./types";
import { buildLayout } from "./structure";
import { scaleFixedEffects, congruence, matTVec, matVec } from "./scaling";
import { LaplaceModel } from "./laplace";
import { LaplaceGradient } from "./gradient";
import { covarianceFromTheta, thetaLowerBounds, thetaPositions, thetaStart } from "./lambda";
import { minimiseBounded, freeStep, freeVariables, type BoundedProblem } from "./optimizer";
import { fixedEffectsCrossproduct } from "./rx";
import { conditionalCovariances, emThetaUpdate } from "./em-start";
import { modeShifts } from "./mode-sensitivity";
import { hessianFromGradient, lme4ScaledGradient } from "./vcov";
import { invertSpd, symmetricEigenvalues } from "./dense";
import { Kernel } from "./row-kernels";
import { prepareRowThread } from "./row-engine";
import { fixedEffectsBlock, identifiabilityMessages } from "./identifiability";

/** lme4's tolerance for its scaled-gradient check and for isSingular. */
const LME4_GRADIENT_TOLERANCE = 0.002;
const SINGULAR_TOLERANCE = 1e-4;
/** PIRLS tolerance (Newton decrement of the penalised deviance) while only a start is sought. */
const START_PIRLS_TOLERANCE = 1e-10;

export function fitDesign(design: GlmmDesign, options: GlmmOptions = {}): GlmmFit {
  const started = performance.now();
  const progress = options.onProgress ?? (() => undefined);
  prepareRowThread(design.nobs, { threads: options.threads });
  const layout = buildLayout(design);
  const p = design.fixed.columns.length;
  const nTheta = layout.nTheta;
  const dim = nTheta + p;
  const scaling = scaleFixedEffects(design.fixed.columns, design.fixed.names);
  const model = new LaplaceModel(design, layout, scaling.columns, { threads: options.threads });
  try {
    const gradient = new LaplaceGradient(model);

    const lower = new Float64Array(dim).fill(-Infinity);
    for (const term of layout.terms) lower.set(thetaLowerBounds(term.k), term.thetaOffset);
    let pirlsFailures = 0;
    /** Newton-decrement tolerance of PIRLS: tight for the optimiser, looser inside Hessian differences. */
    let pirlsTolerance = 1e-20;
    let gradientCount = 0;
    let rxCount = 0;
    // The point whose converged PIRLS solution the model holds, with the tolerance it was solved to, its
    // deviance and (once computed) its gradient. Another evaluation at the same point with a tolerance
    // no tighter would redo the same arithmetic on the same inputs and return the same state bit for bit
    // (PIRLS stops at its first check), so it is skipped; the stages below ask for the state at the
    // optimum several times. Anything that writes u (the stencil warm starts) forgets the held point.
    let heldX: Float64Array | null = null;
    let heldTolerance = Number.POSITIVE_INFINITY;
    let heldDeviance = Number.NaN;
    let heldGradient: Float64Array | null = null;
    const forgetHeldPoint = (): void => {
      heldX = null;
      heldGradient = null;
    };
    const problem: BoundedProblem = {
      dimension: dim,
      lower,
      evaluate(x: Float64Array): number {
        if (heldX && heldTolerance <= pirlsTolerance && sameVector(heldX, x)) return heldDeviance;
        forgetHeldPoint();
        model.setParameters(x.subarray(0, nTheta), x.subarray(nTheta));
        const r = model.pirls(60, pirlsTolerance);
        const deviance = model.laplaceDeviance();
        if (!r.converged) {
          pirlsFailures++;
        } else {
          heldX = Float64Array.from(x);
          heldTolerance = pirlsTolerance;
          heldDeviance = deviance;
        }
        return deviance;
      },
      gradient(out: Float64Array): void {
        if (heldGradient) {
          out.set(heldGradient);
          return;
        }
        gradientCount++;
        gradient.compute(out);
        if (heldX) heldGradient = Float64Array.from(out);
      },
    };
    const gradientAt = (x: Float64Array, out: Float64Array): void => {
      problem.evaluate(x);
      problem.gradient(out);
    };
    /** The gradient at a point of a finite-difference stencil (looser PIRLS tolerance). */
    const stencilGradientAt = (x: Float64Array, out: Float64Array): void => {
      pirlsTolerance = 1e-13;
      try {
        problem.evaluate(x);
        problem.gradient(out);
      } finally {
        pirlsTolerance = 1e-20;
      }
    };

    progress(`setup: ${layout.q} random effects, ${layout.nSlots} cross blocks, dense part ${layout.q2} wide`);
    // Stage 3: start.
    const x0 = new Float64Array(dim);
    for (const term of layout.terms) x0.set(thetaStart(term.k), term.thetaOffset);
    if (scaling.intercept >= 0) {
      let ys = 0;
      let ms = 0;
      for (let i = 0; i < design.nobs; i++) {
        ys += design.response.successes[i];
        ms += design.response.trials[i];
      }
      const pbar = Math.min(Math.max(ys / ms, 1e-6), 1 - 1e-6);
      x0[nTheta + scaling.intercept] = Math.log(pbar / (1 - pbar));
    }
    // Stage 3b: beta~ by Newton steps on the penalised deviance PD(beta, u_hat) at the starting theta:
    // its gradient is -2 X~'(y - m mu) (u_hat minimises PD), its Hessian about 2 RX'RX of the start.
    // Stage 3c: a few Laplace-EM steps for theta (em-start.ts). Together they bring (theta, beta) near
    // the optimum cheaply, where the Newton-type iterations on the Laplace deviance converge in a few
    // steps (lme4 similarly starts its Laplace fit from an nAGQ = 0 fit).
    let evaluations = 0;
    let rxHessian = new Float64Array(0);
    const refreshRx = (): void => {
      rxCount++;
      rxHessian = fixedEffectsCrossproduct(model);
      for (let k = 0; k < rxHessian.length; k++) rxHessian[k] *= 2;
    };
    // Stages 3b and 3c only find a starting point: PIRLS stops at a Newton decrement of 1e-10 there
    // (u within ~1e-5 of its mode, the penalised deviance within ~1e-10), one pass fewer per point.
    pirlsTolerance = START_PIRLS_TOLERANCE;
    if (p > 0) {
      const thetaStartValues = Float64Array.from(x0.subarray(0, nTheta));
      const full = new Float64Array(dim);
      const betaProblem: BoundedProblem = {
        dimension: p,
        lower: new Float64Array(p).fill(-Infinity),
        evaluate(beta: Float64Array): number {
          full.set(thetaStartValues);
          full.set(beta, nTheta);
          problem.evaluate(full);
          return model.penalisedDeviance;
        },
        gradient(out: Float64Array): void {
          model.engine.run(Kernel.BetaScore);
          model.engine.sum((s) => s.xv, out);
          for (let j = 0; j < p; j++) out[j] = -2 * out[j];
        },
      };
      betaProblem.evaluate(x0.subarray(nTheta));
      refreshRx();
      const stageA = minimiseBounded(betaProblem, Float64Array.from(x0.subarray(nTheta)), rxHessian, {
        maxIterations: 30,
        tolerance: 1,
        hessian: () => rxHessian,
      });
      evaluations += stageA.evaluations + 1;
      x0.set(stageA.x, nTheta);
      progress(`stage A (beta at the starting theta): ${stageA.iterations} Newton steps, ${model.rowPasses} passes so far`);
    }
    for (let step = 0; step < 4; step++) {
      problem.evaluate(x0);
      evaluations++;
      const next = emThetaUpdate(model);
      let change = 0;
      for (let k = 0; k < nTheta; k++) change = Math.max(change, Math.abs(next[k] - x0[k]));
      x0.set(next);
      if (change < 1e-2) break;
    }
    pirlsTolerance = 1e-20;
    progress(`stage EM: theta ${Array.from(x0.subarray(0, nTheta), (v) => v.toFixed(3)).join(" ")}, ${model.rowPasses} passes so far`);
    const g0 = new Float64Array(dim);
    gradientAt(x0, g0);
    evaluations++;
    progress(`start: deviance ${model.laplaceDeviance().toFixed(4)}`);

    // Stage 4: Newton-type iterations with the approximate Hessian (theta rows by differences of the
    // gradient, beta block 2 RX'RX, refreshed while far from the optimum) down to a decrement of 1e-3.
    let lastDecrement = Number.POSITIVE_INFINITY;
    let previous: Float64Array | null = null;
    let sinceRefresh = 0;
    const newtonHessian = (x: Float64Array, g: Float64Array): Float64Array => {
      // Near the optimum (decrement below 1) the Hessian changes slowly: keep the previous one for
      // one iteration out of two; refresh RX'RX only while far away.
      if (previous && lastDecrement < 1 && sinceRefresh < 1) {
        sinceRefresh++;
        return previous;
      }
      sinceRefresh = 0;
      evaluations += nTheta;
      if (lastDecrement > 1 || rxHessian.length === 0) {
        problem.evaluate(x);
        evaluations++;
        refreshRx();
      }
      previous = approximateHessian(model, rxHessian, stencilGradientAt, x, g, nTheta, p, forgetHeldPoint);
      return previous;
    };
    const b0 = newtonHessian(x0, g0);
    problem.evaluate(x0);
    const maxIterations = options.maxIterations ?? 200;
    const opt = minimiseBounded(problem, x0, b0, {
      maxIterations,
      tolerance: 1e-3,
      hessian: newtonHessian,
      onIteration: (it, f, dec) => {
        lastDecrement = dec;
        progress(`iteration ${it}: deviance ${f.toFixed(6)}, decrement ${dec.toExponential(2)}, ${model.rowPasses} passes so far`);
      },
    });
    evaluations += opt.evaluations;
    let iterations = opt.iterations;
    let x = opt.x;

    // Stage 5: the full Hessian by forward differences of the exact gradient; Newton steps with it
    // until the Newton decrement g'H^-1 g is below 1e-10. The same H gives the standard errors; it is
    // recomputed at the end only if these steps moved far (decrement at its point above 1e-3).
    const steps = new Float64Array(dim);
    const hessianAt = (at: Float64Array): Float64Array => {
      const gAt = new Float64Array(dim);
      gradientAt(at, gAt);
      for (let k = 0; k < dim; k++) steps[k] = 1e-5 * Math.max(1, Math.abs(at[k]));
      evaluations += dim + 1;
      const warm = stencilWarmStart(model, steps, Array.from({ length: dim }, (_, k) => k), forgetHeldPoint);
      return hessianFromGradient(stencilGradientAt, at, steps, gAt, warm);
    };
    let hess = hessianAt(x);
    let g = new Float64Array(dim);
    let f = problem.evaluate(x);
    evaluations++;
    problem.gradient(g);
    let newtonDecrement = freeStep(hess, g, freeVariables(x, g, lower), dim).decrement;
    // Below a decrement of ~1e-9 the predicted decrease is at the level of rounding in the deviance,
    // and the line search may fail to see it: that ends the polishing, it is not a failure. Whether
    // the fit converged is judged by the final Newton decrement (< 1e-6: the deviance is within
    // 5e-7 of its minimum) and lme4's scaled-gradient test (assembleFit).
    for (let round = 0; round < 3 && newtonDecrement >= 1e-10; round++) {
      progress(`polish ${round}: Newton decrement ${newtonDecrement.toExponential(2)}`);
      const fixedHessian = hess;
      const polish = minimiseBounded(problem, x, hess, {
        maxIterations: 20,
        tolerance: 1e-10,
        hessian: () => fixedHessian,
      });
      evaluations += polish.evaluations;
      iterations += polish.iterations;
      x = polish.x;
      if (newtonDecrement > 1e-3) hess = hessianAt(x);
      f = problem.evaluate(x);
      evaluations++;
      g = new Float64Array(dim);
      problem.gradient(g);
      newtonDecrement = freeStep(hess, g, freeVariables(x, g, lower), dim).decrement;
      if (polish.iterations === 0 || (!polish.converged && newtonDecrement < 1e-6)) break;
    }
    // The state at the optimum (the Hessian differences moved it).
    f = problem.evaluate(x);
    evaluations++;
    g = new Float64Array(dim);
    problem.gradient(g);
    // PIRLS at the optimum converged to 1e-20 iff the model holds that point (a rerun would stop at once).
    const finalPirls = { converged: heldX !== null && heldTolerance <= 1e-20 };
    progress(
      `done: ${evaluations} deviance evaluations, ${model.rowPasses} PIRLS passes over the rows, ${gradientCount} gradients, ${rxCount} RX'RX`,
    );

    return assembleFit({
      design,
      options,
      model,
      layout,
      scaling,
      x,
      f,
      g,
      hess,
      nTheta,
      p,
      iterations,
      evaluations,
      optimizerConverged: newtonDecrement < 1e-6,
      optimizerMessage: opt.message,
      newtonDecrement,
      pirlsOk: finalPirls.converged,
      pirlsFailures,
      started,
    });
  } finally {
    // The worker thread holds the model's shared buffers until told to drop them.
    model.release();
  }
}

/**
 * Hessian approximation for the Newton-type iterations: the theta rows (and so the theta-beta block)
 * by forward differences of the exact gradient, one gradient per theta; the beta block from 2 RX'RX,
 * the Hessian of the penalised deviance in beta with u profiled out (it omits the O(q) change of
 * log det A with beta, so convergence is linear with a small rate; the polish stage finishes).
 * The model must be at x on entry; on return it is at a perturbed point.
 */
function approximateHessian(
  model: LaplaceModel,
  rxHessian: Float64Array,
  gradientAt: (x: Float64Array, out: Float64Array) => void,
  x0: Float64Array,
  g0: Float64Array,
  nTheta: number,
  p: number,
  forgetHeldPoint: () => void,
): Float64Array {
  const dim = nTheta + p;
  const b = new Float64Array(dim * dim);
  for (let a = 0; a < p; a++) for (let c = 0; c < p; c++) b[(nTheta + a) * dim + nTheta + c] = rxHessian[a * p + c];
  const xp = Float64Array.from(x0);
  const gp = new Float64Array(dim);
  const steps = new Float64Array(dim);
  for (let k = 0; k < nTheta; k++) steps[k] = 1e-4 * Math.max(1, Math.abs(x0[k]));
  const warm = stencilWarmStart(model, steps, Array.from({ length: nTheta }, (_, k) => k), forgetHeldPoint);
  for (let k = 0; k < nTheta; k++) {
    const h = steps[k];
    xp[k] = x0[k] + h;
    warm(k);
    gradientAt(xp, gp);
    xp[k] = x0[k];
    for (let r = 0; r < dim; r++) {
      const v = (gp[r] - g0[r]) / h;
      if (r < nTheta) {
        b[r * dim + k] += 0.5 * v;
        b[k * dim + r] += 0.5 * v;
      } else {
        b[r * dim + k] = v;
        b[k * dim + r] = v;
      }
    }
  }
  return b;
}

/**
 * Warm starts for the points of a difference stencil around the current PIRLS solution: before the
 * evaluation at x + h_k e_k, u is set to u_hat(x) + h_k du_hat/dx_k (mode-sensitivity.ts).
 */
function stencilWarmStart(
  model: LaplaceModel,
  steps: Float64Array,
  coordinates: number[],
  onWrite: () => void,
): (k: number) => void {
  const base = Float64Array.from(model.u);
  const shifts = modeShifts(model, steps, coordinates);
  return (k: number) => {
    const shift = shifts.get(k);
    if (!shift) return;
    onWrite();
    for (let a = 0; a < base.length; a++) model.u[a] = base[a] + shift[a];
  };
}

function sameVector(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return false;
  return true;
}

interface AssembleInput {
  design: GlmmDesign;
  options: GlmmOptions;
  model: LaplaceModel;
  layout: ReturnType<typeof buildLayout>;
  scaling: ReturnType<typeof scaleFixedEffects>;
  x: Float64Array;
  f: number;
  g: Float64Array;
  hess: Float64Array;
  nTheta: number;
  p: number;
  iterations: number;
  evaluations: number;
  optimizerConverged: boolean;
  optimizerMessage: string;
  newtonDecrement: number;
  pirlsOk: boolean;
  pirlsFailures: number;
  started: number;
}

function assembleFit(a: AssembleInput): GlmmFit {
  const { design, model, layout, scaling, x, g, hess, nTheta, p } = a;
  const dim = nTheta + p;
  const messages: string[] = [];
  const theta = Float64Array.from(x.subarray(0, nTheta));
  const betaScaled = x.subarray(nTheta);
  const beta = matVec(scaling.transform, betaScaled, p, new Float64Array(p));

  // Gradient and Hessian in lme4's coordinates (theta, beta on the original scale):
  // g_beta = T^-T g_beta~,  H = J' H~ J with J = diag(I, T^-1).
  const gOrig = new Float64Array(dim);
  gOrig.set(g.subarray(0, nTheta));
  gOrig.set(matTVec(scaling.inverse, g.subarray(nTheta), p, new Float64Array(p)), nTheta);
  const j = new Float64Array(dim * dim);
  for (let k = 0; k < nTheta; k++) j[k * dim + k] = 1;
  for (let r = 0; r < p; r++) for (let c = 0; c < p; c++) j[(nTheta + r) * dim + nTheta + c] = scaling.inverse[r * p + c];
  const hOrig = congruence(transpose(j, dim), hess, dim);
  const eig = symmetricEigenvalues(hOrig, dim);
  const minEig = eig[0];
  let maxAbsGradient = 0;
  for (let k = 0; k < dim; k++) maxAbsGradient = Math.max(maxAbsGradient, Math.abs(gOrig[k]));
  const scaledGradient = lme4ScaledGradient(hOrig, gOrig, dim);

  // Singular fit: a diagonal theta within 1e-4 of its bound.
  let singular = false;
  for (const term of layout.terms) {
    const { row, col } = thetaPositions(term.k);
    for (let t = 0; t < term.nTheta; t++) {
      if (row[t] === col[t] && theta[term.thetaOffset + t] < SINGULAR_TOLERANCE) singular = true;
    }
  }

  // Standard errors.
  let vcovScaled: Float64Array | null = null;
  let seMethod = "";
  const wantRx = a.options.se === "rx";
  if (!wantRx) {
    const hinv = invertSpd(hess, dim);
    if (hinv) {
      vcovScaled = new Float64Array(p * p);
      for (let r = 0; r < p; r++) for (let c = 0; c < p; c++) vcovScaled[r * p + c] = 2 * hinv[(nTheta + r) * dim + nTheta + c];
      seMethod = "hessian: 2 [H^-1]_beta,beta with H the Hessian of the Laplace deviance over (theta, beta), by forward differences of the exact gradient (the default of lme4 1.1-31, which differences the deviance)";
    } else {
      messages.push("Hessian of the deviance is not positive definite: standard errors from (RX'RX)^-1 instead");
    }
  }
  if (!vcovScaled) {
    const rx = fixedEffectsCrossproduct(model);
    vcovScaled = invertSpd(rx, p) ?? new Float64Array(p * p).fill(Number.NaN);
    seMethod = "rx: (RX'RX)^-1, the fixed-effects block of the PIRLS system at the optimum (theta treated as known)";
  }
  const vcov = congruence(scaling.transform, vcovScaled, p);
  const se = new Float64Array(p);
  for (let r = 0; r < p; r++) se[r] = Math.sqrt(vcov[r * p + r]);

  // Variance components, conditional modes b = Lambda u and conditional variances Lambda P Lambda'.
  const varcorr: VarCorrBlock[] = [];
  const ranef: RanefBlock[] = [];
  const condVars = conditionalCovariances(model);
  const ngroups: Record<string, number> = {};
  layout.terms.forEach((term, t) => {
    const vc = covarianceFromTheta(theta, term.thetaOffset, term.k);
    varcorr.push({ group: term.group, terms: term.terms, covariance: vc.covariance, sd: vc.sd, corr: vc.corr });
    ngroups[term.group] = term.nLevels;
    const modes = Float64Array.from(model.b.subarray(term.uOffset, term.uOffset + term.nLevels * term.k));
    ranef.push({ group: term.group, terms: term.terms, levels: term.levels, modes, condVar: condVars[t] });
  });

  // lme4's identifiability checks (skipped for a singular fit, as lme4 does), on the Hessian over
  // (theta, beta~) of the centred and scaled columns the optimiser works with: a column in large units
  // (cito 0-100) is no problem here, nearly collinear columns are (identifiability.ts).
  const identifiability = singular
    ? []
    : [...new Set([...identifiabilityMessages(symmetricEigenvalues(fixedEffectsBlock(hess, dim, nTheta), p), "fixed-effect"), ...identifiabilityMessages(symmetricEigenvalues(hess, dim), "")])];
  messages.push(...identifiability);

  // Separation: fitted probabilities at 0/1, with coefficients running off. Coefficients that run off
  // while every fitted probability stays inside (0, 1) are not separation: nearly collinear columns
  // whose large coefficients cancel (the identifiability check above says so), or, if that check is
  // silent, a flat direction the optimiser has not resolved.
  let extreme = 0;
  for (let i = 0; i < model.n; i++) if (model.mu[i] < 1e-10 || model.mu[i] > 1 - 1e-10) extreme++;
  let runaway = false;
  for (let k = 0; k < p; k++) if (Math.abs(betaScaled[k]) > 25) runaway = true;
  if (extreme > 0) {
    messages.push(
      `possible complete separation: ${extreme} row(s) with fitted probability 0 or 1${runaway ? ", fixed effects running off" : ""}`,
    );
  } else if (runaway && identifiability.length === 0) {
    messages.push("fixed effects running off (|beta| > 25 on the centred and scaled columns) with no fitted probability at 0 or 1");
  }
  if (runaway && extreme === 0 && identifiability.length > 0) runaway = false;
  // Quasi-complete separation shows as coefficients of 0/1 columns (dummies, the intercept) far out on
  // the logit scale with huge SEs: some combination of those categories has (almost) no events, or
  // only events, and its logit runs off towards +-infinity while the others compensate.
  const suspects: string[] = [];
  for (let j = 0; j < p; j++) {
    if (Math.abs(beta[j]) > 10 && se[j] > 10 && isZeroOne(design.fixed.columns[j])) {
      suspects.push(`${design.fixed.names[j]} ${beta[j].toFixed(2)} (SE ${se[j].toFixed(1)})`);
    }
  }
  if (suspects.length > 0) {
    messages.push(
      `possible quasi-complete separation: ${suspects.join(", ")}; some combination of these categories has no or only successes in the data`,
    );
  }

  const logLik = model.logLik();
  const df = dim;
  const deviance = -2 * logLik;
  let converged = a.optimizerConverged && a.pirlsOk && !runaway;
  if (!a.optimizerConverged) {
    const why = a.optimizerMessage === "converged" ? "" : `${a.optimizerMessage}; `;
    messages.push(`optimizer did not converge: ${why}Newton decrement ${a.newtonDecrement.toExponential(2)} (needs < 1e-6)`);
  }
  if (!a.pirlsOk) messages.push("PIRLS did not converge at the optimum");
  if (a.pirlsFailures > 0) messages.push(`PIRLS reached its iteration limit in ${a.pirlsFailures} evaluation(s)`);
  if (Number.isFinite(scaledGradient) && scaledGradient > LME4_GRADIENT_TOLERANCE) {
    converged = false;
    messages.push(`Model failed to converge with max|grad| = ${scaledGradient.toPrecision(6)} (tol = ${LME4_GRADIENT_TOLERANCE}, component 1)`);
  }
  if (!(minEig > 0) && !singular) {
    converged = false;
    messages.push(`Hessian of the deviance is not positive definite (smallest eigenvalue ${minEig.toPrecision(4)})`);
  }
  if (singular) messages.push("boundary (singular) fit: see help('isSingular')");

  const convergence: ConvergenceReport = {
    converged,
    optimizer: "Newton-type with exact gradient and bounds on the theta diagonal (Hessian: differences of the gradient in theta, 2 RX'RX in beta), then Newton with the full finite-difference Hessian of the gradient",
    iterations: a.iterations,
    functionEvaluations: a.evaluations,
    maxAbsGradient,
    maxAbsScaledGradient: scaledGradient,
    minHessianEigenvalue: minEig,
    singular,
    messages,
  };
  const etaFixed = Float64Array.from(model.etaFixed);
  return {
    design,
    beta,
    se,
    vcov,
    seMethod,
    theta,
    varcorr,
    ranef,
    eta: Float64Array.from(model.eta),
    etaFixed,
    fitted: Float64Array.from(model.mu),
    logLik,
    deviance,
    aic: deviance + 2 * df,
    bic: deviance + df * Math.log(design.nobs),
    df,
    nobs: design.nobs,
    ngroups,
    convergence,
    elapsedSeconds: (performance.now() - a.started) / 1000,
    threads: model.engine.threaded ? 2 : 1,
  };
}

/** True when every value of the column is 0 or 1 (the intercept, a dummy, a 0/1 indicator). */
function isZeroOne(column: Float64Array): boolean {
  for (let i = 0; i < column.length; i++) if (column[i] !== 0 && column[i] !== 1) return false;
  return true;
}

function transpose(m: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) out[c * n + r] = m[r * n + c];
  return out;
}
