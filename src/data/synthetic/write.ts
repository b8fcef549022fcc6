/**
 * Writes the raw DUO-shaped files of data-schema/README.md from the typed-array population:
 * studenten.csv (wide, one row per student), vsv.csv (student x jaar), crebo.csv, plus truth.json.
 *
 * Rows are streamed in chunks of a few thousand to a temporary file in the target folder; only when every
 * file is complete are they renamed over the final names, so an interrupted run leaves the previous
 * data untouched (no half-written file under a final name).
 */
import { closeSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { RAW_GESLACHT, RAW_LEERWEG, RAW_MIGRATIE, RAW_OUDERS, SECTORKAMERS } from "./coding";
import { FIRST_YEAR, LAST_YEAR, N_YEARS, type Population } from "./population";
import type { Xoshiro128 } from "./prng";
import type { CreboTable, Schools } from "./schools";

/** Age limit of DUO's vsv startpopulatie in this population (see CHOICES.startpopulatieAge). */
export const STARTPOPULATIE_MAX_AGE = 21;

const CHUNK_ROWS = 4000;

/** A file written under a temporary name, renamed into place by `commit`. */
class ChunkedFile {
  private fd: number;
  private buf: string[] = [];
  readonly tmp: string;
  bytes = 0;
  constructor(readonly path: string) {
    this.tmp = `${path}.tmp-${process.pid}`;
    this.fd = openSync(this.tmp, "w");
  }
  push(line: string): void {
    this.buf.push(line);
    if (this.buf.length >= CHUNK_ROWS) this.flush();
  }
  flush(): void {
    if (this.buf.length === 0) return;
    const s = this.buf.join("\n") + "\n";
    this.bytes += writeSync(this.fd, s);
    this.buf = [];
  }
  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

export interface WrittenFiles {
  readonly files: readonly { readonly name: string; readonly bytes: number; readonly rows: number }[];
}

/**
 * The startpopulatie flag of DUO's vsv file for jaar t + 1: enrolled on 1 October of t, aged at most
 * STARTPOPULATIE_MAX_AGE (and at least 12), without a startkwalificatie (no mbo diploma of level 2 or
 * higher in an earlier year), and (this population's simplification) no diploma in t itself.
 */
export function startpopulatie(pop: Population, i: number, t: number): boolean {
  const s = pop.slot(i, t);
  if (pop.crebo[s] < 0) return false;
  const age = pop.leeftijd[s];
  if (age < 12 || age > STARTPOPULATIE_MAX_AGE) return false;
  if (pop.diploma[s]) return false;
  for (let y = FIRST_YEAR; y < t; y++) {
    const k = pop.slot(i, y);
    if (pop.diploma[k] && pop.diplomaNiveau[k] >= 2) return false;
  }
  return true;
}

/**
 * nieuwe_vsver in jaar t + 1: set explicitly for the vsv frames' students; otherwise derived from the
 * career: in the startpopulatie, not enrolled in mbo in t + 1 and not in hbo.
 */
export function nieuweVsver(pop: Population, i: number, t: number): boolean {
  const explicit = pop.vsvNew[pop.slot(i, t)];
  if (!startpopulatie(pop, i, t)) return false;
  if (explicit >= 0) return explicit === 1;
  if (t + 1 > LAST_YEAR) return false;
  return !pop.enrolled(i, t + 1) && pop.ho[pop.slot(i, t + 1)] === 0;
}

export function studentHeader(): string {
  const cols = ["id", "geslacht", "migratieachtergrond", "opleidingsniveau_ouders", "eindtoets_score", "eindtoets_jaar"];
  for (let y = FIRST_YEAR; y <= LAST_YEAR; y++) {
    for (const c of ["instelling", "locatie", "crebo", "leerweg", "leeftijd", "diploma", "diploma_niveau", "ho"]) {
      cols.push(`${c}_${y}`);
    }
  }
  return cols.join(",");
}

/** A random order of the students, so ids and file positions say nothing about how they were made. */
export function writeOrder(rng: Xoshiro128, n: number): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}

export function studentId(rank: number): string {
  return `S${String(rank + 1).padStart(7, "0")}`;
}

export function writePopulation(
  dir: string,
  pop: Population,
  schools: Schools,
  crebos: CreboTable,
  order: Int32Array,
  truthJson: string,
  onProgress: (message: string) => void = () => undefined,
): WrittenFiles {
  mkdirSync(dir, { recursive: true });
  const studenten = new ChunkedFile(join(dir, "studenten.csv"));
  const vsv = new ChunkedFile(join(dir, "vsv.csv"));
  const crebo = new ChunkedFile(join(dir, "crebo.csv"));
  const truth = new ChunkedFile(join(dir, "truth.json"));
  const all = [studenten, vsv, crebo, truth];
  let vsvRows = 0;
  try {
    crebo.push("crebo,niveau,sectorkamer");
    for (let c = 0; c < crebos.code.length; c++) {
      crebo.push(`${crebos.code[c]},${crebos.niveau[c]},${SECTORKAMERS[crebos.sectorkamer[c]].code}`);
    }
    studenten.push(studentHeader());
    vsv.push("id,jaar,startpopulatie,nieuwe_vsver");
    const ages: string[] = Array.from({ length: 128 }, (_, a) => String(a));
    const emptyBlock = ",,,,,,";
    for (let k = 0; k < pop.n; k++) {
      const i = order[k];
      const id = studentId(k);
      const mig = pop.migratie[i];
      const score = pop.toetsScore[i];
      let line =
        `${id},${RAW_GESLACHT[pop.geslacht[i]]},${mig < 0 ? "" : RAW_MIGRATIE[mig]},${RAW_OUDERS[pop.ouders[i]]},` +
        `${score < 0 ? "" : score},${score < 0 ? "" : pop.toetsJaar[i]}`;
      const base = i * N_YEARS;
      for (let y = 0; y < N_YEARS; y++) {
        const s = base + y;
        const c = pop.crebo[s];
        if (c < 0) line += `,${emptyBlock},${pop.ho[s]}`;
        else {
          const l = pop.locatie[s];
          const dip = pop.diploma[s];
          line +=
            `,${schools.institutionCodes[pop.instelling[s]]},${l < 0 ? "" : schools.locationCodes[l]},${crebos.code[c]},` +
            `${RAW_LEERWEG[pop.leerweg[s]]},${ages[pop.leeftijd[s]]},${dip},${dip ? pop.diplomaNiveau[s] : ""},${pop.ho[s]}`;
        }
      }
      studenten.push(line);
      for (let t = FIRST_YEAR; t < LAST_YEAR; t++) {
        if (!pop.enrolled(i, t)) continue;
        const sp = startpopulatie(pop, i, t);
        vsv.push(`${id},${t + 1},${sp ? 1 : 0},${sp && nieuweVsver(pop, i, t) ? 1 : 0}`);
        vsvRows++;
      }
      if ((k + 1) % 200000 === 0) onProgress(`written ${k + 1} of ${pop.n} students`);
    }
    truth.push(truthJson);
    for (const f of all) f.close();
  } catch (e) {
    for (const f of all) {
      try {
        f.close();
      } catch {
        // already closed
      }
      rmSync(f.tmp, { force: true });
    }
    throw e;
  }
  for (const f of all) renameSync(f.tmp, f.path);
  return {
    files: [
      { name: "studenten.csv", bytes: studenten.bytes, rows: pop.n },
      { name: "vsv.csv", bytes: vsv.bytes, rows: vsvRows },
      { name: "crebo.csv", bytes: crebo.bytes, rows: crebos.code.length },
      { name: "truth.json", bytes: truth.bytes, rows: 1 },
    ],
  };
}
