import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, PROJECT_ROOT } from "../../src/config";
import { UsageError, parseReproduceArgs } from "../../src/pipeline/reproduce-args";

const noEnv = {};

test("no flags: the committed default configuration", () => {
  const opts = parseReproduceArgs([], noEnv);
  assert.notEqual(opts, "help");
  if (opts === "help") return;
  assert.deepEqual(opts.config.data, { kind: "synthetic", scale: 1, seed: 20240214 });
  assert.deepEqual(opts.only, []);
  assert.equal(opts.cellTimeoutSeconds, 3600);
  assert.equal(opts.noCache, false, "the fit cache is used by default");
  const cold = parseReproduceArgs(["--no-cache", "--scale", "0.02"], noEnv);
  assert.ok(cold !== "help" && cold.noCache, "--no-cache asks for a cold run");
});

test("the flags set the same keys as the configuration file", () => {
  const opts = parseReproduceArgs(
    ["--scale", "0.02", "--seed=7", "--years", "2021", "--outcomes", "vsv", "--reference", "migratie=westers", "--reference=niveau=2", "--out", "/tmp/o", "--only", "05", "--cell-timeout", "60", "--skip-setup"],
    noEnv,
  );
  assert.ok(opts !== "help");
  assert.deepEqual(opts.config.data, { kind: "synthetic", scale: 0.02, seed: 7 });
  assert.deepEqual(opts.config.years, [2021]);
  assert.deepEqual(opts.config.outcomes, ["vsv"]);
  assert.equal(opts.config.reference.migratie, "westers");
  assert.equal(opts.config.reference.niveau, "2");
  assert.equal(opts.config.reference.ouders, "max_vmbo_kader");
  assert.equal(opts.config.outDir, "/tmp/o");
  assert.deepEqual(opts.only, ["05"]);
  assert.equal(opts.cellTimeoutSeconds, 60);
});

test("--data points at real files (relative to the project root); it cannot be mixed with --scale", () => {
  const opts = parseReproduceArgs(["--data", "duo"], noEnv);
  assert.ok(opts !== "help");
  assert.deepEqual(opts.config.data, { kind: "folder", path: join(PROJECT_ROOT, "duo") });
  assert.throws(() => parseReproduceArgs(["--data", "duo", "--scale", "1"], noEnv), UsageError);
});

test("layers: KANSEN_CONFIG, then --config, then flags", () => {
  const dir = mkdtempSync(join(tmpdir(), "kansen-args-"));
  const envFile = join(dir, "env.json");
  const cliFile = join(dir, "cli.json");
  writeFileSync(envFile, JSON.stringify({ data: { kind: "synthetic", scale: 0.5, seed: 3 }, years: [2020] }));
  writeFileSync(cliFile, JSON.stringify({ years: [2021] }));
  const opts = parseReproduceArgs(["--config", cliFile, "--seed", "9"], { KANSEN_CONFIG: envFile });
  assert.ok(opts !== "help");
  assert.deepEqual(opts.config.data, { kind: "synthetic", scale: 0.5, seed: 9 }, "--seed keeps the scale of the layers below");
  assert.deepEqual(opts.config.years, [2021]);
});

test("bad flags are usage errors; bad settings are configuration errors naming the key", () => {
  assert.throws(() => parseReproduceArgs(["--frobnicate"], noEnv), (e: unknown) => e instanceof UsageError && /unknown argument "--frobnicate"/.test(e.message));
  assert.throws(() => parseReproduceArgs(["--scale"], noEnv), /--scale needs a value/);
  assert.throws(() => parseReproduceArgs(["--reference", "migratie"], noEnv), /FACTOR=LEVEL/);
  assert.throws(() => parseReproduceArgs(["--scale", "-2"], noEnv), (e: unknown) => e instanceof ConfigError && /key "data\.scale"/.test(e.message));
  assert.throws(() => parseReproduceArgs(["--reference", "sector=landbouw"], noEnv), (e: unknown) => e instanceof ConfigError && /key "reference\.sector".*"landbouw"/.test(e.message));
  assert.equal(parseReproduceArgs(["--help"], noEnv), "help");
});
