/**
 * The content of an input file as a SHA-256 digest, read in 4 MiB chunks (the wide studenten.csv is
 * hundreds of MB at full scale, so it is never held in memory whole for this). Caches that depend on a
 * file key on this digest, never on its size and modification time: an edit in place that keeps both
 * (a tool that restores the time stamp, a same-length correction) must still count as a change.
 */
import { createHash } from "node:crypto";
import { closeSync, openSync, readSync } from "node:fs";

const CHUNK = 4 * 1024 * 1024;

/** SHA-256 (hex) of the file's bytes. */
export function sha256File(path: string): string {
  const hash = createHash("sha256");
  const buf = Buffer.allocUnsafe(CHUNK);
  const fd = openSync(path, "r");
  try {
    for (;;) {
      const n = readSync(fd, buf, 0, CHUNK, null);
      if (n === 0) break;
      hash.update(buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest("hex");
}
