import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runGlmm } from "../../src/cli/glmm";
import { nearDependencies } from "../../src/model/rank";

/**
 * The command's messages name the real cause (issue 12, item 4). The data files in fixtures/ were
 * written by fixtures/make-messages.R, which also recorded what lme4 1.1-31 says on each of them
 * (fixtures/r-messages.json): the tests read both and never need R.
 */
const FIXTURES = join(__dirname, "fixtures");
const R = JSON.parse(readFileSync(join(FIXTURES, "r-messages.json"), "utf8")) as Record<string, { formula: string; lme4: string[]; fixef: Record<string, number> }>;

function run(argv: string[]): { status: number; stdout: string; stderr: string } {
  let stdout = "";
  let stderr = "";
  const status = runGlmm(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { status, stdout, stderr };
}

function fitFixture(name: string): { status: number; json: { converged: boolean; messages: string[]; fixef: { term: string; estimate: number }[] }; lines: string[] } {
  const file = join(FIXTURES, name);
  const r = run(["fit", "--data", file, "--formula", R[name].formula, "--json"]);
  assert.equal(r.status, 0, r.stderr);
  return { status: r.status, json: JSON.parse(r.stdout), lines: r.stderr.split("\n").filter((l) => l !== "") };
}

test("near-collinear columns (x2 = 2 x1 + 1e-5 noise): lme4's identifiability message with the columns named, no word of separation", () => {
  const file = join(FIXTURES, "near-collinear.csv");
  const { json, lines } = fitFixture("near-collinear.csv");
  assert.equal(lines[0], `glmm fit: warning: ${file}: fixed-effect model matrix is nearly rank deficient: x2 ~ 2 x1 (relative residual 5.0e-6; lme4 drops a column only below 1e-7)`);
  assert.equal(lines[1], `glmm fit: warning: ${file}: fixed-effect Hessian is numerically singular: parameters are not uniquely determined (nearly collinear fixed-effect columns: x1, x2)`);
  assert.equal(lines.length, 3);
  assert.ok(!/separation/.test(lines.join("\n") + json.messages.join("\n")), "no separation: every fitted probability is inside (0, 1)");
  assert.deepEqual(json.messages, lines.map((l) => l.replace(`glmm fit: warning: ${file}: `, "")));
  // eta ~ (b1 + 2 b2) x1: that combination is determined and agrees with lme4; along (2, -1) the deviance is flat.
  const b = Object.fromEntries(json.fixef.map((c) => [c.term, c.estimate]));
  const r = R["near-collinear.csv"].fixef;
  assert.ok(Math.abs((b["x1"] + 2 * b["x2"]) - (r["x1"] + 2 * r["x2"])) < 0.01, `${b["x1"] + 2 * b["x2"]} vs lme4 ${r["x1"] + 2 * r["x2"]}`);
  // lme4's own finite-difference Hessian is too rough here: it reports a negative eigenvalue instead.
  assert.deepEqual(R["near-collinear.csv"].lme4, ["Warning: unable to evaluate scaled gradient", "Warning: Model failed to converge: degenerate  Hessian with 1 negative eigenvalues"]);
});

test("an exactly aliased column is dropped with lme4's message, naming the column", () => {
  const file = join(FIXTURES, "aliased.csv");
  const { json, lines } = fitFixture("aliased.csv");
  assert.deepEqual(lines, [`glmm fit: warning: ${file}: fixed-effect model matrix is rank deficient so dropping 1 column / coefficient: x2 (a linear combination of the columns before it)`]);
  assert.ok(lines[0].includes(R["aliased.csv"].lme4[0].replace(/^Message: /, "")), "lme4's words");
  assert.deepEqual(json.fixef.map((c) => c.term), Object.keys(R["aliased.csv"].fixef));
  assert.equal(json.converged, true);
});

test("separation is reported where there is separation: complete (y = x1 > 0) and quasi-complete (a level with only successes)", () => {
  const complete = fitFixture("separation.csv");
  assert.match(complete.lines[0], /^glmm fit: warning: .*separation\.csv: possible complete separation: \d+ row\(s\) with fitted probability 0 or 1, fixed effects running off$/);
  assert.equal(complete.json.converged, false);
  assert.deepEqual(R["separation.csv"].lme4, ["Error: pwrssUpdate did not converge in (maxit) iterations"]);
  const quasi = fitFixture("quasi-separation.csv");
  assert.equal(quasi.lines.length, 1);
  assert.match(quasi.lines[0], /^glmm fit: warning: .*quasi-separation\.csv: possible quasi-complete separation: fc \d+\.\d+ \(SE \d+\.\d\); some combination of these categories has no or only successes in the data$/);
  assert.ok(R["quasi-separation.csv"].fixef["fc"] > 15, "lme4 runs off too, silently");
});

test("a header without data rows, an empty file, a semicolon- or tab-separated file: one first line saying so", () => {
  const dir = mkdtempSync(join(tmpdir(), "glmm-messages-"));
  try {
    const header = join(dir, "header-only.csv");
    writeFileSync(header, "y,x1,g\n");
    const h = run(["fit", "--data", header, "--formula", "y ~ x1 + (1 | g)", "--json"]);
    assert.equal(h.status, 1);
    assert.equal(h.stdout, "");
    assert.equal(h.stderr, `glmm fit: ${header} has no data rows (only the header: y, x1, g)\n`);
    // Also when the formula names a column the file lacks: the missing rows come first.
    assert.equal(run(["fit", "--data", header, "--formula", "y ~ x9 + (1 | g)"]).stderr, h.stderr);
    // The reader's own first lines (src/data/csv.ts), passed through unchanged.
    const empty = join(dir, "empty.csv");
    writeFileSync(empty, "");
    assert.equal(run(["fit", "--data", empty, "--formula", "y ~ x1 + (1 | g)"]).stderr, `glmm fit: ${empty}: the file is empty (0 bytes): a header row and data rows are expected\n`);
    // Dutch Excel: semicolons, with decimal commas or without.
    const semi = join(dir, "semi.csv");
    for (const body of ["y;x1;g\n1;0,5;a\n0;0,2;b\n", "y;x1;g\n1;5;a\n0;2;b\n"]) {
      writeFileSync(semi, body);
      const s = run(["fit", "--data", semi, "--formula", "y ~ x1 + (1 | g)"]);
      assert.equal(s.status, 1);
      assert.equal(s.stderr.split("\n")[0], `glmm fit: ${semi}: the file is separated by semicolons (";"), not by commas: the header "y;x1;g" reads as one column. The files are comma-separated (RFC 4180); Dutch Excel writes ";" by default, so convert the file to commas`);
    }
    const tabs = join(dir, "tabs.csv");
    writeFileSync(tabs, "y\tx1\tg\n1\t5\ta\n");
    assert.match(run(["fit", "--data", tabs, "--formula", "y ~ x1 + (1 | g)"]).stderr, /^glmm fit: .*tabs\.csv: the file is separated by tabs, not by commas/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("nearDependencies: the combination and its residual; unrelated and exactly aliased columns are not listed", () => {
  const n = 400;
  let s = 7;
  const u = (): number => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648 - 0.5;
  };
  const one = new Float64Array(n).fill(1);
  const a = Float64Array.from({ length: n }, u);
  const b = Float64Array.from({ length: n }, u);
  const noise = Float64Array.from({ length: n }, u);
  const c = a.map((v, i) => 3 * v - 0.5 * b[i] + 1 + 1e-6 * noise[i]);
  const found = nearDependencies([one, a, b, c]);
  assert.equal(found.length, 1);
  assert.equal(found[0].index, 3);
  assert.ok(found[0].residual > 1e-8 && found[0].residual < 1e-6, String(found[0].residual));
  assert.deepEqual(found[0].combination.map((t) => [t.index, Number(t.coefficient.toFixed(4))]), [[0, 1], [1, 3], [2, -0.5]]);
  assert.deepEqual(nearDependencies([one, a, b]), [], "independent columns");
  assert.deepEqual(nearDependencies([one, a, b, a.map((v) => v + 0.01 * u())]), [], "a residual of about 1e-2 is not near (tolerance 1e-3)");
});
