/**
 * Calibration targets (Tabel 1-4) and data-generating truth (model 2 of Tabel 5-8), derived from the
 * published reference CSVs.
 */
import { DIM_NAMES, DIM_SIZES, FRAMES, FrameKey, FRAME_KEYS, LEVELS, type DimName } from "./coding";
import { loadPublishedDescriptives, loadPublishedModels, type PublishedDescriptive, type PublishedModelCell } from "../reference";

/** What one frame must look like after the workspace's selections (Tabel 1-4). */
export interface FrameTarget {
  readonly key: FrameKey;
  readonly n: number;
  /** Published outcome rate (doorstroom or vsv). */
  readonly rate: number;
  /** Proportions per dimension (normalised to sum to 1); leeftijd is filled in by `ageDistribution`. */
  readonly margins: Readonly<Record<DimName, Float64Array>>;
  readonly ageMean: number;
  readonly ageSd: number;
  readonly ageMax: number;
  /** Mean and SD of the frame's cito column (score - 500, and 100 where missing). */
  readonly citoMean: number;
  readonly citoSd: number;
  /** Mean and SD of (score - 500) among students with a cito score, implied by the two lines above. */
  readonly citoObservedMean: number;
  readonly citoObservedSd: number;
}

const CATEGORY_INDEX: Readonly<Record<string, readonly [DimName, number]>> = {
  "Niveau 1": ["niveau", 0],
  "Niveau 2": ["niveau", 1],
  "Niveau 3": ["niveau", 2],
  "Niveau 4": ["niveau", 3],
  "Handel en economie": ["sector", 0],
  "Zorg en sport": ["sector", 1],
  "Techniek en ict": ["sector", 2],
  Overig: ["sector", 3],
  Bol: ["leerweg", 0],
  Bbl: ["leerweg", 1],
  "Geen migratie-achtergrond": ["migratie", 0],
  "Niet-westerse migratieachtergrond": ["migratie", 1],
  "Westerse migratieachtergrond": ["migratie", 2],
  "Lager dan vmbo kader": ["ouders", 0],
  "Hoger dan vmbo kader": ["ouders", 1],
  "Onbekend (missing indicator)": ["ouders", 2],
  Man: ["geslacht", 0],
  Vrouw: ["geslacht", 1],
  "Missingindicator cito/jaar": ["citocat", 0],
};

function citojaarIndex(category: string): number {
  const i = LEVELS.citocat.indexOf(category);
  if (i < 1) throw new Error(`reference: unknown Citojaar category '${category}'`);
  return i;
}

/**
 * Cells of Tabel 1-4 that cannot be used as printed. A misprint makes its group's shares miss 1 (four
 * three-decimal shares can miss 1 by at most 0.002 through rounding): read as 1 minus the other shares.
 * A share printed as .000 that the models show is not empty gets a small explicit value. The comparison
 * shows the printed value next to this reading.
 */
export const DESCRIPTIVE_MISPRINTS: readonly {
  table: number;
  group: string;
  category: string;
  reason: string;
  /** The share to generate; when absent, 1 minus the other shares of the group. */
  value?: number;
}[] = [
  {
    table: 4,
    group: "Citojaar",
    category: "2009",
    value: 0.00025,
    reason:
      "printed .000, i.e. below 0.0005 (under about 200 students), not none: with no 2009 cito student at all, " +
      "the missing indicator would equal 1 minus the other cito-year dummies and model 2 of Tabel 8 would not be " +
      "identified; its intercept and cito-year SEs of 1.01 fit about 100 students with a vsv rate near 1 %, so " +
      "the share is generated as 0.00025",
  },
  {
    table: 4,
    group: "Sector",
    category: "Zorg en sport",
    reason:
      "Tabel 4 sector shares add up to 0.955 as printed; zorg en sport is printed .251 (the same digits as overig) " +
      "where Tabel 3 has .286 and the other three sectors barely move, so it is read as 1 - the other three = 0.296",
  },
];

/** The value a published cell is read as: the printed mean, or for a listed misprint 1 - the group's other shares. */
export function readAs(rows: readonly PublishedDescriptive[], row: PublishedDescriptive): { value: number; note: string } {
  const mis = DESCRIPTIVE_MISPRINTS.find((m) => m.table === row.table && m.group === row.group && m.category === row.category);
  if (!mis) return { value: row.mean, note: "" };
  if (mis.value !== undefined) {
    return { value: mis.value, note: `printed ${row.mean.toFixed(3)}, generated as ${mis.value} (${mis.reason})` };
  }
  const others = rows
    .filter((r) => r.table === row.table && r.group === row.group && r.category !== row.category)
    .reduce((a, r) => a + r.mean, 0);
  const value = Math.round((1 - others) * 1000) / 1000;
  return { value, note: `misprint: printed ${row.mean.toFixed(3)}, read as ${value.toFixed(3)} (${mis.reason})` };
}

export function frameTargets(rows: readonly PublishedDescriptive[] = loadPublishedDescriptives()): Record<FrameKey, FrameTarget> {
  const out = {} as Record<FrameKey, FrameTarget>;
  for (const key of FRAME_KEYS) {
    const spec = FRAMES[key];
    const mine = rows.filter((r) => r.table === spec.table);
    if (mine.length === 0) throw new Error(`reference: no rows for Tabel ${spec.table}`);
    const margins = {} as Record<DimName, Float64Array>;
    DIM_NAMES.forEach((d, i) => (margins[d] = new Float64Array(DIM_SIZES[i])));
    let rate = Number.NaN;
    let ageMean = Number.NaN;
    let ageSd = Number.NaN;
    let ageMax = Number.NaN;
    let citoMean = Number.NaN;
    let citoSd = Number.NaN;
    for (const r of mine) {
      if (r.group === "Doorstroom" || r.group === "Vsv") rate = r.mean;
      else if (r.group.startsWith("Leeftijd")) {
        ageMean = r.mean;
        ageSd = r.sd ?? Number.NaN;
        ageMax = r.max;
      } else if (r.group === "Citoscore") {
        citoMean = r.mean;
        citoSd = r.sd ?? Number.NaN;
      } else if (r.group === "Citojaar") margins.citocat[citojaarIndex(r.category)] = readAs(rows, r).value;
      else {
        const hit = CATEGORY_INDEX[r.category];
        if (!hit) throw new Error(`reference: Tabel ${spec.table} category '${r.category}' is not mapped`);
        margins[hit[0]][hit[1]] = readAs(rows, r).value;
      }
    }
    for (const d of DIM_NAMES) {
      if (d === "leeftijd") continue;
      const m = margins[d];
      const s = m.reduce((a, b) => a + b, 0);
      if (Math.abs(s - 1) > 0.0035) {
        throw new Error(
          `reference: Tabel ${spec.table} shares of ${d} add up to ${s.toFixed(3)}, not 1 up to rounding; ` +
            "list the misprinted cell in DESCRIPTIVE_MISPRINTS (src/data/synthetic/targets.ts)",
        );
      }
      for (let i = 0; i < m.length; i++) m[i] /= s;
    }
    const pm = margins.citocat[0];
    // Frame cito = score - 500 (observed) or 100 (missing): mean M = (1 - m) mu + 100 m and
    // E[x^2] = (1 - m)(sigma^2 + mu^2) + 100^2 m; solve for the observed mu and sigma.
    const mu = (citoMean - 100 * pm) / (1 - pm);
    const ex2 = citoSd * citoSd + citoMean * citoMean;
    const sigma2 = (ex2 - 10000 * pm) / (1 - pm) - mu * mu;
    if (!(sigma2 > 0)) throw new Error(`reference: Tabel ${spec.table} cito mean/SD imply a negative variance`);
    margins.leeftijd.set(ageDistribution(ageMean, ageSd, ageMax));
    out[key] = {
      key,
      n: mine[0].n,
      rate,
      margins,
      ageMean,
      ageSd,
      ageMax,
      citoMean,
      citoSd,
      citoObservedMean: mu,
      citoObservedSd: Math.sqrt(sigma2),
    };
  }
  return out;
}

/**
 * A distribution over whole ages 0..max (years past 14) with the published mean and SD: a discretised
 * normal N(m, s^2) truncated to 0..max, with (m, s) solved by a damped fixed-point iteration so that the
 * truncated, discretised distribution has exactly the target mean and SD. Returns length 12 (zeros above max).
 */
export function ageDistribution(mean: number, sd: number, max: number): Float64Array {
  let m = mean;
  let s = sd;
  const p = new Float64Array(12);
  for (let iter = 0; iter < 200; iter++) {
    p.fill(0);
    let tot = 0;
    for (let a = 0; a <= max; a++) {
      const z = (a - m) / s;
      p[a] = Math.exp(-0.5 * z * z);
      tot += p[a];
    }
    let mu = 0;
    let v = 0;
    for (let a = 0; a <= max; a++) {
      p[a] /= tot;
      mu += a * p[a];
    }
    for (let a = 0; a <= max; a++) v += (a - mu) * (a - mu) * p[a];
    const sdNow = Math.sqrt(v);
    if (Math.abs(mu - mean) < 1e-10 && Math.abs(sdNow - sd) < 1e-10) break;
    m += mean - mu;
    s *= sd / sdNow;
  }
  return p;
}

/** What a published cell is read as, and why (the reference CSV's note). */
export interface CellReading {
  readonly value: number;
  readonly reason: string;
}

/**
 * The reading of a Tabel 5-8 cell whose reference note calls it a typo with a likely value, or null where
 * the cell is read as printed. Two kinds occur in the notes of reference/bijlage-3b/published-models.csv:
 *  - an SE with a misplaced decimal: "Typo: SE printed as (0.21); ... likely (0.02)" -> 0.02;
 *  - a flipped sign of an estimate: "Typo ...: sign contradicts ...; likely -0.27." or "Probably 0.46 was
 *    meant" -> that value (the printed value negated when the note names none).
 * Notes that only call a cell suspect ("Suspect SE", "Suspect AME": one of two cells may be wrong) and
 * notes about layout ("'- 0.37' with a space") give no reading.
 */
export function modelCellReading(cell: PublishedModelCell, statistic: "estimate" | "se"): CellReading | null {
  const note = cell.note;
  if (!/^Typo/.test(note)) return null;
  if (statistic === "se") {
    const m = /^Typo: SE printed as \(([0-9.]+)\).*likely \(([0-9.]+)\)/.exec(note);
    return m ? { value: Number(m[2]), reason: note } : null;
  }
  if (!/^Typo[^:]*: sign/.test(note)) return null;
  const named = /(?:likely|Probably) (-?[0-9]*\.?[0-9]+)(?:\.(?:\s|$)| was meant)/.exec(note);
  return { value: named ? Number(named[1]) : -cell.estimate, reason: note };
}

/** The data-generating fixed effects and variance components of one outcome-year (model 2). */
export interface ModelTruth {
  readonly key: FrameKey;
  /** lme4 coefficient names in the frame's coding, and the data-generating values. */
  readonly names: readonly string[];
  readonly beta: Float64Array;
  /** The published model-2 estimate per coefficient, as printed. */
  readonly published: Float64Array;
  /** Why a value differs from the printed one (empty when it does not). */
  readonly derivation: readonly string[];
  /** AME / coefficient, estimated from the well-determined rows of the table. */
  readonly ameFactor: number;
  readonly locationSd: number;
  readonly slopeSd: number;
  readonly institutionSd: number;
  readonly publishedLocations: number;
  readonly publishedInstitutions: number;
}

/** lme4 term name of each Tabel 5-8 fixed-effect row, by its category (the row label of bijlage 3b). */
export const PUBLISHED_TERM: Readonly<Record<string, string>> = {
  Intercept: "(Intercept)",
  "Niet-westerse migratieachtergrond": "migratieniet-westers",
  "Westerse migratieachtergrond": "migratiewesters",
  "Hoger dan vmbo kader": "oudershoger",
  "Onbekend (missing indicator)": "oudersonbekend",
  Vrouw: "geslachtvrouw",
  "Leeftijd (vanaf 14, per jaar)": "leeftijd",
  "Niveau 1": "niveau1",
  "Niveau 2": "niveau2",
  "Niveau 4": "niveau4",
  "Zorg en sport": "sectorzorg_sport",
  "Techniek en ict": "sectortechniek_ict",
  Overig: "sectoroverig",
  BBL: "leerwegbbl",
  "Citoscore (per score)": "cito",
  "Missingindicator cito": "cito_missing",
  "2010": "citojaar2010",
  "2011": "citojaar2011",
  "2012": "citojaar2012",
  "2013": "citojaar2013",
  ">2014": "citojaar>2014",
};

/** Coefficient order used by the generator's linear predictor. */
export const COEF_NAMES: readonly string[] = [
  "(Intercept)",
  "migratieniet-westers",
  "migratiewesters",
  "oudershoger",
  "oudersonbekend",
  "geslachtvrouw",
  "leeftijd",
  "niveau1",
  "niveau2",
  "niveau4",
  "sectorzorg_sport",
  "sectortechniek_ict",
  "sectoroverig",
  "leerwegbbl",
  "cito",
  "cito_missing",
  "citojaar2010",
  "citojaar2011",
  "citojaar2012",
  "citojaar2013",
  "citojaar>2014",
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const k = s.length >> 1;
  return s.length % 2 ? s[k] : 0.5 * (s[k - 1] + s[k]);
}

export function modelTruths(rows: readonly PublishedModelCell[] = loadPublishedModels()): Record<FrameKey, ModelTruth> {
  const out = {} as Record<FrameKey, ModelTruth>;
  for (const key of FRAME_KEYS) {
    const table = FRAMES[key].table + 4;
    const m2 = rows.filter((r) => r.table === table && r.model === "2");
    const fixed = m2.filter((r) => r.part === "fixed");
    // Every published AME is (approximately) the coefficient times one common factor per table:
    // AME_k = beta_k * mean_i[p_i (1 - p_i)]. Estimate the factor from rows where both are well
    // determined (|beta| >= 0.2, AME printed with three decimals, no note calling the AME suspect).
    const ratios = fixed
      .filter((r) => Math.abs(r.estimate) >= 0.2 && /\.\d{3}$/.test(r.ameText) && !r.note.startsWith("Suspect AME"))
      .map((r) => (r.ame ?? Number.NaN) / r.estimate);
    if (ratios.length < 3) throw new Error(`reference: Tabel ${table} has too few rows to estimate the AME factor`);
    const factor = median(ratios);
    const beta = new Float64Array(COEF_NAMES.length);
    const published = new Float64Array(COEF_NAMES.length).fill(Number.NaN);
    const derivation: string[] = COEF_NAMES.map(() => "");
    for (const r of fixed) {
      const name = PUBLISHED_TERM[r.category];
      const j = COEF_NAMES.indexOf(name ?? "");
      if (j < 0) throw new Error(`reference: Tabel ${table} model 2 row '${r.category}' is not mapped`);
      published[j] = r.estimate;
      let b = r.estimate;
      if (Math.abs(r.estimate) < 0.005 && r.ame !== null) {
        // Printed as 0.00: the coefficient lies in (-0.005, 0.005); its AME gives it back as AME / factor.
        const fromAme = Math.max(-0.00499, Math.min(0.00499, r.ame / factor));
        b = fromAme;
        derivation[j] = `printed ${r.estimate.toFixed(2)}; recovered as AME ${r.ameText} / factor ${factor.toFixed(4)} = ${fromAme.toFixed(5)} (kept inside the rounding interval of the printed value)`;
      } else if (name === "(Intercept)") {
        const reading = modelCellReading(r, "estimate");
        if (reading !== null) {
          b = reading.value;
          derivation[j] = `printed ${r.estimate}; read as ${b} per the reference note: ${r.note}`;
        }
      }
      beta[j] = b;
    }
    for (let j = 0; j < COEF_NAMES.length; j++) {
      if (Number.isNaN(published[j])) throw new Error(`reference: Tabel ${table} model 2 lacks '${COEF_NAMES[j]}'`);
    }
    const random = m2.filter((r) => r.part === "random");
    const sdOf = (prefix: string): number => {
      const r = random.find((x) => x.category.startsWith(prefix));
      if (!r) throw new Error(`reference: Tabel ${table} model 2 lacks random part '${prefix}'`);
      return r.se ?? Number.NaN; // the SD as printed in brackets (two decimals: more precise than the variance)
    };
    out[key] = {
      key,
      names: COEF_NAMES,
      beta,
      published,
      derivation,
      ameFactor: factor,
      locationSd: sdOf("Schoollocatie"),
      slopeSd: sdOf("Variantie slope"),
      institutionSd: sdOf("Instelling"),
      publishedLocations: m2[0].nLocations,
      publishedInstitutions: m2[0].nInstitutions,
    };
  }
  return out;
}

/**
 * Model 2's fixed effects with the background terms (migration, parents' education) replaced by the
 * published model 1a estimates of the same table: the gross background gaps, level and age composition
 * included. For outcomes drawn where the population's level and age composition does not carry the gap
 * (the careers wholly before 2019, CHOICES.earlierOutcomes).
 */
export function withGrossBackground(truth: ModelTruth, rows: readonly PublishedModelCell[] = loadPublishedModels()): Float64Array {
  const table = FRAMES[truth.key].table + 4;
  const beta = Float64Array.from(truth.beta);
  for (const r of rows) {
    if (r.table !== table || r.model !== "1a" || r.part !== "fixed") continue;
    const j = COEF_NAMES.indexOf(PUBLISHED_TERM[r.category] ?? "");
    if (j >= 1 && j <= 4) beta[j] = modelCellReading(r, "estimate")?.value ?? r.estimate;
  }
  return beta;
}
