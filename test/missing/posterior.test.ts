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
