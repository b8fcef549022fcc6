/**
 * The patched design of a completed data set (completed-design.ts) is the design buildDesign makes from
 * the completed table, number for number.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { PUBLISHED_REFERENCE } from "../../src/vocabulary";
import { buildDesign } from "../../src/model/design";
import { buildCitoImputationModel, completedTable, completeDataFormula, imputeCito } from "../../src/missing";
import { completedDesign } from "../../src/missing/completed-design";
import { smallFrame } from "./small-frame";

test("patching the imputed cells of one completed design gives another's, bit for bit", () => {
  const frame = smallFrame();
  const imp = imputeCito(buildCitoImputationModel(frame), { m: 3, seed: 9, burnIn: 100, between: 10 });
  const formula = completeDataFormula("doorstroom");
  const reference = { ...PUBLISHED_REFERENCE };
  const template = buildDesign(formula, completedTable(frame.columns, imp, 0), { reference });
  for (const l of [1, 2]) {
    const patched = completedDesign(template, imp, l);
    assert.ok(patched !== null);
    const built = buildDesign(formula, completedTable(frame.columns, imp, l), { reference });
    assert.deepEqual(patched.fixed.names, built.fixed.names);
    patched.fixed.columns.forEach((col, j) => assert.deepEqual(col, built.fixed.columns[j], `column ${built.fixed.names[j]}`));
    assert.deepEqual(patched.response, built.response);
    assert.equal(patched.random.length, built.random.length);
    // The template itself is not changed.
    assert.deepEqual(template.fixed.columns, buildDesign(formula, completedTable(frame.columns, imp, 0), { reference }).fixed.columns);
  }
  // A template with rows dropped for missing values cannot be patched.
  const cc = buildDesign(formula, { ...frame.columns, cito: Float64Array.from(frame.columns.cito as Float64Array, (v, i) => (i === 0 ? Number.NaN : v)) }, { reference });
  assert.equal(completedDesign(cc, imp, 1), null);
});
