/**
 * The model matrix of one side of a model (R's `model.matrix`) for main effects only:
 *
 *   intercept      a column of ones named "(Intercept)"
 *   numeric x      the column itself, named "x"
 *   factor f       treatment contrasts: one 0/1 dummy per non-reference level, named f + level
 *                  ("niveau1", "migratieniet-westers"); in a model without intercept the first factor
 *                  gets a dummy for every level (R's rule), so X still spans the same space.
 *
 * The same function builds X (fixed part) and each random-effects term's Z_k columns, as lme4 does
 * with `model.matrix` on the left-hand side of the bar.
 */
import type { ModelMatrixSpec } from "./formula";
import type { CodedFactor } from "./factor";
import type { FixedTermInfo } from "./types";

export type PreparedVariable =
  | { readonly kind: "numeric"; readonly name: string; readonly values: Float64Array }
  | { readonly kind: "factor"; readonly name: string; readonly factor: CodedFactor };

export interface ModelMatrix {
  readonly names: string[];
  readonly columns: Float64Array[];
  readonly info: FixedTermInfo[];
}

/** 0/1 indicator of level k over the design rows. */
function dummy(codes: Int32Array, k: number): Float64Array {
  const out = new Float64Array(codes.length);
  for (let i = 0; i < codes.length; i++) if (codes[i] === k) out[i] = 1;
  return out;
}

export function modelMatrix(spec: ModelMatrixSpec, variables: ReadonlyMap<string, PreparedVariable>, n: number): ModelMatrix {
  const names: string[] = [];
  const columns: Float64Array[] = [];
  const info: FixedTermInfo[] = [];
  if (spec.intercept) {
    names.push("(Intercept)");
    columns.push(new Float64Array(n).fill(1));
    info.push({ name: "(Intercept)", variable: "", kind: "intercept" });
  }
  let fullCodingAvailable = !spec.intercept;
  for (const term of spec.terms) {
    const v = variables.get(term.variable);
    if (v === undefined) throw new Error(`internal: variable '${term.variable}' was not prepared`);
    if (v.kind === "numeric") {
      names.push(v.name);
      columns.push(v.values);
      info.push({ name: v.name, variable: v.name, kind: "numeric" });
      continue;
    }
    const { levels, codes } = v.factor;
    const first = fullCodingAvailable ? 0 : 1;
    fullCodingAvailable = false;
    for (let k = first; k < levels.length; k++) {
      const name = v.name + levels[k];
      names.push(name);
      columns.push(dummy(codes, k));
      // With full coding there is no reference level: each dummy is its level's own intercept.
      const reference = first === 0 ? {} : { reference: levels[0] };
      info.push({ name, variable: v.name, kind: "factorLevel", level: levels[k], ...reference });
    }
  }
  return { names, columns, info };
}
