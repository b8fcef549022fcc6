/**
 * Institutions (boards), school locations and the crebo catalogue of the synthetic population.
 *
 * 62 institutions (Tabel 5-8) own the locations; each location belongs to exactly one institution.
 * Institution sizes are log-normal (a few large regional training centres, many small specialist
 * colleges); location sizes within them are log-normal too. Each location has an "urbanity" score that
 * raises its share of students with a non-western migration background, so locations differ in
 * composition, as real ones do.
 */
import { LEVELS, SECTORKAMERS, SECTORKAMER_ENTREE } from "./coding";
import { cumulative, type Xoshiro128 } from "./prng";

export interface Schools {
  readonly nInstitutions: number;
  readonly nLocations: number;
  /** Institution of each location. */
  readonly institutionOf: Int16Array;
  /** Relative size of each location (students per location are proportional to it). */
  readonly size: Float64Array;
  /** Urbanity score (standard normal); non-western students favour urban locations. */
  readonly urbanity: Float64Array;
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

export function makeSchools(rng: Xoshiro128, nInstitutions: number, nLocations: number): Schools {
  const instSize = new Float64Array(nInstitutions);
  for (let j = 0; j < nInstitutions; j++) instSize[j] = Math.exp(0.9 * rng.normal());
  // Every institution gets one location; the rest are spread in proportion to institution size.
  const institutionOf = new Int16Array(nLocations);
  const instCdf = cumulative(instSize);
  for (let l = 0; l < nLocations; l++) institutionOf[l] = l < nInstitutions ? l : rng.categorical(instCdf);
  const size = new Float64Array(nLocations);
  const urbanity = new Float64Array(nLocations);
  for (let l = 0; l < nLocations; l++) {
    size[l] = Math.exp(0.7 * rng.normal());
    urbanity[l] = rng.normal();
  }
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
  return {
    nInstitutions,
    nLocations,
    institutionOf,
    size,
    urbanity,
    order,
    locationsOf: lists.map((l) => Int32Array.from(l)),
    institutionCodes,
    locationCodes,
  };
}

/** Cumulative location weights for the first `k` locations of the frame order, for one migration group. */
export function locationCdf(s: Schools, k: number, nonWestern: boolean): Float64Array {
  const w = new Float64Array(s.nLocations);
  for (let r = 0; r < k; r++) {
    const l = s.order[r];
    w[l] = s.size[l] * (nonWestern ? Math.exp(0.8 * s.urbanity[l]) : 1);
  }
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
