/**
 * A confidence interval for one parameter or statistic, the shape `glmm fit --json` prints under
 * `intervals` and chapter 8 tabulates:
 *
 *   { parameter: "sd_(Intercept)|locatie", method: "profile", level: 0.95, lower, upper, note }
 *
 * `note` says what a reader must know to trust the two numbers: a limit set to the boundary of the
 * parameter's range (an SD of 0, a correlation of +-1) instead of being reached by the profile, a
 * profile that is not monotone, how many bootstrap replicates entered and how many failed or were
 * singular. An empty note means nothing needed saying. A limit that could not be determined is NaN
 * (null in JSON) and the note says why.
 */

export type IntervalMethod = "profile" | "bootstrap";

export interface Interval {
  /** lme4's name (confint, oldNames = FALSE) or the statistic's name (icc_adjusted, r2_conditional, ame...). */
  readonly parameter: string;
  readonly method: IntervalMethod;
  readonly level: number;
  readonly lower: number;
  readonly upper: number;
  readonly note: string;
}

/** `level` itself when it is a probability strictly between 0 and 1; an error naming it otherwise. */
export function checkLevel(level: number): number {
  if (!(level > 0 && level < 1)) throw new Error(`interval level must be strictly between 0 and 1, got ${level}`);
  return level;
}
