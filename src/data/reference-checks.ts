/**
 * Internal consistency of the published numbers (reference/bijlage-3b/), and the check that every cell
 * is printed where its provenance says. The tests hold these to the committed files; the report can show
 * the same findings next to a comparison. Every check works on printed, rounded numbers, so it compares
 * intervals: a number printed with d decimals stands for [x - 5 10^-(d+1), x + 5 10^-(d+1)].
 *
 *  - amePerTable: in model 2 the published AME of a term is the mean derivative of the probability,
 *    AME_j = beta_j (1/n) sum_i p_i (1 - p_i), for every term without a random slope. So within one table
 *    AME_j / beta_j is one factor f = mean p(1 - p) for all those terms. Each row gives an interval of f
 *    that its rounded AME and coefficient allow; the factor is the value most intervals contain, and a
 *    row whose interval misses it is an outlier (a misprint or a different computation).
 *  - shareSums: the shares of one categorical variable add up to 1 within rounding (k shares printed
 *    with three decimals miss 1 by at most k x 0.0005). The cito years and the cito missing indicator
 *    are one variable: every student has a cito year or is missing (3a 2.4, the missing-indicator method).
 *  - varianceSd: the random part prints a variance with its SD in brackets: sd = sqrt(variance).
 *  - frames: Tabel k and k + 4 describe the same frame (outcome, year, N); N's repeated on the rows of
 *    the CSVs equal their table's caption, which prints them with '.' as the thousands separator.
 *  - provenance: every row's printed label and cells stand on the line of bijlage-3b.txt it names,
 *    they parse to the values in the CSV, and every numeric line of Tabel 1-8 is claimed by some row.
 */
import type { PublishedDescriptive, PublishedModelCell, PublishedTable } from "./reference";

/** Half a unit in the last printed decimal of a number as written ("0.125" -> 0.0005, "-0.06" -> 0.005). */
export function roundingHalfUnit(text: string): number {
  const m = /\.(\d+)$/.exec(text.trim());
  return 0.5 * 10 ** -(m ? m[1].length : 0);
}

/** The values of f with a = f c for some c in [c0, c1] and a in [a0, a1] (f may be unbounded). */
function ratioInterval(a0: number, a1: number, c0: number, c1: number): [number, number] {
  if (c0 > 0 || c1 < 0) {
    const q = [a0 / c0, a0 / c1, a1 / c0, a1 / c1];
    return [Math.min(...q), Math.max(...q)];
  }
  // The coefficient's interval holds 0 (printed 0.00): any f large enough in size fits.
  if (a0 > 0) return [c1 > 0 ? a0 / c1 : Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY];
  if (a1 < 0) return [Number.NEGATIVE_INFINITY, c0 < 0 ? a1 / c0 : Number.POSITIVE_INFINITY];
  return [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY];
}

export interface AmeRatioRow {
  readonly category: string;
  readonly estimate: number;
  readonly ame: number;
  /** The factors f = AME / coefficient that the rounded printed numbers allow. */
  readonly interval: readonly [number, number];
  /** The term has a random slope (its AME averages over the location slopes): not held to the factor. */
  readonly randomSlope: boolean;
  /** Outside the table's common factor. */
  readonly outlier: boolean;
  readonly note: string;
}

export interface AmeFactorCheck {
  readonly table: number;
  /** The factor interval shared by every row without a random slope that is not an outlier. */
  readonly factor: readonly [number, number];
  readonly rows: readonly AmeRatioRow[];
  readonly outliers: readonly AmeRatioRow[];
}

/**
 * The interval [lo, hi] contained in the most row intervals (ties: the first from the left); a sweep
 * over the interval ends.
 */
function consensus(intervals: readonly (readonly [number, number])[]): [number, number] {
  const events = intervals.flatMap(([lo, hi]) => [
    { x: lo, open: 1 },
    { x: hi, open: -1 },
  ]);
  // Opens before closes at the same x: touching intervals count as overlapping.
  events.sort((a, b) => a.x - b.x || b.open - a.open);
  let depth = 0;
  let best = -1;
  let at: [number, number] = [Number.NaN, Number.NaN];
  for (let k = 0; k < events.length; k++) {
    depth += events[k].open;
    if (events[k].open === 1 && depth > best) {
      best = depth;
      // The region of this depth ends at the next event, which is a close (or a later open).
      at = [events[k].x, events[k + 1]?.x ?? events[k].x];
    }
  }
  return at;
}

/** The terms of a table that have a random slope, from the rows "Variantie slope van <term>". */
function randomSlopeTerms(cells: readonly PublishedModelCell[]): Set<string> {
  const out = new Set<string>();
  for (const c of cells) {
    const m = /^Variantie slope van (.+)$/.exec(c.category);
    if (c.part === "random" && m) out.add(m[1].toLowerCase());
  }
  return out;
}

/** Model 2's AME against its coefficient, per table (Tabel 5-8). */
export function amePerTable(models: readonly PublishedModelCell[]): AmeFactorCheck[] {
  const tables = [...new Set(models.map((c) => c.table))].sort((a, b) => a - b);
  return tables.map((table) => {
    const cells = models.filter((c) => c.table === table);
    const slopes = randomSlopeTerms(cells);
    const rows = cells
      .filter((c) => c.part === "fixed" && c.model === "2" && c.ame !== null)
      .map((c) => {
        const hc = c.source ? roundingHalfUnit(c.source.cell.split("(")[0]) : 0.005;
        const ha = roundingHalfUnit(c.ameText);
        const ame = c.ame ?? Number.NaN;
        return {
          category: c.category,
          estimate: c.estimate,
          ame,
          interval: ratioInterval(ame - ha, ame + ha, c.estimate - hc, c.estimate + hc),
          randomSlope: slopes.has(c.category.toLowerCase()),
          note: c.note,
        };
      });
    const held = rows.filter((r) => !r.randomSlope);
    const factor = consensus(held.map((r) => r.interval));
    const marked = rows.map((r) => ({
      ...r,
      outlier: !r.randomSlope && !(r.interval[0] <= factor[0] && r.interval[1] >= factor[1]),
    }));
    return { table, factor, rows: marked, outliers: marked.filter((r) => r.outlier) };
  });
}

export interface ShareSum {
  readonly table: number;
  readonly group: string;
  readonly categories: readonly string[];
  readonly sum: number;
  /** k shares printed with three decimals: the sum may miss 1 by k x 0.0005. */
  readonly tolerance: number;
  readonly ok: boolean;
  /** The notes of the group's rows (where a misprint is documented). */
  readonly notes: readonly string[];
}

/** The cito missing indicator is the cito-year variable's category "missing" (see the module comment). */
const SHARE_GROUP_OF: Readonly<Record<string, string>> = { "Missingindicator cito/jaar": "Citojaar" };

/** A row that is one category's share: printed range 0-1 and no SD (the outcome's rate is not a share of a variable). */
function isShare(d: PublishedDescriptive): boolean {
  return d.min === 0 && d.max === 1 && d.sd === null && d.group !== "Doorstroom" && d.group !== "Vsv";
}

/** The shares of every categorical variable of Tabel 1-4, summed. */
export function shareSums(descriptives: readonly PublishedDescriptive[]): ShareSum[] {
  const groups = new Map<string, PublishedDescriptive[]>();
  for (const d of descriptives) {
    if (!isShare(d)) continue;
    const key = `${d.table}\u0000${SHARE_GROUP_OF[d.group] ?? d.group}`;
    const list = groups.get(key) ?? [];
    list.push(d);
    groups.set(key, list);
  }
  return [...groups.entries()].map(([key, rows]) => {
    const [table, group] = key.split("\u0000");
    const sum = rows.reduce((a, r) => a + r.mean, 0);
    // Half a unit of the third decimal per share; a tiny allowance for the binary sum itself.
    const tolerance = rows.length * 0.0005 + 1e-9;
    return {
      table: Number(table),
      group,
      categories: rows.map((r) => r.category),
      sum,
      tolerance,
      ok: Math.abs(sum - 1) <= tolerance,
      notes: rows.map((r) => r.note).filter((n) => n !== ""),
    };
  });
}

export interface VarianceSdRow {
  readonly table: number;
  readonly model: string;
  readonly category: string;
  readonly variance: number;
  readonly sd: number;
  readonly ok: boolean;
}

/** Random part: the SD in brackets against the square root of the variance, both rounded as printed. */
export function varianceSd(models: readonly PublishedModelCell[]): VarianceSdRow[] {
  return models
    .filter((c) => c.part === "random" && c.se !== null)
    .map((c) => {
      const [vText, sText] = c.source ? splitCell(c.source.cell) : [String(c.estimate), String(c.se)];
      const hv = roundingHalfUnit(vText);
      const hs = roundingHalfUnit(sText ?? "");
      const sd = c.se ?? Number.NaN;
      const lo = Math.sqrt(Math.max(0, c.estimate - hv));
      const hi = Math.sqrt(c.estimate + hv);
      return { table: c.table, model: c.model, category: c.category, variance: c.estimate, sd, ok: lo <= sd + hs && hi >= sd - hs };
    });
}

/** "0.60 (0.03)" -> ["0.60", "0.03"]; "- 0.37 (0.04)" -> ["-0.37", "0.04"]; "0.00 (0.00" -> ["0.00", "0.00"]; "0.094" -> ["0.094", null]. */
export function splitCell(cell: string): [string, string | null] {
  const m = /^(-?)\s?(\d*\.\d+)(?:\s+\((\d*\.\d+)\)?)?$/.exec(cell.trim());
  if (!m) throw new Error(`not a printed cell: ${JSON.stringify(cell)}`);
  return [`${m[1]}${m[2]}`, m[3] ?? null];
}

/** A number as the table book prints it: ".732" is 0.732; "124.621" in a caption is 124621. */
function printedNumber(text: string): number {
  return Number(text.startsWith(".") ? `0${text}` : text);
}

/** "124.621" (Dutch thousands separator) -> 124621. */
function captionCount(text: string): number {
  return Number(text.replace(/\./g, ""));
}

/** Inconsistencies between the tables' captions, Tabel 1-4 and Tabel 5-8 (empty: all agree). */
export function frameProblems(
  tables: readonly PublishedTable[],
  descriptives: readonly PublishedDescriptive[],
  models: readonly PublishedModelCell[],
): string[] {
  const problems: string[] = [];
  const byNumber = new Map(tables.map((t) => [t.table, t]));
  for (const t of tables) {
    const n = /\bN(?:individu)? = ([\d.]+?)\.?(?:\s|$)/.exec(t.caption);
    if (!n || captionCount(n[1]) !== t.nIndividuals) problems.push(`Tabel ${t.table}: n_individuals ${t.nIndividuals} is not the caption's N ("${t.caption}")`);
    if (!t.caption.includes(`(jaar ${t.year})`)) problems.push(`Tabel ${t.table}: the caption does not print the year ${t.year}`);
    if (t.content === "models") {
      const loc = /Nlocatie = (\d+)/.exec(t.caption);
      const inst = /Ninstelling = (\d+)/.exec(t.caption);
      if (!loc || Number(loc[1]) !== t.nLocations) problems.push(`Tabel ${t.table}: n_locations ${t.nLocations} is not the caption's Nlocatie`);
      if (!inst || Number(inst[1]) !== t.nInstitutions) problems.push(`Tabel ${t.table}: n_institutions ${t.nInstitutions} is not the caption's Ninstelling`);
      const twin = byNumber.get(t.table - 4);
      if (!twin || twin.content !== "descriptives") problems.push(`Tabel ${t.table}: no descriptive Tabel ${t.table - 4}`);
      else if (twin.outcome !== t.outcome || twin.year !== t.year || twin.nIndividuals !== t.nIndividuals) {
        problems.push(`Tabel ${t.table} (${t.outcome} ${t.year}, N ${t.nIndividuals}) and Tabel ${twin.table} (${twin.outcome} ${twin.year}, N ${twin.nIndividuals}) are not the same frame`);
      }
    } else if (t.nLocations !== null || t.nInstitutions !== null) {
      problems.push(`Tabel ${t.table}: a descriptive caption prints no Nlocatie or Ninstelling`);
    }
  }
  for (const d of descriptives) {
    const t = byNumber.get(d.table);
    if (!t || t.content !== "descriptives") problems.push(`descriptives: Tabel ${d.table} is not a descriptive table`);
    else if (d.n !== t.nIndividuals || d.outcome !== t.outcome || d.year !== t.year) {
      problems.push(`Tabel ${d.table} ${d.category}: n/outcome/year ${d.n}/${d.outcome}/${d.year}, caption ${t.nIndividuals}/${t.outcome}/${t.year}`);
    }
  }
  for (const m of models) {
    const t = byNumber.get(m.table);
    if (!t || t.content !== "models") problems.push(`models: Tabel ${m.table} is not a model table`);
    else if (m.nIndividuals !== t.nIndividuals || m.nLocations !== t.nLocations || m.nInstitutions !== t.nInstitutions || m.outcome !== t.outcome || m.year !== t.year) {
      problems.push(`Tabel ${m.table} ${m.category} model ${m.model}: N's/outcome/year differ from the caption`);
    }
  }
  return problems;
}

/** Collapse whitespace runs to one space and trim. */
function squash(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

/** The line ranges [caption line, next caption line) of each table in the text. */
function tableBlocks(lines: readonly string[], tables: readonly PublishedTable[]): Map<number, [number, number]> {
  const starts = [...tables].sort((a, b) => a.line - b.line);
  const out = new Map<number, [number, number]>();
  starts.forEach((t, k) => out.set(t.table, [t.line, starts[k + 1]?.line ?? lines.length + 1]));
  return out;
}

/** A printed number in the tables: .732, 0.447, 59.183, -0.32, - 0.37 (with the stray space). */
const PRINTED_NUMBER = /(?:^|\s)(?:-\s?)?\d*\.\d+/;

/**
 * Every row's provenance against the table book text (empty: every cell stands where its row says,
 * reads as the CSV's value, and every numeric line of Tabel 1-8 is claimed by some row).
 */
export function provenanceProblems(
  text: string,
  tables: readonly PublishedTable[],
  descriptives: readonly PublishedDescriptive[],
  models: readonly PublishedModelCell[],
): string[] {
  const lines = text.split("\n");
  const problems: string[] = [];
  const lineAt = (n: number): string => lines[n - 1] ?? "";
  const blocks = tableBlocks(lines, tables);
  const inBlock = (table: number, line: number): boolean => {
    const b = blocks.get(table);
    return b !== undefined && line >= b[0] && line < b[1];
  };
  const claimed = new Set<number>();

  for (const t of tables) {
    const printed = squash(lines.slice(t.line - 1, t.line + 3).join(" "));
    if (!printed.startsWith(t.caption)) problems.push(`Tabel ${t.table}: caption "${t.caption}" is not at line ${t.line}`);
  }

  for (const d of descriptives) {
    const where = `Tabel ${d.table} ${d.group} / ${d.category}`;
    if (!d.source) {
      problems.push(`${where}: no provenance`);
      continue;
    }
    const { line, label, cells } = d.source;
    claimed.add(line);
    if (!inBlock(d.table, line)) problems.push(`${where}: line ${line} is outside Tabel ${d.table}`);
    if (squash(lineAt(line)) !== squash(`${label} ${cells}`)) {
      problems.push(`${where}: line ${line} reads "${squash(lineAt(line))}", not "${label} ${cells}"`);
    }
    const refMarked = /\(ref\.\)$/.test(label);
    if (refMarked !== d.isReference) problems.push(`${where}: is_reference ${d.isReference} but the label is "${label}"`);
    const bare = label.replace(/\s*\(ref\.\)$/, "").replace(/\*$/, "").replace(/ (2020|2021)$/, "");
    if (bare !== d.category) problems.push(`${where}: printed label "${label}" is not the category`);
    const tok = cells.trim().split(/\s+/);
    const sdText = tok.length === 4 ? tok[1] : "-";
    const read = {
      mean: printedNumber(tok[0]),
      sd: sdText === "-" ? null : printedNumber(sdText),
      min: printedNumber(tok[tok.length - 2]),
      max: printedNumber(tok[tok.length - 1]),
    };
    if (read.mean !== d.mean || read.sd !== d.sd || read.min !== d.min || read.max !== d.max) {
      problems.push(`${where}: printed "${cells}" reads ${JSON.stringify(read)}, the CSV has mean ${d.mean}, sd ${d.sd}, min ${d.min}, max ${d.max}`);
    }
  }

  // Tabel 5-8: the cells of one printed line, in model order, are the line's numbers left to right.
  const order = ["0", "1a", "1b", "1c", "2"];
  const byLine = new Map<number, PublishedModelCell[]>();
  for (const m of models) {
    const where = `Tabel ${m.table} ${m.category} model ${m.model}`;
    if (!m.source) {
      problems.push(`${where}: no provenance`);
      continue;
    }
    const list = byLine.get(m.source.line) ?? [];
    list.push(m);
    byLine.set(m.source.line, list);
    if (!inBlock(m.table, m.source.line)) problems.push(`${where}: line ${m.source.line} is outside Tabel ${m.table}`);
    let read: [string, string | null];
    try {
      read = splitCell(m.source.cell);
    } catch {
      problems.push(`${where}: "${m.source.cell}" is not a printed cell`);
      continue;
    }
    if (Number(read[0]) !== m.estimate || (read[1] === null ? null : Number(read[1])) !== m.se) {
      problems.push(`${where}: printed "${m.source.cell}", the CSV has ${m.estimate} (${m.se})`);
    }
    if (m.source.ame !== m.ameText) problems.push(`${where}: printed AME "${m.source.ame}", the CSV has "${m.ameText}"`);
  }
  for (const [line, cells] of byLine) {
    cells.sort((a, b) => order.indexOf(a.model) - order.indexOf(b.model));
    claimed.add(line);
    const first = cells[0];
    const labels = new Set(cells.map((c) => c.source?.label));
    if (labels.size !== 1) problems.push(`line ${line}: cells with different labels ${[...labels].join(" / ")}`);
    const numbers = cells.map((c) => c.source?.cell ?? "").join(" ");
    const ame = cells[cells.length - 1].source?.ame ?? "";
    const expected = squash([numbers, ame].join(" "));
    const printed = squash(lineAt(line));
    const label = first.source?.label ?? "";
    if (printed === squash(`${label} ${expected}`)) continue;
    // A label broken over several lines by the extraction: the numbers stand alone, the label above.
    const above: string[] = [];
    for (let k = line - 1; k > 0 && above.join(" ").length < label.length; k--) if (lineAt(k).trim() !== "") above.unshift(lineAt(k).trim());
    if (printed === expected && squash(above.join(" ")) === squash(label)) continue;
    problems.push(`line ${line}: reads "${printed}", the rows claim "${label} ${expected}"`);
  }

  // Nothing printed is left out: every line of a table holding a printed number is some row's line.
  for (const t of tables) {
    const [from, to] = blocks.get(t.table) ?? [0, 0];
    for (let n = from + 1; n < to; n++) {
      const s = lineAt(n);
      if (!PRINTED_NUMBER.test(s) || claimed.has(n)) continue;
      problems.push(`Tabel ${t.table} line ${n}: "${squash(s)}" holds numbers no row claims`);
    }
  }
  return problems;
}
