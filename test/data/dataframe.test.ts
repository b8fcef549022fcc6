import { test } from "node:test";
import assert from "node:assert/strict";
import { flowToDataFrame, recordsToDataFrame, toDataFrame } from "../../src/data/dataframe";

const table = { y: new Float64Array([1, 0, 1, 0]), g: ["a", null, "b", "c"], id: ["1", "2", "3", "4"] };

test("a column table or a slice of it becomes a danfojs DataFrame with the same values", () => {
  const df = toDataFrame(table);
  assert.deepEqual(df.shape, [4, 3]);
  assert.deepEqual(df.columns, ["y", "g", "id"]);
  const part = toDataFrame(table, { slice: [1, 3], columns: ["g", "y"] });
  assert.deepEqual(part.shape, [2, 2]);
  assert.deepEqual(part.values, [[null, 0], ["b", 1]]);
  const picked = toDataFrame(table, { rows: [3, 0], columns: ["id"] });
  assert.deepEqual(picked.values, [["4"], ["1"]]);
});

test("bad requests are clear errors", () => {
  assert.throws(() => toDataFrame(table, { columns: ["nope"] }), /no column "nope"/);
  assert.throws(() => toDataFrame(table, { maxRows: 2 }), /4 rows is more than maxRows = 2/);
  assert.throws(() => toDataFrame(table, { rows: [9] }), /row 9 is outside the table/);
  assert.throws(() => toDataFrame({ a: [1, 2], b: [1] }), /column "b" has 1 rows/);
});

test("records and a selection flow display as tables", () => {
  const df = flowToDataFrame([
    { step: 1, rule: "alle studenten", section: "3a 2.1", nIn: 10, nOut: 10 },
    { step: 2, rule: "bol of bbl", section: "3a 3.2", nIn: 10, nOut: 7 },
  ]);
  assert.deepEqual(df.columns, ["stap", "regel", "bron", "n_in", "n_uit", "eruit"]);
  assert.deepEqual(df.values[1], [2, "bol of bbl", "3a 3.2", 10, 7, 3]);
  assert.deepEqual(recordsToDataFrame([{ a: 1, b: "x" }]).shape, [1, 2]);
});

test("text that looks like numbers stays text, and records can carry row labels", () => {
  const df = toDataFrame({ citojaar: ["2009", "2010", ">2014"], niveau: ["3", "1", "4"], cito: Float64Array.of(1.5, NaN, 3) });
  assert.deepEqual(df.ctypes.values, ["string", "string", "float32"]);
  assert.deepEqual(df.values, [["2009", "3", 1.5], ["2010", "1", null], [">2014", "4", 3]]);
  const labelled = recordsToDataFrame([{ n: 4, missend: 1 }, { n: 2, missend: 2 }], undefined, ["geen", "westers"]);
  assert.deepEqual(labelled["missend"].div(labelled["n"]).index, ["geen", "westers"]);
});
