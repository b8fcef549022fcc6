/**
 * Outputs that are never half-written (issue 7, item 4).
 *
 * A run writes into a fresh folder beside the final one (`<final>.partial-<stamp>`), and only when every
 * step succeeded is that folder moved into place:
 *
 *   1. rename <final>          -> <final>.previous-<stamp>   (only if a previous run left outputs)
 *   2. rename <final>.partial  -> <final>
 *   3. remove <final>.previous-<stamp>
 *
 * Each step is one rename(2) on the same file system, so at every instant at least one complete folder
 * exists: before 1 the old outputs, between 1 and 2 the old outputs under their `.previous` name (which
 * `recoverInterruptedSwap` puts back), after 2 the new outputs. A failed or interrupted run never touches
 * <final>; it leaves its partial work where it was written and says where.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, writeSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";

export interface FreshOutputOptions {
  /** Where to report what happened (default: stderr). */
  readonly log?: (message: string) => void;
  /** A fixed stamp for the temporary names (tests); default: time + pid. */
  readonly stamp?: string;
}

/** The temporary folder a run writes into, and the folder it will become. */
export interface FreshOutput {
  readonly finalDir: string;
  readonly workDir: string;
}

function defaultStamp(): string {
  return `${new Date().toISOString().replace(/[-:]/g, "").replace(/\..*$/, "")}-${process.pid}`;
}

/**
 * If an earlier run was killed between steps 1 and 2 of the swap, <final> is missing while
 * <final>.previous-* holds the last complete outputs: put the newest of them back.
 * Returns the folder restored, if any.
 */
export function recoverInterruptedSwap(finalDir: string, log: (m: string) => void = (m) => process.stderr.write(m + "\n")): string | undefined {
  const target = resolve(finalDir);
  if (existsSync(target)) return undefined;
  const parent = dirname(target);
  if (!existsSync(parent)) return undefined;
  const prefix = `${basename(target)}.previous-`;
  const candidates = readdirSync(parent).filter((name) => name.startsWith(prefix)).sort();
  const newest = candidates[candidates.length - 1];
  if (newest === undefined) return undefined;
  const from = join(parent, newest);
  renameSync(from, target);
  log(`outputs: restored ${target} from ${from} (an earlier run was interrupted while swapping folders)`);
  return from;
}

/** Create the fresh work folder beside `finalDir`. */
export function beginFreshOutput(finalDir: string, options: FreshOutputOptions = {}): FreshOutput {
  const target = resolve(finalDir);
  const log = options.log ?? ((m: string) => process.stderr.write(m + "\n"));
  recoverInterruptedSwap(target, log);
  mkdirSync(dirname(target), { recursive: true });
  const workDir = `${target}.partial-${options.stamp ?? defaultStamp()}`;
  if (existsSync(workDir)) throw new Error(`outputs: temporary folder ${workDir} already exists; remove it or wait for the run that owns it`);
  mkdirSync(workDir);
  return { finalDir: target, workDir };
}

/** Steps 1-3 above: move the completed work folder into place. */
export function commitFreshOutput(output: FreshOutput, options: FreshOutputOptions = {}): void {
  const stamp = options.stamp ?? defaultStamp();
  const previous = `${output.finalDir}.previous-${stamp}`;
  const hadPrevious = existsSync(output.finalDir);
  if (hadPrevious) renameSync(output.finalDir, previous);
  renameSync(output.workDir, output.finalDir);
  if (hadPrevious) rmSync(previous, { recursive: true, force: true });
}

/**
 * Run `work` against a fresh folder and move it into place only if `work` resolves. On an error the
 * previous outputs stay untouched, the partial folder stays for inspection, and the error is rethrown
 * with its location. SIGINT/SIGTERM during the run print the same and exit (130 / 143).
 */
export async function runIntoFreshOutput<T>(
  finalDir: string,
  work: (workDir: string) => Promise<T>,
  options: FreshOutputOptions = {},
): Promise<T> {
  const log = options.log ?? ((m: string) => process.stderr.write(m + "\n"));
  const output = beginFreshOutput(finalDir, options);
  const onSignal = (signal: NodeJS.Signals): void => {
    log(`outputs: interrupted by ${signal}; ${output.finalDir} is untouched; partial work is in ${output.workDir}`);
    process.exit(signal === "SIGINT" ? 130 : 143);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    const result = await work(output.workDir);
    commitFreshOutput(output, options);
    log(`outputs: written to ${output.finalDir}`);
    return result;
  } catch (error) {
    log(`outputs: the run failed; ${output.finalDir} is untouched; partial work is in ${output.workDir}`);
    throw error;
  } finally {
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
  }
}

/**
 * Write `content` to `path` atomically: write and fsync `<dir>/.<name>.tmp-<pid>`, then rename over
 * `path`. On any error the temporary file is removed and the previous `path`, if any, is untouched.
 */
export function writeFileAtomic(path: string, content: string | Uint8Array): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.tmp-${process.pid}`);
  try {
    const fd = openSync(tmp, "w");
    try {
      const bytes = typeof content === "string" ? Buffer.from(content, "utf8") : content;
      // write(2) may write fewer bytes than asked: go on from where it stopped.
      for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done, bytes.length - done);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new Error(`could not write ${path}: ${(err as Error).message}`);
  }
}
