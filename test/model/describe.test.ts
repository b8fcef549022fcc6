import { test } from "node:test";
import assert from "node:assert/strict";
import { buildDesign } from "../../src/model/design";
import { describeDesign } from "../../src/model/describe";

test("describeDesign: column origins and means, response totals, observations per group", () => {
  const d = buildDesign("y ~ x + f + (1 | g)", {
    y: [1, 0, 1, 1, 0, 0, 1, 0],
    x: Float64Array.from([1, 2, 3, 4, 5, 6, 7, NaN]),
    f: ["a", "b", "b", "a", "c", "b", "a", "c"],
    g: ["p", "p", "p", "q", "q", "r", "r", "r"],
  });
  const s = describeDesign(d);
  assert.equal(s.nobs, 7);
  assert.equal(s.droppedRows, 1);
  assert.deepEqual(s.response, { name: "y", successes: 4, trials: 7 });
  assert.deepEqual(s.fixed, [
    { name: "(Intercept)", variable: "", kind: "intercept", mean: 1, min: 1, max: 1 },
    { name: "x", variable: "x", kind: "numeric", mean: 4, min: 1, max: 7 },
    { name: "fb", variable: "f", kind: "factorLevel", level: "b", reference: "a", mean: 3 / 7, min: 0, max: 1 },
    { name: "fc", variable: "f", kind: "factorLevel", level: "c", reference: "a", mean: 1 / 7, min: 0, max: 1 },
  ]);
  // g: p 3 rows, q 2, r 2 (its third row has the missing x)
  assert.deepEqual(s.random, [{ group: "g", terms: ["(Intercept)"], levels: 3, minPerGroup: 2, medianPerGroup: 2, maxPerGroup: 3 }]);
});
