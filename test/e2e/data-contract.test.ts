/**
 * Issue 12 item 3 through the reproduce command itself:
 *  - a raw folder with each defect of the outside check is rejected before any output exists: the
 *    message's first line is printed, the exit status is 1, the previous outputs folder is byte for byte
 *    what it was and no outputs.partial-* folder is left;
 *  - a valid folder with scores with decimals, a location handed over between school years and odd but
 *    valid codes (test/data/contract-folder.ts, not the synthetic generator) runs every chapter to the end.
 * The defect runs stop before the notebooks (seconds each); the valid run executes every notebook once
 * (minutes).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PROJECT_ROOT } from "../../src/config";
import { chapterRuns, jupyterStatus } from "../../src/pipeline/notebooks";
import { PUBLISHED_REFERENCE } from "../../src/vocabulary";
import { studentHeader, studentRow, writeRawFolder } from "../data/fixture";
import { writeContractFolder } from "../data/contract-folder";

const jupyter = jupyterStatus();
const skip = jupyter.available ? false : `Jupyter is not installed, so notebooks cannot run: ${jupyter.reason}`;

function reproduce(args: string[], cacheDir: string): { status: number | null; stderr: string } {
  const config = join(cacheDir, "config.json");
  writeFileSync(config, JSON.stringify({ cacheDir }));
  const r = spawnSync(process.execPath, ["--import", "tsx", join(PROJECT_ROOT, "scripts", "reproduce.ts"), "--config", config, ...args], {
    cwd: PROJECT_ROOT,
    encoding: "utf8",
    env: { ...process.env, KANSEN_CONFIG: "" },
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: r.status, stderr: r.stderr };
}

/** A valid base folder to break one way at a time. */
function base(): string {
  return writeRawFolder({
    students: [{ id: "a", years: { 2019: { diploma: 1 }, 2020: {} } }, { id: "b", geslacht: "V", years: { 2019: {} } }],
    vsv: [{ id: "a", jaar: 2020, startpopulatie: 1, nieuwe_vsver: 0 }, { id: "b", jaar: 2020, startpopulatie: 1, nieuwe_vsver: 1 }],
  });
}

const csv = (rows: string[][], sep = ","): string => rows.map((r) => r.join(sep)).join("\n") + "\n";

/** Each defect: how to make it, and the first line of its message (DIR is the folder). */
const DEFECTS: { name: string; make: (dir: string) => void; first: string }[] = [
  { name: "empty studenten.csv", make: (d) => writeFileSync(join(d, "studenten.csv"), ""), first: "DIR/studenten.csv: the file is empty (0 bytes): a header row and data rows are expected" },
  {
    name: "header-only studenten.csv",
    make: (d) => writeFileSync(join(d, "studenten.csv"), csv([studentHeader()])),
    first: "DIR/studenten.csv: the file has a header but no data rows; studenten.csv needs at least one (data-schema/studenten.schema.json)",
  },
  {
    name: "header-only studenten.csv and vsv.csv",
    make: (d) => {
      writeFileSync(join(d, "studenten.csv"), csv([studentHeader()]));
      writeFileSync(join(d, "vsv.csv"), "id,jaar,startpopulatie,nieuwe_vsver\n");
    },
    first: "DIR/studenten.csv: the file has a header but no data rows; studenten.csv needs at least one (data-schema/studenten.schema.json)",
  },
  {
    name: "semicolon-separated studenten.csv",
    make: (d) => writeFileSync(join(d, "studenten.csv"), csv([studentHeader(), studentRow({ id: "a" })], ";")),
    first:
      'DIR/studenten.csv: the file is separated by semicolons (";"), not by commas: the header "id;geslacht;migratieachtergrond;opleidingsniveau_ouders;eind..." reads as one column. ' +
      'The files are comma-separated (RFC 4180); Dutch Excel writes ";" by default, so convert the file to commas',
  },
  {
    name: "unterminated quote",
    make: (d) => writeFileSync(join(d, "vsv.csv"), 'id,jaar,startpopulatie,nieuwe_vsver\na,2020,1,0\n"b,2020,1,1\n'),
    first: 'DIR/vsv.csv: unterminated quote in data row 2, column "id": the quote opened on line 3 is never closed (the file ends inside it; the quoted text starts "b,2020,1,1\\n")',
  },
  {
    name: "integer spelled 1e1",
    make: (d) => writeFileSync(join(d, "studenten.csv"), csv([studentHeader(), studentRow({ id: "a", years: { 2019: { leeftijd: "1e1" } } })])),
    first: 'DIR/studenten.csv: row 1 (line 2), column "leeftijd_2019": value "1e1" breaks rule "type: integer" (an integer is written as digits with an optional leading "-" (data-schema/README.md, "Numbers"); no exponent notation)',
  },
  {
    name: "location under two institutions in one year",
    make: (d) =>
      writeFileSync(join(d, "studenten.csv"), csv([studentHeader(), studentRow({ id: "a", years: { 2020: { instelling: "I1", locatie: "L1" } } }), studentRow({ id: "b", years: { 2020: { instelling: "I2", locatie: "L1" } } })])),
    first:
      'DIR/studenten.csv: row 2 (line 3), column "locatie_2020": value "L1" breaks rule "location nested in institution" (schooljaar 2020: location "L1" is used under 2 institutions, ' +
      '"I1" in 1 row (row 1 (line 2)) and "I2" in 1 row (row 2 (line 3)); in a schooljaar a location belongs to one institution (3a 3.3: students nested in locations, locations in institutions))',
  },
];

test("reproduce on a raw folder with each defect: the message's first line, exit 1, the previous outputs intact, no partial folder", { skip }, () => {
  const scratch = mkdtempSync(join(tmpdir(), "kansen-defects-"));
  const cache = join(scratch, "cache");
  mkdirSync(cache);
  const out = join(scratch, "outputs");
  mkdirSync(join(out, "tables"), { recursive: true });
  writeFileSync(join(out, "report.html"), "the previous run's report");
  writeFileSync(join(out, "tables", "tabel-1.csv"), "a,b\n1,2\n");
  for (const defect of DEFECTS) {
    const dir = base();
    defect.make(dir);
    const run = reproduce(["--data", dir, "--out", out], cache);
    assert.equal(run.status, 1, `${defect.name}\n${run.stderr}`);
    const first = defect.first.replace(/DIR/g, dir);
    assert.ok(run.stderr.split("\n").includes(`reproduce: ${first}`), `${defect.name}: expected the line\nreproduce: ${first}\nin\n${run.stderr}`);
    assert.match(run.stderr, /the data was rejected: nothing was written; .*outputs is untouched/, defect.name);
    assert.equal(readFileSync(join(out, "report.html"), "utf8"), "the previous run's report", defect.name);
    assert.equal(readFileSync(join(out, "tables", "tabel-1.csv"), "utf8"), "a,b\n1,2\n", defect.name);
    assert.deepEqual(readdirSync(scratch).sort(), ["cache", "outputs"], `${defect.name}: no outputs.partial-* or outputs.previous-* folder`);
  }
});

test("a valid folder with scores with decimals, a location handed over between years and odd codes runs every chapter", { skip }, () => {
  const scratch = mkdtempSync(join(tmpdir(), "kansen-contract-e2e-"));
  const cache = join(scratch, "cache");
  mkdirSync(cache);
  const data = join(scratch, "duo");
  mkdirSync(data);
  const facts = writeContractFolder({ dir: data });
  assert.ok(facts.fractionalCitoRange > 0 && facts.testAfter2019 > 0);
  const out = join(scratch, "outputs");
  const run = reproduce(["--data", data, "--out", out, "--cell-timeout", "900"], cache);
  const tail = run.stderr.split("\n").slice(-40).join("\n");
  assert.equal(run.status, 0, tail);
  assert.ok(existsSync(join(out, "report.html")), tail);
  // every chapter the runner executes (the model notebook once per outcome)
  const chapters = chapterRuns({ outcomes: ["doorstroom", "vsv"], years: [2020, 2021], reference: PUBLISHED_REFERENCE }).map((c) => `${c.name}.ipynb`);
  assert.deepEqual(readdirSync(join(out, "notebooks")).sort(), chapters.sort(), "every chapter ran");
  // the selection flow tables carry the warnings of the odd values
  const flow = readFileSync(join(out, "tables", "selectie-doorstroom-2020.csv"), "utf8");
  assert.match(flow, /let op: eindtoetsscore tussen 500 en 550 met decimalen \(de citotoets kent alleen hele scores\): \d+ studenten/);
  assert.match(readFileSync(join(out, "tables", "selectie-vsv-2021.csv"), "utf8"), /let op: nieuwe vsv'er 2021 die op 1 oktober 2021 in het mbo of hbo ingeschreven staat/);
  assert.deepEqual(readdirSync(scratch).sort(), ["cache", "duo", "outputs"], "no partial folder left");
});
