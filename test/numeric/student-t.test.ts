/**
 * Student's t distribution (src/numeric/student-t.ts) against R's pt and qt
 * (test/numeric/fixtures/student-t.R wrote student-t.json). Tolerance 5e-12 relative: the measured worst
 * case is 1.4e-12 (the continued fraction at nu = 2.5e4, t = 2.1); most values agree to 1e-14.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { studentTQuantile, studentTTwoSided, studentTUpperTail } from "../../src/numeric/student-t";

interface Fixture {
  readonly tails: { df: number | "Inf"; t: number; upper: number; twoSided: number }[];
  readonly quantiles: { df: number | "Inf"; p: number; quantile: number }[];
}
const fx = JSON.parse(readFileSync(join(__dirname, "fixtures", "student-t.json"), "utf8")) as Fixture;
const dfOf = (df: number | "Inf"): number => (df === "Inf" ? Infinity : df);

function close(actual: number, expected: number, rel: number, what: string): void {
  const err = Math.abs(actual - expected) / Math.max(Math.abs(expected), 1e-300);
  assert.ok(err <= rel, `${what}: ${actual} vs R ${expected} (relative error ${err.toExponential(2)} > ${rel})`);
}

test("upper tails and two-sided p-values match R's pt over df 1 to Inf", () => {
  assert.ok(fx.tails.length > 100);
  for (const r of fx.tails) {
    const df = dfOf(r.df);
    close(studentTUpperTail(r.t, df), r.upper, 5e-12, `P(T > ${r.t}), df ${df}`);
    close(studentTTwoSided(r.t, df), r.twoSided, 5e-12, `P(|T| > ${r.t}), df ${df}`);
    close(studentTUpperTail(-r.t, df), 1 - r.upper, 5e-12, `P(T > ${-r.t}), df ${df}`);
  }
});

test("quantiles match R's qt and are symmetric", () => {
  for (const r of fx.quantiles) {
    const df = dfOf(r.df);
    close(studentTQuantile(r.p, df), r.quantile, 5e-12, `qt(${r.p}, ${df})`);
    close(studentTQuantile(1 - r.p, df), -r.quantile, 1e-9, `qt(${1 - r.p}, ${df})`);
  }
});

test("bad arguments are errors, the median is 0", () => {
  assert.equal(studentTQuantile(0.5, 3), 0);
  assert.throws(() => studentTQuantile(1, 3), /p must be in/);
  assert.throws(() => studentTUpperTail(1, 0), /degrees of freedom/);
  assert.ok(Number.isNaN(studentTUpperTail(Number.NaN, 3)));
});
