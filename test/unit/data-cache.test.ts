/**
 * The synthetic-population cache (src/pipeline/data-cache.ts): a population is reused only if the
 * generator that made it is the current one (its fingerprint) and its files are as the generator wrote
 * them (their SHA-256), and made again otherwise.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig, type KansenConfig } from "../../src/config";
import { FINGERPRINT_FILE, ensureData, generatorFingerprint, recordedContents, recordedFingerprint } from "../../src/pipeline/data-cache";

function fakeProject(): { root: string; reference: string } {
  const root = mkdtempSync(join(tmpdir(), "kansen-fingerprint-"));
  mkdirSync(join(root, "src", "data", "synthetic"), { recursive: true });
  mkdirSync(join(root, "scripts"));
  const reference = join(root, "reference");
  mkdirSync(reference);
  writeFileSync(join(root, "src", "data", "csv.ts"), "export const a = 1;\n");
  writeFileSync(join(root, "src", "data", "synthetic", "population.ts"), "export const b = 2;\n");
  writeFileSync(join(root, "src", "data", "notes.md"), "not source\n");
  writeFileSync(join(root, "scripts", "generate-data.ts"), "// generator\n");
  writeFileSync(join(reference, "published-descriptives.csv"), "table\n1\n");
  writeFileSync(join(reference, "published-models.csv"), "table\n5\n");
  return { root, reference };
}

test("the generator fingerprint changes with the generator's source and the published CSVs, not with other files", () => {
  const { root, reference } = fakeProject();
  try {
    const base = generatorFingerprint(root, reference);
    assert.match(base, /^[0-9a-f]{64}$/);
    assert.equal(generatorFingerprint(root, reference), base, "same files, same fingerprint");
    writeFileSync(join(root, "src", "data", "notes.md"), "edited\n");
    assert.equal(generatorFingerprint(root, reference), base, "a non-.ts file does not count");
    writeFileSync(join(root, "src", "data", "synthetic", "population.ts"), "export const b = 3;\n");
    const afterSource = generatorFingerprint(root, reference);
    assert.notEqual(afterSource, base, "a changed generator module changes it");
    writeFileSync(join(reference, "published-models.csv"), "table\n6\n");
    const afterCsv = generatorFingerprint(root, reference);
    assert.notEqual(afterCsv, afterSource, "a changed published CSV changes it");
    writeFileSync(join(root, "src", "data", "synthetic", "calibrated-parameters.json"), "{}\n");
    assert.notEqual(generatorFingerprint(root, reference), afterCsv, "the generator's calibrated parameters count");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("a cached population is reused with the current fingerprint and generated again without it or with another", () => {
  const cacheDir = mkdtempSync(join(tmpdir(), "kansen-cache-"));
  try {
    const base = loadConfig();
    const config: KansenConfig = { ...base, data: { kind: "synthetic", scale: 0.002, seed: 7 }, cacheDir };
    const lines: string[] = [];
    const first = ensureData(config, (l) => lines.push(l));
    assert.equal(first.generated, true);
    assert.equal(recordedFingerprint(first.dir), generatorFingerprint());
    const truth = readFileSync(join(first.dir, "truth.json"), "utf8");

    const second = ensureData(config, (l) => lines.push(l));
    assert.equal(second.generated, false, "same generator: reused");

    writeFileSync(join(first.dir, FINGERPRINT_FILE), "0".repeat(64) + "\n");
    const third = ensureData(config, (l) => lines.push(l));
    assert.equal(third.generated, true, "another generator's population is made again");
    assert.ok(lines.some((l) => l.includes("is gemaakt door een andere generator")), lines.join("\n"));
    assert.equal(readFileSync(join(third.dir, "truth.json"), "utf8"), truth, "same generator, scale and seed: the same population");

    rmSync(join(first.dir, FINGERPRINT_FILE));
    const fourth = ensureData(config, (l) => lines.push(l));
    assert.equal(fourth.generated, true, "a population without a fingerprint is made again");
    assert.ok(lines.some((l) => l.includes("heeft geen vingerafdruk van de generator")), lines.join("\n"));

    // A generated file edited in place, to the same size and with its time stamp put back: made again.
    const studenten = join(fourth.dir, "studenten.csv");
    const stamp = new Date("2024-02-14T12:00:00Z");
    utimesSync(studenten, stamp, stamp);
    assert.equal(ensureData(config, (l) => lines.push(l)).generated, false, "a new time stamp alone changes nothing");
    const before = statSync(studenten);
    const text = readFileSync(studenten, "utf8");
    const edited = text.replace(/,M,/, ",V,") === text ? text.replace(/,V,/, ",M,") : text.replace(/,M,/, ",V,");
    assert.notEqual(edited, text);
    writeFileSync(studenten, edited);
    utimesSync(studenten, stamp, stamp);
    assert.equal(statSync(studenten).size, before.size);
    assert.equal(statSync(studenten).mtimeMs, before.mtimeMs);
    const fifth = ensureData(config, (l) => lines.push(l));
    assert.equal(fifth.generated, true, "an edited population is made again");
    assert.ok(lines.some((l) => /data: studenten\.csv in .* veranderde na het genereren \(SHA-256 wijkt af van contents\.sha256\)/.test(l)), lines.join("\n"));
    assert.equal(readFileSync(studenten, "utf8"), text, "the population as the generator makes it");
    assert.deepEqual(fifth.contentHashes, fourth.contentHashes, "the digests the frame cache is keyed on");
    assert.equal(recordedContents(fifth.dir)?.["studenten.csv"], fifth.contentHashes["studenten.csv"]);
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
});
