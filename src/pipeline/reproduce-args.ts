/**
 * The reproduce command's flags: the same settings as the configuration file (src/config.ts), so that
 * `npm run reproduce -- --scale 0.1 --reference migratie=westers` and a KANSEN_CONFIG file mean the same.
 *
 * Precedence, lowest first: notebooks/config.json, the file in KANSEN_CONFIG, --config FILE, the flags.
 */
import { resolve } from "node:path";
import { CONFIG_ENV, DEFAULT_CONFIG_PATH, type KansenConfig, PROJECT_ROOT, mergeConfig, parseConfig, readJsonFile } from "../config";
import { NOTEBOOK_DIR } from "./notebooks";

export const REPRODUCE_USAGE = `usage: npm run reproduce -- [options]

Runs every notebook in notebooks/ in order on the tslab kernel and writes the executed notebooks, the
tables (CSV), the figures (HTML), manifest.json and one HTML report (report.html) to the outputs folder.

  --scale S               synthetic population at scale S (1 = the real population, the default)
  --seed N                seed of the synthetic population
  --data DIR              run on real DUO files in DIR instead (studenten.csv, vsv.csv, crebo.csv)
  --years 2020,2021       outcome years to model
  --outcomes doorstroom,vsv
  --reference F=LEVEL     reference category of factor F (repeatable), e.g. migratie=westers
  --out DIR               outputs folder (default: outputs/)
  --config FILE           a configuration file laid over notebooks/config.json
  --notebooks DIR         run the numbered notebooks of DIR instead of notebooks/
  --only PATTERN          run only the chapters whose name contains PATTERN (repeatable), e.g. 05 or modellen
  --no-cache              fit every model afresh: nothing fitted by an earlier run is read from the fit
                          cache (data/fit-cache/); the chapters of this run still share what it fits
  --cell-timeout SECONDS  longest a single cell may take (default 3600)
  --skip-setup            (scripts/reproduce.sh) do not run scripts/setup.sh first
  -h, --help              this text`;

export interface ReproduceOptions {
  readonly config: KansenConfig;
  /** Folder of the numbered notebooks (absolute). */
  readonly notebookDir: string;
  /** Substrings of notebook file names to run (empty: all). */
  readonly only: readonly string[];
  readonly cellTimeoutSeconds: number;
  /** --no-cache: a cold run (the fit cache of earlier runs is not read). */
  readonly noCache: boolean;
}

export class UsageError extends Error {
  constructor(message: string) {
    super(`${message}\n\n${REPRODUCE_USAGE}`);
    this.name = "UsageError";
  }
}

function listOf(value: string, flag: string, asNumber: boolean): (string | number)[] {
  const items = value.split(",").map((s) => s.trim()).filter((s) => s !== "");
  if (items.length === 0) throw new UsageError(`${flag} needs a comma-separated list`);
  return asNumber ? items.map((s) => (/^-?\d+$/.test(s) ? Number(s) : s)) : items;
}

/**
 * Parse the flags into a validated configuration. Returns "help" for -h/--help. Errors (an unknown
 * flag, a missing value) are UsageErrors; an invalid setting is the ConfigError of `parseConfig`,
 * naming the key the flag sets.
 */
export function parseReproduceArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): ReproduceOptions | "help" {
  const flags: { [key: string]: unknown } = {};
  const reference: { [factor: string]: string } = {};
  const only: string[] = [];
  let configFile: string | undefined;
  let notebookDir = NOTEBOOK_DIR;
  let cellTimeoutSeconds = 3600;
  let noCache = false;
  let scale: number | undefined;
  let seed: number | undefined;

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (arg === "-h" || arg === "--help") return "help";
    if (arg === "--skip-setup") continue;
    if (arg === "--no-cache") {
      noCache = true;
      continue;
    }
    const eq = arg.indexOf("=");
    const name = arg.startsWith("--") && eq > 0 && arg !== "--reference" ? arg.slice(0, eq) : arg;
    const inline = arg.startsWith("--") && eq > 0 ? arg.slice(eq + 1) : undefined;
    const takeValue = (): string => {
      if (inline !== undefined && name !== "--reference") return inline;
      const v = argv[++i];
      if (v === undefined || v.startsWith("--")) throw new UsageError(`${name} needs a value`);
      return v;
    };
    switch (name) {
      case "--scale": {
        const v = takeValue();
        scale = Number(v);
        if (v.trim() === "" || !Number.isFinite(scale)) throw new UsageError(`--scale needs a number, got "${v}"`);
        break;
      }
      case "--seed": {
        const v = takeValue();
        seed = Number(v);
        if (!/^\d+$/.test(v)) throw new UsageError(`--seed needs a non-negative integer, got "${v}"`);
        break;
      }
      case "--data":
        flags["data"] = { kind: "folder", path: takeValue() };
        break;
      case "--years":
        flags["years"] = listOf(takeValue(), "--years", true);
        break;
      case "--outcomes":
        flags["outcomes"] = listOf(takeValue(), "--outcomes", false);
        break;
      case "--out":
        flags["outDir"] = takeValue();
        break;
      case "--config":
        configFile = takeValue();
        break;
      case "--notebooks":
        notebookDir = resolve(PROJECT_ROOT, takeValue());
        break;
      case "--only":
        only.push(takeValue());
        break;
      case "--cell-timeout": {
        const v = takeValue();
        cellTimeoutSeconds = Number(v);
        if (!Number.isInteger(cellTimeoutSeconds) || cellTimeoutSeconds <= 0) throw new UsageError(`--cell-timeout needs a whole number of seconds, got "${v}"`);
        break;
      }
      default:
        if (arg.startsWith("--reference")) {
          const v = arg.startsWith("--reference=") ? arg.slice("--reference=".length) : argv[++i];
          const m = v === undefined ? null : /^([A-Za-z_]+)=(.+)$/.exec(v);
          if (!m) throw new UsageError(`--reference needs FACTOR=LEVEL, e.g. --reference migratie=westers, got "${v ?? ""}"`);
          reference[m[1] as string] = m[2] as string;
          break;
        }
        throw new UsageError(`unknown argument "${arg}"`);
    }
  }

  if ((scale !== undefined || seed !== undefined) && flags["data"] !== undefined) {
    throw new UsageError("--data (real files) cannot be combined with --scale or --seed (synthetic data)");
  }

  // Lay the layers over each other, lowest first.
  let merged = readJsonFile(DEFAULT_CONFIG_PATH) as { [key: string]: unknown };
  let origin = DEFAULT_CONFIG_PATH;
  const envFile = env[CONFIG_ENV];
  for (const file of [envFile && envFile.trim() !== "" ? envFile : undefined, configFile]) {
    if (file === undefined) continue;
    merged = mergeConfig(merged, readJsonFile(file) as { [key: string]: unknown });
    origin = `${file} (over ${origin})`;
  }
  if (scale !== undefined || seed !== undefined) {
    const current = merged["data"] as { kind?: unknown; scale?: unknown; seed?: unknown } | undefined;
    const base = current && current.kind === "synthetic" ? current : { kind: "synthetic", scale: 1, seed: 20240214 };
    flags["data"] = { kind: "synthetic", scale: scale ?? base.scale, seed: seed ?? base.seed };
  }
  if (Object.keys(reference).length > 0) flags["reference"] = reference;
  merged = mergeConfig(merged, flags);
  const config = parseConfig(merged, Object.keys(flags).length > 0 ? `the command-line flags over ${origin}` : origin);
  return { config, notebookDir, only, cellTimeoutSeconds, noCache };
}
