/**
 * The reproduce command end to end on small notebooks written by the test and a tiny data folder:
 * a good run writes the executed notebooks, the stamped tables, manifest.json and one report with a
 * table of contents; a failing run exits non-zero naming the notebook and cell and leaves the previous
 * outputs untouched. (The real notebooks at small scale: notebooks.test.ts.)
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT } from "../../src/config";
import { jupyterStatus, readNotebook } from "../../src/pipeline/notebooks";
import { notebookFolder, writeNotebook } from "./notebook-fixtures";
import { writeRawFolder } from "../data/fixture";

/** A small data folder that passes validation (reproduce validates it before any notebook runs). */
function validFolder(): string {
  return writeRawFolder({
    students: [{ id: "1", years: { 2019: { diploma: 1 } } }, { id: "2", geslacht: "V", years: { 2019: {} } }],
    vsv: [{ id: "1", jaar: 2020, startpopulatie: 1, nieuwe_vsver: 0 }],
  });
}

const jupyter = jupyterStatus();
const skip = jupyter.available ? false : `Jupyter is not installed, so notebooks cannot run: ${jupyter.reason}`;

function reproduce(args: string[]): { status: number | null; stderr: string } {
  const r = spawnSync(process.execPath, ["--import", "tsx", join(PROJECT_ROOT, "scripts", "reproduce.ts"), ...args], {
    cwd: PROJECT_ROOT,
    encoding: "utf8",
    env: { ...process.env, KANSEN_CONFIG: "" },
  });
  return { status: r.status, stderr: r.stderr };
}

test("reproduce: a good run writes notebooks, stamped tables, manifest and one report; a failing run names the cell and keeps the old outputs", { skip }, () => {
  const dir = notebookFolder("kansen-reproduce-");
  const data = validFolder();
  const nbDir = join(dir, "nb");
  mkdirSync(nbDir);
  writeNotebook(join(nbDir, "01-eerste.ipynb"), [
    { id: "titel", source: "# Eerste hoofdstuk\n\nTekst.", markdown: true },
    { id: "tabel-kop", source: "## Een tabel", markdown: true },
    {
      id: "tabel",
      tags: ["3a-test"],
      source: [
        'import { loadConfig, runPaths } from "kansen-mbo/config";',
        'import { startProgress } from "kansen-mbo/pipeline/progress";',
        'import { mkdirSync, writeFileSync } from "fs";',
        "const cfg = loadConfig();",
        "const paths = runPaths(cfg);",
        'const p = startProgress("tabel", { total: 2, intervalMs: 0 });',
        "p.update(1);",
        "mkdirSync(paths.tables, { recursive: true });",
        'writeFileSync(paths.tables + "/t1.csv", `referentie,migratie\\n${cfg.reference.migratie},1\\n`);',
        "p.done();",
      ].join("\n"),
    },
  ]);
  writeNotebook(join(nbDir, "02-tweede.ipynb"), [
    { id: "titel2", source: "# Tweede hoofdstuk\n## Sectie A\n### Sub a1", markdown: true },
    { id: "code2", source: 'console.log("tweede");' },
  ]);
  const out = join(dir, "out");

  const good = reproduce(["--notebooks", nbDir, "--data", data, "--out", out, "--reference", "migratie=westers"]);
  assert.equal(good.status, 0, good.stderr);
  assert.match(good.stderr, /\[tabel\] 50% \(1 \/ 2\)/, "progress from inside a cell reaches the terminal");
  assert.match(good.stderr, /-> 01-eerste\.ipynb cell 3 of 3 \(id "tabel"; tags: 3a-test\)/, "each cell is announced");
  assert.deepEqual(readdirSync(join(out, "notebooks")).sort(), ["01-eerste.ipynb", "02-tweede.ipynb"]);
  const csv = readFileSync(join(out, "tables", "t1.csv"), "utf8");
  const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8")) as { id: string; inputs: { path: string }[]; steps: { kind: string }[]; config: { reference: { migratie: string } } };
  assert.match(csv, new RegExp(`^referentie,migratie,manifest_id\\nwesters,1,${manifest.id}\\n$`), "the run's configuration reached the kernel; the table is stamped");
  assert.deepEqual(manifest.inputs.map((i) => i.path).sort(), ["crebo.csv", "studenten.csv", "vsv.csv"]);
  assert.ok(manifest.steps.some((s) => s.kind === "validation"), "the validation before the notebooks is a step of the manifest");
  assert.equal(manifest.steps.filter((s) => s.kind === "notebook").length, 2);
  assert.equal(manifest.config.reference.migratie, "westers");
  const report = readFileSync(join(out, "report.html"), "utf8");
  for (const anchor of ["01-eerste", "01-eerste--Een-tabel", "02-tweede", "02-tweede--Sectie-A", "02-tweede--Sub-a1", "manifest"]) {
    assert.ok(report.includes(`href="#${anchor}"`) && report.includes(`id="${anchor}"`), `contents entry and anchor ${anchor}`);
  }
  assert.ok(report.includes('id="01-eerste--tabel"') && report.includes('id="01-eerste--tag-3a-test"'), "cells are anchored by id and tag");
  assert.ok(!report.includes("reproduce: report: no cell anchors"));
  assert.ok(report.includes(manifest.id));
  assert.ok(!existsSync(join(out, "run-log.jsonl")), "the run log is folded into the manifest");
  const executed = readNotebook(join(out, "notebooks", "01-eerste.ipynb"));
  assert.match(JSON.stringify(executed.cells[2]?.outputs), /\[tabel\] done/, "progress also shows in the notebook");

  // A failing run: the previous outputs stay exactly as they were.
  writeNotebook(join(nbDir, "02-tweede.ipynb"), [
    { id: "titel2", source: "# Tweede hoofdstuk", markdown: true },
    { id: "kapot", source: 'const rows: number[] = [];\nif (rows.length === 0) throw new Error("lege tabel: geen rijen");' },
  ]);
  const bad = reproduce(["--notebooks", nbDir, "--data", data, "--out", out, "--only", "02"]);
  assert.equal(bad.status, 1, bad.stderr);
  assert.match(bad.stderr, /reproduce: FAILED in notebook .*02-tweede\.ipynb, cell 2 of 2 \(id "kapot"\), first line `const rows: number\[\] = \[\];`: Error: lege tabel: geen rijen/);
  assert.match(bad.stderr, /outputs: the run failed; .*out is untouched; partial work is in .*out\.partial-/);
  assert.equal(readFileSync(join(out, "report.html"), "utf8"), report);
  assert.equal(readFileSync(join(out, "tables", "t1.csv"), "utf8"), csv);

  const usage = reproduce(["--reference", "migratie=oost", "--out", out]);
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /key "reference\.migratie".*"oost"/);
});

test("reproduce: SIGTERM during a cell stops the kernel, keeps the old outputs and says where the partial work is", { skip }, async () => {
  const dir = notebookFolder("kansen-interrupt-");
  const data = validFolder();
  const nbDir = join(dir, "nb");
  mkdirSync(nbDir);
  const pidFile = join(dir, "kernel.pid");
  writeNotebook(join(nbDir, "01-slow.ipynb"), [
    { id: "slow", source: `require("fs").writeFileSync(${JSON.stringify(pidFile)}, String(process.pid));\nawait new Promise((r) => setTimeout(r, 120000));` },
  ]);
  const out = join(dir, "out");
  mkdirSync(out);
  writeFileSync(join(out, "report.html"), "previous run");

  const child = spawn(process.execPath, ["--import", "tsx", join(PROJECT_ROOT, "scripts", "reproduce.ts"), "--notebooks", nbDir, "--data", data, "--out", out], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, KANSEN_CONFIG: "" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (c: string) => (stderr += c));
  const exited = new Promise<number | null>((r) => child.on("close", (code) => r(code)));
  const t0 = Date.now();
  while (!existsSync(pidFile) && Date.now() - t0 < 180_000) await new Promise((r) => setTimeout(r, 200));
  assert.ok(existsSync(pidFile), `the slow cell never started:\n${stderr}`);
  const kernelPid = Number(readFileSync(pidFile, "utf8"));
  child.kill("SIGTERM");
  const code = await exited;
  assert.equal(code, 143, stderr);
  assert.match(stderr, /interrupted by SIGTERM; .*out is untouched; partial work is in .*out\.partial-/);
  assert.equal(readFileSync(join(out, "report.html"), "utf8"), "previous run");
  // The runner shuts the kernel down; give it a moment.
  const alive = (): boolean => { try { process.kill(kernelPid, 0); return true; } catch { return false; } };
  const t1 = Date.now();
  while (alive() && Date.now() - t1 < 20_000) await new Promise((r) => setTimeout(r, 200));
  assert.equal(alive(), false, `the kernel (pid ${kernelPid}) is still running after the interrupt`);
});
