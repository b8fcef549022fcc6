import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runGlmm } from "../../src/cli/glmm";
import { ensureBuilt } from "../../scripts/build.cjs";

/**
 * End to end: a CSV simulated here from known values (40 locations in 8 institutions, a random slope
 * on x per location), fitted through the command line as a user would.
 */
const TRUTH: Record<string, number> = { "(Intercept)": -0.3, x: 0.8, fb: 0.4, fc: -0.5 };
let dir = "";
let csv = "";

function simulateCsv(n: number): string {
  let s = 20240607;
  const uniform = (): number => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return (s + 0.5) / 2147483648;
  };
  const normal = (): number => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  const nLoc = 40;
  const b0 = Array.from({ length: nLoc }, () => 0.5 * normal());
  const b1 = Array.from({ length: nLoc }, () => 0.3 * normal());
  const c0 = Array.from({ length: 8 }, () => 0.4 * normal());
  const lines = ["y,x,f,loc,inst"];
  for (let i = 0; i < n; i++) {
    const loc = Math.floor(uniform() * nLoc);
    const inst = loc % 8;
    const x = normal();
    const f = ["a", "b", "c"][Math.floor(uniform() * 3)];
    const eta = TRUTH["(Intercept)"] + TRUTH.x * x + (f === "b" ? TRUTH.fb : f === "c" ? TRUTH.fc : 0) + b0[loc] + b1[loc] * x + c0[inst];
    const y = uniform() < 1 / (1 + Math.exp(-eta)) ? 1 : 0;
    // Row 6 has a missing x (dropped by na.omit); everything else complete.
    lines.push(`${y},${i === 5 ? "" : x.toFixed(6)},${f},L${loc},I${inst}`);
  }
  return lines.join("\n") + "\n";
}

before(() => {
  // `npm run glmm` runs the compiled command: build it now if src/ changed, not inside a timed spawn.
  ensureBuilt("test");
  dir = mkdtempSync(join(tmpdir(), "glmm-cli-"));
  csv = join(dir, "small.csv");
  writeFileSync(csv, simulateCsv(2500));
});

after(() => {
  rmSync(dir, { recursive: true, force: true });
});

const FORMULA = "y ~ x + f + (1 + x | loc) + (1 | inst)";

/** Runs the CLI in this process and captures what it writes. */
function run(argv: string[]): { status: number; stdout: string; stderr: string } {
  let stdout = "";
  let stderr = "";
  const status = runGlmm(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { status, stdout, stderr };
}

test("npm run --silent glmm -- fit --json prints exactly one JSON object on stdout, and nothing else", () => {
  const r = spawnSync("npm", ["run", "--silent", "glmm", "--", "fit", "--data", csv, "--formula", FORMULA, "--json"], {
    encoding: "utf8",
  });
  assert.equal(r.status, 0, r.stderr);
  const json = JSON.parse(r.stdout);
  assert.equal(json.converged, true);
  assert.equal(json.nobs, 2499);
  assert.deepEqual(json.ngroups, { loc: 40, inst: 8 });
  assert.deepEqual(json.fixef.map((c: { term: string }) => c.term), ["(Intercept)", "x", "fb", "fc"]);
  for (const c of json.fixef as { term: string; estimate: number; se: number }[]) {
    assert.ok(c.se > 0 && c.se < 0.5, `${c.term}: se ${c.se}`);
    // The simulation truth lies within 3.5 standard errors (a failing solver or a mislabelled column shows here).
    assert.ok(Math.abs(c.estimate - TRUTH[c.term]) < 3.5 * c.se, `${c.term}: ${c.estimate} vs truth ${TRUTH[c.term]} (se ${c.se})`);
  }
  assert.deepEqual(json.varcorr.map((b: { group: string; terms: string[] }) => `${b.group}: ${b.terms.join(", ")}`), ["loc: (Intercept), x", "inst: (Intercept)"]);
  assert.equal(json.varcorr[0].corr[0][0], 1);
  assert.ok(Number.isFinite(json.logLik) && json.logLik < 0);
  assert.ok(Math.abs(json.deviance + 2 * json.logLik) < 1e-6);
  for (const key of ["maxAbsGradient", "minHessianEigenvalue", "singular", "iterations"]) assert.ok(key in json.diagnostics, key);
  assert.ok(json.diagnostics.maxAbsGradient < 0.002);
  assert.ok(json.elapsedSeconds > 0);
  assert.equal(json.dropped.rows, 1);
  assert.match(json.messages.join("\n"), /1 row dropped for missing values \(na\.omit\): x 1/);
  assert.equal(r.stderr.replace(/npm warn[^\n]*\n/g, ""), "", "no progress on stderr without --progress");
});

test("the readable summary via the CLI, with a chosen reference level and progress on stderr", () => {
  const r = spawnSync(process.execPath, ["--import", "tsx", "src/cli/glmm.ts", "fit", "--data", csv, "--formula", FORMULA, "--reference", "f=b", "--progress"], {
    encoding: "utf8",
  });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^Generalized linear mixed model fit by maximum likelihood/);
  assert.match(r.stdout, /\nFixed effects:\n +Estimate Std\. Error z value Pr\(>\|z\|\)\n\(Intercept\) [^\n]+\nx [^\n]+\nfa [^\n]+\nfc [^\n]+\n/);
  assert.match(r.stdout, /Number of obs: 2499, groups:  loc, 40; inst, 8/);
  assert.match(r.stdout, /Convergence: converged/);
  assert.match(r.stderr, /glmm: read 2500 rows x 5 columns/);
  assert.match(r.stderr, /glmm: fit converged/);
});

test("errors go to stderr with exit status 1 and name the file, column, row or term", () => {
  const unknown = run(["fit", "--data", csv, "--formula", "y ~ x + leeftijd + (1 | loc)"]);
  assert.equal(unknown.status, 1);
  assert.equal(unknown.stdout, "");
  assert.match(unknown.stderr, /unknown column 'leeftijd' in the formula; .*small\.csv has the columns: y, x, f, loc, inst/);

  const formula = run(["fit", "--data", csv, "--formula", "y ~ x + (1 | loc", "--json"]);
  assert.equal(formula.status, 1);
  assert.equal(formula.stdout, "");
  assert.match(formula.stderr, /bad --formula: formula error at position 16 .*never closed/);

  const missing = run(["fit", "--data", join(dir, "nope.csv"), "--formula", FORMULA]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /nope\.csv/);

  const badY = join(dir, "bad-y.csv");
  writeFileSync(badY, "y,x,g\n1,0.5,a\n0,0.1,a\n2,0.3,b\n1,0.2,b\n");
  const response = run(["fit", "--data", badY, "--formula", "y ~ x + (1 | g)", "--json"]);
  assert.equal(response.status, 1);
  assert.equal(response.stdout, "");
  assert.match(response.stderr, /bad-y\.csv line 4: response 'y' must be binary .* row 3 has 2/);

  const reference = run(["fit", "--data", csv, "--formula", FORMULA, "--reference", "f=z"]);
  assert.equal(reference.status, 1);
  assert.match(reference.stderr, /reference level 'z' of 'f' does not occur .*levels: a, b, c/);

  const group = join(dir, "bad-group.csv");
  writeFileSync(group, "y,x,g\n1,0.5,a\n0,0.1,\n1,0.3,b\n0,0.2,b\n");
  const g = run(["fit", "--data", group, "--formula", "y ~ x + (1 | g)"]);
  assert.equal(g.status, 1);
  assert.match(g.stderr, /bad-group\.csv line 3: grouping column 'g' of \(1 \| g\) has a missing value at row 2/);
});

test("usage errors exit with status 2 and print the usage; --help prints it on stdout", () => {
  const r = run(["fit", "--data", csv]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--formula .* is required\n\nusage: npm run --silent glmm -- fit/);
  const h = run(["--help"]);
  assert.equal(h.status, 0);
  assert.match(h.stdout, /^usage: /);
});

test("--factor (or a --reference) reads a numeric-looking column as a factor", () => {
  const f = join(dir, "numeric-factor.csv");
  const rows = ["y,niveau,g"];
  for (let i = 0; i < 60; i++) rows.push(`${(i * 7) % 3 === 0 ? 1 : 0},${(i % 4) + 1},g${i % 6}`);
  writeFileSync(f, rows.join("\n") + "\n");
  const numeric = run(["fit", "--data", f, "--formula", "y ~ niveau + (1 | g)", "--json"]);
  assert.equal(numeric.status, 0, numeric.stderr);
  assert.deepEqual(JSON.parse(numeric.stdout).fixef.map((c: { term: string }) => c.term), ["(Intercept)", "niveau"]);
  const asFactor = run(["fit", "--data", f, "--formula", "y ~ niveau + (1 | g)", "--json", "--factor", "niveau"]);
  assert.equal(asFactor.status, 0, asFactor.stderr);
  assert.deepEqual(JSON.parse(asFactor.stdout).fixef.map((c: { term: string }) => c.term), ["(Intercept)", "niveau2", "niveau3", "niveau4"]);
  // Naming a reference level makes the column a factor without --factor.
  const factor = run(["fit", "--data", f, "--formula", "y ~ niveau + (1 | g)", "--json", "--reference", "niveau=3"]);
  assert.equal(factor.status, 0, factor.stderr);
  assert.deepEqual(JSON.parse(factor.stdout).fixef.map((c: { term: string }) => c.term), ["(Intercept)", "niveau1", "niveau2", "niveau4"]);
});
