import { test } from "node:test";
import assert from "node:assert/strict";
import { buildDesign, DesignError, designMessages, orderByLevels } from "../../src/model/design";
import { FormulaError } from "../../src/model/formula";
import type { Column, ColumnTable } from "../../src/model/types";

/** 12 students in 6 locations in 3 institutions; the same table was checked in R 4.2 / lme4 1.1-31. */
function smallTable(): ColumnTable {
  return {
    y: [1, 0, 1, 1, 0, 0, 1, 0, 1, 1, 0, 1],
    migratie: ["geen", "niet-westers", "westers", "geen", "geen", "niet-westers", "westers", "geen", "niet-westers", "geen", "westers", "geen"],
    niveau: ["1", "2", "3", "4", "3", "3", "2", "1", "4", "3", "2", "1"],
    x: Float64Array.from([0.5, 1.2, -0.3, 2.2, 0.1, 0.7, -1.1, 0.4, 0.9, 1.5, -0.2, 0.3]),
    loc: ["L1", "L1", "L2", "L2", "L3", "L3", "L4", "L4", "L5", "L5", "L6", "L6"],
    inst: ["A", "A", "A", "A", "B", "B", "B", "B", "C", "C", "C", "C"],
  };
}

function designError(fn: () => unknown, pattern: RegExp): DesignError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof DesignError, `expected a DesignError, got ${String(caught)}`);
  assert.match(caught.message, pattern);
  return caught;
}

test("column names match lme4's colnames(X) and cnms (checked in R: glFormula on the same table)", () => {
  const d = buildDesign("y ~ migratie + niveau + x + (1 + migratie | inst) + (1 | inst/loc)", smallTable(), {
    reference: { niveau: "3" },
  });
  // R: "(Intercept)" "migratieniet-westers" "migratiewesters" "niveau1" "niveau2" "niveau4" "x"
  assert.deepEqual(d.fixed.names, ["(Intercept)", "migratieniet-westers", "migratiewesters", "niveau1", "niveau2", "niveau4", "x"]);
  // R: reTrms$cnms = loc:inst "(Intercept)"; inst "(Intercept)"; inst "(Intercept)" "migratieniet-westers" "migratiewesters"
  assert.deepEqual(
    d.random.map((r) => [r.group, r.levels.length, ...r.terms].join(" ")),
    ["loc:inst 6 (Intercept)", "inst 3 (Intercept)", "inst 3 (Intercept) migratieniet-westers migratiewesters"],
  );
  assert.deepEqual(d.random[0].levels, ["L1:A", "L2:A", "L3:B", "L4:B", "L5:C", "L6:C"]);
  assert.equal(d.nobs, 12);
  assert.deepEqual(d.fixed.dropped, []);
  const niveau1 = d.fixed.info[3];
  assert.deepEqual(niveau1, { name: "niveau1", variable: "niveau", kind: "factorLevel", level: "1", reference: "3" });
  assert.deepEqual(Array.from(d.fixed.columns[3]), [1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1]);
  assert.deepEqual(Array.from(d.fixed.columns[6]), Array.from(smallTable().x as Float64Array));
  assert.deepEqual(Array.from(d.response.successes), [1, 0, 1, 1, 0, 0, 1, 0, 1, 1, 0, 1]);
  assert.ok(d.response.trials.every((m) => m === 1));
});

test("default reference level: the first in code-point order; without intercept the first factor gets every level", () => {
  const d = buildDesign("y ~ niveau + (1 | inst)", smallTable());
  assert.deepEqual(d.fixed.names, ["(Intercept)", "niveau2", "niveau3", "niveau4"]);
  // R: colnames(model.matrix(~ 0 + niveau + migratie)) with niveau relevelled to "3"
  const full = buildDesign("y ~ 0 + niveau + migratie + (1 | inst)", smallTable(), { reference: { niveau: "3" } });
  assert.deepEqual(full.fixed.names, ["niveau3", "niveau1", "niveau2", "niveau4", "migratieniet-westers", "migratiewesters"]);
  assert.equal(full.fixed.info[0].reference, undefined);
  assert.equal(full.fixed.info[4].reference, "geen");
  // Upper case sorts before lower case in code-point order (R's locale collation would interleave them).
  const t = { ...smallTable(), f: ["b", "B", "a", "b", "B", "a", "b", "B", "a", "b", "B", "a"] };
  assert.deepEqual(buildDesign("y ~ f + (1 | inst)", t).fixed.names, ["(Intercept)", "fa", "fb"]);
});

test("reference levels: must exist in the data, apply only to text columns, must name a column", () => {
  designError(() => buildDesign("y ~ niveau + (1 | inst)", smallTable(), { reference: { niveau: "5" } }), /reference level '5' of 'niveau' does not occur.*levels: 1, 2, 3, 4/);
  designError(() => buildDesign("y ~ x + (1 | inst)", smallTable(), { reference: { x: "1" } }), /'x', but it is a numeric column/);
  designError(() => buildDesign("y ~ x + (1 | inst)", smallTable(), { reference: { nivo: "3" } }), /unknown column 'nivo'/);
  // A reference for a column the formula does not use is accepted (one set of references for all models).
  assert.deepEqual(buildDesign("y ~ x + (1 | inst)", smallTable(), { reference: { niveau: "3" } }).fixed.names, ["(Intercept)", "x"]);
});

test("unknown columns: the error names the term and lists the available columns", () => {
  const e = designError(() => buildDesign("y ~ x + leeftijd + (1 | inst)", smallTable()), /unknown column 'leeftijd' in term 'leeftijd'; available columns: y, migratie, niveau, x, loc, inst/);
  assert.equal(e.detail.column, "leeftijd");
  designError(() => buildDesign("y ~ x + (1 + z | inst)", smallTable()), /unknown column 'z' in term '\(1 \+ z \| inst\)'/);
  designError(() => buildDesign("y ~ x + (1 | school)", smallTable()), /unknown column 'school' in term '\(1 \| school\)'/);
  designError(() => buildDesign("uitkomst ~ x + (1 | inst)", smallTable()), /unknown column 'uitkomst' in term 'uitkomst'/);
  assert.throws(() => buildDesign("y ~ x + (1 | inst", smallTable()), FormulaError);
});

test("rows with a missing value in a used column are dropped (na.omit) and counted; unused columns do not matter", () => {
  const t = smallTable();
  const x = Float64Array.from(t.x as Float64Array);
  x[2] = NaN;
  const migratie = [...(t.migratie as string[])] as (string | null)[];
  migratie[5] = null;
  migratie[7] = "";
  const y = [...(t.y as number[])];
  y[9] = NaN;
  const niveau = [...(t.niveau as string[])] as (string | null)[];
  niveau[0] = null; // not in the formula
  const d = buildDesign("y ~ x + migratie + (1 | inst)", { ...t, x, migratie, y, niveau });
  assert.equal(d.nobs, 8);
  assert.ok(d.missing);
  assert.equal(d.missing.dropped, 4);
  assert.deepEqual(Array.from(d.missing.kept), [0, 1, 3, 4, 6, 8, 10, 11]);
  assert.deepEqual(d.missing.byColumn, { y: 1, x: 1, migratie: 2 });
  assert.deepEqual(Array.from(d.fixed.columns[1]), [0.5, 1.2, 2.2, 0.1, -1.1, 0.9, -0.2, 0.3]);
  assert.deepEqual(Array.from(d.random[0].index), [0, 0, 0, 1, 1, 2, 2, 2]);
  assert.deepEqual(designMessages(d), ["4 rows dropped for missing values (na.omit): y 1, x 1, migratie 2"]);
});

test("a level that only occurs in dropped rows is not a level of the design", () => {
  const t = smallTable();
  const x = Float64Array.from(t.x as Float64Array);
  x[2] = NaN;
  x[6] = NaN;
  x[10] = NaN; // the three 'westers' rows
  const d = buildDesign("y ~ x + migratie + (1 | inst)", { ...t, x });
  assert.deepEqual(d.fixed.names, ["(Intercept)", "x", "migratieniet-westers"]);
});

test("a missing grouping value is an error naming the column and the row", () => {
  const loc = [...(smallTable().loc as string[])] as (string | null)[];
  loc[4] = null;
  const e = designError(() => buildDesign("y ~ x + (1 | loc)", { ...smallTable(), loc }), /grouping column 'loc' of \(1 \| loc\) has a missing value at row 5/);
  assert.equal(e.detail.row, 4);
  const one = designError(() => buildDesign("y ~ x + (1 | g)", { ...smallTable(), g: new Array(12).fill("A") }), /'g' .* has 1 level/);
  assert.equal(one.detail.column, "g");
});

test("response checks: 0/1 or TRUE/FALSE; anything else names the column, the row and the value", () => {
  const yText = ["TRUE", "FALSE", "TRUE", "TRUE", "FALSE", "FALSE", "TRUE", "FALSE", "TRUE", "TRUE", "FALSE", "TRUE"];
  const d = buildDesign("y ~ x + (1 | inst)", { ...smallTable(), y: yText });
  assert.deepEqual(Array.from(d.response.successes), [1, 0, 1, 1, 0, 0, 1, 0, 1, 1, 0, 1]);
  const y = [...(smallTable().y as number[])];
  y[3] = 2;
  const e = designError(() => buildDesign("y ~ x + (1 | inst)", { ...smallTable(), y }), /response 'y' must be binary .* row 4 has 2/);
  assert.deepEqual(e.detail, { column: "y", row: 3, value: "2", term: "y" });
  const yWord = [...yText];
  yWord[6] = "ja";
  designError(() => buildDesign("y ~ x + (1 | inst)", { ...smallTable(), y: yWord }), /row 7 has 'ja'/);
  designError(() => buildDesign("y ~ x + (1 | inst)", { ...smallTable(), y: Float64Array.from([1, 0, 0.5, 1, 0, 0, 1, 0, 1, 1, 0, 1]) }), /row 3 has 0.5/);
});

test("a constant response is an error (lme4's check.response.not.const)", () => {
  designError(() => buildDesign("y ~ x + (1 | inst)", { ...smallTable(), y: new Float64Array(12) }), /response 'y' is constant: no observation is a success \(0 of 12\)/);
  designError(() => buildDesign("y ~ x + (1 | inst)", { ...smallTable(), y: new Float64Array(12).fill(1) }), /every observation is a success \(12 of 12\)/);
  designError(() => buildDesign("cbind(s, f) ~ 1 + (1 | inst)", { ...smallTable(), s: new Float64Array(12).fill(2), f: new Float64Array(12) }), /'cbind\(s, f\)' is constant/);
});

test("cbind(successes, failures): counts, trials = s + f, checks name the argument and the row", () => {
  const t: ColumnTable = {
    incidence: [2, 3, 4, 0, 3, 1],
    size: [14, 12, 9, 5, 22, 18],
    period: ["1", "2", "3", "4", "1", "2"],
    herd: ["1", "1", "1", "1", "2", "2"],
  };
  const d = buildDesign("cbind(incidence, size - incidence) ~ period + (1 | herd)", t);
  assert.equal(d.response.name, "cbind(incidence, size - incidence)");
  assert.deepEqual(Array.from(d.response.successes), [2, 3, 4, 0, 3, 1]);
  assert.deepEqual(Array.from(d.response.trials), [14, 12, 9, 5, 22, 18]);
  assert.deepEqual(d.fixed.names, ["(Intercept)", "period2", "period3", "period4"]);
  designError(() => buildDesign("cbind(incidence, size - incidence) ~ 1 + (1 | herd)", { ...t, size: [14, 12, 3, 5, 22, 18] }), /'size - incidence' in cbind\(incidence, size - incidence\) must be a non-negative whole number .* row 3 gives -1/);
  designError(() => buildDesign("cbind(incidence, size) ~ 1 + (1 | herd)", { ...t, incidence: [2, 3, 4.5, 0, 3, 1] }), /'incidence' .* row 3 gives 4.5/);
  designError(() => buildDesign("cbind(incidence, size) ~ 1 + (1 | herd)", { ...t, size: ["a", "b", "c", "d", "e", "f"] }), /column 'size' in 'cbind\(incidence, size\)' must hold counts/);
  designError(() => buildDesign("cbind(incidence, size - incidence) ~ 1 + (1 | herd)", { ...t, size: [14, 12, 9, 0, 22, 18] }), /row 4 (gives -0|has no trials)/);
});

test("rank deficiency: constant and aliased columns dropped left to right and reported as lme4 does", () => {
  const t = smallTable();
  const x = t.x as Float64Array;
  const d = buildDesign("y ~ x + c2 + xx + migratie + (1 | inst)", {
    ...t,
    c2: new Float64Array(12).fill(3),
    xx: x.map((v) => 2 * v - 1),
  });
  // R: glFormula(y ~ x + c2 + migratie) drops c2; y ~ xx + x drops the later of the two.
  assert.deepEqual(d.fixed.names, ["(Intercept)", "x", "migratieniet-westers", "migratiewesters"]);
  assert.deepEqual(d.fixed.dropped, [
    { name: "c2", reason: "constant column (aliased with the intercept)" },
    { name: "xx", reason: "a linear combination of the columns before it" },
  ]);
  assert.equal(d.fixed.columns.length, 4);
  assert.equal(d.fixed.info.length, 4);
  assert.deepEqual(designMessages(d), [
    "fixed-effect model matrix is rank deficient so dropping 2 columns / coefficients: c2 (constant column (aliased with the intercept)), xx (a linear combination of the columns before it)",
  ]);
  // A 0/1 column equal to the sum of two dummies is aliased with them.
  const nw = (t.migratie as string[]).map((m) => (m === "geen" ? 0 : 1));
  const e = buildDesign("y ~ migratie + nietgeen + (1 | inst)", { ...t, nietgeen: nw });
  assert.deepEqual(e.fixed.dropped.map((c) => c.name), ["nietgeen"]);
  // An all-zero column is dropped too.
  assert.deepEqual(buildDesign("y ~ x + z0 + (1 | inst)", { ...t, z0: new Float64Array(12) }).fixed.dropped.map((c) => c.name), ["z0"]);
});

test("random slopes on a factor get its dummies; a numeric grouping column sorts numerically", () => {
  const t = { ...smallTable(), code: Float64Array.from([10, 10, 9, 9, 100, 100, 10, 10, 9, 9, 100, 100]) };
  const d = buildDesign("y ~ 1 + (0 + migratie | inst) + (1 | code)", t);
  assert.deepEqual(d.random[0].terms, ["migratiegeen", "migratieniet-westers", "migratiewesters"]);
  assert.deepEqual(d.random[1].levels, ["9", "10", "100"]);
  assert.deepEqual(Array.from(d.random[1].index.slice(0, 6)), [1, 1, 0, 0, 2, 2]);
  assert.deepEqual(Array.from(d.random[0].z[1]), [0, 1, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0]);
});

test("term order: as written when levels do not increase, else rev(order(nl)) as in lme4's mkReTrms", () => {
  const mk = (name: string, n: number) => ({ name, levels: Array.from({ length: n }, (_, k) => String(k)) });
  assert.deepEqual(orderByLevels([mk("a", 5), mk("b", 5), mk("c", 2)]).map((t) => t.name), ["a", "b", "c"]);
  assert.deepEqual(orderByLevels([mk("a", 3), mk("b", 6), mk("c", 3)]).map((t) => t.name), ["b", "c", "a"]);
});

test("more random effects than observations is an error (lme4's check.nobs.vs.nRE)", () => {
  designError(() => buildDesign("y ~ 1 + (1 + migratie | loc)", smallTable()), /number of observations \(=12\) < number of random effects \(=18\)/);
});

test("table problems: mixed types, unequal lengths, infinite values", () => {
  designError(() => buildDesign("y ~ m + (1 | inst)", { ...smallTable(), m: [1, 2, "a", 4, 5, 6, 7, 8, 9, 10, 11, 12] as unknown as Column }), /column 'm' mixes numbers and strings .*row 3 is the string 'a'/);
  designError(() => buildDesign("y ~ s + (1 | inst)", { ...smallTable(), s: [1, 2, 3] }), /column 's' has 3 rows, but the table has 12/);
  const x = Float64Array.from(smallTable().x as Float64Array);
  x[8] = Infinity;
  designError(() => buildDesign("y ~ x + (1 | inst)", { ...smallTable(), x }), /'x' has the non-finite value Infinity at row 9/);
});
