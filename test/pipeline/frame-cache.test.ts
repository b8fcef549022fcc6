import { test } from "node:test";
import { columnContentHash } from "../../src/pipeline/fit-cache";
import type { ColumnTable } from "../../src/model/types";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync, writeFileSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { frameCacheDir, frameCacheKey, readFrameCache, writeFrameCache } from "../../src/pipeline/frame-cache";
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
    for (const [name, col] of Object.entries(f.columns)) assert.deepEqual([...(g.columns[name] ?? [])], [...col], name);
    assert.deepEqual(g.flow, f.flow);
    assert.deepEqual(Array.from(g.sourceRows), Array.from(f.sourceRows));
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

test("the cache key changes with the raw files, the reference categories and the years", () => {
  const dir = mkdtempSync(join(tmpdir(), "report-framekey-"));
  try {
    for (const f of ["studenten.csv", "vsv.csv", "crebo.csv"]) writeFileSync(join(dir, f), "a\n1\n");
    const k1 = frameCacheKey(dir, { migratie: "geen" }, [2020]);
    assert.equal(frameCacheKey(dir, { migratie: "geen" }, [2020]), k1);
    assert.notEqual(frameCacheKey(dir, { migratie: "westers" }, [2020]), k1);
    assert.notEqual(frameCacheKey(dir, { migratie: "geen" }, [2021]), k1);
    writeFileSync(join(dir, "vsv.csv"), "a\n12\n");
    assert.notEqual(frameCacheKey(dir, { migratie: "geen" }, [2020]), k1);
    utimesSync(join(dir, "vsv.csv"), new Date(0), new Date(0));
    assert.match(frameCacheDir("/c", k1), /^\/c\/frames-[0-9a-f]{20}$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
