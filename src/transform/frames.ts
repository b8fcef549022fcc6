/**
 * Raw files -> the four analysis frames of bijlage 3a 3.2 (doorstroom 2020 and 2021, vsv 2020 and 2021),
 * each with its selection flow. Outcome in jaar T, covariates from schooljaar t = T - 1 (3a 3.2: "In
 * deze analyses gebruiken we de studie-informatie ... van het voorgaande schooljaar").
 *
 * Decisions where 3a is silent, each visible in the flow or documented here:
 *  - a student with a diploma in t but no enrolment on 1 October of t has no covariates and is left out
 *    (3a 2.5 says so for students enrolled after 1 October);
 *  - doorstroom = enrolled in T at an mbo level above the level of the diploma of t (crebo_T's level in
 *    the crebo table, any leerweg) or enrolled in hbo in T (ho_T = 1) (3a 2.3);
 *  - a crebo code that is not in crebo.csv never reaches this code: the validator rejects it as a
 *    foreign-key violation, because level and sector cannot be derived without it (3a 2.3);
 *  - an empty or 'onbekend' sectorkamer maps to overig (3a 2.3 lists "sectorkamer onbekend" there);
 *  - a missing location in t: left out (rule `locationKnown`); a missing gender: left out (`genderKnown`).
 */
import type { ColumnTable } from "../model/types";
import type { RawData } from "../data/load";
import { loadTableSchema, referenceLevels } from "../data/schema";
import { SelectionFlow, type FlowStep } from "./flow";
import { creboLookup, studentFields, vsvStudentRows, vsvYear, yearBlock, type CreboLookup, type StudentFields, type YearBlock } from "./columns";
import { ageBetween14And25, bolOrBbl, diplomaIn, enrolledIn, genderKnown, inStartpopulatie, locationKnown, migrationKnown } from "./select";
import { studentChecks, vsvChecks } from "./plausibility";
import { ageFrom14, recodeCito, recodeGeslacht, recodeLeerweg, recodeOuders } from "./recode";
import { FACTOR_LEVELS, isFactor, type FrameKey, type Outcome } from "../vocabulary";

export type { FrameKey, Outcome };

/** The frame's columns, typed (data-schema/frame-*.schema.json). */
export interface FrameData {
  /** 0/1 outcome (doorstroom or vsv). */
  readonly outcome: Float64Array;
  readonly migratie: readonly string[];
  readonly niet_westers: Float64Array;
  readonly ouders: readonly string[];
  readonly geslacht: readonly string[];
  readonly leeftijd: Float64Array;
  readonly niveau: readonly string[];
  readonly sector: readonly string[];
  readonly leerweg: readonly string[];
  readonly cito: Float64Array;
  readonly cito_missing: Float64Array;
  readonly citojaar: readonly string[];
  readonly locatie: readonly string[];
  readonly instelling: readonly string[];
  readonly id: readonly string[];
}

export interface AnalysisFrame {
  readonly key: FrameKey;
  readonly outcome: Outcome;
  /** Jaar T of the outcome. */
  readonly year: number;
  /** Schooljaar t = T - 1 of the covariates. */
  readonly t: number;
  readonly nrows: number;
  readonly data: FrameData;
  /** The same arrays as a column table for the formula interface; the outcome under its own name. */
  readonly columns: ColumnTable;
  readonly flow: readonly FlowStep[];
  /** Reference level per factor (published, unless the researcher chose another). */
  readonly reference: Readonly<Record<string, string>>;
  /** Row of studenten.csv (0-based) each frame row comes from. */
  readonly sourceRows: Int32Array;
  /** Physical line of studenten.csv each frame row comes from (1 = the header). */
  readonly sourceLines: Int32Array;
  /** The studenten.csv the frame was built from. */
  readonly sourceFile: string;
}

export interface FrameOptions {
  /** Another reference category per factor, e.g. { sector: "zorg_sport" }. */
  readonly reference?: Readonly<Record<string, string>>;
}

/** Published references (frame schema x-reference), overridden per factor where asked; checked. */
export function resolveReferences(outcome: Outcome, chosen: Readonly<Record<string, string>> = {}): Record<string, string> {
  const published = referenceLevels(loadTableSchema(outcome === "doorstroom" ? "frame-doorstroom" : "frame-vsv"));
  const out: Record<string, string> = { ...published };
  for (const [factor, level] of Object.entries(chosen)) {
    if (!isFactor(factor)) {
      throw new Error(`reference category: ${JSON.stringify(factor)} is not a factor of the frame (factors: ${Object.keys(FACTOR_LEVELS).join(", ")})`);
    }
    const levels: readonly string[] = FACTOR_LEVELS[factor];
    if (!levels.includes(level)) {
      throw new Error(`reference category for ${factor}: ${JSON.stringify(level)} is not a level (levels: ${levels.join(", ")})`);
    }
    out[factor] = level;
  }
  return out;
}

/**
 * Doorstroom of a student with a diploma in t (3a 2.3): "in het daaropvolgend jaar (t+1) ingeschreven
 * staat op een hoger onderwijsniveau. Dat kan een hoger niveau op het mbo zijn, maar ook doorstroom
 * naar het hbo." Higher = the level of crebo_{t+1} above the diploma's level.
 */
export function isDoorstroom(r: number, t: YearBlock, next: YearBlock, crebo: CreboLookup): boolean {
  if (next.ho[r] === 1) return true;
  const code = next.crebo[r];
  if (code === null) return false;
  const level = crebo.niveau.get(code);
  return level !== undefined && level > t.diplomaNiveau[r];
}

/** "studenten.csv data row 17 (line 18)": a 0-based row of the raw file as a user finds it in the file. */
export function describeFileRow(raw: RawData, r: number): string {
  return `${raw.studenten.file} data row ${r + 1} (line ${raw.studenten.lineOfRow[r]})`;
}

function nonNull(x: string | null, what: string, raw: RawData, r: number): string {
  if (x === null) throw new Error(`${describeFileRow(raw, r)}: ${what} is empty after the selections (internal: a selection should have removed this student)`);
  return x;
}

/** The raw-file origin of the rows of a frame. */
export type FrameSource = Pick<AnalysisFrame, "sourceFile" | "sourceRows" | "sourceLines" | "nrows">;

/**
 * Where row i (0-based) of a frame comes from, as a user finds it: "studenten.csv data row 17 (line 18)".
 * Any message about a frame row names this, never the frame's own row number.
 */
export function describeFrameRow(frame: FrameSource, i: number): string {
  if (!(i >= 0 && i < frame.nrows)) return `${frame.sourceFile} (frame row ${i + 1} is outside the frame of ${frame.nrows} rows)`;
  return `${frame.sourceFile} data row ${frame.sourceRows[i] + 1} (line ${frame.sourceLines[i]})`;
}

/**
 * An error raised on a frame's columns (a design, a fit, a table) that points at a row does so with a
 * 0-based `detail.row` of the frame (DesignError of src/model). Rewritten so that its first line starts
 * with the row of studenten.csv it came from (and the frame's "row N" in the message becomes "frame row
 * N"); the original error is its `cause`. Other errors pass unchanged.
 */
export function traceFrameError(frame: FrameSource, error: unknown): unknown {
  const row = (error as { detail?: { row?: unknown } } | null)?.detail?.row;
  if (!(error instanceof Error) || typeof row !== "number") return error;
  // The inner message's own "row N" is the frame's row: say so, so the two numbers cannot be confused.
  const inner = error.message.replace(new RegExp(`(?<!frame )\\brow ${row + 1}\\b`, "g"), `frame row ${row + 1}`);
  const traced = new Error(`${describeFrameRow(frame, row)}: ${inner}`, { cause: error });
  traced.name = error.name;
  return traced;
}

/** Fill the covariate columns (all from year t) for the selected rows. */
function covariates(raw: RawData, rows: Int32Array, s: StudentFields, t: YearBlock, crebo: CreboLookup): Omit<FrameData, "outcome"> {
  const n = rows.length;
  const migratie = new Array<string>(n);
  const nietWesters = new Float64Array(n);
  const ouders = new Array<string>(n);
  const geslacht = new Array<string>(n);
  const leeftijd = new Float64Array(n);
  const niveau = new Array<string>(n);
  const sector = new Array<string>(n);
  const leerweg = new Array<string>(n);
  const cito = new Float64Array(n);
  const citoMissing = new Float64Array(n);
  const citojaar = new Array<string>(n);
  const locatie = new Array<string>(n);
  const instelling = new Array<string>(n);
  const id = new Array<string>(n);
  const levelName = ["0", "1", "2", "3", "4"];
  for (let i = 0; i < n; i++) {
    const r = rows[i];
    const m = nonNull(s.migratie[r], "migratieachtergrond", raw, r);
    migratie[i] = m;
    nietWesters[i] = m === "niet-westers" ? 1 : 0;
    ouders[i] = recodeOuders(s.ouders[r]);
    geslacht[i] = nonNull(recodeGeslacht(s.geslacht[r]), "geslacht", raw, r);
    leeftijd[i] = ageFrom14(t.leeftijd[r]);
    const code = nonNull(t.crebo[r], `crebo_${t.year}`, raw, r);
    const level = crebo.niveau.get(code);
    if (level === undefined) throw new Error(`${describeFileRow(raw, r)}, column "crebo_${t.year}": crebo ${code} is not in ${raw.crebo.file} (internal: the validator checks this foreign key)`);
    niveau[i] = levelName[level] ?? String(level);
    sector[i] = crebo.sector.get(code) ?? "overig";
    leerweg[i] = nonNull(recodeLeerweg(t.leerweg[r]), `leerweg_${t.year}`, raw, r);
    const c = recodeCito(s.score[r], s.citojaar[r]);
    cito[i] = c.cito;
    citoMissing[i] = c.citoMissing;
    citojaar[i] = c.citojaar;
    locatie[i] = nonNull(t.locatie[r], `locatie_${t.year}`, raw, r);
    instelling[i] = nonNull(t.instelling[r], `instelling_${t.year}`, raw, r);
    id[i] = nonNull(s.id[r], "id", raw, r);
  }
  return {
    migratie, niet_westers: nietWesters, ouders, geslacht, leeftijd, niveau, sector, leerweg,
    cito, cito_missing: citoMissing, citojaar, locatie, instelling, id,
  };
}

function assemble(raw: RawData, key: FrameKey, outcome: Outcome, year: number, rows: Int32Array, data: FrameData, flow: SelectionFlow, options: FrameOptions): AnalysisFrame {
  const { outcome: y, ...rest } = data;
  const columns: ColumnTable = { [outcome]: y, ...rest };
  const sourceLines = new Int32Array(rows.length);
  for (let i = 0; i < rows.length; i++) sourceLines[i] = raw.studenten.lineOfRow[rows[i]];
  return {
    key, outcome, year, t: year - 1, nrows: rows.length, data, columns, flow: flow.steps,
    reference: resolveReferences(outcome, options.reference), sourceRows: rows, sourceLines, sourceFile: raw.studenten.file,
  };
}

/** Shared context so the four frames read the raw columns once. */
interface Context {
  readonly raw: RawData;
  readonly students: StudentFields;
  readonly crebo: CreboLookup;
  readonly vsvRows: Int32Array;
}

function context(raw: RawData): Context {
  const students = studentFields(raw);
  return { raw, students, crebo: creboLookup(raw), vsvRows: vsvStudentRows(raw, students) };
}

function doorstroomFrame(ctx: Context, year: number, options: FrameOptions): AnalysisFrame {
  const t = yearBlock(ctx.raw, year - 1);
  const next = yearBlock(ctx.raw, year);
  const flow = new SelectionFlow(`doorstroom ${year}`);
  let rows = flow.start("alle studenten in studenten.csv (mbo 2015-2021)", "3a 2.1", ctx.students.n);
  rows = flow.apply(rows, enrolledIn(t));
  rows = flow.apply(rows, diplomaIn(t));
  rows = flow.apply(rows, ageBetween14And25(t));
  rows = flow.apply(rows, bolOrBbl(t));
  rows = flow.apply(rows, locationKnown(t));
  rows = flow.apply(rows, genderKnown(ctx.students));
  rows = flow.apply(rows, migrationKnown(ctx.students));
  for (const check of studentChecks(ctx.students, t)) flow.warn(rows, check);
  const outcome = new Float64Array(rows.length);
  for (let i = 0; i < rows.length; i++) outcome[i] = isDoorstroom(rows[i], t, next, ctx.crebo) ? 1 : 0;
  const data: FrameData = { outcome, ...covariates(ctx.raw, rows, ctx.students, t, ctx.crebo) };
  return assemble(ctx.raw, `doorstroom${year}` as FrameKey, "doorstroom", year, rows, data, flow, options);
}

function vsvFrame(ctx: Context, year: number, options: FrameOptions): AnalysisFrame {
  const t = yearBlock(ctx.raw, year - 1);
  const next = yearBlock(ctx.raw, year);
  const vsv = vsvYear(ctx.raw, year, ctx.students, ctx.vsvRows);
  const flow = new SelectionFlow(`vsv ${year}`);
  let rows = flow.start("alle studenten in studenten.csv (mbo 2015-2021)", "3a 2.1", ctx.students.n);
  rows = flow.apply(rows, inStartpopulatie(vsv));
  rows = flow.apply(rows, enrolledIn(t));
  rows = flow.apply(rows, ageBetween14And25(t));
  rows = flow.apply(rows, bolOrBbl(t));
  rows = flow.apply(rows, locationKnown(t));
  rows = flow.apply(rows, genderKnown(ctx.students));
  rows = flow.apply(rows, migrationKnown(ctx.students));
  for (const check of vsvChecks(ctx.students, t, next, vsv)) flow.warn(rows, check);
  const outcome = new Float64Array(rows.length);
  for (let i = 0; i < rows.length; i++) outcome[i] = vsv.nieuweVsver[rows[i]] === 1 ? 1 : 0;
  const data: FrameData = { outcome, ...covariates(ctx.raw, rows, ctx.students, t, ctx.crebo) };
  return assemble(ctx.raw, `vsv${year}` as FrameKey, "vsv", year, rows, data, flow, options);
}

/** One analysis frame: outcome and jaar T (2020 or 2021 in the publication; any T with data works). */
export function buildFrame(raw: RawData, outcome: Outcome, year: number, options: FrameOptions = {}): AnalysisFrame {
  const ctx = context(raw);
  return outcome === "doorstroom" ? doorstroomFrame(ctx, year, options) : vsvFrame(ctx, year, options);
}

/** The four frames of the publication (Tabel 1-8). */
export function buildAnalysisFrames(raw: RawData, options: FrameOptions = {}): Record<FrameKey, AnalysisFrame> {
  const ctx = context(raw);
  return {
    doorstroom2020: doorstroomFrame(ctx, 2020, options),
    doorstroom2021: doorstroomFrame(ctx, 2021, options),
    vsv2020: vsvFrame(ctx, 2020, options),
    vsv2021: vsvFrame(ctx, 2021, options),
  };
}
