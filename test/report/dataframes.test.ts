import { test } from "node:test";
import assert from "node:assert/strict";
import { crossTableCounts, dataFrameHtml, frameSample, missingCounts, rawHead } from "../../src/report/dataframes";
import { crossTableByBackground } from "../../src/report/crosstab";
import { frameColumns } from "../pipeline/frame-fixture";

const frame = frameColumns(500);

test("a frame sample is reproducible, keeps every column with its type, and is a sample, not the frame", () => {
  const a = frameSample(frame, 50, 7);
  const b = frameSample(frame, 50, 7);
  assert.deepEqual(a.values, b.values);
  assert.notDeepEqual(frameSample(frame, 50, 8).values, a.values, "another seed, other rows");
  assert.deepEqual(a.shape, [50, Object.keys(frame).length]);
  assert.deepEqual(a.columns, Object.keys(frame));
  const types = Object.fromEntries(a.columns.map((c, i) => [c, a.ctypes.values[i]]));
  assert.equal(types["niveau"], "string", "'3' and '>2014' stay text");
  assert.equal(types["citojaar"], "string");
  assert.equal(types["leeftijd"], "int32");
  const ids = a["id"].values as string[];
  assert.equal(new Set(ids).size, 50, "no row twice");
  assert.deepEqual([...ids].sort((x, y) => Number(x.slice(1)) - Number(y.slice(1))), ids, "in frame order");
});

test("the counts behind the cross table are the cross table's, counted on the full columns", () => {
  const counts = crossTableCounts(frame, "doorstroom");
  const sector = counts.query(counts["variabele"].eq("sector"));
  const perBackground = sector.groupby(["migratie"]).col(["n", "doorstroom"]).sum();
  const nRow = crossTableByBackground(frame, "doorstroom")[0] as (string | number)[];
  assert.deepEqual(perBackground["n_sum"].values, nRow.slice(2, 5), "N per background, as the cross table's first row");
  const events = (frame["doorstroom"] as Float64Array).reduce((s, v) => s + v, 0);
  assert.equal((perBackground["doorstroom_sum"].values as number[]).reduce((s, v) => s + v, 0), events);
});

test("DataFrames and Series from danfojs's own methods render with their index and columns", () => {
  const missing = missingCounts(frame);
  const html = dataFrameHtml(missing.head(2), "Twee rijen");
  assert.match(html, /<caption>Twee rijen<\/caption><thead><tr><th><\/th><th>migratie<\/th><th>n<\/th><th>cito_missend<\/th><th>ouders_onbekend<\/th><\/tr><\/thead>/);
  assert.match(html, /<tr><th>geen<\/th><td>geen<\/td><td>\d+<\/td>/);
  const share = dataFrameHtml(missing["cito_missend"].div(missing["n"]), "Aandeel");
  assert.match(share, /<tr><th>westers<\/th><td>0\.\d{3}<\/td><\/tr>/);
  const described = dataFrameHtml(frameSample(frame, 100).describe(), "describe");
  assert.match(described, /<th>mean<\/th>/);
  const raw = rawHead({ file: "studenten.csv", nrows: 3, columns: { id: ["a", "b", "c"], x: Float64Array.of(1, NaN, 3) } }, ["id", "x"], 2);
  assert.deepEqual(raw.values, [["a", 1], ["b", null]], "an empty field is null");
});
