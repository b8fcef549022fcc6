/**
 * The special functions and distribution functions of src/numeric against R 4.2.2, at the points R wrote
 * into test/numeric/fixtures/special-functions.json (its script, special-functions.R, sits beside it):
 * log Gamma, log C(m, y), the normal and chi-square upper tails down to 4.6e-308 and 1e-300, and the
 * normal and chi-square quantiles of confidence levels. The tolerances are the measured worst errors
 * rounded up, so a change that loses precision fails here. The last test keeps environment.md's reason
 * for not taking the tails from jstat true.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { jStat } from "jstat";
import { logChoose, logGamma } from "../../src/numeric/special-functions";
import { chiSquareQuantile, chiSquareUpperTail, normalQuantile, normalUpperTail, twoSidedNormalP } from "../../src/numeric/distributions";

interface SpecialFixture {
  readonly r: string;
  readonly lgamma: readonly (readonly [number, number])[];
  readonly lchoose: readonly (readonly [number, number, number])[];
  readonly pnormUpper: readonly (readonly [number, number])[];
  readonly pchisqUpper: readonly (readonly [number, number, number])[];
  readonly qnorm: readonly (readonly [number, number])[];
  readonly qchisq: readonly (readonly [number, number, number])[];
}

const fx = JSON.parse(readFileSync(join(__dirname, "fixtures", "special-functions.json"), "utf8")) as SpecialFixture;

/** Worst relative error of `f` over the rows, with the row where it occurs. */
function worst<T>(rows: readonly T[], f: (row: T) => number, expected: (row: T) => number): { error: number; at: T } {
  let error = 0;
  let at = rows[0];
  for (const row of rows) {
    const e = expected(row);
    const err = Math.abs(f(row) - e) / Math.abs(e);
    if (!(err <= error)) {
      error = err;
      at = row;
    }
  }
  return { error, at };
}

test("the fixture was written by R and covers the ranges it claims", () => {
  assert.match(fx.r, /^R version 4\./);
  assert.ok(fx.lgamma.length >= 50 && fx.pnormUpper.length >= 100 && fx.pchisqUpper.length >= 200);
  assert.ok(Math.min(...fx.pnormUpper.map(([, p]) => p)) < 1e-307, "the normal tail reaches the end of the normal range of doubles");
  assert.ok(Math.min(...fx.pchisqUpper.map(([, , p]) => p)) < 1e-300, "the chi-square tail reaches 1e-300");
});

test("logGamma equals R's lgamma within 4e-15 relative, or absolute below |lgamma| = 1 (x from 1e-300 to 1e8)", () => {
  // Next to the zeros of log Gamma at 1 and 2 only an absolute error means anything.
  for (const [x, v] of fx.lgamma) {
    assert.ok(Math.abs(logGamma(x) - v) <= 4e-15 * Math.max(1, Math.abs(v)), `x = ${x}: ${logGamma(x)} vs ${v}`);
  }
});

test("logChoose equals R's lchoose for binomial counts up to 10,000 trials", () => {
  for (const [m, y, v] of fx.lchoose) {
    const got = logChoose(m, y);
    assert.ok(Math.abs(got - v) <= 1e-13 * Math.max(1, Math.abs(v)), `lchoose(${m}, ${y}): ${got} vs ${v}`);
  }
});

test("the normal upper tail equals R's pnorm(z, lower.tail = FALSE) within 2e-13, down to 4.6e-308", () => {
  const w = worst(fx.pnormUpper, ([z]) => normalUpperTail(z), ([, p]) => p);
  assert.ok(w.error < 2e-13, `relative error ${w.error} at z = ${w.at[0]}`);
  // The two-sided p-value is twice the upper tail of |z|.
  for (const [z, p] of fx.pnormUpper.filter(([z]) => z > 0 && z < 37)) {
    assert.ok(Math.abs(twoSidedNormalP(-z) / (2 * p) - 1) < 2e-13, `two-sided p at z = ${z}`);
  }
});

test("the chi-square upper tail equals R's pchisq(x, df, lower.tail = FALSE) within 1e-13 for df 1 to 100, down to 1e-300", () => {
  const w = worst(fx.pchisqUpper, ([x, df]) => chiSquareUpperTail(x, df), ([, , p]) => p);
  assert.ok(w.error < 1e-13, `relative error ${w.error} at x = ${w.at[0]}, df = ${w.at[1]}`);
  assert.equal(chiSquareUpperTail(0, 3), 1);
});

test("the normal and chi-square quantiles equal R's qnorm and qchisq within 1e-14 and 5e-14, levels 0.5 to 1 - 1e-12, df 1 to 4", () => {
  assert.equal(fx.qnorm.find(([p]) => p === 0.5)?.[1], 0);
  const wn = worst(fx.qnorm.filter(([p]) => p !== 0.5), ([p]) => normalQuantile(p), ([, q]) => q);
  assert.ok(wn.error < 1e-14, `qnorm: relative error ${wn.error} at p = ${wn.at[0]}`);
  for (const [p, q] of fx.qnorm) assert.ok(Math.abs(normalQuantile(1 - p) + q) <= 1e-14 * Math.abs(q) + 1e-15, `qnorm(1 - ${p})`);
  const wc = worst(fx.qchisq, ([p, df]) => chiSquareQuantile(p, df), ([, , q]) => q);
  assert.ok(wc.error < 5e-14, `qchisq: relative error ${wc.error} at p = ${wc.at[0]}, df = ${wc.at[1]}`);
  assert.equal(normalQuantile(0.5), 0);
  assert.equal(normalQuantile(1), Infinity);
  assert.equal(chiSquareQuantile(0, 2), 0);
  assert.ok(Number.isNaN(normalQuantile(1.5)));
});

test("environment.md's reason holds: jstat's upper tails lose their relative precision where these functions keep it", () => {
  // Normal: jstat's cdf is (1 + erf(x)) / 2, exactly 0 in the upper tail from z = 8.3 on (R: 5.2e-17 at 8.3).
  const z = 8.5;
  const r = fx.pnormUpper.find(([zz]) => zz === z)![1];
  assert.equal(jStat.normal.cdf(-z, 0, 1), 0);
  assert.ok(Math.abs(normalUpperTail(z) / r - 1) < 1e-13);
  // Chi-square: 1 - jstat's cdf is 0 for an LRT statistic of 100 on 1 df (R: 1.5e-23).
  const [x, df, p] = fx.pchisqUpper.find(([xx, dd]) => xx === 100 && dd === 1)!;
  assert.equal(1 - jStat.chisquare.cdf(x, df), 0);
  assert.ok(Math.abs(chiSquareUpperTail(x, df) / p - 1) < 1e-13);
  // Where jstat serves: its normal quantile of usual confidence levels is within 2.2e-15 of R's qnorm.
  for (const [pp, q] of fx.qnorm.filter(([pp]) => pp > 0.5 && pp <= 0.9995)) assert.ok(Math.abs(jStat.normal.inv(pp, 0, 1) / q - 1) < 2.5e-15, `jstat qnorm(${pp})`);
});
