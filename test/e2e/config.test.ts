import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ConfigError,
  DEFAULT_CONFIG_PATH,
  PROJECT_ROOT,
  dataDir,
  loadConfig,
  parseConfig,
  readJsonFile,
  runOutputDir,
} from "../../src/config";
import { FACTOR_LEVELS } from "../../src/vocabulary";

const valid = () => JSON.parse(JSON.stringify(readJsonFile(DEFAULT_CONFIG_PATH))) as Record<string, unknown>;

function problemsOf(value: unknown): readonly string[] {
  try {
    parseConfig(value, "test.json");
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error.problems;
  }
  assert.fail("the configuration was accepted");
}

test("the committed default is valid and carries the published reference categories", () => {
  const config = parseConfig(valid(), DEFAULT_CONFIG_PATH);
  assert.deepEqual(config.years, [2020, 2021]);
  assert.deepEqual(config.outcomes, ["doorstroom", "vsv"]);
  assert.deepEqual(config.reference, {
    migratie: "geen",
    ouders: "max_vmbo_kader",
    geslacht: "man",
    niveau: "3",
    sector: "handel_economie",
    leerweg: "bol",
    citojaar: "2009",
  });
  // The published reference is the first level listed for each factor.
  for (const [factor, levels] of Object.entries(FACTOR_LEVELS)) {
    assert.equal(config.reference[factor as keyof typeof FACTOR_LEVELS], levels[0], factor);
  }
  assert.equal(config.data.kind, "synthetic");
  assert.equal(config.outDir, join(PROJECT_ROOT, "outputs"));
});

test("loadConfig rejects a bad scale, naming the key and the value", () => {
  const c = valid();
  c["data"] = { kind: "synthetic", scale: -1, seed: 1 };
  const problems = problemsOf(c);
  assert.equal(problems.length, 1);
  assert.match(problems[0]!, /key "data\.scale".*got -1/);
});

test("loadConfig rejects an unknown reference category and an unknown factor, naming each key", () => {
  const c = valid();
  c["reference"] = { ...(c["reference"] as object), migratie: "oost", religie: "geen" };
  const problems = problemsOf(c);
  assert.ok(problems.some((p) => /key "reference\.migratie": must be one of "geen", "niet-westers", "westers", got "oost"/.test(p)), problems.join("\n"));
  assert.ok(problems.some((p) => /unknown key "reference\.religie"/.test(p)), problems.join("\n"));
});

test("loadConfig rejects years and outcomes outside the modelled ones, and duplicates", () => {
  const c = valid();
  c["years"] = [2019, 2020, 2020];
  c["outcomes"] = ["diploma"];
  const problems = problemsOf(c);
  assert.ok(problems.some((p) => /key "years\[0\]".*got 2019/.test(p)), problems.join("\n"));
  assert.ok(problems.some((p) => /key "years\[2\]".*listed twice/.test(p)), problems.join("\n"));
  assert.ok(problems.some((p) => /key "outcomes\[0\]".*got "diploma"/.test(p)), problems.join("\n"));
});

test("loadConfig rejects a wrong data kind, a folder without path and unknown top-level keys", () => {
  const c1 = valid();
  c1["data"] = { kind: "database" };
  c1["outputFolder"] = "x";
  const p1 = problemsOf(c1);
  assert.ok(p1.some((p) => /key "data\.kind".*got "database"/.test(p)), p1.join("\n"));
  assert.ok(p1.some((p) => /unknown key "outputFolder"/.test(p)), p1.join("\n"));
  const c2 = valid();
  c2["data"] = { kind: "folder" };
  assert.ok(problemsOf(c2).some((p) => /key "data\.path"/.test(p)));
  const c3 = valid();
  c3["data"] = { kind: "synthetic", scale: 0.5, seed: 1.5 };
  assert.ok(problemsOf(c3).some((p) => /key "data\.seed".*got 1\.5/.test(p)));
});

test("an override file is laid over the default: reference per factor, data as a whole; errors name the file", () => {
  const dir = mkdtempSync(join(tmpdir(), "kansen-config-"));
  const override = join(dir, "run.json");
  writeFileSync(override, JSON.stringify({ data: { kind: "folder", path: "/tmp/duo" }, years: [2021], reference: { migratie: "westers" } }));
  const config = loadConfig({ overridePath: override });
  assert.deepEqual(config.data, { kind: "folder", path: "/tmp/duo" });
  assert.deepEqual(config.years, [2021]);
  assert.equal(config.reference.migratie, "westers");
  assert.equal(config.reference.niveau, "3");
  assert.equal(dataDir(config), "/tmp/duo");

  const broken = join(dir, "broken.json");
  writeFileSync(broken, "{ \"years\": [2020,, }");
  assert.throws(() => loadConfig({ overridePath: broken }), (e: unknown) => e instanceof ConfigError && e.message.includes(broken) && /not valid JSON/.test(e.message));
  const bad = join(dir, "bad.json");
  writeFileSync(bad, JSON.stringify({ reference: { niveau: 5 } }));
  assert.throws(() => loadConfig({ overridePath: bad }), (e: unknown) => e instanceof ConfigError && e.message.includes(bad) && /key "reference\.niveau".*got 5/.test(e.message));
  assert.throws(() => loadConfig({ overridePath: join(dir, "missing.json") }), /missing\.json.*does not exist/s);
});

test("the synthetic cache folder is keyed by scale and seed; the run folder comes from KANSEN_RUN_DIR", () => {
  const config = parseConfig({ ...valid(), data: { kind: "synthetic", scale: 0.02, seed: 7 } }, "test");
  assert.equal(dataDir(config), join(PROJECT_ROOT, "data", "synthetic-scale0.02-seed7"));
  const saved = process.env["KANSEN_RUN_DIR"];
  try {
    delete process.env["KANSEN_RUN_DIR"];
    assert.equal(runOutputDir(config), join(PROJECT_ROOT, "outputs"));
    process.env["KANSEN_RUN_DIR"] = "/tmp/run-x";
    assert.equal(runOutputDir(config), "/tmp/run-x");
  } finally {
    if (saved === undefined) delete process.env["KANSEN_RUN_DIR"];
    else process.env["KANSEN_RUN_DIR"] = saved;
  }
});
