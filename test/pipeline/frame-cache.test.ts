import { test } from "node:test";
import { columnContentHash } from "../../src/pipeline/fit-cache";
import type { ColumnTable } from "../../src/model/types";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { PROJECT_ROOT, loadConfig, type KansenConfig } from "../../src/config";
import { DataValidationError } from "../../src/data/validate";
import { prepareFrames } from "../../src/pipeline/steps";
import { writeRawFolder } from "../data/fixture";
import { frameCacheDir, frameCacheKey, frameCodeFiles, readFrameCache, writeFrameCache } from "../../src/pipeline/frame-cache";
import type { AnalysisFrame } from "../../src/transform/frames";
import { smallFrame } from "../report/fixtures";

function frame(): AnalysisFrame {
  const f = smallFrame();
  const data = {
    outcome: Float64Array.from(f.doorstroom),
    migratie: f.migratie, niet_westers: Float64Array.from(f.migratie, (m) => (m === "niet-westers" ? 1 : 0)), ouders: f.ouders,
    geslacht: f.geslacht, leeftijd: f.leeftijd, niveau: f.niveau, sector: f.sector, leerweg: f.leerweg, cito: f.cito,
    cito_missing: Float64Array.from(f.cito_missing), citojaar: f.citojaar,
    locatie: f.migratie.map((_, i) => `L${i % 3}`), instelling: f.migratie.map(() => "I1"), id: f.migratie.map((_, i) => `s${i}`),
  };
  const { outcome, ...rest } = data;
  return {
    key: "doorstroom2020", outcome: "doorstroom", year: 2020, t: 2019, nrows: 10, data, columns: { doorstroom: outcome, ...rest },
    flow: [{ step: 1, rule: "alle", section: "3a 2.1", nIn: 12, nOut: 10 }], reference: { migratie: "geen" }, sourceRows: Int32Array.from({ length: 10 }, (_, i) => i + 2),
    sourceLines: Int32Array.from({ length: 10 }, (_, i) => i + 4), sourceFile: "/data/studenten.csv",
  };
}

test("frames written to the cache read back identical, column by column", () => {
  const dir = mkdtempSync(join(tmpdir(), "report-framecache-"));
  try {
    const f = frame();
    const frames = { doorstroom2020: f } as unknown as Parameters<typeof writeFrameCache>[1]["frames"];
    const cache = join(dir, "frames-x");
    assert.equal(readFrameCache(cache), undefined);
    writeFrameCache(cache, { frames, rates: { doorstroom: [{ year: 2016, group: "g", rate: 0.5, n: 2 }] }, files: [{ file: "studenten.csv", nrows: 12, ncolumns: 3 }] });
    assert.deepEqual(readdirSync(dir), ["frames-x"]); // no partial folder left
    const back = readFrameCache(cache);
    assert.ok(back);
    const g = back.frames.doorstroom2020;
    assert.ok(g);
    assert.deepEqual(Object.keys(g.columns), Object.keys(f.columns));
    assert.deepEqual(Object.keys(g.data), Object.keys(f.data));
    // A text column is made from its codes when first used, once: data and columns share it.
    for (const name of Object.keys(f.data).filter((n) => n !== "outcome")) {
      assert.equal((g.data as unknown as ColumnTable)[name], g.columns[name], name);
      assert.equal(g.columns[name], g.columns[name], name);
    }
    assert.equal(g.data.outcome, g.columns[f.outcome]);
    for (const [name, col] of Object.entries(f.columns)) assert.deepEqual([...(g.columns[name] ?? [])], [...col], name);
    assert.deepEqual(g.flow, f.flow);
    assert.deepEqual(Array.from(g.sourceRows), Array.from(f.sourceRows));
    assert.deepEqual(Array.from(g.sourceLines), Array.from(f.sourceLines));
    assert.equal(g.sourceFile, "/data/studenten.csv");
    assert.equal(back.rates["doorstroom"]?.[0]?.rate, 0.5);
    assert.deepEqual(Object.keys(readFrameCache(cache, ["vsv2020"])?.frames ?? { x: 1 }), [], "only the frames asked for are read");
    // A frame read back carries the fit cache's content hashes of its text columns, equal to those of the strings.
    for (const [name, col] of Object.entries(f.columns)) {
      const readBack: ColumnTable[string] | undefined = g.columns[name];
      assert.ok(readBack);
      assert.equal(columnContentHash(readBack), columnContentHash(Array.isArray(col) ? [...col] : col), `hash of ${name}`);
    }
    assert.deepEqual(Object.keys(readFrameCache(cache, ["doorstroom2020"])?.frames ?? {}), ["doorstroom2020"]);
    writeFileSync(join(cache, "doorstroom2020.cito.f64"), Buffer.alloc(8));
    assert.throws(() => readFrameCache(cache), /doorstroom2020.cito.f64: 8 bytes, expected 80/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the cache key changes with the raw files' content (not their size or time), the reference categories and the years", () => {
  const dir = mkdtempSync(join(tmpdir(), "report-framekey-"));
  try {
    for (const f of ["studenten.csv", "vsv.csv", "crebo.csv"]) writeFileSync(join(dir, f), "a\n1\n");
    const stamp = new Date("2024-02-14T12:00:00Z");
    for (const f of ["studenten.csv", "vsv.csv", "crebo.csv"]) utimesSync(join(dir, f), stamp, stamp);
    const k1 = frameCacheKey(dir, { migratie: "geen" }, [2020]);
    assert.equal(frameCacheKey(dir, { migratie: "geen" }, [2020]), k1);
    assert.notEqual(frameCacheKey(dir, { migratie: "westers" }, [2020]), k1);
    assert.notEqual(frameCacheKey(dir, { migratie: "geen" }, [2021]), k1);
    // An edit in place to the same size, with the time stamp put back: still a new key.
    writeFileSync(join(dir, "vsv.csv"), "a\n2\n");
    utimesSync(join(dir, "vsv.csv"), stamp, stamp);
    assert.equal(statSync(join(dir, "vsv.csv")).size, statSync(join(dir, "crebo.csv")).size);
    assert.notEqual(frameCacheKey(dir, { migratie: "geen" }, [2020]), k1);
    // Back to the old content: the old key (the time stamp does not count either).
    writeFileSync(join(dir, "vsv.csv"), "a\n1\n");
    assert.equal(frameCacheKey(dir, { migratie: "geen" }, [2020]), k1);
    // Digests handed in by ensureData are used as they are.
    const given = { "studenten.csv": "s", "vsv.csv": "v", "crebo.csv": "c" };
    assert.equal(frameCacheKey(dir, { migratie: "geen" }, [2020], given), frameCacheKey(join(dir, "elsewhere"), { migratie: "geen" }, [2020], given));
    assert.match(frameCacheDir("/c", k1), /^\/c\/frames-[0-9a-f]{20}$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the frames' code and contract enter the key: the reader, validator, transforms and schemas", () => {
  const names = frameCodeFiles().map((f) => relative(PROJECT_ROOT, f));
  for (const f of ["src/data/csv.ts", "src/data/validate.ts", "src/data/load.ts", "src/transform/frames.ts", "src/transform/plausibility.ts", "data-schema/studenten.schema.json"]) {
    assert.ok(names.includes(f), `${f} in ${names.join(", ")}`);
  }
  assert.ok(!names.some((f) => f.includes("synthetic")), "the generator is the data cache's business");
});

test("a chapter run alone after an in-place edit (same size, same time stamp) builds and validates again", async () => {
  const cacheDir = mkdtempSync(join(tmpdir(), "kansen-framecache-edit-"));
  const dir = writeRawFolder({
    students: [
      { id: "a", years: { 2019: { diploma: 1, leeftijd: 18 } } },
      { id: "b", years: { 2019: { diploma: 1, leeftijd: 19 } } },
    ],
    vsv: [{ id: "a", jaar: 2020, startpopulatie: 1, nieuwe_vsver: 0 }],
  });
  try {
    const config: KansenConfig = { ...loadConfig(), data: { kind: "folder", path: dir }, cacheDir };
    const studenten = join(dir, "studenten.csv");
    const stamp = new Date("2024-02-14T12:00:00Z");
    utimesSync(studenten, stamp, stamp);
    const first = await prepareFrames(config);
    assert.equal(first.fromCache, false);
    assert.equal(first.frames.doorstroom2020?.nrows, 2);
    assert.equal((await prepareFrames(config)).fromCache, true, "unchanged: read from the cache");

    // a legal edit in place: age 19 -> 91 (same size), time stamp put back: new frames, not the cached ones
    const text = readFileSync(studenten, "utf8");
    const size = statSync(studenten).size;
    writeFileSync(studenten, text.replace(",19,", ",91,"));
    utimesSync(studenten, stamp, stamp);
    assert.equal(statSync(studenten).size, size);
    const edited = await prepareFrames(config);
    assert.equal(edited.fromCache, false, "the edit is seen");
    assert.equal(edited.frames.doorstroom2020?.nrows, 1, "the student aged 91 is out");

    // an illegal edit in place: 18 -> 1e (same size): rejected, not served from the cache
    writeFileSync(studenten, text.replace(",18,", ",1e,"));
    utimesSync(studenten, stamp, stamp);
    await assert.rejects(prepareFrames(config), (err: unknown) => {
      assert.ok(err instanceof DataValidationError);
      assert.equal(err.message.split("\n")[0], `${studenten}: row 1 (line 2), column "leeftijd_2019": value "1e" breaks rule "type: integer" (an integer is written as digits with an optional leading "-" (data-schema/README.md, "Numbers"))`);
      return true;
    });
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
});
