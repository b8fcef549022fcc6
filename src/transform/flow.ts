/**
 * The selection flow: every selection rule applied on the way from the raw files to a population, with
 * the number of students before and after it, and the section of bijlage 3a that prescribes it. The
 * notebooks show it as a table, so a reader can follow each student count back to the methodology.
 *
 * After the selections the flow may carry warnings: values that are legal (they pass data-schema/) but
 * implausible by a rule of 3a, counted among the students kept (src/transform/plausibility.ts). A warning
 * removes nobody (nIn = nOut), so every step still starts where the previous one ended and the last
 * nOut is the frame's N.
 */

export interface FlowStep {
  /** 1-based position in the flow. */
  readonly step: number;
  /** The rule in words, e.g. "leeftijd 14-25 op 1 augustus 2019"; for a warning, what was found and how often. */
  readonly rule: string;
  /** Where the rule comes from: "3a 3.2", or "eigen keuze" with the reason in the rule text. */
  readonly section: string;
  readonly nIn: number;
  readonly nOut: number;
  /** Absent for a selection; "warning" for a count of implausible but legal values (nIn = nOut). */
  readonly kind?: "warning";
  /** For a warning: how many of the nIn students have the value. */
  readonly count?: number;
}

/** An implausible but legal value, as a predicate over rows of studenten.csv (src/transform/plausibility.ts). */
export interface PlausibilityCheck {
  /** What is implausible, in words, e.g. "eindtoetsjaar na schooljaar 2019". */
  readonly rule: string;
  /** The rule of 3a that makes it implausible. */
  readonly section: string;
  /** How the value is treated, e.g. "behouden" or "als ontbrekend geteld (missing indicator)". */
  readonly treatment: string;
  readonly flag: (row: number) => boolean;
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

  /**
   * Count the rows a plausibility check flags and, if any, record a warning step (nobody removed).
   * Returns the count.
   */
  warn(rows: Int32Array, check: PlausibilityCheck): number {
    let count = 0;
    for (let i = 0; i < rows.length; i++) if (check.flag(rows[i])) count++;
    if (count > 0) {
      this.recorded.push({
        step: this.recorded.length + 1,
        rule: `let op: ${check.rule}: ${count} student${count === 1 ? "" : "en"} (${check.treatment})`,
        section: check.section,
        nIn: rows.length,
        nOut: rows.length,
        kind: "warning",
        count,
      });
    }
    return count;
  }
}
