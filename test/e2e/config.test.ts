import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ConfigError,
  DEFAULT_CONFIG_PATH,
  PROJECT_ROOT,
  dataDir,
  loadConfig,
  parseConfig,
  interactiveOutputDir,
  readJsonFile,
  runOutputDir,
  runPaths,
} from "../../src/config";
import { FACTOR_LEVELS } from "../../src/vocabulary";
import { beginFreshOutput, commitFreshOutput } from "../../src/audit/atomic-output";
import { publishSimpleTable } from "../../src/report/publish";
import { sourceBannerHtml } from "../../src/report/display";

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

test("the synthetic cache folder is keyed by scale and seed; the run folder comes from KANSEN_RUN_DIR, else the interactive folder", () => {
  const config = parseConfig({ ...valid(), data: { kind: "synthetic", scale: 0.02, seed: 7 } }, "test");
  assert.equal(dataDir(config), join(PROJECT_ROOT, "data", "synthetic-scale0.02-seed7"));
  const saved = process.env["KANSEN_RUN_DIR"];
  try {
    delete process.env["KANSEN_RUN_DIR"];
    assert.equal(runOutputDir(config), join(PROJECT_ROOT, "outputs-interactive"));
    assert.equal(runPaths(config).interactive, true);
    process.env["KANSEN_RUN_DIR"] = "  ";
    assert.equal(runOutputDir(config), join(PROJECT_ROOT, "outputs-interactive"), "a blank KANSEN_RUN_DIR is no run folder");
    process.env["KANSEN_RUN_DIR"] = "/tmp/run-x";
    assert.equal(runOutputDir(config), "/tmp/run-x");
    assert.deepEqual({ ...runPaths(config) }, { root: "/tmp/run-x", interactive: false, tables: "/tmp/run-x/tables", figures: "/tmp/run-x/figures", fits: "/tmp/run-x/fits", notebooks: "/tmp/run-x/notebooks" });
  } finally {
    if (saved === undefined) delete process.env["KANSEN_RUN_DIR"];
    else process.env["KANSEN_RUN_DIR"] = saved;
  }
  const elsewhere = parseConfig({ ...valid(), outDir: "/srv/runs/a" }, "test");
  assert.equal(interactiveOutputDir(elsewhere), "/srv/runs/a-interactive");
  assert.equal(runOutputDir(elsewhere, {}), "/srv/runs/a-interactive");
});

/** Every file under `dir` with its content, for before/after comparisons. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    const path = join(dir, name);
    if (statSync(path).isFile()) out[name] = readFileSync(path, "utf8");
  }
  return out;
}

test("an interactive session never writes into outDir, and the next reproduce swap leaves the session's folder alone", () => {
  const root = mkdtempSync(join(tmpdir(), "kansen-interactive-"));
  const config = parseConfig({ ...valid(), outDir: join(root, "outputs") }, "test");
  // The last complete reproduce run.
  mkdirSync(join(root, "outputs", "tables"), { recursive: true });
  writeFileSync(join(root, "outputs", "manifest.json"), '{"id":"last-run"}\n');
  writeFileSync(join(root, "outputs", "tables", "icc-doorstroom.csv"), "jaar,ICC\n2020,0.1\n");
  const before = snapshot(join(root, "outputs"));

  // A notebook in Jupyter: no KANSEN_RUN_DIR; it publishes through the run's paths as the chapters do.
  const paths = runPaths(config, {});
  assert.equal(paths.root, join(root, "outputs-interactive"));
  const shown: string[] = [];
  const written = publishSimpleTable({ display: { html: (h) => shown.push(h) }, outDir: paths.root, source: "synthetic" }, "icc-doorstroom", "ICC", ["jaar", "ICC"], [[2020, 0.25]]);
  assert.equal(written, join(root, "outputs-interactive", "tables", "icc-doorstroom.csv"));
  assert.deepEqual(snapshot(join(root, "outputs")), before, "outputs/ changed during an interactive session");
  const banner = sourceBannerHtml("synthetic", "{}", paths);
  assert.ok(banner.includes("Interactieve sessie") && banner.includes(paths.root), `the banner does not name the session's folder: ${banner}`);
  assert.doesNotMatch(sourceBannerHtml("synthetic", "{}", runPaths(config, { KANSEN_RUN_DIR: join(root, "run") })), /Interactieve sessie/);

  // The next reproduce run replaces outputs/ atomically; the session's folder is a sibling and stays.
  const run = beginFreshOutput(config.outDir, { stamp: "t", log: () => undefined });
  writeFileSync(join(run.workDir, "manifest.json"), '{"id":"new-run"}\n');
  commitFreshOutput(run, { stamp: "t" });
  assert.equal(readFileSync(join(root, "outputs", "manifest.json"), "utf8"), '{"id":"new-run"}\n');
  assert.match(readFileSync(written, "utf8"), /^jaar,ICC\n2020,0\.25/);
});
