import { test } from "node:test";
import assert from "node:assert/strict";
import { parseCalibrateArgs } from "../../scripts/calibrate-synthetic";

test("calibrate-synthetic arguments: --free names the only parameters that move, --fix those that stay; unknown names are refused with the known ones", () => {
  const a = parseCalibrateArgs(["--free", "vsvRiskSorting, startpopulatieSpread", "--fix", "nwAge", "--scale", "1"]);
  assert.notEqual(a, "help");
  if (a === "help") return;
  assert.deepEqual(a.free, ["vsvRiskSorting", "startpopulatieSpread"]);
  assert.deepEqual(a.fix, ["nwAge"]);
  assert.equal(a.scale, 1);
  assert.deepEqual(parseCalibrateArgs([]) !== "help" && (parseCalibrateArgs([]) as { free: unknown }).free, []);
  assert.throws(() => parseCalibrateArgs(["--free", "vsvRisk"]), /--free: unknown parameter vsvRisk \(known: .*vsvRiskSorting/);
});
