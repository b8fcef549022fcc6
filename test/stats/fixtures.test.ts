// Post-fit statistics against the shared R fixtures test/fixtures/stats/*.json
// (scripts/r/make-stats-fixtures.R: performance::r2_nakagawa, performance::icc, AMEs from predictions on
// counterfactual data, anova LRTs), recomputed from the fixtures' own fitted parameters on a design
// rebuilt from the same CSV. Tolerances of issue 5: R2 and ICC 0.001, AMEs 0.0005, SEs 2% relative.
// Until the fixtures are generated the tests are reported as skipped (not passed).
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { GlmmFit, RanefBlock, VarCorrBlock } from "../../src/glmm/types";
import { buildDesign } from "../../src/model/design";
import { averageMarginalEffects, type AmeConvention } from "../../src/stats/ame";
import { intraclassCorrelation } from "../../src/stats/icc";
import { likelihoodRatioTest } from "../../src/stats/lrt";
import { nakagawaR2 } from "../../src/stats/r2";
import { readPlainCsv } from "./r-fit";

const DIR = "test/fixtures/stats";

interface FixtureAme {
  term: string;
  method: string;
  randomSlope: boolean;
  estimate: number;
  se: number;
}
interface StatsFixture {
  name: string;
  data: string;
  formula: string;
  columns: Record<string, { type: "numeric" | "factor"; levels?: string[]; reference?: string }>;
  inputs: {
    fixefNames: string[];
    fixef: number[];
    vcov: number[][];
    theta: number[];
    varcorr: { group: string; terms: string[]; covariance: number[][] }[];
    ranef: { group: string; terms: string[]; levels: string[]; modes: number[][]; condVar: number[][][] }[];
    logLik: number;
    nobs: number;
    singular: boolean;
  };
  r2Nakagawa: { conditional: number | null; marginal: number | null };
  byHand: { r2Conditional: number; r2Marginal: number };
  icc?: { adjusted: number | null; unadjusted: number | null; byGroup: { group: string; icc: number }[] | null };
  ame?: Record<AmeConvention, { reIncluded: FixtureAme[]; reExcluded: FixtureAme[] }>;
}

function load(name: string): StatsFixture | undefined {
  const path = join(DIR, `${name}.json`);
  return existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as StatsFixture) : undefined;
}

/** The fixture's fit on a design rebuilt from its CSV with its own factor references. */
function fixtureFit(f: StatsFixture): GlmmFit {
  const numeric = Object.entries(f.columns).filter(([, c]) => c.type === "numeric").map(([name]) => name);
  const data = readPlainCsv(join(DIR, f.data), numeric);
  const reference = Object.fromEntries(
    Object.entries(f.columns).filter(([, c]) => c.type === "factor" && c.reference !== undefined).map(([name, c]) => [name, c.reference as string]),
  );
  const design = buildDesign(f.formula, data, { reference });
  assert.deepEqual([...design.fixed.names], f.inputs.fixefNames, "X columns as lme4's");
  assert.equal(design.nobs, f.inputs.nobs);
  const p = design.fixed.names.length;
  const beta = Float64Array.from(f.inputs.fixef);
  const vcov = Float64Array.from(f.inputs.vcov.flat());
  const n = design.nobs;
  const etaFixed = new Float64Array(n);
  for (let j = 0; j < p; j++) for (let i = 0; i < n; i++) etaFixed[i] += design.fixed.columns[j][i] * beta[j];
  const eta = Float64Array.from(etaFixed);
  const varcorr: VarCorrBlock[] = [];
  const ranef: RanefBlock[] = [];
  design.random.forEach((term, r) => {
    const vc = f.inputs.varcorr[r];
    const re = f.inputs.ranef[r];
    assert.equal(vc.group, term.group);
    assert.deepEqual(vc.terms, [...term.terms]);
    const k = term.terms.length;
    const sd = term.terms.map((_, s) => Math.sqrt(vc.covariance[s][s]));
    varcorr.push({ group: term.group, terms: term.terms, covariance: Float64Array.from(vc.covariance.flat()), sd, corr: vc.covariance.map((row, s) => row.map((c, t) => c / (sd[s] * sd[t]))) });
    const position = new Map(re.levels.map((l, j) => [l, j]));
    const modes = new Float64Array(term.levels.length * k);
    const condVar = new Float64Array(term.levels.length * k * k);
    term.levels.forEach((level, j) => {
      const q = position.get(level);
      if (q === undefined) throw new Error(`${f.name}: level ${level} of ${term.group} not in the fixture`);
      for (let s = 0; s < k; s++) modes[j * k + s] = re.modes[q][s];
      for (let s = 0; s < k; s++) for (let t = 0; t < k; t++) condVar[j * k * k + s * k + t] = re.condVar[q][s][t];
    });
    ranef.push({ group: term.group, terms: term.terms, levels: term.levels, modes, condVar });
    for (let i = 0; i < n; i++) for (let s = 0; s < k; s++) eta[i] += term.z[s][i] * modes[term.index[i] * k + s];
  });
  const df = p + f.inputs.theta.length;
  return {
    design, beta, vcov, se: Float64Array.from({ length: p }, (_, j) => Math.sqrt(vcov[j * p + j])), seMethod: "fixture", theta: Float64Array.from(f.inputs.theta),
    varcorr, ranef, eta, etaFixed, fitted: eta.map((e) => 1 / (1 + Math.exp(-e))), logLik: f.inputs.logLik, deviance: -2 * f.inputs.logLik,
    aic: -2 * f.inputs.logLik + 2 * df, bic: -2 * f.inputs.logLik + df * Math.log(n), df, nobs: n,
    ngroups: Object.fromEntries(design.random.map((t) => [t.group, t.levels.length])),
    convergence: { converged: true, optimizer: "lme4 (fixture)", iterations: 0, functionEvaluations: 0, maxAbsGradient: NaN, maxAbsScaledGradient: NaN, minHessianEigenvalue: NaN, singular: f.inputs.singular, messages: [] },
    elapsedSeconds: 0,
    threads: 1,
  };
}

const within = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol, `${what}: ours ${a}, R ${b}`);
const NAMES = ["model0", "model1a", "model1c", "model2", "h_uncorrelated_slope"];
const fits = new Map<string, GlmmFit>();
function fitOf(name: string, f: StatsFixture): GlmmFit {
  let fit = fits.get(name);
  if (!fit) fits.set(name, (fit = fixtureFit(f)));
  return fit;
}

for (const name of NAMES) {
  const f = load(name);
  const skip = f === undefined ? `${DIR}/${name}.json not generated yet` : false;
  test(`${name}: Nakagawa R2 (as performance, and by hand with every slope) and ICC within 0.001`, { skip }, () => {
    if (!f) return;
    const fit = fitOf(name, f);
    const r2 = nakagawaR2(fit);
    if (f.r2Nakagawa.conditional !== null) within(r2.conditional, f.r2Nakagawa.conditional, 0.001, "R2 conditional");
    if (f.r2Nakagawa.marginal !== null) within(r2.marginal, f.r2Nakagawa.marginal, 0.001, "R2 marginal");
    const all = nakagawaR2(fit, { slopes: "all" });
    within(all.conditional, f.byHand.r2Conditional, 0.001, "R2 conditional, all slopes (by hand)");
    within(all.marginal, f.byHand.r2Marginal, 0.001, "R2 marginal, all slopes (by hand)");
    if (f.icc) {
      const icc = intraclassCorrelation(fit);
      if (f.icc.adjusted !== null) within(icc.adjusted, f.icc.adjusted, 0.001, "ICC adjusted");
      if (f.icc.unadjusted !== null) within(icc.unadjusted, f.icc.unadjusted, 0.001, "ICC unadjusted");
      for (const g of f.icc.byGroup ?? []) {
        const ours = icc.byGroup.find((b) => b.group === g.group);
        assert.ok(ours, `ICC of group ${g.group}`);
        within(ours.icc, g.icc, 0.001, `ICC ${g.group}`);
      }
    }
  });
  if (f?.ame === undefined && f !== undefined) continue;
  for (const convention of ["published", "discrete"] as const) {
    for (const randomEffects of ["included", "excluded"] as const) {
      test(`${name}: AMEs ${convention}, random effects ${randomEffects}, within 0.0005 and SEs within 2%`, { skip }, () => {
        if (!f?.ame) return;
        const expected = f.ame[convention][randomEffects === "included" ? "reIncluded" : "reExcluded"];
        const ours = averageMarginalEffects(fitOf(name, f), { convention, randomEffects });
        assert.deepEqual(ours.effects.map((e) => e.term), expected.map((e) => e.term));
        ours.effects.forEach((e, m) => {
          within(e.estimate, expected[m].estimate, 0.0005, `${e.term} AME`);
          within(e.se, expected[m].se, 0.02 * expected[m].se, `${e.term} SE`);
          assert.equal(e.randomSlope, expected[m].randomSlope, `${e.term} random slope`);
        });
      });
    }
  }
}

const lrt = load("lrt") as { tests: { comparison: string; chisq: number; df: number; p: number }[] } | undefined;
test("LRTs of models 0 -> 1a -> 1c -> 2 equal anova()", { skip: lrt === undefined ? `${DIR}/lrt.json not generated yet` : false }, () => {
  if (!lrt) return;
  const pairs: [string, string][] = [["model0", "model1a"], ["model1a", "model1c"], ["model1c", "model2"]];
  pairs.forEach(([a, b], m) => {
    const fa = load(a);
    const fb = load(b);
    assert.ok(fa && fb);
    const ours = likelihoodRatioTest(fitOf(a, fa), fitOf(b, fb));
    const ref = lrt.tests[m];
    within(ours.statistic, ref.chisq, 1e-6 * Math.max(1, ref.chisq), `${ref.comparison} chisq`);
    assert.equal(ours.df, ref.df);
    within(ours.pValue, ref.p, 1e-6 * Math.max(ref.p, 1e-300), `${ref.comparison} p`);
  });
});
