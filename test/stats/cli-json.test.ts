// The post-fit statistics in `glmm fit --json` (issue 5, item 7) and the --ame flag.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { parseGlmmArgs, UsageError } from "../../src/cli/args";
import { fitToJson } from "../../src/cli/fitJson";
import { fitFromR, readPlainCsv, type RModel } from "./r-fit";

const reference = JSON.parse(readFileSync("test/stats/r/stats-check.json", "utf8")) as {
  models: Record<string, RModel & { r2: Record<string, number>; icc: { ICC_adjusted: number; ICC_unadjusted: number }; ame_included: { term: string; convention: string; estimate: number; se: number }[] }>;
};
const data = readPlainCsv("test/stats/r/stats-check.csv", ["y", "niet_westers", "leeftijd"]);

test("fit --json carries r2, icc and ame (published by default, discrete on request) matching R", () => {
  const model = reference.models.m2;
  const fit = fitFromR(model, data);
  for (const convention of ["published", "discrete"] as const) {
    const json = fitToJson(fit, { ame: convention });
    assert.equal(json.ameConvention, convention);
    assert.deepEqual(json.statisticsErrors, []);
    assert.ok(json.r2 && json.icc && json.ame);
    assert.ok(Math.abs((json.r2.conditional ?? NaN) - model.r2["R2_conditional.Conditional R2"]) < 0.001);
    assert.ok(Math.abs((json.r2.marginal ?? NaN) - model.r2["R2_marginal.Marginal R2"]) < 0.001);
    assert.ok(Math.abs((json.icc.adjusted ?? NaN) - model.icc.ICC_adjusted) < 0.001);
    assert.ok(Math.abs((json.icc.unadjusted ?? NaN) - model.icc.ICC_unadjusted) < 0.001);
    const expected = model.ame_included.filter((a) => a.convention === convention);
    assert.deepEqual(json.ame.map((a) => a.term), expected.map((a) => a.term));
    json.ame.forEach((a, m) => {
      assert.ok(Math.abs((a.estimate ?? NaN) - expected[m].estimate) < 0.0005, a.term);
      assert.ok(Math.abs((a.se ?? NaN) / expected[m].se - 1) < 0.02, a.term);
    });
  }
  assert.equal(fitToJson(fit).ameConvention, "published");
});

test("--ame takes published or discrete and is absent unless given", () => {
  const base = ["fit", "--data", "x.csv", "--formula", "y ~ x + (1 | g)"];
  const plain = parseGlmmArgs(base);
  assert.ok(plain.command === "fit" && plain.ame === undefined);
  const discrete = parseGlmmArgs([...base, "--ame", "discrete"]);
  assert.ok(discrete.command === "fit" && discrete.ame === "discrete");
  const eq = parseGlmmArgs([...base, "--ame=published"]);
  assert.ok(eq.command === "fit" && eq.ame === "published");
  assert.throws(() => parseGlmmArgs([...base, "--ame", "marginal"]), (e: unknown) => e instanceof UsageError && /--ame must be 'published' or 'discrete'/.test(e.message));
});

test("a statistic that cannot be computed is null in the JSON with the reason, the fit itself still printed", () => {
  const fit = fitFromR(reference.models.m2, data);
  const json = fitToJson({ ...fit, ranef: [] });
  assert.equal(json.ame, null);
  assert.ok(json.r2 !== null && json.icc !== null, "R2 and ICC do not need the conditional modes");
  assert.equal(json.statisticsErrors.length, 1);
  assert.match(json.statisticsErrors[0], /^ame: fit.ranef\[0\] does not match random-effects term/);
  assert.equal(json.fixef.length, fit.beta.length);
});
