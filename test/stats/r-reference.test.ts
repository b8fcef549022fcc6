// Post-fit statistics against R (lme4 1.1-31, performance 0.10.2) on the same fits: the parameters
// come from test/stats/r/stats-check.json, written by test/stats/r/make-stats-check.R together with the
// data (stats-check.csv). Tolerances as issue 5 sets them: R2 and ICC 0.001, AMEs 0.0005 absolute, their
// SEs 2% relative.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { averageMarginalEffects } from "../../src/stats/ame";
import { intraclassCorrelation } from "../../src/stats/icc";
import { likelihoodRatioTest } from "../../src/stats/lrt";
import { nakagawaR2 } from "../../src/stats/r2";
import { fitFromR, readPlainCsv, type RModel } from "./r-fit";

interface RAme {
  term: string;
  convention: "published" | "discrete";
  estimate: number;
  se: number;
}
interface RDescribed extends RModel {
  r2: Record<string, number>;
  icc: { ICC_adjusted: number; ICC_unadjusted: number };
  icc_by_group: Record<string, number>;
  ame_included: RAme[];
  ame_excluded: RAme[];
}
const reference = JSON.parse(readFileSync("test/stats/r/stats-check.json", "utf8")) as {
  models: Record<string, RDescribed>;
  lrt_m0_m2: { chisq: number; df: number; p: number };
};
const data = readPlainCsv("test/stats/r/stats-check.csv", ["y", "niet_westers", "leeftijd"]);
const fits = Object.fromEntries(Object.entries(reference.models).map(([k, m]) => [k, fitFromR(m, data)]));

const within = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol, `${what}: ours ${a}, R ${b}`);

for (const [name, model] of Object.entries(reference.models)) {
  test(`${name}: Nakagawa R2 and ICC match performance within 0.001`, () => {
    const fit = fits[name];
    const r2 = nakagawaR2(fit);
    within(r2.conditional, model.r2["R2_conditional.Conditional R2"], 0.001, "R2 conditional");
    within(r2.marginal, model.r2["R2_marginal.Marginal R2"], 0.001, "R2 marginal");
    const icc = intraclassCorrelation(fit);
    within(icc.adjusted, model.icc.ICC_adjusted, 0.001, "ICC adjusted");
    within(icc.unadjusted, model.icc.ICC_unadjusted, 0.001, "ICC unadjusted");
    for (const g of icc.byGroup) within(g.icc, model.icc_by_group[g.group], 0.001, `ICC ${g.group}`);
  });
}

test("m2: performance drops the random slope named niet_westers (not a column of X); slopes = 'all' keeps it", () => {
  const r2 = nakagawaR2(fits.m2);
  assert.deepEqual(r2.droppedSlopes, ["niet_westers | locatie"]);
  assert.ok(nakagawaR2(fits.m2, { slopes: "all" }).conditional > r2.conditional);
});

for (const [name, model] of Object.entries(reference.models)) {
  for (const randomEffects of ["included", "excluded"] as const) {
    const expected = randomEffects === "included" ? model.ame_included : model.ame_excluded;
    if (expected.length === 0) continue;
    for (const convention of ["published", "discrete"] as const) {
      test(`${name}: AMEs (${convention}, random effects ${randomEffects}) match R's predict() within 0.0005, SEs within 2%`, () => {
        const ours = averageMarginalEffects(fits[name], { convention, randomEffects });
        const rows = expected.filter((e) => e.convention === convention);
        assert.deepEqual(ours.effects.map((e) => e.term), rows.map((r) => r.term));
        ours.effects.forEach((e, m) => {
          within(e.estimate, rows[m].estimate, 0.0005, `${e.term} AME`);
          within(e.se, rows[m].se, 0.02 * rows[m].se, `${e.term} SE`);
        });
      });
    }
  }
}

test("LRT m0 vs m2 matches anova()", () => {
  const lrt = likelihoodRatioTest(fits.m0, fits.m2);
  within(lrt.statistic, reference.lrt_m0_m2.chisq, 1e-6, "chisq");
  assert.equal(lrt.df, reference.lrt_m0_m2.df);
  within(lrt.pValue / reference.lrt_m0_m2.p, 1, 1e-6, "p relative");
});
