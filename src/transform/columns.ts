/**
 * Typed access to the raw columns the transforms use: the time-invariant fields of studenten.csv, one
 * enrolment block per schooljaar, the crebo lookup and the vsv file indexed by (student, jaar).
 */
import { numberColumn, stringColumn, type RawData, type RawTable } from "../data/load";
import { sectorOf } from "./recode";

export interface StudentFields {
  readonly n: number;
  readonly id: readonly (string | null)[];
  readonly geslacht: readonly (string | null)[];
  readonly migratie: readonly (string | null)[];
  readonly ouders: readonly (string | null)[];
  readonly score: Float64Array;
  readonly citojaar: Float64Array;
}

/** The enrolment block of schooljaar Y (3a 2.1: empty when not enrolled in mbo on 1 October Y). */
export interface YearBlock {
  readonly year: number;
  readonly instelling: readonly (string | null)[];
  readonly locatie: readonly (string | null)[];
  readonly crebo: readonly (string | null)[];
  readonly leerweg: readonly (string | null)[];
  readonly leeftijd: Float64Array;
  readonly diploma: Float64Array;
  readonly diplomaNiveau: Float64Array;
  readonly ho: Float64Array;
}

export function studentFields(raw: RawData): StudentFields {
  const s = raw.studenten;
  return {
    n: s.nrows,
    id: stringColumn(s, "id"),
    geslacht: stringColumn(s, "geslacht"),
    migratie: stringColumn(s, "migratieachtergrond"),
    ouders: stringColumn(s, "opleidingsniveau_ouders"),
    score: numberColumn(s, "eindtoets_score"),
    citojaar: numberColumn(s, "eindtoets_jaar"),
  };
}

export function yearBlock(raw: RawData, year: number): YearBlock {
  const s: RawTable = raw.studenten;
  if (s.columns[`instelling_${year}`] === undefined) {
    throw new Error(`${s.file}: no enrolment block for schooljaar ${year} (column instelling_${year} is absent)`);
  }
  return {
    year,
    instelling: stringColumn(s, `instelling_${year}`),
    locatie: stringColumn(s, `locatie_${year}`),
    crebo: stringColumn(s, `crebo_${year}`),
    leerweg: stringColumn(s, `leerweg_${year}`),
    leeftijd: numberColumn(s, `leeftijd_${year}`),
    diploma: numberColumn(s, `diploma_${year}`),
    diplomaNiveau: numberColumn(s, `diploma_niveau_${year}`),
    ho: numberColumn(s, `ho_${year}`),
  };
}

/** Crebo code -> level and sector (3a 2.3: "op basis van de Crebotabel van SBB"). */
export interface CreboLookup {
  readonly niveau: ReadonlyMap<string, number>;
  readonly sector: ReadonlyMap<string, string>;
}

export function creboLookup(raw: RawData): CreboLookup {
  const code = stringColumn(raw.crebo, "crebo");
  const niveau = numberColumn(raw.crebo, "niveau");
  const kamer = stringColumn(raw.crebo, "sectorkamer");
  const n = new Map<string, number>();
  const s = new Map<string, string>();
  for (let r = 0; r < raw.crebo.nrows; r++) {
    const c = code[r];
    if (c === null) continue;
    n.set(c, niveau[r]);
    s.set(c, sectorOf(kamer[r]));
  }
  return { niveau: n, sector: s };
}

/** The vsv file of one jaar T, per row of studenten.csv: startpopulatie and nieuwe_vsver (NaN = no row). */
export interface VsvYear {
  readonly year: number;
  readonly startpopulatie: Float64Array;
  readonly nieuweVsver: Float64Array;
}

/** For each row of vsv.csv, the row of studenten.csv with the same id (-1 if none). Computed once. */
export function vsvStudentRows(raw: RawData, students: StudentFields): Int32Array {
  const rowOf = new Map<string, number>();
  for (let r = 0; r < students.n; r++) {
    const id = students.id[r];
    if (id !== null) rowOf.set(id, r);
  }
  const id = stringColumn(raw.vsv, "id");
  const out = new Int32Array(raw.vsv.nrows);
  for (let k = 0; k < raw.vsv.nrows; k++) {
    const key = id[k];
    out[k] = key === null ? -1 : rowOf.get(key) ?? -1;
  }
  return out;
}

export function vsvYear(raw: RawData, year: number, students: StudentFields, studentRow: Int32Array = vsvStudentRows(raw, students)): VsvYear {
  const jaar = numberColumn(raw.vsv, "jaar");
  const start = numberColumn(raw.vsv, "startpopulatie");
  const nieuw = numberColumn(raw.vsv, "nieuwe_vsver");
  const startpopulatie = new Float64Array(students.n).fill(NaN);
  const nieuweVsver = new Float64Array(students.n).fill(NaN);
  for (let k = 0; k < raw.vsv.nrows; k++) {
    if (jaar[k] !== year) continue;
    const r = studentRow[k];
    if (r < 0) continue; // validation guarantees every vsv id is a student
    startpopulatie[r] = start[k];
    nieuweVsver[r] = nieuw[k];
  }
  return { year, startpopulatie, nieuweVsver };
}
