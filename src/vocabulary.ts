/**
 * The study's vocabulary, defined once: the outcomes that are modelled, the outcome years, the factors of
 * the analysis frames with their levels, and the published reference category of each factor.
 *
 * Everything else reads these lists: the configuration (src/config.ts) validates a chosen reference
 * against them, the recodes (src/transform/recode.ts) produce these levels, the model ladder
 * (src/analysis/models.ts) and the report tables use the references. The frame schemas
 * (data-schema/frame-*.schema.json) say the same in their enums and `x-reference`; a test
 * (test/unit/vocabulary.test.ts) keeps the two in step.
 *
 * This module imports nothing, so any layer may use it.
 */

/** The two outcomes of 3a 2.3 that are modelled (the diploma outcome was dropped, 3a 2.3). */
export const OUTCOMES = ["doorstroom", "vsv"] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** The outcome years that can be modelled: location codes exist from schooljaar 2019 on (3a 2.5). */
export const MODEL_YEARS = [2020, 2021] as const;
export type ModelYear = (typeof MODEL_YEARS)[number];

/**
 * Levels of each factor of the analysis frames, the published reference first (bijlage 3b, Tabel 5-8:
 * the category without a coefficient); the order after it is the order of the recodes.
 */
export const FACTOR_LEVELS = {
  migratie: ["geen", "niet-westers", "westers"],
  ouders: ["max_vmbo_kader", "hoger", "onbekend"],
  geslacht: ["man", "vrouw"],
  niveau: ["3", "1", "2", "4"],
  sector: ["handel_economie", "zorg_sport", "techniek_ict", "overig"],
  leerweg: ["bol", "bbl"],
  citojaar: ["2009", "2010", "2011", "2012", "2013", ">2014"],
} as const;
export type Factor = keyof typeof FACTOR_LEVELS;
export const FACTORS = Object.keys(FACTOR_LEVELS) as Factor[];

/** The reference category of every factor (treatment contrasts: the level without a dummy). */
export type ReferenceLevels = { readonly [F in Factor]: string };

/** The published reference categories: the first level of each factor. */
export const PUBLISHED_REFERENCE: ReferenceLevels = Object.fromEntries(FACTORS.map((f) => [f, FACTOR_LEVELS[f][0]])) as ReferenceLevels;

/** The grouping factors of the three-level models: students in locations in institutions (3a 3.3). */
export const GROUPING_FACTORS = ["locatie", "instelling"] as const;

/** The analysis frames: one per outcome and year (3a 3.2). */
export type FrameKey = `${Outcome}${ModelYear}`;

export function isOutcome(value: unknown): value is Outcome {
  return (OUTCOMES as readonly unknown[]).includes(value);
}

export function isFactor(value: unknown): value is Factor {
  return typeof value === "string" && Object.prototype.hasOwnProperty.call(FACTOR_LEVELS, value);
}

/** The frame of one outcome and year; any other pair is an error naming the frames there are. */
export function frameKey(outcome: string, year: number): FrameKey {
  if (!isOutcome(outcome) || !(MODEL_YEARS as readonly number[]).includes(year)) {
    throw new Error(`no analysis frame for ${outcome} ${year}: the frames are ${OUTCOMES.join(" and ")} for ${MODEL_YEARS.join(" and ")} (3a 3.2)`);
  }
  return `${outcome}${year as ModelYear}`;
}
