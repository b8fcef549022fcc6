import { test } from "node:test";
import assert from "node:assert/strict";
import { codeFactor, groupingFactor, rememberFactorCoding } from "../../src/model/factor";

test("codeFactor: every row's code points at its own value, for few and for many levels, over a row subset", () => {
  for (const nLevels of [2, 5, 12, 13, 40]) {
    const values = Array.from({ length: 3000 }, (_, i) => `L${(i * 7919) % nLevels}`);
    const rows = Int32Array.from({ length: 1000 }, (_, r) => 3 * r);
    const f = codeFactor("v", values, rows);
    rows.forEach((i, r) => assert.equal(f.levels[f.codes[r]], values[i], `nLevels ${nLevels}, row ${i}`));
    assert.deepEqual([...f.levels], [...new Set(Array.from(rows, (i) => values[i]))].sort());
  }
});

test("codeFactor: the reference level comes first, the others keep code-point order", () => {
  const f = codeFactor("niveau", ["2", "4", "1", "3", "3", "1"], Int32Array.from([0, 1, 2, 3, 4, 5]), "3");
  assert.deepEqual(f.levels, ["3", "1", "2", "4"]);
  assert.deepEqual(Array.from(f.codes), [2, 3, 1, 0, 0, 1]);
});

test("groupingFactor: the interaction a:b keeps the combinations present, a varying slowest", () => {
  const a = ["x", "y", "x", "y", "x"];
  const b = ["2", "1", "1", "1", "2"];
  const g = groupingFactor(["a", "b"], [a, b], [false, false], Int32Array.from([0, 1, 2, 3, 4]));
  assert.deepEqual(g.levels, ["x:1", "x:2", "y:1"]);
  assert.deepEqual(Array.from(g.index), [1, 2, 0, 2, 1]);
});

test("codeFactor from a remembered coding (the frame cache's codes) equals codeFactor over the strings", () => {
  for (const nLevels of [2, 13, 300]) {
    const values = Array.from({ length: 5000 }, (_, i) => `g${(i * 7919) % nLevels}`);
    // The frame cache's coding: levels in order of first appearance, codes per row.
    const levels: string[] = [];
    const codes = Int32Array.from(values, (v) => {
      const at = levels.indexOf(v);
      return at >= 0 ? at : levels.push(v) - 1;
    });
    const coded = [...values];
    rememberFactorCoding(coded, levels, codes);
    const subset = Int32Array.from({ length: 1200 }, (_, r) => 4 * r + 1); // some levels absent when nLevels is large
    for (const rows of [subset, Int32Array.from(values, (_, i) => i)]) {
      for (const reference of [undefined, values[rows[7]]]) {
        const known = codeFactor("v", coded, rows, reference);
        const scanned = codeFactor("v", [...values], rows, reference);
        assert.deepEqual(known.levels, scanned.levels, `nLevels ${nLevels}`);
        assert.deepEqual(Array.from(known.codes), Array.from(scanned.codes), `nLevels ${nLevels}`);
      }
    }
    assert.throws(() => codeFactor("v", coded, subset, "absent"), /reference level 'absent' of 'v' does not occur/);
    const g = groupingFactor(["v"], [coded], [false], subset);
    const h = groupingFactor(["v"], [[...values]], [false], subset);
    assert.deepEqual(g.levels, h.levels);
    assert.deepEqual(Array.from(g.index), Array.from(h.index));
  }
  assert.throws(() => rememberFactorCoding(["a", "b"], ["a", "b"], Int32Array.from([0])), /1 codes for a column of 2 rows/);
});
