/**
 * A raw data folder that is valid by data-schema/ but full of what real files hold and the synthetic
 * generator never writes: final-test scores with decimals (in and outside the cito range), other tests'
 * scores, test years before 2009 and after the school year, a location handed over to another
 * institution between school years (legal: locations nest in institutions per schooljaar), codes with
 * commas, quotes, a line break, spaces, accents and leading zeros, integers with leading zeros, a byte
 * order mark and CRLF line ends, and vsv rows that DUO's definition would not count. Written by its own
 * small generator (not src/data/synthetic), with a random location effect on both outcomes so that every
 * model of every chapter has something to fit.
 *
 * Used by the contract tests (test/data/contract.test.ts) and, once, end to end through every notebook
 * (test/e2e/data-contract.test.ts).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CREBO_ROWS, studentHeader, YEARS } from "./fixture";

/** Mulberry32: a small, seeded generator of uniform numbers in [0, 1). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Institution codes: a comma, quotes, a line break, a dash, leading zeros. */
export const ODD_INSTITUTIONS = ["ROC, Midden", 'Het "Grafisch" Lyceum', "ROC van\nTwente", "Curio – Breda", "0007", "I6"] as const;

/** The location handed over from institution 0 (schooljaar 2019) to institution 1 (2020 and 2021). */
export const SHARED_LOCATION = "L-SHARED";
export const SHARED_FROM = ODD_INSTITUTIONS[0];
export const SHARED_TO = ODD_INSTITUTIONS[1];

/** Location codes per institution (5 each), with a space, a comma, a quote, accents and leading zeros. */
function locationCodes(): string[][] {
  const odd = ["loc 7", "Loc,9", 'A"1', "Lé8", "0042"];
  return ODD_INSTITUTIONS.map((_, k) => Array.from({ length: 5 }, (_, j) => (k === 0 && j === 0 ? SHARED_LOCATION : j === 4 ? `${odd[k % odd.length]}-${k}` : `L-${String(k * 10 + j).padStart(4, "0")}`)));
}

export interface ContractFolderFacts {
  readonly dir: string;
  readonly students: number;
  /** Students whose score has decimals and lies in 500-550. */
  readonly fractionalCitoRange: number;
  /** Students whose test year is after 2019. */
  readonly testAfter2019: number;
}

function csvField(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

function csvText(rows: readonly (readonly string[])[], eol = "\n", bom = false): string {
  return (bom ? "\ufeff" : "") + rows.map((r) => r.map(csvField).join(",")).join(eol) + eol;
}

const logistic = (x: number): number => 1 / (1 + Math.exp(-x));

/** Write the folder (into a fresh temporary folder unless `dir` is given); returns what it holds. */
export function writeContractFolder(options: { readonly students?: number; readonly seed?: number; readonly dir?: string } = {}): ContractFolderFacts {
  const n = options.students ?? 4000;
  const rand = prng(options.seed ?? 20240214);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), "kansen-contract-"));
  const locations = locationCodes();
  const effect = new Map<string, number>();
  for (const list of locations) for (const code of list) effect.set(code, 0.5 * normal());
  const creboByLevel = [1, 2, 3, 4].map((level) => CREBO_ROWS.filter((r) => r[1] === String(level)).map((r) => r[0] as string));
  const header = studentHeader();
  const rows: string[][] = [header];
  const vsvRows: string[][] = [["id", "jaar", "startpopulatie", "nieuwe_vsver"]];
  let fractionalCitoRange = 0;
  let testAfter2019 = 0;
  for (let i = 0; i < n; i++) {
    const id = i % 50 === 0 ? `0${String(i).padStart(6, "0")}` : i % 97 === 0 ? `stud-ë-${i}` : `s${i}`;
    const u = rand();
    const migratie = u < 0.72 ? "geen" : u < 0.9 ? "niet-westers" : u < 0.99 ? "westers" : "";
    const geslacht = rand() < 0.005 ? "" : rand() < 0.5 ? "M" : "V";
    const w = rand();
    const ouders = w < 0.35 ? "max_vmbo_kader" : w < 0.7 ? "hoger" : "";
    // the final test: mostly cito, some with decimals, other tests' scales, missing, odd years
    const s = rand();
    let score = "";
    let citojaar = String(2009 + Math.floor(rand() * 8));
    let cito = NaN;
    if (s < 0.7) {
      cito = 500 + Math.floor(rand() * 51);
      score = String(cito);
    } else if (s < 0.73) {
      score = (500 + Math.floor(rand() * 50) + 0.5).toFixed(1);
      fractionalCitoRange++;
    } else if (s < 0.8) score = String(50 + Math.floor(rand() * 51)); // IEP
    else if (s < 0.85) score = String(100 + Math.floor(rand() * 201)); // Route 8
    else if (s < 0.87) score = (60 + rand() * 40).toFixed(2); // another test, with decimals
    const y = rand();
    if (y < 0.02) citojaar = "2008";
    else if (y < 0.05) citojaar = "";
    else if (y < 0.06) citojaar = "2021"; // taken after the school years it describes
    else if (y < 0.07) citojaar = "02013"; // leading zero: an integer by the documented rule
    if (citojaar === "2021") testAfter2019++;
    const nietWesters = migratie === "niet-westers" ? 1 : 0;
    const capacity = Number.isNaN(cito) ? 0 : (cito - 525) / 12;

    // the career: consecutive school years from `start` at one location of one institution
    const start = pick([2016, 2017, 2018, 2019, 2020]);
    const startAge = 15 + Math.floor(rand() * 5) + (rand() < 0.03 ? 6 : 0); // a few adults
    let level = pick([1, 2, 2, 3, 3, 3, 4, 4]);
    const k = Math.floor(rand() * ODD_INSTITUTIONS.length);
    const locationList = locations[k] as string[];
    const location = pick(locationList);
    const leerweg = rand() < 0.75 ? "BOL" : rand() < 0.8 ? "BBL" : "EX";
    const blocks = new Map<number, string[]>();
    const hbo = new Set<number>();
    let enrolled = true;
    for (let year = start; year <= 2021 && enrolled; year++) {
      const age = startAge + (year - start);
      const institution = location === SHARED_LOCATION && year >= 2020 ? SHARED_TO : (ODD_INSTITUTIONS[k] as string);
      const u0 = effect.get(location) ?? 0;
      const diploma = rand() < logistic(-0.4 + 0.6 * capacity + 0.3 * (year - start) - 0.3 * nietWesters + u0) ? 1 : 0;
      const ageText = rand() < 0.01 ? `0${age}` : String(age); // "018": leading zeros are allowed
      blocks.set(year, [
        institution, year >= 2019 ? location : "", pick(creboByLevel[level - 1] as string[]), leerweg, ageText,
        String(diploma), diploma === 1 ? String(level) : "",
      ]);
      const next = year + 1;
      let continues: boolean;
      if (diploma === 1) {
        // doorstroom: a higher mbo level at the same location, or hbo
        const up = rand() < logistic(-0.2 + 0.5 * capacity + 0.4 * (ouders === "hoger" ? 1 : 0) - 0.35 * nietWesters + u0);
        if (up && level < 4) {
          level++;
          continues = true;
        } else {
          if (up) hbo.add(next);
          continues = false;
        }
      } else {
        continues = rand() < logistic(1.6 + 0.5 * capacity - 0.4 * nietWesters + u0);
      }
      if (next <= 2021 && next >= 2016) {
        const left = !continues && diploma === 0 && !hbo.has(next);
        const odd = rand() < 0.004; // DUO marks a student who is still enrolled: kept, with a warning
        const vsver = (left && rand() < 0.9) || odd ? 1 : 0;
        vsvRows.push([id, String(next), age < 23 ? "1" : "0", String(vsver)]);
      }
      enrolled = continues;
    }
    const row = [id, geslacht, migratie, ouders, score, citojaar];
    for (const year of YEARS) {
      const b = blocks.get(year);
      row.push(...(b ?? ["", "", "", "", "", "", ""]), hbo.has(year) ? "1" : "0");
    }
    rows.push(row);
  }
  writeFileSync(join(dir, "studenten.csv"), csvText(rows));
  writeFileSync(join(dir, "vsv.csv"), csvText(vsvRows, "\r\n", true));
  writeFileSync(join(dir, "crebo.csv"), csvText([["crebo", "niveau", "sectorkamer"], ...CREBO_ROWS.map((r) => [`${r[0]}`, `0${r[1]}`, r[2] as string])]));
  return { dir, students: n, fractionalCitoRange, testAfter2019 };
}
