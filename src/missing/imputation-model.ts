/**
 * The imputation model for the cito score of an analysis frame, built from the frame's own columns.
 *
 * Analysis model (model 2 on complete data; mi-analysis.ts):
 *   logit P(y = 1) = x' beta + beta_c cito + year' gamma + b0_l + b1_l niet_westers + c_s.
 *
 * Imputation model (a joint model in the spirit of jomo1ran: the incomplete variable as the response,
 * the outcome among the covariates, random effects for the clusters):
 *   cito_i = w_i' alpha + delta y_i + delta_nw y_i niet_westers_i + u0_l + u1_l niet_westers_i + v_s + e_i,
 *   (u0_l, u1_l) ~ N_2(0, Psi),  v_s ~ N(0, tau^2),  e_i ~ N(0, sigma^2),
 * with w the analysis model's covariates (migratie, ouders, geslacht, leeftijd, niveau, sector, leerweg)
 * and the test year (citojaar; imputed first where it is missing, test-year.ts).
 *
 * Why these terms (compatibility with model 2 "as far as the method allows"): by Bayes' rule the
 * distribution of cito given the outcome is proportional to N(cito; mu, sigma^2) times the logistic
 * likelihood of y. Expanding log(1 + exp(eta0 + beta_c cito)) to first order around cito = mu gives
 *   E[cito | y, x, l] ~ mu(x, l) + sigma^2 beta_c (y - p0(x, l)),  p0 = logistic(eta0 + beta_c mu),
 * so the outcome enters linearly (delta ~ sigma^2 beta_c) and the rest is a shift -sigma^2 beta_c p0(x, l)
 * that varies by location, and for non-western students by location through model 2's random slope
 * b1_l. A location-specific non-western effect u1_l in the imputation model absorbs that shift, the
 * location intercept u0_l and the institution intercept v_s absorb the rest of the clustering, and the
 * y x niet_westers term lets the outcome-score association differ by background (curvature of the
 * logistic that the linear term misses). What a normal joint model cannot reproduce exactly is the
 * nonlinearity of the logistic itself; a substantive-model-compatible sampler (smcfcs, jomo.glmer)
 * would need a GLMM fit inside every iteration and is left out (see the module README in index.ts).
 *
 * The bounded range (0-50 after subtracting 500) is handled by predictive mean matching by default
 * (pmm.ts); `method: "normal"` draws from the normal model itself, as jomo does (for the comparison).
 */
import { CITO_TERMS, modelLadder, type Outcome } from "../analysis/models";
import { PUBLISHED_REFERENCE } from "../vocabulary";
import { buildDesign } from "../model/design";
import type { ColumnTable, FixedDesign } from "../model/types";
import { CITO_MAX, CITO_MIN } from "../transform/recode";
import { NestedNormalStatistics } from "./nested-normal";
import { fitTestYearModel, type TestYearModel } from "./test-year";

/** Frame columns the cito imputation reads (the frame schema's names). */
export const CITO = "cito";
export const CITO_MISSING = "cito_missing";
export const CITOJAAR = "citojaar";
export const NON_WESTERN = "niet_westers";
export const LOCATION = "locatie";
export const INSTITUTION = "instelling";
export const AGE = "leeftijd";
/** The imputation model's copy of the outcome and its product with niet_westers (added columns). */
export const OUTCOME_COVARIATE = "uitkomst";
export const OUTCOME_BY_NON_WESTERN = "uitkomst_niet_westers";
/** The cito score's range in the frame (score - 500). */
export const CITO_RANGE = { min: 0, max: CITO_MAX - CITO_MIN } as const;

/** What an analysis needs of a frame (src/transform/frames.ts's AnalysisFrame has it). */
export interface MissingDataFrame {
  readonly columns: ColumnTable;
  readonly outcome: Outcome;
  /** Reference level per factor (PUBLISHED_REFERENCE when absent). */
  readonly reference?: Readonly<Record<string, string>>;
}

export interface CitoImputationSpec {
  /** Student covariates of the imputation model (default: model 2's, without the cito terms). */
  readonly covariates?: readonly string[];
  /** Location-specific non-western effect (default true, mirrors model 2's random slope). */
  readonly locationSlope?: boolean;
  /** Institution random intercept (default true). */
  readonly institution?: boolean;
  /** The outcome x niet_westers term (default true). */
  readonly outcomeByNonWestern?: boolean;
}

export interface CitoImputationModel {
  readonly outcome: Outcome;
  readonly spec: Required<CitoImputationSpec>;
  /** The imputation model in lme4 notation (cito as the response), for reports. */
  readonly formula: string;
  /** One paragraph saying what the model is and why. */
  readonly description: string;
  readonly nrows: number;
  /** Rows with a cito score (the imputation model is fitted on them) and rows without (imputed). */
  readonly observedRows: Int32Array;
  readonly missingRows: Int32Array;
  /** The observed scores, in observedRows order. */
  readonly observedCito: Float64Array;
  /** Sufficient statistics of the normal model on the observed rows. */
  readonly statistics: NestedNormalStatistics;
  /** Fixed-effect design over all rows (citojaar at the reference for rows without a score). */
  readonly fixed: FixedDesign;
  /** Location of every row and the location-level columns over all rows. */
  readonly locationIndex: Int32Array;
  readonly locationZ: readonly Float64Array[];
  /** Institution of every location, null without the institution level. */
  readonly institutionOfLocation: Int32Array | null;
  /** Year categories (reference first) and, per category, the fixed-effect column of its dummy (-1: reference). */
  readonly yearLevels: readonly string[];
  readonly yearColumn: Int32Array;
  readonly yearModel: TestYearModel;
}

/** Model 2's student covariates without the cito terms: what the imputation model conditions on. */
export function defaultImputationCovariates(outcome: Outcome): string[] {
  return modelLadder(outcome)[4].fixedTerms.filter((t) => !(CITO_TERMS as readonly string[]).includes(t));
}

function numericColumn(table: ColumnTable, name: string): Float64Array {
  const c = table[name];
  if (c === undefined) throw new Error(`imputation model: the frame has no column '${name}'`);
  if (c.length > 0 && typeof c[0] === "string") throw new Error(`imputation model: column '${name}' must be numeric`);
  return Float64Array.from(c as ArrayLike<number>);
}

function factorColumn(table: ColumnTable, name: string): readonly (string | null)[] {
  const c = table[name];
  if (c === undefined) throw new Error(`imputation model: the frame has no column '${name}'`);
  if (c.length > 0 && typeof c[0] !== "string") throw new Error(`imputation model: column '${name}' must be a factor (strings)`);
  return c as readonly (string | null)[];
}

/** Build the cito imputation model for one frame (see the module comment). */
export function buildCitoImputationModel(frame: MissingDataFrame, specIn: CitoImputationSpec = {}): CitoImputationModel {
  const { columns, outcome } = frame;
  const reference = frame.reference ?? PUBLISHED_REFERENCE;
  const spec: Required<CitoImputationSpec> = {
    covariates: specIn.covariates ?? defaultImputationCovariates(outcome),
    locationSlope: specIn.locationSlope ?? true,
    institution: specIn.institution ?? true,
    outcomeByNonWestern: specIn.outcomeByNonWestern ?? true,
  };
  const y = numericColumn(columns, outcome);
  const n = y.length;
  const cito = numericColumn(columns, CITO);
  const missing = numericColumn(columns, CITO_MISSING);
  const nw = numericColumn(columns, NON_WESTERN);
  const years = factorColumn(columns, CITOJAAR);
  const age = numericColumn(columns, AGE);

  const observed: number[] = [];
  const absent: number[] = [];
  for (let i = 0; i < n; i++) {
    const mi = missing[i];
    if (mi === 0) {
      const c = cito[i];
      if (!(c >= CITO_RANGE.min && c <= CITO_RANGE.max)) {
        throw new Error(`imputation model: row ${i + 1} has cito_missing = 0 but cito = ${c}, outside ${CITO_RANGE.min}-${CITO_RANGE.max}`);
      }
      observed.push(i);
    } else if (mi === 1) absent.push(i);
    else throw new Error(`imputation model: cito_missing at row ${i + 1} is ${mi}, not 0 or 1`);
  }
  if (observed.length === 0) throw new Error("imputation model: no row has a cito score");

  // The imputation design over all rows: the outcome placeholder on the left (buildDesign wants a 0/1
  // response), the covariates, the year, the outcome and its product with niet_westers on the right.
  const extra: Record<string, Float64Array> = { [OUTCOME_COVARIATE]: y };
  const rhs = [...spec.covariates, CITOJAAR, OUTCOME_COVARIATE];
  if (spec.outcomeByNonWestern) {
    const ynw = new Float64Array(n);
    for (let i = 0; i < n; i++) ynw[i] = y[i] * nw[i];
    extra[OUTCOME_BY_NON_WESTERN] = ynw;
    rhs.push(OUTCOME_BY_NON_WESTERN);
  }
  const random = [spec.locationSlope ? `(1 + ${NON_WESTERN} | ${LOCATION})` : `(1 | ${LOCATION})`];
  if (spec.institution) random.push(`(1 | ${INSTITUTION})`);
  const designFormula = `${outcome} ~ ${[...rhs, ...random].join(" + ")}`;
  const used = Object.fromEntries(Object.entries(reference).filter(([name]) => rhs.includes(name)));
  const design = buildDesign(designFormula, { ...columns, ...extra }, { reference: used });
  if (design.nobs !== n) {
    throw new Error(`imputation model: ${n - design.nobs} rows have a missing covariate (${Object.entries(design.missing?.byColumn ?? {}).map(([c, k]) => `${c}: ${k}`).join(", ")}); impute or drop them first`);
  }
  const locTerm = design.random.find((t) => t.group === LOCATION);
  if (locTerm === undefined) throw new Error(`imputation model: no ${LOCATION} term in ${designFormula}`);
  const instTerm = spec.institution ? design.random.find((t) => t.group === INSTITUTION) : undefined;
  let ofLocation: Int32Array | null = null;
  if (instTerm !== undefined) {
    ofLocation = new Int32Array(locTerm.levels.length).fill(-1);
    for (let i = 0; i < n; i++) {
      const l = locTerm.index[i];
      const s = instTerm.index[i];
      if (ofLocation[l] === -1) ofLocation[l] = s;
      else if (ofLocation[l] !== s) {
        throw new Error(`imputation model: location '${locTerm.levels[l]}' lies in two institutions ('${instTerm.levels[ofLocation[l]]}' and '${instTerm.levels[s]}' at row ${i + 1}); the model needs locations nested in institutions`);
      }
    }
  }

  // Year categories: reference first, then the levels of the design's dummies.
  const yearRef = reference[CITOJAAR] ?? PUBLISHED_REFERENCE[CITOJAAR];
  const yearLevels = [yearRef];
  const yearCols = [-1];
  design.fixed.info.forEach((info, j) => {
    if (info.variable === CITOJAAR && info.kind === "factorLevel" && info.level !== undefined) {
      yearLevels.push(info.level);
      yearCols.push(j);
    }
  });
  const yearIndexOf = new Map(yearLevels.map((l, k) => [l, k] as const));
  const yearIndex = new Int32Array(n);
  const observedMask = new Uint8Array(n);
  for (const i of observed) {
    const yr = years[i];
    const k = yr === null ? undefined : yearIndexOf.get(yr);
    if (k === undefined) throw new Error(`imputation model: row ${i + 1} has a cito score but citojaar '${yr}' is not a level of the model (${yearLevels.join(", ")})`);
    yearIndex[i] = k;
    observedMask[i] = 1;
  }
  const yearModel = fitTestYearModel(age, y, yearIndex, observedMask, yearLevels);

  const observedRows = Int32Array.from(observed);
  const pick = (col: Float64Array): Float64Array => Float64Array.from(observedRows, (i) => col[i]);
  const observedCito = pick(cito);
  const statistics = new NestedNormalStatistics({
    y: observedCito,
    x: design.fixed.columns.map(pick),
    fixedNames: design.fixed.names,
    location: { index: Int32Array.from(observedRows, (i) => locTerm.index[i]), levels: locTerm.levels, terms: locTerm.terms, z: locTerm.z.map(pick) },
    institution: instTerm !== undefined && ofLocation !== null ? { levels: instTerm.levels, ofLocation } : null,
  });

  const formula = `${CITO} ~ ${[...spec.covariates, CITOJAAR, outcome, ...(spec.outcomeByNonWestern ? [`${outcome}:${NON_WESTERN}`] : []), ...random].join(" + ")}`;
  const description =
    `Multilevel normal imputation model for the cito score (fitted on the ${observed.length} students with a score, ` +
    `imputing ${absent.length}): ${formula}. The outcome (${outcome}) and its product with niet_westers are covariates, ` +
    `so the association between score and outcome is kept; ${spec.locationSlope ? "a location-specific niet_westers effect mirrors model 2's random slope, " : ""}` +
    `random intercepts for location${spec.institution ? " and institution" : ""} keep the clustering. ` +
    `The test year is imputed first from its distribution given age and outcome (a Dirichlet-multinomial cell model), ` +
    `since score and year are missing together; the score is then drawn given that year. Bayesian posterior by a blocked Gibbs sampler ` +
    `(jomo's default priors).`;

  return {
    outcome,
    spec,
    formula,
    description,
    nrows: n,
    observedRows,
    missingRows: Int32Array.from(absent),
    observedCito,
    statistics,
    fixed: design.fixed,
    locationIndex: locTerm.index,
    locationZ: locTerm.z,
    institutionOfLocation: ofLocation,
    yearLevels,
    yearColumn: Int32Array.from(yearCols),
    yearModel,
  };
}
