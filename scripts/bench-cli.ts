/**
 * Benchmark of the glmm command as a user runs it (issue 12, item 5): the whole process, start-up,
 * CSV reading, design, fit and JSON output included, against R fitting the same CSV in the same run.
 *
 * For each n it simulates model-2-shaped data (21 fixed effects, a correlated random intercept and
 * non-western slope per location, a random intercept per institution; src/glmm/simulate.ts, as
 * bench-glmm), writes the CSV, and times
 *   - `bin/kansen-glmm.js fit --data CSV --formula F --json`: the compiled command run as an executable,
 *     through its shebang and V8 flag, as `kansen-glmm` runs after `npm link`;
 *   - `npm run --silent glmm -- fit ... --json`: README's form, which adds npm's own start-up;
 *   - R on the same CSV (scripts/r/fit-glmer.R): glmmTMB by default, and lme4-fast / lme4 if asked,
 *     with the fit's own wall and CPU time as R reports them and the whole Rscript process.
 * Each form of the command runs --repeat times (default 5), half before R and half after, so a change
 * in the machine's load hits both sides; medians are compared. The CPU time of every child process is
 * read from /proc/self/stat (cutime + cstime, Linux), because wall time on a shared machine is noisy.
 *
 * Target (issue 12): at 20,000 rows the whole command is at least 10 times faster than glmmTMB's fit.
 *
 * Usage: npm run bench-cli -- [--n 20000,100000] [--repeat 5] [--engines glmmTMB,lme4-fast]
 *          [--locations 571] [--institutions 62] [--seed 20260302] [--skip-r] [--out DIR]
 */
import { mkdirSync, readFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { spawnSync } from "node:child_process";
import { model2Spec, simulateGlmm } from "../src/glmm/simulate";
import { writeCsv } from "./bench-glmm";

const ROOT = resolve(__dirname, "..");

interface Args {
  n: number[];
  repeat: number;
  engines: string[];
  locations: number;
  institutions: number;
  seed: number;
  skipR: boolean;
  out: string;
}

export function parseBenchCliArgs(argv: readonly string[]): Args {
  const a: Args = {
    n: [20000],
    repeat: 5,
    engines: ["glmmTMB"],
    locations: 571,
    institutions: 62,
    seed: 20260302,
    skipR: false,
    out: join(tmpdir(), "kansen-bench-cli"),
  };
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`bench-cli: ${key} needs a value`);
      return v;
    };
    const int = (v: string): number => {
      const x = Number(v);
      if (!Number.isInteger(x) || x <= 0) throw new Error(`bench-cli: ${key} wants a positive integer, got "${v}"`);
      return x;
    };
    if (key === "--n") a.n = value().split(",").map(int);
    else if (key === "--repeat") a.repeat = int(value());
    else if (key === "--engines") a.engines = value().split(",").filter((e) => e !== "");
    else if (key === "--locations") a.locations = int(value());
    else if (key === "--institutions") a.institutions = int(value());
    else if (key === "--seed") a.seed = int(value());
    else if (key === "--skip-r") a.skipR = true;
    else if (key === "--out") a.out = value();
    else throw new Error(`bench-cli: unknown flag ${key}`);
  }
  for (const e of a.engines) if (!["lme4", "lme4-fast", "glmmTMB"].includes(e)) throw new Error(`bench-cli: unknown engine ${e} (lme4, lme4-fast, glmmTMB)`);
  return a;
}

/** CPU seconds (user + system) of this process's reaped children so far; NaN where /proc is not there. */
function childrenCpuSeconds(): number {
  try {
    const stat = readFileSync("/proc/self/stat", "utf8");
    // Fields after the command name (which may hold spaces, in parentheses): state is field 3, cutime 16, cstime 17.
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(rest[13]) + Number(rest[14])) / 100; // USER_HZ is 100 on Linux
  } catch {
    return Number.NaN;
  }
}

interface Timed {
  wall: number;
  cpu: number;
  stdout: string;
}

function timed(command: string, args: readonly string[]): Timed {
  const cpu0 = childrenCpuSeconds();
  const t0 = performance.now();
  const r = spawnSync(command, args, { cwd: ROOT, encoding: "utf8", maxBuffer: 1 << 26 });
  const wall = (performance.now() - t0) / 1000;
  const cpu = childrenCpuSeconds() - cpu0;
  if (r.status !== 0) throw new Error(`bench-cli: ${command} ${args.slice(0, 2).join(" ")} ... failed (${r.status}): ${(r.stderr || r.error?.message || "").trim().slice(0, 300)}`);
  return { wall, cpu, stdout: r.stdout };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

interface Row {
  what: string;
  n: number;
  /** The time compared: whole process for the command, the fit call for R. */
  seconds: number;
  cpu: number;
  /** R only: the whole Rscript process. */
  process?: number;
  logLik: number;
  converged: boolean;
  runs: string;
}

function load(): string {
  return loadavg().map((v) => v.toFixed(2)).join(" ");
}

function main(): void {
  const args = parseBenchCliArgs(process.argv.slice(2));
  mkdirSync(args.out, { recursive: true });
  // dist/ current before anything is timed (the first call would otherwise include a build).
  timed(process.execPath, [join(ROOT, "scripts", "build.cjs"), "--if-stale"]);
  console.log(`machine: ${cpus().length} cores (${cpus()[0]?.model ?? "?"}), load average ${load()} (1, 5, 15 min)`);
  const rows: Row[] = [];
  for (const n of args.n) {
    const sim = simulateGlmm(model2Spec(n, args.locations, args.institutions, args.seed));
    const csv = join(args.out, `model2-${n}.csv`);
    writeCsv(sim.design, csv);
    const formula = sim.design.formula;
    const fitArgs = ["fit", "--data", csv, "--formula", formula, "--json"];
    const forms: { what: string; command: string; args: string[] }[] = [
      { what: "glmm command (bin/kansen-glmm.js, as kansen-glmm runs it)", command: join(ROOT, "bin", "kansen-glmm.js"), args: fitArgs },
      { what: "glmm command (npm run --silent glmm)", command: "npm", args: ["run", "--silent", "glmm", "--", ...fitArgs] },
    ];
    const runs = new Map<string, Timed[]>(forms.map((f) => [f.what, []]));
    const runForms = (times: number): void => {
      for (let k = 0; k < times; k++) for (const f of forms) runs.get(f.what)?.push(timed(f.command, f.args));
    };
    const before = Math.ceil(args.repeat / 2);
    console.log(`n = ${n}: the command ${before} x, load ${load()}`);
    runForms(before);
    const rRows: Row[] = [];
    if (!args.skipR) {
      for (const engine of args.engines) {
        console.log(`n = ${n}: ${engine}, load ${load()}`);
        const t = timed("Rscript", [join(ROOT, "scripts", "r", "fit-glmer.R"), "--data", csv, "--formula", formula, "--engine", engine]);
        const out = JSON.parse(t.stdout) as { elapsedSeconds: number; cpuSeconds?: number; logLik: number; converged: boolean };
        rRows.push({ what: `${engine} (fit call, as R times it)`, n, seconds: out.elapsedSeconds, cpu: out.cpuSeconds ?? Number.NaN, process: t.wall, logLik: out.logLik, converged: out.converged, runs: `whole Rscript ${t.wall.toFixed(2)} s wall, ${t.cpu.toFixed(2)} s CPU` });
      }
    }
    console.log(`n = ${n}: the command ${args.repeat - before} x more, load ${load()}`);
    runForms(args.repeat - before);
    for (const f of forms) {
      const list = runs.get(f.what) ?? [];
      const json = JSON.parse(list[0].stdout) as { logLik: number; converged: boolean };
      rows.push({
        what: f.what,
        n,
        seconds: median(list.map((t) => t.wall)),
        cpu: median(list.map((t) => t.cpu)),
        logLik: json.logLik,
        converged: json.converged,
        runs: `wall ${list.map((t) => t.wall.toFixed(2)).join(", ")} s`,
      });
    }
    rows.push(...rRows);
  }
  console.log(`load average at the end: ${load()}`);
  console.log("\n| n | what | seconds (median) | CPU s | logLik | converged | runs |\n|---|---|---|---|---|---|---|");
  for (const r of rows) console.log(`| ${r.n} | ${r.what} | ${r.seconds.toFixed(2)} | ${Number.isFinite(r.cpu) ? r.cpu.toFixed(2) : "-"} | ${r.logLik.toFixed(4)} | ${r.converged} | ${r.runs} |`);

  console.log("\nRatios (R's time / the whole command's time; same CSV, same run):");
  for (const n of args.n) {
    const commands = rows.filter((r) => r.n === n && r.what.startsWith("glmm command"));
    for (const r of rows.filter((x) => x.n === n && !x.what.startsWith("glmm command"))) {
      for (const c of commands) {
        const wall = r.seconds / c.seconds;
        const cpu = r.cpu / c.cpu;
        const target = n === 20000 && r.what.startsWith("glmmTMB") ? ` -> target >= 10x ${wall >= 10 ? "met" : "NOT met"}` : "";
        console.log(`- n = ${n}: ${r.what} / ${c.what}: ${wall.toFixed(1)}x wall, ${Number.isFinite(cpu) ? cpu.toFixed(1) : "-"}x CPU; whole Rscript / command ${((r.process ?? Number.NaN) / c.seconds).toFixed(1)}x; logLik difference ${(r.logLik - c.logLik).toExponential(1)}${target}`);
      }
    }
  }
}

if (require.main === module) main();
