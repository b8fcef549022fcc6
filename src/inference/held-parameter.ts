/**
 * One parameter held at a value v on lme4's scale (an SD, a correlation or a fixed effect), every
 * other parameter free: the coordinates a profile optimises over (profile.ts).
 *
 * The objective's internal coordinates are x = (theta, beta~) (src/glmm/objective.ts). Held at v, the
 * free coordinates phi are x without one entry, and x(v, phi) is linear in phi:
 *
 *   SD of a term's first column       theta_11 = v                              (a theta coordinate)
 *   correlation of columns 1 and 2    (theta_21, theta_22) = s (v, sqrt(1 - v^2)), s = SD_2 free (>= 0)
 *   fixed effect beta_j               beta~_j = (v - sum_{c != j} T_jc beta~_c) / T_jj, beta = T beta~
 *
 * An SD of another column, or a correlation of other columns, is one of these in a model whose term
 * has its columns reordered (term-order.ts): the caller builds the objective of that design. Because
 * x is linear in phi, the gradient over phi is J' g_x and the Hessian J' H_x J exactly (J = dx/dphi).
 */
import type { LaplaceObjective } from "../glmm/objective";
import type { ModelParameter } from "./parameters";
import { thetaOffsetOf } from "./term-order";

export type HeldKind = "sd" | "cor" | "beta";

export class HeldParameter {
  readonly kind: HeldKind;
  /** Dimension of x, and of phi (one less). */
  readonly xDimension: number;
  readonly dimension: number;
  /** Lower bounds of phi. */
  readonly lower: Float64Array;
  /** The natural range of v. */
  readonly valueLower: number;
  readonly valueUpper: number;
  /** The entry of x that phi leaves out. */
  private readonly drop: number;
  /** cor: the entries theta_21 (holds s in phi) and theta_22 of the (reordered) term. */
  private readonly i21: number;
  private readonly i22: number;
  /** beta: row j of T, and j's position in x. */
  private readonly tRow: Float64Array;
  private readonly betaStart: number;

  /**
   * `objective` must be the objective of the design in which `parameter` is a first-column SD or a
   * correlation of the first two columns (reorderTerm), or any objective for a fixed effect.
   */
  constructor(
    readonly objective: LaplaceObjective,
    readonly parameter: ModelParameter,
  ) {
    this.kind = parameter.kind;
    this.xDimension = objective.dimension;
    this.dimension = objective.dimension - 1;
    this.valueLower = parameter.lower;
    this.valueUpper = parameter.upper;
    this.betaStart = objective.nTheta;
    this.tRow = new Float64Array(0);
    this.i21 = -1;
    this.i22 = -1;
    if (parameter.kind === "beta") {
      const p = objective.p;
      const j = parameter.index;
      this.drop = objective.nTheta + j;
      this.tRow = Float64Array.from({ length: p }, (_, c) => objective.scaling.transform[j * p + c]);
    } else {
      const offset = thetaOffsetOf(objective.design, parameter.term);
      const k = objective.design.random[parameter.term].terms.length;
      if (parameter.kind === "sd") {
        this.drop = offset;
      } else {
        if (k < 2) throw new Error(`held parameter: ${parameter.name} is a correlation of a term with ${k} column`);
        this.i21 = offset + 1;
        this.i22 = offset + k;
        this.drop = this.i22;
      }
    }
    this.lower = new Float64Array(this.dimension);
    for (let a = 0, e = 0; e < this.xDimension; e++) {
      if (e === this.drop) continue;
      this.lower[a++] = e === this.i21 ? 0 : objective.lower[e];
    }
  }

  /** Index in phi of x entry e (e != drop). */
  private phiIndex(e: number): number {
    return e < this.drop ? e : e - 1;
  }

  /** x(v, phi). */
  toX(value: number, phi: ArrayLike<number>, out: Float64Array = new Float64Array(this.xDimension)): Float64Array {
    for (let e = 0, a = 0; e < this.xDimension; e++) {
      if (e === this.drop) continue;
      out[e] = phi[a++];
    }
    switch (this.kind) {
      case "sd":
        out[this.drop] = value;
        break;
      case "cor": {
        const s = phi[this.phiIndex(this.i21)];
        out[this.i21] = value * s;
        out[this.i22] = Math.sqrt(Math.max(0, 1 - value * value)) * s;
        break;
      }
      case "beta": {
        let acc = value;
        const j = this.drop - this.betaStart;
        for (let c = 0; c < this.tRow.length; c++) if (c !== j) acc -= this.tRow[c] * out[this.betaStart + c];
        out[this.drop] = acc / this.tRow[j];
        break;
      }
    }
    return out;
  }

  /** (v, phi) of a point x of the objective. */
  fromX(x: ArrayLike<number>): { value: number; phi: Float64Array } {
    const phi = new Float64Array(this.dimension);
    for (let e = 0, a = 0; e < this.xDimension; e++) if (e !== this.drop) phi[a++] = x[e];
    let value: number;
    switch (this.kind) {
      case "sd":
        value = x[this.drop];
        break;
      case "cor": {
        const s = Math.hypot(x[this.i21], x[this.i22]);
        phi[this.phiIndex(this.i21)] = s;
        value = s > 0 ? x[this.i21] / s : 0;
        break;
      }
      case "beta": {
        value = 0;
        for (let c = 0; c < this.tRow.length; c++) value += this.tRow[c] * x[this.betaStart + c];
        break;
      }
    }
    return { value, phi };
  }

  /** J = dx/dphi at v (xDimension x dimension, row-major); it does not depend on phi. */
  jacobian(value: number): Float64Array {
    const n = this.xDimension;
    const m = this.dimension;
    const jac = new Float64Array(n * m);
    for (let e = 0; e < n; e++) if (e !== this.drop) jac[e * m + this.phiIndex(e)] = 1;
    if (this.kind === "cor") {
      const a = this.phiIndex(this.i21);
      jac[this.i21 * m + a] = value;
      jac[this.i22 * m + a] = Math.sqrt(Math.max(0, 1 - value * value));
    } else if (this.kind === "beta") {
      const j = this.drop - this.betaStart;
      for (let c = 0; c < this.tRow.length; c++) {
        if (c !== j) jac[this.drop * m + this.phiIndex(this.betaStart + c)] = -this.tRow[c] / this.tRow[j];
      }
    }
    return jac;
  }

  /** dx/dv at (v, phi) (NaN entries for a correlation at +-1, where sqrt(1 - v^2) has no derivative). */
  tangent(value: number, phi: ArrayLike<number>): Float64Array {
    const t = new Float64Array(this.xDimension);
    switch (this.kind) {
      case "sd":
        t[this.drop] = 1;
        break;
      case "cor": {
        const s = phi[this.phiIndex(this.i21)];
        t[this.i21] = s;
        t[this.i22] = (-value * s) / Math.sqrt(1 - value * value);
        break;
      }
      case "beta":
        t[this.drop] = 1 / this.tRow[this.drop - this.betaStart];
        break;
    }
    return t;
  }

  /** g_phi = J' g_x. */
  pullGradient(value: number, gx: ArrayLike<number>, out: Float64Array): void {
    for (let e = 0; e < this.xDimension; e++) if (e !== this.drop) out[this.phiIndex(e)] = gx[e];
    if (this.kind === "cor") {
      out[this.phiIndex(this.i21)] = value * gx[this.i21] + Math.sqrt(Math.max(0, 1 - value * value)) * gx[this.i22];
    } else if (this.kind === "beta") {
      const j = this.drop - this.betaStart;
      for (let c = 0; c < this.tRow.length; c++) {
        if (c !== j) out[this.phiIndex(this.betaStart + c)] -= (this.tRow[c] / this.tRow[j]) * gx[this.drop];
      }
    }
  }
}
