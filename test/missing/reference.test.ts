/**
 * End to end against R on the small frame (test/missing/fixtures/runner.R wrote pooled.json and
 * lmer-imputation-model.json; README.md there lists the tolerances):
 *
 *  - complete cases and the missing-indicator model 2 against glmer: the solver's own agreement with
 *    lme4 (test/glmm/reference.test.ts): estimates within 0.002 absolute or 0.5 % relative, SEs within 1 %.
 *    Where glmer reports that it did not converge (both fits here: max|grad| 0.019 and 0.035 > 0.002), its
 *    estimates are off by its own account: then this solver's log-likelihood must be at least glmer's and
 *    the estimates agree within 0.05 SE;
 *  - multiple imputation (m = 50, normal draws, the imputation model without the institution level as
 *    jomo1ran has it) against jomo1ran + glmer + mitml on the same data. Two MI runs differ by Monte Carlo
 *    error only: a pooled estimate has variance B / m, so the two differ by at most
 *    4 sqrt((B_R + B_TS) / m) (+ the solver's 0.002); the total variance T = Ubar + (1 + 1/m) B, with B
 *    estimated from m draws (relative SD sqrt(2 / (m - 1))), within 4 of those SDs of each other (+ 2 % of
 *    Ubar); the FMI within 4 sqrt(2) lambda (1 - lambda) sqrt(2 / (m - 1)) + 0.01. The same for the pooled AMEs;
 * (The three-level imputation model against lmer is in posterior.test.ts.)
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { completeCaseAnalysis, missingIndicatorAnalysis, multipleImputationAnalysis, type EstimateRow, type MissingDataAnalysis } from "../../src/missing";
import { FIXTURES, smallFrame } from "./small-frame";

interface PooledRow { term: string; estimate: number; se: number; df: number; riv: number; fmi: number; within: number; between: number; total: number; lambda: number }
interface Pooled { m: number; dfComplete: number; nobs: number; coefficients: PooledRow[]; ames: PooledRow[]; convergence: { converged: boolean }[] }
interface Single {
  nobs: number;
  convergence: { logLik: number; converged: boolean; messages: string[] };
  coefficients: { term: string; estimate: number; se: number }[];
  ames: { term: string; estimate: number; se: number }[];
}
const fx = JSON.parse(readFileSync(join(FIXTURES, "pooled.json"), "utf8")) as { jomo: Pooled; completeCases: Single; missingIndicator: Single };
const fxMice = JSON.parse(readFileSync(join(FIXTURES, "pooled-mice.json"), "utf8")) as { mice: Pooled };
const frame = smallFrame();

function compareSingle(ours: MissingDataAnalysis, r: Single, what: string): void {
  assert.equal(ours.nobs, r.nobs, `${what}: rows`);
  const logLik = ours.fits[0].logLik as number;
  assert.equal(ours.fits[0].status, "converged");
  if (!r.convergence.converged) assert.ok(logLik >= r.convergence.logLik - 1e-6, `${what}: logLik ${logLik} below glmer's ${r.convergence.logLik}`);
  for (const [rows, ref] of [[ours.coefficients, r.coefficients], [ours.ames, r.ames]] as const) {
    for (const x of ref) {
      const o = rows.find((c: EstimateRow) => c.term === x.term);
      assert.ok(o, `${what}: ${x.term}`);
      const tol = r.convergence.converged ? Math.max(0.002, 0.005 * Math.abs(x.estimate)) : 0.05 * x.se;
      assert.ok(Math.abs(o.estimate - x.estimate) <= tol, `${what} ${x.term}: ${o.estimate} vs glmer ${x.estimate}`);
      assert.ok(Math.abs(o.se / x.se - 1) <= 0.01, `${what} ${x.term}: SE ${o.se} vs glmer ${x.se}`);
    }
  }
}

test("complete cases and the missing-indicator model equal glmer's fits", async () => {
  compareSingle(await completeCaseAnalysis(frame), fx.completeCases, "complete cases");
  compareSingle(await missingIndicatorAnalysis(frame), fx.missingIndicator, "missing indicator");
});

function comparePooled(ours: readonly EstimateRow[], r: readonly PooledRow[], m: number, what: string, slack = 1): void {
  assert.equal(ours.length, r.length, `${what}: number of terms`);
  for (const x of r) {
    const o = ours.find((c) => c.term === x.term);
    assert.ok(o && o.between !== null && o.within !== null && o.total !== null && o.fmi !== null && o.lambda !== null, `${what}: ${x.term}`);
    const tolQ = slack * 4 * Math.sqrt((x.between + o.between) / m) + Math.max(0.002, 0.005 * Math.abs(x.estimate));
    assert.ok(Math.abs(o.estimate - x.estimate) <= tolQ, `${what} ${x.term}: pooled ${o.estimate} vs R ${x.estimate} (tolerance ${tolQ.toPrecision(3)})`);
    const sdT = (1 + 1 / m) * Math.sqrt(2 / (m - 1)) * Math.hypot(x.between, o.between);
    const tolT = slack * 4 * sdT + 0.02 * x.within;
    assert.ok(Math.abs(o.total - x.total) <= tolT, `${what} ${x.term}: total variance ${o.total} vs R ${x.total} (tolerance ${tolT.toPrecision(3)})`);
    const lam = Math.max(x.lambda, o.lambda);
    const tolF = slack * 4 * Math.SQRT2 * lam * (1 - lam) * Math.sqrt(2 / (m - 1)) + 0.01;
    assert.ok(Math.abs(o.fmi - x.fmi) <= tolF, `${what} ${x.term}: FMI ${o.fmi} vs R ${x.fmi} (tolerance ${tolF.toPrecision(3)})`);
  }
}

test("multiple imputation: pooled coefficients and AMEs, their variances and FMI equal jomo1ran + glmer + mitml within Monte Carlo error", async () => {
  const m = fx.jomo.m;
  const ours = await multipleImputationAnalysis(frame, { m, seed: 2024, burnIn: 1000, between: 200, draw: "normal", imputationModel: { institution: false } });
  assert.equal(ours.dfComplete, fx.jomo.dfComplete);
  assert.equal(ours.convergence.pooled, m);
  comparePooled(ours.coefficients, fx.jomo.coefficients, m, "coefficient");
  comparePooled(ours.ames, fx.jomo.ames, m, "AME");
});

test("mice's 2l.lmer imputations (an approximate posterior draw from lmer's fit) agree as well", async () => {
  const m = fxMice.mice.m;
  const ours = await multipleImputationAnalysis(frame, { m, seed: 7, burnIn: 1000, between: 200, draw: "normal", imputationModel: { institution: false } });
  comparePooled(ours.coefficients, fxMice.mice.coefficients, m, "coefficient (mice)");
  comparePooled(ours.ames, fxMice.mice.ames, m, "AME (mice)");
});
