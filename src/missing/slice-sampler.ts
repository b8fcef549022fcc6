/**
 * One univariate slice-sampling update (Neal 2003, "Slice sampling", Ann. Statist. 31: stepping out
 * and shrinkage): from x0 with log density f, draw y = f(x0) - Exp(1), find an interval of width w
 * around x0 that contains the slice {x: f(x) > y} (stepping out, at most maxSteps widths each way), then
 * sample uniformly from it, shrinking it towards x0 after each rejected point. The update leaves the
 * density exp(f) invariant for any w > 0; w only affects the number of evaluations.
 */
import type { RandomSource } from "./random-draws";

export function sliceStep(rng: RandomSource, f: (x: number) => number, x0: number, w: number, maxSteps = 50): number {
  const f0 = f(x0);
  if (!Number.isFinite(f0)) throw new Error(`sliceStep: log density at the current point is ${f0}`);
  let e = rng.uniform();
  while (e <= 0) e = rng.uniform();
  const level = f0 + Math.log(e);
  let left = x0 - w * rng.uniform();
  let right = left + w;
  let j = Math.floor(maxSteps * rng.uniform());
  let k = maxSteps - 1 - j;
  while (j-- > 0 && f(left) > level) left -= w;
  while (k-- > 0 && f(right) > level) right += w;
  for (let tries = 0; tries < 200; tries++) {
    const x = left + (right - left) * rng.uniform();
    if (f(x) > level) return x;
    if (x < x0) left = x;
    else right = x;
  }
  return x0;
}
