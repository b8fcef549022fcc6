/**
 * The synthetic population in columnar typed arrays: one slot per student, and per student seven
 * schooljaar slots (2015..2021) for the enrolment block of the wide DUO file. Grows by doubling, so
 * 1.36 million students x 7 years never become objects or strings until they are written.
 */

export const FIRST_YEAR = 2015;
export const LAST_YEAR = 2021;
export const N_YEARS = LAST_YEAR - FIRST_YEAR + 1;

export class Population {
  n = 0;
  private cap: number;
  /** 0 = M, 1 = V, 2 = not registered. */
  geslacht: Uint8Array;
  /** 0 geen, 1 niet-westers, 2 westers, -1 missing. */
  migratie: Int8Array;
  /** 0 max_vmbo_kader, 1 hoger, 2 unknown. */
  ouders: Uint8Array;
  /** Registered final-test score (any test), -1 when none. */
  toetsScore: Int16Array;
  /** Year of that test, 0 when none. */
  toetsJaar: Int16Array;
  // Per student-year, index i * N_YEARS + (Y - FIRST_YEAR).
  /** Index into the crebo table; -1 = not enrolled in mbo that year (the whole block is empty). */
  crebo: Int16Array;
  instelling: Int16Array;
  /** Location index; -1 = empty (always before 2019). */
  locatie: Int16Array;
  /** 0 BOL, 1 BBL, 2 EX. */
  leerweg: Int8Array;
  /** Age in whole years on 1 August. */
  leeftijd: Int8Array;
  /** 1 if an mbo diploma was obtained that year. */
  diploma: Uint8Array;
  /** Level of that diploma (1-4), 0 if none. */
  diplomaNiveau: Uint8Array;
  /** 1 if enrolled in hbo that year. */
  ho: Uint8Array;
  /**
   * nieuwe_vsver of jaar Y + 1 for a student enrolled in Y: -1 = derive from the career
   * (startpopulatie and not enrolled in Y + 1, not in hbo), 0/1 = set explicitly by the generator.
   */
  vsvNew: Int8Array;

  constructor(capacity: number) {
    this.cap = Math.max(16, capacity);
    const c = this.cap;
    const cy = c * N_YEARS;
    this.geslacht = new Uint8Array(c);
    this.migratie = new Int8Array(c);
    this.ouders = new Uint8Array(c);
    this.toetsScore = new Int16Array(c);
    this.toetsJaar = new Int16Array(c);
    this.crebo = new Int16Array(cy).fill(-1);
    this.instelling = new Int16Array(cy).fill(-1);
    this.locatie = new Int16Array(cy).fill(-1);
    this.leerweg = new Int8Array(cy);
    this.leeftijd = new Int8Array(cy);
    this.diploma = new Uint8Array(cy);
    this.diplomaNiveau = new Uint8Array(cy);
    this.ho = new Uint8Array(cy);
    this.vsvNew = new Int8Array(cy).fill(-1);
  }

  /** Adds a student with no enrolment yet; returns its index. */
  add(): number {
    if (this.n === this.cap) this.grow();
    return this.n++;
  }

  enrolled(i: number, year: number): boolean {
    return this.crebo[i * N_YEARS + (year - FIRST_YEAR)] >= 0;
  }

  /** Sets the enrolment block of student i in schooljaar `year`. */
  enrol(
    i: number,
    year: number,
    crebo: number,
    instelling: number,
    locatie: number,
    leerweg: number,
    leeftijd: number,
  ): void {
    const k = i * N_YEARS + (year - FIRST_YEAR);
    this.crebo[k] = crebo;
    this.instelling[k] = instelling;
    this.locatie[k] = year >= 2019 ? locatie : -1;
    this.leerweg[k] = leerweg;
    this.leeftijd[k] = leeftijd;
  }

  setDiploma(i: number, year: number, niveau: number): void {
    const k = i * N_YEARS + (year - FIRST_YEAR);
    this.diploma[k] = 1;
    this.diplomaNiveau[k] = niveau;
  }

  slot(i: number, year: number): number {
    return i * N_YEARS + (year - FIRST_YEAR);
  }

  private grow(): void {
    const c = this.cap * 2;
    const cy = c * N_YEARS;
    const g8 = (a: Uint8Array, n: number): Uint8Array => {
      const b = new Uint8Array(n);
      b.set(a);
      return b;
    };
    const gi8 = (a: Int8Array, n: number, fill: number): Int8Array => {
      const b = new Int8Array(n).fill(fill);
      b.set(a);
      return b;
    };
    const gi16 = (a: Int16Array, n: number, fill: number): Int16Array => {
      const b = new Int16Array(n).fill(fill);
      b.set(a);
      return b;
    };
    this.geslacht = g8(this.geslacht, c);
    this.migratie = gi8(this.migratie, c, 0);
    this.ouders = g8(this.ouders, c);
    this.toetsScore = gi16(this.toetsScore, c, 0);
    this.toetsJaar = gi16(this.toetsJaar, c, 0);
    this.crebo = gi16(this.crebo, cy, -1);
    this.instelling = gi16(this.instelling, cy, -1);
    this.locatie = gi16(this.locatie, cy, -1);
    this.leerweg = gi8(this.leerweg, cy, 0);
    this.leeftijd = gi8(this.leeftijd, cy, 0);
    this.diploma = g8(this.diploma, cy);
    this.diplomaNiveau = g8(this.diplomaNiveau, cy);
    this.ho = g8(this.ho, cy);
    this.vsvNew = gi8(this.vsvNew, cy, -1);
    this.cap = c;
  }
}
