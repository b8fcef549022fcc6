/**
 * A small analysis frame with every column of data-schema/frame-*.schema.json, drawn from a fixed
 * linear congruential generator (the same rows on every run), for tests of the model ladder and the
 * workbench; and the same as an AnalysisFrame (src/transform/frames.ts) for the workbench.
 */
import type { ColumnTable } from "../../src/model/types";
import type { AnalysisFrame, FrameData } from "../../src/transform/frames";
import { PUBLISHED_REFERENCE, type Outcome } from "../../src/vocabulary";

export function frameColumns(n: number, outcome: Outcome = "doorstroom", seed = 12345): ColumnTable {
  let s = seed;
  const r = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)] as T;
  const migratie = Array.from({ length: n }, () => pick(["geen", "geen", "niet-westers", "westers"]));
  const citoMissing = Array.from({ length: n }, () => (r() < 0.2 ? 1 : 0));
  return {
    [outcome]: Float64Array.from({ length: n }, () => (r() < 0.3 ? 1 : 0)),
    migratie,
    niet_westers: Float64Array.from(migratie, (m) => (m === "niet-westers" ? 1 : 0)),
    ouders: Array.from({ length: n }, () => pick(["max_vmbo_kader", "hoger", "onbekend"])),
    geslacht: Array.from({ length: n }, () => pick(["man", "vrouw"])),
    leeftijd: Float64Array.from({ length: n }, () => Math.floor(r() * 6)),
    niveau: Array.from({ length: n }, () => pick(["1", "2", "3", "4"])),
    sector: Array.from({ length: n }, () => pick(["handel_economie", "zorg_sport", "techniek_ict", "overig"])),
    leerweg: Array.from({ length: n }, () => pick(["bol", "bbl"])),
    cito: Float64Array.from(citoMissing, (m) => (m ? 100 : Math.floor(r() * 51))),
    cito_missing: Float64Array.from(citoMissing),
    citojaar: Array.from(citoMissing, (m) => (m ? "2009" : pick(["2009", "2010", "2011", "2012", "2013", ">2014"]))),
    locatie: Array.from({ length: n }, (_, i) => `L${i % 12}`),
    instelling: Array.from({ length: n }, (_, i) => `I${(i % 12) % 4}`),
    id: Array.from({ length: n }, (_, i) => `s${i}`),
  };
}

/** The same columns as an analysis frame of one outcome and year. */
export function analysisFrame(n: number, outcome: Outcome, year: 2020 | 2021, seed = 12345): AnalysisFrame {
  const columns = frameColumns(n, outcome, seed);
  const { [outcome]: y, ...rest } = columns;
  const data = { outcome: y, ...rest } as unknown as FrameData;
  return {
    key: `${outcome}${year}`,
    outcome,
    year,
    t: year - 1,
    nrows: n,
    data,
    columns,
    flow: [],
    reference: { ...PUBLISHED_REFERENCE },
    sourceRows: Int32Array.from({ length: n }, (_, i) => i),
    sourceLines: Int32Array.from({ length: n }, (_, i) => i + 2),
    sourceFile: "studenten.csv (test fixture)",
  };
}
