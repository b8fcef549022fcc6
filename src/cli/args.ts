/**
 * Command-line arguments of `glmm`. Flags take their value as the next argument or after '='
 * (`--se rx`, `--se=rx`); `--reference` and `--factor` may be repeated and take several values.
 */

export const USAGE = `usage: npm run --silent glmm -- fit --data FILE.csv --formula "y ~ x + (1 | g)" [options]

Fits a binomial-logit mixed model (Laplace approximation, as lme4's glmer) to a CSV file.

options:
  --data FILE.csv           the data: header row, comma separated; empty fields and NA are missing
  --formula "..."           lme4 formula: y ~ a + b + (1 + x | g) + (1 | h); cbind(s, f) ~ ... for counts
  --json                    print one JSON object on stdout instead of the readable summary
  --reference col=level     reference level of a factor (repeatable; also --reference a=1 b=2)
  --factor col[,col...]     read these columns as text (factors) even if they hold numbers;
                            columns named in --reference are read as text anyway
  --se hessian|rx           standard errors from the Hessian (default, as lme4 1.1-31) or from RX
  --max-iterations N        optimiser iteration limit
  --threads 1|2             threads for the passes over the rows (2: from 20,000 rows on; default:
                            two where the second pays, from 50,000 rows with a core free for it;
                            the result is the same bit for bit either way)
  --ame published|discrete  convention of the average marginal effects in --json (default published:
                            mean derivative, dummies as numeric, as bijlage 3b; discrete: level vs reference)
  --ame-random-effects included|excluded|integrated
                            the AMEs conditional on the estimated group effects (default, as bijlage 3b),
                            at zero random effects, or integrated over the fitted random-effect distribution
  --profile [variance|all]  profile-likelihood intervals (lme4's confint(method = "profile")) for the SDs
                            and correlations; "all" adds the fixed effects
  --bootstrap N             parametric bootstrap with N replicates (lme4's bootMer, use.u = FALSE):
                            percentile intervals for the SDs, correlations, fixed effects, ICC, R2, AMEs
  --seed S                  seed of the bootstrap (required with --bootstrap; 0 to 4294967295)
  --bootstrap-file FILE     keep the replicates in FILE; a later run with the same data, formula and seed
                            reads them and computes only the missing ones
  --bootstrap-type percentile|basic|normal
                            the bootstrap intervals (default percentile, as boot.ci's "perc")
  --level L                 confidence level of the intervals (default 0.95)
  --progress                report progress on stderr
  --help                    this text`;

/** A command line that cannot be run; the message says what is wrong. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

export interface FitArguments {
  readonly command: "fit";
  readonly data: string;
  readonly formula: string;
  readonly json: boolean;
  readonly reference: Readonly<Record<string, string>>;
  readonly factors: readonly string[];
  readonly se: "hessian" | "rx";
  readonly progress: boolean;
  readonly maxIterations?: number;
  /** Threads for the row passes (absent: the solver's default). */
  readonly threads?: number;
  /** AME convention for --json (absent: published). */
  readonly ame?: "published" | "discrete";
  /** AME random-effects convention (absent: included). */
  readonly ameRandomEffects?: "included" | "excluded" | "integrated";
  /** Profile intervals: the variance parameters, or all parameters. */
  readonly profile?: "variance" | "all";
  /** Bootstrap replicates and seed (both or neither), the replicate file, the interval type. */
  readonly bootstrap?: number;
  readonly seed?: number;
  readonly bootstrapFile?: string;
  readonly bootstrapType?: "percentile" | "basic" | "normal";
  /** Confidence level of the intervals (absent: 0.95). */
  readonly level?: number;
}

export type GlmmArguments = FitArguments | { readonly command: "help" };

const VALUE_FLAGS = new Set([
  "--data",
  "--formula",
  "--reference",
  "--factor",
  "--se",
  "--max-iterations",
  "--threads",
  "--ame",
  "--ame-random-effects",
  "--bootstrap",
  "--seed",
  "--bootstrap-file",
  "--bootstrap-type",
  "--level",
]);
const SWITCHES = new Set(["--json", "--progress", "--help"]);
/** Flags whose value may be left out: --profile alone means --profile variance. */
const OPTIONAL_VALUE_FLAGS = new Map([["--profile", ["variance", "all"]]]);

function parseReference(text: string, into: Record<string, string>): void {
  const eq = text.indexOf("=");
  if (eq <= 0 || eq === text.length - 1) {
    throw new UsageError(`--reference expects col=level (e.g. niveau=3), got '${text}'`);
  }
  const column = text.slice(0, eq);
  const level = text.slice(eq + 1);
  if (into[column] !== undefined && into[column] !== level) {
    throw new UsageError(`--reference gives two levels for '${column}': '${into[column]}' and '${level}'`);
  }
  into[column] = level;
}

export function parseGlmmArgs(argv: readonly string[]): GlmmArguments {
  if (argv.length === 0) throw new UsageError("no command given; the command is 'fit'");
  if (argv.includes("--help") || argv.includes("-h") || argv[0] === "help") return { command: "help" };
  const [command, ...rest] = argv;
  if (command !== "fit") throw new UsageError(`unknown command '${command}'; the command is 'fit'`);

  const values = new Map<string, string>();
  const reference: Record<string, string> = {};
  const factors: string[] = [];
  const switches = new Set<string>();
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    if (SWITCHES.has(flag)) {
      if (eq > 0) throw new UsageError(`${flag} takes no value`);
      switches.add(flag);
      continue;
    }
    const choices = OPTIONAL_VALUE_FLAGS.get(flag);
    if (choices) {
      let value = choices[0];
      if (eq > 0) value = arg.slice(eq + 1);
      else if (i + 1 < rest.length && choices.includes(rest[i + 1])) value = rest[++i];
      if (!choices.includes(value)) throw new UsageError(`${flag} takes ${choices.join(" or ")}, got '${value}'`);
      if (values.has(flag)) throw new UsageError(`${flag} given twice`);
      values.set(flag, value);
      continue;
    }
    if (!VALUE_FLAGS.has(flag)) {
      throw new UsageError(arg.startsWith("-") ? `unknown option '${flag}'` : `unexpected argument '${arg}' (options start with --)`);
    }
    let value: string;
    if (eq > 0) value = arg.slice(eq + 1);
    else {
      if (i + 1 >= rest.length || rest[i + 1].startsWith("--")) throw new UsageError(`${flag} needs a value`);
      value = rest[++i];
    }
    if (flag === "--reference" || flag === "--factor") {
      const items = [value];
      // Further values up to the next option: --reference a=1 b=2, --factor a b
      while (eq < 0 && i + 1 < rest.length && !rest[i + 1].startsWith("--")) items.push(rest[++i]);
      for (const item of items) {
        if (flag === "--reference") parseReference(item, reference);
        else factors.push(...item.split(",").filter((s) => s !== ""));
      }
      continue;
    }
    if (values.has(flag)) throw new UsageError(`${flag} given twice`);
    values.set(flag, value);
  }

  const data = values.get("--data");
  const formula = values.get("--formula");
  if (data === undefined || data === "") throw new UsageError("--data FILE.csv is required");
  if (formula === undefined || formula.trim() === "") throw new UsageError('--formula "y ~ ..." is required');
  const se = values.get("--se") ?? "hessian";
  if (se !== "hessian" && se !== "rx") throw new UsageError(`--se must be 'hessian' or 'rx', got '${se}'`);
  const maxText = values.get("--max-iterations");
  let maxIterations: number | undefined;
  if (maxText !== undefined) {
    maxIterations = Number(maxText);
    if (!Number.isInteger(maxIterations) || maxIterations < 1) {
      throw new UsageError(`--max-iterations must be a positive whole number, got '${maxText}'`);
    }
  }
  const threadsText = values.get("--threads");
  let threads: number | undefined;
  if (threadsText !== undefined) {
    threads = Number(threadsText);
    if (threads !== 1 && threads !== 2) throw new UsageError(`--threads must be 1 or 2, got '${threadsText}'`);
  }
  const ame = values.get("--ame");
  if (ame !== undefined && ame !== "published" && ame !== "discrete") {
    throw new UsageError(`--ame must be 'published' or 'discrete', got '${ame}'`);
  }
  const ameRandomEffects = values.get("--ame-random-effects");
  if (ameRandomEffects !== undefined && ameRandomEffects !== "included" && ameRandomEffects !== "excluded" && ameRandomEffects !== "integrated") {
    throw new UsageError(`--ame-random-effects must be 'included', 'excluded' or 'integrated', got '${ameRandomEffects}'`);
  }
  const profile = values.get("--profile") as "variance" | "all" | undefined;
  const wholeNumber = (flag: string, min: number, max: number): number | undefined => {
    const text = values.get(flag);
    if (text === undefined) return undefined;
    const v = Number(text);
    if (text.trim() === "" || !Number.isInteger(v) || v < min || v > max) throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, got '${text}'`);
    return v;
  };
  const bootstrap = wholeNumber("--bootstrap", 1, 1_000_000);
  const seed = wholeNumber("--seed", 0, 0xffffffff);
  if (bootstrap !== undefined && seed === undefined) throw new UsageError("--bootstrap N needs --seed S: the replicates are drawn from that seed, so a run can be repeated and extended");
  const bootstrapFile = values.get("--bootstrap-file");
  const bootstrapType = values.get("--bootstrap-type");
  if (bootstrapType !== undefined && bootstrapType !== "percentile" && bootstrapType !== "basic" && bootstrapType !== "normal") {
    throw new UsageError(`--bootstrap-type must be 'percentile', 'basic' or 'normal', got '${bootstrapType}'`);
  }
  for (const [flag, given] of [["--seed", seed], ["--bootstrap-file", bootstrapFile], ["--bootstrap-type", bootstrapType]] as const) {
    if (given !== undefined && bootstrap === undefined) throw new UsageError(`${flag} needs --bootstrap N`);
  }
  const levelText = values.get("--level");
  let level: number | undefined;
  if (levelText !== undefined) {
    level = Number(levelText);
    if (levelText.trim() === "" || !(level > 0 && level < 1)) throw new UsageError(`--level must be a number strictly between 0 and 1, got '${levelText}'`);
    if (profile === undefined && bootstrap === undefined) throw new UsageError("--level needs --profile or --bootstrap N");
  }
  return {
    command: "fit",
    data,
    formula,
    json: switches.has("--json"),
    reference,
    factors,
    se,
    progress: switches.has("--progress"),
    ...(maxIterations !== undefined ? { maxIterations } : {}),
    ...(threads !== undefined ? { threads } : {}),
    ...(ame !== undefined ? { ame } : {}),
    ...(ameRandomEffects !== undefined ? { ameRandomEffects } : {}),
    ...(profile !== undefined ? { profile } : {}),
    ...(bootstrap !== undefined ? { bootstrap, seed } : {}),
    ...(bootstrapFile !== undefined ? { bootstrapFile } : {}),
    ...(bootstrapType !== undefined ? { bootstrapType } : {}),
    ...(level !== undefined ? { level } : {}),
  };
}
