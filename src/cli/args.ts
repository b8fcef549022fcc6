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
  --threads 1|2             threads for the passes over the rows (default 2 from 20,000 rows on;
                            the result is the same bit for bit either way)
  --ame published|discrete  convention of the average marginal effects in --json (default published:
                            mean derivative, dummies as numeric, as bijlage 3b; discrete: level vs reference)
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
}

export type GlmmArguments = FitArguments | { readonly command: "help" };

const VALUE_FLAGS = new Set(["--data", "--formula", "--reference", "--factor", "--se", "--max-iterations", "--threads", "--ame"]);
const SWITCHES = new Set(["--json", "--progress", "--help"]);

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
  };
}
