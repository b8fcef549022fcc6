/**
 * The imputation model's posterior (gibbs-sampler.ts through imputeCito) against jomo 2.7's sampler on
 * the same data, model and priors: test/missing/fixtures/runner.R ran jomo1ran.MCMCchain (2,000 burn-in
 * + 20,000 draws) for cito ~ covariates + citojaar + doorstroom + doorstroom:niet_westers +
 * (1 + niet_westers | locatie) on small-frame.csv (the institution level left out: jomo1ran has one
 * cluster level). Both chains target p(parameters | observed scores); they differ in their random numbers
 * and in their algorithm (jomo imputes the missing scores inside the chain, this sampler leaves them
 * out and draws all effects in one block).
 *
 * Tolerance: a posterior mean differs from jomo's by at most 4 sqrt(MCSE_R^2 + MCSE_TS^2), the Monte
 * Carlo errors by batch means on both sides (4 standard errors: about 1 in 16,000 per comparison by
 * chance, 25 comparisons). Posterior SDs of the fixed effects and sigma^2 (effective sample sizes in the
 * thousands) agree within 6 %.
 *
 * The three-level model (with institutions), which jomo1ran cannot fit, against lmer's REML fit of the
 * same model on the observed rows (lmer-imputation-model.json): with a flat prior and 1,242 scores the
 * posterior means of the fixed effects lie within a small fraction of an SE of the REML estimates
 * (0.1 SE + 4 MCSE), sigma^2 within 2 %, the location intercept variance and the institution variance
 * within 35 % (posterior means of variances sit above REML's estimates with 40 locations and 10
 * institutions). REML puts the location slope variance at its boundary (0.16 with a correlation of +1, a
 * singular fit); the posterior, which cannot sit on a boundary, is only required to be small there.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { buildCitoImputationModel, imputeCito } from "../../src/missing";
import { FIXTURES, smallFrame } from "./small-frame";

interface Param { name: string; mean: number; sd: number; mcse: number }
const fx = JSON.parse(readFileSync(join(FIXTURES, "jomo-posterior.json"), "utf8")) as { parameters: Param[]; burnIn: number; draws: number };

test("posterior means and SDs of the two-level imputation model equal jomo1ran's within Monte Carlo error", () => {
  const model = buildCitoImputationModel(smallFrame(), { institution: false });
  const imp = imputeCito(model, { m: 200, between: 100, burnIn: 2000, draw: "normal", seed: 1 });
  assert.equal(imp.chain.sweeps, 22000);
  assert.equal(fx.parameters.length, 25);
  for (const r of fx.parameters) {
    const p = imp.chain.parameters.find((x) => x.name === r.name);
    assert.ok(p, `the TS chain traces ${r.name}`);
    const tol = 4 * Math.hypot(r.mcse, p.mcse);
    assert.ok(Math.abs(p.mean - r.mean) <= tol, `${r.name}: posterior mean ${p.mean} vs jomo ${r.mean} (tolerance ${tol.toFixed(4)})`);
    if (!r.name.startsWith("psi")) assert.ok(Math.abs(p.sd / r.sd - 1) < 0.06, `${r.name}: posterior SD ${p.sd} vs jomo ${r.sd}`);
  }
});

test("the three-level imputation model's posterior agrees with lmer's REML fit", () => {
  const r = JSON.parse(readFileSync(join(FIXTURES, "lmer-imputation-model.json"), "utf8")) as {
    nobs: number; fixed: { name: string; estimate: number; se: number }[]; sigma2: number; psi: { intercept: number; slope: number; covariance: number }; tau2: number;
  };
  const model = buildCitoImputationModel(smallFrame());
  assert.equal(model.observedRows.length, r.nobs);
  const imp = imputeCito(model, { m: 100, between: 100, burnIn: 2000, seed: 3 });
  const get = (name: string) => {
    const p = imp.chain.parameters.find((x) => x.name === name);
    assert.ok(p, name);
    return p;
  };
  for (const f of r.fixed) {
    const p = get(f.name);
    assert.ok(Math.abs(p.mean - f.estimate) <= 0.1 * f.se + 4 * p.mcse, `${f.name}: posterior mean ${p.mean} vs REML ${f.estimate} (SE ${f.se})`);
  }
  assert.ok(Math.abs(get("sigma2").mean / r.sigma2 - 1) < 0.02);
  assert.ok(Math.abs(get("psi:(Intercept)").mean / r.psi.intercept - 1) < 0.35, `psi intercept ${get("psi:(Intercept)").mean} vs ${r.psi.intercept}`);
  assert.ok(get("psi:niet_westers").mean < 0.5 * get("psi:(Intercept)").mean, `psi slope ${get("psi:niet_westers").mean} (REML ${r.psi.slope}, at its boundary)`);
  assert.ok(Math.abs(get("tau2").mean / r.tau2 - 1) < 0.35, `tau2 ${get("tau2").mean} vs ${r.tau2}`);
});
