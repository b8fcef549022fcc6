/**
 * Institutions (boards), school locations and the crebo catalogue of the synthetic population.
 *
 * 62 institutions (Tabel 5-8) own the locations; each location belongs to exactly one institution.
 * Institution sizes are log-normal (a few large regional training centres, many small specialist
 * colleges); location sizes within them are log-normal too.
 *
 * Composition (who studies where) is what model 0's variances hold beyond the location effects, so
 * locations differ the way real ones do, each through a latent profile of balanced normal scores
 * (balanced.ts), scaled by the calibrated composition parameters (parameters.ts):
 *  - programme specialisation: a level orientation z_l (towards the lower levels), a bbl orientation, an
 *    age orientation and a sector affinity per sector, each centred within its institution (an
 *    institution is a broad college; its locations specialise);
 *  - urbanity u_l = sqrt(omega) U_j + sqrt(1 - omega) (c z_l + sqrt(1 - c^2) e_l): an institution part
 *    U_j (urban and rural colleges) and a location part correlated c with the level orientation.
 * A student of niveau n, sector s, leerweg b, age 14 + a and migration group g chooses location l of the
 * frame's pool with probability proportional to
 *    size_l exp(gLevel z_l s(n) + gBbl zb_l [b = bbl] + gAge za_l (a - 5) + gSector zs_{l,s} + gUrb m(g) u_l
 *               + gRisk zr_l (r_i - rbar)),
 * s(n) = 3 - n the level step down, m(g) = 1 non-western, westernFraction western, 0 otherwise; the first
 * four terms times startpopulatieSpread in the vsv frames. r_i is the student's log odds of the frame's
 * outcome from model 2's coefficients of niveau, sector, leerweg, leeftijd and migratie (the published
 * truth, outcomes.ts programmeRisk), rbar its mean under the frame's published margins, zr_l the
 * location's risk orientation and gRisk doorstroomRiskSorting or vsvRiskSorting: a composition that
 * loads on the outcome itself, so that model 0's location variance holds what the covariates of models
 * 1a-1b explain (vsv: 0.39 -> 0.08 in Tabel 7), while the level orientation loads on it only through the
 * level coefficients. Only who goes where changes: the frame's one-way margins (Tabel 1-4) are those of
 * its records.
 */
import { balance, balancedNormal, centreWithinGroups, combine } from "./balanced";
import { DIM, LEVELS, SECTORKAMERS, SECTORKAMER_ENTREE } from "./coding";
import type { FrameRecords } from "./frameDraw";
import { LEVEL_STEP_DOWN, type SyntheticParameters } from "./parameters";
import { meanProgrammeRisk, programmeRisk, type FrameMargins } from "./outcomes";
import { cumulative, type KeyedRandom, type Xoshiro128 } from "./prng";

export interface Schools {
  readonly nInstitutions: number;
  readonly nLocations: number;
  /** Institution of each location. */
  readonly institutionOf: Int16Array;
  /** Relative size of each location (students per location are proportional to it). */
  readonly size: Float64Array;
  /** The latent location profile before the composition parameters scale it (balanced, see above). */
  readonly latent: LocationLatent;
  /**
   * Locations in the order in which frames use them: a frame with K published locations draws from the
   * first K (566 / 574 / 581 / 585 for doorstroom 2020 / vsv 2020 / doorstroom 2021 / vsv 2021). The
   * first 62 positions hold one location of each institution, so every frame has all 62 institutions.
   */
  readonly order: Int32Array;
  /** Locations of each institution. */
  readonly locationsOf: readonly Int32Array[];
  readonly institutionCodes: readonly string[];
  readonly locationCodes: readonly string[];
}

/**
 * Balanced latent scores per location (mean 0, mean square 1): the within-institution ones are centred
 * within each institution and orthogonal to each other where a correlation is a parameter.
 */
export interface LocationLatent {
  /** Level orientation z_l (within institution). */
  readonly level: Float64Array;
  /** Bbl orientation (within institution). */
  readonly bbl: Float64Array;
  /** Age orientation (within institution). */
  readonly age: Float64Array;
  /** Risk orientation (uniform draws, centred within institution, orthogonal to the other orientations): sorting on a student's model-2 risk. */
  readonly risk: Float64Array;
  /** Affinity per sector 0-3 (within institution). */
  readonly sector: readonly Float64Array[];
  /** Location part of urbanity, orthogonal to the level orientation (within institution). */
  readonly urbanityOwn: Float64Array;
  /** Institution urbanity U_j, per institution (balanced over institutions). */
  readonly institutionUrbanity: Float64Array;
  /** U_j of each location's institution, balanced over locations. */
  readonly institutionUrbanityOfLocation: Float64Array;
}

function withinInstitution(rng: Xoshiro128, institutionOf: Int16Array, nInstitutions: number, against: readonly Float64Array[], draw: () => number = () => rng.normal()): Float64Array {
  const x = new Float64Array(institutionOf.length);
  for (let l = 0; l < x.length; l++) x[l] = draw();
  centreWithinGroups(x, institutionOf, nInstitutions);
  return balance(x, against);
}

export function makeSchools(rng: Xoshiro128, nInstitutions: number, nLocations: number): Schools {
  const instSize = new Float64Array(nInstitutions);
  for (let j = 0; j < nInstitutions; j++) instSize[j] = Math.exp(0.9 * rng.normal());
  // Every institution gets one location; the rest are spread in proportion to institution size.
  const institutionOf = new Int16Array(nLocations);
  const instCdf = cumulative(instSize);
  for (let l = 0; l < nLocations; l++) institutionOf[l] = l < nInstitutions ? l : rng.categorical(instCdf);
  const size = new Float64Array(nLocations);
  for (let l = 0; l < nLocations; l++) size[l] = Math.exp(0.7 * rng.normal());
  // Frame order: the first location of each institution, then the others in random order.
  const rest: number[] = [];
  for (let l = nInstitutions; l < nLocations; l++) rest.push(l);
  for (let i = rest.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [rest[i], rest[j]] = [rest[j], rest[i]];
  }
  const order = Int32Array.from([...Array.from({ length: nInstitutions }, (_, j) => j), ...rest]);
  const lists: number[][] = Array.from({ length: nInstitutions }, () => []);
  for (let l = 0; l < nLocations; l++) lists[institutionOf[l]].push(l);
  // Anonymised codes: institutions as 4-character board-like codes, locations as 6 hex digits, unique.
  const used = new Set<string>();
  const code = (make: () => string): string => {
    let c = make();
    while (used.has(c)) c = make();
    used.add(c);
    return c;
  };
  const letters = "ABCDEFGHJKLMNPRSTUVWXZ";
  const institutionCodes = Array.from({ length: nInstitutions }, () =>
    code(() => `${10 + rng.int(90)}${letters[rng.int(letters.length)]}${letters[rng.int(letters.length)]}`),
  );
  const locationCodes = Array.from({ length: nLocations }, () =>
    code(() => `L${(rng.nextUint32() & 0xffffff).toString(16).toUpperCase().padStart(6, "0")}`),
  );
  // Latent composition scores, drawn after everything above so that the sizes and codes of a seed do not
  // depend on them.
  const level = withinInstitution(rng, institutionOf, nInstitutions, []);
  const bbl = withinInstitution(rng, institutionOf, nInstitutions, [level]);
  const sector = [0, 1, 2, 3].map(() => withinInstitution(rng, institutionOf, nInstitutions, []));
  const urbanityOwn = withinInstitution(rng, institutionOf, nInstitutions, [level]);
  const institutionUrbanity = balancedNormal(rng, nInstitutions);
  const institutionUrbanityOfLocation = balance(Float64Array.from(institutionOf, (j) => institutionUrbanity[j]));
  const age = withinInstitution(rng, institutionOf, nInstitutions, [level, bbl, urbanityOwn]);
  // Drawn last, so that every score above is what it was before this one existed.
  // Uniform, not normal: a strong sorting on exp(gRisk zr_l (r - rbar)) with normal scores would pile
  // the students at risk into the few locations of the upper tail; uniform scores spread them over the
  // upper part of the range, so that many locations differ (the variance over locations is what counts).
  const risk = withinInstitution(rng, institutionOf, nInstitutions, [level, bbl, urbanityOwn, age], () => 2 * rng.uniform() - 1);
  return {
    nInstitutions,
    nLocations,
    institutionOf,
    size,
    latent: { level, risk, bbl, age, sector, urbanityOwn, institutionUrbanity, institutionUrbanityOfLocation },
    order,
    locationsOf: lists.map((l) => Int32Array.from(l)),
    institutionCodes,
    locationCodes,
  };
}

/**
 * Urbanity of every location: u_l = sqrt(omega) U_j(l) + sqrt(1 - omega) (c z_l + sqrt(1 - c^2) e_l),
 * mean 0 and mean square 1 over locations (the institution part is constant within an institution, the
 * location part centred within it, so the two are orthogonal and omega is the between-institution share).
 */
export function urbanity(s: Schools, p: SyntheticParameters): Float64Array {
  const w = p.institutionUrbanityShare;
  const c = p.urbanityLevelCorrelation;
  const own = combine(c, s.latent.level, Math.sqrt(1 - c * c), s.latent.urbanityOwn);
  return combine(Math.sqrt(w), s.latent.institutionUrbanityOfLocation, Math.sqrt(1 - w), own);
}

/** Sorting on the students' risk: gRisk, model 2's coefficients (targets.ts COEF_NAMES order) and rbar. */
export interface RiskSorting {
  readonly strength: number;
  readonly beta: Float64Array;
  readonly centre: number;
}

/** The risk sorting of one frame: its strength parameter, its truth and its published margins. */
export function riskSorting(p: SyntheticParameters, outcome: "doorstroom" | "vsv", beta: Float64Array, margins: FrameMargins): RiskSorting {
  return { strength: outcome === "vsv" ? p.vsvRiskSorting : p.doorstroomRiskSorting, beta, centre: meanProgrammeRisk(beta, margins) };
}

/** Ages a placement distinguishes (leeftijd 0-11, i.e. 14-25). */
const PLACEMENT_AGES = 12;
/** Number of record types a placement distinguishes: niveau (4) x sector (4) x leerweg (2) x migratie (3) x age (12). */
const PLACEMENT_TYPES = 4 * 4 * 2 * 3 * PLACEMENT_AGES;

/**
 * Where the students of one frame study: the choice model of the module comment over the first `k`
 * locations of the frame order. A location is drawn by descending a binary tree of summed weights (one
 * per record type, computed on first use), taking the left or right branch with its share of the weight
 * at each of about ten levels, each level with its own uniform. A change of the weights then moves only
 * the students near a branch's threshold (common random numbers); an inverse CDF over 585 locations in a
 * row would move students at every boundary, since each weight shifts all the boundaries after it.
 */
export class Placement {
  private readonly trees: (Float64Array | undefined)[] = new Array(PLACEMENT_TYPES);
  private readonly pool: Int32Array;
  private readonly leaves: number;
  private readonly u: Float64Array;
  private readonly migWeight: readonly number[];

  /**
   * `spread` multiplies the four specialisation spreads (startpopulatieSpread for the vsv frames);
   * `risk` sorts on the students' model-2 risk (none: the careers' placements outside the frames).
   */
  constructor(
    private readonly s: Schools,
    private readonly p: SyntheticParameters,
    k: number,
    private readonly spread = 1,
    private readonly risk: RiskSorting | null = null,
  ) {
    this.pool = s.order.slice(0, Math.min(k, s.nLocations));
    let leaves = 1;
    while (leaves < this.pool.length) leaves *= 2;
    this.leaves = leaves;
    this.u = urbanity(s, p);
    this.migWeight = [0, 1, p.westernFraction];
  }

  /** Tree of weights: leaves at [leaves, leaves + pool), node i holds the sum of its children 2i, 2i + 1. */
  private tree(niveau: number, sector: number, leerweg: number, migratie: number, age: number): Float64Array {
    const type = (((niveau * 4 + sector) * 2 + leerweg) * 3 + migratie) * PLACEMENT_AGES + age;
    const hit = this.trees[type];
    if (hit) return hit;
    const { s, p, pool, u, leaves, spread, risk } = this;
    const L = s.latent;
    const step = LEVEL_STEP_DOWN[niveau];
    const m = this.migWeight[migratie];
    // Log weight per unit of the risk orientation: gRisk (r - rbar).
    const riskLoad = risk === null ? 0 : risk.strength * (programmeRisk(risk.beta, niveau, sector, leerweg, migratie, age) - risk.centre);
    const t = new Float64Array(2 * leaves);
    for (let r = 0; r < pool.length; r++) {
      const l = pool[r];
      const logw =
        spread *
          (p.locationLevelSpread * L.level[l] * step +
            (leerweg === 1 ? p.locationBblSpread * L.bbl[l] : 0) +
            p.locationAgeSpread * L.age[l] * (age - 5) +
            p.locationSectorSpread * L.sector[sector][l]) +
        p.urbanitySorting * m * u[l] +
        riskLoad * L.risk[l];
      t[leaves + r] = s.size[l] * Math.exp(logw);
    }
    for (let i = leaves - 1; i >= 1; i--) t[i] = t[2 * i] + t[2 * i + 1];
    this.trees[type] = t;
    return t;
  }

  /**
   * The location of a student of the given categories (codes of coding.ts; age = leeftijd 0-11);
   * `uniformAt(level)` gives the uniform for each level of the descent.
   */
  draw(uniformAt: (level: number) => number, niveau: number, sector: number, leerweg: number, migratie: number, age: number): number {
    const t = this.tree(niveau, sector, leerweg, migratie, Math.min(Math.max(age, 0), PLACEMENT_AGES - 1));
    let node = 1;
    for (let level = 0; node < this.leaves; level++) {
      const left = 2 * node;
      const goLeft = t[left + 1] <= 0 || (t[left] > 0 && uniformAt(level) * t[node] < t[left]);
      node = goLeft ? left : left + 1;
    }
    return this.pool[node - this.leaves];
  }

  /** Places records[from..n), each with the keyed uniforms of its record key (draws 200 + level). */
  place(random: KeyedRandom, rec: FrameRecords, from: number): void {
    const d = rec.dims;
    for (let r = from; r < rec.n; r++) {
      const key = rec.key[r];
      rec.loc[r] = this.draw((level) => random.uniform(key, 200 + level), d[DIM.niveau][r], d[DIM.sector][r], d[DIM.leerweg][r], d[DIM.migratie][r], d[DIM.leeftijd][r]);
    }
  }
}

/** Cumulative location weights by size alone over the first `k` locations of the frame order. */
export function sizeCdf(s: Schools, k: number): Float64Array {
  const w = new Float64Array(s.nLocations);
  for (let r = 0; r < k; r++) w[s.order[r]] = s.size[s.order[r]];
  return cumulative(w);
}

/** The crebo catalogue: code, niveau (1-4), sectorkamer index into SECTORKAMERS. */
export interface CreboTable {
  readonly code: readonly string[];
  readonly niveau: Uint8Array;
  readonly sectorkamer: Uint8Array;
  /** Crebo indices per (niveau 1-4, sector 0-3): cumulative weights over the sector's sectorkamers. */
  pick(rng: Xoshiro128, niveau: number, sector: number): number;
  /** Another crebo of the same niveau and sector (a switch of programme at the same level). */
  sibling(rng: Xoshiro128, crebo: number): number;
}

const CREBOS_PER_KAMER_LEVEL = 4;

export function makeCreboTable(): CreboTable {
  const code: string[] = [];
  const niveau: number[] = [];
  const kamer: number[] = [];
  // Level 1: entree programmes only (sectorkamer entree), levels 2-4: every other sectorkamer.
  for (let lvl = 1; lvl <= 4; lvl++) {
    SECTORKAMERS.forEach((_sk, k) => {
      const isEntree = k === SECTORKAMER_ENTREE;
      if ((lvl === 1) !== isEntree) return;
      const count = lvl === 1 ? 6 : CREBOS_PER_KAMER_LEVEL;
      for (let j = 0; j < count; j++) {
        code.push(String(20000 + 1000 * k + 100 * lvl + 7 * j + 1));
        niveau.push(lvl);
        kamer.push(k);
      }
    });
  }
  const nivArr = Uint8Array.from(niveau);
  const kamerArr = Uint8Array.from(kamer);
  // Candidates and weights per (niveau, sector).
  const lists: { idx: Int32Array; cdf: Float64Array }[][] = [];
  for (let lvl = 1; lvl <= 4; lvl++) {
    const row: { idx: Int32Array; cdf: Float64Array }[] = [];
    for (let sec = 0; sec < LEVELS.sector.length; sec++) {
      const idx: number[] = [];
      const w: number[] = [];
      for (let c = 0; c < code.length; c++) {
        if (nivArr[c] !== lvl) continue;
        const sk = SECTORKAMERS[kamerArr[c]];
        if (sk.sector !== sec) continue;
        idx.push(c);
        w.push(lvl === 1 ? 1 : sk.share);
      }
      row.push(idx.length ? { idx: Int32Array.from(idx), cdf: cumulative(w) } : { idx: new Int32Array(0), cdf: new Float64Array(0) });
    }
    lists.push(row);
  }
  return {
    code,
    niveau: nivArr,
    sectorkamer: kamerArr,
    pick(rng, lvl, sec) {
      const l = lists[lvl - 1][sec];
      if (l.idx.length === 0) throw new Error(`crebo table: no programme at niveau ${lvl} in sector ${LEVELS.sector[sec]}`);
      return l.idx[rng.categorical(l.cdf)];
    },
    sibling(rng, c) {
      const sec = SECTORKAMERS[kamerArr[c]].sector;
      return this.pick(rng, nivArr[c], sec);
    },
  };
}

/** Sector (0-3) of a crebo. */
export function sectorOf(t: CreboTable, crebo: number): number {
  return SECTORKAMERS[t.sectorkamer[crebo]].sector;
}
