import { test } from "node:test";
import assert from "node:assert/strict";
import { citoByParentsKnown, missingnessTable } from "../../src/report/missingness";
import { smallFrame } from "./fixtures";

test("missingness per variable and background, with the outcome rate when missing and when present", () => {
  const rows = missingnessTable(smallFrame(), "doorstroom");
  const get = (v: string, g: string) => rows.find((r) => r.variable === v && r.group === g);
  const citoAll = get("Citoscore", "Totaal");
  // cito_missing = 1 in rows 3, 5, 8 (doorstroom 1, 1, 0); present in 7 rows with doorstroom 1,0,0,0,1,0,1... = 4.
  assert.deepEqual([citoAll?.n, citoAll?.missing, citoAll?.share], [10, 3, 0.3]);
  assert.ok(Math.abs((citoAll?.outcomeRateMissing as number) - 2 / 3) < 1e-12);
  assert.ok(Math.abs((citoAll?.outcomeRatePresent as number) - 4 / 7) < 1e-12);
  const oudersNw = get("Opleidingsniveau ouders", "Niet-westerse migratieachtergrond");
  assert.deepEqual([oudersNw?.n, oudersNw?.missing], [2, 1]);
  const westers = get("Citoscore", "Westerse migratieachtergrond");
  assert.deepEqual([westers?.n, westers?.missing], [1, 0]);
  assert.ok(Number.isNaN(westers?.outcomeRateMissing));
  assert.throws(() => missingnessTable({ doorstroom: [1] }, "doorstroom"), /no column 'migratie'/);
});

test("cito distributions split by parents' education known, over observed scores only", () => {
  const [known, unknown] = citoByParentsKnown(smallFrame());
  assert.equal(known?.counts.reduce((a, b) => a + b, 0), 5);
  assert.equal(unknown?.counts.reduce((a, b) => a + b, 0), 2);
  assert.equal(unknown?.counts[20], 1);
  assert.equal(unknown?.counts[35], 1);
  assert.equal(known?.counts[50], 1);
  const bad = { ...smallFrame(), cito: Float64Array.from([30, 40, 100, 20, 100, 45, 35, 100, 25, 60]) };
  assert.throws(() => citoByParentsKnown(bad), /row 10 has cito 60 with cito_missing = 0/);
});
