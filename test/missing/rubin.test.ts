/**
 * Rubin's rules (src/missing/rubin.ts) against mice::pool.scalar and mitml::testEstimates on the same
 * completed-data estimates and variances (test/missing/fixtures/runner.R wrote rubin.json). Same inputs,
 * same formulas: everything agrees to 1e-12 relative, except where the two R packages themselves differ
 * (mice floors lambda at 1e-4 inside the df, mitml does not), which the last case pins down. In that
 * case B is a variance of values 0.3 +- 1e-6, so its last digits depend on the order of summation
 * (cancellation of about 1e-16 * 0.3 / 1e-6): quantities made from B are compared to 1e-9 there.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { barnardRubinDf, poolScalar, poolTerms } from "../../src/missing/rubin";
import { FIXTURES } from "./small-frame";

interface MiceRow { term: string; qbar: number; ubar: number; b: number; t: number; df: number; riv: number; fmi: number; lambda: number }
interface MitmlRow { term: string; estimate: number; se: number; t: number; df: number; p: number; riv: number; fmi: number }
interface Case {
  name: string;
  m: number;
  dfComplete: number | "Inf";
  terms: string[];
  estimates: Record<string, number>[];
  variances: Record<string, number>[];
  mice: MiceRow[];
  mitml: MitmlRow[];
}
const fx = JSON.parse(readFileSync(join(FIXTURES, "rubin.json"), "utf8")) as { cases: Case[] };

function close(actual: number, expected: number, rel: number, what: string): void {
  const err = Math.abs(actual - expected) / Math.max(Math.abs(expected), 1e-300);
  assert.ok(err <= rel, `${what}: ${actual} vs R ${expected} (relative ${err.toExponential(2)})`);
}

test("pooled estimate, variances, riv, lambda, Barnard-Rubin df and FMI equal mice::pool.scalar", () => {
  assert.equal(fx.cases.length, 4);
  for (const c of fx.cases) {
    const dfComplete = c.dfComplete === "Inf" ? Infinity : c.dfComplete;
    const relB = c.name === "m6_tiny_between" ? 1e-9 : 1e-12;
    for (const r of c.mice) {
      const pooled = poolScalar(c.estimates.map((e) => e[r.term]), c.variances.map((v) => v[r.term]), { dfComplete });
      const w = `${c.name} ${r.term}`;
      assert.equal(pooled.m, c.m);
      close(pooled.estimate, r.qbar, 1e-13, `${w} estimate`);
      close(pooled.within, r.ubar, 1e-13, `${w} within`);
      close(pooled.between, r.b, relB, `${w} between`);
      close(pooled.total, r.t, 1e-12, `${w} total`);
      close(pooled.riv, r.riv, relB, `${w} riv`);
      close(pooled.lambda, r.lambda, relB, `${w} lambda`);
      close(pooled.df, r.df, relB, `${w} df`);
      close(pooled.fmi, r.fmi, relB, `${w} fmi`);
    }
  }
});

test("SE, t, df, p-value, riv and FMI equal mitml::testEstimates where lambda >= 1e-4", () => {
  for (const c of fx.cases) {
    const dfComplete = c.dfComplete === "Inf" ? Infinity : c.dfComplete;
    const pooled = poolTerms(c.terms.map((term) => ({ term, estimates: c.estimates.map((e) => e[term]), variances: c.variances.map((v) => v[term]) })), { dfComplete });
    for (const r of c.mitml) {
      const p = pooled.find((x) => x.term === r.term);
      assert.ok(p);
      const w = `${c.name} ${r.term}`;
      close(p.estimate, r.estimate, 1e-13, `${w} estimate`);
      close(p.se, r.se, 1e-12, `${w} se`);
      close(p.statistic, r.t, 1e-12, `${w} t`);
      close(p.riv, r.riv, c.name === "m6_tiny_between" ? 1e-9 : 1e-12, `${w} riv`);
      if (p.lambda < 1e-4) continue; // mice floors lambda in the df, mitml does not: see the next test
      close(p.df, r.df, 1e-12, `${w} df`);
      close(p.fmi, r.fmi, 1e-12, `${w} fmi`);
      close(p.pValue, r.p, 1e-9, `${w} p`);
    }
  }
});

test("a coefficient the imputations do not move: mice's floor on lambda, documented difference from mitml", () => {
  const c = fx.cases.find((x) => x.name === "m6_tiny_between");
  assert.ok(c);
  const q = c.estimates.map((e) => e.term1);
  const u = c.variances.map((v) => v.term1);
  const pooled = poolScalar(q, u);
  assert.ok(pooled.lambda < 1e-4);
  // mice: df_old = (m - 1) / 1e-8; mitml: (m - 1) / lambda^2, far larger.
  close(pooled.df, 5 / 1e-8, 1e-12, "floored df");
  const mitml = c.mitml.find((r) => r.term === "term1");
  assert.ok(mitml && mitml.df > pooled.df * 10);
});

test("the interval uses t(df): wider than the normal one for few degrees of freedom", () => {
  const p = poolScalar([1.0, 1.4, 0.6], [0.01, 0.01, 0.01]);
  // B = 0.16, T = 0.01 + 4/3 * 0.16, lambda near 1, df = 2 / lambda^2 about 2.3
  assert.ok(p.df < 3);
  const z = 1.959963984540054 * p.se;
  assert.ok(p.upper - p.estimate > 1.5 * z);
  assert.ok(Math.abs(p.upper - p.estimate - (p.estimate - p.lower)) < 1e-12);
});

test("bad input names its imputation", () => {
  assert.throws(() => poolScalar([1], [1]), /at least 2 imputations/);
  assert.throws(() => poolScalar([1, Number.NaN], [1, 1]), /imputation 2 is NaN/);
  assert.throws(() => poolScalar([1, 2], [1, -1]), /variance of imputation 2/);
  assert.throws(() => poolTerms([{ term: "x", estimates: [1, 2], variances: [1] }]), /pooling 'x'/);
  assert.equal(barnardRubinDf(5, 0, 1), 4 / 1e-8);
});
