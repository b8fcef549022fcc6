/**
 * One random-effects term with its columns in another order: the same model, another Cholesky
 * parametrisation. lme4's theta are the entries of Lambda with Sigma = Lambda Lambda', Lambda lower
 * triangular, so theta's first entry of a term is the SD of its first column and nothing else is. To
 * hold the SD of column c fixed while the rest of Sigma is free, the profile (profile.ts) reorders the
 * term to put column c first: its SD is then a theta coordinate of the reordered model. For a
 * correlation rho_rc the reordered term starts with (c, r): with Lambda' of that order,
 *
 *   rho_rc = Lambda'_21 / sqrt(Lambda'_21^2 + Lambda'_22^2),
 *
 * so holding rho fixes the direction of (Lambda'_21, Lambda'_22) = s (rho, sqrt(1 - rho^2)) and leaves
 * its length s = SD_r free: a ray, linear in s (held-parameter.ts).
 *
 * Between the orders: Sigma' = P Sigma P' and theta' = the lower triangle of chol(Sigma'). A
 * positive semidefinite Sigma (an SD of 0, a correlation of +-1: the boundary) has a Cholesky factor
 * with a zero pivot; the column below it is then 0 (a choice that gives the same Sigma).
 */
import type { GlmmDesign, RandomEffectsTerm } from "../model/types";
import { fillLambda, thetaLength } from "../glmm/lambda";

/** The term's columns in the order `order` (a permutation of 0..k-1): order[a] is the original column at position a. */
export interface TermOrder {
  readonly term: number;
  readonly order: readonly number[];
}

/** Whether `order` keeps every column in place. */
export function isIdentityOrder(order: readonly number[]): boolean {
  return order.every((c, a) => c === a);
}

/** The order that puts `first` (then `second`, when given) in front and keeps the others in their order. */
export function orderWithFirst(k: number, first: number, second?: number): number[] {
  const head = second === undefined ? [first] : [first, second];
  return [...head, ...Array.from({ length: k }, (_, c) => c).filter((c) => !head.includes(c))];
}

/** The design with term `term`'s columns reordered (every other part shared, not copied). */
export function reorderTerm(design: GlmmDesign, { term, order }: TermOrder): GlmmDesign {
  const original = design.random[term];
  const reordered: RandomEffectsTerm = {
    ...original,
    terms: order.map((c) => original.terms[c]),
    z: order.map((c) => original.z[c]),
  };
  return { ...design, random: design.random.map((t, i) => (i === term ? reordered : t)) };
}

/** Where the term's theta starts in the whole theta vector. */
export function thetaOffsetOf(design: GlmmDesign, term: number): number {
  let offset = 0;
  for (let t = 0; t < term; t++) offset += thetaLength(design.random[t].terms.length);
  return offset;
}

/**
 * theta of the reordered model from theta of the original one (`inverse` false), or back (`inverse`
 * true); only the term's block changes.
 */
export function reorderTheta(design: GlmmDesign, { term, order }: TermOrder, theta: ArrayLike<number>, inverse = false): Float64Array {
  const out = Float64Array.from(theta);
  const k = order.length;
  const offset = thetaOffsetOf(design, term);
  const lambda = new Float64Array(k * k);
  fillLambda(theta, offset, k, lambda);
  // Sigma of the source order.
  const sigma = new Float64Array(k * k);
  for (let r = 0; r < k; r++) {
    for (let s = 0; s < k; s++) {
      let acc = 0;
      for (let c = 0; c < k; c++) acc += lambda[r * k + c] * lambda[s * k + c];
      sigma[r * k + s] = acc;
    }
  }
  // Sigma' = P Sigma P': entry (a, b) of the reordered matrix is entry (order[a], order[b]) of the
  // original; the inverse map reads the other way.
  const target = new Float64Array(k * k);
  for (let a = 0; a < k; a++) {
    for (let b = 0; b < k; b++) {
      if (inverse) target[order[a] * k + order[b]] = sigma[a * k + b];
      else target[a * k + b] = sigma[order[a] * k + order[b]];
    }
  }
  const l = semidefiniteCholesky(target, k);
  let t = offset;
  for (let c = 0; c < k; c++) for (let r = c; r < k; r++) out[t++] = l[r * k + c];
  return out;
}

/**
 * The lower Cholesky factor of a symmetric positive semidefinite k x k matrix (row-major): a pivot at
 * or below 1e-14 times the largest diagonal counts as zero, and its column below is set to zero.
 */
export function semidefiniteCholesky(a: Float64Array, k: number): Float64Array {
  const l = new Float64Array(k * k);
  let scale = 0;
  for (let r = 0; r < k; r++) scale = Math.max(scale, a[r * k + r]);
  const tiny = 1e-14 * scale;
  for (let j = 0; j < k; j++) {
    let d = a[j * k + j];
    for (let c = 0; c < j; c++) d -= l[j * k + c] * l[j * k + c];
    if (d <= tiny) continue;
    const root = Math.sqrt(d);
    l[j * k + j] = root;
    for (let r = j + 1; r < k; r++) {
      let v = a[r * k + j];
      for (let c = 0; c < j; c++) v -= l[r * k + c] * l[j * k + c];
      l[r * k + j] = v / root;
    }
  }
  return l;
}
