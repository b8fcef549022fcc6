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

test("interval flags: --profile alone, with a value, or =value; --bootstrap N --seed S with its file, type and level", () => {
  const parse = (...extra: string[]) => parseGlmmArgs([...base, ...extra]) as Record<string, unknown>;
  assert.equal(parse("--profile").profile, "variance");
  assert.equal(parse("--profile", "--json").profile, "variance");
  assert.equal(parse("--profile", "--json").json, true);
  assert.equal(parse("--profile", "all").profile, "all");
  assert.equal(parse("--profile=all").profile, "all");
  assert.equal(parse("--profile", "variance").profile, "variance");
  const b = parse("--bootstrap", "200", "--seed", "42", "--bootstrap-file", "r.kboot", "--bootstrap-type", "basic", "--level", "0.9");
  assert.deepEqual([b.bootstrap, b.seed, b.bootstrapFile, b.bootstrapType, b.level], [200, 42, "r.kboot", "basic", 0.9]);
  assert.equal(parse("--ame-random-effects", "integrated").ameRandomEffects, "integrated");
  assert.equal(parse().profile, undefined);
  assert.equal(parse().bootstrap, undefined);
});

test("bad interval flags are usage errors that say what is wrong", () => {
  const cases: [string[], RegExp][] = [
    [[...base, "--profile=some"], /--profile takes variance or all, got 'some'/],
    [[...base, "--profile", "--profile"], /--profile given twice/],
    [[...base, "--bootstrap", "200"], /--bootstrap N needs --seed S/],
    [[...base, "--bootstrap", "0", "--seed", "1"], /--bootstrap must be a whole number from 1/],
    [[...base, "--bootstrap", "2.5", "--seed", "1"], /--bootstrap must be a whole number/],
    [[...base, "--bootstrap", "20", "--seed", "-1"], /--seed must be a whole number from 0 to 4294967295/],
    [[...base, "--seed", "1"], /--seed needs --bootstrap N/],
    [[...base, "--bootstrap-file", "f"], /--bootstrap-file needs --bootstrap N/],
    [[...base, "--bootstrap", "20", "--seed", "1", "--bootstrap-type", "bca"], /--bootstrap-type must be 'percentile', 'basic' or 'normal', got 'bca'/],
    [[...base, "--profile", "--level", "95"], /--level must be a number strictly between 0 and 1, got '95'/],
    [[...base, "--level", "0.9"], /--level needs --profile or --bootstrap N/],
    [[...base, "--ame-random-effects", "marginal"], /--ame-random-effects must be 'included', 'excluded' or 'integrated'/],
  ];
  for (const [argv, pattern] of cases) {
    assert.throws(() => parseGlmmArgs(argv), (e: unknown) => e instanceof UsageError && pattern.test(e.message), argv.join(" "));
  }
});
