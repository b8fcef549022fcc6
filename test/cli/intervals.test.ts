/**
 * The interval flags end to end (issue 13 item 1): `glmm fit --json --profile all --bootstrap N --seed S`
 * on the cbpp data (test/fixtures/glmm/g_cbpp.csv), against lme4's confint(profile, oldNames = FALSE) of
 * the same model (test/fixtures/intervals/g_cbpp.profile.json, scripts/r/make-interval-fixtures.R): the
 * same parameter names in the same order, each end within 2 % of lme4's interval width; the bootstrap's
 * replicate file extended by a second run equals one longer run; the text summary prints the intervals.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runGlmm } from "../../src/cli/glmm";
import type { FitJson } from "../../src/cli/fitJson";

const ROOT = join(__dirname, "..", "fixtures");
const CBPP = ["fit", "--data", join(ROOT, "glmm", "g_cbpp.csv"), "--formula", "cbind(incidence, noninc) ~ period + (1 | herd)", "--factor", "period,herd"];
const lme4 = JSON.parse(readFileSync(join(ROOT, "intervals", "g_cbpp.profile.json"), "utf8")) as {
  profile: { intervals: { parameter: string; lower: number; upper: number }[] };
};
let dir = "";

before(() => {
  dir = mkdtempSync(join(tmpdir(), "glmm-intervals-"));
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

function run(argv: string[]): { status: number; stdout: string; stderr: string } {
  let stdout = "";
  let stderr = "";
  const status = runGlmm(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { status, stdout, stderr };
}

test("--json --profile: the variance parameters only; --profile all: lme4's names and order, each end within 2 % of lme4's width", () => {
  const variance = run([...CBPP, "--json", "--profile"]);
  assert.equal(variance.status, 0, variance.stderr);
  const v = JSON.parse(variance.stdout) as FitJson;
  assert.deepEqual(v.intervals!.map((iv) => [iv.parameter, iv.method, iv.level]), [["sd_(Intercept)|herd", "profile", 0.95]]);
  assert.equal(v.bootstrap, undefined);

  const all = run([...CBPP, "--json", "--profile", "all"]);
  assert.equal(all.status, 0, all.stderr);
  const j = JSON.parse(all.stdout) as FitJson;
  assert.deepEqual(j.intervals!.map((iv) => iv.parameter), lme4.profile.intervals.map((iv) => iv.parameter));
  for (const [k, ref] of lme4.profile.intervals.entries()) {
    const ours = j.intervals![k];
    const width = ref.upper - ref.lower;
    assert.ok(Math.abs((ours.lower as number) - ref.lower) <= 0.02 * width, `${ref.parameter} lower ${ours.lower} vs ${ref.lower}`);
    assert.ok(Math.abs((ours.upper as number) - ref.upper) <= 0.02 * width, `${ref.parameter} upper ${ours.upper} vs ${ref.upper}`);
    assert.equal(typeof ours.note, "string");
  }
  assert.equal(j.profile!.level, 0.95);
});

test("--bootstrap N --seed S: bootstrap intervals after the profile's, counts in `bootstrap`; a file extended by a later run equals one run of that length", () => {
  const file = join(dir, "cbpp.kboot");
  const short = run([...CBPP, "--json", "--profile", "--bootstrap", "12", "--seed", "9", "--bootstrap-file", file]);
  assert.equal(short.status, 0, short.stderr);
  const s = JSON.parse(short.stdout) as FitJson;
  assert.deepEqual([s.bootstrap!.replicates, s.bootstrap!.computed, s.bootstrap!.reused, s.bootstrap!.seed], [12, 12, 0, 9]);
  assert.equal(s.bootstrap!.converged + s.bootstrap!.notConverged + s.bootstrap!.failed, 12);
  const methods = s.intervals!.map((iv) => iv.method);
  assert.equal(methods[0], "profile");
  assert.ok(methods.slice(1).every((m) => m === "bootstrap"));
  const names = s.intervals!.filter((iv) => iv.method === "bootstrap").map((iv) => iv.parameter);
  for (const name of ["sd_(Intercept)|herd", "(Intercept)", "period2", "icc_adjusted", "r2_conditional", "ame:conditional:period2", "ame:integrated:period4"]) {
    assert.ok(names.includes(name), `${name} in ${names.join(", ")}`);
  }

  const extended = JSON.parse(run([...CBPP, "--json", "--bootstrap", "20", "--seed", "9", "--bootstrap-file", file]).stdout) as FitJson;
  assert.deepEqual([extended.bootstrap!.computed, extended.bootstrap!.reused], [8, 12]);
  const once = JSON.parse(run([...CBPP, "--json", "--bootstrap", "20", "--seed", "9"]).stdout) as FitJson;
  assert.deepEqual(extended.intervals, once.intervals);

  const other = JSON.parse(run([...CBPP, "--json", "--bootstrap", "20", "--seed", "10"]).stdout) as FitJson;
  assert.notDeepEqual(other.intervals, once.intervals);
});

test("the text summary prints the intervals as confint does, with the level's percent columns and the notes", () => {
  const text = run([...CBPP, "--profile", "--bootstrap", "10", "--seed", "3", "--level", "0.9"]);
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /Confidence intervals \(90 %\):/);
  assert.match(text.stdout, /\s+method\s+5 %\s+95 %/);
  assert.match(text.stdout, /sd_\(Intercept\)\|herd\s+profile\s+\d\.\d+\s+\d\.\d+/);
  assert.match(text.stdout, /sd_\(Intercept\)\|herd\s+bootstrap\s+\d\.\d+\s+\d\.\d+/);
  assert.match(text.stdout, / \[1\] percentile, 10 of 10 replicates/);
});
