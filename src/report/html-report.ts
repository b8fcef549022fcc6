/**
 * One HTML report from the executed notebooks (issue 4, item 5): every chapter in order, a table of
 * contents linking to each chapter and section, and appendices (the run manifest, the methodology
 * index). Self-contained: it works from a file:// URL on a machine without network.
 *
 * Input per chapter is nbconvert's "lab" export of the executed notebook (scripts/run-notebooks.py
 * writes it). From each export we take:
 *   - the <style> blocks of the head, once (they are the same JupyterLab theme in every chapter);
 *   - the body, with the anchors made unique per chapter: heading ids become `<chapter>--<id>`;
 *     each cell gets the id `<chapter>--<cell id>` and an anchor `<chapter>--tag-<tag>` per tag, so
 *     the methodology index can link to "the cell that shows it" by its stable id or tag.
 * We drop the head's scripts: require.js (with it present, plotly's UMD bundle registers as an AMD
 * module instead of `window.Plotly`, and the figures stay empty) and MathJax (a file:// URL of this
 * machine). An identical large inline script (the plotly.js bundle each notebook embeds once) is kept
 * only the first time it occurs: scripts run in document order, so every later figure still finds it.
 */
import { createHash } from "node:crypto";
import { escapeHtml } from "./escape";

export interface ChapterInput {
  /** The chapter's name, e.g. "05-modellen-doorstroom"; its anchor. */
  readonly slug: string;
  /** The notebook file it was run from, when that differs from the chapter's name ("05-modellen.ipynb"). */
  readonly notebook?: string;
  /** nbconvert "lab" HTML export of the executed notebook. */
  readonly html: string;
  /** Per notebook cell, in order: its nbformat id (if any) and tags. */
  readonly cells: readonly { readonly id?: string | null; readonly tags?: readonly string[] }[];
}

export interface AppendixInput {
  readonly slug: string;
  readonly title: string;
  /** An HTML fragment. */
  readonly html: string;
}

export interface ReportInput {
  readonly title: string;
  /** Short lines under the title (data source, years, manifest id, ...), plain text. */
  readonly facts: readonly string[];
  /** A warning shown above everything, e.g. that the numbers come from synthetic data. */
  readonly banner?: string;
  readonly chapters: readonly ChapterInput[];
  readonly appendices?: readonly AppendixInput[];
}

export interface Heading {
  readonly level: number;
  /** The id as it stands in the HTML. */
  readonly id: string;
  readonly text: string;
}

/** Anchor of a notebook cell in the report (by its nbformat cell id). */
export function cellAnchor(slug: string, cellId: string): string {
  return `${slug}--${cellId}`;
}

/** Anchor of the first cell carrying `tag` in a notebook. */
export function tagAnchor(slug: string, tag: string): string {
  return `${slug}--tag-${tag}`;
}

export { escapeHtml };

/** Decode the few entities nbconvert's markdown renderer emits, for plain heading text. */
function decodeEntities(text: string): string {
  return text
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&");
}

/** Text of an HTML fragment: tags removed, the pilcrow of nbconvert's anchor links dropped. */
function plainText(html: string): string {
  return decodeEntities(html.replace(/<a class="anchor-link"[^>]*>[\s\S]*?<\/a>/g, "").replace(/<[^>]+>/g, ""))
    .replace(/\s+/g, " ")
    .trim();
}

const HEADING = /<h([1-6])\b([^>]*)\bid="([^"]+)"([^>]*)>([\s\S]*?)<\/h\1>/g;

/** The headings that carry an id (nbconvert gives every markdown heading one), in document order. */
export function extractHeadings(html: string): Heading[] {
  const out: Heading[] = [];
  for (const m of html.matchAll(HEADING)) {
    out.push({ level: Number(m[1]), id: decodeEntities(m[3] ?? ""), text: plainText(m[5] ?? "") });
  }
  return out;
}

/** The <style> blocks of the document's head. */
export function headStyles(html: string): string[] {
  const head = /<head[^>]*>([\s\S]*?)<\/head>/i.exec(html)?.[1] ?? "";
  return [...head.matchAll(/<style\b[^>]*>[\s\S]*?<\/style>/gi)].map((m) => m[0]);
}

/** The inner HTML of <body> (the whole text if there is no body element). */
export function bodyContent(html: string): string {
  const m = /<body\b[^>]*>([\s\S]*)<\/body>/i.exec(html);
  return m ? (m[1] ?? "") : html;
}

/** Scripts loaded from elsewhere (require.js, MathJax): dropped, the report must stand alone. */
function dropExternalScripts(html: string): string {
  return html.replace(/<script\b[^>]*\bsrc="[^"]*"[^>]*>\s*<\/script>/gi, "");
}

/**
 * Make heading anchors unique per chapter: `id="x"` -> `id="<slug>--x"`, and every `href="#x"`
 * that pointed at one of those headings follows.
 */
export function namespaceHeadingIds(html: string, slug: string): string {
  const ids = new Set(extractHeadings(html).map((h) => h.id));
  const rewritten = html.replace(HEADING, (_whole: string, level: string, before: string, id: string, after: string, inner: string) =>
    `<h${level}${before}id="${slug}--${id}"${after}>${inner}</h${level}>`,
  );
  return rewritten.replace(/href="#([^"]+)"/g, (whole: string, target: string) =>
    ids.has(decodeEntities(target)) || ids.has(target) ? `href="#${slug}--${target}"` : whole,
  );
}

// The cell's own div: class "jp-Cell ..." (not "jp-Cell-inputWrapper" and the like inside it).
const CELL_OPEN = /<div class="jp-Cell(?:\s[^"]*)?"([^>]*)>/g;

/**
 * Give each cell of the export its anchors. nbconvert writes one `<div class="jp-Cell ...">` per
 * notebook cell, in order; when the counts differ (a cell removed by a template tag) we do not guess,
 * and return the HTML unchanged with `anchored: false`. A tag's anchor goes to the first cell that
 * carries it, as an empty span at the top of the cell.
 */
export function anchorCells(html: string, slug: string, cells: ChapterInput["cells"]): { html: string; anchored: boolean } {
  const count = [...html.matchAll(CELL_OPEN)].length;
  if (count !== cells.length) return { html, anchored: false };
  let i = 0;
  const seenTags = new Set<string>();
  const out = html.replace(CELL_OPEN, (open: string) => {
    const cell = cells[i++];
    const withId = cell?.id ? open.replace(/^<div /, `<div id="${escapeHtml(cellAnchor(slug, cell.id))}" `) : open;
    const tags = (cell?.tags ?? []).filter((t) => !seenTags.has(t));
    tags.forEach((t) => seenTags.add(t));
    return withId + tags.map((t) => `<span class="kansen-anchor" id="${escapeHtml(tagAnchor(slug, t))}"></span>`).join("");
  });
  return { html: out, anchored: true };
}

/**
 * Keep an inline script larger than `minBytes` only the first time its exact text occurs in `seen`
 * (shared across chapters); later copies become a comment.
 */
export function dedupeLargeScripts(html: string, seen: Set<string>, minBytes = 100_000): string {
  return html.replace(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi, (whole: string, attrs: string, body: string) => {
    if (body.length < minBytes || /\bsrc=/.test(attrs)) return whole;
    const digest = createHash("sha256").update(body).digest("hex");
    if (seen.has(digest)) return `<!-- inline script of ${Math.round(body.length / 1024)} kB (sha256 ${digest.slice(0, 12)}) already loaded above -->`;
    seen.add(digest);
    return whole;
  });
}

const REPORT_CSS = `
body.kansen-report { margin: 0; padding: 0 0 4em 0; }
.kansen-header { padding: 1.5em 2em 0.5em 2em; font-family: var(--jp-ui-font-family, sans-serif); }
.kansen-header h1 { margin: 0 0 0.3em 0; }
.kansen-header ul { margin: 0; padding-left: 1.2em; color: #444; }
.kansen-banner { margin: 1em 2em; padding: 0.8em 1em; border: 2px solid #c77700; background: #fff4e0; font-weight: bold; font-family: sans-serif; }
nav.kansen-toc { margin: 1em 2em; padding: 1em 1.5em; border: 1px solid #ccc; background: #fafafa; font-family: var(--jp-ui-font-family, sans-serif); }
nav.kansen-toc ol { margin: 0.2em 0; }
nav.kansen-toc > ol { list-style: none; padding-left: 0; }
nav.kansen-toc > ol > li { margin: 0.4em 0; font-weight: bold; }
nav.kansen-toc > ol > li li { font-weight: normal; }
/* Long code lines wrap instead of running off the page (the report is read and printed, not edited). */
section.kansen-chapter .jp-InputArea-editor pre { white-space: pre-wrap; overflow-wrap: anywhere; }
section.kansen-chapter { border-top: 3px solid #1565c0; margin-top: 2em; padding-top: 0.5em; }
.kansen-chapter-head { padding: 0 2em; font-family: sans-serif; font-size: 0.85em; color: #555; }
.kansen-chapter-head a { color: #1565c0; }
section.kansen-appendix { border-top: 3px solid #555; margin: 2em 0 0 0; padding: 0.5em 2em; }
section.kansen-appendix table { border-collapse: collapse; font-size: 0.85em; }
section.kansen-appendix td, section.kansen-appendix th { border: 1px solid #ddd; padding: 2px 6px; vertical-align: top; }
`;

/** A table of contents entry: a chapter (level 1) with its sections (levels 2 and 3). The chapter list is not numbered: the titles carry their own numbers. */
interface TocEntry {
  readonly href: string;
  readonly text: string;
  readonly children: TocEntry[];
}

function tocList(entries: readonly TocEntry[]): string {
  if (entries.length === 0) return "";
  return `<ol>${entries.map((e) => `<li><a href="#${escapeHtml(e.href)}">${escapeHtml(e.text)}</a>${tocList(e.children)}</li>`).join("")}</ol>`;
}

/** The chapter's own table-of-contents entry: its first h1 (else the slug), with h2 and h3 below it. */
function chapterToc(slug: string, headings: readonly Heading[]): TocEntry {
  const title = headings.find((h) => h.level === 1);
  const chapter: TocEntry = { href: slug, text: title ? title.text : slug, children: [] };
  let section: TocEntry | undefined;
  for (const h of headings) {
    if (h === title || h.level === 1) continue;
    if (h.level === 2) {
      section = { href: h.id, text: h.text, children: [] };
      chapter.children.push(section);
    } else if (h.level === 3) {
      (section ?? chapter).children.push({ href: h.id, text: h.text, children: [] });
    }
  }
  return chapter;
}

export interface AssembledReport {
  readonly html: string;
  /** Chapters whose cells could not be given anchors (nbconvert dropped or merged cells). */
  readonly chaptersWithoutCellAnchors: readonly string[];
}

/** Put the chapters and appendices together into one self-contained HTML document. */
export function assembleReport(input: ReportInput): AssembledReport {
  const slugs = new Set<string>();
  for (const c of [...input.chapters, ...(input.appendices ?? [])]) {
    if (slugs.has(c.slug)) throw new Error(`report: two chapters or appendices share the anchor "${c.slug}"`);
    slugs.add(c.slug);
  }
  const styles: string[] = [];
  const seenScripts = new Set<string>();
  const toc: TocEntry[] = [];
  const sections: string[] = [];
  const withoutAnchors: string[] = [];

  for (const chapter of input.chapters) {
    for (const style of headStyles(chapter.html)) if (!styles.includes(style)) styles.push(style);
    let body = dropExternalScripts(bodyContent(chapter.html));
    const headings = extractHeadings(body).map((h) => ({ ...h, id: `${chapter.slug}--${h.id}` }));
    body = namespaceHeadingIds(body, chapter.slug);
    const anchored = anchorCells(body, chapter.slug, chapter.cells);
    if (!anchored.anchored) withoutAnchors.push(chapter.slug);
    body = dedupeLargeScripts(anchored.html, seenScripts);
    const entry = chapterToc(chapter.slug, headings);
    toc.push(entry);
    sections.push(
      `<section class="kansen-chapter" id="${escapeHtml(chapter.slug)}">\n` +
        `<div class="kansen-chapter-head">notebook <code>${escapeHtml(chapter.slug)}.ipynb</code> &middot; <a href="#kansen-toc">inhoud</a></div>\n` +
        `<div class="jp-Notebook" data-jp-theme-light="true" data-jp-theme-name="JupyterLab Light">\n${body}\n</div>\n</section>`,
    );
  }
  for (const appendix of input.appendices ?? []) {
    toc.push({ href: appendix.slug, text: appendix.title, children: [] });
    sections.push(
      `<section class="kansen-appendix" id="${escapeHtml(appendix.slug)}">\n<h1>${escapeHtml(appendix.title)}</h1>\n` +
        `<div class="kansen-chapter-head" style="padding:0"><a href="#kansen-toc">inhoud</a></div>\n${appendix.html}\n</section>`,
    );
  }

  const html = [
    "<!DOCTYPE html>",
    '<html lang="nl">',
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(input.title)}</title>`,
    ...styles,
    `<style>${REPORT_CSS}</style>`,
    "</head>",
    '<body class="kansen-report" data-jp-theme-light="true" data-jp-theme-name="JupyterLab Light">',
    `<header class="kansen-header"><h1>${escapeHtml(input.title)}</h1><ul>${input.facts.map((f) => `<li>${escapeHtml(f)}</li>`).join("")}</ul></header>`,
    input.banner ? `<div class="kansen-banner">${escapeHtml(input.banner)}</div>` : "",
    `<nav class="kansen-toc" id="kansen-toc"><h2>Inhoud</h2>${tocList(toc)}</nav>`,
    ...sections,
    "</body>",
    "</html>",
    "",
  ].join("\n");
  return { html, chaptersWithoutCellAnchors: withoutAnchors };
}
