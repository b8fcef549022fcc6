/**
 * Multiple imputation of the cito score on the small frame (imputation-model.ts, impute-cito.ts):
 * what the imputation model is built from, reproducible and extendable draws, completed tables that
 * change only the missing rows, and imputed values in the score's range.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildCitoImputationModel, completedTable, imputeCito, imputedDistribution, CITO_RANGE } from "../../src/missing";
import { smallFrame } from "./small-frame";

const frame = smallFrame();
const model = buildCitoImputationModel(frame);

test("the imputation model: observed and missing rows, the covariates, the outcome, the clustering", () => {
  const missing = frame.columns.cito_missing as Float64Array;
  let nMissing = 0;
  for (const v of missing) nMissing += v;
  assert.equal(model.missingRows.length, nMissing);
  assert.equal(model.observedRows.length + model.missingRows.length, 2000);
  assert.deepEqual(model.fixed.names, [
    "(Intercept)", "migratieniet-westers", "migratiewesters", "oudershoger", "oudersonbekend", "geslachtvrouw", "leeftijd",
    "niveau1", "niveau2", "niveau4", "sectoroverig", "sectortechniek_ict", "sectorzorg_sport", "leerwegbbl",
    "citojaar2010", "citojaar2011", "citojaar2012", "citojaar2013", "citojaar>2014", "uitkomst", "uitkomst_niet_westers",
  ]);
  assert.equal(model.formula, "cito ~ migratie + ouders + geslacht + leeftijd + niveau + sector + leerweg + citojaar + doorstroom + doorstroom:niet_westers + (1 + niet_westers | locatie) + (1 | instelling)");
  assert.equal(model.statistics.k, 2);
  assert.equal(model.statistics.nLocations, 40);
  assert.equal(model.statistics.nInstitutions, 10);
  assert.deepEqual(model.yearLevels, ["2009", "2010", "2011", "2012", "2013", ">2014"]);
  const plain = buildCitoImputationModel(frame, { locationSlope: false, institution: false, outcomeByNonWestern: false });
  assert.equal(plain.statistics.k, 1);
  assert.equal(plain.institutionOfLocation, null);
  assert.ok(!plain.fixed.names.includes("uitkomst_niet_westers"));
});

test("bad frames are named: a score outside 0-50, a location in two institutions", () => {
  const cito = Float64Array.from(frame.columns.cito as Float64Array);
  const row = model.observedRows[3];
  cito[row] = 60;
  assert.throws(() => buildCitoImputationModel({ ...frame, columns: { ...frame.columns, cito } }), new RegExp(`row ${row + 1} has cito_missing = 0 but cito = 60`));
  const inst = [...(frame.columns.instelling as string[])];
  const loc = (frame.columns.locatie as string[])[0];
  const other = inst.findIndex((s, i) => (frame.columns.locatie as string[])[i] === loc && i > 0);
  inst[other] = "I99";
  assert.throws(() => buildCitoImputationModel({ ...frame, columns: { ...frame.columns, instelling: inst } }), new RegExp(`location '${loc}' lies in two institutions`));
});

test("same seed, same imputations; the first m of a longer run are the same; another seed differs", () => {
  const a = imputeCito(model, { m: 3, seed: 11, burnIn: 200, between: 20 });
  const b = imputeCito(model, { m: 3, seed: 11, burnIn: 200, between: 20 });
  const longer = imputeCito(model, { m: 5, seed: 11, burnIn: 200, between: 20 });
  const other = imputeCito(model, { m: 3, seed: 12, burnIn: 200, between: 20 });
  for (let l = 0; l < 3; l++) {
    assert.deepEqual(a.cito[l], b.cito[l]);
    assert.deepEqual(a.year[l], b.year[l]);
    assert.deepEqual(a.cito[l], longer.cito[l]);
    assert.deepEqual(a.year[l], longer.year[l]);
  }
  assert.notDeepEqual(a.cito[0], other.cito[0]);
  assert.notDeepEqual(a.cito[0], a.cito[1]);
  assert.throws(() => imputeCito(model, { m: 1 }), /m must be an integer >= 2/);
});

test("completed tables change only the rows without a score; PMM imputes whole scores in 0-50 that occur in the data", () => {
  const imp = imputeCito(model, { m: 2, seed: 3, burnIn: 200, between: 20 });
  const observedValues = new Set(model.observedCito);
  const t = completedTable(frame.columns, imp, 1);
  const cito = t.cito as Float64Array;
  const year = t.citojaar as string[];
  const origCito = frame.columns.cito as Float64Array;
  const origYear = frame.columns.citojaar as string[];
  for (const i of model.observedRows) {
    assert.equal(cito[i], origCito[i]);
    assert.equal(year[i], origYear[i]);
  }
  for (const i of model.missingRows) {
    assert.ok(cito[i] >= CITO_RANGE.min && cito[i] <= CITO_RANGE.max && Number.isInteger(cito[i]) && observedValues.has(cito[i]));
    assert.ok(model.yearLevels.includes(year[i]));
  }
  // The frame itself is untouched and shares its other columns.
  assert.equal(origCito[model.missingRows[0]], 100);
  assert.equal(t.locatie, frame.columns.locatie);
  // The test year follows age exactly in this frame, so the imputed years do too (all but a handful of draws).
  const yearOfAge = [">2014", ">2014", ">2014", "2013", "2012", "2011", "2010", "2009", "2009"];
  const age = frame.columns.leeftijd as Float64Array;
  const agree = Array.from(model.missingRows).filter((i) => year[i] === yearOfAge[age[i]]).length;
  assert.ok(agree >= model.missingRows.length - 3, `${agree} of ${model.missingRows.length}`);
});

test("normal draws are centred on the model's predictions and the chain summary lists every parameter", () => {
  const imp = imputeCito(model, { m: 20, seed: 5, burnIn: 500, between: 50, draw: "normal" });
  assert.equal(imp.chain.parameters.length, 21 + 1 + 3 + 1);
  assert.ok(imp.chain.parameters.every((p) => Number.isFinite(p.mean) && p.ess > 0));
  let s = 0;
  let n = 0;
  for (const v of imp.cito) for (const x of v) {
    s += x;
    n++;
  }
  // Students without a score are more often non-western and from the 'onbekend' category: lower mean than observed.
  let so = 0;
  for (const x of model.observedCito) so += x;
  assert.ok(s / n < so / model.observedCito.length);
  assert.ok(imp.cito.some((v) => v.some((x) => !Number.isInteger(x))));
  const dist = imputedDistribution(imp);
  assert.equal(dist.imputed.length, 20);
  assert.ok(Math.abs(dist.imputed.reduce((a, d) => a + d.mean, 0) / 20 - s / n) < 1e-9);
  assert.ok(Math.abs(dist.yearShares.reduce((a, y) => a + y.observed, 0) - 1) < 1e-12);
  assert.ok(Math.abs(dist.yearShares.reduce((a, y) => a + y.imputed, 0) - 1) < 1e-12);
});
