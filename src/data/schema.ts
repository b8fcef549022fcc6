/**
 * The Frictionless Table Schemas of data-schema/ as typed objects. The JSON files are the single source
 * of truth for the raw files' columns, types, domains and keys; this module only reads them and checks
 * that they are well formed, so a typo in a schema is reported before any data is read.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { CsvColumnSpec } from "./csv";

export type FieldType = "string" | "integer" | "number";

export interface FieldConstraints {
  readonly required?: boolean;
  readonly unique?: boolean;
  readonly enum?: readonly (string | number)[];
  readonly minimum?: number;
  readonly maximum?: number;
  /** A regular expression the whole value must match (Table Schema semantics). */
  readonly pattern?: string;
  readonly maxLength?: number;
}

export interface SchemaField {
  readonly name: string;
  readonly type: FieldType;
  readonly description: string;
  readonly missingValues?: readonly string[];
  readonly constraints?: FieldConstraints;
  /** Frames only: the published reference category of a factor. */
  readonly "x-reference"?: string;
}

export interface ForeignKey {
  readonly fields: readonly string[];
  readonly reference: { readonly resource: string; readonly fields: readonly string[] };
}

export interface RowRule {
  readonly rule: string;
  readonly description: string;
}

export interface TableSchema {
  readonly name: string;
  readonly title?: string;
  readonly description?: string;
  readonly missingValues?: readonly string[];
  readonly primaryKey?: readonly string[];
  readonly foreignKeys?: readonly ForeignKey[];
  readonly fields: readonly SchemaField[];
  readonly "x-rowRules"?: readonly RowRule[];
}

/** The schema names in data-schema/: raw files and analysis frames. */
export type SchemaName = "studenten" | "vsv" | "crebo" | "frame-doorstroom" | "frame-vsv";

/** data-schema/ of this workspace (the same from src/ under tsx and from dist/ when compiled). */
export function schemaDir(): string {
  return resolve(__dirname, "..", "..", "data-schema");
}

function fail(path: string, what: string): never {
  throw new Error(`${path}: not a valid Table Schema: ${what}`);
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

function stringArray(x: unknown): x is string[] {
  return Array.isArray(x) && x.every((v) => typeof v === "string");
}

/** Parse and check one schema object. */
export function parseTableSchema(json: unknown, path: string): TableSchema {
  if (!isRecord(json)) fail(path, "the top level is not an object");
  if (typeof json.name !== "string") fail(path, '"name" is missing');
  if (!Array.isArray(json.fields) || json.fields.length === 0) fail(path, '"fields" is missing or empty');
  if (json.missingValues !== undefined && !stringArray(json.missingValues)) fail(path, '"missingValues" must be an array of strings');
  const names = new Set<string>();
  json.fields.forEach((field: unknown, i: number) => {
    if (!isRecord(field)) fail(path, `field ${i + 1} is not an object`);
    const name = field.name;
    if (typeof name !== "string" || name === "") fail(path, `field ${i + 1} has no name`);
    if (names.has(name)) fail(path, `field ${JSON.stringify(name)} is listed twice`);
    names.add(name);
    if (field.type !== "string" && field.type !== "integer" && field.type !== "number") {
      fail(path, `field ${JSON.stringify(name)} has type ${JSON.stringify(field.type)}; supported: string, integer, number`);
    }
    if (typeof field.description !== "string" || field.description === "") fail(path, `field ${JSON.stringify(name)} has no description`);
    if (field.missingValues !== undefined && !stringArray(field.missingValues)) fail(path, `field ${JSON.stringify(name)}: "missingValues" must be an array of strings`);
    const c = field.constraints;
    if (c !== undefined) {
      if (!isRecord(c)) fail(path, `field ${JSON.stringify(name)}: "constraints" is not an object`);
      for (const key of Object.keys(c)) {
        if (!["required", "unique", "enum", "minimum", "maximum", "pattern", "maxLength"].includes(key)) {
          fail(path, `field ${JSON.stringify(name)}: unsupported constraint ${JSON.stringify(key)}`);
        }
      }
      if (c.enum !== undefined && !(Array.isArray(c.enum) && c.enum.every((v) => typeof v === (field.type === "string" ? "string" : "number")))) {
        fail(path, `field ${JSON.stringify(name)}: "enum" values must be of the field's type`);
      }
      for (const key of ["minimum", "maximum", "maxLength"]) {
        if (c[key] !== undefined && typeof c[key] !== "number") fail(path, `field ${JSON.stringify(name)}: "${key}" must be a number`);
      }
      if (c.pattern !== undefined) {
        if (typeof c.pattern !== "string") fail(path, `field ${JSON.stringify(name)}: "pattern" must be a string`);
        try {
          new RegExp(c.pattern);
        } catch {
          fail(path, `field ${JSON.stringify(name)}: "pattern" is not a regular expression`);
        }
      }
    }
  });
  const checkFields = (list: unknown, what: string): void => {
    if (!stringArray(list)) fail(path, `${what} must be an array of field names`);
    for (const n of list) if (!names.has(n)) fail(path, `${what} names ${JSON.stringify(n)}, which is not a field`);
  };
  if (json.primaryKey !== undefined) checkFields(json.primaryKey, '"primaryKey"');
  if (json.foreignKeys !== undefined) {
    if (!Array.isArray(json.foreignKeys)) fail(path, '"foreignKeys" must be an array');
    for (const fk of json.foreignKeys) {
      if (!isRecord(fk) || !isRecord(fk.reference) || typeof fk.reference.resource !== "string" || !stringArray(fk.reference.fields)) {
        fail(path, "a foreign key needs fields and reference { resource, fields }");
      }
      checkFields(fk.fields, "a foreign key");
    }
  }
  return json as unknown as TableSchema;
}

const cache = new Map<string, TableSchema>();

/** Read data-schema/<name>.schema.json (or a schema file elsewhere, for tests). */
export function loadTableSchema(name: SchemaName, dir: string = schemaDir()): TableSchema {
  const path = join(dir, `${name}.schema.json`);
  const hit = cache.get(path);
  if (hit !== undefined) return hit;
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new Error(`${path}: cannot read the schema (${err instanceof Error ? err.message : String(err)})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`${path}: not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  const schema = parseTableSchema(json, path);
  cache.set(path, schema);
  return schema;
}

/** The missing-value codes of a field: its own, else the table's, else the empty string. */
export function missingValuesOf(schema: TableSchema, field: SchemaField): readonly string[] {
  return field.missingValues ?? schema.missingValues ?? [""];
}

/** How the CSV reader should read each field: integers and numbers (each in its plain spelling) as Float64Array, text as strings. */
export function csvSpecOf(schema: TableSchema): Record<string, CsvColumnSpec> {
  const spec: Record<string, CsvColumnSpec> = {};
  for (const field of schema.fields) {
    spec[field.name] = {
      type: field.type,
      missingValues: missingValuesOf(schema, field),
    };
  }
  return spec;
}

/** The published reference category of each factor field of a frame schema. */
export function referenceLevels(schema: TableSchema): Record<string, string> {
  const out: Record<string, string> = {};
  for (const field of schema.fields) {
    const ref = field["x-reference"];
    if (ref !== undefined) out[field.name] = ref;
  }
  return out;
}
