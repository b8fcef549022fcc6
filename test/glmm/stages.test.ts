/**
 * The solver's stages (fit.ts): the objective, the optimiser and the assembly called one by one give
 * fitDesign's fit bit for bit; the objective evaluates anywhere on the scale of X; the optimisation
 * summary accounts for the work; and what issue 13's profiles and bootstrap need: a warm start, theta
 * held fixed, and an offset (a fixed effect profiled by dropping its column).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { simulateGlmm, type SimulationSpec } from "../../src/glmm/simulate";
import { fitDesign } from "../../src/glmm/fit";
import { laplaceObjective } from "../../src/glmm/objective";
import { optimiseObjective } from "../../src/glmm/optimise";
import { assembleFit } from "../../src/glmm/assemble";
import { withoutFixedColumn } from "../../src/glmm/fixed-column";
import { CONTROL_FIELDS, DEFAULT_CONTROL, GlmmControlError, controlFields, glmmControl } from "../../src/glmm/control";
import type { GlmmFit } from "../../src/glmm/types";

const spec: SimulationSpec = {
  n: 1500,
  seed: 31,
  columns: [
    { name: "x1", kind: "binary", prob: 0.3 },
    { name: "x2", kind: "normal" },
    { name: "x3", kind: "integer", max: 4 },
  ],
  beta: [-0.4, 0.5, -0.3, 0.15],
  terms: [
    { group: "loc", nLevels: 40, slopes: ["x1"], theta: [0.6, -0.2, 0.35], nestedIn: 1, unequalSizes: true },
    { group: "inst", nLevels: 9, theta: [0.4] },
  ],
};
const design = simulateGlmm(spec).design;
const reference = fitDesign(design);

function bits(a: Float64Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString("hex");
}

function close(a: number, b: number, tol: number, what: string): void {
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b} (tolerance ${tol})`);
}

test("the stages called one by one (objective, optimiser, assembly) give fitDesign's fit bit for bit", () => {
  const objective = laplaceObjective(design);
  let fit: GlmmFit;
  try {
    const optimum = optimiseObjective(objective);
    fit = assembleFit(objective, optimum);
  } finally {
    objective.release();
  }
  for (const key of ["beta", "se", "vcov", "theta", "eta", "fitted"] as const) assert.equal(bits(fit[key]), bits(reference[key]), key);
  assert.ok(Object.is(fit.logLik, reference.logLik));
  assert.deepEqual(fit.convergence, reference.convergence);
  assert.ok(reference.convergence.converged, reference.convergence.messages.join("; "));
});

test("the objective evaluates d(theta, beta) on the scale of X without a fit: at the optimum it is -2 logLik, elsewhere its gradient is the derivative of the deviance", () => {
  const objective = laplaceObjective(design);
  try {
    assert.deepEqual(objective.parameterNames, ["loc.(Intercept)", "loc.x1.(Intercept)", "loc.x1", "inst.(Intercept)", ...design.fixed.names]);
    assert.deepEqual([...objective.thetaStart()], [1, 0, 1, 1]);
    // Bernoulli rows: no binomial constant, so d = -2 logLik.
    close(objective.deviance(reference.theta, reference.beta), reference.deviance, 1e-8, "d at the optimum");
    const g = objective.gradient();
    assert.ok(Math.max(...g.map(Math.abs)) < 1e-3, `gradient at the optimum ${[...g]}`);
    // Away from the optimum: central differences of d in (theta, beta on the original scale).
    const theta = [0.5, -0.1, 0.3, 0.3];
    const beta = [-0.2, 0.4, -0.2, 0.1];
    objective.deviance(theta, beta);
    const exact = objective.gradient();
    const h = 1e-5;
    const x = [...theta, ...beta];
    const d = (v: number[]): number => objective.deviance(v.slice(0, 4), v.slice(4));
    for (let k = 0; k < x.length; k++) {
      const xp = x.slice();
      const xm = x.slice();
      xp[k] += h;
      xm[k] -= h;
      const fd = (d(xp) - d(xm)) / (2 * h);
      assert.ok(Math.abs(exact[k] - fd) < 1e-5 * Math.max(1, Math.abs(fd)), `${objective.parameterNames[k]}: exact ${exact[k]} vs differences ${fd}`);
    }
    // The PIRLS state at the last point evaluated: u_hat, b = Lambda u, eta, mu, the pieces of d.
    objective.deviance(theta, beta);
    const state = objective.state();
    assert.ok(state.converged && state.iterations >= 0 && state.halvings >= 0);
    close(state.deviance, state.penalisedDeviance + state.logDet, 1e-9, "d = PD + log det");
    close(state.logLik, -state.deviance / 2, 1e-9, "logLik");
    let uu = 0;
    for (const v of state.u) uu += v * v;
    close(state.penalisedDeviance, state.conditionalDeviance + uu, 1e-9, "PD = conditional deviance + |u|^2");
    assert.equal(state.eta.length, design.nobs);
    for (let i = 0; i < 5; i++) close(state.mu[i], 1 / (1 + Math.exp(-state.eta[i])), 1e-15, `mu[${i}]`);
    for (let j = 0; j < 4; j++) close(state.beta[j], x[4 + j], 1e-14, `beta[${j}] read back`);
    const counts = objective.counts();
    assert.ok(counts.pirlsSolutions >= 2 * x.length && counts.gradients === 2, JSON.stringify(counts));
    assert.throws(() => objective.deviance([0.5, -0.1, -0.3, 0.3], beta), /theta\[2\] \(loc\.x1\) = -0\.3 is below its lower bound 0/);
    assert.throws(() => objective.deviance(theta, [1, 2]), /beta has 2 values, the model 4/);
  } finally {
    objective.release();
  }
  assert.throws(() => objective.deviance([0.5, -0.1, 0.3, 0.3], [0, 0, 0, 0]), /released/);
});

test("the optimisation summary says where the optimiser started, what each stage did and what it found", () => {
  const s = reference.optimisation!;
  assert.ok(s, "a fit from fitDesign carries its optimisation summary");
  assert.equal(s.start.kind, "lme4 start");
  assert.deepEqual([...s.start.theta], [1, 0, 1, 1]);
  assert.deepEqual(s.stages.map((st) => st.stage), ["beta at start", "EM", "Newton", "polish"]);
  assert.equal(s.stages.reduce((a, st) => a + st.evaluations, 0), reference.convergence.functionEvaluations);
  assert.equal(s.evaluations, reference.convergence.functionEvaluations);
  assert.equal(s.iterations, reference.convergence.iterations);
  assert.equal(s.stages[2].iterations + s.stages[3].iterations, s.iterations, "Newton and polish steps");
  assert.equal(s.stages.reduce((a, st) => a + st.pirlsPasses, 0), s.pirlsPasses);
  assert.ok(s.start.deviance > s.stages[0].deviance && s.stages[0].deviance > s.optimum.deviance, s.stages.map((st) => st.deviance).join(" > "));
  assert.ok(s.stages[s.stages.length - 1].deviance === s.optimum.deviance);
  close(s.optimum.deviance, reference.deviance, 1e-9, "optimum deviance");
  assert.equal(bits(s.optimum.beta), bits(reference.beta));
  assert.equal(s.finalGradient.length, 8);
  close(Math.max(...s.finalGradient.map(Math.abs)), reference.convergence.maxAbsGradient, 0, "final gradient");
  assert.ok(s.converged && s.newtonDecrement < 1e-6 && s.message.startsWith("converged"), s.message);
  assert.ok(s.pirlsPasses > s.pirlsSolutions && s.gradients > 0 && s.rxComputations > 0);
  assert.deepEqual(s.control, DEFAULT_CONTROL);
  assert.equal(s.fixedTheta, null);
});

test("a warm start from the optimum converges in a few evaluations to the same optimum", () => {
  const warm = fitDesign(design, { start: reference });
  const s = warm.optimisation!;
  assert.equal(s.start.kind, "warm start");
  assert.deepEqual(s.stages.map((st) => st.stage), ["Newton", "polish"]);
  assert.ok(warm.convergence.converged);
  assert.ok(
    warm.convergence.functionEvaluations <= reference.convergence.functionEvaluations / 2,
    `warm ${warm.convergence.functionEvaluations} evaluations vs cold ${reference.convergence.functionEvaluations}`,
  );
  close(warm.logLik, reference.logLik, 1e-9, "logLik");
  warm.beta.forEach((b, j) => close(b, reference.beta[j], 1e-4 * reference.se[j], `beta ${j}`));
  warm.theta.forEach((t, k) => close(t, reference.theta[k], 1e-4, `theta ${k}`));
  // A start from elsewhere converges too, to the same optimum.
  const far = fitDesign(design, { start: { theta: [1, 0, 1, 1], beta: [0, 0, 0, 0] } });
  assert.ok(far.convergence.converged, far.convergence.messages.join("; "));
  close(far.logLik, reference.logLik, 1e-7, "logLik from a far start");
  assert.throws(() => fitDesign(design, { start: { theta: [1, 0, 1], beta: [0, 0, 0, 0] } }), /the start has 3 theta and 4 beta, the model 4 and 4/);
  // Without stage A and EM the optimiser starts from lme4's start itself, and still gets there.
  const bare = fitDesign(design, { control: { start: { betaMaxIterations: 0, emSteps: 0 } } });
  assert.deepEqual(bare.optimisation!.stages.map((st) => st.stage), ["Newton", "polish"]);
  assert.ok(Number.isFinite(bare.optimisation!.start.deviance) && bare.optimisation!.start.deviance > bare.deviance);
  close(bare.logLik, reference.logLik, 1e-7, "logLik without the start stages");
});

test("holding one theta at its estimate reproduces the estimates of the rest; held elsewhere, the deviance is higher", () => {
  const held = [null, null, reference.theta[2], null];
  const profile = fitDesign(design, { fixedTheta: held });
  assert.equal(profile.theta[2], reference.theta[2], "the held theta is not moved");
  assert.ok(profile.convergence.converged, profile.convergence.messages.join("; "));
  assert.ok(profile.convergence.messages.some((m) => m.startsWith("theta held fixed at loc.x1 = ")));
  close(profile.logLik, reference.logLik, 1e-8, "logLik");
  profile.beta.forEach((b, j) => close(b, reference.beta[j], 1e-3 * reference.se[j], `beta ${j}`));
  [0, 1, 3].forEach((k) => close(profile.theta[k], reference.theta[k], 1e-3, `theta ${k}`));
  assert.deepEqual(profile.optimisation!.fixedTheta, held);
  // Held away from the estimate (and warm-started, as a profile would be): a higher deviance, still a minimum over the rest.
  const away = fitDesign(design, { fixedTheta: [null, null, reference.theta[2] * 1.5, null], start: reference });
  assert.equal(away.theta[2], reference.theta[2] * 1.5);
  assert.ok(away.convergence.converged, away.convergence.messages.join("; "));
  assert.ok(away.deviance > reference.deviance + 1e-3, `${away.deviance} vs ${reference.deviance}`);
  assert.ok(Math.max(...away.optimisation!.finalGradient.filter((_, k) => k !== 2).map(Math.abs)) < 1e-3);
  assert.throws(() => fitDesign(design, { fixedTheta: [null, null, -0.1, null] }), /fixedTheta\[2\] \(loc\.x1\) = -0\.1 is below its lower bound 0/);
  assert.throws(() => fitDesign(design, { fixedTheta: [null, 0.1] }), /fixedTheta has 2 entries, the model 4 theta/);
});

test("an offset beta_j x_j with column j dropped is the full model with beta_j held: same deviance at any point, same optimum", () => {
  const j = 2;
  const { design: reduced, column, name } = withoutFixedColumn(design, j);
  assert.equal(name, "x2");
  assert.deepEqual(reduced.fixed.names, ["(Intercept)", "x1", "x3"]);
  // At an arbitrary point.
  const theta = [0.5, -0.1, 0.3, 0.3];
  const beta = [-0.2, 0.4, -0.2, 0.1];
  const full = laplaceObjective(design);
  const part = laplaceObjective(reduced, { offset: column.map((x) => beta[j] * x) });
  try {
    const dFull = full.deviance(theta, beta);
    const dPart = part.deviance(theta, beta.filter((_, k) => k !== j));
    close(dPart, dFull, 1e-9 * Math.abs(dFull), "deviance with the offset");
  } finally {
    full.release();
    part.release();
  }
  // At the optimum: holding beta_j at its estimate by the offset gives back the fit.
  const offsetFit = fitDesign(reduced, { offset: column.map((x) => reference.beta[j] * x) });
  assert.ok(offsetFit.convergence.converged, offsetFit.convergence.messages.join("; "));
  close(offsetFit.logLik, reference.logLik, 1e-8, "logLik");
  [0, 1, 3].forEach((k, r) => close(offsetFit.beta[r], reference.beta[k], 1e-3 * reference.se[k], `beta ${k}`));
  assert.equal(offsetFit.offset?.length, design.nobs);
  assert.throws(() => withoutFixedColumn(design, "nope"), /no fixed-effect column "nope"/);
  assert.throws(() => fitDesign(reduced, { offset: [1, 2, 3] }), /the offset has 3 values, the design 1500 rows/);
});

test("the control: every field has a default, a kind and its lme4 counterpart; a wrong field or value is named; a control changes the fit", () => {
  const rows = controlFields();
  assert.ok(rows.length >= 35, `${rows.length} fields`);
  for (const r of rows) {
    assert.equal(r.value, r.default);
    assert.ok(r.meaning.length > 10 && r.lme4.length >= 4, r.field);
  }
  assert.equal(Object.keys(CONTROL_FIELDS).join(","), "pirls,start,newton,polish,lineSearch,convergence");
  assert.deepEqual(glmmControl(), DEFAULT_CONTROL);
  assert.equal(glmmControl({ pirls: { tolerance: 1e-18 } }).pirls.tolerance, 1e-18);
  assert.equal(glmmControl({ pirls: { tolerance: 1e-18 } }).pirls.maxIterations, 60);
  const fails = (input: unknown, message: RegExp, field: string): void => {
    assert.throws(
      () => glmmControl(input as Parameters<typeof glmmControl>[0]),
      (e: unknown) => e instanceof GlmmControlError && message.test(e.message) && e.field === field,
    );
  };
  fails({ pirls: { tolerence: 1e-12 } }, /^glmm control: unknown field "pirls\.tolerence" \(fields of pirls: maxIterations, tolerance, /, "pirls.tolerence");
  fails({ newtn: {} }, /unknown group "newtn" \(groups: pirls, start, newton, polish, lineSearch, convergence\)/, "newtn");
  fails({ newton: { maxIterations: 0 } }, /^glmm control: newton\.maxIterations must be a whole number >= 1, got 0$/, "newton.maxIterations");
  fails({ pirls: { tolerance: -1 } }, /pirls\.tolerance must be a number > 0, got -1/, "pirls.tolerance");
  fails({ lineSearch: { boundFraction: 1 } }, /lineSearch\.boundFraction must be a number strictly between 0 and 1, got 1/, "lineSearch.boundFraction");
  fails({ start: { emSteps: "4" } }, /start\.emSteps must be a finite number, got "4"/, "start.emSteps");
  fails({ polish: { tolerance: Number.NaN } }, /polish\.tolerance must be a finite number, got NaN/, "polish.tolerance");
  // A control changes the fit: one Newton step and no polishing cannot converge, and says so.
  const short = fitDesign(design, { control: { newton: { maxIterations: 1 }, polish: { maxRounds: 0 } } });
  assert.equal(short.convergence.converged, false);
  assert.ok(short.convergence.messages.some((m) => m.startsWith("optimizer did not converge: no convergence in 1 iterations; Newton decrement")), short.convergence.messages.join("; "));
  assert.equal(short.optimisation!.control.newton.maxIterations, 1);
  // GlmmOptions.maxIterations is control.newton.maxIterations.
  const alias = fitDesign(design, { maxIterations: 1, control: { polish: { maxRounds: 0 } } });
  assert.equal(bits(alias.beta), bits(short.beta));
  // The defaults given explicitly change nothing.
  const explicit = fitDesign(design, { control: glmmControl() });
  assert.equal(bits(explicit.beta), bits(reference.beta));
});
