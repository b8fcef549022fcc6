import { test } from "node:test";
import assert from "node:assert/strict";
import { parseGlmmArgs, UsageError } from "../../src/cli/args";

const base = ["fit", "--data", "d.csv", "--formula", "y ~ x + (1 | g)"];

test("fit arguments: defaults, --flag value and --flag=value, repeatable --reference and --factor", () => {
  assert.deepEqual(parseGlmmArgs(base), {
    command: "fit",
    data: "d.csv",
    formula: "y ~ x + (1 | g)",
    json: false,
    reference: {},
    factors: [],
    se: "hessian",
    progress: false,
  });
  const a = parseGlmmArgs([
    "fit", "--formula=y ~ x", "--data=d.csv", "--json", "--se", "rx", "--reference", "niveau=3", "migratie=geen",
    "--reference=sector=handel_economie", "--factor", "niveau,citojaar", "--factor", "x", "--progress", "--max-iterations", "50",
    "--threads", "1",
  ]);
  assert.ok(a.command === "fit");
  assert.equal(a.formula, "y ~ x");
  assert.equal(a.json, true);
  assert.equal(a.se, "rx");
  assert.equal(a.progress, true);
  assert.equal(a.maxIterations, 50);
  assert.equal(a.threads, 1);
  assert.deepEqual(a.reference, { niveau: "3", migratie: "geen", sector: "handel_economie" });
  assert.deepEqual(a.factors, ["niveau", "citojaar", "x"]);
  // A level may itself contain '=' after the first one.
  assert.ok(parseGlmmArgs([...base, "--reference", "citojaar=>2014"]).command === "fit");
});

test("help", () => {
  assert.deepEqual(parseGlmmArgs(["--help"]), { command: "help" });
  assert.deepEqual(parseGlmmArgs(["fit", "-h"]), { command: "help" });
});

test("bad command lines are usage errors that say what is wrong", () => {
  const cases: [string[], RegExp][] = [
    [[], /no command/],
    [["fitt", "--data", "d.csv"], /unknown command 'fitt'/],
    [["fit", "--formula", "y ~ 1"], /--data FILE.csv is required/],
    [["fit", "--data", "d.csv"], /--formula .* is required/],
    [[...base, "--se", "sandwich"], /--se must be 'hessian' or 'rx', got 'sandwich'/],
    [[...base, "--bogus"], /unknown option '--bogus'/],
    [[...base, "extra"], /unexpected argument 'extra'/],
    [["fit", "--data", "--formula", "y ~ 1"], /--data needs a value/],
    [[...base, "--reference", "niveau"], /--reference expects col=level .* got 'niveau'/],
    [[...base, "--reference", "niveau=3", "--reference", "niveau=1"], /two levels for 'niveau'/],
    [[...base, "--data", "e.csv"], /--data given twice/],
    [[...base, "--json=yes"], /--json takes no value/],
    [[...base, "--max-iterations", "0"], /positive whole number/],
    [[...base, "--threads", "4"], /--threads must be 1 or 2, got '4'/],
  ];
  for (const [argv, pattern] of cases) {
    assert.throws(() => parseGlmmArgs(argv), (e: unknown) => e instanceof UsageError && pattern.test(e.message), argv.join(" "));
  }
});
