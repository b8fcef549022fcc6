/**
 * The methodology index (src/audit/methodology-index.ts, notebooks/methodology-index.json) as an
 * appendix of the report, every "shown in" cell a link to that cell's anchor in the report.
 *
 * An index entry names a cell by its id or by one of its tags; the anchor follows what the executed
 * notebook has: a cell with that id -> `cellAnchor`, else a cell carrying that tag -> `tagAnchor`, else
 * the chapter itself (the index checker, not the report, is where a stale entry fails). A notebook run
 * as several chapters (the model chapter, once per outcome) gets one link per chapter.
 */
import { basename } from "node:path";
import type { MethodologyIndex } from "../audit/methodology-index";
import type { IndexRow } from "./audit-appendix";
import { type ChapterInput, cellAnchor, tagAnchor } from "./html-report";

export const METHODOLOGY_INDEX_FILE = "methodology-index.json";

/** Resolve "notebooks/05-x.ipynb", "05-x.ipynb" or "05-x" to the chapter slug "05-x". */
export function notebookSlug(notebook: string): string {
  return basename(notebook).replace(/\.ipynb$/, "");
}

/** Where a cell reference points in the report. */
export function cellHref(chapters: readonly Pick<ChapterInput, "slug" | "cells">[], notebook: string, cell: string): string {
  const slug = notebookSlug(notebook);
  const chapter = chapters.find((c) => c.slug === slug);
  if (!chapter) return `#${slug}`;
  if (chapter.cells.some((c) => c.id === cell)) return `#${cellAnchor(slug, cell)}`;
  if (chapter.cells.some((c) => (c.tags ?? []).includes(cell))) return `#${tagAnchor(slug, cell)}`;
  return `#${slug}`;
}

type LinkedChapter = Pick<ChapterInput, "slug" | "cells" | "notebook">;

/** The chapters a cell reference's notebook became: the chapter of that name, or every chapter run from that notebook file. */
function chaptersOf(chapters: readonly LinkedChapter[], notebook: string): LinkedChapter[] {
  const slug = notebookSlug(notebook);
  const byName = chapters.filter((c) => c.slug === slug);
  return byName.length > 0 ? byName : chapters.filter((c) => c.notebook !== undefined && notebookSlug(c.notebook) === slug);
}

export function methodologyIndexRows(index: MethodologyIndex, chapters: readonly LinkedChapter[]): IndexRow[] {
  return index.statements.map((s) => ({
    section: s.section,
    quote: s.quote,
    summary: s.summary,
    implemented: s.implemented,
    ...(s.reason !== undefined ? { reason: s.reason } : {}),
    functions: (s.functions ?? []).map((f) => `${f.module}: ${f.name}`),
    tests: (s.tests ?? []).map((t) => `${t.file}: ${t.name}`),
    cells: (s.cells ?? []).flatMap((c) => {
      const runs = chaptersOf(chapters, c.notebook);
      if (runs.length === 0) return [{ label: `${notebookSlug(c.notebook)} / ${c.cell}`, href: cellHref(chapters, c.notebook, c.cell) }];
      return runs.map((run) => ({ label: `${run.slug} / ${c.cell}`, href: cellHref(chapters, run.slug, c.cell) }));
    }),
  }));
}
