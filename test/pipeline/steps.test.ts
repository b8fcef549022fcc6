import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../../src/config";
import { readTruth } from "../../src/pipeline/steps";
import { chapterConfig, framesFor } from "../../src/pipeline/chapter";
import { frameKey } from "../../src/vocabulary";

function config(cacheDir: string, kind: "synthetic" | "folder" = "synthetic") {
  return parseConfig(
    {
      data: kind === "synthetic" ? { kind, scale: 0.01, seed: 3 } : { kind, path: cacheDir },
      years: [2020, 2021],
      outcomes: ["doorstroom", "vsv"],
      reference: { migratie: "geen", ouders: "max_vmbo_kader", geslacht: "man", niveau: "3", sector: "handel_economie", leerweg: "bol", citojaar: "2009" },
      outDir: join(cacheDir, "out"),
      cacheDir,
    },
    "test",
  );
}

test("frameKey names the four published frames and refuses any other outcome-year", () => {
  assert.equal(frameKey("vsv", 2021), "vsv2021");
  assert.throws(() => frameKey("vsv", 2019), /no analysis frame for vsv 2019/);
});

test("readTruth reads the generating fixed effects of one frame from truth.json, and nothing for real data", () => {
  const dir = mkdtempSync(join(tmpdir(), "report-truth-"));
  try {
    const data = join(dir, "synthetic-scale0.01-seed3");
    mkdirSync(data);
    const cfg = config(dir);
    assert.throws(() => readTruth(cfg, "doorstroom", 2020), /has no truth.json/);
    writeFileSync(join(data, "truth.json"), JSON.stringify({ frames: { doorstroom2020: { fixedEffects: { "(Intercept)": { value: 0.37 }, leerwegbbl: { value: -0.78, published: -0.78 } } } } }));
    const t = readTruth(cfg, "doorstroom", 2020);
    assert.equal(t?.get("leerwegbbl"), -0.78);
    assert.equal(t?.size, 2);
    assert.throws(() => readTruth(cfg, "vsv", 2020), /no frames.vsv2020.fixedEffects/);
    writeFileSync(join(data, "truth.json"), JSON.stringify({ frames: { vsv2020: { fixedEffects: { cito: { value: "x" } } } } }));
    assert.throws(() => readTruth(cfg, "vsv", 2020), /fixedEffects\["cito"\].value is not a number/);
    assert.equal(readTruth(config(dir, "folder"), "vsv", 2020), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a chapter's parameters lay over the configuration, are checked by its rules, and choose its frames", () => {
  const base = config("/tmp");
  const cfg = chapterConfig(base, { outcomes: ["vsv"], years: [2021] });
  assert.deepEqual(cfg.outcomes, ["vsv"]);
  assert.deepEqual(cfg.years, [2021]);
  assert.equal(cfg.reference.migratie, "geen", "what the parameters leave out comes from the configuration");
  assert.equal(chapterConfig(base, { reference: { sector: "zorg_sport" } }).reference.sector, "zorg_sport");
  assert.throws(() => chapterConfig(base, { years: [2019] }), /chapter's parameters.*key "years\[0\]": must be one of 2020, 2021, got 2019/s);
  assert.throws(() => chapterConfig(base, { reference: { migratie: "oost" } }), /key "reference\.migratie": must be one of/);
  const f = (outcome: string, year: number) => ({ outcome, year, key: `${outcome}${year}` });
  const data = { frames: { vsv2021: f("vsv", 2021), doorstroom2021: f("doorstroom", 2021), vsv2020: f("vsv", 2020), doorstroom2020: f("doorstroom", 2020) } } as unknown as Parameters<typeof framesFor>[0];
  assert.deepEqual(framesFor(data, cfg).map((x) => x.key), ["vsv2021"]);
  assert.deepEqual(framesFor(data, base).map((x) => x.key), ["doorstroom2020", "doorstroom2021", "vsv2020", "vsv2021"], "published order whatever the order of the frames");
});
