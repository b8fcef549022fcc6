import { test } from "node:test";
import assert from "node:assert/strict";
import { formatDuration, inNotebookKernel, progressCallback, startProgress, withProgress } from "../../src/pipeline/progress";

function fakeClock() {
  let t = 0;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

test("progress prints a start line, throttled updates, and a done line with the elapsed time", () => {
  const clock = fakeClock();
  const lines: string[] = [];
  const p = startProgress("generate", { total: 1000, unit: "students", intervalMs: 2000, now: clock.now, sinks: [(l) => lines.push(l)] });
  p.update(100); // within the interval: not printed
  clock.advance(2500);
  p.update(500);
  clock.advance(100);
  p.update(600); // throttled
  clock.advance(5000);
  p.done();
  clock.advance(1000);
  p.update(1000); // after done: ignored
  assert.deepEqual(lines, [
    "[generate] start: 1,000 students",
    "[generate] 50% (500 / 1,000 students), 2.5 s",
    "[generate] done: 1,000 students in 7.6 s",
  ]);
  assert.equal(p.elapsedSeconds(), 7.6);
});

test("every sink receives every line (notebook and terminal)", () => {
  const a: string[] = [];
  const b: string[] = [];
  const p = startProgress("fit", { now: () => 0, sinks: [(l) => a.push(l), (l) => b.push(l)] });
  p.note("iteration 3");
  p.done();
  assert.deepEqual(a, b);
  assert.equal(a.length, 3);
});

test("withProgress reports a failure and rethrows it", async () => {
  const lines: string[] = [];
  await assert.rejects(
    withProgress("fit model 2", () => { throw new Error("PIRLS diverged"); }, { now: () => 0, sinks: [(l) => lines.push(l)] }),
    /PIRLS diverged/,
  );
  assert.equal(lines.at(-1), "[fit model 2] FAILED after 0.0 s: PIRLS diverged");
});

test("progressCallback finishes itself when done reaches total", () => {
  const clock = fakeClock();
  const lines: string[] = [];
  const cb = progressCallback("frames", { now: clock.now, intervalMs: 0, sinks: [(l) => lines.push(l)] });
  cb(1, 4);
  clock.advance(1000);
  cb(4, 4);
  cb(4, 4);
  assert.deepEqual(lines, ["[frames] start: 4", "[frames] 25% (1 / 4), 0.0 s", "[frames] 100% (4 / 4), 1.0 s", "[frames] done: 4 in 1.0 s"]);
});

test("durations and the kernel detection", () => {
  assert.equal(formatDuration(8.34), "8.3 s");
  assert.equal(formatDuration(125), "2 min 05 s");
  assert.equal(inNotebookKernel(), false);
});
