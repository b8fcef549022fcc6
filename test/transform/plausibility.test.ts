/**
 * Implausible but legal values (src/transform/plausibility.ts): kept, counted among each frame's
 * students, and reported as warning steps of the selection flow; and an error raised after validation
 * names the row of studenten.csv, not a frame row.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadRawData } from "../../src/data/load";
import { buildAnalysisFrames, describeFrameRow, traceFrameError } from "../../src/transform/frames";
import { DesignError } from "../../src/model/columns";
import { ModelWorkbench } from "../../src/pipeline/workbench";
import { modelLadder } from "../../src/analysis/models";
import { loadConfig } from "../../src/config";
import { PUBLISHED_REFERENCE } from "../../src/vocabulary";
import { writeRawFolder, type StudentSpec } from "../data/fixture";

const students: StudentSpec[] = [
  { id: "plain", years: { 2019: { diploma: 1 }, 2020: {} } },
  // took the primary-school test in 2021, after schooljaar 2019 and 2020
  { id: "late-test", score: 530, citojaar: 2021, years: { 2019: { diploma: 1 }, 2020: {} } },
  { id: "late-test-2", score: 210, citojaar: 2020, years: { 2019: {} } },
  // vsv'er of 2020 although enrolled in mbo on 1 October 2020; vsv'er of 2020 aged 24
  { id: "vsv-enrolled", years: { 2019: {}, 2020: {} } },
  { id: "vsv-hbo", years: { 2019: {} }, hbo: [2020] },
  { id: "vsv-24", years: { 2019: { leeftijd: 24 } } },
  { id: "vsv-ok", years: { 2019: { leeftijd: 19 } } },
];
const vsv = [
  { id: "vsv-enrolled", jaar: 2020, startpopulatie: 1, nieuwe_vsver: 1 },
  { id: "vsv-hbo", jaar: 2020, startpopulatie: 1, nieuwe_vsver: 1 },
  { id: "vsv-24", jaar: 2020, startpopulatie: 1, nieuwe_vsver: 1 },
  { id: "vsv-ok", jaar: 2020, startpopulatie: 1, nieuwe_vsver: 1 },
  { id: "late-test-2", jaar: 2020, startpopulatie: 1, nieuwe_vsver: 0 },
];
const raw = loadRawData(writeRawFolder({ students, vsv }));
const frames = buildAnalysisFrames(raw);

test("a test year after schooljaar t is counted as a warning of the frame's flow; nobody is removed", () => {
  const d = frames.doorstroom2020;
  const warnings = d.flow.filter((s) => s.kind === "warning");
  assert.deepEqual(warnings.map((w) => w.rule), ["let op: eindtoetsjaar na schooljaar 2019 (de eindtoets van het primair onderwijs gaat aan het mbo vooraf): 1 student (behouden)"]);
  assert.deepEqual(warnings.map((w) => [w.step, w.section, w.nIn, w.nOut, w.count]), [[9, "3a 2.1, 2.3", 2, 2, 1]]);
  assert.equal(d.flow[d.flow.length - 1]?.nOut, d.nrows, "the last step still gives N");
  assert.equal(d.data.cito[d.data.id.indexOf("late-test")], 30, "kept as registered");
});

test("vsv frames warn about DUO's vsv'ers that 3a's definition would not count", () => {
  const v = frames.vsv2020;
  const warnings = v.flow.filter((s) => s.kind === "warning").map((w) => w.rule);
  assert.deepEqual(warnings, [
    "let op: eindtoetsjaar na schooljaar 2019 (de eindtoets van het primair onderwijs gaat aan het mbo vooraf): 1 student (behouden)",
    "let op: nieuwe vsv'er 2020 die op 1 oktober 2020 in het mbo of hbo ingeschreven staat: 2 studenten (behouden zoals DUO levert)",
    "let op: nieuwe vsv'er 2020 ouder dan 22 op 1 augustus 2019 (3a: dan geen vsv'er): 1 student (behouden zoals DUO levert)",
  ]);
  assert.equal(v.nrows, 5);
  assert.equal(v.flow.filter((s) => s.kind === "warning").every((w) => w.nIn === v.nrows && w.nOut === v.nrows), true);
});

test("a frame with nothing implausible has no warning steps", () => {
  const clean = buildAnalysisFrames(loadRawData(writeRawFolder({ students: [{ id: "a", years: { 2019: { diploma: 1 } } }], vsv: [{ id: "a", jaar: 2020, startpopulatie: 1, nieuwe_vsver: 0 }] })));
  for (const f of Object.values(clean)) assert.equal(f.flow.some((s) => s.kind === "warning"), false, f.key);
});

test("frame rows are traced to their data row and line of studenten.csv", () => {
  const d = frames.doorstroom2020;
  const i = d.data.id.indexOf("late-test");
  assert.equal(describeFrameRow(d, i), `${raw.studenten.file} data row 2 (line 3)`);
  const traced = traceFrameError(d, new DesignError("column 'cito' has the non-finite value NaN at row 2", { column: "cito", row: i }));
  assert.ok(traced instanceof Error);
  assert.equal(traced.message.split("\n")[0], `${raw.studenten.file} data row 2 (line 3): column 'cito' has the non-finite value NaN at frame row 2`);
  const other = new Error("no row here");
  assert.equal(traceFrameError(d, other), other);
});

test("an error raised after validation, in a fit of a later chapter, names the file row", async () => {
  const d = frames.vsv2020;
  const i = d.data.id.indexOf("vsv-24");
  const broken = { ...d, columns: { ...d.columns, leeftijd: Float64Array.from(d.data.leeftijd, (x, k) => (k === i ? Infinity : x)) } };
  // The model chapter's design stage (src/pipeline/workbench.ts), as a cell would call it.
  const wb = new ModelWorkbench({ ctx: { display: { html: () => undefined }, outDir: "/nonexistent-out", source: "real" }, config: loadConfig(), frames: [broken], reference: PUBLISHED_REFERENCE, fitCache: null });
  assert.throws(() => wb.design("1b", modelLadder("vsv")[2]!.formula), (err: unknown) => {
    assert.ok(err instanceof Error);
    assert.equal(err.message.split("\n")[0], `${raw.studenten.file} data row 6 (line 7): column 'leeftijd' has the non-finite value Infinity at frame row ${i + 1}`);
    return true;
  });
});
