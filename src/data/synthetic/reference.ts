/**
 * Reads the published numbers of bijlage 3b (Tabel 1-8) from the reference CSVs, so the generator's
 * calibration targets are never retyped. Where the files live (the same order as src/report/compare.ts):
 * `KANSEN_REFERENCE_DIR`, else `shared/reference` beside the repository, else `shared/reference` inside it.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";

export interface DescriptiveRow {
  readonly table: number;
  readonly outcome: "doorstroom" | "vsv";
  readonly year: number;
  readonly n: number;
  readonly group: string;
  readonly category: string;
  readonly isReference: boolean;
  readonly mean: number;
  /** NaN where the table prints no SD (proportions). */
  readonly sd: number;
  readonly min: number;
  readonly max: number;
}

export interface ModelRow {
  readonly table: number;
  readonly outcome: "doorstroom" | "vsv";
  readonly year: number;
  readonly nIndividuals: number;
  readonly nLocations: number;
  readonly nInstitutions: number;
  readonly part: "fixed" | "random" | "diagnostic";
  readonly group: string;
  readonly category: string;
  readonly model: string;
  readonly estimate: number;
  /** For fixed effects the SE, for random effects the SD as printed in brackets. */
  readonly se: number;
  /** NaN where no AME is printed. */
  readonly ame: number;
  /** Printed text of the AME cell, to see how many decimals it has. */
  readonly ameText: string;
  readonly note: string;
}

/** The folder holding published-descriptives.csv and published-models.csv. */
export function referenceDir(): string {
  const env = process.env.KANSEN_REFERENCE_DIR;
  if (env !== undefined && env !== "") {
    if (!existsSync(join(env, "published-descriptives.csv"))) {
      throw new Error(`KANSEN_REFERENCE_DIR=${env} does not hold published-descriptives.csv`);
    }
    return resolve(env);
  }
  const repo = resolve(__dirname, "..", "..", "..");
  const candidates = [join(repo, "..", "shared", "reference"), join(repo, "shared", "reference")];
  for (const dir of candidates) {
    if (existsSync(join(dir, "published-descriptives.csv"))) return dir;
  }
  throw new Error(
    `published reference CSVs not found (looked in: ${candidates.join(", ")}); ` +
      "set KANSEN_REFERENCE_DIR to the folder holding published-descriptives.csv and published-models.csv",
  );
}

/** RFC 4180 CSV (quoted fields, doubled quotes) into rows of strings. Small files only. */
export function parseSmallCsv(text: string, file: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let inQuotes = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inQuotes) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else inQuotes = false;
      } else field += ch;
    } else if (ch === '"') inQuotes = true;
    else if (ch === ",") {
      row.push(field);
      field = "";
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else field += ch;
  }
  if (inQuotes) throw new Error(`${file}: unterminated quoted field`);
  if (field.length > 0 || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => !(r.length === 1 && r[0] === ""));
}

function table(file: string): Record<string, string>[] {
  const rows = parseSmallCsv(readFileSync(file, "utf8"), file);
  const header = rows[0];
  return rows.slice(1).map((r, i) => {
    if (r.length !== header.length) {
      throw new Error(`${file}: row ${i + 2} has ${r.length} fields, header has ${header.length}`);
    }
    const rec: Record<string, string> = {};
    header.forEach((h, j) => (rec[h] = r[j]));
    return rec;
  });
}

function num(s: string): number {
  return s === "" ? Number.NaN : Number(s);
}

function outcomeOf(s: string, file: string): "doorstroom" | "vsv" {
  if (s === "doorstroom" || s === "vsv") return s;
  throw new Error(`${file}: unknown outcome '${s}'`);
}

export function readDescriptives(dir = referenceDir()): DescriptiveRow[] {
  const file = join(dir, "published-descriptives.csv");
  return table(file).map((r) => ({
    table: num(r.table),
    outcome: outcomeOf(r.outcome, file),
    year: num(r.year),
    n: num(r.n),
    group: r.group,
    category: r.category,
    isReference: r.is_reference === "true",
    mean: num(r.mean),
    sd: num(r.sd),
    min: num(r.min),
    max: num(r.max),
  }));
}

export function readModels(dir = referenceDir()): ModelRow[] {
  const file = join(dir, "published-models.csv");
  return table(file).map((r) => {
    const part = r.part;
    if (part !== "fixed" && part !== "random" && part !== "diagnostic") {
      throw new Error(`${file}: unknown part '${part}'`);
    }
    return {
      table: num(r.table),
      outcome: outcomeOf(r.outcome, file),
      year: num(r.year),
      nIndividuals: num(r.n_individuals),
      nLocations: num(r.n_locations),
      nInstitutions: num(r.n_institutions),
      part,
      group: r.group,
      category: r.category,
      model: r.model,
      estimate: num(r.estimate),
      se: num(r.se),
      ame: num(r.ame),
      ameText: r.ame,
      note: r.note,
    };
  });
}
