/**
 * truth.json: everything a model fit on the synthetic data can be checked against (the data-generating
 * fixed effects and variance components per outcome and year, the realised location and institution
 * effects), and every unpublished choice with its reason. No timestamps or paths: the same seed and
 * scale give a byte-identical file.
 */
import { ASSOCIATIONS, TEST_YEAR_OFFSET } from "./associations";
import { DIM, FRAME_KEYS, FRAMES } from "./coding";
import { CHOICES, type GeneratedPopulation } from "./generate";
import { effectParameters, PARAMETER_NAMES, PARAMETER_SPECS, type CalibrationRecord } from "./parameters";
import { DESCRIPTIVE_MISPRINTS } from "./targets";

export const TRUTH_FORMAT = "kansen-mbo synthetic truth v1";

function round(x: number, digits = 6): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/**
 * The generating truth of population `g`. `calibration` is the calibrated-parameters record the population
 * was made with (its date, seed and objective are copied), or null when the parameters were given directly.
 */
export function buildTruth(g: GeneratedPopulation, seed: number, scale: number, calibration: CalibrationRecord | null = null): Record<string, unknown> {
  const frames: Record<string, unknown> = {};
  for (const key of FRAME_KEYS) {
    const spec = FRAMES[key];
    const tr = g.truths[key];
    const tg = g.targets[key];
    const dg = g.diagnostics[key];
    const rec = g.frames[key];
    const beta = Array.from(tr.beta);
    beta[0] = dg.outcome.calibratedIntercept;
    const fixed: Record<string, unknown> = {};
    tr.names.forEach((name, j) => {
      fixed[name] = {
        value: round(beta[j]),
        published: tr.published[j],
        ...(tr.derivation[j] ? { derivation: tr.derivation[j] } : {}),
      };
    });
    const readAs = tr.beta[0];
    (fixed["(Intercept)"] as Record<string, unknown>).derivation =
      `calibrated so that the expected ${spec.outcome} rate in this frame equals the published ${tg.rate}, ` +
      `given the synthetic covariates and the realised random effects; published ${tr.published[0]}` +
      (readAs !== tr.published[0] ? ` (read as ${readAs}: ${tr.derivation[0]})` : "") +
      `; deviation from the published reading ${round(dg.outcome.calibratedIntercept - readAs, 4)}`;
    const usedLoc = new Set<number>();
    const usedInst = new Set<number>();
    for (let r = 0; r < rec.n; r++) {
      usedLoc.add(rec.loc[r]);
      usedInst.add(g.schools.institutionOf[rec.loc[r]]);
    }
    const fx = g.effects[key];
    const locationEffects: Record<string, [number, number]> = {};
    for (const l of [...usedLoc].sort((a, b) => a - b)) {
      locationEffects[g.schools.locationCodes[l]] = [round(fx.intercept[l]), round(fx.slope[l])];
    }
    const institutionEffects: Record<string, number> = {};
    for (const j of [...usedInst].sort((a, b) => a - b)) institutionEffects[g.schools.institutionCodes[j]] = round(fx.institution[j]);
    let nw = 0;
    for (let r = 0; r < rec.n; r++) if (rec.dims[DIM.migratie][r] === 1) nw++;
    frames[key] = {
      outcome: spec.outcome,
      jaar: spec.year,
      schooljaarCovariates: spec.t,
      publishedTable: spec.table,
      n: rec.n,
      publishedN: tg.n,
      nNietWesters: nw,
      locations: usedLoc.size,
      publishedLocations: tr.publishedLocations,
      institutions: usedInst.size,
      publishedInstitutions: tr.publishedInstitutions,
      rate: { published: tg.rate, expected: round(dg.outcome.expectedRate), realised: round(dg.outcome.realisedRate) },
      ...(dg.outcome.eventGroup
        ? {
            referenceCitoYearGroup: {
              n: dg.outcome.eventGroup.n,
              expectedEventsUnconditional: round(dg.outcome.eventGroup.expectedEvents, 4),
              events: dg.outcome.eventGroup.events,
              redrawnOnEvent: dg.outcome.eventGroup.redrawn,
              choice: "referenceCitoYearEvent",
            },
          }
        : {}),
      formula: `${spec.outcome} ~ migratie + ouders + geslacht + leeftijd + niveau + sector + leerweg + cito + cito_missing + citojaar + (1 + niet_westers | locatie) + (1 | instelling)`,
      fixedEffects: fixed,
      ameFactor: round(tr.ameFactor),
      randomEffects: {
        locationInterceptSd: tr.locationSd,
        locationSlopeSd: tr.slopeSd,
        interceptSlopeCorrelation: effectParameters(g.parameters, spec.outcome).rho,
        slopeUrbanityPartialCorrelation: effectParameters(g.parameters, spec.outcome).slopeUrbanity,
        institutionUrbanityCorrelation: effectParameters(g.parameters, spec.outcome).institutionUrbanity,
        institutionSd: tr.institutionSd,
        slopeShift: round(fx.slopeShift),
        slopeShiftMeaning:
          "constant subtracted from every location's non-western slope in this frame so that the slopes' mean under model 2's precision weights is 0, " +
          "w_l = 1 / (s1^2 + 1 / sum over the location's non-western students of p (1 - p)) (outcomes.ts centreSlopesByPrecision; the slopes depend on urbanity and urbanity sorts " +
          "non-western students; without it model 2's estimate would be about the published coefficient plus this shift)",
        source:
          "SDs as printed in brackets in Tabel 5-8 model 2, realised exactly (balanced draws over the 585 locations and 62 institutions); " +
          "the correlations are unpublished, calibrated parameters (see parameters)",
      },
      realisedLocationEffects: locationEffects,
      realisedInstitutionEffects: institutionEffects,
      construction: {
        continuing: dg.continuing,
        drawnNew: dg.drawnNew,
        overfillByDimension: dg.overfill,
        ipfMaxMarginError: round(dg.ipfError, 3),
      },
    };
  }
  return {
    format: TRUTH_FORMAT,
    seed,
    scale,
    students: g.pop.n,
    counts: g.counts,
    frames,
    choices: {
      ...CHOICES,
      covariateAssociations: ASSOCIATIONS,
      testYearOffset: { value: TEST_YEAR_OFFSET, reason: "P(test year = natural year + k), k = -2..2; natural year = t - (age - 14) - 2" },
      citoScore: {
        value: "score - 500 ~ round(N(mu + e - mean(e), sigma^2 - var(e))) clipped to 0-50, e = levelCitoStep x level step down + parents (-1.5 max vmbo-kader, +1.5 hoger, -0.5 unknown) + nwCitoShift (non-western; westernFraction of it for western); mu and sigma solved per frame from the published mean and SD (missing = 100)",
        reason: "cito relates to level and background; the published total mean and SD are kept",
      },
      missingCito: { value: "no registration, or for tests from 2015 on (30 %) a non-cito test score 50-100", reason: "3a 2.3: only 500-550 is cito; other tests exist from 2015" },
      publishedCellReadings: {
        value: DESCRIPTIVE_MISPRINTS,
        reason: "Tabel 1-4 cells that are generated as something other than printed, each with its reason",
      },
      vsv2021Identification: {
        value: "in vsv 2021 the reference cito year 2009 holds, besides all cito-missing students (missing-indicator method), only the few genuine 2009 students (about 100 at scale 1, their vsv rate near 1 %); the intercept of model 2 rests on them alone",
        reason: "as in the publication (Tabel 8: SE 1.01 for the intercept, the missing indicator and every cito year). The group always holds at least one vsv'er (choice referenceCitoYearEvent), so model 2 is identified; with only one or two events its SEs are near 1, as published",
      },
      locationComposition: {
        value:
          "a student chooses location l with weight size_l exp(f (locationLevelSpread z_l s(niveau) + locationBblSpread zb_l [bbl] + locationAgeSpread za_l (leeftijd - 5) + locationSectorSpread zs_l,sector) + urbanitySorting m(migratie) u_l), f = 1 in the doorstroom frames and startpopulatieSpread in the vsv frames; " +
          "z, zb, za, zs are balanced latent scores centred within each institution, u_l = sqrt(institutionUrbanityShare) U_j + sqrt(1 - institutionUrbanityShare) (urbanityLevelCorrelation z_l + ...) the urbanity; s(niveau) = 3 - niveau; m = 1 non-western, westernFraction western, 0 otherwise",
        reason: "locations differ in programme level, leerweg, sector and background composition, which is what model 0's variances hold beyond the location effects (issue 14)",
      },
      commonRandomNumbers: {
        value: "every draw that decides a frame record (its categories, cito score, location, outcome, whether it continues into a 2021 frame) is a keyed random number of the record (prng.ts KeyedRandom); the records' categories are drawn dimension by dimension from the fitted table, locations by descending a tree of location weights",
        reason: "two populations of nearby parameters then differ record by record only where the parameters make them differ, so the calibration can compare them (common random numbers)",
      },
      balancedEffects: {
        value: "location and institution effects, and the latent composition scores, are balanced draws (exact mean 0 and exact variances and correlations over the 585 locations and 62 institutions)",
        reason: "the realised variance components equal the model-2 truth instead of one sample of it; a fit then misses them only by its estimation error",
      },
    },
    parameters: {
      source: calibration
        ? { file: "src/data/synthetic/calibrated-parameters.json", date: calibration.date, seed: calibration.seed, scale: calibration.scale, objective: calibration.objective, evaluations: calibration.evaluations }
        : { file: null, note: "parameters given directly, not the committed calibration" },
      values: Object.fromEntries(
        PARAMETER_NAMES.map((name) => {
          const spec = PARAMETER_SPECS[name];
          return [name, { value: g.parameters[name], group: spec.group, meaning: spec.meaning, unit: spec.unit, bounds: [spec.lower, spec.upper] }];
        }),
      ),
    },
  };
}
