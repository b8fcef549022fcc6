/**
 * The grid of defensible choices behind model 2's two key average marginal effects, for a
 * specification curve (Simonsohn, Simmons & Nelson 2020, "Specification curve analysis", Nature Human
 * Behaviour 4: 1208-1214). Each choice is one a careful analyst could have made instead of the
 * Rekenkamer's; the Rekenkamer's own specification is one point of the grid and is marked.
 *
 *   missing cito      the missing-indicator method (published, 3a 2.4); model 2 without cito (3a 3.4);
 *                     complete cases; multiple imputation of the score (src/missing)
 *   random structure  students in locations in institutions (3 levels, published) or in locations only
 *                     (2 levels), each with or without the random non-western slope per location
 *   AME convention    conditional on the estimated location effects (3b's), at zero random effects,
 *                     integrated over the fitted random-effect distribution (src/stats/ame.ts)
 *   reference         the comparison group of the non-western gap: students without a migration
 *                     background (published) or students with a western migration background
 *
 * The two quantities of the curve are the AME of a non-western background and the AME of parents with
 * a higher education (against at most vmbo/kader). The reference choice concerns the migration factor,
 * so it defines a different contrast for the non-western AME only; for the parents' AME the two
 * references are the same model reparametrised (the same likelihood, the same contrast), so that curve
 * takes the published reference only instead of showing every point twice.
 *
 * A model fit is shared by every specification that differs only in the AME convention (the AMEs are
 * computed from one fit); `fitsOf` lists the distinct fits.
 */
import { FACTOR_LEVELS, PUBLISHED_REFERENCE } from "../vocabulary";
import { MISSING_DATA_METHODS, type MissingDataMethod } from "../missing/result";
import { AME_RANDOM_EFFECTS, type AmeRandomEffects } from "../stats/ame";

/** The random part of the analysis model. */
export interface RandomStructure {
  readonly id: RandomStructureId;
  /** 3: locations in institutions; 2: locations only. */
  readonly levels: 2 | 3;
  /** With the random non-western slope per location (model 2's). */
  readonly slope: boolean;
  /** lme4 random-effects terms. */
  readonly terms: readonly string[];
  readonly labelNl: string;
}

export type RandomStructureId = "3-niveaus-helling" | "3-niveaus" | "2-niveaus-helling" | "2-niveaus";

/** The random structures, the published one (model 2's) first. */
export const RANDOM_STRUCTURES: readonly RandomStructure[] = [
  { id: "3-niveaus-helling", levels: 3, slope: true, terms: ["(1 + niet_westers | locatie)", "(1 | instelling)"], labelNl: "locaties in instellingen, met niet-westerse helling" },
  { id: "3-niveaus", levels: 3, slope: false, terms: ["(1 | locatie)", "(1 | instelling)"], labelNl: "locaties in instellingen, zonder helling" },
  { id: "2-niveaus-helling", levels: 2, slope: true, terms: ["(1 + niet_westers | locatie)"], labelNl: "alleen locaties, met niet-westerse helling" },
  { id: "2-niveaus", levels: 2, slope: false, terms: ["(1 | locatie)"], labelNl: "alleen locaties, zonder helling" },
];

/** The comparison group of the non-western gap (the reference level of the migration factor). */
export interface ReferenceChoice {
  readonly id: "geen" | "westers";
  readonly factor: "migratie";
  readonly level: string;
  readonly labelNl: string;
}

export const REFERENCE_CHOICES: readonly ReferenceChoice[] = [
  { id: "geen", factor: "migratie", level: "geen", labelNl: "t.o.v. geen migratieachtergrond" },
  { id: "westers", factor: "migratie", level: "westers", labelNl: "t.o.v. westerse migratieachtergrond" },
];

/** The AME conventions, the published one first, with Dutch labels. */
export const AME_CHOICES: readonly { readonly id: AmeRandomEffects; readonly labelNl: string; readonly label: string }[] = [
  { id: "included", labelNl: "gegeven de locatie-effecten (3b)", label: AME_RANDOM_EFFECTS.included },
  { id: "excluded", labelNl: "bij random effecten nul", label: AME_RANDOM_EFFECTS.excluded },
  { id: "integrated", labelNl: "geïntegreerd over de locaties", label: AME_RANDOM_EFFECTS.integrated },
];

/** Short Dutch labels of the missing-data methods, for the curve's choice panel. */
export const MISSING_CHOICES: readonly { readonly id: MissingDataMethod; readonly labelNl: string }[] = [
  { id: "missing-indicator", labelNl: "missing indicator (3b)" },
  { id: "no-cito", labelNl: "zonder cito (3a 3.4)" },
  { id: "complete-cases", labelNl: "complete cases" },
  { id: "multiple-imputation", labelNl: "multipele imputatie" },
];

/** The two quantities of the curve: an AME (a column of model 2's X) and how the reference choice applies. */
export interface CurveQuantity {
  readonly id: "niet-westers" | "ouders-hoger";
  readonly labelNl: string;
  /** The term of the AME for each reference choice (null: the quantity takes only the published reference). */
  readonly term: Readonly<Record<ReferenceChoice["id"], string | null>>;
}

export const CURVE_QUANTITIES: readonly CurveQuantity[] = [
  { id: "niet-westers", labelNl: "niet-westerse migratieachtergrond", term: { geen: "migratieniet-westers", westers: "migratieniet-westers" } },
  { id: "ouders-hoger", labelNl: "ouders hoger opgeleid (t.o.v. max. vmbo/kader)", term: { geen: "oudershoger", westers: null } },
];

/** One specification: a choice on every dimension. */
export interface Specification {
  /** "missing-indicator/3-niveaus-helling/included/geen". */
  readonly id: string;
  readonly missing: MissingDataMethod;
  readonly random: RandomStructureId;
  readonly ame: AmeRandomEffects;
  readonly reference: ReferenceChoice["id"];
  /** The Rekenkamer's specification (bijlage 3b's model 2 and AMEs). */
  readonly published: boolean;
}

/** The model fit a specification needs: every choice except the AME convention. */
export interface FitSpecification {
  readonly id: string;
  readonly missing: MissingDataMethod;
  readonly random: RandomStructureId;
  readonly reference: ReferenceChoice["id"];
}

/** The choices of each dimension as a notebook cell writes them (plain strings, checked by specificationGrid). */
export interface GridChoices {
  readonly missing?: readonly string[];
  readonly random?: readonly string[];
  readonly ame?: readonly string[];
  readonly reference?: readonly string[];
}

export interface SpecificationGrid {
  readonly missing: readonly MissingDataMethod[];
  readonly random: readonly RandomStructureId[];
  readonly ame: readonly AmeRandomEffects[];
  readonly reference: readonly ReferenceChoice["id"][];
}

/** The published choice on each dimension. */
export const PUBLISHED_CHOICES = { missing: "missing-indicator", random: "3-niveaus-helling", ame: "included", reference: "geen" } as const;

function checked<T extends string>(dimension: string, given: readonly string[] | undefined, all: readonly T[]): readonly T[] {
  const values = given ?? all;
  if (values.length === 0) throw new Error(`specification grid: the dimension '${dimension}' has no choices`);
  for (const v of values) if (!(all as readonly string[]).includes(v)) throw new Error(`specification grid: '${v}' is not a choice of '${dimension}' (choices: ${all.join(", ")})`);
  if (new Set(values).size !== values.length) throw new Error(`specification grid: the dimension '${dimension}' names a choice twice`);
  // Kept in the order of the full list, so the panel's rows do not depend on how the cell lists them.
  return all.filter((v) => values.includes(v));
}

/** The grid over the given choices (default: every choice of every dimension). */
export function specificationGrid(choices: GridChoices = {}): SpecificationGrid {
  // The reference levels must exist in the study's vocabulary (a renamed level would fail here, not mid-run).
  for (const r of REFERENCE_CHOICES) {
    if (!(FACTOR_LEVELS[r.factor] as readonly string[]).includes(r.level)) throw new Error(`specification grid: '${r.level}' is not a level of ${r.factor}`);
  }
  if (PUBLISHED_REFERENCE.migratie !== REFERENCE_CHOICES[0]?.level) throw new Error("specification grid: the first reference choice must be the published reference of migratie");
  return {
    missing: checked("missing", choices.missing, MISSING_DATA_METHODS.map((m) => m.method)),
    random: checked("random", choices.random, RANDOM_STRUCTURES.map((r) => r.id)),
    ame: checked("ame", choices.ame, AME_CHOICES.map((a) => a.id)),
    reference: checked("reference", choices.reference, REFERENCE_CHOICES.map((r) => r.id)),
  };
}

function isPublished(s: Omit<Specification, "id" | "published">): boolean {
  return s.missing === PUBLISHED_CHOICES.missing && s.random === PUBLISHED_CHOICES.random && s.ame === PUBLISHED_CHOICES.ame && s.reference === PUBLISHED_CHOICES.reference;
}

/**
 * The specifications of a quantity's curve, in grid order (missing, random, reference, AME). The
 * quantity decides which reference choices apply (CURVE_QUANTITIES).
 */
export function specificationsOf(grid: SpecificationGrid, quantity: CurveQuantity): Specification[] {
  const out: Specification[] = [];
  for (const missing of grid.missing) {
    for (const random of grid.random) {
      for (const reference of grid.reference) {
        if (quantity.term[reference] === null) continue;
        for (const ame of grid.ame) {
          const s = { missing, random, ame, reference };
          out.push({ id: `${missing}/${random}/${ame}/${reference}`, ...s, published: isPublished(s) });
        }
      }
    }
  }
  return out;
}

/** The distinct model fits behind every quantity's specifications (the AME conventions share a fit). */
export function fitsOf(grid: SpecificationGrid, quantities: readonly CurveQuantity[] = CURVE_QUANTITIES): FitSpecification[] {
  const seen = new Map<string, FitSpecification>();
  for (const q of quantities) {
    for (const s of specificationsOf(grid, q)) {
      const id = `${s.missing}/${s.random}/${s.reference}`;
      if (!seen.has(id)) seen.set(id, { id, missing: s.missing, random: s.random, reference: s.reference });
    }
  }
  return [...seen.values()];
}

/** Counts a chapter states: specifications per quantity, distinct fits (completed-data fits of MI counted m times). */
export function gridCounts(grid: SpecificationGrid, imputations: number): { readonly specifications: Readonly<Record<CurveQuantity["id"], number>>; readonly fits: number; readonly modelFits: number } {
  const fits = fitsOf(grid);
  const specifications = Object.fromEntries(CURVE_QUANTITIES.map((q) => [q.id, specificationsOf(grid, q).length])) as Record<CurveQuantity["id"], number>;
  return { specifications, fits: fits.length, modelFits: fits.reduce((n, f) => n + (f.missing === "multiple-imputation" ? imputations : 1), 0) };
}

export function randomStructure(id: RandomStructureId): RandomStructure {
  const r = RANDOM_STRUCTURES.find((x) => x.id === id);
  if (r === undefined) throw new Error(`unknown random structure '${id}'`);
  return r;
}

export function referenceChoice(id: ReferenceChoice["id"]): ReferenceChoice {
  const r = REFERENCE_CHOICES.find((x) => x.id === id);
  if (r === undefined) throw new Error(`unknown reference choice '${id}'`);
  return r;
}
