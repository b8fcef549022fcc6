/**
 * The methodology index (src/audit/methodology-index.ts, notebooks/methodology-index.json) as an
 * appendix of the report, every "shown in" cell a link to that cell's anchor in the report.
 *
 * An index entry names a cell by its id or by one of its tags; the anchor follows what the executed
 * notebook has: a cell with that id -> `cellAnchor`, else a cell carrying that tag -> `tagAnchor`, else
 * the chapter itself (the index checker, not the report, is where a stale entry fails).
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

export function methodologyIndexRows(index: MethodologyIndex, chapters: readonly Pick<ChapterInput, "slug" | "cells">[]): IndexRow[] {
  return index.statements.map((s) => ({
    section: s.section,
    quote: s.quote,
    summary: s.summary,
    implemented: s.implemented,
    ...(s.reason !== undefined ? { reason: s.reason } : {}),
    functions: (s.functions ?? []).map((f) => `${f.module}: ${f.name}`),
    tests: (s.tests ?? []).map((t) => `${t.file}: ${t.name}`),
    cells: (s.cells ?? []).map((c) => ({ label: `${notebookSlug(c.notebook)} / ${c.cell}`, href: cellHref(chapters, c.notebook, c.cell) })),
  }));
}
