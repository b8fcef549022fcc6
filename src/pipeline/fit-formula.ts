/**
 * Fit one formula on one analysis frame through the fit cache, without a notebook display: the call for
 * code that fits many models and shows its own summary of them (a specification curve, a sensitivity
 * loop), where the workbench (src/pipeline/workbench.ts) would show every stage of every fit.
 *
 *   design   buildDesign(formula, frame) with the reference levels of the factors the formula uses
 *            (kept per frame and formula in this process, like the workbench's designs);
 *   key      fitKeyParts + fitCacheKey (src/pipeline/fit-cache.ts): the content of the columns used, the
 *            formula, the references, the solver settings, the solver code;
 *   fit      read from the cache when the key is there ("hit"), else fitDesign (the three solver stages,
 *            bit-identical to the workbench's objective -> optimise -> assemble) and stored ("miss"), or
 *            fitted without a cache when it is switched off ("off").
 *
 * The key is the workbench's for the same formula text, references and settings, so a model fitted in
 * chapter 5 is a hit here and the other way round. With a `label`, the fit, its cache lookup and its
 * duration go to the run log, so the manifest counts these hits and misses with the chapters'.
 *
 * In a chapter (all from the package entry, `kansen-mbo`):
 *
 *   import * as tslab from "tslab";
 *   import { openChapter, fitFormula } from "kansen-mbo";
 *   const ch = await openChapter(tslab.display, { outcomes: ["doorstroom"], years: [2020] });
 *   const frame = ch.frames[0];
 *   const r = fitFormula(frame, "doorstroom ~ migratie + ouders + (1 | locatie) + (1 | instelling)",
 *     { cache: ch.fitCache, reference: ch.config.reference, label: "specificatie 17" });
 *   r.status;                                   // "hit" | "miss" | "off"
 *   r.design.fixed.names, r.fit.beta, r.fit.se; // the fit (src/glmm/types.ts); its convergence report is r.fit.convergence
 */
import { referencesFor } from "../analysis/models";
import { recordFit, recordFitCache, recordTimedStep } from "../audit/run-log";
import { fitDesign } from "../glmm/fit";
import type { GlmmFit, GlmmOptions } from "../glmm/types";
import { buildDesign } from "../model/design";
import type { GlmmDesign } from "../model/types";
import { traceFrameError, type AnalysisFrame } from "../transform/frames";
import { PUBLISHED_REFERENCE } from "../vocabulary";
import { fitCacheKey, fitKeyParts, type FitCache, type FitKeyParts } from "./fit-cache";

/**
 * Designs built in this process, per frame (by object) and formula with reference levels: a second pass
 * over the same formulas (a notebook's "Run All" again) rebuilds nothing. A design is never changed
 * after it is built.
 */
const designsBuilt = new WeakMap<AnalysisFrame, Map<string, GlmmDesign>>();

/** The design of `formula` on `frame` with these reference levels, built once per process. */
export function frameDesign(frame: AnalysisFrame, formula: string, reference: Readonly<Record<string, string>>): GlmmDesign {
  let byFormula = designsBuilt.get(frame);
  if (byFormula === undefined) {
    byFormula = new Map();
    designsBuilt.set(frame, byFormula);
  }
  const key = `${formula}\u0000${JSON.stringify(Object.entries(reference).sort())}`;
  let design = byFormula.get(key);
  if (design === undefined) {
    try {
      design = buildDesign(formula, frame.columns, { reference });
    } catch (error) {
      throw traceFrameError(frame, error); // a frame row is named as its row of studenten.csv
    }
    byFormula.set(key, design);
  }
  return design;
}

export interface FormulaFitOptions {
  /** The fit cache (a chapter's `ch.fitCache`), or null to fit without one. */
  readonly cache: FitCache | null;
  /**
   * Reference levels; only those of the factors the formula uses enter the design and the key.
   * Default: the published references (bijlage 3b), which are also the configuration's default.
   */
  readonly reference?: Readonly<Record<string, string>>;
  /** Solver settings (SE method, control, warm start, held theta, offset, threads); all but threads and onProgress are in the key. */
  readonly glmm?: GlmmOptions;
  /** A name for the run log ("specificatie 17"); without one nothing is logged. */
  readonly label?: string;
}

export interface FormulaFit {
  readonly formula: string;
  /** The reference level of each factor the formula uses. */
  readonly reference: Readonly<Record<string, string>>;
  readonly design: GlmmDesign;
  readonly fit: GlmmFit;
  /** The fit cache's key (SHA-256 hex) and what went into it. */
  readonly key: string;
  readonly parts: FitKeyParts;
  /** "hit": read from the cache; "miss": fitted and stored; "off": fitted, no cache. */
  readonly status: "hit" | "miss" | "off";
  /** For a miss, why the cache had no fit (in Dutch, as the chapters show it); for a hit, when it was stored. */
  readonly detail: string;
}

/** Fit `formula` on `frame`, reading the fit from the cache when its key is there and storing it when not. */
export function fitFormula(frame: AnalysisFrame, formula: string, options: FormulaFitOptions): FormulaFit {
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const reference = referencesFor(formula, options.reference ?? PUBLISHED_REFERENCE);
  const design = frameDesign(frame, formula, reference);
  const glmm = options.glmm ?? {};
  const parts = fitKeyParts(formula, frame.columns, { reference }, glmm);
  const key = fitCacheKey(parts);
  const cache = options.cache;
  let fit: GlmmFit;
  let status: FormulaFit["status"];
  let detail: string;
  const found = cache === null ? null : cache.read(key, design);
  if (found !== null && found.status === "hit") {
    fit = found.fit;
    status = "hit";
    detail = `opgeslagen ${found.entry.createdAt}`;
  } else {
    fit = fitDesign(design, glmm);
    if (cache !== null) cache.write(key, parts, fit);
    status = cache === null ? "off" : "miss";
    detail = found === null ? "fitcache uit" : found.reason;
  }
  if (options.label !== undefined) {
    recordTimedStep(`fit: ${options.label}`, "fit", startedAt, (performance.now() - t0) / 1000);
    recordFit(options.label, fit);
    recordFitCache({ label: options.label, key, status, detail, fitSeconds: fit.elapsedSeconds });
  }
  return { formula, reference, design, fit, key, parts, status, detail };
}
