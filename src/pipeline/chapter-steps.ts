/**
 * The steps of chapters 1-4, one call per cell, over the chapter's frames (its outcomes and years):
 * each builds its table or figure from the typed columns (src/report) and publishes it (shown, and
 * written under the run's tables/ and figures/). The loops over frames live here, not in the cells.
 * The danfojs views of the data are in src/pipeline/data-views.ts.
 */
import { configToJson } from "../config";
import { modelLadder, robustnessModel } from "../analysis/models";
import { FLOW_HEADER, flowFunnel, flowRows } from "../report/adapters";
import { CROSSTAB_HEADER, crossTableByBackground } from "../report/crosstab";
import { simpleTableHtml } from "../report/display";
import { citoByMissingnessFigure, outcomeRatesFigure, selectionFlowFigure } from "../report/figures";
import { citoByParentsKnown, missingnessTable } from "../report/missingness";
import { publishDescriptives, publishFigure, publishSimpleTable } from "../report/publish";
import { RECODES } from "../transform/recode";
import type { Chapter } from "./chapter";

function needData(ch: Chapter, what: string): NonNullable<Chapter["data"]> {
  if (ch.data === null) throw new Error(`${what}: this chapter was opened without data (openChapter(..., { data: "none" }))`);
  return ch.data;
}

/** Chapter 1: the configuration the chapter runs with, key by key. */
export function showConfiguration(ch: Chapter): void {
  ch.ctx.display.html(simpleTableHtml("De configuratie van deze run (met de parameters van dit hoofdstuk)", ["sleutel", "waarde"],
    Object.entries(configToJson(ch.config)).map(([k, v]) => [k, JSON.stringify(v)])));
}

/** Chapter 1: 3a Tabel 2, the models as the code writes them, per outcome of the chapter. */
export function showModelLadder(ch: Chapter): void {
  ch.ctx.display.html(simpleTableHtml("3a Tabel 2: de modellen zoals de code ze schrijft (per uitkomst)", ["model", "wat het toevoegt", "formule (lme4)"],
    ch.config.outcomes.flatMap((o) => [...modelLadder(o), robustnessModel(o)].map((m) => [m.id, m.description, m.formula]))));
}

/** Chapter 2: the three raw files with their row and column counts, as validated. */
export function showRawFiles(ch: Chapter): void {
  const data = needData(ch, "showRawFiles");
  ch.ctx.display.html(simpleTableHtml("De drie bestanden, gevalideerd tegen data-schema/", ["bestand", "rijen", "kolommen"], data.files.map((f) => [f.file, f.nrows, f.ncolumns])));
}

/** Chapter 2: per frame the selections of 3a 3.2 with the counts before and after, as a table and a funnel. */
export function publishSelectionFlows(ch: Chapter): void {
  for (const frame of ch.frames) {
    publishSimpleTable(ch.ctx, `selectie-${frame.outcome}-${frame.year}`, `Selectie ${frame.outcome} ${frame.year} (covariaten uit schooljaar ${frame.t})`, FLOW_HEADER, flowRows(frame.flow));
    publishFigure(ch.ctx, selectionFlowFigure(`selectie-${frame.outcome}-${frame.year}`, `Selectie ${frame.outcome} ${frame.year}`, flowFunnel(frame.flow)));
  }
}

/** Chapter 2: the recodes of src/transform/recode.ts with their source in 3a. */
export function publishRecodes(ch: Chapter): void {
  publishSimpleTable(ch.ctx, "hercoderingen", "De hercoderingen van src/transform/recode.ts", ["variabele", "hercodering", "bron (3a)"], RECODES.map((r) => [r.variable, r.recode, r.section]));
}

/** Chapter 2: the analysis frames: outcome, years, size and the chapter's reference categories. */
export function publishFrameOverview(ch: Chapter): void {
  const reference = Object.entries(ch.config.reference).map(([k, v]) => `${k}=${v}`).join(", ");
  publishSimpleTable(ch.ctx, "analysebestanden", "De analysebestanden", ["bestand", "uitkomst", "jaar T", "covariaten uit t", "N", "referentiecategorieën"],
    ch.frames.map((f) => [f.key, f.outcome, f.year, f.t, f.nrows, reference]));
}

/** Chapter 3: per frame how many miss cito or parents' education, by background, and the outcome with and without. */
export function publishMissingness(ch: Chapter): void {
  for (const frame of ch.frames) {
    const rows = missingnessTable(frame.columns, frame.outcome);
    publishSimpleTable(ch.ctx, `missend-${frame.outcome}-${frame.year}`, `Missende waarden, ${frame.outcome} ${frame.year} (N = ${frame.nrows})`,
      ["variabele", "migratieachtergrond", "N", "missend", "aandeel missend", `${frame.outcome} bij missend`, `${frame.outcome} bij bekend`],
      rows.map((r) => [r.variable, r.group, r.n, r.missing, r.share, r.outcomeRateMissing, r.outcomeRatePresent]),
      { formats: [null, null, "integer", "integer", "fixed3", "fixed3", "fixed3"] });
  }
}

/** Chapter 3: per frame the cito scores of students whose parents' education is known and unknown. */
export function publishCitoByParents(ch: Chapter): void {
  for (const frame of ch.frames) {
    publishFigure(ch.ctx, citoByMissingnessFigure(`cito-ouders-${frame.outcome}-${frame.year}`, `Citoscore naar opleidingsniveau ouders bekend/onbekend, ${frame.outcome} ${frame.year}`, citoByParentsKnown(frame.columns)));
  }
}

/** Chapter 4: Tabel 1-4 per frame, shown, written and compared with bijlage 3b. */
export function publishDescriptiveTables(ch: Chapter): void {
  for (const frame of ch.frames) publishDescriptives(ch.ctx, frame.columns, frame.outcome, frame.year, ch.config.reference);
}

/** Chapter 4: per frame every characteristic within each migration background (column shares). */
export function publishCrossTables(ch: Chapter): void {
  for (const frame of ch.frames) {
    publishSimpleTable(ch.ctx, `kruistabel-${frame.outcome}-${frame.year}`, `Kruistabel naar migratieachtergrond, ${frame.outcome} ${frame.year}`, CROSSTAB_HEADER, crossTableByBackground(frame.columns, frame.outcome));
  }
}

/** Chapter 4: the outcome per year 2016-2021 and migration background (3a 3.1), per outcome: a figure and a table. */
export function publishOutcomeRates(ch: Chapter): void {
  const data = needData(ch, "publishOutcomeRates");
  for (const outcome of ch.config.outcomes) {
    const rates = data.rates[outcome];
    if (rates === undefined) throw new Error(`publishOutcomeRates: no outcome rates for ${outcome}`);
    publishFigure(ch.ctx, outcomeRatesFigure(outcome, rates));
    publishSimpleTable(ch.ctx, `uitkomst-per-jaar-${outcome}`, `${outcome} per jaar en migratieachtergrond (3a 3.1)`, ["jaar", "migratieachtergrond", "N", "aandeel"], rates.map((r) => [r.year, r.group, r.n, r.rate]),
      { formats: ["integer", null, "integer", "fixed3"] });
  }
}
