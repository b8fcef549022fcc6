/**
 * The bootstrap interval arithmetic against boot.ci itself (boot 1.3-28: perc.ci, basic.ci, norm.ci on
 * fixed replicates, test/fixtures/intervals/boot-ci.json from scripts/r/make-interval-fixtures.R
 * "bootci"), including boot's interpolation on the normal scale between order statistics and its
 * extreme order statistics when R is too small for the level.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { bootQuantile, bootstrapLimits } from "../../src/inference/bootstrap-intervals";

interface BootCiCase {
  R: number;
  conf: number;
  t0: number;
  t: number[];
  percentile: number[];
  basic: number[];
  normal: number[];
}
const fixture = JSON.parse(readFileSync(join(__dirname, "..", "fixtures", "intervals", "boot-ci.json"), "utf8")) as { cases: BootCiCase[] };

test("percentile, basic and normal limits equal boot.ci's to 1e-12 (R = 9 to 1000, levels 0.8 to 0.95)", () => {
  assert.equal(fixture.cases.length, 15);
  for (const c of fixture.cases) {
    for (const type of ["percentile", "basic", "normal"] as const) {
      const ours = bootstrapLimits(c.t0, c.t, c.conf, type);
      const r = c[type];
      const what = `${type}, R = ${c.R}, level ${c.conf}`;
      assert.ok(Math.abs(ours.lower - r[0]) < 1e-12 * Math.max(1, Math.abs(r[0])), `${what} lower ${ours.lower} vs ${r[0]}`);
      assert.ok(Math.abs(ours.upper - r[1]) < 1e-12 * Math.max(1, Math.abs(r[1])), `${what} upper ${ours.upper} vs ${r[1]}`);
      assert.equal(ours.used, c.R);
    }
  }
});

test("too few replicates for the level are flagged (R = 9 at 95 %: boot warns 'extreme order statistics used as endpoints'), and non-finite replicates are left out", () => {
  const nine = fixture.cases.find((c) => c.R === 9 && c.conf === 0.95)!;
  assert.equal(bootstrapLimits(nine.t0, nine.t, 0.95).extreme, true);
  const big = fixture.cases.find((c) => c.R === 1000 && c.conf === 0.95)!;
  assert.equal(bootstrapLimits(big.t0, big.t, 0.95).extreme, false);
  const withNaN = bootstrapLimits(big.t0, [...big.t, Number.NaN, Number.POSITIVE_INFINITY], 0.95);
  assert.equal(withNaN.used, 1000);
  const plain = bootstrapLimits(big.t0, big.t, 0.95);
  assert.deepEqual([withNaN.lower, withNaN.upper], [plain.lower, plain.upper]);
  // An order statistic hit exactly: (R + 1) p = 1 for R = 39, p = 0.025.
  const sorted = Float64Array.from([3, 1, 2, ...Array.from({ length: 36 }, (_, k) => 10 + k)]).sort();
  assert.equal(bootQuantile(sorted, 0.025).value, 1);
});
