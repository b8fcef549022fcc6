/**
 * Typed arrays over SharedArrayBuffers: what the row passes read and write from both threads
 * (row-engine.ts). A view of length 0 still gets a one-element buffer (a zero-length
 * SharedArrayBuffer is legal, but keeping every buffer non-empty avoids special cases).
 */
export function sharedFloat64(length: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(Math.max(length, 1) * 8), 0, length);
}

export function sharedInt32(length: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(Math.max(length, 1) * 4), 0, length);
}
