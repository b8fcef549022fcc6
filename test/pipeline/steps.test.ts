import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../../src/config";
import { frameKey, readTruth } from "../../src/pipeline/steps";

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

test("configured frames and years follow the configuration's outcomes and years", async () => {
  const { configuredFrames, configuredYears } = await import("../../src/pipeline/steps");
  const cfg = { ...config("/tmp"), outcomes: ["vsv"] as const, years: [2021] as const } as unknown as Parameters<typeof configuredYears>[0];
  assert.deepEqual(configuredYears(cfg, "doorstroom"), []);
  assert.deepEqual(configuredYears(cfg, "vsv"), [2021]);
  const f = (outcome: string, year: number) => ({ outcome, year, key: `${outcome}${year}` });
  const data = { frames: { doorstroom2020: f("doorstroom", 2020), doorstroom2021: f("doorstroom", 2021), vsv2020: f("vsv", 2020), vsv2021: f("vsv", 2021) } } as unknown as Parameters<typeof configuredFrames>[0];
  assert.deepEqual(configuredFrames(data, cfg).map((x) => x.key), ["vsv2021"]);
});

test("a saved model-2 summary is reused only for the same students and reference categories", async () => {
  const { summaryMatchesFrame } = await import("../../src/pipeline/steps");
  const { publishedSummaries } = await import("../report/fixtures");
  const m2 = publishedSummaries(5).summaries[4];
  assert.ok(m2);
  const frame = { outcome: "doorstroom" as const, year: 2020, nrows: m2.nobs, reference: { migratie: "geen", ouders: "max_vmbo_kader", geslacht: "man", niveau: "3", sector: "handel_economie", leerweg: "bol", citojaar: "2009" } };
  assert.equal(summaryMatchesFrame(m2, frame), true);
  assert.equal(summaryMatchesFrame(m2, { ...frame, nrows: m2.nobs - 1 }), false);
  assert.equal(summaryMatchesFrame(m2, { ...frame, reference: { ...frame.reference, sector: "zorg_sport" } }), false);
  assert.equal(summaryMatchesFrame(m2, { ...frame, year: 2021 }), false);
});
