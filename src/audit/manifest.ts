/**
 * The run manifest (issue 7, item 1): for any number in any output, which inputs, settings, code and
 * environment produced it.
 *
 * `manifest.json` holds: the git commit and whether the tree was clean; the full configuration; every
 * input file with SHA-256, size and row count; the versions of node, of every npm package installed
 * from the lockfile, of tslab, nbconvert, nbclient and the OS; per step its start, duration and peak
 * memory; per fit its convergence report.
 *
 * The manifest id is the SHA-256 (first 16 hex digits) of the canonical JSON of the manifest without
 * anything that is a time, a duration or a memory reading, and without the list of outputs (which carry
 * the id themselves), and without the fit-cache lookups (a fit read from the cache is the fit computed). Two runs of the same code on the same inputs with the same configuration in the
 * same environment therefore have the same id; every CSV table and figure is stamped with it.
 */
import { createHash } from "node:crypto";
import { createReadStream, existsSync, readFileSync, readdirSync, statSync, writeFileSync, renameSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { join, relative } from "node:path";
import { release, type as osType, arch } from "node:os";
import type { ConvergenceReport } from "../glmm/types";

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface ManifestInput {
  /** Path relative to the data folder. */
  readonly path: string;
  readonly sha256: string;
  readonly bytes: number;
  /** Data rows (lines after the header). */
  readonly rows: number;
}

export type StepKind = "generation" | "validation" | "transform" | "fit" | "notebook" | "report" | "other";

export interface ManifestStep {
  readonly name: string;
  readonly kind: StepKind;
  /** ISO time the step started (a timing: not part of the id). */
  readonly startedAt: string;
  readonly durationSeconds: number;
  /** Peak resident memory of the process that ran the step, bytes (a reading: not part of the id). */
  readonly peakRssBytes: number;
  readonly detail?: { readonly [key: string]: JsonValue };
}

export interface ManifestFit {
  readonly label: string;
  readonly formula: string;
  readonly nobs: number;
  readonly logLik: number;
  readonly convergence: ConvergenceReport;
  /** Timing: not part of the id. */
  readonly elapsedSeconds: number;
}

/**
 * One lookup in the fit cache: a hit (the fit was read back, not computed), a miss (computed, then
 * stored), or off (no cache in use). Like a timing, it says how a number was obtained, not what it is:
 * a hit gives the same bits as a fresh fit, so the events are not part of the manifest id.
 */
export interface ManifestFitCacheEvent {
  readonly label: string;
  readonly key: string;
  readonly status: "hit" | "miss" | "off";
  /** For a miss: why ("not in the cache", an unreadable entry); for a hit: when the entry was written. */
  readonly detail: string;
  /** Seconds the fit took when it was computed (for a hit: the time saved). */
  readonly fitSeconds: number;
}

export interface ManifestOutput {
  readonly path: string;
  readonly sha256: string;
  readonly bytes: number;
}

export interface ManifestEnvironment {
  readonly node: string;
  readonly os: string;
  readonly npmPackages: { readonly [name: string]: string };
  readonly tslab: string | null;
  readonly python: { readonly [module: string]: string };
}

export interface Manifest {
  readonly format: "kansen-mbo-manifest/1";
  readonly id: string;
  readonly createdAt: string;
  readonly git: { readonly commit: string | null; readonly clean: boolean | null; readonly changed: readonly string[] };
  readonly config: JsonValue;
  readonly inputs: readonly ManifestInput[];
  readonly environment: ManifestEnvironment;
  readonly steps: readonly ManifestStep[];
  readonly fits: readonly ManifestFit[];
  /** Fit-cache lookups of the run, in order (absent in manifests written before the fit cache). */
  readonly fitCache?: readonly ManifestFitCacheEvent[];
  readonly outputs: readonly ManifestOutput[];
}

/** SHA-256, size and data-row count of a file, streamed (the raw wide file is hundreds of MB). */
export async function describeInputFile(path: string, root: string): Promise<ManifestInput> {
  const hash = createHash("sha256");
  let bytes = 0;
  let newlines = 0;
  let lastByte = -1;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    bytes += chunk.length;
    for (let i = 0; i < chunk.length; i++) if (chunk[i] === 10) newlines++;
    if (chunk.length > 0) lastByte = chunk[chunk.length - 1] ?? -1;
  }
  const lines = newlines + (bytes > 0 && lastByte !== 10 ? 1 : 0);
  return { path: relative(root, path), sha256: hash.digest("hex"), bytes, rows: Math.max(0, lines - 1) };
}

/** Every CSV file in a data folder, sorted by name. */
export async function describeInputFolder(dir: string): Promise<ManifestInput[]> {
  const files = readdirSync(dir).filter((name) => name.endsWith(".csv")).sort();
  const out: ManifestInput[] = [];
  for (const name of files) out.push(await describeInputFile(join(dir, name), dir));
  return out;
}

/** The commit checked out and whether the tracked tree differs from it. */
export function gitState(repoDir: string): Manifest["git"] {
  try {
    const commit = execFileSync("git", ["rev-parse", "HEAD"], { cwd: repoDir, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    const status = execFileSync("git", ["status", "--porcelain", "--untracked-files=no"], { cwd: repoDir, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    const changed = status.split("\n").map((l) => l.slice(3).trim()).filter((l) => l.length > 0).sort();
    return { commit, clean: changed.length === 0, changed };
  } catch {
    return { commit: null, clean: null, changed: [] };
  }
}

function osDescription(): string {
  let pretty = "";
  try {
    const text = readFileSync("/etc/os-release", "utf8");
    pretty = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(text)?.[1] ?? "";
  } catch {
    /* not Linux */
  }
  return `${pretty ? pretty + "; " : ""}${osType()} ${release()} ${arch()}`;
}

/** Versions of every package the lockfile installed (name -> version), sorted by name. */
export function npmPackageVersions(repoDir: string): { [name: string]: string } {
  const lockPath = join(repoDir, "package-lock.json");
  if (!existsSync(lockPath)) return {};
  const lock = JSON.parse(readFileSync(lockPath, "utf8")) as { packages?: { [path: string]: { version?: string } } };
  const out: { [name: string]: string } = {};
  for (const [path, entry] of Object.entries(lock.packages ?? {})) {
    if (!path.startsWith("node_modules/") || entry.version === undefined) continue;
    out[path.slice("node_modules/".length)] = entry.version;
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Versions of the Jupyter side (nbclient, nbconvert, jupyter_client, ipykernel, Python) from /usr/bin/python3. */
export function pythonVersions(python = "/usr/bin/python3"): { [module: string]: string } {
  const code = [
    "import json, sys, importlib",
    "out = {'python': sys.version.split()[0]}",
    "for m in ['nbclient', 'nbconvert', 'nbformat', 'jupyter_client', 'ipykernel']:",
    "    try: out[m] = importlib.import_module(m).__version__",
    "    except Exception as e: out[m] = 'not installed'",
    "print(json.dumps(out, sort_keys=True))",
  ].join("\n");
  try {
    return JSON.parse(execFileSync(python, ["-c", code], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] })) as { [m: string]: string };
  } catch {
    return { python: "not found" };
  }
}

export function environmentVersions(repoDir: string): ManifestEnvironment {
  const npmPackages = npmPackageVersions(repoDir);
  return {
    node: process.version,
    os: osDescription(),
    npmPackages,
    tslab: npmPackages["tslab"] ?? null,
    python: pythonVersions(),
  };
}

/** Canonical JSON: object keys sorted at every level, so equal content hashes equally. */
export function canonicalJson(value: JsonValue): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k] as JsonValue)}`).join(",")}}`;
}

/** Round-trip through JSON so typed objects (and NaN/Infinity -> null) become plain JSON values. */
export function toJsonValue(value: unknown): JsonValue {
  return JSON.parse(JSON.stringify(value)) as JsonValue;
}

/**
 * Configuration keys that say where files are, not what they hold: the output and cache folders, and
 * the path of a real-data folder (its files are identified by their SHA-256 under `inputs`). The manifest
 * records them; the id leaves them out, so the same analysis written to another folder has the same id.
 */
export const LOCATION_KEYS: readonly (readonly string[])[] = [["outDir"], ["cacheDir"], ["data", "path"]];

function withoutLocations(config: JsonValue): JsonValue {
  const copy = toJsonValue(config);
  for (const path of LOCATION_KEYS) {
    let node: JsonValue = copy;
    for (let i = 0; i < path.length - 1 && node !== null && typeof node === "object" && !Array.isArray(node); i++) node = node[path[i]!] ?? null;
    if (node !== null && typeof node === "object" && !Array.isArray(node)) delete node[path[path.length - 1]!];
  }
  return copy;
}

/** The part of a manifest that identifies a run: everything but times, durations, memory, locations and outputs. */
export function manifestIdentity(manifest: Omit<Manifest, "id">): JsonValue {
  return toJsonValue({
    format: manifest.format,
    git: manifest.git,
    config: withoutLocations(manifest.config),
    inputs: manifest.inputs,
    environment: manifest.environment,
    steps: manifest.steps.map((s) => ({ name: s.name, kind: s.kind, detail: s.detail ?? null })),
    fits: manifest.fits.map((f) => ({ label: f.label, formula: f.formula, nobs: f.nobs, logLik: f.logLik, convergence: f.convergence })),
  });
}

export function manifestId(manifest: Omit<Manifest, "id">): string {
  return createHash("sha256").update(canonicalJson(manifestIdentity(manifest))).digest("hex").slice(0, 16);
}

/** Write a JSON file atomically (temp name + rename), so a reader never sees half of it. */
export function writeJsonAtomic(path: string, value: unknown): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(value, null, 2) + "\n");
  renameSync(tmp, path);
}

/** SHA-256 and size of every file under `dir` (recursively), paths relative to `dir`, sorted. */
export function describeOutputs(dir: string, skip: (relPath: string) => boolean = () => false): ManifestOutput[] {
  const out: ManifestOutput[] = [];
  const walk = (sub: string): void => {
    for (const name of readdirSync(join(dir, sub)).sort()) {
      const rel = sub ? `${sub}/${name}` : name;
      const full = join(dir, rel);
      if (statSync(full).isDirectory()) walk(rel);
      else if (!skip(rel)) {
        const data = readFileSync(full);
        out.push({ path: rel, sha256: createHash("sha256").update(data).digest("hex"), bytes: data.length });
      }
    }
  };
  walk("");
  return out;
}
