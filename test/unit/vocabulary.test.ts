/**
 * The study's vocabulary (src/vocabulary.ts) against the frame schemas (data-schema/frame-*.schema.json):
 * both say which outcomes there are, which factors with which levels, and which level is the published
 * reference. They must say the same, so a change to one without the other fails here.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadTableSchema, referenceLevels } from "../../src/data/schema";
import { FACTORS, FACTOR_LEVELS, GROUPING_FACTORS, MODEL_YEARS, OUTCOMES, PUBLISHED_REFERENCE, frameKey, isFactor } from "../../src/vocabulary";

test("every outcome has a frame schema whose first field is the outcome, coded 0/1", () => {
  for (const outcome of OUTCOMES) {
    const schema = loadTableSchema(`frame-${outcome}`);
    const first = schema.fields[0];
    assert.equal(first?.name, outcome);
    assert.deepEqual(first?.constraints?.enum, [0, 1], `${outcome} is 0/1`);
  }
});

test("the factors, their levels and the published references are the frame schemas' enums and x-reference", () => {
  for (const outcome of OUTCOMES) {
    const schema = loadTableSchema(`frame-${outcome}`);
    const stringEnums = schema.fields.filter((f) => f.type === "string" && f.constraints?.enum !== undefined);
    assert.deepEqual(stringEnums.map((f) => f.name).sort(), [...FACTORS].sort(), `frame-${outcome}: the factor fields are the vocabulary's factors`);
    for (const f of stringEnums) {
      assert.ok(isFactor(f.name));
      assert.deepEqual([...(f.constraints?.enum ?? [])].sort(), [...FACTOR_LEVELS[f.name]].sort(), `frame-${outcome}.${f.name}: the same levels`);
    }
    assert.deepEqual(referenceLevels(schema), { ...PUBLISHED_REFERENCE }, `frame-${outcome}: x-reference is the vocabulary's published reference`);
    for (const g of GROUPING_FACTORS) assert.ok(schema.fields.some((f) => f.name === g && f.type === "string"), `frame-${outcome} has the grouping factor ${g}`);
  }
  for (const factor of FACTORS) assert.equal(PUBLISHED_REFERENCE[factor], FACTOR_LEVELS[factor][0], `${factor}: the reference is listed first`);
});

test("a frame exists for every outcome and model year, and for nothing else", () => {
  assert.deepEqual(OUTCOMES.flatMap((o) => MODEL_YEARS.map((y) => frameKey(o, y))), ["doorstroom2020", "doorstroom2021", "vsv2020", "vsv2021"]);
  assert.throws(() => frameKey("diploma", 2020), /no analysis frame for diploma 2020: the frames are doorstroom and vsv for 2020 and 2021/);
  assert.throws(() => frameKey("vsv", 2019), /no analysis frame for vsv 2019/);
});
