import { test } from "node:test";
import assert from "node:assert/strict";
import { cellHref, methodologyIndexRows, notebookSlug } from "../../src/report/methodology-appendix";
import type { MethodologyIndex } from "../../src/audit/methodology-index";

const chapters = [
  { slug: "02-data", cells: [{ id: "02-flow", tags: ["3a-3.2-age", "figure"] }, { id: "02-other" }] },
];

test("index cells link to the cell's id anchor, else its tag anchor, else the chapter", () => {
  assert.equal(notebookSlug("notebooks/02-data.ipynb"), "02-data");
  assert.equal(cellHref(chapters, "notebooks/02-data.ipynb", "02-flow"), "#02-data--02-flow");
  assert.equal(cellHref(chapters, "02-data.ipynb", "3a-3.2-age"), "#02-data--tag-3a-3.2-age");
  assert.equal(cellHref(chapters, "02-data", "gone"), "#02-data");
  assert.equal(cellHref(chapters, "09-x.ipynb", "a"), "#09-x");
});

test("index statements become report rows with their links", () => {
  const index: MethodologyIndex = {
    source: "bijlage 3a",
    exclusions: [],
    statements: [
      {
        id: "age", section: "3.2", quote: "tussen 14 en 25 jaar", summary: "ages 14-25 kept", implemented: true,
        functions: [{ module: "src/transform/select.ts", name: "selectAge" }],
        tests: [{ file: "test/transform/select.test.ts", name: "age 14 and 25 are in" }],
        cells: [{ notebook: "notebooks/02-data.ipynb", cell: "3a-3.2-age" }],
      },
      { id: "kwaliteit", section: "2.2", quote: "kwaliteitsagenda's", summary: "not analysed", implemented: false, reason: "outside the models" },
    ],
  };
  const rows = methodologyIndexRows(index, chapters);
  assert.deepEqual(rows[0]?.cells, [{ label: "02-data / 3a-3.2-age", href: "#02-data--tag-3a-3.2-age" }]);
  assert.deepEqual(rows[0]?.functions, ["src/transform/select.ts: selectAge"]);
  assert.equal(rows[1]?.implemented, false);
  assert.equal(rows[1]?.reason, "outside the models");
});

test("a cell of a notebook run as several chapters (the model chapter) links to that cell in each chapter", () => {
  const runs = [
    { slug: "05-modellen-doorstroom", notebook: "05-modellen.ipynb", cells: [{ id: "05-icc", tags: ["3b-icc"] }] },
    { slug: "06-modellen-vsv", notebook: "05-modellen.ipynb", cells: [{ id: "05-icc", tags: ["3b-icc"] }] },
  ];
  const index: MethodologyIndex = {
    source: "bijlage 3a",
    exclusions: [],
    statements: [{ id: "icc", section: "3.3", quote: "ICC", summary: "ICC van het lege model", implemented: true, cells: [{ notebook: "notebooks/05-modellen.ipynb", cell: "3b-icc" }] }],
  };
  assert.deepEqual(methodologyIndexRows(index, runs)[0]?.cells, [
    { label: "05-modellen-doorstroom / 3b-icc", href: "#05-modellen-doorstroom--tag-3b-icc" },
    { label: "06-modellen-vsv / 3b-icc", href: "#06-modellen-vsv--tag-3b-icc" },
  ]);
});
