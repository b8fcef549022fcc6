/**
 * Determinism (issue 7, item 3): two runs with the same configuration give byte-identical CSV tables and
 * executed notebooks, apart from fields that are times or durations, and the same manifest id (figures and
 * the saved fit summaries are compared too).
 *
 *  - Unit level: one seed gives one simulated design and one fit, bit for bit (the generator's own
 *    same-seed test is "determinism: the same seed gives byte-identical files ..." in
 *    test/synthetic/population.test.ts).
 *  - End to end: the reproduce command at a tiny scale, twice with one configuration. The output and
 *    cache folders are part of the configuration the manifest records (and so of its id), so both runs
 *    use the same ones: the first run's outputs are moved aside, and the cache (synthetic files and
 *    frame cache) is emptied, so the second run generates, validates and transforms everything again.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PROJECT_ROOT } from "../../src/config";
import { fitDesign } from "../../src/glmm/fit";
import { model2Spec, simulateGlmm } from "../../src/glmm/simulate";
import type { GlmmFit } from "../../src/glmm/types";
import { manifestIdentity, type Manifest } from "../../src/audit/manifest";
import { jupyterStatus } from "../../src/pipeline/notebooks";

/** Bitwise equality of two float arrays (NaN equal to NaN, -0 not equal to 0). */
function sameBits(a: Float64Array, b: Float64Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

function assertSameFit(a: GlmmFit, b: GlmmFit, what: string): void {
  for (const key of ["beta", "se", "vcov", "theta", "eta", "fitted"] as const) assert.ok(sameBits(a[key], b[key]), `${what}: ${key} differs`);
  assert.ok(Object.is(a.logLik, b.logLik), `${what}: logLik ${a.logLik} vs ${b.logLik}`);
  a.ranef.forEach((block, i) => {
    assert.ok(sameBits(block.modes, b.ranef[i]!.modes), `${what}: conditional modes of ${block.group} differ`);
    assert.ok(sameBits(block.condVar, b.ranef[i]!.condVar), `${what}: conditional variances of ${block.group} differ`);
  });
  // Everything in the convergence report is a result of the arithmetic, not of the clock.
  assert.deepEqual(a.convergence, b.convergence, `${what}: convergence report differs`);
}

test("same seed, same fit: a simulated model 2 design and its GLMM fit are identical bit for bit", () => {
  const spec = model2Spec(1500, 30, 6, 20261123);
  const first = simulateGlmm(spec);
  const second = simulateGlmm(spec);
  assert.ok(sameBits(first.design.response.successes, second.design.response.successes), "the simulated responses differ");
  assert.deepEqual(first.design.fixed.names, second.design.fixed.names);
  first.design.fixed.columns.forEach((c, j) => assert.ok(sameBits(c, second.design.fixed.columns[j]!), `column ${first.design.fixed.names[j]} differs`));

  const fitA = fitDesign(first.design);
  const fitB = fitDesign(second.design);
  assertSameFit(fitA, fitB, "two designs from one seed");
  // No state survives between fits: refitting the first design gives the same numbers again.
  assertSameFit(fitA, fitDesign(first.design), "the same design fitted twice");
  // And the check can fail: another seed gives another fit.
  const other = fitDesign(simulateGlmm(model2Spec(1500, 30, 6, 20261124)).design);
  assert.ok(!sameBits(fitA.beta, other.beta), "another seed gave the same estimates");
});

// ---------------------------------------------------------------- end to end

/** Tiny, yet every notebook runs (the e2e test uses 0.02; 0.01 keeps two runs within a few minutes). */
const SCALE = "0.01";
const jupyter = jupyterStatus();
const skip = jupyter.available ? false : `Jupyter is not installed, so the reproduce command cannot run notebooks: ${jupyter.reason}`;

function filesUnder(dir: string, prefix = ""): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).sort().flatMap((name) => {
    const rel = prefix ? `${prefix}/${name}` : name;
    return statSync(join(dir, name)).isDirectory() ? filesUnder(join(dir, name), rel) : [rel];
  });
}

/**
 * A duration as a progress line or a log prints it: "1.2 s", "0.0 s", "350 ms", "2 min 5 s", "1:02".
 * Only numbers followed by a unit of time are touched, so a changed count or estimate still shows.
 */
const DURATION = /\b\d+(?:\.\d+)?\s?(?:ms|s|sec|seconds|min|minutes|h)\b|\b\d+:\d\d(?::\d\d)?\b/g;
/** ISO timestamps (nbclient's execution metadata, log lines). */
const TIMESTAMP = /\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?/g;

/**
 * The run's temporary output folder, `<outDir>.partial-<yyyymmddThhmmss>-<pid>` (src/audit/atomic-output.ts):
 * a start time and a process id, printed by cells that report where they wrote a table.
 */
const PARTIAL_FOLDER = /\.partial-\d{8}T\d{6}-\d+/g;
/**
 * The frame cache folder `frames-<key>`: the key hashes the raw files' sizes and modification times
 * (src/pipeline/frame-cache.ts), so regenerated identical files get another key. A time, not a result.
 */
const FRAME_CACHE_KEY = /\bframes-[0-9a-f]{20}\b/g;

export function normaliseTimingText(text: string): string {
  return text
    .replace(TIMESTAMP, "<time>")
    .replace(PARTIAL_FOLDER, ".partial-<time>-<pid>")
    .replace(FRAME_CACHE_KEY, "frames-<mtime-key>")
    .replace(DURATION, "<duration>");
}

interface NotebookJson {
  metadata?: Record<string, unknown>;
  cells: { metadata?: Record<string, unknown>; outputs?: { output_type: string; name?: string; text?: string | string[] }[] }[];
}

/**
 * An executed notebook with its timing fields normalised: nbclient's per-cell `metadata.execution`
 * (iopub/shell timestamps) removed, and durations/timestamps inside stream outputs (progress lines on
 * stderr, "done in 1.2 s") replaced by placeholders; a cell's stderr lines compared as a sorted set
 * (threads' lines reach it in the scheduler's order). Everything else (code, tables, figures, numbers)
 * is compared as written.
 */
export function normaliseNotebook(text: string): string {
  const nb = JSON.parse(text) as NotebookJson;
  for (const cell of nb.cells) {
    if (cell.metadata) delete cell.metadata["execution"];
    if (!cell.outputs) continue;
    // Stream outputs: how the kernel cuts stdout and stderr into messages, and the order in which lines
    // written by worker threads reach stderr, follow the scheduler, not the computation. Per cell, the
    // stdout text is compared whole and in order, the stderr log as its sorted lines; both come after
    // the cell's other outputs, which keep their order.
    const text = (o: { text?: string | string[] }): string => (Array.isArray(o.text) ? o.text.join("") : o.text ?? "");
    const streams = cell.outputs.filter((o) => o.output_type === "stream");
    const stdout = normaliseTimingText(streams.filter((o) => o.name !== "stderr").map(text).join(""));
    const stderr = normaliseTimingText(streams.filter((o) => o.name === "stderr").map(text).join(""))
      .split("\n").filter((line) => line !== "").sort().join("\n");
    cell.outputs = cell.outputs.filter((o) => o.output_type !== "stream");
    if (stdout !== "") cell.outputs.push({ output_type: "stream", name: "stdout", text: stdout });
    if (stderr !== "") cell.outputs.push({ output_type: "stream", name: "stderr", text: stderr });
  }
  return JSON.stringify(nb, null, 1);
}

/** The first differing line of two texts, for the failure message. */
function firstDifference(a: string, b: string): string {
  const la = a.split("\n");
  const lb = b.split("\n");
  for (let i = 0; i < Math.max(la.length, lb.length); i++) {
    if (la[i] !== lb[i]) return `line ${i + 1}:\n    first:  ${(la[i] ?? "<none>").slice(0, 300)}\n    second: ${(lb[i] ?? "<none>").slice(0, 300)}`;
  }
  return "(no line differs)";
}

test("normalising a notebook touches only times and durations", () => {
  const nb = (elapsed: string, value: string): string => JSON.stringify({
    metadata: { kernelspec: { name: "tslab" } },
    cells: [{
      metadata: { tags: ["x"], execution: { "iopub.execute_input": `2026-11-23T17:0${elapsed}:00.1Z` } },
      outputs: [
        { output_type: "stream", name: "stderr", text: [`[data] done: in ${elapsed}.4 s: frames doorstroom2020 1246\n`] },
        { output_type: "execute_result", data: { "text/plain": value } },
      ],
    }],
  });
  assert.equal(normaliseNotebook(nb("1", "0.25")), normaliseNotebook(nb("7", "0.25")));
  assert.notEqual(normaliseNotebook(nb("1", "0.25")), normaliseNotebook(nb("1", "0.26")), "a changed result still shows");
  const streams = (outputs: { name: string; text: string }[]): string =>
    JSON.stringify({ cells: [{ outputs: outputs.map((o) => ({ output_type: "stream", ...o })) }] });
  assert.equal(
    normaliseNotebook(streams([{ name: "stderr", text: "[a] 1\n" }, { name: "stdout", text: "x\n" }, { name: "stderr", text: "[b] 2\n" }])),
    normaliseNotebook(streams([{ name: "stdout", text: "x\n" }, { name: "stderr", text: "[b] 2\n[a] 1\n" }])),
    "stderr lines in another order, cut into other messages, compare equal",
  );
  assert.notEqual(
    normaliseNotebook(streams([{ name: "stderr", text: "[a] 1\n[b] 2\n" }])),
    normaliseNotebook(streams([{ name: "stderr", text: "[a] 1\n[b] 3\n" }])),
    "a changed stderr line still shows",
  );
  assert.notEqual(
    normaliseNotebook(streams([{ name: "stdout", text: "x\ny\n" }])),
    normaliseNotebook(streams([{ name: "stdout", text: "y\nx\n" }])),
    "stdout keeps its order",
  );
  assert.equal(normaliseTimingText("fitted 5 models in 2 min 5 s (1,246 rows, 0.0 s)"), "fitted 5 models in <duration> <duration> (1,246 rows, <duration>)");
  assert.equal(normaliseTimingText("coefficient 0.123 and 1246 students"), "coefficient 0.123 and 1246 students");
  assert.equal(
    normaliseTimingText("wrote /x/outputs.partial-20261123T172049-1224/tables/a.csv from /c/frames-0f45bcaac01999a488fb"),
    "wrote /x/outputs.partial-<time>-<pid>/tables/a.csv from /c/frames-<mtime-key>",
  );
});

test(`two reproduce runs at scale ${SCALE} with one configuration: identical tables and notebooks, the same manifest id`, { skip }, () => {
  const scratch = mkdtempSync(join(tmpdir(), "kansen-determinism-"));
  const configPath = join(scratch, "config.json");
  const out = join(scratch, "outputs");
  const cache = join(scratch, "cache");
  writeFileSync(configPath, JSON.stringify({ outDir: out, cacheDir: cache }) + "\n");
  const run = (label: string): void => {
    const r = spawnSync(
      process.execPath,
      ["--import", "tsx", join(PROJECT_ROOT, "scripts", "reproduce.ts"), "--config", configPath, "--scale", SCALE, "--cell-timeout", "900"],
      { cwd: PROJECT_ROOT, encoding: "utf8", env: { ...process.env, KANSEN_CONFIG: "" }, maxBuffer: 64 * 1024 * 1024 },
    );
    assert.equal(r.status, 0, `the ${label} reproduce run failed (outputs in ${scratch}):\n${r.stderr.split("\n").slice(-40).join("\n")}`);
  };

  run("first");
  const first = join(scratch, "first");
  renameSync(out, first);
  rmSync(cache, { recursive: true, force: true });
  run("second");

  const filesA = filesUnder(first);
  const filesB = filesUnder(out);
  assert.deepEqual(filesB, filesA, "the two runs wrote different files");
  const csvs = filesA.filter((f) => f.endsWith(".csv"));
  const notebooks = filesA.filter((f) => f.startsWith("notebooks/") && f.endsWith(".ipynb"));
  const figures = filesA.filter((f) => f.startsWith("figures/") && f.endsWith(".html"));
  const fits = filesA.filter((f) => f.startsWith("fits/") && f.endsWith(".json"));
  assert.ok(csvs.length > 0 && notebooks.length > 0, `nothing to compare: ${csvs.length} CSV files, ${notebooks.length} notebooks`);

  const problems: string[] = [];
  const manifestA = JSON.parse(readFileSync(join(first, "manifest.json"), "utf8")) as Manifest;
  const manifestB = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8")) as Manifest;
  if (manifestA.id !== manifestB.id) {
    const idA = manifestIdentity(manifestA) as Record<string, unknown>;
    const idB = manifestIdentity(manifestB) as Record<string, unknown>;
    const fields = Object.keys(idA).filter((k) => JSON.stringify(idA[k]) !== JSON.stringify(idB[k]));
    const tree = fields.includes("git")
      ? ` (the working tree changed between the two runs: ${JSON.stringify(manifestA.git)} -> ${JSON.stringify(manifestB.git)}; run this test on a tree nobody edits)`
      : "";
    problems.push(`manifest ids differ (${manifestA.id} vs ${manifestB.id}) in: ${fields.join(", ")}${tree}`);
  }
  // Every table and figure carries its run's manifest id, which is compared above; with it set aside the
  // content must be the same byte for byte, so a differing id does not hide a differing number.
  const read = (dir: string, f: string, id: string): string => readFileSync(join(dir, f), "utf8").split(id).join("<manifest-id>");
  for (const f of [...csvs, ...figures]) {
    const a = read(first, f, manifestA.id);
    const b = read(out, f, manifestB.id);
    if (a !== b) problems.push(`${f} differs at ${firstDifference(a, b)}`);
  }
  for (const f of notebooks) {
    const a = normaliseNotebook(read(first, f, manifestA.id));
    const b = normaliseNotebook(read(out, f, manifestB.id));
    if (a !== b) problems.push(`${f} differs (timings normalised) at ${firstDifference(a, b)}`);
  }
  // The saved fit summaries: everything but the fit's wall-clock time.
  const withoutElapsed = (dir: string, f: string): string => JSON.stringify(JSON.parse(readFileSync(join(dir, f), "utf8"), (k, v: unknown) => (k === "elapsedSeconds" ? undefined : v)), null, 1);
  for (const f of fits) {
    const a = withoutElapsed(first, f);
    const b = withoutElapsed(out, f);
    if (a !== b) problems.push(`${f} differs (elapsedSeconds left out) at ${firstDifference(a, b)}`);
  }
  console.log(`determinism: ${csvs.length} CSV tables, ${notebooks.length} notebooks, ${figures.length} figures and ${fits.length} fit summaries compared; manifest ${manifestA.id} vs ${manifestB.id}`);
  assert.deepEqual(problems, [], `outputs of ${first} and ${out} differ:\n${problems.join("\n")}`);
  rmSync(scratch, { recursive: true, force: true }); // kept for inspection when the test fails
});
