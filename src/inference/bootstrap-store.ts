/**
 * The file of a bootstrap's replicates: compact, self-describing, extendable.
 *
 *   bytes 0-7    "KBOOT001"
 *   bytes 8-11   H, the length of the header in bytes (uint32, little-endian)
 *   bytes 12-    the header: JSON (UTF-8), padded with spaces so that the rows start at a multiple of 8
 *   then         R rows of S float64 (little-endian), one row per replicate in replicate order
 *
 * The header says what the rows are: the statistics' names (bootstrap-statistics.ts), the seed, the
 * settings, the formula, and a fingerprint (SHA-256) of the data and the fit the replicates were drawn
 * from. A run asked for more replicates with the same file reads the rows, checks that the fingerprint,
 * seed, settings and names agree (a mismatch is an error that names it, and nothing is overwritten),
 * and computes only the missing replicates: replicate r depends only on (seed, r), so the extended run
 * is the run of that length. Writes go to a temporary file that is fsynced and renamed over the old
 * one, so the file is always a complete earlier or later state, never half a write.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { writeFileAtomic } from "../audit/atomic-output";
import type { GlmmFit } from "../glmm/types";

const MAGIC = "KBOOT001";

export interface BootstrapHeader {
  readonly format: 1;
  readonly formula: string;
  readonly nobs: number;
  /** SHA-256 of the response, X, Z, the grouping, the offset and the fit's theta and beta. */
  readonly fingerprint: string;
  readonly seed: number;
  /** What else decides the rows (AME conventions, nodes, refit tolerance). */
  readonly settings: Readonly<Record<string, unknown>>;
  readonly statistics: readonly string[];
  readonly replicates: number;
}

export interface StoredBootstrap {
  readonly header: BootstrapHeader;
  /** R x S row-major. */
  readonly rows: Float64Array;
}

/** The fingerprint of a fit's data and parameters: what the replicates are drawn from. */
export function fitFingerprint(fit: GlmmFit): string {
  const hash = createHash("sha256");
  const add = (a: Float64Array | Int32Array): void => {
    hash.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  };
  const d = fit.design;
  hash.update(`${d.formula}\n${d.nobs}\n${d.fixed.names.join("\t")}\n`);
  add(d.response.successes);
  add(d.response.trials);
  for (const x of d.fixed.columns) add(x);
  for (const term of d.random) {
    hash.update(`${term.group}\t${term.terms.join("\t")}\t${term.levels.length}\n`);
    add(term.index);
    for (const z of term.z) add(z);
  }
  if (fit.offset) add(fit.offset);
  add(fit.theta);
  add(fit.beta);
  return hash.digest("hex");
}

/** Reads a replicate file; throws an error that names the file when it is not one. */
export function readBootstrapFile(path: string): StoredBootstrap {
  const bytes = readFileSync(path);
  if (bytes.length < 12 || bytes.toString("latin1", 0, 8) !== MAGIC) throw new Error(`${path}: not a bootstrap replicate file (no ${MAGIC} header)`);
  const length = bytes.readUInt32LE(8);
  const start = 12 + length;
  if (start > bytes.length || start % 8 !== 0) throw new Error(`${path}: the header length ${length} does not fit the file (${bytes.length} bytes)`);
  let header: BootstrapHeader;
  try {
    header = JSON.parse(bytes.toString("utf8", 12, start)) as BootstrapHeader;
  } catch (e) {
    throw new Error(`${path}: the header is not valid JSON (${(e as Error).message})`);
  }
  const width = header.statistics.length;
  const expected = start + header.replicates * width * 8;
  if (bytes.length !== expected) {
    throw new Error(`${path}: ${bytes.length} bytes, but the header promises ${header.replicates} rows of ${width} numbers (${expected} bytes): the file is damaged`);
  }
  const rows = new Float64Array(header.replicates * width);
  for (let k = 0; k < rows.length; k++) rows[k] = bytes.readDoubleLE(start + 8 * k);
  return { header, rows };
}

/** Writes the replicate file atomically (see the file comment). */
export function writeBootstrapFile(path: string, stored: StoredBootstrap): void {
  const width = stored.header.statistics.length;
  if (stored.rows.length !== stored.header.replicates * width) {
    throw new Error(`bootstrap file: ${stored.rows.length} numbers for ${stored.header.replicates} rows of ${width}`);
  }
  let json = JSON.stringify(stored.header);
  const pad = (8 - ((12 + Buffer.byteLength(json)) % 8)) % 8;
  json += " ".repeat(pad);
  const headerBytes = Buffer.from(json, "utf8");
  const out = Buffer.alloc(12 + headerBytes.length + stored.rows.length * 8);
  out.write(MAGIC, 0, "latin1");
  out.writeUInt32LE(headerBytes.length, 8);
  headerBytes.copy(out, 12);
  const start = 12 + headerBytes.length;
  for (let k = 0; k < stored.rows.length; k++) out.writeDoubleLE(stored.rows[k], start + 8 * k);
  writeFileAtomic(path, out);
}

/**
 * The rows a file already holds for this bootstrap (all of them, even more than asked for), or none
 * when the file does not exist; an error naming the difference when the file belongs to another.
 */
export function storedRows(path: string, expected: Omit<BootstrapHeader, "replicates">): Float64Array {
  if (!existsSync(path)) return new Float64Array(0);
  const { header, rows } = readBootstrapFile(path);
  const differs = (what: string, a: unknown, b: unknown): never => {
    throw new Error(`${path} holds the replicates of another bootstrap: its ${what} is ${JSON.stringify(a)}, this run's ${JSON.stringify(b)}; use another file or delete it`);
  };
  if (header.format !== expected.format) differs("format", header.format, expected.format);
  if (header.fingerprint !== expected.fingerprint) differs("fingerprint of the data and the fit", header.fingerprint.slice(0, 16), expected.fingerprint.slice(0, 16));
  if (header.seed !== expected.seed) differs("seed", header.seed, expected.seed);
  if (JSON.stringify(header.settings) !== JSON.stringify(expected.settings)) differs("settings", header.settings, expected.settings);
  if (header.statistics.join("\n") !== expected.statistics.join("\n")) differs("list of statistics", header.statistics.length, expected.statistics.length);
  return rows;
}
