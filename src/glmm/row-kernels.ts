/**
 * The O(n) passes of the solver as kernels over a range of rows [start, end), so that the rows can be
 * split between two threads (row-engine.ts). Everything per row lives in SharedArrayBuffer-backed
 * arrays (RowArrays); the small vectors a pass reads (b = Lambda u, the selected inverse P, ...) are
 * copied into shared PassInputs before it; every sum over rows goes into the range's own ChunkSums,
 * which the caller adds up in a fixed order (chunk 0, then chunk 1). The split is the same whether
 * one or two threads run it, so results do not depend on the number of threads.
 *
 * Notation as in laplace.ts and gradient.ts: z_i (K nonzeros of row i of Z), W_i = m_i mu_i (1 - mu_i),
 * r_i = y_i - m_i mu_i, and Z'WZ accumulated in z-space over the pairs c1 <= c of packed columns,
 * pair (c1, c) stored at c(c+1)/2 + c1 (packed-rows.ts).
 *
 * This module must not import anything but types: the worker thread (row-worker.ts) loads it alone.
 */

/** Per-row arrays, shared between the threads. */
export interface RowArrays {
  readonly n: number;
  readonly p: number;
  /** Packed Z (packed-rows.ts). */
  readonly K: number;
  readonly nPairs: number;
  readonly z: Float64Array;
  readonly uIndex: Int32Array;
  readonly target: Int32Array;
  /** X~ column-major: column j is x[j n .. (j + 1) n). */
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly m: Float64Array;
  /** A known offset in the linear predictor (length n), or length 0 for none. */
  readonly offset: Float64Array;
  /** offset + X~ beta~ (the fixed part of the linear predictor). */
  readonly etaFixed: Float64Array;
  readonly eta: Float64Array;
  readonly mu: Float64Array;
  /** Per-row scratch: c_i and then e_i of the gradient; W_i and W_i x~_ij in RX'RX. */
  readonly c: Float64Array;
  readonly scratch: Float64Array;
}

/** Small vectors written by the main thread before a pass (shared). */
export interface PassInputs {
  /** b = Lambda u (length q). */
  readonly b: Float64Array;
  /** The selected inverse P = A^-1 in the block storage of Z'WZ. */
  readonly pAll: Float64Array;
  /** Lambda w of the gradient (length q). */
  readonly bw: Float64Array;
  /** Coefficients for X~ coef (length p). */
  readonly coef: Float64Array;
  /** v_i = Lambda' z_i as (source column, coefficient) lists per packed column, and the trace pairs. */
  readonly vFrom: Int32Array;
  readonly vCoef: Float64Array;
  readonly vStart: Int32Array;
  readonly trRow: Int32Array;
  readonly trCol: Int32Array;
  readonly trIndex: Int32Array;
}

/** Sums over one chunk of rows (shared; each thread writes only its own chunk's). */
export interface ChunkSums {
  /** Z'WZ in block storage. */
  readonly kAll: Float64Array;
  /** Z'r, Z'c, Z'e in u-layout (length q). */
  readonly zr: Float64Array;
  readonly zc: Float64Array;
  readonly ze: Float64Array;
  /** tr(P Lambda' Z'WZ dLambda) sums per term, k x k each (gradient.ts). */
  readonly trace: Float64Array;
  /** X~' v for the pass's v (length p). */
  readonly xv: Float64Array;
  /** X~'WX~ (p x p, lower triangle filled) and Z'WX~ (q x p row-major). */
  readonly xwx: Float64Array;
  readonly zwx: Float64Array;
  /** [0]: the conditional deviance -2 sum log p(y_i | u) of the chunk. */
  readonly scalars: Float64Array;
}

/** Everything a kernel may touch; the same buffers seen from either thread. */
export interface RowContext {
  readonly rows: RowArrays;
  readonly inputs: PassInputs;
  readonly chunks: readonly ChunkSums[];
  /** Row ranges: chunk c is [bounds[c], bounds[c + 1]). */
  readonly bounds: Int32Array;
  /** Views of the columns of X~. */
  readonly columns: readonly Float64Array[];
}

export const Kernel = {
  /** eta, mu, the conditional deviance, Z'WZ and Z'r. */
  Evaluate: 1,
  /** Gradient pass 1: c_i = W'_i v_i'P v_i, Z'c and the trace sums. */
  GradientFirst: 2,
  /** Gradient pass 2: e_i = c_i - W_i (Z Lambda w)_i - 2 r_i, Z'e and X~'e. */
  GradientSecond: 3,
  /** X~'r, the beta score of the penalised deviance (up to -2). */
  BetaScore: 4,
  /** etaFixed (= the offset, or 0, first if flag 1) += X~ coef. */
  LinearPredictor: 5,
  /** Z'WX~; flag 1: also X~'WX~. */
  Crossproducts: 6,
} as const;
export type Kernel = (typeof Kernel)[keyof typeof Kernel];

/**
 * Whether the passes written out for K = 2 and K = 3 are used (they compute the same sums in the same
 * order as the general loops; tests switch them off to check that bit for bit). Per thread.
 */
export const writtenOut = { enabled: true };

export function columnViews(rows: RowArrays): Float64Array[] {
  const out: Float64Array[] = [];
  for (let j = 0; j < rows.p; j++) out.push(rows.x.subarray(j * rows.n, (j + 1) * rows.n));
  return out;
}

/** Runs `kernel` on chunk `chunk` of the rows. */
export function runKernel(ctx: RowContext, kernel: Kernel, chunk: number, flag: number): void {
  const start = ctx.bounds[chunk];
  const end = ctx.bounds[chunk + 1];
  const sums = ctx.chunks[chunk];
  switch (kernel) {
    case Kernel.Evaluate:
      evaluateRange(ctx.rows, ctx.inputs, sums, start, end);
      return;
    case Kernel.GradientFirst:
      gradientFirstRange(ctx.rows, ctx.inputs, sums, start, end);
      return;
    case Kernel.GradientSecond:
      gradientSecondRange(ctx.rows, ctx.inputs, sums, start, end);
      crossprodRange(ctx.columns, ctx.rows.c, sums.xv, start, end);
      return;
    case Kernel.BetaScore:
      betaScoreRange(ctx.rows, ctx.columns, sums, start, end);
      return;
    case Kernel.LinearPredictor:
      linearPredictorRange(ctx.rows, ctx.columns, ctx.inputs.coef, start, end, flag === 1);
      return;
    case Kernel.Crossproducts:
      crossproductsRange(ctx.rows, ctx.columns, sums, start, end, flag === 1);
      return;
    default:
      throw new Error(`glmm: unknown row kernel ${String(kernel)}`);
  }
}

/** mu = 1 / (1 + e^-eta), from ex = e^-|eta| so that neither branch overflows. */
function logistic(eta: number, ex: number): number {
  return (eta >= 0 ? 1 : ex) / (1 + ex);
}

/**
 * -2 log p(y | eta) without the binomial coefficient: -2 (y eta - m log(1 + e^eta)), with
 * log(1 + e^eta) = max(eta, 0) + log1p(e^-|eta|) (ex = e^-|eta|) so that it never overflows.
 */
function binomialDeviance(y: number, m: number, eta: number, ex: number): number {
  return -2 * (y * eta - m * ((eta > 0 ? eta : 0) + Math.log1p(ex)));
}

/**
 * eta_i = x~_i' beta~ + z_i' b, mu_i = logistic(eta_i), and -2 log p(y_i | u) = -2 (y_i eta_i - m_i
 * log(1 + e^eta_i)), Z'WZ += W_i z_i z_i' and Z'r += r_i z_i.
 */
function evaluateRange(R: RowArrays, I: PassInputs, S: ChunkSums, start: number, end: number): void {
  const { K, nPairs, z, uIndex, target, y, m, etaFixed, eta, mu } = R;
  if (writtenOut.enabled && (K === 2 || K === 3)) {
    if (K === 3) evaluateRange3(R, I, S, start, end);
    else evaluateRange2(R, I, S, start, end);
    return;
  }
  const b = I.b;
  const { kAll, zr } = S;
  kAll.fill(0);
  zr.fill(0);
  let dev = 0;
  for (let i = start; i < end; i++) {
    const base = i * K;
    let e = etaFixed[i];
    for (let c = 0; c < K; c++) e += z[base + c] * b[uIndex[base + c]];
    eta[i] = e;
    const ex = Math.exp(-Math.abs(e));
    const mui = logistic(e, ex);
    mu[i] = mui;
    const mi = m[i];
    const yi = y[i];
    dev += binomialDeviance(yi, mi, e, ex);
    const w = mi * mui * (1 - mui);
    const r = yi - mi * mui;
    let pb = i * nPairs;
    for (let c = 0; c < K; c++) {
      const zc = z[base + c];
      zr[uIndex[base + c]] += r * zc;
      const wz = w * zc;
      for (let c1 = 0; c1 <= c; c1++) kAll[target[pb++]] += wz * z[base + c1];
    }
  }
  S.scalars[0] = dev;
}

/**
 * The pass written out for K = 3 (a correlated intercept and slope per location and an
 * intercept per institution: model 2): with K a constant the compiler drops the short loops. Same
 * sums in the same order as the general loop.
 */
function evaluateRange3(R: RowArrays, I: PassInputs, S: ChunkSums, start: number, end: number): void {
  const { z, uIndex, target, y, m, etaFixed, eta, mu } = R;
  const b = I.b;
  const { kAll, zr } = S;
  kAll.fill(0);
  zr.fill(0);
  let dev = 0;
  for (let i = start; i < end; i++) {
    const base = i * 3;
    const z0 = z[base];
    const z1 = z[base + 1];
    const z2 = z[base + 2];
    const u0 = uIndex[base];
    const u1 = uIndex[base + 1];
    const u2 = uIndex[base + 2];
    const e = etaFixed[i] + z0 * b[u0] + z1 * b[u1] + z2 * b[u2];
    eta[i] = e;
    const ex = Math.exp(-Math.abs(e));
    const mui = logistic(e, ex);
    mu[i] = mui;
    const mi = m[i];
    const yi = y[i];
    dev += binomialDeviance(yi, mi, e, ex);
    const w = mi * mui * (1 - mui);
    const r = yi - mi * mui;
    zr[u0] += r * z0;
    zr[u1] += r * z1;
    zr[u2] += r * z2;
    const pb = i * 6;
    const w0 = w * z0;
    const w1 = w * z1;
    const w2 = w * z2;
    kAll[target[pb]] += w0 * z0;
    kAll[target[pb + 1]] += w1 * z0;
    kAll[target[pb + 2]] += w1 * z1;
    kAll[target[pb + 3]] += w2 * z0;
    kAll[target[pb + 4]] += w2 * z1;
    kAll[target[pb + 5]] += w2 * z2;
  }
  S.scalars[0] = dev;
}

/** The pass written out for K = 2 (two random intercepts: models 0 to 1c). */
function evaluateRange2(R: RowArrays, I: PassInputs, S: ChunkSums, start: number, end: number): void {
  const { z, uIndex, target, y, m, etaFixed, eta, mu } = R;
  const b = I.b;
  const { kAll, zr } = S;
  kAll.fill(0);
  zr.fill(0);
  let dev = 0;
  for (let i = start; i < end; i++) {
    const base = i * 2;
    const z0 = z[base];
    const z1 = z[base + 1];
    const u0 = uIndex[base];
    const u1 = uIndex[base + 1];
    const e = etaFixed[i] + z0 * b[u0] + z1 * b[u1];
    eta[i] = e;
    const ex = Math.exp(-Math.abs(e));
    const mui = logistic(e, ex);
    mu[i] = mui;
    const mi = m[i];
    const yi = y[i];
    dev += binomialDeviance(yi, mi, e, ex);
    const w = mi * mui * (1 - mui);
    const r = yi - mi * mui;
    zr[u0] += r * z0;
    zr[u1] += r * z1;
    const pb = i * 3;
    const w0 = w * z0;
    const w1 = w * z1;
    kAll[target[pb]] += w0 * z0;
    kAll[target[pb + 1]] += w1 * z0;
    kAll[target[pb + 2]] += w1 * z1;
  }
  S.scalars[0] = dev;
}

/**
 * Gradient pass 1 (gradient.ts): v_i = Lambda' z_i, (P v_i), h_i = v_i' P v_i, c_i = W'_i h_i with
 * W' = W (1 - 2 mu); Z'c += c_i z_i and trace[t][r][c] += W_i z_{t,r}(i) (P v_i)_{t,c}.
 */
function gradientFirstRange(R: RowArrays, I: PassInputs, S: ChunkSums, start: number, end: number): void {
  const { K, nPairs, z, uIndex, target, m, mu, c } = R;
  const { pAll, vFrom, vCoef, vStart, trRow, trCol, trIndex } = I;
  const nTr = trRow.length;
  const { zc, trace } = S;
  zc.fill(0);
  trace.fill(0);
  if (writtenOut.enabled && (K === 2 || K === 3)) {
    if (K === 3) gradientFirstRange3(R, I, S, start, end);
    else gradientFirstRange2(R, I, S, start, end);
    return;
  }
  // v and P v for one row: K <= 64 values, kept in two local arrays allocated once per pass.
  const v = new Float64Array(K);
  const av = new Float64Array(K);
  for (let i = start; i < end; i++) {
    const base = i * K;
    for (let cc = 0; cc < K; cc++) {
      let acc = 0;
      for (let e = vStart[cc]; e < vStart[cc + 1]; e++) acc += vCoef[e] * z[base + vFrom[e]];
      v[cc] = acc;
      av[cc] = 0;
    }
    // P v over the stored pairs (c1 <= c2, P symmetric).
    let pb = i * nPairs;
    for (let c2 = 0; c2 < K; c2++) {
      const v2 = v[c2];
      let acc = 0;
      for (let c1 = 0; c1 < c2; c1++) {
        const pv = pAll[target[pb++]];
        acc += pv * v[c1];
        av[c1] += pv * v2;
      }
      av[c2] += acc + pAll[target[pb++]] * v2;
    }
    let h = 0;
    for (let cc = 0; cc < K; cc++) h += v[cc] * av[cc];
    const mui = mu[i];
    const wi = m[i] * mui * (1 - mui);
    const ci = wi * (1 - 2 * mui) * h;
    c[i] = ci;
    for (let cc = 0; cc < K; cc++) zc[uIndex[base + cc]] += ci * z[base + cc];
    for (let e = 0; e < nTr; e++) trace[trIndex[e]] += wi * z[base + trRow[e]] * av[trCol[e]];
  }
}

/**
 * Gradient pass 1 written out for K = 3 (model 2), with the same sums in the same order as the
 * general loop: v = M z with M the dense 3 x 3 form of the (source, coefficient) lists, P v from the
 * six stored entries of P, and each trace entry summed over the rows in its own local.
 */
function gradientFirstRange3(R: RowArrays, I: PassInputs, S: ChunkSums, start: number, end: number): void {
  const { z, uIndex, target, m, mu, c } = R;
  const { pAll, vFrom, vCoef, vStart, trRow, trCol, trIndex } = I;
  const { zc, trace } = S;
  const M = new Float64Array(9);
  for (let cc = 0; cc < 3; cc++) for (let e = vStart[cc]; e < vStart[cc + 1]; e++) M[cc * 3 + vFrom[e]] += vCoef[e];
  const m00 = M[0];
  const m01 = M[1];
  const m02 = M[2];
  const m10 = M[3];
  const m11 = M[4];
  const m12 = M[5];
  const m20 = M[6];
  const m21 = M[7];
  const m22 = M[8];
  // t_rc = sum_i W_i z_r(i) (P v_i)_c for the nine (r, c); only the pairs in the trace lists are used.
  let t00 = 0;
  let t01 = 0;
  let t02 = 0;
  let t10 = 0;
  let t11 = 0;
  let t12 = 0;
  let t20 = 0;
  let t21 = 0;
  let t22 = 0;
  for (let i = start; i < end; i++) {
    const base = i * 3;
    const z0 = z[base];
    const z1 = z[base + 1];
    const z2 = z[base + 2];
    const v0 = m00 * z0 + m01 * z1 + m02 * z2;
    const v1 = m10 * z0 + m11 * z1 + m12 * z2;
    const v2 = m20 * z0 + m21 * z1 + m22 * z2;
    const pb = i * 6;
    const p00 = pAll[target[pb]];
    const p01 = pAll[target[pb + 1]];
    const p11 = pAll[target[pb + 2]];
    const p02 = pAll[target[pb + 3]];
    const p12 = pAll[target[pb + 4]];
    const p22 = pAll[target[pb + 5]];
    const a0 = p00 * v0 + p01 * v1 + p02 * v2;
    const a1 = p01 * v0 + p11 * v1 + p12 * v2;
    const a2 = p02 * v0 + p12 * v1 + p22 * v2;
    const h = v0 * a0 + v1 * a1 + v2 * a2;
    const mui = mu[i];
    const wi = m[i] * mui * (1 - mui);
    const ci = wi * (1 - 2 * mui) * h;
    c[i] = ci;
    zc[uIndex[base]] += ci * z0;
    zc[uIndex[base + 1]] += ci * z1;
    zc[uIndex[base + 2]] += ci * z2;
    const w0 = wi * z0;
    const w1 = wi * z1;
    const w2 = wi * z2;
    t00 += w0 * a0;
    t01 += w0 * a1;
    t02 += w0 * a2;
    t10 += w1 * a0;
    t11 += w1 * a1;
    t12 += w1 * a2;
    t20 += w2 * a0;
    t21 += w2 * a1;
    t22 += w2 * a2;
  }
  const t = [t00, t01, t02, t10, t11, t12, t20, t21, t22];
  for (let e = 0; e < trRow.length; e++) trace[trIndex[e]] += t[trRow[e] * 3 + trCol[e]];
}

/** Gradient pass 1 written out for K = 2 (two random intercepts), as gradientFirstRange3. */
function gradientFirstRange2(R: RowArrays, I: PassInputs, S: ChunkSums, start: number, end: number): void {
  const { z, uIndex, target, m, mu, c } = R;
  const { pAll, vFrom, vCoef, vStart, trRow, trCol, trIndex } = I;
  const { zc, trace } = S;
  const M = new Float64Array(4);
  for (let cc = 0; cc < 2; cc++) for (let e = vStart[cc]; e < vStart[cc + 1]; e++) M[cc * 2 + vFrom[e]] += vCoef[e];
  const m00 = M[0];
  const m01 = M[1];
  const m10 = M[2];
  const m11 = M[3];
  let t00 = 0;
  let t01 = 0;
  let t10 = 0;
  let t11 = 0;
  for (let i = start; i < end; i++) {
    const base = i * 2;
    const z0 = z[base];
    const z1 = z[base + 1];
    const v0 = m00 * z0 + m01 * z1;
    const v1 = m10 * z0 + m11 * z1;
    const pb = i * 3;
    const p00 = pAll[target[pb]];
    const p01 = pAll[target[pb + 1]];
    const p11 = pAll[target[pb + 2]];
    const a0 = p00 * v0 + p01 * v1;
    const a1 = p01 * v0 + p11 * v1;
    const h = v0 * a0 + v1 * a1;
    const mui = mu[i];
    const wi = m[i] * mui * (1 - mui);
    const ci = wi * (1 - 2 * mui) * h;
    c[i] = ci;
    zc[uIndex[base]] += ci * z0;
    zc[uIndex[base + 1]] += ci * z1;
    const w0 = wi * z0;
    const w1 = wi * z1;
    t00 += w0 * a0;
    t01 += w0 * a1;
    t10 += w1 * a0;
    t11 += w1 * a1;
  }
  const t = [t00, t01, t10, t11];
  for (let e = 0; e < trRow.length; e++) trace[trIndex[e]] += t[trRow[e] * 2 + trCol[e]];
}

/** Gradient pass 2: e_i = c_i - W_i (Z Lambda w)_i - 2 r_i into c, and Z'e += e_i z_i. */
function gradientSecondRange(R: RowArrays, I: PassInputs, S: ChunkSums, start: number, end: number): void {
  const { K, z, uIndex, y, m, mu, c } = R;
  const bw = I.bw;
  const ze = S.ze;
  ze.fill(0);
  for (let i = start; i < end; i++) {
    const base = i * K;
    let zlw = 0;
    for (let cc = 0; cc < K; cc++) zlw += z[base + cc] * bw[uIndex[base + cc]];
    const mui = mu[i];
    const mi = m[i];
    const ei = c[i] - mi * mui * (1 - mui) * zlw - 2 * (y[i] - mi * mui);
    c[i] = ei;
    for (let cc = 0; cc < K; cc++) ze[uIndex[base + cc]] += ei * z[base + cc];
  }
}

/** xv_j = sum_i x~_ij (y_i - m_i mu_i). */
function betaScoreRange(R: RowArrays, columns: readonly Float64Array[], S: ChunkSums, start: number, end: number): void {
  const { y, m, mu, scratch } = R;
  for (let i = start; i < end; i++) scratch[i] = y[i] - m[i] * mu[i];
  crossprodRange(columns, scratch, S.xv, start, end);
}

/**
 * out_j = sum_{i in range} x_ij v_i for j < count. Four columns share one sweep over the rows, each
 * with its own accumulator in row order.
 */
function crossprodRange(
  columns: readonly Float64Array[],
  v: Float64Array,
  out: Float64Array,
  start: number,
  end: number,
  count = columns.length,
  offset = 0,
): void {
  let j = 0;
  for (; j + 4 <= count; j += 4) {
    const x0 = columns[j];
    const x1 = columns[j + 1];
    const x2 = columns[j + 2];
    const x3 = columns[j + 3];
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let i = start; i < end; i++) {
      const vi = v[i];
      s0 += x0[i] * vi;
      s1 += x1[i] * vi;
      s2 += x2[i] * vi;
      s3 += x3[i] * vi;
    }
    out[offset + j] = s0;
    out[offset + j + 1] = s1;
    out[offset + j + 2] = s2;
    out[offset + j + 3] = s3;
  }
  for (; j < count; j++) {
    const xj = columns[j];
    let s = 0;
    for (let i = start; i < end; i++) s += xj[i] * v[i];
    out[offset + j] = s;
  }
}

/**
 * etaFixed_i (reset first if asked, to the offset o_i or to 0 without one) += sum_j coef_j x~_ij over
 * the nonzero coef, in index order.
 */
function linearPredictorRange(
  R: RowArrays,
  columns: readonly Float64Array[],
  coef: Float64Array,
  start: number,
  end: number,
  reset: boolean,
): void {
  const out = R.etaFixed;
  if (reset) {
    if (R.offset.length > 0) out.set(R.offset.subarray(start, end), start);
    else out.fill(0, start, end);
  }
  const p = R.p;
  let j = 0;
  for (;;) {
    // The next (up to) four columns with a nonzero coefficient.
    const idx = [-1, -1, -1, -1];
    let found = 0;
    while (j < p && found < 4) {
      if (coef[j] !== 0) idx[found++] = j;
      j++;
    }
    if (found === 0) break;
    if (found === 4) {
      const x0 = columns[idx[0]];
      const x1 = columns[idx[1]];
      const x2 = columns[idx[2]];
      const x3 = columns[idx[3]];
      const c0 = coef[idx[0]];
      const c1 = coef[idx[1]];
      const c2 = coef[idx[2]];
      const c3 = coef[idx[3]];
      for (let i = start; i < end; i++) {
        let acc = out[i];
        acc += c0 * x0[i];
        acc += c1 * x1[i];
        acc += c2 * x2[i];
        acc += c3 * x3[i];
        out[i] = acc;
      }
    } else {
      for (let k = 0; k < found; k++) {
        const xj = columns[idx[k]];
        const cj = coef[idx[k]];
        for (let i = start; i < end; i++) out[i] += cj * xj[i];
      }
    }
  }
}

/**
 * Z'WX~ (q x p, row-major) and, if asked, X~'WX~ (lower triangle and its mirror).
 *
 * Z'WX~ four columns per sweep over the rows: row i adds W_i z_ic (x~_ia, ..., x~_i,a+3) to four
 * adjacent entries of row uIndex(i, c) (one column per sweep would touch p K scattered entries per
 * row; all p columns per row would gather from p arrays per row, which is slower still). X~'WX~ column by column: with c_i = W_i, x~_b' (c x~_a) for
 * b <= a, four columns per sweep (crossprodRange).
 */
function crossproductsRange(
  R: RowArrays,
  columns: readonly Float64Array[],
  S: ChunkSums,
  start: number,
  end: number,
  withXwx: boolean,
): void {
  const { K, z, uIndex, m, mu, c, scratch, p } = R;
  const { xwx, zwx } = S;
  zwx.fill(0);
  for (let i = start; i < end; i++) {
    const mui = mu[i];
    c[i] = m[i] * mui * (1 - mui);
  }
  // Four columns per sweep: row i adds W_i z_ic (x~_ia .. x~_i,a+3) to four adjacent entries.
  let a = 0;
  for (; a + 4 <= p; a += 4) {
    const x0 = columns[a];
    const x1 = columns[a + 1];
    const x2 = columns[a + 2];
    const x3 = columns[a + 3];
    for (let i = start; i < end; i++) {
      const w = c[i];
      const v0 = w * x0[i];
      const v1 = w * x1[i];
      const v2 = w * x2[i];
      const v3 = w * x3[i];
      const base = i * K;
      for (let cc = 0; cc < K; cc++) {
        const zc = z[base + cc];
        if (zc === 0) continue;
        const o = uIndex[base + cc] * p + a;
        zwx[o] += zc * v0;
        zwx[o + 1] += zc * v1;
        zwx[o + 2] += zc * v2;
        zwx[o + 3] += zc * v3;
      }
    }
  }
  for (; a < p; a++) {
    const xa = columns[a];
    for (let i = start; i < end; i++) {
      const v = c[i] * xa[i];
      const base = i * K;
      for (let cc = 0; cc < K; cc++) zwx[uIndex[base + cc] * p + a] += z[base + cc] * v;
    }
  }
  if (!withXwx) return;
  // X~'WX~ by columns: entry (a, b), b <= a, is sum_i x~_ib (W_i x~_ia), summed in row order from 0;
  // four b share one sweep over the rows. Written out here rather than through crossprodRange so that
  // the whole kernel is one function that V8 optimises (on-stack) once, early in its first call: a
  // helper entered p times starts cold each time, and the first fit's RX'RX ran mostly interpreted.
  for (let a = 0; a < p; a++) {
    const xa = columns[a];
    for (let i = start; i < end; i++) scratch[i] = c[i] * xa[i];
    let b = 0;
    for (; b + 4 <= a + 1; b += 4) {
      const x0 = columns[b];
      const x1 = columns[b + 1];
      const x2 = columns[b + 2];
      const x3 = columns[b + 3];
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let i = start; i < end; i++) {
        const vi = scratch[i];
        s0 += x0[i] * vi;
        s1 += x1[i] * vi;
        s2 += x2[i] * vi;
        s3 += x3[i] * vi;
      }
      xwx[a * p + b] = s0;
      xwx[b * p + a] = s0;
      xwx[a * p + b + 1] = s1;
      xwx[(b + 1) * p + a] = s1;
      xwx[a * p + b + 2] = s2;
      xwx[(b + 2) * p + a] = s2;
      xwx[a * p + b + 3] = s3;
      xwx[(b + 3) * p + a] = s3;
    }
    for (; b <= a; b++) {
      const xb = columns[b];
      let s = 0;
      for (let i = start; i < end; i++) s += xb[i] * scratch[i];
      xwx[a * p + b] = s;
      xwx[b * p + a] = s;
    }
  }
}
