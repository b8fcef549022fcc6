/**
 * The inverse logit link of the binomial GLMM, mu = 1 / (1 + exp(-eta)), written so that it neither
 * overflows for large |eta| nor loses the small tail probability.
 */
export function logistic(eta: number): number {
  if (eta >= 0) return 1 / (1 + Math.exp(-eta));
  const e = Math.exp(eta);
  return e / (1 + e);
}

/** Variance of the standard logistic distribution, pi^2 / 3: the level-1 variance of a logit model on the latent scale. */
export const LOGISTIC_VARIANCE = (Math.PI * Math.PI) / 3;
