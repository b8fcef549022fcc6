import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync, readFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeInputFile, manifestId, canonicalJson, type Manifest } from "../../src/audit/manifest";
import { stampCsvText, stampHtmlText } from "../../src/audit/stamp";
import { ManifestRecorder, RUN_LOG_FILE } from "../../src/audit/recorder";
import { parseRunLog } from "../../src/audit/run-log";
import { renderManifestHtml } from "../../src/report/audit-appendix";

const convergence = { converged: true, optimizer: "test", iterations: 3, functionEvaluations: 4, maxAbsGradient: 1e-6, maxAbsScaledGradient: 1e-7, minHessianEigenvalue: 0.5, singular: false, messages: [] };

function baseManifest(): Omit<Manifest, "id"> {
  return {
    format: "kansen-mbo-manifest/1",
    createdAt: "2026-11-23T10:00:00.000Z",
    git: { commit: "abc", clean: true, changed: [] },
    config: { source: { kind: "synthetic", scale: 0.02, seed: 1 } },
    inputs: [{ path: "studenten.csv", sha256: "00", bytes: 10, rows: 2 }],
    environment: { node: "v20", os: "linux", npmPackages: { tslab: "1.0.22" }, tslab: "1.0.22", python: { nbclient: "0.7" } },
    steps: [{ name: "generate", kind: "generation", startedAt: "2026-11-23T10:00:00.000Z", durationSeconds: 1.5, peakRssBytes: 1e8 }],
    fits: [{ label: "doorstroom 2020 model 0", formula: "y ~ 1 + (1 | g)", nobs: 10, logLik: -5, convergence, elapsedSeconds: 0.1 }],
    outputs: [],
  };
}

test("the manifest id ignores times, durations, memory readings and outputs, and changes with anything else", () => {
  const a = baseManifest();
  const retimed: Omit<Manifest, "id"> = {
    ...a,
    createdAt: "2027-01-01T00:00:00.000Z",
    steps: [{ ...a.steps[0]!, startedAt: "2027-01-01T00:00:00.000Z", durationSeconds: 99, peakRssBytes: 5 }],
    fits: [{ ...a.fits[0]!, elapsedSeconds: 42 }],
    outputs: [{ path: "x.csv", sha256: "ff", bytes: 1 }],
  };
  assert.equal(manifestId(a), manifestId(retimed));
  assert.notEqual(manifestId(a), manifestId({ ...a, config: { source: { kind: "synthetic", scale: 0.02, seed: 2 } } }));
  assert.notEqual(manifestId(a), manifestId({ ...a, git: { commit: "abd", clean: true, changed: [] } }));
  assert.notEqual(manifestId(a), manifestId({ ...a, fits: [{ ...a.fits[0]!, convergence: { ...convergence, converged: false } }] }));
  assert.match(manifestId(a), /^[0-9a-f]{16}$/);
  // Where outputs, caches and a real-data folder live is recorded but does not change the id.
  const located = (out: string, cache: string, data: string): Omit<Manifest, "id"> => ({ ...a, config: { outDir: out, cacheDir: cache, data: { kind: "folder", path: data } } });
  assert.equal(manifestId(located("/x/outputs", "/x/data", "/duo/2024")), manifestId(located("/y/out2", "/tmp/c", "/mnt/duo")));
  assert.notEqual(manifestId(located("/x/outputs", "/x/data", "/duo/2024")), manifestId({ ...a, config: { outDir: "/x/outputs", cacheDir: "/x/data", data: { kind: "synthetic", path: "/duo/2024" } } }));
});

test("canonical JSON sorts keys at every level", () => {
  assert.equal(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: null } }), '{"a":{"c":null,"d":[2,{"e":0,"f":1}]},"b":1}');
});

test("an input file is described by SHA-256, size and data rows (with or without a final newline)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "manifest-"));
  writeFileSync(join(dir, "a.csv"), "x,y\n1,2\n3,4\n");
  writeFileSync(join(dir, "b.csv"), "x,y\n1,2\n3,4");
  const a = await describeInputFile(join(dir, "a.csv"), dir);
  const b = await describeInputFile(join(dir, "b.csv"), dir);
  assert.equal(a.rows, 2);
  assert.equal(b.rows, 2);
  assert.equal(a.bytes, 12);
  assert.equal(a.sha256, "2a2b86e74ffd5e6a9b75e52a105cf9d02920837179f8e8961aa15411d380f7a3"); // sha256sum of the same bytes
  assert.notEqual(a.sha256, b.sha256);
});

test("CSV stamping adds a manifest_id column to every row, keeps quoted newlines, and is idempotent", () => {
  const csv = 'label,value\n"Niveau 1\nnote",1.52\nBBL,-0.78\n';
  const once = stampCsvText(csv, "1111");
  assert.equal(once, 'label,value,manifest_id\n"Niveau 1\nnote",1.52,1111\nBBL,-0.78,1111\n');
  assert.equal(stampCsvText(once, "2222"), 'label,value,manifest_id\n"Niveau 1\nnote",1.52,2222\nBBL,-0.78,2222\n');
});

test("HTML stamping adds a meta tag and a visible footer, idempotently", () => {
  const html = "<html><head><title>f</title></head><body><div></div></body></html>";
  const once = stampHtmlText(html, "aaaa");
  assert.match(once, /<meta name="kansen-mbo-manifest" content="aaaa">/);
  assert.match(once, /manifest aaaa<\/p><\/body>/);
  const twice = stampHtmlText(once, "bbbb");
  assert.doesNotMatch(twice, /aaaa/);
  assert.equal((twice.match(/kansen-mbo-manifest/g) ?? []).length, 2);
});

test("a malformed run-log line is an error naming the file and line", () => {
  assert.throws(() => parseRunLog('{"type":"step","step":{}}\nnot json\n', "run-log.jsonl"), /run-log\.jsonl, line 2: not JSON/);
  assert.throws(() => parseRunLog('{"type":"other"}\n', "run-log.jsonl"), /line 1: unknown entry type "other"/);
});

test("the recorder folds in the run log, stamps outputs with the id and writes manifest.json", async () => {
  const root = mkdtempSync(join(tmpdir(), "recorder-"));
  const data = join(root, "data");
  const out = join(root, "out");
  mkdirSync(data);
  mkdirSync(join(out, "tables"), { recursive: true });
  writeFileSync(join(data, "studenten.csv"), "id\n1\n2\n");
  writeFileSync(join(out, "tables", "tabel5.csv"), "term,estimate\nIntercept,0.46\n");
  writeFileSync(join(out, RUN_LOG_FILE), JSON.stringify({ type: "fit", fit: baseManifest().fits[0] }) + "\n");
  const rec = new ManifestRecorder(process.cwd(), { scale: 0.02 });
  await rec.addInputs(data);
  await rec.step("validate", "validation", () => 1);
  rec.foldRunLog(join(out, RUN_LOG_FILE));
  const m = rec.finish(out);
  const written = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8")) as Manifest;
  assert.equal(written.id, m.id);
  assert.equal(written.inputs[0]?.rows, 2);
  assert.equal(written.fits[0]?.label, "doorstroom 2020 model 0");
  assert.deepEqual(written.steps.map((s) => s.name), ["validate"]);
  assert.equal(readFileSync(join(out, "tables", "tabel5.csv"), "utf8"), `term,estimate,manifest_id\nIntercept,0.46,${m.id}\n`);
  assert.ok(written.outputs.some((o) => o.path === "tables/tabel5.csv"));
  assert.ok(written.environment.npmPackages["danfojs-node"], "npm package versions come from the lockfile");
  const html = renderManifestHtml(m);
  assert.ok(html.includes(m.id) && html.includes("doorstroom 2020 model 0") && html.includes("studenten.csv"));
});

test("the manifest appendix prints n.b. (niet beschikbaar) for readings that JSON turned into null (NaN eigenvalue of a failed fit)", () => {
  const m = { ...baseManifest(), id: "x" };
  const failed = JSON.parse(JSON.stringify({ ...m, fits: [{ ...m.fits[0], convergence: { ...m.fits[0]!.convergence, converged: false, minHessianEigenvalue: NaN } }] })) as Manifest;
  const html = renderManifestHtml(failed);
  assert.match(html, /<td>NEE<\/td>/);
  assert.match(html, /<td>n\.b\.<\/td>/);
});

test("the manifest appendix lists the fit cache's hits and misses", () => {
  const m = { ...baseManifest(), id: "x", fitCache: [
    { label: "doorstroom 2020 model 0", key: "abc", status: "miss" as const, detail: "niet in de fitcache", fitSeconds: 3.4 },
    { label: "doorstroom 2020 model 0", key: "abc", status: "hit" as const, detail: "opgeslagen 2026-12-03T13:12:00Z", fitSeconds: 3.4 },
  ] };
  const html = renderManifestHtml(m);
  assert.match(html, /<h3>Fitcache<\/h3>\s*<p>1 fits uit de fitcache gelezen, 1 geschat \(en opgeslagen\)\.<\/p>/);
  assert.match(html, /<td>doorstroom 2020 model 0<\/td><td>abc<\/td><td>hit \(gelezen\)<\/td>/);
  assert.match(renderManifestHtml({ ...m, fitCache: [] }), /Geen fits opgezocht in de fitcache/);
});
