/**
 * The Dutch row labels of bijlage 3b, and the mapping from analysis-frame variables, their levels and
 * lme4 formula terms ("migratieniet-westers", "niveau1", "cito_missing", "citojaar>2014") to them.
 *
 * The labels are the `group` / `category` columns of the published CSVs
 * (`reference/bijlage-3b/published-descriptives.csv`, `published-models.csv`), so a reproduced table joins the
 * published one on (group, category) without any further translation. Two spellings differ between the
 * descriptive tables (Tabel 1-4) and the model tables (Tabel 5-8): the leerweg levels ("Bol"/"Bbl" versus
 * "BOL"/"BBL") and the group names of the cito variables ("Citoscore" versus "Citoscore (per score)",
 * "Missingindicator cito/jaar" versus "Missingindicator cito"). Both are kept exactly as printed.
 */

/** Which of the two table kinds a label is for. */
export type TableKind = "descriptive" | "model";

/** One covariate of the analysis frame (data-schema/README.md) and how 3b labels it. */
export interface VariableLabels {
  /** Column name in the analysis frame. */
  readonly variable: string;
  /** Group label in Tabel 1-4. */
  readonly descriptiveGroup: string;
  /** Group label in Tabel 5-8. */
  readonly modelGroup: string;
  readonly kind: "factor" | "numeric";
  /** Levels in the order 3b prints them (factors only), with their labels. */
  readonly levels?: readonly LevelLabel[];
}

export interface LevelLabel {
  readonly level: string;
  /** As printed in Tabel 1-4. */
  readonly descriptive: string;
  /** As printed in Tabel 5-8, where it differs. */
  readonly model?: string;
}

/** The covariates in the order of Tabel 1-8 (after the outcome / the intercept). */
export const VARIABLE_LABELS: readonly VariableLabels[] = [
  {
    variable: "migratie",
    descriptiveGroup: "Migratieachtergrond",
    modelGroup: "Migratieachtergrond",
    kind: "factor",
    levels: [
      { level: "geen", descriptive: "Geen migratie-achtergrond" },
      { level: "niet-westers", descriptive: "Niet-westerse migratieachtergrond" },
      { level: "westers", descriptive: "Westerse migratieachtergrond" },
    ],
  },
  {
    variable: "ouders",
    descriptiveGroup: "Opleidingsniveau ouders",
    modelGroup: "Opleidingsniveau ouders",
    kind: "factor",
    levels: [
      { level: "max_vmbo_kader", descriptive: "Lager dan vmbo kader" },
      { level: "hoger", descriptive: "Hoger dan vmbo kader" },
      { level: "onbekend", descriptive: "Onbekend (missing indicator)" },
    ],
  },
  {
    variable: "geslacht",
    descriptiveGroup: "Geslacht",
    modelGroup: "Geslacht",
    kind: "factor",
    levels: [
      { level: "man", descriptive: "Man" },
      { level: "vrouw", descriptive: "Vrouw" },
    ],
  },
  {
    variable: "leeftijd",
    descriptiveGroup: "Leeftijd (vanaf 14, per jaar)",
    modelGroup: "Leeftijd (vanaf 14, per jaar)",
    kind: "numeric",
  },
  {
    variable: "niveau",
    descriptiveGroup: "Niveau",
    modelGroup: "Niveau",
    kind: "factor",
    levels: [
      { level: "1", descriptive: "Niveau 1" },
      { level: "2", descriptive: "Niveau 2" },
      { level: "3", descriptive: "Niveau 3" },
      { level: "4", descriptive: "Niveau 4" },
    ],
  },
  {
    variable: "sector",
    descriptiveGroup: "Sector",
    modelGroup: "Sector",
    kind: "factor",
    levels: [
      { level: "zorg_sport", descriptive: "Zorg en sport" },
      { level: "techniek_ict", descriptive: "Techniek en ict" },
      { level: "handel_economie", descriptive: "Handel en economie" },
      { level: "overig", descriptive: "Overig" },
    ],
  },
  {
    variable: "leerweg",
    descriptiveGroup: "Leerweg",
    modelGroup: "Leerweg",
    kind: "factor",
    levels: [
      { level: "bol", descriptive: "Bol", model: "BOL" },
      { level: "bbl", descriptive: "Bbl", model: "BBL" },
    ],
  },
  { variable: "cito", descriptiveGroup: "Citoscore", modelGroup: "Citoscore (per score)", kind: "numeric" },
  {
    variable: "cito_missing",
    descriptiveGroup: "Missingindicator cito/jaar",
    modelGroup: "Missingindicator cito",
    kind: "numeric",
  },
  {
    variable: "citojaar",
    descriptiveGroup: "Citojaar",
    modelGroup: "Citojaar",
    kind: "factor",
    levels: ["2009", "2010", "2011", "2012", "2013", ">2014"].map((y) => ({ level: y, descriptive: y })),
  },
];

/** Outcome rows of Tabel 1-4. */
export const OUTCOME_LABELS: Readonly<Record<string, string>> = { doorstroom: "Doorstroom", vsv: "Vsv" };

export const INTERCEPT_LABEL = "Intercept";
export const RANDOM_GROUP = "Random deel";
export const LOCATION_VARIANCE = "Schoollocatie variantie";
export const INSTITUTION_VARIANCE = "Instelling variantie";
export const SLOPE_VARIANCE = "Variantie slope van niet-westerse migratieachtergrond";
export const DIAGNOSTIC_GROUP = "Model diagnostiek";
export const R2_LABEL = "Nakagawa's pseudo R2";
/** Group of formula terms the published tables do not have (a researcher's own addition). */
export const OTHER_TERMS_GROUP = "Overige termen (niet in bijlage 3b)";

const BY_VARIABLE = new Map(VARIABLE_LABELS.map((v) => [v.variable, v]));

/** The labels of one frame variable, or undefined when 3b does not print it. */
export function variableLabels(variable: string): VariableLabels | undefined {
  return BY_VARIABLE.get(variable);
}

/** The printed label of a factor level in a table of the given kind. */
export function levelLabel(variable: string, level: string, kind: TableKind): string {
  const v = BY_VARIABLE.get(variable);
  const l = v?.levels?.find((x) => x.level === level);
  if (l === undefined) return `${variable}${level}`;
  return kind === "model" ? (l.model ?? l.descriptive) : l.descriptive;
}

/** The printed group label of a variable in a table of the given kind. */
export function groupLabel(variable: string, kind: TableKind): string {
  const v = BY_VARIABLE.get(variable);
  if (v === undefined) return OTHER_TERMS_GROUP;
  return kind === "model" ? v.modelGroup : v.descriptiveGroup;
}

/**
 * The group header of a factor in Tabel 5-8, which names its reference category:
 * "Migratieachtergrond (ref. geen migratie-achtergrond)", "Leerweg (ref. BOL)", "Citojaar (ref. 2009)".
 * 3b lower-cases the first letter of the reference label unless it is an acronym (BOL).
 */
export function modelGroupHeader(variable: string, reference: string): string {
  const label = levelLabel(variable, reference, "model");
  const shown = label === label.toUpperCase() ? label : label.charAt(0).toLowerCase() + label.slice(1);
  return `${groupLabel(variable, "model")} (ref. ${shown})`;
}

/** Where a fixed-effects term of a fitted model goes in Tabel 5-8. */
export interface TermLabel {
  readonly group: string;
  readonly category: string;
  /** Sort key: position of the variable in VARIABLE_LABELS, then of the level (unknown terms last). */
  readonly order: number;
}

/**
 * The row of Tabel 5-8 a fixed-effects term belongs to, from the term's origin (variable and level as
 * the design records them in `FixedTermInfo`). Terms 3b does not print keep their lme4 name in the
 * group OTHER_TERMS_GROUP, so a changed formula still shows every coefficient.
 */
export function termLabel(term: { name: string; variable: string; kind: string; level?: string }): TermLabel {
  if (term.kind === "intercept") return { group: INTERCEPT_LABEL, category: INTERCEPT_LABEL, order: -1 };
  const vIndex = VARIABLE_LABELS.findIndex((v) => v.variable === term.variable);
  if (vIndex < 0) return { group: OTHER_TERMS_GROUP, category: term.name, order: 10_000 };
  const v = VARIABLE_LABELS[vIndex] as VariableLabels;
  if (term.kind === "factorLevel" && term.level !== undefined) {
    const lIndex = v.levels?.findIndex((l) => l.level === term.level) ?? -1;
    if (lIndex < 0) return { group: OTHER_TERMS_GROUP, category: term.name, order: 10_000 };
    return { group: v.modelGroup, category: levelLabel(term.variable, term.level, "model"), order: vIndex * 100 + lIndex };
  }
  if (v.kind === "numeric") return { group: v.modelGroup, category: v.modelGroup, order: vIndex * 100 };
  return { group: OTHER_TERMS_GROUP, category: term.name, order: 10_000 };
}

/** Which row of the random part a variance component is. */
export function randomComponentLabel(group: string, term: string): string {
  if (group === "locatie" && term === "(Intercept)") return LOCATION_VARIANCE;
  if (group === "instelling" && term === "(Intercept)") return INSTITUTION_VARIANCE;
  if (group === "locatie" && term === "niet_westers") return SLOPE_VARIANCE;
  return `Variantie ${term} | ${group}`;
}

/** Table numbers of bijlage 3b: descriptives 1-4, models 5-8, per outcome and year. */
export function publishedTableNumber(kind: TableKind, outcome: string, year: number): number | undefined {
  const base: Record<string, number> = { "doorstroom-2020": 1, "doorstroom-2021": 2, "vsv-2020": 3, "vsv-2021": 4 };
  const n = base[`${outcome}-${year}`];
  if (n === undefined) return undefined;
  return kind === "descriptive" ? n : n + 4;
}

/** A number as 3b's captions print counts: Dutch thousands separator ("124.621"). */
export function dutchCount(n: number): string {
  return Math.round(n)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ".");
}
