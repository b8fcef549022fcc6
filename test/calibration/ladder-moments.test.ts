import { test } from "node:test";
import assert from "node:assert/strict";
import { loadPublishedModels, type PublishedModelCell } from "../../src/data/reference";
import { FRAME_KEYS, FRAMES, type FrameKey } from "../../src/data/synthetic/coding";
import { modelCellReading, PUBLISHED_TERM } from "../../src/data/synthetic/targets";
import { ladderMoments, ladderResiduals, LADDER_MODELS, modelsNeeded, momentValue, type FittedLadder, type FittedLadderModel, type LadderModel } from "../../src/calibration/ladder-moments";

const published = loadPublishedModels();

/** A "fitted" ladder that reproduces the publication exactly (misprints as read). */
function publishedLadder(key: FrameKey): FittedLadder {
  const cells = published.filter((c) => c.table === FRAMES[key].table + 4);
  const out: Partial<Record<LadderModel, FittedLadderModel>> = {};
  for (const m of LADDER_MODELS) {
    const mine = cells.filter((c) => c.model === m);
    const beta = new Map<string, number>();
    for (const c of mine.filter((x) => x.part === "fixed")) beta.set(PUBLISHED_TERM[c.category], modelCellReading(c, "estimate")?.value ?? c.estimate);
    const variance = (prefix: string): number => {
      const c = mine.find((x) => x.part === "random" && x.category.startsWith(prefix)) as PublishedModelCell;
      return (c.se as number) ** 2;
    };
    const r2 = (mine.find((x) => x.part === "diagnostic") as PublishedModelCell).estimate;
    out[m] = { beta, locationVariance: variance("Schoollocatie"), institutionVariance: variance("Instelling"), r2 };
  }
  return out;
}

test("a ladder equal to the publication has every residual zero", () => {
  const fitted = Object.fromEntries(FRAME_KEYS.map((k) => [k, publishedLadder(k)])) as Record<FrameKey, FittedLadder>;
  const moments = FRAME_KEYS.flatMap((k) => ladderMoments(k, published));
  const r = ladderResiduals(moments, fitted);
  assert.ok(moments.length > 150);
  assert.ok(r.every((x) => Math.abs(x) < 1e-9), `largest residual ${Math.max(...Array.from(r, Math.abs))}`);
});

test("moments are shifts against the anchor, scaled by the comparison's tolerance; misprints are read", () => {
  const m = ladderMoments("doorstroom2020", published);
  const nw1a = m.find((x) => x.kind === "coefficient shift" && x.model === "1a" && x.term === "migratieniet-westers");
  assert.ok(nw1a);
  assert.ok(Math.abs(nw1a.target - (0.83 - 0.62)) < 1e-12);
  assert.equal(nw1a.anchor, "1c");
  assert.ok(Math.abs(nw1a.scale - 0.04) < 1e-12);
  // Tabel 5 model 1c prints the age coefficient as 0.27, read as -0.27: the shift 1b - 1c is -0.30 + 0.27.
  const age1b = m.find((x) => x.kind === "coefficient shift" && x.model === "1b" && x.term === "leeftijd");
  assert.ok(age1b && Math.abs(age1b.target - -0.03) < 1e-12);
  // 1b's SE of 'onbekend' is printed (0.2), read as (0.02): the scale is 2 x 0.02 = 0.04.
  const onb1b = m.find((x) => x.kind === "coefficient shift" && x.model === "1b" && x.term === "oudersonbekend");
  assert.ok(onb1b && Math.abs(onb1b.scale - 0.04) < 1e-12);
  const loc0 = m.find((x) => x.kind === "location variance shift" && x.model === "0");
  assert.ok(loc0 && Math.abs(loc0.target - (0.57 ** 2 - 0.42 ** 2)) < 1e-12);
  assert.ok(loc0 && Math.abs(loc0.scale - (0.005 + 2 * 0.57 ** 2 * Math.sqrt(2 / 566))) < 1e-12);
});

test("a selection of models needs only those models and their anchor", () => {
  const m = ladderMoments("vsv2021", published, { anchor: "1c", models: ["1c", "2"] });
  assert.deepEqual(modelsNeeded(m), ["1c", "2"]);
  assert.ok(m.some((x) => x.kind === "coefficient shift" && x.model === "2" && x.term === "migratieniet-westers"));
  const fitted = { vsv2021: { "1c": publishedLadder("vsv2021")["1c"] } } as unknown as Record<FrameKey, FittedLadder>;
  assert.throws(() => momentValue(m[0], fitted.vsv2021), /model 2 was not fitted/);
  const early = ladderMoments("vsv2021", published, { anchor: "1c", models: ["0", "1a", "1b", "1c"] });
  assert.deepEqual(modelsNeeded(early), ["0", "1a", "1b", "1c"]);
  assert.ok(early.every((x) => x.model !== "2"));
});
