/**
 * Calibration check: applies the selections of bijlage 3a 3.2 to the raw fields of a population (as the
 * files carry them: enrolment blocks, diploma, ho, the vsv file's flags) and computes the Tabel 1-4
 * descriptives, then compares every cell with the published one:
 *   proportions within 0.01 absolute, means and SDs within 3 % relative.
 *
 * This is the generator's own check, independent of its internal bookkeeping of who is in which frame;
 * the workspace's transforms (src/transform) are the authoritative implementation, and the bench script
 * compares their frames with the published tables as well.
 */
import { FRAMES, FRAME_KEYS, LEERWEG_EX, SECTORKAMERS, type FrameKey } from "./coding";
import { LAST_YEAR, type Population } from "./population";
import type { PublishedDescriptive } from "../reference";
import type { CreboTable } from "./schools";
import { readAs } from "./targets";
import { nieuweVsver, startpopulatie } from "./write";

export const PROPORTION_TOLERANCE = 0.01;
export const RELATIVE_TOLERANCE = 0.03;

/** One frame as plain columns (the subset the descriptives need). */
export interface CheckFrame {
  readonly key: FrameKey;
  readonly n: number;
  readonly outcome: Uint8Array;
  readonly migratie: Uint8Array; // 0 geen, 1 niet-westers, 2 westers
  readonly ouders: Uint8Array; // 0 max_vmbo_kader, 1 hoger, 2 onbekend
  readonly vrouw: Uint8Array;
  readonly leeftijd: Float64Array; // age - 14
  readonly niveau: Uint8Array; // 1-4
  readonly sector: Uint8Array; // 0 handel_economie, 1 zorg_sport, 2 techniek_ict, 3 overig
  readonly bbl: Uint8Array;
  readonly cito: Float64Array; // score - 500, or 100
  readonly citoMissing: Uint8Array;
  readonly citojaar: Int16Array; // 2009..2013, 2014 for >2014, 0 when missing
}

/** The selections of 3a 3.2 on the raw fields, for one frame. */
export function selectFrame(pop: Population, crebos: CreboTable, key: FrameKey): CheckFrame {
  const { outcome, t } = FRAMES[key];
  const rows: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < pop.n; i++) {
    const s = pop.slot(i, t);
    if (pop.crebo[s] < 0) continue; // enrolled in t
    if (pop.leerweg[s] === LEERWEG_EX) continue; // bol/bbl only
    const age = pop.leeftijd[s];
    if (age < 14 || age > 25) continue; // 14-25
    if (pop.migratie[i] < 0) continue; // migration background known
    if (pop.geslacht[i] > 1) continue; // gender known
    if (pop.locatie[s] < 0) continue; // location known
    if (outcome === "doorstroom") {
      if (!pop.diploma[s]) continue; // diploma in t
      const n1 = t + 1 <= LAST_YEAR ? pop.slot(i, t + 1) : -1;
      const higherMbo = n1 >= 0 && pop.crebo[n1] >= 0 && crebos.niveau[pop.crebo[n1]] > pop.diplomaNiveau[s];
      const hbo = n1 >= 0 && pop.ho[n1] === 1;
      ys.push(higherMbo || hbo ? 1 : 0);
    } else {
      if (!startpopulatie(pop, i, t)) continue;
      ys.push(nieuweVsver(pop, i, t) ? 1 : 0);
    }
    rows.push(i);
  }
  const n = rows.length;
  const f: CheckFrame = {
    key,
    n,
    outcome: Uint8Array.from(ys),
    migratie: new Uint8Array(n),
    ouders: new Uint8Array(n),
    vrouw: new Uint8Array(n),
    leeftijd: new Float64Array(n),
    niveau: new Uint8Array(n),
    sector: new Uint8Array(n),
    bbl: new Uint8Array(n),
    cito: new Float64Array(n),
    citoMissing: new Uint8Array(n),
    citojaar: new Int16Array(n),
  };
  rows.forEach((i, r) => {
    const s = pop.slot(i, t);
    f.migratie[r] = pop.migratie[i];
    f.ouders[r] = pop.ouders[i];
    f.vrouw[r] = pop.geslacht[i];
    f.leeftijd[r] = pop.leeftijd[s] - 14;
    f.niveau[r] = crebos.niveau[pop.crebo[s]];
    f.sector[r] = SECTORKAMERS[crebos.sectorkamer[pop.crebo[s]]].sector;
    f.bbl[r] = pop.leerweg[s] === 1 ? 1 : 0;
    const score = pop.toetsScore[i];
    const year = pop.toetsJaar[i];
    const isCito = score >= 500 && score <= 550 && year >= 2009;
    f.cito[r] = isCito ? score - 500 : 100;
    f.citoMissing[r] = isCito ? 0 : 1;
    f.citojaar[r] = isCito ? Math.min(year, 2014) : 0;
  });
  return f;
}

export interface ComparisonRow {
  readonly table: number;
  readonly group: string;
  readonly category: string;
  readonly kind: "proportion" | "mean" | "sd";
  readonly published: number;
  readonly reproduced: number;
  readonly difference: number;
  readonly tolerance: string;
  readonly withinTolerance: boolean;
  /** For a misprinted cell: what it is read as and why (the tolerance applies to that reading). */
  readonly note: string;
}

function meanSd(x: Float64Array): [number, number] {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  const m = s / x.length;
  let v = 0;
  for (let i = 0; i < x.length; i++) v += (x[i] - m) * (x[i] - m);
  return [m, Math.sqrt(v / (x.length - 1))];
}

function share(n: number, pred: (r: number) => boolean): number {
  let k = 0;
  for (let r = 0; r < n; r++) if (pred(r)) k++;
  return n ? k / n : Number.NaN;
}

/** The reproduced value of one Tabel 1-4 cell. */
function reproduce(f: CheckFrame, row: PublishedDescriptive): { kind: "proportion" | "mean" | "sd"; value: number; sd?: number } {
  const n = f.n;
  const c = row.category;
  switch (row.group) {
    case "Doorstroom":
    case "Vsv":
      return { kind: "proportion", value: share(n, (r) => f.outcome[r] === 1) };
    case "Migratieachtergrond":
      return { kind: "proportion", value: share(n, (r) => f.migratie[r] === (c.startsWith("Geen") ? 0 : c.startsWith("Niet") ? 1 : 2)) };
    case "Opleidingsniveau ouders":
      return { kind: "proportion", value: share(n, (r) => f.ouders[r] === (c.startsWith("Lager") ? 0 : c.startsWith("Hoger") ? 1 : 2)) };
    case "Geslacht":
      return { kind: "proportion", value: share(n, (r) => f.vrouw[r] === (c === "Vrouw" ? 1 : 0)) };
    case "Niveau":
      return { kind: "proportion", value: share(n, (r) => f.niveau[r] === Number(c.slice(-1))) };
    case "Sector": {
      const k = { "Handel en economie": 0, "Zorg en sport": 1, "Techniek en ict": 2, Overig: 3 }[c];
      if (k === undefined) throw new Error(`calibration: unknown sector '${c}'`);
      return { kind: "proportion", value: share(n, (r) => f.sector[r] === k) };
    }
    case "Leerweg":
      return { kind: "proportion", value: share(n, (r) => f.bbl[r] === (c === "Bbl" ? 1 : 0)) };
    case "Missingindicator cito/jaar":
      return { kind: "proportion", value: share(n, (r) => f.citoMissing[r] === 1) };
    case "Citojaar": {
      const y = c === ">2014" ? 2014 : Number(c);
      return { kind: "proportion", value: share(n, (r) => f.citojaar[r] === y) };
    }
    case "Citoscore": {
      const [m, sd] = meanSd(f.cito);
      return { kind: "mean", value: m, sd };
    }
    default:
      if (row.group.startsWith("Leeftijd")) {
        const [m, sd] = meanSd(f.leeftijd);
        return { kind: "mean", value: m, sd };
      }
      throw new Error(`calibration: no rule for Tabel ${row.table} group '${row.group}'`);
  }
}

/** Every Tabel 1-4 cell (proportion, or mean and SD) published vs reproduced. */
export function compareDescriptives(
  frames: Readonly<Record<FrameKey, CheckFrame>>,
  published: readonly PublishedDescriptive[],
  propTol = PROPORTION_TOLERANCE,
  relTol = RELATIVE_TOLERANCE,
): ComparisonRow[] {
  const out: ComparisonRow[] = [];
  for (const key of FRAME_KEYS) {
    const table = FRAMES[key].table;
    for (const row of published.filter((r) => r.table === table)) {
      const got = reproduce(frames[key], row);
      if (got.kind === "proportion") {
        const d = got.value - row.mean;
        const reading = readAs(published, row);
        const within = Math.abs(got.value - reading.value) <= propTol;
        out.push({ table, group: row.group, category: row.category, kind: "proportion", published: row.mean, reproduced: got.value, difference: d, tolerance: `±${propTol} abs`, withinTolerance: within, note: reading.note });
      } else {
        const d = got.value - row.mean;
        out.push({ table, group: row.group, category: row.category, kind: "mean", published: row.mean, reproduced: got.value, difference: d, tolerance: `±${relTol * 100}% rel`, withinTolerance: Math.abs(d) <= relTol * Math.abs(row.mean), note: "" });
        const sd = got.sd ?? Number.NaN;
        const publishedSd = row.sd ?? Number.NaN;
        const ds = sd - publishedSd;
        out.push({ table, group: row.group, category: `${row.category} (SD)`, kind: "sd", published: publishedSd, reproduced: sd, difference: ds, tolerance: `±${relTol * 100}% rel`, withinTolerance: Math.abs(ds) <= relTol * Math.abs(publishedSd), note: "" });
      }
    }
  }
  return out;
}

/** Plain-text table of the comparison. */
export function formatComparison(rows: readonly ComparisonRow[]): string {
  const lines = ["tabel | group | category | published | reproduced | difference | tolerance | within | note"];
  for (const r of rows) {
    const dec = 3;
    lines.push(
      `${r.table} | ${r.group} | ${r.category} | ${r.published.toFixed(dec)} | ${r.reproduced.toFixed(dec)} | ${r.difference >= 0 ? "+" : ""}${r.difference.toFixed(dec)} | ${r.tolerance} | ${r.withinTolerance ? "yes" : "NO"} | ${r.note}`,
    );
  }
  return lines.join("\n");
}
