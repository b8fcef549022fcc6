/**
 * A cache of fitted models keyed by content, so that rerunning a chapter after a prose edit, or a later
 * chapter that needs model 2 again (chapter 7), reuses every fit whose inputs did not change.
 *
 * The key is the SHA-256 of the canonical JSON of everything a fit depends on:
 *   data     the content of every column the formula uses (values, not file times), and the row count;
 *   formula  the lme4 formula as written;
 *   design   the design options: the reference level of each factor the formula uses, the rank tolerance;
 *   control  the solver's settings: the SE method, the control object with every tolerance and limit
 *            (src/glmm/control.ts, resolved to its full form, so a default written out is the same key),
 *            and a warm start, held theta or offset when given (their values hashed); not the thread
 *            count, which gives the same bits by construction (environment.md);
 *   solver   a hash of the code that builds designs and fits them (the modules of src/model and
 *            src/glmm as they are loaded: the compiled .js from dist/ in a notebook, the .ts under tsx).
 * Change any of them and the key changes, so a stale fit is never read; nothing is invalidated by hand.
 *
 * An entry is a folder `<dir>/<key>/` written under a temporary name and renamed into place when
 * complete: `fit.json` (the fit without its design: every number, the convergence report, and the key's
 * parts, so a reader can see why two fits differ) and `arrays.f64` (every Float64Array of the fit, raw
 * little-endian bytes as the platform holds them). The design is not stored: it is rebuilt from the
 * frame (a fraction of a second) and the fit is checked against it on reading. Numbers go through JSON
 * exactly (JavaScript writes the shortest text that reads back to the same double); -0, NaN and the
 * infinities, which JSON cannot hold, are written as tagged strings. So a fit read back is the fit that
 * was written, bit for bit, and every table computed from it is too (test/pipeline/fit-cache.test.ts).
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { glmmControl } from "../glmm/control";
import type { GlmmFit, GlmmOptions } from "../glmm/types";
import { formulaColumns, parseFormula } from "../model/formula";
import type { Column, ColumnTable, DesignOptions, GlmmDesign } from "../model/types";

export const FIT_CACHE_FORMAT = "kansen-mbo fit cache v1";

/** What a fit's key is made of (kept in the entry, so a miss can be explained). */
export interface FitKeyParts {
  readonly format: string;
  readonly data: { readonly nrows: number; readonly columns: Readonly<Record<string, string>> };
  readonly formula: string;
  readonly design: { readonly reference: Readonly<Record<string, string>>; readonly rankTolerance: number | null };
  readonly control: { readonly [key: string]: unknown };
  readonly solver: string;
}

const columnHashes = new WeakMap<object, string>();

/**
 * The content hash of a text (factor) column in its canonical form: its levels in order of first
 * appearance and the Int32 code of every row (-1 for a missing value). The frame cache stores factor
 * columns in exactly this form, so a frame read from it has its hashes without a pass over the strings
 * (`rememberColumnHash`), and a frame built from the raw files gets the same hashes from its strings.
 */
export function factorColumnHash(levels: readonly string[], codes: Int32Array): string {
  return createHash("sha256").update(`factor:${JSON.stringify(levels)}:`).update(Buffer.from(codes.buffer, codes.byteOffset, codes.byteLength)).digest("hex");
}

/** Record the content hash of a column whose content is known to hash so (the frame cache's factor columns). */
export function rememberColumnHash(column: object, hash: string): void {
  columnHashes.set(column, hash);
}

/**
 * SHA-256 of one column's values: the bytes of a numeric column (its element type included), or the
 * canonical form of a text column (factorColumnHash). Remembered per column object, so the five models
 * of a frame hash it once.
 */
export function columnContentHash(column: Column): string {
  const cached = columnHashes.get(column as object);
  if (cached !== undefined) return cached;
  let digest: string;
  if (ArrayBuffer.isView(column)) {
    digest = createHash("sha256").update(column.constructor.name).update(Buffer.from(column.buffer, column.byteOffset, column.byteLength)).digest("hex");
  } else if ((column as readonly unknown[]).every((v) => v === null || v === undefined || typeof v === "string")) {
    const values = column as readonly (string | null)[];
    const levels: string[] = [];
    const index = new Map<string, number>();
    const codes = new Int32Array(values.length);
    let last: string | null = null;
    let lastCode = -1;
    for (let i = 0; i < values.length; i++) {
      const v = values[i] ?? null;
      if (v === null) {
        codes[i] = -1;
        continue;
      }
      if (v !== last) {
        let c = index.get(v);
        if (c === undefined) {
          c = levels.length;
          levels.push(v);
          index.set(v, c);
        }
        last = v;
        lastCode = c;
      }
      codes[i] = lastCode;
    }
    digest = factorColumnHash(levels, codes);
  } else {
    digest = createHash("sha256").update(`numbers:${JSON.stringify(column)}`).digest("hex");
  }
  columnHashes.set(column as object, digest);
  return digest;
}

let solverHash: string | undefined;
let statisticsHash: string | undefined;

/** A hash of the design and solver code as loaded (src/model and src/glmm, or their compiled dist/ copies). */
export function solverVersion(): string {
  if (solverHash === undefined) solverHash = codeVersion(["model", "glmm"]);
  return solverHash;
}

/**
 * A hash of the code that computes a fit's statistics from the fit (src/stats and the numerical helpers
 * of src/numeric, as loaded): with the fit's key it names statistics stored beside a fit, so a change to
 * an R2, ICC or AME formula computes them again.
 */
export function statisticsVersion(): string {
  if (statisticsHash === undefined) statisticsHash = codeVersion(["stats", "numeric"]);
  return statisticsHash;
}

function codeVersion(folders: readonly string[]): string {
  const h = createHash("sha256");
  for (const folder of folders) {
    const dir = join(__dirname, "..", folder);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort()) {
      if (!/\.(js|ts)$/.test(name) || name.endsWith(".d.ts")) continue;
      h.update(`\n${folder}/${name}:`).update(readFileSync(join(dir, name)));
    }
  }
  return h.digest("hex").slice(0, 20);
}

/** SHA-256 of a list of numbers as doubles (a warm start, an offset), or null when absent. */
function numbersHash(values: ArrayLike<number | null> | undefined): string | null {
  if (values === undefined) return null;
  const a = Float64Array.from(Array.from(values, (v) => (v === null ? NaN : v)));
  return createHash("sha256").update(Buffer.from(a.buffer)).digest("hex");
}

/**
 * The solver settings that can change a fit's numbers: the SE method, the full control object (with
 * maxIterations folded in as fitDesign does), a warm start, held theta, an offset. Callbacks and the
 * thread count cannot change them.
 */
export function controlOf(options: GlmmOptions): FitKeyParts["control"] {
  const input = options.maxIterations === undefined ? options.control : { ...options.control, newton: { ...options.control?.newton, maxIterations: options.maxIterations } };
  return {
    se: options.se ?? "hessian",
    control: glmmControl(input),
    start: options.start === undefined ? null : { theta: numbersHash(options.start.theta), beta: numbersHash(options.start.beta) },
    fixedTheta: numbersHash(options.fixedTheta),
    ...(options.refit !== undefined ? { refit: numbersHash(options.refit.hessian) } : {}),
    offset: numbersHash(options.offset),
  };
}

/** The parts of the key of fitting `formula` on `data` with these design options and solver settings. */
export function fitKeyParts(formula: string, data: ColumnTable, designOptions: DesignOptions, options: GlmmOptions = {}): FitKeyParts {
  const used = formulaColumns(parseFormula(formula));
  const columns: Record<string, string> = {};
  let nrows = 0;
  for (const name of used) {
    const column = data[name];
    if (column === undefined) continue; // buildDesign names the missing column; the key need not
    columns[name] = columnContentHash(column);
    nrows = column.length;
  }
  const reference = Object.fromEntries(Object.entries(designOptions.reference ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return {
    format: FIT_CACHE_FORMAT,
    data: { nrows, columns },
    formula: formula.trim(),
    design: { reference, rankTolerance: designOptions.rankTolerance ?? null },
    control: controlOf(options),
    solver: solverVersion(),
  };
}

/** Canonical JSON (keys sorted at every level), so equal content gives equal text. */
function canonical(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  const o = value as Record<string, unknown>;
  return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`).join(",")}}`;
}

export function fitCacheKey(parts: FitKeyParts): string {
  return createHash("sha256").update(canonical(parts)).digest("hex").slice(0, 24);
}

// -------------------------------------------------------------------------------------------------
// Encoding a fit: plain JSON for the structure, one binary file for the Float64Arrays.

type Encoded = null | boolean | number | string | Encoded[] | { [key: string]: Encoded };

/** Numbers JSON cannot hold exactly, as tagged objects. */
function encodeNumber(x: number): Encoded {
  if (Number.isNaN(x)) return { $num: "NaN" };
  if (x === Infinity) return { $num: "Infinity" };
  if (x === -Infinity) return { $num: "-Infinity" };
  if (Object.is(x, -0)) return { $num: "-0" };
  return x;
}

function decodeNumber(tag: string): number {
  switch (tag) {
    case "NaN":
      return NaN;
    case "Infinity":
      return Infinity;
    case "-Infinity":
      return -Infinity;
    case "-0":
      return -0;
    default:
      throw new Error(`fit cache: unknown number tag ${JSON.stringify(tag)}`);
  }
}

interface ArrayStore {
  readonly chunks: Float64Array[];
  length: number;
}

function encode(value: unknown, store: ArrayStore, path: string): Encoded {
  if (value === null) return null;
  if (value === undefined) return { $undefined: true };
  if (typeof value === "number") return encodeNumber(value);
  if (typeof value === "string" || typeof value === "boolean") return value;
  if (value instanceof Float64Array) {
    const ref = { $f64: [store.length, value.length] as Encoded };
    store.chunks.push(value);
    store.length += value.length;
    return ref;
  }
  if (value instanceof Int32Array) return { $i32: Array.from(value) };
  if (Array.isArray(value)) return value.map((v, i) => encode(v, store, `${path}[${i}]`));
  if (typeof value === "object") {
    const out: { [key: string]: Encoded } = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (typeof v === "function") throw new Error(`fit cache: ${path}.${k} is a function and cannot be stored`);
      out[k] = encode(v, store, `${path}.${k}`);
    }
    return out;
  }
  throw new Error(`fit cache: ${path} has type ${typeof value} and cannot be stored`);
}

function decode(value: Encoded, arrays: Float64Array): unknown {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v) => decode(v, arrays));
  if ("$num" in value) return decodeNumber(value["$num"] as string);
  if ("$undefined" in value) return undefined;
  if ("$f64" in value) {
    const [offset, length] = value["$f64"] as [number, number];
    return arrays.slice(offset, offset + length);
  }
  if ("$i32" in value) return Int32Array.from(value["$i32"] as number[]);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const d = decode(v, arrays);
    if (d !== undefined || (typeof v === "object" && v !== null && "$undefined" in v)) out[k] = d;
  }
  return out;
}

/** A fit without its design, as written to and read from the cache. */
export type StoredFit = Omit<GlmmFit, "design">;

/** The JSON text and the binary arrays of one fit. */
export function encodeFit(fit: GlmmFit): { json: Encoded; arrays: Float64Array } {
  const { design: _design, ...rest } = fit;
  const store: ArrayStore = { chunks: [], length: 0 };
  const json = encode(rest, store, "fit");
  const arrays = new Float64Array(store.length);
  let at = 0;
  for (const c of store.chunks) {
    arrays.set(c, at);
    at += c.length;
  }
  return { json, arrays };
}

export function decodeFit(json: Encoded, arrays: Float64Array): StoredFit {
  return decode(json, arrays) as StoredFit;
}

/** Why a stored fit cannot belong to this design (undefined when it can). */
export function fitDesignMismatch(stored: StoredFit, design: GlmmDesign): string | undefined {
  if (stored.nobs !== design.nobs) return `${stored.nobs} waarnemingen opgeslagen, het ontwerp heeft er ${design.nobs}`;
  if (stored.beta.length !== design.fixed.names.length) return `${stored.beta.length} vaste effecten opgeslagen, het ontwerp heeft er ${design.fixed.names.length}`;
  if (stored.eta.length !== design.nobs) return `een lineaire predictor van lengte ${stored.eta.length} voor ${design.nobs} waarnemingen`;
  const groups = design.random.map((t) => t.group);
  if (stored.ranef.length !== design.random.length || stored.ranef.some((r, k) => r.group !== groups[k])) return "andere random termen";
  return undefined;
}

// -------------------------------------------------------------------------------------------------
// The cache on disk.

export interface FitCacheEntryInfo {
  readonly key: string;
  readonly parts: FitKeyParts;
  /** ISO time the entry was written. */
  readonly createdAt: string;
}

export type FitCacheLookup =
  | { readonly status: "hit"; readonly fit: GlmmFit; readonly entry: FitCacheEntryInfo }
  | { readonly status: "miss"; readonly reason: string };

/**
 * Fits read or written in this process, by entry folder: a chapter run again in the same kernel takes
 * them from memory instead of the disk (the same objects; nothing changes a fit after it is assembled).
 * Bounded: the least recently used are dropped (and read from disk again if asked for) once the fits'
 * per-row arrays pass FITS_IN_MEMORY_BYTES; chapter 8 alone writes some hundred fits of up to 400,000
 * rows (about 10 MB each), which would otherwise all stay in the kernel.
 */
interface RememberedFit {
  readonly stored: StoredFit;
  readonly entry: FitCacheEntryInfo;
  readonly stamp: string;
  readonly bytes: number;
}
const fitsInMemory = new Map<string, RememberedFit>();
export const FITS_IN_MEMORY_BYTES = 1024 * 1024 * 1024;
let bytesInMemory = 0;

/** Bytes of a stored fit's per-row arrays (linear predictors, fitted values, offset). */
function rowBytes(stored: StoredFit): number {
  return stored.eta.byteLength + stored.etaFixed.byteLength + stored.fitted.byteLength + (stored.offset?.byteLength ?? 0);
}

function remember(dir: string, stored: StoredFit, entry: FitCacheEntryInfo): void {
  forget(dir);
  const bytes = rowBytes(stored);
  fitsInMemory.set(dir, { stored, entry, stamp: entryStamp(dir), bytes });
  bytesInMemory += bytes;
  // Map iteration is in insertion order: the first entries are the least recently used.
  for (const [old, value] of fitsInMemory) {
    if (bytesInMemory <= FITS_IN_MEMORY_BYTES || old === dir) break;
    fitsInMemory.delete(old);
    bytesInMemory -= value.bytes;
  }
}

function forget(dir: string): void {
  const had = fitsInMemory.get(dir);
  if (had === undefined) return;
  fitsInMemory.delete(dir);
  bytesInMemory -= had.bytes;
}

/** The files of an entry as they are on disk now (a changed or damaged entry is read again). */
function entryStamp(dir: string): string {
  try {
    const a = statSync(join(dir, "fit.json"));
    const b = statSync(join(dir, "arrays.f64"));
    return `${a.mtimeMs}:${a.size}:${b.mtimeMs}:${b.size}`;
  } catch {
    return "absent";
  }
}

/** A file-name-safe id of a statistics version text. */
function statisticsFileId(version: string): string {
  return createHash("sha256").update(version).digest("hex").slice(0, 16);
}

export class FitCache {
  constructor(readonly dir: string) {}

  entryDir(key: string): string {
    return join(this.dir, key);
  }

  /** The stored fit for `key`, joined to `design`; a miss says why, in Dutch, as the chapters show it (absent, unreadable, other design). */
  read(key: string, design: GlmmDesign): FitCacheLookup {
    const dir = this.entryDir(key);
    const jsonPath = join(dir, "fit.json");
    if (!existsSync(jsonPath)) return { status: "miss", reason: "niet in de fitcache" };
    const remembered = fitsInMemory.get(dir);
    if (remembered !== undefined && remembered.stamp === entryStamp(dir) && fitDesignMismatch(remembered.stored, design) === undefined) {
      // The most recently used goes last.
      fitsInMemory.delete(dir);
      fitsInMemory.set(dir, remembered);
      return { status: "hit", fit: { ...remembered.stored, design } as GlmmFit, entry: remembered.entry };
    }
    let meta: { format?: string; entry?: FitCacheEntryInfo; fit?: Encoded; arrayLength?: number };
    let arrays: Float64Array;
    try {
      meta = JSON.parse(readFileSync(jsonPath, "utf8")) as typeof meta;
      if (meta.format !== FIT_CACHE_FORMAT || meta.entry === undefined || meta.fit === undefined) {
        return { status: "miss", reason: `${jsonPath}: formaat ${JSON.stringify(meta.format)}, verwacht "${FIT_CACHE_FORMAT}"` };
      }
      const buf = readFileSync(join(dir, "arrays.f64"));
      if (buf.byteLength !== (meta.arrayLength ?? -1) * 8) return { status: "miss", reason: `${dir}/arrays.f64 heeft ${buf.byteLength} bytes, verwacht ${(meta.arrayLength ?? 0) * 8}` };
      arrays = new Float64Array(buf.byteLength / 8);
      new Uint8Array(arrays.buffer).set(buf);
    } catch (error) {
      return { status: "miss", reason: `${dir}: onleesbaar (${(error as Error).message})` };
    }
    const stored = decodeFit(meta.fit, arrays);
    const mismatch = fitDesignMismatch(stored, design);
    if (mismatch !== undefined) return { status: "miss", reason: `${dir}: opgeslagen voor een ander ontwerp (${mismatch})` };
    remember(dir, stored, meta.entry);
    return { status: "hit", fit: { ...stored, design } as GlmmFit, entry: meta.entry };
  }

  /**
   * Statistics computed from the fit stored under `key` (R2, ICC, AMEs: deterministic functions of the
   * fit and its design, which the key fixes), stored beside it under a name that also holds `version`
   * (statisticsVersion plus the caller's options), or undefined when there are none. A stored fit's
   * statistics are then read back instead of recomputed with passes over its rows.
   */
  readStatistics(key: string, version: string): unknown {
    const path = join(this.entryDir(key), `statistics-${statisticsFileId(version)}.json`);
    if (!existsSync(path)) return undefined;
    try {
      const stored = JSON.parse(readFileSync(path, "utf8")) as { format?: string; version?: string; value?: Encoded; arrays?: Encoded[] };
      if (stored.format !== FIT_CACHE_FORMAT || stored.version !== version || stored.value === undefined || !Array.isArray(stored.arrays)) return undefined;
      const arrays = Float64Array.from(stored.arrays, (x) => (typeof x === "number" ? x : decodeNumber((x as { $num: string }).$num)));
      return decode(stored.value, arrays);
    } catch {
      return undefined; // unreadable: computed again (and written again)
    }
  }

  /** Store statistics beside the fit under `key` (atomically); nothing when the entry does not exist. */
  writeStatistics(key: string, version: string, value: unknown): void {
    const dir = this.entryDir(key);
    if (!existsSync(join(dir, "fit.json"))) return;
    const store: ArrayStore = { chunks: [], length: 0 };
    const json = encode(value, store, "statistics");
    const arrays: Encoded[] = [];
    for (const c of store.chunks) for (const x of c) arrays.push(encodeNumber(x));
    const path = join(dir, `statistics-${statisticsFileId(version)}.json`);
    const tmp = `${path}.partial-${process.pid}`;
    writeFileSync(tmp, JSON.stringify({ format: FIT_CACHE_FORMAT, version, value: json, arrays }));
    renameSync(tmp, path);
  }

  /** Store a fit under `key` (atomically: a reader sees the whole entry or none). Returns the entry folder. */
  write(key: string, parts: FitKeyParts, fit: GlmmFit): string {
    const dir = this.entryDir(key);
    mkdirSync(this.dir, { recursive: true });
    const tmp = `${dir}.partial-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp);
    try {
      const { json, arrays } = encodeFit(fit);
      const entry: FitCacheEntryInfo = { key, parts, createdAt: new Date().toISOString() };
      writeFileSync(join(tmp, "arrays.f64"), Buffer.from(arrays.buffer, arrays.byteOffset, arrays.byteLength));
      writeFileSync(join(tmp, "fit.json"), JSON.stringify({ format: FIT_CACHE_FORMAT, entry, arrayLength: arrays.length, fit: json }));
      rmSync(dir, { recursive: true, force: true });
      renameSync(tmp, dir);
      const { design: _design, ...stored } = fit;
      remember(dir, stored, entry);
    } catch (error) {
      rmSync(tmp, { recursive: true, force: true });
      throw error;
    }
    return dir;
  }
}

/**
 * Environment variable that places or switches off the fit cache: a folder, or "off". Unset: the folder
 * `fit-cache/` under the configuration's cache folder (data/), beside the synthetic populations and the
 * frame cache. `npm run reproduce -- --no-cache` points it at an empty folder of its own for one run, so
 * that run is cold (nothing fitted earlier is read) while its chapters still share what it fits.
 */
export const FIT_CACHE_ENV = "KANSEN_FIT_CACHE";

export function configuredFitCache(cacheDir: string, env: NodeJS.ProcessEnv = process.env): FitCache | null {
  const setting = env[FIT_CACHE_ENV]?.trim();
  if (setting === "off") return null;
  return new FitCache(setting !== undefined && setting !== "" ? setting : join(cacheDir, "fit-cache"));
}
