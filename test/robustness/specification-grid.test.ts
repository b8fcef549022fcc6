import { test } from "node:test";
import assert from "node:assert/strict";
import { CURVE_QUANTITIES, fitsOf, gridCounts, PUBLISHED_CHOICES, specificationGrid, specificationsOf } from "../../src/robustness/specification-grid";

const [nonWestern, parents] = CURVE_QUANTITIES;

test("the full grid: 4 missing-data methods x 4 random structures x 3 AME conventions x 2 comparison groups for the non-western AME, one comparison group for the parents' AME", () => {
  const grid = specificationGrid();
  assert.equal(specificationsOf(grid, nonWestern!).length, 4 * 4 * 3 * 2);
  assert.equal(specificationsOf(grid, parents!).length, 4 * 4 * 3);
  // The AME conventions share a fit; the parents' fits are among the non-western's.
  assert.equal(fitsOf(grid).length, 4 * 4 * 2);
  const counts = gridCounts(grid, 5);
  assert.deepEqual(counts.specifications, { "niet-westers": 96, "ouders-hoger": 48 });
  assert.equal(counts.fits, 32);
  assert.equal(counts.modelFits, 3 * 4 * 2 + 5 * 4 * 2, "a multiple-imputation specification costs m fits");
  const ids = specificationsOf(grid, nonWestern!).map((s) => s.id);
  assert.equal(new Set(ids).size, ids.length, "every specification once");
});

test("exactly one specification per curve is the Rekenkamer's, with the published choice on every dimension", () => {
  const grid = specificationGrid();
  for (const q of CURVE_QUANTITIES) {
    const published = specificationsOf(grid, q).filter((s) => s.published);
    assert.equal(published.length, 1, q.id);
    assert.deepEqual({ missing: published[0]!.missing, random: published[0]!.random, ame: published[0]!.ame, reference: published[0]!.reference }, PUBLISHED_CHOICES);
  }
  // A grid without a published choice has no published point.
  assert.equal(specificationsOf(specificationGrid({ random: ["2-niveaus"] }), nonWestern!).filter((s) => s.published).length, 0);
});

test("a smaller grid counts what it holds, keeps the dimensions in their own order, and refuses unknown or repeated choices", () => {
  const grid = specificationGrid({ missing: ["no-cito", "missing-indicator"], random: ["3-niveaus-helling"], ame: ["integrated", "included"], reference: ["geen"] });
  assert.deepEqual(grid.missing, ["missing-indicator", "no-cito"]);
  assert.deepEqual(grid.ame, ["included", "integrated"]);
  assert.equal(specificationsOf(grid, nonWestern!).length, 4);
  assert.equal(fitsOf(grid).length, 2);
  assert.throws(() => specificationGrid({ random: ["4-niveaus" as never] }), /'4-niveaus' is not a choice of 'random'/);
  assert.throws(() => specificationGrid({ ame: ["included", "included"] }), /names a choice twice/);
  assert.throws(() => specificationGrid({ missing: [] }), /has no choices/);
});
