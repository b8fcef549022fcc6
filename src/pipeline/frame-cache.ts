/**
 * A cache of the four analysis frames, so that reading and validating 1.36 million students (about
 * 100 s at full scale) happens once per run, not once per notebook. Every chapter runs in its own
 * kernel; the first to need the frames builds them from validated raw files and stores them here, the
 * others read them back in a second or two.
 *
 * The key is a hash of what the frames depend on: the content (SHA-256) of each raw file, the reference
 * categories, the years of the outcome rates, and the content of the reader, validator, transform code
 * and schemas (`frameCacheKey`). Any change gives a new key, hence a rebuild with validation: a file
 * edited in place, even to the same size and time stamp, is read and validated again. Frames are only
 * ever written after their files passed validation, so a key that exists names validated content. The
 * folder `<cacheDir>/frames-<key>/` is written under a temporary name and renamed into place when complete.
 *
 * Layout: `meta.json` (per frame: key, outcome, year, t, nrows, reference, flow, column kinds, factor
 * names; the outcome rates of 3a 3.1; the raw files' row counts) and one binary file per column:
 * `<frame>.<column>.f64` (Float64Array, little-endian as the platform writes it) or `<frame>.<column>.i32`
 * (Int32Array codes into the factor's levels, which are in `<frame>.<column>.levels.json`), plus
 * `<frame>.sourceRows.i32` and `<frame>.sourceLines.i32` (the data row and line of studenten.csv each
 * frame row comes from, so that a later error can name them). The levels live beside their column, not
 * in meta.json: the student ids are a factor with one level per student, and parsing them for all four
 * frames (11 MB at full scale, seconds) would cost every chapter that reads one frame.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { PROJECT_ROOT } from "../config";
import { sha256File } from "../data/content-hash";
import { RAW_FILES } from "./data-cache";
import type { ColumnTable } from "../model/types";
import type { FlowStep } from "../transform/flow";
import type { AnalysisFrame, FrameData, FrameKey } from "../transform/frames";
import type { OutcomeRate } from "../report/figures";
import { FACTORS, GROUPING_FACTORS, type Outcome } from "../vocabulary";
import { factorColumnHash, rememberColumnHash } from "./fit-cache";
import { rememberFactorCoding } from "../model/factor";

export const FRAME_CACHE_FORMAT = "kansen-mbo frame cache v3";

export interface RawFileSummary {
  readonly file: string;
  readonly nrows: number;
  readonly ncolumns: number;
}

export interface CachedData {
  /** The frames (all four when written; those asked for when read with `only`). */
  readonly frames: Readonly<Partial<Record<FrameKey, AnalysisFrame>>>;
  /** Outcome rates per year and background (3a 3.1), per outcome. */
  readonly rates: Readonly<Record<string, readonly OutcomeRate[]>>;
  readonly files: readonly RawFileSummary[];
}

interface ColumnMeta {
  readonly name: string;
  readonly kind: "f64" | "factor";
  /** v1 kept the levels here; v2 writes them to `<frame>.<column>.levels.json`. */
  readonly levels?: readonly string[];
}

interface FrameMeta {
  readonly key: FrameKey;
  readonly outcome: Outcome;
  readonly year: number;
  readonly t: number;
  readonly nrows: number;
  readonly reference: Readonly<Record<string, string>>;
  readonly flow: readonly FlowStep[];
  readonly columns: readonly ColumnMeta[];
  readonly sourceFile: string;
}

interface CacheMeta {
  readonly format: string;
  readonly frames: readonly FrameMeta[];
  readonly rates: Readonly<Record<string, readonly OutcomeRate[]>>;
  readonly files: readonly RawFileSummary[];
}

/**
 * The code and contract the frames are made by, as the project's own files (the TypeScript sources
 * under src/, the same whether this module runs from src/ under tsx or compiled from dist/, so a
 * reproduce run and its notebooks agree on the key): the reader and validator (src/data/*.ts, not the
 * synthetic generator), the transforms (src/transform/*.ts) and the schemas (data-schema/*.json). A
 * frame built before a rule of the validator or a transform changed is therefore never reused.
 */
export function frameCodeFiles(root: string = PROJECT_ROOT): string[] {
  const list = (dir: string, ext: RegExp): string[] =>
    existsSync(dir) ? readdirSync(dir).filter((name) => ext.test(name) && !name.endsWith(".d.ts")).sort().map((name) => join(dir, name)) : [];
  const src = join(root, "src");
  // Compiled without its sources (not this repository's layout): the modules that run instead.
  const code = existsSync(src) ? src : join(__dirname, "..");
  const ext = existsSync(src) ? /\.ts$/ : /\.js$/;
  return [...list(join(code, "data"), ext), ...list(join(code, "transform"), ext), ...list(join(root, "data-schema"), /\.json$/)];
}

/**
 * The cache key (hex) of a data folder, reference categories and rate years: the SHA-256 of each raw
 * file's content (`contentHashes` when the caller computed them already, as ensureData does), never its
 * size or modification time, plus the code and schemas of `frameCodeFiles`.
 */
export function frameCacheKey(
  dataDir: string,
  reference: Readonly<Record<string, string>>,
  rateYears: readonly number[],
  contentHashes: Readonly<Record<string, string>> = {},
): string {
  const h = createHash("sha256");
  h.update(FRAME_CACHE_FORMAT);
  for (const f of RAW_FILES) {
    const path = join(dataDir, f);
    const digest = contentHashes[f] ?? (existsSync(path) ? sha256File(path) : "absent");
    h.update(`\n${f}:${digest}`);
  }
  h.update(`\n${JSON.stringify(Object.entries(reference).sort())}\n${rateYears.join(",")}`);
  for (const file of frameCodeFiles()) h.update(`\n${relative(PROJECT_ROOT, file)}:`).update(readFileSync(file));
  return h.digest("hex").slice(0, 20);
}

export function frameCacheDir(cacheDir: string, key: string): string {
  return join(cacheDir, `frames-${key}`);
}

const FACTOR_COLUMNS = new Set<string>([...FACTORS, ...GROUPING_FACTORS, "id"]);

function bytesOf(a: Float64Array | Int32Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

/** Write the frames (and rates, file summaries) into the cache folder, atomically. */
export function writeFrameCache(dir: string, data: CachedData): void {
  const tmp = `${dir}.partial-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    const frames: FrameMeta[] = [];
    for (const frame of Object.values(data.frames)) {
      const columns: ColumnMeta[] = [];
      for (const [name, col] of Object.entries(frame.data)) {
        if (col instanceof Float64Array) {
          writeFileSync(join(tmp, `${frame.key}.${name}.f64`), bytesOf(col));
          columns.push({ name, kind: "f64" });
        } else if (FACTOR_COLUMNS.has(name) && Array.isArray(col)) {
          const levels: string[] = [];
          const index = new Map<string, number>();
          const codes = new Int32Array(col.length);
          for (let i = 0; i < col.length; i++) {
            const v = col[i] as string;
            let c = index.get(v);
            if (c === undefined) {
              c = levels.length;
              levels.push(v);
              index.set(v, c);
            }
            codes[i] = c;
          }
          writeFileSync(join(tmp, `${frame.key}.${name}.i32`), bytesOf(codes));
          writeFileSync(join(tmp, `${frame.key}.${name}.levels.json`), JSON.stringify(levels));
          columns.push({ name, kind: "factor" });
        } else {
          throw new Error(`writeFrameCache: column '${name}' of ${frame.key} is neither numeric nor a known factor`);
        }
      }
      writeFileSync(join(tmp, `${frame.key}.sourceRows.i32`), bytesOf(frame.sourceRows));
      writeFileSync(join(tmp, `${frame.key}.sourceLines.i32`), bytesOf(frame.sourceLines));
      frames.push({ key: frame.key, outcome: frame.outcome, year: frame.year, t: frame.t, nrows: frame.nrows, reference: frame.reference, flow: frame.flow, columns, sourceFile: frame.sourceFile });
    }
    const meta: CacheMeta = { format: FRAME_CACHE_FORMAT, frames, rates: data.rates, files: data.files };
    writeFileSync(join(tmp, "meta.json"), JSON.stringify(meta));
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}

/** A column of n values written by writeFrameCache, as a fresh typed array of the given kind. */
function readColumn<T extends Float64Array | Int32Array>(path: string, n: number, kind: { new (n: number): T; readonly BYTES_PER_ELEMENT: number }): T {
  const buf = readFileSync(path);
  const bytes = n * kind.BYTES_PER_ELEMENT;
  if (buf.byteLength !== bytes) throw new Error(`${path}: ${buf.byteLength} bytes, expected ${bytes} (${n} rows); delete the cache folder`);
  const out = new kind(n);
  new Uint8Array(out.buffer).set(buf);
  return out;
}

const readF64 = (path: string, n: number): Float64Array => readColumn(path, n, Float64Array);
const readI32 = (path: string, n: number): Int32Array => readColumn(path, n, Int32Array);

/**
 * Read the cache folder back, or undefined when it does not exist; with `only`, just those frames (a
 * chapter of one outcome need not turn the other outcome's 400,000 rows back into strings).
 */
export function readFrameCache(dir: string, only?: readonly FrameKey[]): CachedData | undefined {
  const metaPath = join(dir, "meta.json");
  if (!existsSync(metaPath)) return undefined;
  const meta = JSON.parse(readFileSync(metaPath, "utf8")) as CacheMeta;
  if (meta.format !== FRAME_CACHE_FORMAT) throw new Error(`${metaPath}: format '${meta.format}', expected '${FRAME_CACHE_FORMAT}'; delete the cache folder`);
  const frames: Partial<Record<FrameKey, AnalysisFrame>> = {};
  for (const fm of meta.frames) {
    if (only !== undefined && !only.includes(fm.key)) continue;
    // The numeric columns are read now; a factor column is turned back into strings when first used
    // (a lazy, enumerable property of both `data` and `columns`): a chapter of models never touches the
    // student ids, whose 124,000 distinct strings would cost more to parse than all other columns.
    const getters = new Map<string, () => Float64Array | string[]>();
    const define = (name: string, get: () => Float64Array | string[]): void => void getters.set(name, get);
    for (const c of fm.columns) {
      if (c.kind === "f64") {
        const values = readF64(join(dir, `${fm.key}.${c.name}.f64`), fm.nrows);
        define(c.name, () => values);
      } else {
        const codes = readI32(join(dir, `${fm.key}.${c.name}.i32`), fm.nrows);
        let values: string[] | undefined;
        define(c.name, () => {
          if (values !== undefined) return values;
          const levels = c.levels ?? (JSON.parse(readFileSync(join(dir, `${fm.key}.${c.name}.levels.json`), "utf8")) as string[]);
          const column = new Array<string>(fm.nrows);
          for (let i = 0; i < fm.nrows; i++) column[i] = levels[codes[i] as number] as string;
          // The codes were assigned in order of first appearance: the fit cache's canonical form of the
          // column, and a coding the designs can use without comparing strings.
          rememberColumnHash(column, factorColumnHash(levels, codes));
          rememberFactorCoding(column, levels, codes);
          values = column;
          return column;
        });
      }
    }
    // `data` in the stored order; `columns` names the outcome column after the outcome, first (as buildAnalysisFrames does).
    const data = {} as Record<string, Float64Array | string[]>;
    const columns = {} as Record<string, Float64Array | string[]>;
    for (const [name, get] of getters) Object.defineProperty(data, name, { get, enumerable: true, configurable: true });
    const outcomeColumn = getters.get("outcome");
    if (outcomeColumn !== undefined) Object.defineProperty(columns, fm.outcome, { get: outcomeColumn, enumerable: true, configurable: true });
    for (const [name, get] of getters) if (name !== "outcome") Object.defineProperty(columns, name, { get, enumerable: true, configurable: true });
    frames[fm.key] = {
      key: fm.key,
      outcome: fm.outcome,
      year: fm.year,
      t: fm.t,
      nrows: fm.nrows,
      data: data as unknown as FrameData,
      columns: columns as ColumnTable,
      flow: fm.flow,
      reference: fm.reference,
      sourceRows: readI32(join(dir, `${fm.key}.sourceRows.i32`), fm.nrows),
      sourceLines: readI32(join(dir, `${fm.key}.sourceLines.i32`), fm.nrows),
      sourceFile: fm.sourceFile,
    };
  }
  return { frames, rates: meta.rates, files: meta.files };
}
