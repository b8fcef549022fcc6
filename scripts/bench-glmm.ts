/**
 * Benchmark of the GLMM solver on model-2-shaped data (issue 3): 21 fixed effects, a correlated random
 * intercept and non-western slope per location, a random intercept per institution.
 *
 * For each n it simulates the data (seeded, src/glmm/simulate.ts), writes the CSV, fits it with this
 * solver and -- in the same run, on the same CSV -- with R (scripts/r/fit-glmer.R): lme4 fast
 * (nloptwrap, no Hessian), glmmTMB and, if asked, lme4 with its default control (slow: ~13 minutes at
 * 100k rows). It prints time, logLik, max|grad|, convergence and the time ratios, and optionally how
 * this solver's time grows with n and with the number of locations.
 *
 * This solver runs its O(n) passes on two threads (src/glmm/row-engine.ts) unless --threads 1;
 * --one-thread-too fits each data set a second time on one thread, to show what the second thread
 * buys (the numbers are the same bit for bit). The targets (100,000 rows in 3 s, 400,000 in
 * 10 s, at least 100x lme4) are checked against the measured times at the end.
 *
 * Usage: npm run bench-glmm -- [--n 100000,400000] [--locations 571] [--institutions 62] [--seed 1]
 *          [--engines lme4-fast,glmmTMB] [--lme4-default] [--skip-r] [--scaling] [--threads 2]
 *          [--one-thread-too] [--out DIR] [--help]
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join, resolve } from "node:path";
import { spawnSync } from "node:child_process";
import { model2Spec, simulateGlmm } from "../src/glmm/simulate";
import { fitDesign } from "../src/glmm/fit";
import type { GlmmDesign } from "../src/model/types";

interface Args {
  n: number[];
  locations: number;
  institutions: number;
  seed: number;
  engines: string[];
  skipR: boolean;
  scaling: boolean;
  threads: number;
  oneThreadToo: boolean;
  out: string;
}

const USAGE = `Benchmark of the GLMM solver against lme4 and glmmTMB on model-2-shaped data (21 fixed effects,
(1 + non-western | location) + (1 | institution)), simulated, written to CSV and fitted by each engine in
the same run; prints the times, logLik, convergence, the time ratios and the machine load.

usage: npm run bench-glmm -- [options]
  --n 100000,400000        row counts to fit (default 100000,400000)
  --locations 571          locations (default 571);  --institutions 62 (default 62)
  --seed N                 simulation seed (default 20260302)
  --engines a,b            R engines: lme4-fast (nloptwrap, no Hessian), glmmTMB, lme4 (default lme4-fast,glmmTMB)
  --lme4-default           also lme4 with its default control (slow: ~13 minutes at 100,000 rows)
  --skip-r                 this solver only
  --threads N              threads of this solver's row passes (default 2); --one-thread-too fits again on one
  --scaling                also how this solver's time grows with n and with the number of locations
  --out DIR                where the CSVs and R's JSON go (default /tmp/bench-glmm)
  --help                   this text`;

function parseArgs(argv: string[]): Args {
  const a: Args = {
    n: [100000, 400000],
    locations: 571,
    institutions: 62,
    seed: 20260302,
    engines: ["lme4-fast", "glmmTMB"],
    skipR: false,
    scaling: false,
    threads: 2,
    oneThreadToo: false,
    out: "/tmp/bench-glmm",
  };
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`bench-glmm: ${key} needs a value`);
      return v;
    };
    const int = (v: string): number => {
      const x = Number(v);
      if (!Number.isInteger(x) || x <= 0) throw new Error(`bench-glmm: ${key} wants a positive integer, got "${v}"`);
      return x;
    };
    if (key === "--help" || key === "-h") {
      console.log(USAGE);
      process.exit(0);
    } else if (key === "--n") a.n = value().split(",").map(int);
    else if (key === "--locations") a.locations = int(value());
    else if (key === "--institutions") a.institutions = int(value());
    else if (key === "--seed") a.seed = int(value());
    else if (key === "--engines") a.engines = value().split(",").filter((e) => e !== "");
    else if (key === "--lme4-default") a.engines = ["lme4", ...a.engines.filter((e) => e !== "lme4")];
    else if (key === "--skip-r") a.skipR = true;
    else if (key === "--scaling") a.scaling = true;
    else if (key === "--threads") a.threads = int(value());
    else if (key === "--one-thread-too") a.oneThreadToo = true;
    else if (key === "--out") a.out = value();
    else throw new Error(`bench-glmm: unknown flag ${key}`);
  }
  for (const e of a.engines) {
    if (!["lme4", "lme4-fast", "glmmTMB"].includes(e)) throw new Error(`bench-glmm: unknown engine ${e} (lme4, lme4-fast, glmmTMB)`);
  }
  return a;
}

interface Row {
  engine: string;
  n: number;
  seconds: number;
  logLik: number;
  maxGrad: number;
  converged: boolean;
  note: string;
}

/** The design's columns as a CSV the CLI and R read alike (also used by bench-cli.ts). */
export function writeCsv(design: GlmmDesign, path: string): void {
  const names = design.fixed.names.slice(1);
  const cols = design.fixed.columns.slice(1);
  const loc = design.random[0];
  const inst = design.random[1];
  const lines: string[] = [["y", ...names, loc.group, inst.group].join(",")];
  for (let i = 0; i < design.nobs; i++) {
    const parts: string[] = [String(design.response.successes[i])];
    for (const c of cols) parts.push(String(c[i]));
    parts.push(loc.levels[loc.index[i]], inst.levels[inst.index[i]]);
    lines.push(parts.join(","));
  }
  writeFileSync(path, lines.join("\n") + "\n");
}

function fitOurs(design: GlmmDesign, n: number, threads: number, truth?: Float64Array): Row {
  // CPU time of the process (both threads) as well as wall time: on a machine busy with other work,
  // wall time grows and CPU time tells how much work the fit was.
  const cpu0 = process.cpuUsage();
  const fit = fitDesign(design, { threads });
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const c = fit.convergence;
  // Parameter recovery at full n: how many true fixed effects lie within 2 SE of the estimate.
  let recovery = "";
  if (truth) {
    let inside = 0;
    truth.forEach((b, j) => {
      if (Math.abs(fit.beta[j] - b) <= 2 * fit.se[j]) inside++;
    });
    recovery = `; truth within 2 SE for ${inside}/${truth.length} fixed effects`;
  }
  return {
    engine: fit.threads === 1 ? "kansen-mbo (1 thread)" : "kansen-mbo",
    n,
    seconds: fit.elapsedSeconds,
    logLik: fit.logLik,
    maxGrad: c.maxAbsGradient,
    converged: c.converged,
    note: `${fit.threads} thread${fit.threads === 1 ? "" : "s"}, CPU ${cpuSeconds.toFixed(2)} s; iter ${c.iterations}, evals ${c.functionEvaluations}, scaled grad ${c.maxAbsScaledGradient.toExponential(1)}${recovery}`,
  };
}

function fitR(engine: string, csv: string, formula: string, n: number): Row {
  const script = resolve(__dirname, "r", "fit-glmer.R");
  const r = spawnSync("Rscript", [script, "--data", csv, "--formula", formula, "--engine", engine], {
    encoding: "utf8",
    maxBuffer: 1 << 26,
  });
  if (r.status !== 0) {
    return { engine, n, seconds: Number.NaN, logLik: Number.NaN, maxGrad: Number.NaN, converged: false, note: `Rscript failed: ${(r.stderr || r.error?.message || "").trim().slice(0, 200)}` };
  }
  const out = JSON.parse(r.stdout) as {
    converged: boolean;
    logLik: number;
    elapsedSeconds: number;
    diagnostics?: { maxAbsGradient?: number | null };
    messages?: string[];
  };
  return {
    engine,
    n,
    seconds: out.elapsedSeconds,
    logLik: out.logLik,
    maxGrad: out.diagnostics?.maxAbsGradient ?? Number.NaN,
    converged: out.converged,
    note: (out.messages ?? []).join("; ").replace(/\s+/g, " ").slice(0, 120),
  };
}

function fmt(x: number, digits: number): string {
  return Number.isFinite(x) ? x.toFixed(digits) : "-";
}

function printTable(rows: Row[]): void {
  const ours = new Map(rows.filter((r) => r.engine === "kansen-mbo").map((r) => [r.n, r]));
  console.log("\n| engine | n | seconds | logLik | logLik - ours | max abs grad | converged | ours faster by | note |");
  console.log("|---|---|---|---|---|---|---|---|---|");
  for (const r of rows) {
    const o = ours.get(r.n);
    const ratio = o && r.engine !== "kansen-mbo" ? `${fmt(r.seconds / o.seconds, 1)}x` : "";
    const dl = o && r.engine !== "kansen-mbo" ? fmt(r.logLik - o.logLik, 4) : "";
    console.log(`| ${r.engine} | ${r.n} | ${fmt(r.seconds, 2)} | ${fmt(r.logLik, 4)} | ${dl} | ${Number.isFinite(r.maxGrad) ? r.maxGrad.toExponential(2) : "-"} | ${r.converged} | ${ratio} | ${r.note} |`);
  }
}

/** The speed targets, judged on this run's numbers (only for the n and engines that ran). */
function printTargets(rows: Row[]): void {
  const limits = new Map([
    [100000, 3],
    [400000, 10],
  ]);
  const lines: string[] = [];
  for (const r of rows.filter((x) => x.engine === "kansen-mbo")) {
    const limit = limits.get(r.n);
    if (limit !== undefined) {
      const ok = r.converged && r.seconds <= limit;
      lines.push(`- ${r.n} rows in at most ${limit} s: ${r.seconds.toFixed(2)} s${r.converged ? "" : ", NOT CONVERGED"} -> ${ok ? "met" : "NOT met"}`);
    }
    for (const lme4 of rows.filter((x) => x.n === r.n && (x.engine === "lme4" || x.engine === "lme4-fast"))) {
      if (!Number.isFinite(lme4.seconds)) continue;
      const ratio = lme4.seconds / r.seconds;
      lines.push(`- at least 100x ${lme4.engine} at ${r.n} rows: ${ratio.toFixed(1)}x -> ${ratio >= 100 ? "met" : "NOT met"}`);
    }
  }
  if (lines.length > 0) console.log(`\nTargets (issue 3), this run:\n${lines.join("\n")}`);
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  mkdirSync(args.out, { recursive: true });
  const rows: Row[] = [];
  // Timings are only comparable on an idle machine: say how busy it was.
  console.log(`machine: ${cpus().length} cores, load average ${loadavg().map((v) => v.toFixed(1)).join(" ")}`);
  for (const n of args.n) {
    const sim = simulateGlmm(model2Spec(n, args.locations, args.institutions, args.seed));
    const csv = join(args.out, `model2-${n}.csv`);
    writeCsv(sim.design, csv);
    const before = process.resourceUsage().maxRSS;
    const ours = fitOurs(sim.design, n, args.threads, sim.truthBeta);
    rows.push(ours);
    console.log(`n = ${n}: ${ours.engine} ${ours.seconds.toFixed(2)} s, logLik ${ours.logLik.toFixed(4)}, converged ${ours.converged}, peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB (before the fit ${(before / 1024).toFixed(0)} MiB)`);
    if (args.oneThreadToo && args.threads !== 1) {
      const one = fitOurs(sim.design, n, 1, sim.truthBeta);
      rows.push(one);
      const same = one.logLik === ours.logLik ? "same logLik bit for bit" : `logLik differs by ${(one.logLik - ours.logLik).toExponential(2)}`;
      console.log(`n = ${n}: ${one.engine} ${one.seconds.toFixed(2)} s (${same})`);
    }
    if (!args.skipR) {
      for (const engine of args.engines) {
        console.log(`n = ${n}: running ${engine} ...`);
        const r = fitR(engine, csv, sim.design.formula, n);
        rows.push(r);
        console.log(`n = ${n}: ${engine} ${fmt(r.seconds, 2)} s, logLik ${fmt(r.logLik, 4)}, converged ${r.converged}`);
      }
    }
  }
  printTable(rows);
  console.log(`load average at the end: ${loadavg().map((v) => v.toFixed(1)).join(" ")}`);
  printTargets(rows);

  if (args.scaling) {
    console.log("\nGrowth with n (locations fixed):");
    console.log("| n | locations | seconds | seconds per 100k rows | note |\n|---|---|---|---|---|");
    for (const n of [25000, 50000, 100000, 200000, 400000]) {
      const sim = simulateGlmm(model2Spec(n, args.locations, args.institutions, args.seed));
      const r = fitOurs(sim.design, n, args.threads);
      console.log(`| ${n} | ${args.locations} | ${r.seconds.toFixed(2)} | ${((r.seconds * 1e5) / n).toFixed(2)} | ${r.note} |`);
    }
    console.log("\nGrowth with the number of locations (n = 100,000):");
    console.log("| n | locations | seconds | note |\n|---|---|---|---|");
    for (const locs of [150, 300, 571, 1200, 2500]) {
      const sim = simulateGlmm(model2Spec(100000, locs, Math.min(args.institutions, locs), args.seed));
      const r = fitOurs(sim.design, 100000, args.threads);
      console.log(`| 100000 | ${locs} | ${r.seconds.toFixed(2)} | ${r.note} |`);
    }
  }
}

if (require.main === module) main();
