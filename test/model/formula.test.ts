import { test } from "node:test";
import assert from "node:assert/strict";
import { FormulaError, formulaColumns, parseFormula, tokenize } from "../../src/model/formula";

/** The parse as plain data that is easy to compare: fixed part, then each random term as "lhs | group". */
function summary(formula: string): { intercept: boolean; fixed: string[]; random: string[] } {
  const p = parseFormula(formula);
  return {
    intercept: p.fixed.intercept,
    fixed: p.fixed.terms.map((t) => t.variable),
    random: p.random.map((r) => `${[r.lhs.intercept ? "1" : "0", ...r.lhs.terms.map((t) => t.variable)].join("+")} | ${r.group}`),
  };
}

function assertFormulaError(formula: string, position: number, token: string, reason: RegExp): void {
  assert.throws(
    () => parseFormula(formula),
    (e: unknown) => {
      assert.ok(e instanceof FormulaError, `expected a FormulaError for ${formula}, got ${String(e)}`);
      assert.equal(e.position, position, `position for ${formula}: ${e.message}`);
      assert.equal(e.token, token, `token for ${formula}`);
      assert.match(e.reason, reason);
      assert.match(e.message, new RegExp(`position ${position}`));
      return true;
    },
  );
}

test("tokenizer: names with dots and underscores, backticks, numbers, the double bar", () => {
  const tokens = tokenize("cbind(a.b, `x y`) ~ 0 + niet_westers + (1 + x || g)");
  assert.deepEqual(
    tokens.map((t) => `${t.kind}:${t.text}@${t.position}`),
    [
      "name:cbind@0", "(:(@5", "name:a.b@6", ",:,@9", "name:x y@11", "):)@16", "~:~@18", "number:0@20", "+:+@22",
      "name:niet_westers@24", "+:+@37", "(:(@39", "number:1@40", "+:+@42", "name:x@44", "||:||@46", "name:g@49",
      "):)@50", "end:@51",
    ],
  );
});

test("fixed part: main effects in order, repeated terms once, '- x' removes a term", () => {
  assert.deepEqual(summary("y ~ a + b + c"), { intercept: true, fixed: ["a", "b", "c"], random: [] });
  assert.deepEqual(summary("y ~ a + b + a"), { intercept: true, fixed: ["a", "b"], random: [] });
  assert.deepEqual(summary("y ~ a + b + c - b"), { intercept: true, fixed: ["a", "c"], random: [] });
  assert.deepEqual(summary("y ~ 1"), { intercept: true, fixed: [], random: [] });
  assert.deepEqual(summary("y~a+b"), { intercept: true, fixed: ["a", "b"], random: [] });
});

test("intercept switches: 0 +, - 1, + 0, + 1 (the last one written wins, as in R)", () => {
  assert.equal(summary("y ~ 0 + a").intercept, false);
  assert.equal(summary("y ~ a - 1").intercept, false);
  assert.equal(summary("y ~ a + 0").intercept, false);
  assert.equal(summary("y ~ -1 + a").intercept, false);
  assert.equal(summary("y ~ 0 + a + 1").intercept, true);
  assert.deepEqual(summary("y ~ a - 1").fixed, ["a"]);
});

test("random terms: (1 | g), (1 + x | g), (x | g) implies the intercept, (0 + x | g), (x - 1 | g)", () => {
  assert.deepEqual(summary("y ~ x + (1 | g)").random, ["1 | g"]);
  assert.deepEqual(summary("y ~ x + (1 + x | g)").random, ["1+x | g"]);
  assert.deepEqual(summary("y ~ x + (x | g)").random, ["1+x | g"]);
  assert.deepEqual(summary("y ~ x + (0 + x | g)").random, ["0+x | g"]);
  assert.deepEqual(summary("y ~ x + (x - 1 | g)").random, ["0+x | g"]);
  assert.deepEqual(summary("y ~ (1 | g) + x").fixed, ["x"]);
});

test("the model 2 formula of the analysis parses into two correlated-slope and intercept terms", () => {
  const s = summary(
    "doorstroom ~ migratie + ouders + geslacht + leeftijd + niveau + sector + leerweg + cito + cito_missing + citojaar + (1 + niet_westers | locatie) + (1 | instelling)",
  );
  assert.equal(s.fixed.length, 10);
  assert.deepEqual(s.random, ["1+niet_westers | locatie", "1 | instelling"]);
});

test("nesting: (1 | a/b) is (1 | b:a) + (1 | a), named as lme4's expandSlash names them; a/b/c three terms", () => {
  assert.deepEqual(summary("y ~ 1 + (1 | instelling/locatie)").random, ["1 | locatie:instelling", "1 | instelling"]);
  assert.deepEqual(summary("y ~ 1 + (1 | a/b/c)").random, ["1 | c:b:a", "1 | b:a", "1 | a"]);
  const p = parseFormula("y ~ (1 | a/b)");
  assert.deepEqual(p.random[0].groupFactors, ["b", "a"]);
});

test("grouping by an interaction a:b", () => {
  const p = parseFormula("y ~ (1 | a:b)");
  assert.deepEqual(p.random[0].groupFactors, ["a", "b"]);
  assert.equal(p.random[0].group, "a:b");
});

test("double bar: uncorrelated terms, one per column (lme4's expandDoubleVerts)", () => {
  assert.deepEqual(summary("y ~ (1 + x || g)").random, ["1 | g", "0+x | g"]);
  assert.deepEqual(summary("y ~ (x + z || g)").random, ["1 | g", "0+x | g", "0+z | g"]);
  assert.deepEqual(summary("y ~ (0 + x + z || g)").random, ["0+x | g", "0+z | g"]);
  assert.deepEqual(summary("y ~ (1 + x || a/b)").random, ["1 | b:a", "0+x | b:a", "1 | a", "0+x | a"]);
});

test("responses: a column, cbind(successes, failures), cbind with differences of columns", () => {
  const plain = parseFormula("vsv ~ 1");
  assert.deepEqual(plain.response, { kind: "column", text: "vsv", column: "vsv", position: 0 });
  const cb = parseFormula("cbind(incidence, size - incidence) ~ period + (1 | herd)");
  assert.equal(cb.response.kind, "cbind");
  if (cb.response.kind === "cbind") {
    assert.equal(cb.response.text, "cbind(incidence, size - incidence)");
    assert.deepEqual(cb.response.successes.parts, [{ sign: 1, column: "incidence" }]);
    assert.deepEqual(cb.response.failures.parts, [
      { sign: 1, column: "size" },
      { sign: -1, column: "incidence" },
    ]);
    assert.equal(cb.response.failures.text, "size - incidence");
  }
  assert.deepEqual(formulaColumns(cb), ["incidence", "size", "period", "herd"]);
});

test("backtick-quoted names hold any character", () => {
  const p = parseFormula("`y 1` ~ `2019` + (1 | `school code`)");
  assert.equal(p.response.kind === "column" && p.response.column, "y 1");
  assert.deepEqual(p.fixed.terms.map((t) => t.variable), ["2019"]);
  assert.equal(p.random[0].group, "school code");
});

test("syntax errors carry the position and the offending token", () => {
  assertFormulaError("y ~ a + (1 | g", 14, "", /never closed/);
  assertFormulaError("y ~ a b", 6, "b", /expected an operator/);
  assertFormulaError("y ~ a + + ", 10, "", /ends where a term was expected/);
  assertFormulaError("y ~ a + )", 8, ")", /expected a term/);
  assertFormulaError("~ x", 0, "~", /no response/);
  assertFormulaError("y x", 2, "x", /expected '~'/);
  assertFormulaError("y ~ a ~ b", 6, "~", /exactly one '~'/);
  assertFormulaError("y ~ a $ b", 6, "$", /unexpected character/);
  assertFormulaError("y ~ `a", 4, "`", /unterminated/);
  assertFormulaError("y ~ 2x", 4, "2x", /cannot start with a digit/);
  assertFormulaError("y ~", 3, "", /nothing after '~'/);
  assertFormulaError("y ~ ()", 5, ")", /empty parentheses/);
  assertFormulaError("y ~ a)", 5, ")", /unmatched/);
});

test("unsupported constructs are rejected with a reason, not misread", () => {
  assertFormulaError("y ~ a:b", 5, ":", /interactions \('a:b'\) are not supported in the fixed part/);
  assertFormulaError("y ~ a*b + c", 5, "*", /interactions \('a\*b'\) are not supported/);
  assertFormulaError("y ~ (a + b)^2", 11, "^", /interactions \('\(a \+ b\)\^2'\) are not supported/);
  assertFormulaError("y ~ (a + b)", 4, "(", /parentheses around fixed terms/);
  assertFormulaError("y ~ log(x)", 4, "log", /function calls \('log\(\)'\)/);
  assertFormulaError("y ~ .", 4, ".", /'\.' shorthand/);
  assertFormulaError("y ~ a + 2", 8, "2", /only be 0 or 1/);
  assertFormulaError("y ~ a + 1 | g", 10, "|", /must be in parentheses/);
  assertFormulaError("y ~ a - (1 | g)", 8, "(", /cannot be removed/);
  assertFormulaError("y ~ (0 | g)", 5, "0", /needs at least one column or an intercept/);
  assertFormulaError("y ~ (1 + a:b | g)", 10, ":", /interactions .* left-hand side of a random-effects term/);
  assertFormulaError("y ~ (1 | g + h)", 11, "+", /'\+' is not allowed here/);
  assertFormulaError("y ~ (1 | g | h)", 11, "|", /one '\|'|'\|' is not allowed/);
  assertFormulaError("log(y) ~ x", 0, "log", /unsupported function 'log\(\)' in the response/);
  assertFormulaError("cbind(s) ~ x", 0, "cbind", /exactly two arguments/);
  assertFormulaError("cbind(s, log(f)) ~ x", 9, "log", /only column names and numbers/);
  assertFormulaError("y ~ a - 0", 8, "0", /'- 0' is not supported/);
});

test("the error message shows the formula with a caret under the offending token", () => {
  try {
    parseFormula("y ~ a + (1 | g");
    assert.fail("expected an error");
  } catch (e) {
    assert.ok(e instanceof FormulaError);
    const lines = e.message.split("\n");
    assert.equal(lines[1], "  y ~ a + (1 | g");
    assert.equal(lines[2], `  ${" ".repeat(14)}^`);
  }
});
