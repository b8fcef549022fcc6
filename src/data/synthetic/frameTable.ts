/**
 * One generated frame as the column table the models are fitted on: the columns and level labels of the
 * analysis frame (data-schema/frame-*.schema.json, src/transform/frames.ts), built straight from the
 * generator's records instead of through the raw files. The calibration fits these tables thousands of
 * times; a test checks that the workspace's transforms, run on the written files, select the same rows
 * with the same values.
 */
import type { ColumnTable } from "../../model/types";
import { DIM, FRAMES, LEVELS, type FrameKey } from "./coding";
import type { FrameRecords } from "./frameDraw";
import type { Schools } from "./schools";

/** The frame's citojaar label per cito category: missing -> the reference year (missing-indicator method). */
const CITOJAAR_OF_CATEGORY: readonly string[] = ["2009", "2009", "2010", "2011", "2012", "2013", ">2014"];

export function frameColumns(rec: FrameRecords, schools: Schools, key: FrameKey): ColumnTable {
  const labels = (d: number, levels: readonly string[]): string[] => Array.from(rec.dims[d].subarray(0, rec.n), (c) => levels[c]);
  const cc = rec.dims[DIM.citocat].subarray(0, rec.n);
  const loc = rec.loc.subarray(0, rec.n);
  return {
    [FRAMES[key].outcome]: Float64Array.from(rec.y.subarray(0, rec.n)),
    migratie: labels(DIM.migratie, LEVELS.migratie),
    niet_westers: Float64Array.from(rec.dims[DIM.migratie].subarray(0, rec.n), (c) => (c === 1 ? 1 : 0)),
    ouders: labels(DIM.ouders, LEVELS.ouders),
    geslacht: labels(DIM.geslacht, LEVELS.geslacht),
    leeftijd: Float64Array.from(rec.dims[DIM.leeftijd].subarray(0, rec.n)),
    niveau: labels(DIM.niveau, LEVELS.niveau),
    sector: labels(DIM.sector, LEVELS.sector),
    leerweg: labels(DIM.leerweg, LEVELS.leerweg),
    cito: Float64Array.from(rec.cito.subarray(0, rec.n)),
    cito_missing: Float64Array.from(cc, (c) => (c === 0 ? 1 : 0)),
    citojaar: Array.from(cc, (c) => CITOJAAR_OF_CATEGORY[c]),
    locatie: Array.from(loc, (l) => schools.locationCodes[l]),
    instelling: Array.from(loc, (l) => schools.institutionCodes[schools.institutionOf[l]]),
  };
}
