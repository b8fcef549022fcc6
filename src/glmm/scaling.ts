/**
 * Internal centring and scaling of the fixed-effect columns.
 *
 * The optimiser works on X~ with x~_j = (x_j - m_j) / s_j (m_j the mean, s_j the SD) for every
 * non-constant column when the design has an intercept, x~_j = x_j / s_j without one. The fit is the
 * same model, reparametrised linearly: eta = X~ beta~ = X beta with beta = T beta~, where
 *
 *   beta_j = beta~_j / s_j,   beta_0 = beta~_0 - sum_j m_j beta~_j / s_j   (0 = the intercept),
 *
 * so results are back-transformed exactly: beta = T beta~, vcov(beta) = T vcov(beta~) T', and a
 * gradient transforms as dd/dbeta = T^-T dd/dbeta~.
 */

export interface FixedScaling {
  /** The scaled columns X~ (new arrays; the design's X is not touched). */
  readonly columns: Float64Array[];
  /** p x p row-major T with beta = T beta~. */
  readonly transform: Float64Array;
  /** p x p row-major T^-1 with beta~ = T^-1 beta. */
  readonly inverse: Float64Array;
  readonly intercept: number;
}

export function scaleFixedEffects(columns: readonly Float64Array[], names: readonly string[]): FixedScaling {
  const p = columns.length;
  const n = p > 0 ? columns[0].length : 0;
  let intercept = -1;
  const constant: boolean[] = [];
  for (let j = 0; j < p; j++) {
    const x = columns[j];
    let isConst = true;
    for (let i = 1; i < n; i++) {
      if (x[i] !== x[0]) {
        isConst = false;
        break;
      }
    }
    constant.push(isConst);
    if (isConst && n > 0 && x[0] === 1 && intercept < 0) intercept = j;
  }
  const transform = new Float64Array(p * p);
  const inverse = new Float64Array(p * p);
  const scaled: Float64Array[] = [];
  for (let j = 0; j < p; j++) {
    const x = columns[j];
    if (constant[j]) {
      if (j !== intercept && n > 0 && x[0] === 0) {
        throw new Error(`glmm: fixed-effect column "${names[j]}" is all zero`);
      }
      scaled.push(Float64Array.from(x));
      transform[j * p + j] = 1;
      inverse[j * p + j] = 1;
      continue;
    }
    let mean = 0;
    for (let i = 0; i < n; i++) mean += x[i];
    mean /= n;
    let ss = 0;
    for (let i = 0; i < n; i++) ss += (x[i] - mean) * (x[i] - mean);
    const sd = Math.sqrt(ss / Math.max(n - 1, 1));
    const centre = intercept >= 0 ? mean : 0;
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = (x[i] - centre) / sd;
    scaled.push(out);
    transform[j * p + j] = 1 / sd;
    inverse[j * p + j] = sd;
    if (intercept >= 0) {
      transform[intercept * p + j] = -centre / sd;
      // beta~_0 = beta_0 + sum_j m_j beta_j
      inverse[intercept * p + j] = centre;
    }
  }
  return { columns: scaled, transform, inverse, intercept };
}
