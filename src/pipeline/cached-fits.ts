/**
 * Fits outside the workbench's cells (chapter 8's grid: the missing-data analyses and the
 * specification curve) through the same content-keyed fit cache (fit-cache.ts), so that
 *
 *   - a model the model chapters or chapter 7 already fitted (model 2, model 2 without cito) is read,
 *     not refitted: `fitThroughCache` keys a fit exactly as the workbench does (the content of the
 *     columns the formula uses, the formula, the reference levels of its factors, the solver settings
 *     and code), and logs it for the manifest the same way;
 *   - a completed data set of multiple imputation is fitted once per random structure however many AME
 *     conventions read it: `cachedDesignSolver` is a solver entry point (src/analysis/models.ts's
 *     DesignFit) that keys a fit by the content of the design itself (the response, every column of X,
 *     every random-effects term's levels, index and columns), since src/missing builds the completed
 *     designs itself. Its key parts name the design's blocks where the workbench's name frame columns.
 *
 * A fit that is computed prints its progress lines; one read from the cache prints nothing (the
 * manifest's fit-cache lines list it, and the curve's progress line counts the analyses).
 */
import { createHash } from "node:crypto";
import { referencesFor } from "../analysis/models";
import { recordFit, recordFitCache, recordTimedStep } from "../audit/run-log";
import { fitDesign } from "../glmm/fit";
import type { GlmmFit, GlmmOptions } from "../glmm/types";
import { buildDesign } from "../model/design";
import type { ColumnTable, GlmmDesign } from "../model/types";
import { controlOf, FIT_CACHE_FORMAT, fitCacheKey, fitKeyParts, solverVersion, type FitCache, type FitKeyParts } from "./fit-cache";
import { startProgress } from "./progress";

/** Where a fit came from, for the tables that list fits. */
export interface CachedFit {
  readonly fit: GlmmFit;
  readonly key: string;
  readonly fromCache: boolean;
  /** CPU seconds (this process, all threads) the call took: the fit's, or the cache read's. */
  readonly cpuSeconds: number;
}

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** Read `key` from the cache, or fit and store it; progress and manifest lines as the workbench writes them. */
function readOrFit(cache: FitCache | null, key: string, parts: FitKeyParts, design: () => GlmmDesign, glmm: GlmmOptions, label: string): CachedFit {
  const c0 = cpuSeconds();
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const d = design();
  let fit: GlmmFit;
  let fromCache = false;
  // A fit read from the cache prints nothing (the manifest lists it): a grid reads hundreds, and a
  // kernel's output channel is not the place for them. A fit that is computed shows its progress.
  if (cache !== null) {
    const found = cache.read(key, d);
    if (found.status === "hit") {
      fit = found.fit;
      fromCache = true;
      recordFitCache({ label, key, status: "hit", detail: `opgeslagen ${found.entry.createdAt}`, fitSeconds: found.fit.elapsedSeconds });
    } else {
      const progress = startProgress(`fit ${label}`);
      fit = fitDesign(d, glmm);
      cache.write(key, parts, fit);
      progress.done(`geschat in ${fit.elapsedSeconds.toFixed(1)} s en opgeslagen in de fitcache`);
      recordFitCache({ label, key, status: "miss", detail: found.reason, fitSeconds: fit.elapsedSeconds });
    }
  } else {
    const progress = startProgress(`fit ${label}`);
    fit = fitDesign(d, glmm);
    progress.done(`geschat in ${fit.elapsedSeconds.toFixed(1)} s (fitcache uit)`);
    recordFitCache({ label, key, status: "off", detail: "fitcache uit", fitSeconds: fit.elapsedSeconds });
  }
  recordTimedStep(`fit: ${label}`, "fit", startedAt, (performance.now() - t0) / 1000);
  recordFit(label, fit);
  return { fit, key, fromCache, cpuSeconds: cpuSeconds() - c0 };
}

/**
 * A solver entry point (DesignFit) for designs built from `table` with the reference levels of
 * `reference` (as src/analysis/models.ts's designFitter builds them), through the cache, keyed exactly
 * as ModelWorkbench.objective keys the same formula on the same data: so model 2 of chapters 5 and 6 and
 * chapter 7's model without cito are hits. A table with the same content (complete cases made again)
 * has the same key.
 */
export function tableKeyedSolver(cache: FitCache | null, table: ColumnTable, reference: Readonly<Record<string, string>>, label: string): (design: GlmmDesign, options?: GlmmOptions) => GlmmFit {
  return (design, options = {}) => {
    const glmm: GlmmOptions = { ...options, onProgress: undefined };
    const used = referencesFor(design.formula, reference);
    const parts = fitKeyParts(design.formula, table, { reference: used }, glmm);
    return readOrFit(cache, fitCacheKey(parts), parts, () => design, glmm, label).fit;
  };
}

/** `formula` fitted on `table` through the cache (tableKeyedSolver), with where the fit came from. */
export function fitThroughCache(cache: FitCache | null, formula: string, table: ColumnTable, reference: Readonly<Record<string, string>>, label: string, glmm: GlmmOptions = {}): CachedFit {
  const used = referencesFor(formula, reference);
  const parts = fitKeyParts(formula, table, { reference: used }, glmm);
  return readOrFit(cache, fitCacheKey(parts), parts, () => buildDesign(formula, table, { reference: used }), glmm, label);
}

function hashArray(h: ReturnType<typeof createHash>, a: Float64Array | Int32Array): void {
  h.update(a.constructor.name).update(Buffer.from(a.buffer, a.byteOffset, a.byteLength));
}

/** The key parts of fitting `design` with `glmm`: a SHA-256 per block of the design. */
export function designKeyParts(design: GlmmDesign, glmm: GlmmOptions = {}): FitKeyParts {
  const columns: Record<string, string> = {};
  const response = createHash("sha256");
  hashArray(response, design.response.successes);
  hashArray(response, design.response.trials);
  columns["design:response"] = response.digest("hex");
  const fixed = createHash("sha256");
  fixed.update(JSON.stringify(design.fixed.names));
  for (const c of design.fixed.columns) hashArray(fixed, c);
  columns["design:X"] = fixed.digest("hex");
  for (const term of design.random) {
    const h = createHash("sha256");
    h.update(JSON.stringify([term.group, term.terms, term.levels]));
    hashArray(h, term.index);
    for (const z of term.z) hashArray(h, z);
    columns[`design:(${term.terms.join(" + ")} | ${term.group})`] = h.digest("hex");
  }
  const reference = Object.fromEntries(design.fixed.info.filter((i) => i.kind === "factorLevel" && i.reference !== undefined).map((i) => [i.variable, i.reference as string]).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return { format: FIT_CACHE_FORMAT, data: { nrows: design.nobs, columns }, formula: design.formula.trim(), design: { reference, rankTolerance: null }, control: controlOf(glmm), solver: solverVersion() };
}

/**
 * A solver entry point (DesignFit) that goes through the cache, keyed by the design's content. `label`
 * names the fits in the progress lines and the manifest ("doorstroom 2020 MI 3-niveaus imputatie 4").
 */
export function cachedDesignSolver(cache: FitCache | null, label: (design: GlmmDesign, index: number) => string): (design: GlmmDesign, options?: GlmmOptions) => GlmmFit {
  let calls = 0;
  return (design, options = {}) => {
    const parts = designKeyParts(design, options);
    const glmm: GlmmOptions = { ...options, onProgress: undefined };
    return readOrFit(cache, fitCacheKey(parts), parts, () => design, glmm, label(design, calls++)).fit;
  };
}

