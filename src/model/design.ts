/**
 * buildDesign: formula + column table -> GlmmDesign (lme4's glFormula step).
 *
 *   1. parse the formula (src/model/formula.ts) and look up every column it names;
 *   2. drop rows with a missing value in any column the model uses (lme4's na.action = na.omit) and
 *      count them; a missing grouping value is an error instead (an observation must belong to a group);
 *   3. the response as binomial counts (src/model/response.ts);
 *   4. X with treatment contrasts (src/model/modelMatrix.ts), then lme4's rank check: columns that are
 *      constant or linear combinations of earlier columns are dropped and reported (src/model/rank.ts);
 *   5. one RandomEffectsTerm per bar term after expanding `/` and `||`, each with its grouping factor
 *      and Z_k columns, ordered by decreasing number of levels as lme4's mkReTrms orders them
 *      (`orderByLevels`), then lme4's checks: at least 2 levels per grouping factor, and no more
 *      random effects than observations per term.
 */
import { columnKind, type ColumnKind, DesignError, gatherNumeric, missingMask, requireColumn } from "./columns";
import { codeFactor, groupingFactor, type GroupingFactor } from "./factor";
import { parseFormula, type ParsedFormula } from "./formula";
import { modelMatrix, type PreparedVariable } from "./modelMatrix";
import { checkRank, nearDependencies, RANK_TOLERANCE, screenRatio, NEAR_DEPENDENCE_TOLERANCE, type NearDependence } from "./rank";
import { binomialResponse } from "./response";
import type { Column, ColumnTable, DesignOptions, DroppedTerm, FixedDesign, GlmmDesign, RandomEffectsTerm } from "./types";

export { DesignError } from "./columns";
export { FormulaError } from "./formula";

/** A column the model uses, with the term that first named it (for messages). */
interface UsedColumn {
  readonly name: string;
  /** The term that first named the column, and the random term that groups by it (if any). */
  readonly term: string;
  groupTerm?: string;
  predictor: boolean;
  readonly column: Column;
  readonly kind: ColumnKind;
}

function tableRows(data: ColumnTable): number {
  const names = Object.keys(data);
  if (names.length === 0) throw new DesignError("the data table has no columns");
  return data[names[0]].length;
}

/** Every column of the formula, looked up once, in the order the formula names them. */
function usedColumns(parsed: ParsedFormula, data: ColumnTable, nrow: number): UsedColumn[] {
  const out = new Map<string, UsedColumn>();
  const add = (name: string, term: string, role: "response" | "predictor" | "group"): void => {
    let used = out.get(name);
    if (used === undefined) {
      const column = requireColumn(data, name, term, nrow);
      used = { name, term, predictor: false, column, kind: columnKind(name, column) };
      out.set(name, used);
    }
    if (role === "predictor") used.predictor = true;
    if (role === "group" && used.groupTerm === undefined) used.groupTerm = term;
  };
  const r = parsed.response;
  if (r.kind === "column") add(r.column, r.text, "response");
  else {
    for (const p of [...r.successes.parts, ...r.failures.parts]) if ("column" in p) add(p.column, r.text, "response");
  }
  for (const t of parsed.fixed.terms) add(t.variable, t.variable, "predictor");
  for (const term of parsed.random) {
    for (const t of term.lhs.terms) add(t.variable, term.source, "predictor");
  }
  for (const term of parsed.random) for (const g of term.groupFactors) add(g, term.source, "group");
  return [...out.values()];
}

/** Complete cases: rows with no missing value in a response or predictor column. */
function completeRows(columns: readonly UsedColumn[], nrow: number): { kept: Int32Array; byColumn: Record<string, number> } {
  const drop = new Uint8Array(nrow);
  const byColumn: Record<string, number> = {};
  for (const c of columns) {
    const mask = missingMask(c.name, c.column, c.kind);
    let count = 0;
    for (let i = 0; i < nrow; i++) {
      if (mask[i] === 0) continue;
      if (c.groupTerm !== undefined) {
        throw new DesignError(
          `grouping column '${c.name}' of ${c.groupTerm} has a missing value at row ${i + 1}; ` +
            "every observation must belong to a group (remove or recode those rows first)",
          { column: c.name, row: i, term: c.groupTerm },
        );
      }
      count++;
      drop[i] = 1;
    }
    if (count > 0) byColumn[c.name] = count;
  }
  let n = 0;
  for (let i = 0; i < nrow; i++) if (drop[i] === 0) n++;
  const kept = new Int32Array(n);
  for (let i = 0, r = 0; i < nrow; i++) if (drop[i] === 0) kept[r++] = i;
  return { kept, byColumn };
}

/** Predictor columns over the design rows: numbers copied, strings coded as factors. */
function prepareVariables(columns: readonly UsedColumn[], rows: Int32Array, options: DesignOptions): Map<string, PreparedVariable> {
  const out = new Map<string, PreparedVariable>();
  for (const c of columns) {
    if (!c.predictor) continue;
    const reference = options.reference?.[c.name];
    if (c.kind === "numeric") {
      if (reference !== undefined) {
        throw new DesignError(
          `a reference level was given for '${c.name}', but it is a numeric column; reference levels apply to text (factor) columns`,
          { column: c.name },
        );
      }
      const values = gatherNumeric(c.column, rows);
      out.set(c.name, { kind: "numeric", name: c.name, values });
    } else {
      out.set(c.name, { kind: "factor", name: c.name, factor: codeFactor(c.name, c.column, rows, reference) });
    }
  }
  return out;
}

/** The nearly dependent columns of each X (per FixedDesign, which fits of one design share). */
const nearByFixed = new WeakMap<FixedDesign, NearDependence[]>();
/** The Gram screen of each X that buildDesign's rank check computed (X as kept, so only when nothing was dropped). */
const screenByFixed = new WeakMap<FixedDesign, number>();

/**
 * The design's nearly dependent fixed-effect columns (src/model/rank.ts nearDependencies), computed
 * once per X, from the rank check's screen of X where there is one.
 */
export function nearlyDependentColumns(design: GlmmDesign): NearDependence[] {
  let near = nearByFixed.get(design.fixed);
  if (near === undefined) {
    near = nearDependencies(design.fixed.columns, NEAR_DEPENDENCE_TOLERANCE, screenByFixed.get(design.fixed));
    nearByFixed.set(design.fixed, near);
  }
  return near;
}

/** X with lme4's rank check applied: aliased and constant columns dropped and reported. */
function fixedDesign(parsed: ParsedFormula, variables: ReadonlyMap<string, PreparedVariable>, n: number, tol: number): FixedDesign {
  const full = modelMatrix(parsed.fixed, variables, n);
  // One screen of X'X serves the rank check and later the near-dependence check (nearlyDependentColumns).
  const screen = screenRatio(full.columns);
  const rank = checkRank(full.columns, tol, screen);
  const reasons = {
    zero: "all values are zero",
    constant: "constant column (aliased with the intercept)",
    aliased: "a linear combination of the columns before it",
  } as const;
  const dropped: DroppedTerm[] = rank.dropped.map((d) => ({
    name: full.names[d.index],
    reason: d.reason === "constant" && !parsed.fixed.intercept ? "constant column (aliased with earlier columns)" : reasons[d.reason],
  }));
  const fixed: FixedDesign = {
    names: rank.kept.map((j) => full.names[j]),
    columns: rank.kept.map((j) => full.columns[j]),
    info: rank.kept.map((j) => full.info[j]),
    dropped,
  };
  if (dropped.length === 0) screenByFixed.set(fixed, screen);
  return fixed;
}

function randomTerms(
  parsed: ParsedFormula,
  columns: readonly UsedColumn[],
  variables: ReadonlyMap<string, PreparedVariable>,
  rows: Int32Array,
): RandomEffectsTerm[] {
  const byName = new Map(columns.map((c) => [c.name, c]));
  const groupings = new Map<string, GroupingFactor>();
  const terms: RandomEffectsTerm[] = [];
  for (const spec of parsed.random) {
    let grouping = groupings.get(spec.group);
    if (grouping === undefined) {
      const cols = spec.groupFactors.map((g) => byName.get(g) as UsedColumn);
      grouping = groupingFactor(
        spec.groupFactors,
        cols.map((c) => c.column),
        cols.map((c) => c.kind === "numeric"),
        rows,
      );
      if (grouping.levels.length < 2) {
        throw new DesignError(
          `grouping factor '${spec.group}' of ${spec.source} has ${grouping.levels.length} level in the data used; ` +
            "a random effect needs at least 2 groups",
          { column: spec.group, term: spec.source },
        );
      }
      groupings.set(spec.group, grouping);
    }
    const z = modelMatrix(spec.lhs, variables, rows.length);
    terms.push({ group: spec.group, terms: z.names, levels: grouping.levels, index: grouping.index, z: z.columns });
  }
  return orderByLevels(terms);
}

/**
 * lme4's mkReTrms term order: kept as written when the numbers of levels already do not increase,
 * otherwise `rev(order(nl))`, i.e. decreasing number of levels with ties in reverse written order.
 */
export function orderByLevels<T extends { readonly levels: readonly string[] }>(terms: readonly T[]): T[] {
  const nl = terms.map((t) => t.levels.length);
  if (nl.every((v, k) => k === 0 || v <= nl[k - 1])) return [...terms];
  const ascending = terms.map((_, k) => k).sort((a, b) => nl[a] - nl[b] || a - b);
  return ascending.reverse().map((k) => terms[k]);
}

/** lme4's check.nobs.vs.nRE: more random effects than observations cannot be estimated. */
function checkRandomEffectCount(terms: readonly RandomEffectsTerm[], nobs: number): void {
  for (const t of terms) {
    const q = t.levels.length * t.terms.length;
    if (nobs < q) {
      throw new DesignError(
        `number of observations (=${nobs}) < number of random effects (=${q}) for term ` +
          `(${t.terms.join(" + ")} | ${t.group}); the random-effects parameters are probably unidentifiable`,
        { term: t.group },
      );
    }
  }
}

/** Turns an lme4 formula and a column table into the design the GLMM solver fits. */
export function buildDesign(formula: string | ParsedFormula, data: ColumnTable, options: DesignOptions = {}): GlmmDesign {
  const parsed = typeof formula === "string" ? parseFormula(formula) : formula;
  const nrow = tableRows(data);
  const columns = usedColumns(parsed, data, nrow);
  if (options.reference !== undefined) {
    for (const name of Object.keys(options.reference)) requireColumn(data, name, `reference ${name}=${options.reference[name]}`, nrow);
  }
  const { kept, byColumn } = completeRows(columns, nrow);
  if (kept.length === 0) {
    throw new DesignError(
      `no complete rows: every one of the ${nrow} rows has a missing value in a column the model uses ` +
        `(${Object.entries(byColumn).map(([c, k]) => `${c}: ${k}`).join(", ")})`,
    );
  }
  const variables = prepareVariables(columns, kept, options);
  const response = binomialResponse(parsed.response, data, nrow, kept);
  const fixed = fixedDesign(parsed, variables, kept.length, options.rankTolerance ?? RANK_TOLERANCE);
  const random = randomTerms(parsed, columns, variables, kept);
  checkRandomEffectCount(random, kept.length);
  return {
    formula: parsed.text,
    nobs: kept.length,
    missing: { dropped: nrow - kept.length, kept, byColumn },
    response,
    fixed,
    random,
  };
}

/** The notes lme4 would print while building this design (rank deficiency, rows dropped for missing values). */
export function designMessages(design: GlmmDesign): string[] {
  const out: string[] = [];
  const d = design.fixed.dropped;
  if (d.length > 0) {
    const s = d.length === 1 ? "" : "s";
    out.push(
      `fixed-effect model matrix is rank deficient so dropping ${d.length} column${s} / coefficient${s}: ` +
        d.map((t) => `${t.name} (${t.reason})`).join(", "),
    );
  }
  const m = design.missing;
  if (m !== undefined && m.dropped > 0) {
    out.push(
      `${m.dropped} row${m.dropped === 1 ? "" : "s"} dropped for missing values (na.omit): ` +
        Object.entries(m.byColumn)
          .map(([c, k]) => `${c} ${k}`)
          .join(", "),
    );
  }
  return out;
}
