/**
 * npm run bench-data -- [--scale S] [--seed N] [--out DIR]
 *
 * The data layer at full default scale, timed step by step: generating the synthetic population and
 * writing its files, loading and validating them (loadRawData), building the four analysis frames
 * (buildAnalysisFrames); wall time and peak resident memory per step. Then the Tabel 1-4 comparison,
 * published vs reproduced, every cell. Budget (issue 2): at most 3 minutes in total and under 4 GiB.
 * Exits non-zero if a cell is out of tolerance or the budget is exceeded.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { generateSyntheticData } from "../src/data/synthetic";
import { readAs } from "../src/data/synthetic/targets";
import { loadPublishedDescriptives } from "../src/data/reference";
import { loadRawData } from "../src/data/load";
import { buildAnalysisFrames } from "../src/transform/frames";
import { compareFrameWithPublished } from "../src/report/describe";
import { parseGenerateArgs } from "./generate-data";

const BUDGET_SECONDS = 180;
const BUDGET_BYTES = 4 * 1024 ** 3;

/** Peak resident set size so far, in bytes (VmHWM; process.resourceUsage as a fallback). */
function peakRss(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS * 1024;
}

/** Resets the kernel's peak-RSS counter so the next step's peak is its own (Linux >= 4.0). */
function resetPeak(): boolean {
  try {
    writeFileSync("/proc/self/clear_refs", "5");
    return true;
  } catch {
    return false;
  }
}

interface Step {
  readonly name: string;
  readonly seconds: number;
  /** CPU time (user + system) of this process during the step: wall time minus waiting for the cores. */
  readonly cpuSeconds: number;
  readonly peakBytes: number;
}

function timed<T>(steps: Step[], name: string, f: () => T): T {
  const perStep = resetPeak();
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  const out = f();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const c = process.cpuUsage(c0);
  steps.push({ name: perStep ? name : `${name} (peak since start)`, seconds, cpuSeconds: (c.user + c.system) / 1e6, peakBytes: peakRss() });
  process.stderr.write(`[bench-data] ${name}: ${seconds.toFixed(1)} s\n`);
  return out;
}

function gib(b: number): string {
  return `${(b / 1024 ** 3).toFixed(2)} GiB`;
}

function main(): void {
  let parsed: ReturnType<typeof parseGenerateArgs>;
  try {
    parsed = parseGenerateArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`bench-data: ${(e as Error).message}\n`);
    process.exit(2);
  }
  if (parsed === "help") {
    process.stdout.write("usage: npm run bench-data -- [--scale S] [--seed N] [--out DIR]   (defaults: scale 1, seed 1)\n");
    return;
  }
  const args = parsed;
  const steps: Step[] = [];
  const log = (m: string): void => void process.stderr.write(`[bench-data]   ${m}\n`);
  const { generated } = timed(steps, "generate + write raw files", () =>
    generateSyntheticData({ seed: args.seed, scale: args.scale, out: args.out, onProgress: log }),
  );
  const students = generated.pop.n;
  const raw = timed(steps, "load + validate (loadRawData)", () => loadRawData(args.out));
  const frames = timed(steps, "build the four analysis frames", () => buildAnalysisFrames(raw));
  const total = steps.reduce((a, s) => a + s.seconds, 0);
  const peak = Math.max(...steps.map((s) => s.peakBytes), peakRss());

  const lines: string[] = [];
  lines.push(`# bench-data: scale ${args.scale}, seed ${args.seed}, ${students} students, ${args.out}`);
  lines.push("");
  const cpu = steps.reduce((a, s) => a + s.cpuSeconds, 0);
  lines.push(`machine: ${cpus().length} cores, load average ${loadavg().map((x) => x.toFixed(1)).join(" ")} at the end`);
  lines.push("step | wall time (s) | CPU time (s) | peak RSS");
  for (const s of steps) lines.push(`${s.name} | ${s.seconds.toFixed(1)} | ${s.cpuSeconds.toFixed(1)} | ${gib(s.peakBytes)}`);
  lines.push(`total | ${total.toFixed(1)} | ${cpu.toFixed(1)} | ${gib(peak)}`);
  const overTime = args.scale >= 1 && total > BUDGET_SECONDS;
  const overMem = peak >= BUDGET_BYTES;
  lines.push(
    `budget (${BUDGET_SECONDS} s, < 4 GiB at full scale): time ${overTime ? "EXCEEDED" : "ok"}, memory ${overMem ? "EXCEEDED" : "ok"}` +
      (args.scale < 1 ? " (time budget applies at scale 1 only)" : ""),
  );
  lines.push("");
  for (const [key, f] of Object.entries(frames)) {
    lines.push(`${key}: N = ${f.nrows}; selection flow: ${f.flow.map((s) => `${s.rule} ${s.nOut}`).join(" -> ")}`);
  }
  lines.push("");
  lines.push("## Tabel 1-4: published vs reproduced (synthetic data)");
  lines.push("tabel | group | category | statistic | published | reproduced | difference | tolerance | within | note");
  const published = loadPublishedDescriptives();
  let judged = 0;
  let outside = 0;
  for (const f of Object.values(frames)) {
    const cmp = compareFrameWithPublished(f, "synthetic");
    const table = cmp.tableNumber ?? 0;
    for (const r of cmp.rows) {
      if (r.withinTolerance === null) continue;
      judged++;
      let within = r.withinTolerance;
      let note = r.note;
      const pubRow = published.find((p) => p.table === table && p.group === r.group && p.category === r.category);
      if (pubRow && r.statistic === "mean" && pubRow.sd === null) {
        const reading = readAs(published, pubRow);
        if (reading.note && r.reproduced !== null) {
          within = Math.abs(r.reproduced - reading.value) <= 0.01;
          note = reading.note;
        }
      }
      if (!within) outside++;
      const fmt = (x: number | null): string => (x === null ? "" : x.toFixed(3));
      lines.push(
        `${table} | ${r.group} | ${r.category} | ${r.statistic} | ${fmt(r.published)} | ${fmt(r.reproduced)} | ${r.difference === null ? "" : (r.difference >= 0 ? "+" : "") + r.difference.toFixed(3)} | ${r.tolerance} | ${within ? "yes" : "NO"} | ${note}`,
      );
    }
  }
  lines.push("");
  lines.push(`cells judged: ${judged}, within tolerance: ${judged - outside}, outside: ${outside}`);
  process.stdout.write(`${lines.join("\n")}\n`);
  if (outside > 0 || overTime || overMem) process.exit(1);
}

main();
