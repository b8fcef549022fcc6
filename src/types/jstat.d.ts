/**
 * The part of jstat 1.9.6 the workspace uses (src/numeric/distributions.ts); jstat ships no types.
 * `require("jstat")` returns the jStat object, which also carries itself as `jStat`.
 */
declare module "jstat" {
  interface JStatNormal {
    /** Phi^-1(p) scaled: mean + sd * z_p. */
    inv(p: number, mean: number, sd: number): number;
    cdf(x: number, mean: number, sd: number): number;
  }
  interface JStatChiSquare {
    inv(p: number, df: number): number;
    cdf(x: number, df: number): number;
  }
  export const jStat: {
    readonly normal: JStatNormal;
    readonly chisquare: JStatChiSquare;
  };
}
