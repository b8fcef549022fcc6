/**
 * Benchmark of issue 13's interval budgets on model-2-shaped data (21 fixed effects, (1 + non-western |
 * location) + (1 | institution), simulated by src/glmm/simulate.ts model2Spec):
 *
 *   - profile intervals of the four variance parameters at 124,621 rows (the doorstroom 2020 frame of the
 *     full-scale population): budget 60 s;
 *   - 200 parametric bootstrap replicates at 124,621 rows: budget 4 minutes.
 *
 * In the same run, on one smaller simulated CSV that R finishes (--r-n rows, default 5,000), lme4's
 * confint(method = "profile") of the variance parameters and bootMer (--r-nsim replicates) against this
 * workspace on that same CSV, each R step under a timeout (scripts/r/bench-intervals.R): the ratios
 * compare the same work on the same data. Every time is given as wall and CPU seconds (the process's
 * CPU, both threads), with the load average: on a shared machine wall time is not a benchmark.
 *
 * Usage: npm run bench-intervals -- [--n 124621] [--replicates 200] [--seed 1] [--r-n 5000] [--r-nsim 20]
 *          [--r-timeout 900] [--r-locations 100] [--r-institutions 25]
 *          [--concurrency 1|2|auto] [--skip-r] [--skip-full] [--out DIR] [--help]
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join, resolve } from "node:path";
import { spawnSync } from "node:child_process";
import { model2Spec, simulateGlmm } from "../src/glmm/simulate";
import { fitDesign } from "../src/glmm/fit";
import type { GlmmDesign } from "../src/model/types";
import { profileFit } from "../src/inference/profile";
import { parametricBootstrap } from "../src/inference/bootstrap";

const USAGE = `Benchmark of the profile intervals and the parametric bootstrap (issue 13 budgets) on model-2-shaped data,
with lme4's confint(profile) and bootMer timed on a smaller CSV in the same run.

usage: npm run bench-intervals -- [options]
  --n N              rows of the budget runs (default 124621)
  --replicates N     bootstrap replicates of the budget run (default 200)
  --seed S           simulation and bootstrap seed (default 20260413)
  --r-n N            rows of the CSV both R and this workspace run (default 5000)
  --r-nsim N         bootMer replicates in R (default 20; this workspace runs the same number on that CSV)
  --r-timeout S      seconds before an R step is stopped (default 900)
  --r-locations N    locations of that CSV (default 100; 571 at 5,000 rows leaves ~9 students per location
                     and lme4's profile stops on a new lower deviance); --r-institutions N (default 25)
  --concurrency C    bootstrap replicates side by side: 1, 2 or auto (default auto: 2 from 20,000 rows)
  --skip-r           no R;  --skip-full: no budget runs (only the comparison with R)
  --out DIR          where the CSV goes (default /tmp/bench-intervals)
  --help             this text`;

interface Args {
  n: number;
  replicates: number;
  seed: number;
  rN: number;
  rNsim: number;
  rTimeout: number;
  rLocations: number;
  rInstitutions: number;
  concurrency: 1 | 2 | "auto";
  skipR: boolean;
  skipFull: boolean;
  out: string;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { n: 124621, replicates: 200, seed: 20260413, rN: 5000, rNsim: 20, rTimeout: 900, rLocations: 100, rInstitutions: 25, concurrency: "auto", skipR: false, skipFull: false, out: "/tmp/bench-intervals" };
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i];
    const int = (): number => {
      const v = argv[++i];
      const x = Number(v);
      if (!Number.isInteger(x) || x <= 0) throw new Error(`bench-intervals: ${key} wants a positive integer, got "${v}"`);
      return x;
    };
    if (key === "--help" || key === "-h") {
      console.log(USAGE);
      process.exit(0);
    } else if (key === "--n") a.n = int();
    else if (key === "--replicates") a.replicates = int();
    else if (key === "--seed") a.seed = int();
    else if (key === "--r-n") a.rN = int();
    else if (key === "--r-nsim") a.rNsim = int();
    else if (key === "--r-timeout") a.rTimeout = int();
    else if (key === "--r-locations") a.rLocations = int();
    else if (key === "--concurrency") {
      const v = argv[++i];
      if (v !== "1" && v !== "2" && v !== "auto") throw new Error(`bench-intervals: --concurrency wants 1, 2 or auto, got "${v}"`);
      a.concurrency = v === "auto" ? "auto" : (Number(v) as 1 | 2);
    }
    else if (key === "--r-institutions") a.rInstitutions = int();
    else if (key === "--skip-r") a.skipR = true;
    else if (key === "--skip-full") a.skipFull = true;
    else if (key === "--out") a.out = argv[++i];
    else throw new Error(`bench-intervals: unknown flag ${key}`);
  }
  return a;
}

/** Wall and CPU seconds (the whole process: both threads and the bootstrap's worker) of a step. */
function timed<T>(step: () => T): { value: T; wall: number; cpu: number } {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const value = step();
  const cpu = process.cpuUsage(cpu0);
  return { value, wall: (performance.now() - t0) / 1000, cpu: (cpu.user + cpu.system) / 1e6 };
}

const load = (): string => loadavg().map((v) => v.toFixed(1)).join(" ");

function writeCsv(design: GlmmDesign, path: string): void {
  const names = design.fixed.names.slice(1);
  const cols = design.fixed.columns.slice(1);
  const [loc, inst] = design.random;
  const lines: string[] = [["y", ...names, loc.group, inst.group].join(",")];
  for (let i = 0; i < design.nobs; i++) {
    const parts: string[] = [String(design.response.successes[i])];
    for (const c of cols) parts.push(String(c[i]));
    parts.push(loc.levels[loc.index[i]], inst.levels[inst.index[i]]);
    lines.push(parts.join(","));
  }
  writeFileSync(path, lines.join("\n") + "\n");
}

interface Measured {
  what: string;
  engine: string;
  n: number;
  wall: number;
  cpu: number;
  note: string;
}

function oursProfile(design: GlmmDesign, n: number): Measured {
  const fit = fitDesign(design);
  const p = timed(() => profileFit(fit, { parameters: "variance" }));
  const iv = p.value.intervals.map((i) => `${i.parameter} [${i.lower.toFixed(4)}, ${i.upper.toFixed(4)}]${i.note ? ` (${i.note})` : ""}`).join("; ");
  const monotone = p.value.profiles.every((q) => q.monotone);
  return { what: "profile, 4 variance parameters", engine: "kansen-mbo", n, wall: p.wall, cpu: p.cpu, note: `fit ${fit.elapsedSeconds.toFixed(1)} s apart; ${monotone ? "all monotone" : "NOT all monotone"}; ${iv}` };
}

function oursBootstrap(design: GlmmDesign, n: number, replicates: number, seed: number, concurrency: 1 | 2 | "auto"): Measured {
  const fit = fitDesign(design);
  const b = timed(() => parametricBootstrap(fit, { replicates, seed, concurrency }));
  const c = b.value.counts;
  return {
    what: `bootstrap, ${replicates} replicates`,
    engine: "kansen-mbo",
    n,
    wall: b.wall,
    cpu: b.cpu,
    note: `fit apart; ${b.value.concurrency} replicate(s) at a time; converged ${c.converged}, not converged ${c.notConverged}, failed ${c.failed}, singular ${c.singular}`,
  };
}

function rStep(csv: string, formula: string, what: "profile" | "boot", n: number, nsim: number, seed: number, timeoutSeconds: number): Measured {
  const script = resolve(__dirname, "r", "bench-intervals.R");
  const label = what === "profile" ? "profile, 4 variance parameters" : `bootstrap, ${nsim} replicates`;
  const t0 = performance.now();
  const r = spawnSync("Rscript", [script, "--data", csv, "--formula", formula, "--what", what, "--nsim", String(nsim), "--seed", String(seed)], {
    encoding: "utf8",
    maxBuffer: 1 << 24,
    timeout: timeoutSeconds * 1000,
    killSignal: "SIGKILL",
  });
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0) {
    const why = r.signal ? `stopped after the timeout of ${timeoutSeconds} s (wall ${wall.toFixed(0)} s, fit included)` : `Rscript failed: ${(r.stderr || "").trim().slice(0, 200)}`;
    return { what: label, engine: "lme4", n, wall: Number.NaN, cpu: Number.NaN, note: why };
  }
  const out = JSON.parse(r.stdout) as { wallSeconds: number; cpuSeconds: number; fitWallSeconds: number; warnings: string[]; failed?: number; intervals?: { parameter: string; lower: number; upper: number }[] };
  const iv = out.intervals ? `; ${out.intervals.map((i) => `${i.parameter} [${i.lower.toFixed(4)}, ${i.upper.toFixed(4)}]`).join("; ")}` : "";
  const failed = out.failed !== undefined ? `; failed ${out.failed}` : "";
  const warned = out.warnings.length > 0 ? `; ${out.warnings.length} distinct warning(s): ${out.warnings[0].slice(0, 80)}` : "";
  return { what: label, engine: "lme4 (nloptwrap)", n, wall: out.wallSeconds, cpu: out.cpuSeconds, note: `fit ${out.fitWallSeconds.toFixed(1)} s apart${failed}${warned}${iv}` };
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  mkdirSync(args.out, { recursive: true });
  console.log(`machine: ${cpus().length} cores, load average ${load()}`);
  const rows: Measured[] = [];
  const report = (m: Measured): void => {
    rows.push(m);
    console.log(`${m.engine}, ${m.what}, n = ${m.n}: wall ${m.wall.toFixed(1)} s, CPU ${m.cpu.toFixed(1)} s (load ${load()}); ${m.note}`);
  };

  // The budget runs first: with a timeout on R, the comparison may be cut short, the budgets not.
  if (!args.skipFull) {
    const full = simulateGlmm(model2Spec(args.n, 571, 62, args.seed)).design;
    report(oursProfile(full, args.n));
    report(oursBootstrap(full, args.n, args.replicates, args.seed, args.concurrency));
  }
  if (!args.skipR) {
    const small = simulateGlmm(model2Spec(args.rN, args.rLocations, args.rInstitutions, args.seed));
    const csv = join(args.out, `model2-${args.rN}.csv`);
    writeCsv(small.design, csv);
    report(oursProfile(small.design, args.rN));
    report(rStep(csv, small.design.formula, "profile", args.rN, args.rNsim, args.seed, args.rTimeout));
    report(oursBootstrap(small.design, args.rN, args.rNsim, args.seed, args.concurrency));
    report(rStep(csv, small.design.formula, "boot", args.rN, args.rNsim, args.seed, args.rTimeout));
  }

  console.log("\n| step | engine | n | wall s | CPU s | R / ours (CPU) | R / ours (wall) | note |\n|---|---|---|---|---|---|---|---|");
  for (const m of rows) {
    const ours = rows.find((o) => o.engine === "kansen-mbo" && o.what === m.what && o.n === m.n);
    const ratio = (a: number, b: number): string => (m.engine !== "kansen-mbo" && ours && Number.isFinite(a) ? `${(a / b).toFixed(0)}x` : "");
    console.log(`| ${m.what} | ${m.engine} | ${m.n} | ${m.wall.toFixed(1)} | ${m.cpu.toFixed(1)} | ${ours ? ratio(m.cpu, ours.cpu) : ""} | ${ours ? ratio(m.wall, ours.wall) : ""} | ${m.note} |`);
  }
  console.log(`\nBudgets (issue 13), this run at n = ${args.n}, load average at the end ${load()}:`);
  const verdict = (wall: number, cpu: number, limit: number): string =>
    wall <= limit ? "met (wall)" : cpu / 2 <= limit ? "wall over the budget on this loaded machine; CPU / 2 cores within it" : "NOT met";
  const profile = rows.find((r) => r.engine === "kansen-mbo" && r.what === "profile, 4 variance parameters" && r.n === args.n);
  if (profile) console.log(`- profile of the 4 variance parameters <= 60 s: wall ${profile.wall.toFixed(1)} s, CPU ${profile.cpu.toFixed(1)} s -> ${verdict(profile.wall, profile.cpu, 60)}`);
  const boot = rows.find((r) => r.engine === "kansen-mbo" && r.what === `bootstrap, ${args.replicates} replicates` && r.n === args.n);
  if (boot) {
    // Fewer replicates than the budget's 200 (--replicates): the budget is judged on 200 times the
    // measured cost per replicate, and says so.
    const scale = 200 / args.replicates;
    const what = scale === 1 ? "" : ` (measured ${args.replicates}, scaled by ${scale.toFixed(2)})`;
    console.log(`- 200 bootstrap replicates <= 240 s${what}: wall ${(boot.wall * scale).toFixed(1)} s, CPU ${(boot.cpu * scale).toFixed(1)} s -> ${verdict(boot.wall * scale, boot.cpu * scale, 240)}`);
  }
}

main();
