import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Population } from "../../src/data/synthetic/population";
import { makeCreboTable, makeSchools, type CreboTable } from "../../src/data/synthetic/schools";
import { Xoshiro128 } from "../../src/data/synthetic/prng";
import { nieuweVsver, startpopulatie, studentHeader, writeOrder, writePopulation } from "../../src/data/synthetic/write";

function tinyPopulation(crebos: CreboTable): Population {
  const pop = new Population(4);
  // a: level-2 student enrolled 2018-2019, diploma 2019, then level 3 in 2020 (doorstroom)
  const a = pop.add();
  pop.toetsScore[a] = 531;
  pop.toetsJaar[a] = 2012;
  const c2 = crebos.pick(new Xoshiro128(1), 2, 0);
  const c3 = crebos.pick(new Xoshiro128(1), 3, 0);
  pop.enrol(a, 2018, c2, 0, 5, 0, 17);
  pop.enrol(a, 2019, c2, 0, 5, 0, 18);
  pop.setDiploma(a, 2019, 2);
  pop.enrol(a, 2020, c3, 0, 5, 0, 19);
  // b: enrolled 2019 only, aged 17, no diploma: a new vsv'er in 2020
  const b = pop.add();
  pop.toetsScore[b] = -1;
  pop.migratie[b] = -1;
  pop.enrol(b, 2019, c2, 1, 7, 1, 17);
  return pop;
}

test("startpopulatie and nieuwe_vsver follow the career", () => {
  const crebos = makeCreboTable();
  const pop = tinyPopulation(crebos);
  assert.equal(startpopulatie(pop, 0, 2018), true);
  assert.equal(nieuweVsver(pop, 0, 2018), false); // still enrolled in 2019
  assert.equal(startpopulatie(pop, 0, 2019), false); // diploma in 2019 (this population's rule)
  assert.equal(startpopulatie(pop, 0, 2020), false); // holds a level-2 diploma: startkwalificatie
  assert.equal(startpopulatie(pop, 1, 2019), true);
  assert.equal(nieuweVsver(pop, 1, 2019), true); // left without a diploma
  pop.vsvNew[pop.slot(1, 2019)] = 0; // an exception set by the generator wins
  assert.equal(nieuweVsver(pop, 1, 2019), false);
});

test("writePopulation: the wide row, and nothing half-written when writing fails", () => {
  const dir = mkdtempSync(join(tmpdir(), "kansen-write-"));
  try {
    const crebos = makeCreboTable();
    const schools = makeSchools(new Xoshiro128(2), 62, 585);
    const pop = tinyPopulation(crebos);
    const order = writeOrder(new Xoshiro128(3), pop.n);
    writePopulation(dir, pop, schools, crebos, Int32Array.from([0, 1]), "{}");
    const lines = readFileSync(join(dir, "studenten.csv"), "utf8").trim().split("\n");
    assert.equal(lines[0], studentHeader());
    const header = lines[0].split(",");
    const row = lines[1].split(",");
    assert.equal(row.length, header.length);
    const at = (c: string): string => row[header.indexOf(c)];
    assert.equal(at("id"), "S0000001");
    assert.equal(at("eindtoets_score"), "531");
    assert.equal(at("locatie_2018"), ""); // locations only from 2019
    assert.equal(at("locatie_2019"), schools.locationCodes[5]);
    assert.equal(at("diploma_2019"), "1");
    assert.equal(at("diploma_niveau_2019"), "2");
    assert.equal(at("crebo_2021"), "");
    assert.equal(at("ho_2021"), "0");
    const row2 = lines[2].split(",");
    assert.equal(row2[header.indexOf("migratieachtergrond")], "");
    assert.equal(row2[header.indexOf("leerweg_2019")], "BBL");
    const vsv = readFileSync(join(dir, "vsv.csv"), "utf8").trim().split("\n");
    assert.deepEqual(vsv, ["id,jaar,startpopulatie,nieuwe_vsver", "S0000001,2019,1,0", "S0000001,2020,0,0", "S0000001,2021,0,0", "S0000002,2020,1,1"]);
    assert.equal(order.length, 2);

    // A failure while writing removes the temporary files and leaves the earlier files as they were.
    writeFileSync(join(dir, "studenten.csv"), "previous\n");
    const broken = { ...crebos, code: new Proxy(crebos.code as string[], { get: () => { throw new Error("disk full"); } }) };
    assert.throws(() => writePopulation(dir, pop, schools, broken, order, "{}"), /disk full/);
    assert.equal(readFileSync(join(dir, "studenten.csv"), "utf8"), "previous\n");
    assert.deepEqual(readdirSync(dir).filter((f) => f.includes(".tmp-")), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
