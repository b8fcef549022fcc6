/**
 * Runs bootstrap replicates on one thread: replicate r = simulate a response (simulate-response.ts),
 * refit from the original optimum (replicate-fit.ts), compute the row of statistics
 * (bootstrap-statistics.ts). One objective of the design serves every replicate of the runner
 * (LaplaceObjective.setResponse: the rows are packed once), and each replicate starts it afresh, so
 * replicate r gives the same numbers on any runner, in any order.
 */
import type { GlmmFit } from "../glmm/types";
import { laplaceObjective, type LaplaceObjective } from "../glmm/objective";
import { refitNear, type RefitStart } from "../glmm/refit";
import { replicateFit } from "./replicate-fit";
import { simulateResponse } from "./simulate-response";
import { statisticNames, statisticRow, type StatisticsSettings } from "./bootstrap-statistics";

/** Where every replicate starts: the original optimum in the objective's internal coordinates, and the full Hessian there. */
export type ReplicateStart = RefitStart;

export interface RunnerSettings {
  readonly seed: number;
  /** BFGS decrement and iteration limit of a replicate's refit. */
  readonly tolerance: number;
  readonly maxIterations: number;
  readonly statistics: StatisticsSettings;
  /** Threads of the runner's O(n) passes (1 when replicates run side by side). */
  readonly threads?: number;
}

export class ReplicateRunner {
  private readonly objective: LaplaceObjective;
  private readonly response: Float64Array;
  private readonly names: readonly string[];

  constructor(
    private readonly fit: GlmmFit,
    private readonly start: ReplicateStart,
    private readonly settings: RunnerSettings,
  ) {
    this.objective = laplaceObjective(fit.design, {
      ...(settings.threads !== undefined ? { threads: settings.threads } : {}),
      ...(fit.offset !== undefined ? { offset: fit.offset } : {}),
    });
    this.response = new Float64Array(fit.nobs);
    this.names = statisticNames(fit, settings.statistics);
  }

  /** The row of replicate r (NaN statistics and .converged 0 if its refit threw; the error is returned too). */
  run(replicate: number): { row: Float64Array; error: string | null } {
    simulateResponse(this.fit, this.settings.seed, replicate, this.response);
    this.objective.setResponse(this.response);
    try {
      const refit = refitNear(this.objective, this.start, this.settings);
      const fit = replicateFit(this.objective, refit);
      const c = fit.convergence;
      return {
        row: statisticRow(fit, this.settings.statistics, {
          converged: c.converged,
          singular: c.singular,
          fallback: refit.fallback,
          deviance: fit.deviance,
          decrement: refit.decrement,
          iterations: refit.iterations,
        }),
        error: null,
      };
    } catch (e) {
      // A refit that fails outright: no statistics, counted as not converged.
      const row = new Float64Array(this.names.length).fill(Number.NaN);
      row[this.names.indexOf(".converged")] = 0;
      row[this.names.indexOf(".singular")] = 0;
      return { row, error: e instanceof Error ? e.message : String(e) };
    }
  }

  release(): void {
    this.objective.release();
  }
}
