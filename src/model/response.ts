/**
 * The binomial response: Bernoulli rows y in {0, 1} (also TRUE/FALSE), or aggregated rows
 * cbind(successes, failures) with trials m = successes + failures. Values are checked on the
 * complete-case rows; the first offending row is named (1-based row of the input table).
 */
import { columnKind, DesignError, factorAt, numericAt, requireColumn } from "./columns";
import type { LinearCombination, ResponseSpec } from "./formula";
import type { BinomialResponse, Column, ColumnTable } from "./types";

const LOGICAL: Readonly<Record<string, number>> = { "0": 0, "1": 1, TRUE: 1, FALSE: 0, true: 1, false: 0 };

function bernoulli(name: string, column: Column, rows: Int32Array): BinomialResponse {
  const n = rows.length;
  const successes = new Float64Array(n);
  const isText = columnKind(name, column) === "factor";
  for (let r = 0; r < n; r++) {
    const i = rows[r];
    let y: number | undefined;
    let shown: string;
    if (isText) {
      const s = factorAt(column, i) as string;
      y = LOGICAL[s];
      shown = `'${s}'`;
    } else {
      const v = numericAt(column, i);
      y = v === 0 || v === 1 ? v : undefined;
      shown = String(v);
    }
    if (y === undefined) {
      throw new DesignError(
        `response '${name}' must be binary (0/1 or TRUE/FALSE) for a binomial model, ` +
          `but row ${i + 1} has ${shown}; for counts use cbind(successes, failures) ~ ...`,
        { column: name, row: i, value: shown, term: name },
      );
    }
    successes[r] = y;
  }
  return { name, successes, trials: new Float64Array(n).fill(1) };
}

/** Evaluates `a - b + 3` over the design rows; every column must be numeric. */
function evaluate(combination: LinearCombination, data: ColumnTable, nrow: number, rows: Int32Array, term: string): Float64Array {
  const out = new Float64Array(rows.length);
  for (const part of combination.parts) {
    if ("constant" in part) {
      for (let r = 0; r < rows.length; r++) out[r] += part.sign * part.constant;
      continue;
    }
    const column = requireColumn(data, part.column, term, nrow);
    if (columnKind(part.column, column) !== "numeric") {
      throw new DesignError(`column '${part.column}' in '${term}' must hold counts (numbers), but it holds text`, {
        column: part.column,
        term,
      });
    }
    for (let r = 0; r < rows.length; r++) out[r] += part.sign * numericAt(column, rows[r]);
  }
  return out;
}

/** Every value must be a count: a non-negative whole number. */
function checkCounts(label: string, values: Float64Array, rows: Int32Array, term: string): void {
  for (let r = 0; r < values.length; r++) {
    const v = values[r];
    if (!(v >= 0) || !Number.isInteger(v)) {
      throw new DesignError(
        `'${label}' in ${term} must be a non-negative whole number (a count), but row ${rows[r] + 1} gives ${v}`,
        { column: label, row: rows[r], value: String(v), term },
      );
    }
  }
}

function aggregated(spec: ResponseSpec & { kind: "cbind" }, data: ColumnTable, nrow: number, rows: Int32Array): BinomialResponse {
  const successes = evaluate(spec.successes, data, nrow, rows, spec.text);
  const failures = evaluate(spec.failures, data, nrow, rows, spec.text);
  const trials = new Float64Array(rows.length);
  checkCounts(spec.successes.text, successes, rows, spec.text);
  checkCounts(spec.failures.text, failures, rows, spec.text);
  for (let r = 0; r < rows.length; r++) {
    trials[r] = successes[r] + failures[r];
    if (trials[r] === 0) {
      throw new DesignError(`${spec.text}: row ${rows[r] + 1} has no trials (successes + failures = 0)`, {
        row: rows[r],
        term: spec.text,
      });
    }
  }
  return { name: spec.text, successes, trials };
}

/**
 * lme4's check.response.not.const: with no successes at all (or no failures) the likelihood has no
 * maximum (the intercept runs off to -Inf or +Inf), so it is an error rather than a fit.
 */
function checkNotConstant(response: BinomialResponse): void {
  let successes = 0;
  let trials = 0;
  for (let r = 0; r < response.successes.length; r++) {
    successes += response.successes[r];
    trials += response.trials[r];
  }
  if (successes === 0 || successes === trials) {
    throw new DesignError(
      `response '${response.name}' is constant: ${successes === 0 ? "no" : "every"} observation is a success ` +
        `(${successes} of ${trials}); a logit model cannot be fitted`,
      { term: response.name },
    );
  }
}

/** The response over the complete-case rows (0-based indices into the input table). */
export function binomialResponse(spec: ResponseSpec, data: ColumnTable, nrow: number, rows: Int32Array): BinomialResponse {
  const response =
    spec.kind === "cbind" ? aggregated(spec, data, nrow, rows) : bernoulli(spec.column, requireColumn(data, spec.column, spec.text, nrow), rows);
  checkNotConstant(response);
  return response;
}
