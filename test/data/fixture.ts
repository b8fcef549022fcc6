/**
 * Hand-made raw data folders for tests: a few students written as studenten.csv, vsv.csv and crebo.csv
 * in the layout of data-schema/README.md.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const YEARS = [2015, 2016, 2017, 2018, 2019, 2020, 2021];

export interface Enrolment {
  instelling?: string;
  locatie?: string;
  crebo?: string;
  leerweg?: string;
  leeftijd?: number | string;
  diploma?: 0 | 1 | string;
  diplomaNiveau?: number | string;
}

export interface StudentSpec {
  id: string;
  geslacht?: string;
  migratie?: string;
  ouders?: string;
  score?: number | string;
  citojaar?: number | string;
  years?: Partial<Record<number, Enrolment>>;
  /** Years with hbo enrolment (ho_Y = 1). */
  hbo?: number[];
}

export interface VsvRow {
  id: string;
  jaar: number | string;
  startpopulatie: number | string;
  nieuwe_vsver: number | string;
}

/** A small crebo table: one crebo per level and sector kind. */
export const CREBO_ROWS: string[][] = [
  ["10001", "1", "entree"],
  ["10002", "2", "handel"],
  ["10003", "3", "zakelijke_dienstverlening_veiligheid"],
  ["10004", "4", "zorg_welzijn_sport"],
  ["10012", "2", "techniek_gebouwde_omgeving"],
  ["10013", "3", "creatieve_industrie_ict"],
  ["10014", "4", "voedsel_groen_gastvrijheid"],
  ["10024", "4", "onbekend"],
  ["10034", "4", ""],
];

export function studentHeader(): string[] {
  const h = ["id", "geslacht", "migratieachtergrond", "opleidingsniveau_ouders", "eindtoets_score", "eindtoets_jaar"];
  for (const y of YEARS) {
    for (const f of ["instelling", "locatie", "crebo", "leerweg", "leeftijd", "diploma", "diploma_niveau", "ho"]) h.push(`${f}_${y}`);
  }
  return h;
}

export function studentRow(s: StudentSpec): string[] {
  const row = [s.id, s.geslacht ?? "M", s.migratie ?? "geen", s.ouders ?? "hoger", String(s.score ?? 530), String(s.citojaar ?? 2012)];
  for (const y of YEARS) {
    const e = s.years?.[y];
    const ho = s.hbo?.includes(y) ? "1" : "0";
    if (e === undefined) {
      row.push("", "", "", "", "", "", "", ho);
      continue;
    }
    row.push(
      e.instelling ?? "I1",
      e.locatie ?? (y >= 2019 ? "L1" : ""),
      e.crebo ?? "10003",
      e.leerweg ?? "BOL",
      String(e.leeftijd ?? 18),
      String(e.diploma ?? 0),
      e.diplomaNiveau === undefined ? (e.diploma === 1 ? "3" : "") : String(e.diplomaNiveau),
      ho,
    );
  }
  return row;
}

function csv(rows: string[][]): string {
  return rows.map((r) => r.map((v) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v)).join(",")).join("\n") + "\n";
}

export interface RawFolder {
  students: StudentSpec[];
  vsv?: VsvRow[];
  crebo?: string[][];
  /** Replace a whole file's text (for malformed-input tests). */
  raw?: Partial<Record<"studenten" | "vsv" | "crebo", string>>;
}

export function writeRawFolder(spec: RawFolder): string {
  const dir = mkdtempSync(join(tmpdir(), "kansen-raw-"));
  const studenten = spec.raw?.studenten ?? csv([studentHeader(), ...spec.students.map(studentRow)]);
  const vsv = spec.raw?.vsv ?? csv([["id", "jaar", "startpopulatie", "nieuwe_vsver"], ...(spec.vsv ?? []).map((v) => [v.id, String(v.jaar), String(v.startpopulatie), String(v.nieuwe_vsver)])]);
  const crebo = spec.raw?.crebo ?? csv([["crebo", "niveau", "sectorkamer"], ...(spec.crebo ?? CREBO_ROWS)]);
  writeFileSync(join(dir, "studenten.csv"), studenten);
  writeFileSync(join(dir, "vsv.csv"), vsv);
  writeFileSync(join(dir, "crebo.csv"), crebo);
  return dir;
}
