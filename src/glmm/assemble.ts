/**
 * The assembly of a fit: the last stage, the counterpart of lme4's mkMerMod. From the objective at its
 * optimum (optimise.ts) it makes the GlmmFit:
 *
 *   - beta and its covariance back on the original scale of X (beta = T beta~, V = T V~ T');
 *   - standard errors: "hessian" (default, lme4 1.1-31): V~ = 2 [H^-1]_beta,beta with H the optimiser's
 *     finite-difference Hessian of d over (theta, beta~); "rx": V~ = (RX'RX)^-1 (rx.ts); "none": NaN
 *     (a bootstrap replicate, whose statistics need no standard errors);
 *   - VarCorr (Sigma = Lambda Lambda' per term), the conditional modes b = Lambda u_hat and their
 *     conditional covariances Lambda P Lambda' (em-start.ts);
 *   - logLik, deviance (-2 logLik), AIC, BIC with p + length(theta) parameters;
 *   - the convergence report: the optimiser's Newton decrement, PIRLS at the optimum, lme4's scaled
 *     gradient test (R^-T g with H = R'R, in lme4's coordinates (theta, beta)), the smallest Hessian
 *     eigenvalue, a singular (boundary) fit, signs of complete and quasi-complete separation; the
 *     thresholds are the control's convergence group (control.ts);
 *   - the optimisation summary (fit.optimisation).
 *
 * With theta held fixed (a profile fit) the Hessian, gradient and checks are those of the optimised
 * coordinates, and the standard errors are conditional on the held values.
 *
 * An optimum without a Hessian (a refit near a known optimum, refit.ts) gives a fit without the
 * Hessian's checks (scaled gradient, smallest eigenvalue, identifiability: NaN or left out) and without
 * Hessian-based standard errors ("rx" is used when "hessian" is asked; "none" gives none); its
 * convergence rests on the refit's decrement, PIRLS at the optimum and the separation checks.
 * With `conditionalVariances: false` the conditional variances of the modes are NaN (not computed).
 */
import type { ConvergenceReport, GlmmFit, RanefBlock, VarCorrBlock } from "./types";
import { congruence, invertSpd, subMatrix, symmetricEigenvalues, transpose } from "../numeric/dense";
import { formatTolerance } from "./control";
import { conditionalCovariances } from "./em-start";
import { covarianceFromTheta, thetaPositions } from "./lambda";
import type { LaplaceObjective } from "./objective";
import type { Optimum } from "./optimise";
import type { RefitOptimum } from "./refit";
import { fixedEffectsCrossproductInverse } from "./rx";
import { fixedEffectsBlock, identifiabilityMessages } from "./identifiability";
import { lme4ScaledGradient } from "./vcov";

export interface AssembleOptions {
  /** Standard errors from the Hessian (lme4 1.1-31's default) or from (RX'RX)^-1. */
  readonly se?: "hessian" | "rx" | "none";
  /** Compute the conditional variances of the modes (default true). */
  readonly conditionalVariances?: boolean;
}

/** The fit at `optimum` (what optimiseObjective returned for this objective). */
export function assembleFit(objective: LaplaceObjective, optimum: Optimum | RefitOptimum, options: AssembleOptions = {}): GlmmFit {
  const started = performance.now();
  const { design, model, layout, scaling, nTheta, p } = objective;
  const c = optimum.summary.control.convergence;
  const dim = nTheta + p;
  const { x, gradient: g, hessian: hess } = optimum;
  // The model must hold the PIRLS solution at the optimum (it does after optimiseObjective, unless the
  // objective was evaluated elsewhere since).
  if (!objective.isAt(x)) objective.evaluate(x);
  const messages: string[] = [];
  const theta = Float64Array.from(x.subarray(0, nTheta));
  const betaScaled = x.subarray(nTheta);
  const beta = objective.fromInternal(x).beta;

  // Over the optimised coordinates (all of them unless theta was held): index, and how many are theta.
  const free = optimum.free;
  const m = free.length;
  const mTheta = free.filter((k) => k < nTheta).length;
  // Gradient and Hessian in lme4's coordinates (theta, beta on the original scale):
  // g_beta = T^-T g_beta~,  H = J' H~ J with J = diag(I, T^-1).
  const gAll = objective.gradientToOriginal(g);
  const gOrig = Float64Array.from(free, (k) => gAll[k]);
  const hFree = hess === null ? null : subMatrix(hess, dim, free);
  let hOrig: Float64Array | null = null;
  if (hFree !== null) {
    const j = new Float64Array(m * m);
    for (let k = 0; k < mTheta; k++) j[k * m + k] = 1;
    for (let r = 0; r < p; r++) for (let cc = 0; cc < p; cc++) j[(mTheta + r) * m + mTheta + cc] = scaling.inverse[r * p + cc];
    hOrig = congruence(transpose(j, m), hFree, m);
  }
  const minEig = hOrig === null ? Number.NaN : symmetricEigenvalues(hOrig, m)[0];
  let maxAbsGradient = 0;
  for (let k = 0; k < m; k++) maxAbsGradient = Math.max(maxAbsGradient, Math.abs(gOrig[k]));
  const scaledGradient = hOrig === null ? Number.NaN : lme4ScaledGradient(hOrig, gOrig, m);

  // Singular fit: an optimised diagonal theta within convergence.singular of its bound.
  let singular = false;
  for (const term of layout.terms) {
    const { row, col } = thetaPositions(term.k);
    for (let t = 0; t < term.nTheta; t++) {
      const k = term.thetaOffset + t;
      if (row[t] === col[t] && free.includes(k) && theta[k] < c.singular) singular = true;
    }
  }

  // Standard errors.
  let vcovScaled: Float64Array | null = null;
  let seMethod = "";
  if (options.se === "none") {
    vcovScaled = new Float64Array(p * p).fill(Number.NaN);
    seMethod = "none: no standard errors were computed (a bootstrap replicate)";
  } else if (options.se !== "rx" && hFree !== null) {
    const hinv = invertSpd(hFree, m);
    if (hinv) {
      vcovScaled = new Float64Array(p * p);
      for (let r = 0; r < p; r++) for (let cc = 0; cc < p; cc++) vcovScaled[r * p + cc] = 2 * hinv[(mTheta + r) * m + mTheta + cc];
      seMethod = "hessian: 2 [H^-1]_beta,beta with H the Hessian of the Laplace deviance over (theta, beta), by forward differences of the exact gradient (the default of lme4 1.1-31, which differences the deviance)";
    } else {
      messages.push("Hessian of the deviance is not positive definite: standard errors from (RX'RX)^-1 instead");
    }
  }
  if (!vcovScaled) {
    vcovScaled = fixedEffectsCrossproductInverse(model);
    seMethod = "rx: (RX'RX)^-1, the fixed-effects block of the PIRLS system at the optimum (theta treated as known)";
  }
  const vcov = congruence(scaling.transform, vcovScaled, p);
  const se = new Float64Array(p);
  for (let r = 0; r < p; r++) se[r] = Math.sqrt(vcov[r * p + r]);

  // Variance components, conditional modes b = Lambda u and conditional variances Lambda P Lambda'.
  const varcorr: VarCorrBlock[] = [];
  const ranef: RanefBlock[] = [];
  const condVars = options.conditionalVariances === false ? null : conditionalCovariances(model);
  const ngroups: Record<string, number> = {};
  layout.terms.forEach((term, t) => {
    const vc = covarianceFromTheta(theta, term.thetaOffset, term.k);
    varcorr.push({ group: term.group, terms: term.terms, covariance: vc.covariance, sd: vc.sd, corr: vc.corr });
    ngroups[term.group] = term.nLevels;
    const modes = Float64Array.from(model.b.subarray(term.uOffset, term.uOffset + term.nLevels * term.k));
    ranef.push({ group: term.group, terms: term.terms, levels: term.levels, modes, condVar: condVars === null ? new Float64Array(term.nLevels * term.k * term.k).fill(Number.NaN) : condVars[t] });
  });

  // lme4's identifiability checks (skipped for a singular fit, as lme4 does), on the Hessian over the
  // optimised (theta, beta~) of the centred and scaled columns: a column in large units (cito 0-100) is
  // no problem here, nearly collinear columns are (identifiability.ts).
  const identifiability = singular || hFree === null
    ? []
    : [...new Set([...identifiabilityMessages(symmetricEigenvalues(fixedEffectsBlock(hFree, m, mTheta), p), "fixed-effect"), ...identifiabilityMessages(symmetricEigenvalues(hFree, m), "")])];
  messages.push(...identifiability);

  // Separation: fitted probabilities at 0/1, with coefficients running off. Coefficients that run off
  // while every fitted probability stays inside (0, 1) are not separation: nearly collinear columns
  // whose large coefficients cancel (the identifiability check above says so), or, if that check is
  // silent, a flat direction the optimiser has not resolved.
  let extreme = 0;
  for (let i = 0; i < model.n; i++) if (model.mu[i] < c.separationProbability || model.mu[i] > 1 - c.separationProbability) extreme++;
  let runaway = false;
  for (let k = 0; k < p; k++) if (Math.abs(betaScaled[k]) > c.runawayCoefficient) runaway = true;
  if (extreme > 0) {
    messages.push(
      `possible complete separation: ${extreme} row(s) with fitted probability 0 or 1${runaway ? ", fixed effects running off" : ""}`,
    );
  } else if (runaway && identifiability.length === 0) {
    messages.push(`fixed effects running off (|beta| > ${c.runawayCoefficient} on the centred and scaled columns) with no fitted probability at 0 or 1`);
  }
  if (runaway && extreme === 0 && identifiability.length > 0) runaway = false;
  // Quasi-complete separation shows as coefficients of 0/1 columns (dummies, the intercept) far out on
  // the logit scale with huge SEs: some combination of those categories has (almost) no events, or
  // only events, and its logit runs off towards +-infinity while the others compensate.
  const suspects: string[] = [];
  for (let jj = 0; jj < p; jj++) {
    if (Math.abs(beta[jj]) > c.quasiSeparationCoefficient && se[jj] > c.quasiSeparationSe && isZeroOne(design.fixed.columns[jj])) {
      suspects.push(`${design.fixed.names[jj]} ${beta[jj].toFixed(2)} (SE ${se[jj].toFixed(1)})`);
    }
  }
  if (suspects.length > 0) {
    messages.push(
      `possible quasi-complete separation: ${suspects.join(", ")}; some combination of these categories has no or only successes in the data`,
    );
  }

  const summary = optimum.summary;
  const logLik = model.logLik();
  const df = dim;
  const deviance = -2 * logLik;
  const optimizerConverged = summary.converged;
  const pirlsOk = optimum.pirlsConverged;
  let converged = optimizerConverged && pirlsOk && !runaway;
  if (!optimizerConverged) {
    const why = summary.newtonMessage === "converged" ? "" : `${summary.newtonMessage}; `;
    messages.push(`optimizer did not converge: ${why}Newton decrement ${summary.newtonDecrement.toExponential(2)} (needs < ${formatTolerance(c.decrement)})`);
  }
  if (!pirlsOk) messages.push("PIRLS did not converge at the optimum");
  if (summary.pirlsFailures > 0) messages.push(`PIRLS reached its iteration limit in ${summary.pirlsFailures} evaluation(s)`);
  if (Number.isFinite(scaledGradient) && scaledGradient > c.scaledGradient) {
    converged = false;
    messages.push(`Model failed to converge with max|grad| = ${scaledGradient.toPrecision(6)} (tol = ${formatTolerance(c.scaledGradient)}, component 1)`);
  }
  if (hOrig !== null && !(minEig > 0) && !singular) {
    converged = false;
    messages.push(`Hessian of the deviance is not positive definite (smallest eigenvalue ${minEig.toPrecision(4)})`);
  }
  if (singular) messages.push("boundary (singular) fit: see help('isSingular')");
  if (summary.fixedTheta) {
    const held = summary.fixedTheta.flatMap((v, k) => (v === null ? [] : [`${objective.parameterNames[k]} = ${v}`]));
    messages.push(`theta held fixed at ${held.join(", ")} (a profile fit): the gradient, Hessian and standard errors are over the other parameters`);
  }

  const convergence: ConvergenceReport = {
    converged,
    optimizer: hess === null
      ? "BFGS with exact gradient and bounds on the theta diagonal, from a nearby optimum with its Hessian as the first curvature (a refit, src/glmm/refit.ts); no Hessian at this optimum"
      : "Newton-type with exact gradient and bounds on the theta diagonal (Hessian: differences of the gradient in theta, 2 RX'RX in beta), then Newton with the full finite-difference Hessian of the gradient",
    iterations: summary.iterations,
    functionEvaluations: summary.evaluations,
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
    optimisation: summary,
    ...(objective.offset ? { offset: Float64Array.from(objective.offset) } : {}),
    ...(hOrig !== null && m === dim ? { hessian: hOrig } : {}),
    elapsedSeconds: objective.setupSeconds + summary.seconds + (performance.now() - started) / 1000,
    threads: model.engine.threaded ? 2 : 1,
  };
}

/** True when every value of the column is 0 or 1 (the intercept, a dummy, a 0/1 indicator). */
function isZeroOne(column: Float64Array): boolean {
  for (let i = 0; i < column.length; i++) if (column[i] !== 0 && column[i] !== 1) return false;
  return true;
}
