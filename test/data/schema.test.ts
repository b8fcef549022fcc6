import { test } from "node:test";
import assert from "node:assert/strict";
import { csvSpecOf, loadTableSchema, parseTableSchema, referenceLevels } from "../../src/data/schema";

const field = { name: "x", type: "integer", description: "d" };

test("a malformed schema is rejected with the file and what is wrong", () => {
  assert.throws(() => parseTableSchema([], "s.json"), /s\.json: not a valid Table Schema: the top level is not an object/);
  assert.throws(() => parseTableSchema({ name: "t", fields: [] }, "s.json"), /"fields" is missing or empty/);
  assert.throws(() => parseTableSchema({ name: "t", fields: [{ ...field, type: "date" }] }, "s.json"), /field "x" has type "date"; supported: string, integer, number/);
  assert.throws(() => parseTableSchema({ name: "t", fields: [field, field] }, "s.json"), /field "x" is listed twice/);
  assert.throws(() => parseTableSchema({ name: "t", fields: [{ ...field, description: "" }] }, "s.json"), /field "x" has no description/);
  assert.throws(() => parseTableSchema({ name: "t", fields: [{ ...field, constraints: { enum: ["a"] } }] }, "s.json"), /"enum" values must be of the field's type/);
  assert.throws(() => parseTableSchema({ name: "t", fields: [{ ...field, constraints: { format: "x" } }] }, "s.json"), /unsupported constraint "format"/);
  assert.throws(() => parseTableSchema({ name: "t", fields: [field], primaryKey: ["y"] }, "s.json"), /"primaryKey" names "y", which is not a field/);
  assert.throws(() => parseTableSchema({ name: "t", fields: [{ ...field, type: "string", constraints: { pattern: "(" } }] }, "s.json"), /"pattern" is not a regular expression/);
});

test("the reader spec and the published references come from the schema files", () => {
  const spec = csvSpecOf(loadTableSchema("studenten"));
  assert.deepEqual(spec.leeftijd_2019, { type: "integer", missingValues: [""] });
  assert.deepEqual(spec.eindtoets_score, { type: "number", missingValues: [""] });
  assert.deepEqual(spec.locatie_2019, { type: "string", missingValues: [""] });
  assert.equal(referenceLevels(loadTableSchema("frame-vsv")).ouders, "max_vmbo_kader");
  assert.throws(() => loadTableSchema("studenten", "/nonexistent"), /\/nonexistent\/studenten\.schema\.json: cannot read the schema/);
});
