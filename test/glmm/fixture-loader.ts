/**
 * Reads an R reference fixture (test/fixtures/glmm/NAME.json + its CSV) into a column table typed as the
 * fixture's `columns` say (test/fixtures/README.md), so the TS design is built from exactly the data R fitted.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ColumnTable, Column } from "../../src/model/types";

export const FIXTURE_DIR = join(__dirname, "..", "fixtures", "glmm");

export interface FixtureColumn {
  readonly type: "numeric" | "factor";
  readonly levels?: readonly string[];
  readonly reference?: string;
}

export interface Lme4Reference {
  readonly fixef: readonly { term: string; estimate: number; se: number; seRX: number }[];
  readonly theta: readonly number[];
  readonly varcorr: readonly { group: string; terms: readonly string[]; sd: readonly number[]; corr: readonly (readonly number[])[] }[];
  readonly logLik: number;
  readonly aic: number;
  readonly bic: number;
  readonly df: number;
  readonly nobs: number;
  readonly ngroups: Readonly<Record<string, number>>;
  readonly ranef: readonly { group: string; terms: readonly string[]; levels: readonly string[]; modes: readonly (readonly number[])[]; condVar: readonly (readonly (readonly number[])[])[] }[];
  readonly convergence: {
    readonly lme4Messages: readonly string[];
    readonly maxAbsGradient: number;
    readonly checkConvScaledGradient: number;
    readonly singular: boolean;
  };
}

export interface Fixture {
  readonly name: string;
  readonly data: string;
  readonly formula: string;
  readonly columns: Readonly<Record<string, FixtureColumn>>;
  readonly lme4: Lme4Reference;
}

export function readFixture(name: string): Fixture {
  return JSON.parse(readFileSync(join(FIXTURE_DIR, `${name}.json`), "utf8")) as Fixture;
}

/** The fixture's CSV as a column table: factor columns as strings, numeric columns as Float64Array. */
export function readFixtureTable(fx: Fixture): ColumnTable {
  const text = readFileSync(join(FIXTURE_DIR, fx.data.replace(/^.*\//, "")), "utf8").trim();
  const lines = text.split(/\r?\n/);
  const header = lines[0].split(",").map((h) => h.replace(/^"|"$/g, ""));
  const rows = lines.slice(1).map((l) => l.split(",").map((v) => v.replace(/^"|"$/g, "")));
  const table: Record<string, Column> = {};
  header.forEach((name, c) => {
    const spec = fx.columns[name];
    if (!spec) return;
    if (spec.type === "factor") table[name] = rows.map((r) => (r[c] === "" ? null : r[c]));
    else table[name] = Float64Array.from(rows, (r) => (r[c] === "" ? Number.NaN : Number(r[c])));
  });
  return table;
}

export function fixtureReferences(fx: Fixture): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, spec] of Object.entries(fx.columns)) if (spec.type === "factor" && spec.reference) out[name] = spec.reference;
  return out;
}
