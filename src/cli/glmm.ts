/**
 * The `glmm` command: fit a binomial-logit GLMM to a CSV file from the shell.
 *
 *   npm run --silent glmm -- fit --data FILE.csv --formula "y ~ x + (1 + x | loc) + (1 | inst)" [--json]
 *        [--profile [all]] [--bootstrap N --seed S [--bootstrap-file FILE]]
 *
 * Pipeline: read the CSV (src/data/csv.ts) -> buildDesign (src/model/design.ts) -> fitDesign
 * (src/glmm/fit.ts) -> with --profile / --bootstrap the intervals (src/inference) -> print the JSON
 * object (fitJson.ts) or the lme4-style summary (summary.ts).
 * stdout carries only the result; errors (naming file, row, column or term) and, with --progress,
 * progress go to stderr. Exit status: 0 fitted (converged or not: the output says which), 1 the data,
 * formula or fit failed, 2 the command line is wrong.
 */
import { CsvError, readCsvTable } from "../data/csv";
import { fitDesign } from "../glmm/fit";
import { buildDesign, DesignError, designMessages } from "../model/design";
import { FormulaError, formulaColumns, parseFormula } from "../model/formula";
import { parseGlmmArgs, USAGE, UsageError, type FitArguments } from "./args";
import { fitToJson, fitWarnings, type IntervalRuns } from "./fitJson";

export interface CliOutput {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

const processOutput: CliOutput = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

function seconds(since: number): string {
  return ((performance.now() - since) / 1000).toFixed(2);
}

/** The input file cannot be fitted as it is; the message names the file and says why. */
class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InputError";
  }
}

/** Runs `fit`; throws the error types that `runGlmm` turns into messages. */
function fit(args: FitArguments, out: CliOutput): void {
  const progress = args.progress ? (message: string) => out.stderr(`glmm: ${message}\n`) : undefined;
  // Parse first: a bad formula is reported before a large file is read.
  const parsed = parseFormula(args.formula);
  let started = performance.now();
  const textColumns = [...new Set([...args.factors, ...Object.keys(args.reference)])];
  // The reader names an empty file, another delimiter and an unterminated quote itself (CsvError).
  const { columns, nrows, header } = readCsvTable(args.data, { missingValues: ["", "NA"], stringColumns: textColumns.filter((c) => c !== "") });
  progress?.(`read ${nrows} rows x ${header.length} columns from ${args.data} in ${seconds(started)} s`);
  if (nrows === 0) throw new InputError(`${args.data} has no data rows (only the header: ${header.join(", ")})`);
  for (const name of formulaColumns(parsed)) {
    if (!header.includes(name)) {
      throw new DesignError(`unknown column '${name}' in the formula; ${args.data} has the columns: ${header.join(", ")}`, {
        column: name,
      });
    }
  }
  started = performance.now();
  const design = buildDesign(parsed, columns, { reference: args.reference });
  progress?.(
    `design: ${design.nobs} observations, ${design.fixed.names.length} fixed effects, ` +
      `${design.random.map((t) => `(${t.terms.join(" + ")} | ${t.group}: ${t.levels.length} levels)`).join(", ")} in ${seconds(started)} s`,
  );
  for (const note of designMessages(design)) progress?.(note);
  const result = fitDesign(design, {
    se: args.se,
    ...(progress !== undefined ? { onProgress: progress } : {}),
    ...(args.maxIterations !== undefined ? { maxIterations: args.maxIterations } : {}),
    ...(args.threads !== undefined ? { threads: args.threads } : {}),
  });
  progress?.(`fit ${result.convergence.converged ? "converged" : "DID NOT CONVERGE"} in ${result.elapsedSeconds.toFixed(2)} s`);
  // What lme4 would print as a message or warning goes to stderr as well, so a user of --json sees it.
  for (const warning of fitWarnings(result)) out.stderr(`glmm fit: warning: ${args.data}: ${warning}\n`);
  const runs = intervalRuns(result, args, progress);
  if (args.json) {
    out.stdout(JSON.stringify(fitToJson(result, { ame: args.ame ?? "published", ameRandomEffects: args.ameRandomEffects ?? "included" }, runs), null, 2) + "\n");
  } else {
    // The readable summary (and the normal distribution of its p-values) loads only when asked for.
    const { formatSummary } = require("./summary") as typeof import("./summary");
    out.stdout(formatSummary(result, args.data, [...(runs.profile?.intervals ?? []), ...(runs.bootstrap?.intervals ?? [])]));
  }
}

/** --profile and --bootstrap: the intervals of the fit (src/inference). */
function intervalRuns(fit: ReturnType<typeof fitDesign>, args: FitArguments, progress: ((message: string) => void) | undefined): IntervalRuns {
  const level = args.level ?? 0.95;
  // src/inference loads only for --profile or --bootstrap: a plain fit does not pay for it at start-up.
  let started = performance.now();
  const profile = args.profile
    ? (require("../inference/profile") as typeof import("../inference/profile")).profileFit(fit, { parameters: args.profile, level, ...(args.threads !== undefined ? { threads: args.threads } : {}), ...(progress ? { onProgress: progress } : {}) })
    : undefined;
  if (profile) progress?.(`profile: ${profile.profiles.length} parameter(s) in ${seconds(started)} s`);
  started = performance.now();
  let bootstrap: IntervalRuns["bootstrap"];
  if (args.bootstrap !== undefined && args.seed !== undefined) {
    const { parametricBootstrap } = require("../inference/bootstrap") as typeof import("../inference/bootstrap");
    const result = parametricBootstrap(fit, {
      replicates: args.bootstrap,
      seed: args.seed,
      ameConvention: args.ame ?? "published",
      ...(args.bootstrapFile !== undefined ? { file: args.bootstrapFile } : {}),
      ...(args.threads !== undefined ? { threads: args.threads, concurrency: args.threads === 1 ? 1 : "auto" } : {}),
      ...(progress ? { onProgress: progress } : {}),
    });
    progress?.(`bootstrap: ${result.counts.replicates} replicates (${result.computed} computed, ${result.reused} read) in ${seconds(started)} s`);
    bootstrap = { result, intervals: result.intervals({ level, type: args.bootstrapType ?? "percentile" }), file: args.bootstrapFile ?? null };
  }
  return { ...(profile ? { profile } : {}), ...(bootstrap ? { bootstrap } : {}) };
}

function describeDesignError(e: DesignError, file: string): string {
  // Data row r (1-based, as the design reports it) is line r + 1 of the file, the header being line 1.
  const where = e.detail.row !== undefined ? ` line ${e.detail.row + 2}` : "";
  return `${file}${where}: ${e.message}`;
}

/** Runs the command line; returns the exit status. Never throws. */
export function runGlmm(argv: readonly string[], out: CliOutput = processOutput): number {
  let args;
  try {
    args = parseGlmmArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      out.stderr(`glmm: ${e.message}\n\n${USAGE}\n`);
      return 2;
    }
    throw e;
  }
  if (args.command === "help") {
    out.stdout(`${USAGE}\n`);
    return 0;
  }
  try {
    fit(args, out);
    return 0;
  } catch (e) {
    if (e instanceof FormulaError) out.stderr(`glmm fit: bad --formula: ${e.message}\n`);
    else if (e instanceof DesignError) out.stderr(`glmm fit: ${describeDesignError(e, args.data)}\n`);
    else if (e instanceof CsvError || e instanceof InputError) out.stderr(`glmm fit: ${e.message}\n`);
    else {
      const message = e instanceof Error ? e.message : String(e);
      out.stderr(`glmm fit: the fit of '${args.formula}' to ${args.data} failed: ${message}\n`);
    }
    return 1;
  }
}

if (require.main === module) {
  process.exitCode = runGlmm(process.argv.slice(2));
}
