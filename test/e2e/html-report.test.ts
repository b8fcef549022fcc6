import { test } from "node:test";
import assert from "node:assert/strict";
import { anchorCells, assembleReport, cellAnchor, dedupeLargeScripts, extractHeadings, namespaceHeadingIds, tagAnchor } from "../../src/report/html-report";

// The shape of nbconvert 6.5's "lab" export (head styles, require.js, body of jp-Cell divs).
function nbconvertExport(cells: string[]): string {
  return [
    "<!DOCTYPE html><html><head><meta charset=\"utf-8\" />",
    '<title>Notebook</title><script src="file:///usr/share/javascript/requirejs/require.min.js"></script>',
    "<style type=\"text/css\">.jp-Cell { padding: 1px; }</style>",
    '<script src="file:///usr/share/javascript/mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe"> </script>',
    "</head>",
    '<body class="jp-Notebook" data-jp-theme-light="true" data-jp-theme-name="JupyterLab Light">',
    ...cells.map((c) => `<div class="jp-Cell jp-MarkdownCell jp-Notebook-cell">\n<div class="jp-Cell-inputWrapper">${c}</div></div>`),
    "</body></html>",
  ].join("\n");
}

const h = (level: number, id: string, text: string) => `<h${level} id="${id}">${text}<a class="anchor-link" href="#${id}">&#182;</a></h${level}>`;
const plotly = `<script type="text/javascript">${"/* plotly bundle */ var Plotly = {};".repeat(5000)}</script>`;

test("headings are found with their text, without nbconvert's pilcrow link", () => {
  const html = h(1, "Modellen-doorstroom", "Modellen doorstroom") + h(2, "Tabel-5", "Tabel 5 &amp; 6");
  assert.deepEqual(extractHeadings(html), [
    { level: 1, id: "Modellen-doorstroom", text: "Modellen doorstroom" },
    { level: 2, id: "Tabel-5", text: "Tabel 5 & 6" },
  ]);
});

test("heading ids are made unique per chapter, and links to them follow", () => {
  const html = h(2, "Samenvatting", "Samenvatting") + '<a href="#Samenvatting">zie</a> <a href="#elders">x</a>';
  const out = namespaceHeadingIds(html, "05-modellen");
  assert.match(out, /<h2 id="05-modellen--Samenvatting">/);
  assert.match(out, /href="#05-modellen--Samenvatting">zie/);
  assert.match(out, /href="#elders"/, "links to something that is not a heading stay as they are");
});

test("cells get their id and tag anchors; a count mismatch is reported, not guessed", () => {
  const html = '<div class="jp-Cell jp-MarkdownCell">a</div><div class="jp-Cell jp-CodeCell celltag_3a-3.2">b<div class="jp-Cell-outputWrapper"></div></div>';
  const res = anchorCells(html, "02-data", [{ id: "intro" }, { id: "flow", tags: ["3a-3.2"] }]);
  assert.equal(res.anchored, true);
  assert.match(res.html, new RegExp(`<div id="${cellAnchor("02-data", "intro")}" class="jp-Cell jp-MarkdownCell">a`));
  assert.match(res.html, new RegExp(`<div id="02-data--flow" class="jp-Cell jp-CodeCell celltag_3a-3.2"><span class="kansen-anchor" id="${tagAnchor("02-data", "3a-3.2").replace(/\./g, "\\.")}"></span>b`));
  assert.equal(anchorCells(html, "02-data", [{ id: "only-one" }]).anchored, false);
});

test("an identical large inline script is kept once across chapters", () => {
  const seen = new Set<string>();
  const first = dedupeLargeScripts(`${plotly}<script>Plotly.newPlot("a")</script>`, seen);
  const second = dedupeLargeScripts(`${plotly}<script>Plotly.newPlot("b")</script>`, seen);
  assert.ok(first.includes("plotly bundle"));
  assert.ok(!second.includes("plotly bundle"));
  assert.match(second, /already loaded above/);
  assert.match(second, /Plotly\.newPlot\("b"\)/, "small scripts (the figures) are always kept");
});

test("the report has every chapter, a table of contents linking to chapters and sections, no external scripts", () => {
  const ch1 = nbconvertExport([h(1, "Definities", "Definities") + h(2, "Gelijke-kansen", "Gelijke kansen"), "<p>tekst</p>"]);
  const ch2 = nbconvertExport([h(1, "Data", "Data") + h(2, "Selecties", "Selecties") + h(3, "Leeftijd", "Leeftijd"), plotly, plotly]);
  const { html, chaptersWithoutCellAnchors } = assembleReport({
    title: "kansen-mbo",
    facts: ["data: synthetic"],
    banner: "Synthetische data",
    chapters: [
      { slug: "01-definities", html: ch1, cells: [{ id: "c1" }, { id: "c2" }] },
      { slug: "02-data", html: ch2, cells: [{ id: "d1" }, { id: "d2" }, { id: "d3", tags: ["fig"] }] },
    ],
    appendices: [{ slug: "manifest", title: "Run manifest", html: "<p>id abc</p>" }],
  });
  assert.deepEqual(chaptersWithoutCellAnchors, []);
  for (const anchor of ["01-definities", "01-definities--Gelijke-kansen", "02-data", "02-data--Selecties", "02-data--Leeftijd", "manifest"]) {
    assert.ok(html.includes(`href="#${anchor}"`), `the contents link to ${anchor}`);
    assert.ok(html.includes(`id="${anchor}"`), `the anchor ${anchor} exists`);
  }
  assert.ok(html.includes('id="02-data--d3"') && html.includes('id="02-data--tag-fig"'));
  assert.ok(!/<script[^>]*src=/.test(html), "no require.js or MathJax from this machine's file system");
  assert.equal(html.split('<script type="text/javascript">/* plotly bundle').length - 1, 1, "the plotly bundle is inlined exactly once");
  assert.equal((html.match(/\.jp-Cell \{ padding: 1px; \}/g) ?? []).length, 1, "the theme styles are included once");
  assert.ok(html.indexOf("Synthetische data") < html.indexOf(`id="kansen-toc"`), "the banner comes before the contents");
  assert.match(html, /<nav class="kansen-toc" id="kansen-toc"><h2>Inhoud<\/h2>/, "one language: the contents are 'Inhoud'");
  assert.ok(!/contents/i.test(html.replace(/<style[\s\S]*?<\/style>/g, "")), "no English 'contents' on the page");
  assert.match(html, /<html lang="nl">/);
  assert.throws(() => assembleReport({ title: "t", facts: [], chapters: [{ slug: "a", html: ch1, cells: [] }, { slug: "a", html: ch1, cells: [] }] }), /share the anchor "a"/);
});
