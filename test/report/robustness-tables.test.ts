/**
 * Chapter 8's tables and sentences: the missing-data table in the published layout and its CSV columns,
 * and sentences that stay true whatever the numbers (each branch of the wording is reached).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { ComparisonLine, MissingDataComparison } from "../../src/missing/compare";
import type { MissingDataMethod } from "../../src/missing/result";
import { curveSentence, MISSING_DATA_CSV_HEADER, missingDataCsvRows, missingDataSentence, missingDataTable } from "../../src/report/robustness-tables";
import type { SpecificationCurve } from "../../src/robustness/specification-curve";
import { CURVE_QUANTITIES } from "../../src/robustness/specification-grid";

const METHODS: readonly MissingDataMethod[] = ["missing-indicator", "no-cito", "complete-cases", "multiple-imputation"];

function comparison(ames: readonly number[]): MissingDataComparison {
  const lines: ComparisonLine[] = [];
  for (const quantity of ["coefficient", "ame"] as const) {
    METHODS.forEach((method, k) => {
      const estimate = quantity === "ame" ? (ames[k] as number) : 4 * (ames[k] as number);
      lines.push({
        outcome: "vsv", quantity, term: "migratieniet-westers", variable: "migratie", level: "niet-westers", method, label: method, labelNl: method,
        m: method === "multiple-imputation" ? 5 : 1, nobs: method === "complete-cases" ? 700 : 1000, estimate, se: 0.01, lower: estimate - 0.02, upper: estimate + 0.02,
        df: method === "multiple-imputation" ? 80 : Infinity, fmi: method === "multiple-imputation" ? 0.12 : null,
        differenceFromPublished: estimate - (quantity === "ame" ? (ames[0] as number) : 4 * (ames[0] as number)), fitProblems: 0,
      });
    });
  }
  return { outcome: "vsv", terms: ["migratieniet-westers"], methods: METHODS, lines };
}

test("the missing-data table: one column per method with 'b (SE)' cells, the FMI of imputation, rows per term and quantity, the students per analysis", () => {
  const t = missingDataTable(comparison([0.02, 0.025, 0.03, 0.021]));
  assert.deepEqual(t.header.slice(2, 6), ["missing indicator (3b)", "zonder cito (3a 3.4)", "complete cases", "multipele imputatie"]);
  assert.equal(t.rows.length, 3);
  assert.equal(t.rows[1]![0], "AME (kans)");
  assert.equal(t.rows[1]![2], "0.020 (0.010)");
  assert.equal(t.rows[1]![6], "0.120");
  assert.equal(t.rows[1]![7], "0.010", "the largest difference from the published AME");
  assert.deepEqual(t.rows[2]!.slice(1, 6), ["studenten in de analyse", "1000", "1000", "700", "1000"]);
  for (const r of t.rows) assert.equal(r.length, t.header.length);
  const csv = missingDataCsvRows(comparison([0.02, 0.025, 0.03, 0.021]), 2021);
  assert.equal(csv.length, 8);
  for (const r of csv) assert.equal(r.length, MISSING_DATA_CSV_HEADER.length);
  assert.deepEqual(csv.map((r) => r[11]), ["Inf", "Inf", "Inf", 80, "Inf", "Inf", "Inf", 80]);
});

test("the missing-data sentence says whether the sign holds and whether the largest change is within two SEs", () => {
  assert.match(missingDataSentence(comparison([0.02, 0.025, 0.03, 0.021]), 2021), /binnen twee standaardfouten.*verandert bij geen enkele methode/);
  assert.match(missingDataSentence(comparison([0.02, 0.025, -0.01, 0.021]), 2021), /meer dan twee standaardfouten.*keert het teken om/);
});

function curve(estimates: readonly number[], publishedAt: number, halfWidth: number): SpecificationCurve {
  const sorted = [...estimates].sort((a, b) => a - b);
  const points = sorted.map((estimate, i) => ({
    specification: { id: `s${i}`, missing: "no-cito", random: "3-niveaus", ame: "included", reference: "geen", published: i === publishedAt },
    quantity: "niet-westers", term: "migratieniet-westers", estimate, se: halfWidth / 2, lower: estimate - halfWidth, upper: estimate + halfWidth, df: Infinity, fmi: null, m: 1, nobs: 10, converged: true,
  })) as unknown as SpecificationCurve["points"];
  const published = sorted[publishedAt] as number;
  return {
    outcome: "vsv", year: 2020, quantity: CURVE_QUANTITIES[0]!, points, publishedIndex: publishedAt,
    summary: {
      specifications: sorted.length, min: sorted[0]!, median: sorted[1]!, max: sorted[sorted.length - 1]!, published, publishedRank: publishedAt + 1,
      sameSign: sorted.filter((v) => Math.sign(v) === Math.sign(published)).length,
      excludingZero: points.filter((p) => p.lower > 0 || p.upper < 0).length,
      holdingPublished: 0, notConverged: 0,
    },
  };
}

test("the curve sentence covers all, none and some: sign and intervals", () => {
  assert.match(curveSentence(curve([0.1, 0.2, 0.3], 1, 0.01)), /alle hebben hetzelfde teken en bij alle sluit het 95%-interval nul uit/);
  assert.match(curveSentence(curve([-0.1, 0.2, 0.3], 2, 1)), /2 van de 3 hebben hetzelfde teken als de gepubliceerde en bij geen enkele sluit het 95%-interval nul uit/);
  assert.match(curveSentence(curve([-0.1, 0.2, 0.3], 1, 0.15)), /bij 2 sluit het 95%-interval nul uit/);
  assert.match(curveSentence(curve([0.1, 0.2, 0.3], 0, 0.01)), /staat op plaats 1/);
});
