/**
 * The selection flow: every selection rule applied on the way from the raw files to a population, with
 * the number of students before and after it, and the section of bijlage 3a that prescribes it. The
 * notebooks show it as a table, so a reader can follow each student count back to the methodology.
 */

export interface FlowStep {
  /** 1-based position in the flow. */
  readonly step: number;
  /** The rule in words, e.g. "leeftijd 14-25 op 1 augustus 2019". */
  readonly rule: string;
  /** Where the rule comes from: "3a 3.2", or "eigen keuze" with the reason in the rule text. */
  readonly section: string;
  readonly nIn: number;
  readonly nOut: number;
}

/** A selection rule over the rows of studenten.csv: keep row r if `keep(r)`. */
export interface SelectionRule {
  readonly rule: string;
  readonly section: string;
  readonly keep: (row: number) => boolean;
}

/** Records the flow of one population while its row set is narrowed rule by rule. */
export class SelectionFlow {
  private readonly recorded: FlowStep[] = [];

  constructor(readonly population: string) {}

  get steps(): readonly FlowStep[] {
    return this.recorded;
  }

  /** The starting row set (all rows of studenten.csv), recorded as step 1 with nIn = nOut. */
  start(rule: string, section: string, nrows: number): Int32Array {
    const rows = new Int32Array(nrows);
    for (let r = 0; r < nrows; r++) rows[r] = r;
    this.recorded.push({ step: 1, rule, section, nIn: nrows, nOut: nrows });
    return rows;
  }

  /** Apply one rule: keep the rows it accepts, record nIn and nOut. */
  apply(rows: Int32Array, selection: SelectionRule): Int32Array {
    const out = new Int32Array(rows.length);
    let n = 0;
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      if (selection.keep(r)) out[n++] = r;
    }
    this.recorded.push({ step: this.recorded.length + 1, rule: selection.rule, section: selection.section, nIn: rows.length, nOut: n });
    return out.slice(0, n);
  }
}
