import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, existsSync, readdirSync, renameSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { spawn } from "node:child_process";
import { runIntoFreshOutput, recoverInterruptedSwap } from "../../src/audit/atomic-output";

function previousRun(root: string): string {
  const out = join(root, "outputs");
  mkdirSync(out);
  writeFileSync(join(out, "tabel5.csv"), "term,estimate\nIntercept,0.46\n");
  return out;
}
const quiet = { log: () => undefined };

test("a successful run replaces the previous outputs whole", async () => {
  const root = mkdtempSync(join(tmpdir(), "atomic-"));
  const out = previousRun(root);
  await runIntoFreshOutput(out, async (dir) => {
    writeFileSync(join(dir, "tabel5.csv"), "term,estimate\nIntercept,0.47\n");
  }, quiet);
  assert.equal(readFileSync(join(out, "tabel5.csv"), "utf8"), "term,estimate\nIntercept,0.47\n");
  assert.deepEqual(readdirSync(root), ["outputs"], "no temporary folders are left behind");
});

test("a run that fails (e.g. on an invalid input) leaves the previous outputs untouched and keeps its partial work", async () => {
  const root = mkdtempSync(join(tmpdir(), "atomic-"));
  const out = previousRun(root);
  const messages: string[] = [];
  await assert.rejects(
    runIntoFreshOutput(out, async (dir) => {
      writeFileSync(join(dir, "tabel5.csv"), "half");
      throw new Error("studenten.csv row 3, column leerweg_2019: value 'XX' is not one of BOL, BBL, EX");
    }, { log: (m) => messages.push(m) }),
    /leerweg_2019/,
  );
  assert.equal(readFileSync(join(out, "tabel5.csv"), "utf8"), "term,estimate\nIntercept,0.46\n");
  const partial = readdirSync(root).find((n) => n.startsWith("outputs.partial-"));
  assert.ok(partial, "the partial folder is kept for inspection");
  assert.ok(messages.some((m) => m.includes(join(root, partial)) && m.includes("untouched")), messages.join("\n"));
});

test("a run killed midway (SIGKILL) leaves the previous outputs untouched", async () => {
  const root = mkdtempSync(join(tmpdir(), "atomic-"));
  const out = previousRun(root);
  const script = join(root, "slow-run.ts");
  const helper = resolve("src/audit/atomic-output.ts");
  writeFileSync(script, `
    import { writeFileSync } from "node:fs";
    import { join } from "node:path";
    import { runIntoFreshOutput } from ${JSON.stringify(helper)};
    runIntoFreshOutput(${JSON.stringify(out)}, async (dir) => {
      writeFileSync(join(dir, "tabel5.csv"), "half-written");
      process.stdout.write("working\\n");
      await new Promise((r) => setTimeout(r, 60_000));
    }, { log: () => undefined });
  `);
  const child = spawn(process.execPath, ["--import", "tsx", script], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((res, rej) => {
    child.stdout.on("data", (d: Buffer) => { if (d.toString().includes("working")) res(); });
    child.on("exit", (code) => rej(new Error(`child exited early with ${code}`)));
  });
  child.kill("SIGKILL");
  await new Promise((r) => child.on("exit", r));
  assert.equal(readFileSync(join(out, "tabel5.csv"), "utf8"), "term,estimate\nIntercept,0.46\n");
});

test("a swap interrupted between its two renames is recovered from the .previous folder", () => {
  const root = mkdtempSync(join(tmpdir(), "atomic-"));
  const out = previousRun(root);
  renameSync(out, `${out}.previous-20261123T000000-1`);
  assert.equal(existsSync(out), false);
  recoverInterruptedSwap(out, () => undefined);
  assert.equal(readFileSync(join(out, "tabel5.csv"), "utf8"), "term,estimate\nIntercept,0.46\n");
});
