/**
 * lme4 model formulas: a tokenizer, a recursive-descent parser and the expansion into fixed and
 * random-effects terms (lme4's `findbars` / `nobars` / `expandSlash` / `expandDoubleVerts`).
 *
 * Supported (what the Rekenkamer models and lme4's own examples need):
 *   response    y                     a 0/1 (or TRUE/FALSE) column
 *               cbind(s, f)           successes and failures; each argument a sum/difference of
 *                                      columns and numbers, e.g. cbind(incidence, size - incidence)
 *   fixed part  a + b                 main effects of numeric and factor columns; `- b` removes a term
 *               1, 0 + ..., ... - 1, ... + 0   intercept on / off (the last one written wins, as in R)
 *   random part (1 | g)  (1 + x | g)  (x | g)  (0 + x | g)   one term, unstructured covariance
 *               (1 + x || g)          uncorrelated: (1 | g) + (0 + x | g)
 *               (1 | a/b)             nesting: (1 | b:a) + (1 | a), named as lme4 names them
 *               (1 | a:b)             grouping by the interaction of a and b
 *
 * Not supported, and rejected with a message saying so: interactions in the fixed part (`a:b`, `a*b`,
 * `(a + b)^2`), function calls other than cbind (`log(x)`, `factor(x)`), the `.` shorthand, offsets.
 * Every error carries the 0-based character position and the offending token.
 *
 * Operator precedence follows R (lowest first): `~`, `|` `||`, `+` `-`, `*` `/`, `:`, unary `-` `+`,
 * `^`; so `(1 + x | g)` is `((1 + x) | g)` and `a/b:c` is `a/(b:c)`.
 */

/** A malformed or unsupported formula; `position` is the 0-based character offset of `token`. */
export class FormulaError extends Error {
  constructor(
    readonly reason: string,
    readonly formula: string,
    readonly position: number,
    readonly token: string,
  ) {
    super(
      `formula error at position ${position} (${token === "" ? "end of formula" : `'${token}'`}): ${reason}\n` +
        `  ${formula}\n  ${" ".repeat(Math.max(0, Math.min(position, formula.length)))}^`,
    );
    this.name = "FormulaError";
  }
}

// ---------------------------------------------------------------------------------------------------
// Tokens

export type TokenKind =
  | "name"
  | "number"
  | "~"
  | "+"
  | "-"
  | "*"
  | "/"
  | ":"
  | "^"
  | "|"
  | "||"
  | "("
  | ")"
  | ","
  | "end";

export interface Token {
  readonly kind: TokenKind;
  /** The text as written (for names: without backticks). */
  readonly text: string;
  readonly position: number;
}

const SINGLE_CHAR: Readonly<Record<string, TokenKind>> = {
  "~": "~",
  "+": "+",
  "-": "-",
  "*": "*",
  "/": "/",
  ":": ":",
  "^": "^",
  "(": "(",
  ")": ")",
  ",": ",",
};

function isNameStart(c: string): boolean {
  return /[A-Za-z_.\u00C0-\uFFFF]/.test(c);
}

function isNameChar(c: string): boolean {
  return /[A-Za-z0-9_.\u00C0-\uFFFF]/.test(c);
}

/** Splits a formula into tokens; R identifiers (letters, digits, `.`, `_`) and `backtick quoted` names. */
export function tokenize(formula: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < formula.length) {
    const c = formula[i];
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      i++;
      continue;
    }
    if (c === "|") {
      if (formula[i + 1] === "|") {
        tokens.push({ kind: "||", text: "||", position: i });
        i += 2;
      } else {
        tokens.push({ kind: "|", text: "|", position: i });
        i++;
      }
      continue;
    }
    const single = SINGLE_CHAR[c];
    if (single !== undefined) {
      tokens.push({ kind: single, text: c, position: i });
      i++;
      continue;
    }
    if (c === "`") {
      const close = formula.indexOf("`", i + 1);
      if (close < 0) throw new FormulaError("unterminated backtick-quoted name", formula, i, "`");
      if (close === i + 1) throw new FormulaError("empty backtick-quoted name", formula, i, "``");
      tokens.push({ kind: "name", text: formula.slice(i + 1, close), position: i });
      i = close + 1;
      continue;
    }
    // A number: digits with an optional fraction and exponent (a leading "." followed by a digit too).
    if (/[0-9]/.test(c) || (c === "." && /[0-9]/.test(formula[i + 1] ?? ""))) {
      const m = /^(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/.exec(formula.slice(i));
      const text = m === null ? c : m[0];
      if (isNameChar(formula[i + text.length] ?? " ") && formula[i + text.length] !== ".") {
        throw new FormulaError(
          "a name cannot start with a digit; quote it with backticks, e.g. `2019`",
          formula,
          i,
          formula.slice(i).split(/[^A-Za-z0-9_.]/)[0],
        );
      }
      tokens.push({ kind: "number", text, position: i });
      i += text.length;
      continue;
    }
    if (isNameStart(c)) {
      let j = i + 1;
      while (j < formula.length && isNameChar(formula[j])) j++;
      tokens.push({ kind: "name", text: formula.slice(i, j), position: i });
      i = j;
      continue;
    }
    throw new FormulaError(`unexpected character '${c}'`, formula, i, c);
  }
  tokens.push({ kind: "end", text: "", position: formula.length });
  return tokens;
}

// ---------------------------------------------------------------------------------------------------
// Expression tree

export type Expr =
  | { readonly type: "name"; readonly name: string; readonly position: number }
  | { readonly type: "number"; readonly value: number; readonly text: string; readonly position: number }
  | {
      readonly type: "binary";
      readonly op: "+" | "-" | "*" | "/" | ":" | "^" | "|" | "||";
      readonly left: Expr;
      readonly right: Expr;
      readonly position: number;
    }
  | { readonly type: "unary"; readonly op: "+" | "-"; readonly operand: Expr; readonly position: number }
  | { readonly type: "paren"; readonly inner: Expr; readonly position: number }
  | { readonly type: "call"; readonly fn: string; readonly args: readonly Expr[]; readonly position: number };

/** Recursive-descent parser over the token list; one method per precedence level. */
class Parser {
  private index = 0;
  constructor(
    private readonly formula: string,
    private readonly tokens: readonly Token[],
  ) {}

  private peek(): Token {
    return this.tokens[this.index];
  }

  private next(): Token {
    const t = this.tokens[this.index];
    if (t.kind !== "end") this.index++;
    return t;
  }

  private fail(reason: string, token: Token = this.peek()): never {
    throw new FormulaError(reason, this.formula, token.position, token.text);
  }

  private expect(kind: TokenKind, what: string): Token {
    const t = this.peek();
    if (t.kind !== kind) this.fail(`expected ${what}`, t);
    return this.next();
  }

  /** formula := expr '~' expr end */
  parseFormula(): { lhs: Expr; rhs: Expr; tilde: Token } {
    if (this.peek().kind === "~") this.fail("the formula has no response: write 'y ~ ...'");
    const lhs = this.parseBar();
    const tilde = this.peek();
    if (tilde.kind !== "~") this.fail(tilde.kind === "end" ? "expected '~' after the response" : "expected '~'");
    this.next();
    if (this.peek().kind === "end") this.fail("nothing after '~': write at least '1'");
    const rhs = this.parseBar();
    const rest = this.peek();
    if (rest.kind === "~") this.fail("a formula has exactly one '~'", rest);
    if (rest.kind === ")") this.fail("unmatched ')'", rest);
    if (rest.kind !== "end") this.fail("expected an operator (+, -, :, *, /, |) or the end of the formula", rest);
    return { lhs, rhs, tilde };
  }

  /** bar := sum (('|' | '||') sum)*  (lowest precedence inside a formula side) */
  private parseBar(): Expr {
    let left = this.parseSum();
    for (;;) {
      const t = this.peek();
      if (t.kind !== "|" && t.kind !== "||") return left;
      this.next();
      const right = this.parseSum();
      left = { type: "binary", op: t.kind, left, right, position: t.position };
    }
  }

  /** sum := product (('+' | '-') product)* */
  private parseSum(): Expr {
    let left = this.parseProduct();
    for (;;) {
      const t = this.peek();
      if (t.kind !== "+" && t.kind !== "-") return left;
      this.next();
      const right = this.parseProduct();
      left = { type: "binary", op: t.kind, left, right, position: t.position };
    }
  }

  /** product := interaction (('*' | '/') interaction)* */
  private parseProduct(): Expr {
    let left = this.parseInteraction();
    for (;;) {
      const t = this.peek();
      if (t.kind !== "*" && t.kind !== "/") return left;
      this.next();
      const right = this.parseInteraction();
      left = { type: "binary", op: t.kind, left, right, position: t.position };
    }
  }

  /** interaction := unary (':' unary)* */
  private parseInteraction(): Expr {
    let left = this.parseUnary();
    for (;;) {
      const t = this.peek();
      if (t.kind !== ":") return left;
      this.next();
      const right = this.parseUnary();
      left = { type: "binary", op: ":", left, right, position: t.position };
    }
  }

  /** unary := ('-' | '+') unary | power */
  private parseUnary(): Expr {
    const t = this.peek();
    if (t.kind === "-" || t.kind === "+") {
      this.next();
      return { type: "unary", op: t.kind, operand: this.parseUnary(), position: t.position };
    }
    return this.parsePower();
  }

  /** power := primary ('^' unary)? */
  private parsePower(): Expr {
    const base = this.parsePrimary();
    const t = this.peek();
    if (t.kind !== "^") return base;
    this.next();
    return { type: "binary", op: "^", left: base, right: this.parseUnary(), position: t.position };
  }

  /** primary := name ['(' args ')'] | number | '(' bar ')' */
  private parsePrimary(): Expr {
    const t = this.peek();
    switch (t.kind) {
      case "name": {
        this.next();
        if (this.peek().kind !== "(") return { type: "name", name: t.text, position: t.position };
        this.next();
        const args: Expr[] = [];
        if (this.peek().kind !== ")") {
          args.push(this.parseBar());
          while (this.peek().kind === ",") {
            this.next();
            args.push(this.parseBar());
          }
        }
        this.expect(")", `')' to close ${t.text}(`);
        return { type: "call", fn: t.text, args, position: t.position };
      }
      case "number": {
        this.next();
        return { type: "number", value: Number(t.text), text: t.text, position: t.position };
      }
      case "(": {
        this.next();
        if (this.peek().kind === ")") this.fail("empty parentheses");
        const inner = this.parseBar();
        const close = this.peek();
        if (close.kind !== ")") {
          this.fail(close.kind === "end" ? "unbalanced parentheses: '(' is never closed" : "expected ')'", close);
        }
        this.next();
        return { type: "paren", inner, position: t.position };
      }
      case "end":
        return this.fail("the formula ends where a term was expected");
      default:
        return this.fail(`expected a term (a column name, 0, 1 or '('), not '${t.text}'`);
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// The model: response, fixed part, random-effects terms

/** A sum of columns and constants, e.g. `size - incidence` (used inside cbind). */
export interface LinearCombination {
  readonly text: string;
  readonly parts: readonly ({ readonly sign: 1 | -1; readonly column: string } | { readonly sign: 1 | -1; readonly constant: number })[];
}

export type ResponseSpec =
  | { readonly kind: "column"; readonly text: string; readonly column: string; readonly position: number }
  | {
      readonly kind: "cbind";
      readonly text: string;
      readonly successes: LinearCombination;
      readonly failures: LinearCombination;
      readonly position: number;
    };

/** One main-effect term of a model matrix: a data column, numeric or factor. */
export interface VariableTerm {
  readonly variable: string;
  /** Where the term is written in the formula (for error messages). */
  readonly position: number;
}

/** The right-hand side of a model matrix, as R's `terms()` sees it: intercept flag + ordered main effects. */
export interface ModelMatrixSpec {
  readonly intercept: boolean;
  readonly terms: readonly VariableTerm[];
}

/** One random-effects term after expansion of `/` and `||`: `(lhs | factor_1:...:factor_m)`. */
export interface RandomTermSpec {
  readonly lhs: ModelMatrixSpec;
  /** Data columns whose interaction is the grouping factor, in the order written. */
  readonly groupFactors: readonly string[];
  /** lme4's name for the grouping factor: the columns joined by ':' ("locatie", "b:a"). */
  readonly group: string;
  /** The term as written in the formula, e.g. "(1 + x || g)". */
  readonly source: string;
  readonly position: number;
}

export interface ParsedFormula {
  readonly text: string;
  readonly response: ResponseSpec;
  readonly fixed: ModelMatrixSpec;
  readonly random: readonly RandomTermSpec[];
}

/** The source text of an expression (from its first to its last token), for labels and messages. */
function sourceOf(formula: string, e: Expr): string {
  const [start, end] = extent(e);
  return formula.slice(start, end).trim();
}

function extent(e: Expr): [number, number] {
  switch (e.type) {
    case "name":
      return [e.position, e.position + e.name.length];
    case "number":
      return [e.position, e.position + e.text.length];
    case "binary": {
      const l = extent(e.left);
      const r = extent(e.right);
      return [Math.min(l[0], e.position), Math.max(r[1], e.position + e.op.length)];
    }
    case "unary":
      return [e.position, extent(e.operand)[1]];
    case "paren":
    case "call": {
      // The closing parenthesis follows the last argument (or the inner expression).
      const last = e.type === "paren" ? e.inner : e.args[e.args.length - 1];
      const end = last === undefined ? e.position + (e.type === "call" ? e.fn.length + 1 : 1) : extent(last)[1];
      return [e.position, end + 1];
    }
  }
}

/** A term of a sum together with the sign it carries ("- x" is x with sign -1). */
interface SignedTerm {
  readonly sign: 1 | -1;
  readonly expr: Expr;
}

/** Flattens a + b - c into signed terms, keeping the written order. */
function flattenSum(e: Expr, sign: 1 | -1, out: SignedTerm[]): SignedTerm[] {
  if (e.type === "binary" && (e.op === "+" || e.op === "-")) {
    flattenSum(e.left, sign, out);
    flattenSum(e.right, e.op === "-" ? ((-sign) as 1 | -1) : sign, out);
  } else if (e.type === "unary") {
    flattenSum(e.operand, e.op === "-" ? ((-sign) as 1 | -1) : sign, out);
  } else {
    out.push({ sign, expr: e });
  }
  return out;
}

class FormulaInterpreter {
  constructor(private readonly formula: string) {}

  private fail(reason: string, e: Expr | number, token?: string): never {
    const position = typeof e === "number" ? e : e.position;
    const text = token ?? (typeof e === "number" ? "" : tokenText(e));
    throw new FormulaError(reason, this.formula, position, text);
  }

  response(e: Expr): ResponseSpec {
    const text = sourceOf(this.formula, e);
    if (e.type === "name") {
      if (e.name === ".") this.fail("'.' is not a response", e);
      return { kind: "column", text, column: e.name, position: e.position };
    }
    if (e.type === "call" && e.fn === "cbind") {
      if (e.args.length !== 2) {
        this.fail(`cbind() takes exactly two arguments (successes, failures), got ${e.args.length}`, e, "cbind");
      }
      return {
        kind: "cbind",
        text,
        successes: this.linearCombination(e.args[0]),
        failures: this.linearCombination(e.args[1]),
        position: e.position,
      };
    }
    if (e.type === "paren") return this.response(e.inner);
    if (e.type === "call") {
      this.fail(`unsupported function '${e.fn}()' in the response; use a 0/1 column or cbind(successes, failures)`, e, e.fn);
    }
    return this.fail("the response must be a column name or cbind(successes, failures)", e);
  }

  /** `a`, `n - a`, `10 - a + b`: columns and numbers joined by + and -. */
  private linearCombination(e: Expr): LinearCombination {
    const parts = flattenSum(e, 1, []).map(({ sign, expr }) => {
      if (expr.type === "name") return { sign, column: expr.name };
      if (expr.type === "number") return { sign, constant: expr.value };
      if (expr.type === "paren") {
        return this.fail("parentheses inside cbind() are not supported; write e.g. cbind(s, n - s)", expr);
      }
      return this.fail("inside cbind() only column names and numbers joined by + and - are supported", expr);
    });
    return { text: sourceOf(this.formula, e), parts };
  }

  /** The right-hand side: intercept, main effects and bar terms, in the order written. */
  rhs(e: Expr): { fixed: ModelMatrixSpec; random: RandomTermSpec[] } {
    let intercept = true;
    const terms: VariableTerm[] = [];
    const random: RandomTermSpec[] = [];
    for (const { sign, expr } of flattenSum(e, 1, [])) {
      if (expr.type === "paren" && expr.inner.type === "binary" && (expr.inner.op === "|" || expr.inner.op === "||")) {
        if (sign < 0) this.fail("a random-effects term cannot be removed with '-'", expr, "(");
        random.push(...this.randomTerm(expr, expr.inner));
        continue;
      }
      if (expr.type === "binary" && (expr.op === "|" || expr.op === "||")) {
        this.fail(`a random-effects term must be in parentheses, e.g. (1 ${expr.op} g)`, expr.position, expr.op);
      }
      const intercepts = this.interceptToken(expr, sign);
      if (intercepts !== undefined) {
        intercept = intercepts;
        continue;
      }
      const variable = this.mainEffect(expr, "fixed part");
      const at = terms.findIndex((t) => t.variable === variable.variable);
      if (sign > 0) {
        if (at < 0) terms.push(variable); // R drops repeated terms
      } else if (at >= 0) {
        terms.splice(at, 1);
      }
    }
    return { fixed: { intercept, terms }, random };
  }

  /** `1` / `+1` turn the intercept on; `0` / `-1` turn it off; anything else is not an intercept token. */
  private interceptToken(expr: Expr, sign: 1 | -1): boolean | undefined {
    if (expr.type !== "number") return undefined;
    if (expr.value === 1) return sign > 0;
    if (expr.value === 0) {
      if (sign < 0) this.fail("'- 0' is not supported; write '+ 1' for an intercept", expr);
      return false;
    }
    return this.fail(`a number in a formula can only be 0 or 1 (intercept), not ${expr.text}`, expr);
  }

  /** A single data column; interactions, calls and nested parentheses are rejected with a reason. */
  private mainEffect(expr: Expr, where: string): VariableTerm {
    switch (expr.type) {
      case "name":
        if (expr.name === ".") this.fail("the '.' shorthand (all other columns) is not supported; name the columns", expr);
        return { variable: expr.name, position: expr.position };
      case "binary":
        if (expr.op === ":" || expr.op === "*" || expr.op === "^") {
          return this.fail(
            `interactions ('${sourceOf(this.formula, expr)}') are not supported in the ${where}; ` +
              "add the product as a column of the data and use that column",
            expr.position,
            expr.op,
          );
        }
        if (expr.op === "/") {
          return this.fail(`nesting '/' is only supported in a grouping factor, e.g. (1 | a/b), not in the ${where}`, expr.position, "/");
        }
        return this.fail(`unexpected '${expr.op}' in the ${where}`, expr.position, expr.op);
      case "call":
        return this.fail(
          `function calls ('${expr.fn}()') are not supported in the ${where}; add the transformed variable as a column`,
          expr,
          expr.fn,
        );
      case "paren":
        return this.fail(
          `parentheses around fixed terms are not supported in the ${where}; random-effects terms look like (1 | g)`,
          expr,
          "(",
        );
      case "number":
        return this.fail(`a number in a formula can only be 0 or 1 (intercept), not ${expr.text}`, expr);
      case "unary":
        return this.mainEffect(expr.operand, where);
    }
  }

  /** `(lhs | g)` or `(lhs || g)`, expanded over `/` nesting and, for `||`, into one term per column. */
  private randomTerm(paren: Expr & { type: "paren" }, bar: Expr & { type: "binary" }): RandomTermSpec[] {
    const source = sourceOf(this.formula, paren);
    if (bar.left.type === "binary" && (bar.left.op === "|" || bar.left.op === "||")) {
      this.fail("a random-effects term has one '|' (or '||')", bar.position, bar.op);
    }
    const lhs = this.randomLhs(bar.left);
    const groupings = this.nesting(bar.right);
    // lme4's expandDoubleVerts: (1 + x + z || g) = (1 | g) + (0 + x | g) + (0 + z | g).
    const parts: ModelMatrixSpec[] =
      bar.op === "||"
        ? [
            ...(lhs.intercept ? [{ intercept: true, terms: [] }] : []),
            ...lhs.terms.map((t) => ({ intercept: false, terms: [t] })),
          ]
        : [lhs];
    const out: RandomTermSpec[] = [];
    for (const factors of groupings) {
      for (const part of parts) {
        out.push({ lhs: part, groupFactors: factors, group: factors.join(":"), source, position: paren.position });
      }
    }
    return out;
  }

  private randomLhs(e: Expr): ModelMatrixSpec {
    let intercept = true;
    const terms: VariableTerm[] = [];
    for (const { sign, expr } of flattenSum(e, 1, [])) {
      const flag = this.interceptToken(expr, sign);
      if (flag !== undefined) {
        intercept = flag;
        continue;
      }
      if (expr.type === "binary" && (expr.op === "|" || expr.op === "||")) {
        this.fail("a random-effects term has one '|'", expr.position, expr.op);
      }
      const v = this.mainEffect(expr, "left-hand side of a random-effects term");
      const at = terms.findIndex((t) => t.variable === v.variable);
      if (sign > 0) {
        if (at < 0) terms.push(v);
      } else if (at >= 0) {
        terms.splice(at, 1);
      }
    }
    if (!intercept && terms.length === 0) {
      this.fail("a random-effects term needs at least one column or an intercept; (0 | g) is empty", e);
    }
    return { intercept, terms };
  }

  /**
   * The grouping factors of a bar term, innermost first (lme4's expandSlash):
   *   a       -> [a]
   *   a/b     -> [b:a, a]
   *   a/b/c   -> [c:b:a, b:a, a]
   */
  private nesting(e: Expr): string[][] {
    if (e.type === "paren") return this.nesting(e.inner);
    if (e.type === "binary" && e.op === "/") {
      const outer = this.nesting(e.left);
      const inner = this.interaction(e.right);
      return [[...inner, ...outer[0]], ...outer];
    }
    return [this.interaction(e)];
  }

  /** `a` or `a:b:c`: the columns whose interaction groups the observations. */
  private interaction(e: Expr): string[] {
    if (e.type === "name") {
      if (e.name === ".") this.fail("'.' cannot be a grouping factor", e);
      return [e.name];
    }
    if (e.type === "binary" && e.op === ":") return [...this.interaction(e.left), ...this.interaction(e.right)];
    if (e.type === "paren") return this.interaction(e.inner);
    if (e.type === "binary") {
      return this.fail(
        `a grouping factor is a column, an interaction a:b or a nesting a/b; '${e.op}' is not allowed here`,
        e.position,
        e.op,
      );
    }
    return this.fail("a grouping factor must be a column name (or a:b, a/b)", e);
  }
}

function tokenText(e: Expr): string {
  switch (e.type) {
    case "name":
      return e.name;
    case "number":
      return e.text;
    case "binary":
    case "unary":
      return e.op;
    case "paren":
      return "(";
    case "call":
      return e.fn;
  }
}

/** Parses an lme4 formula into response, fixed part and expanded random-effects terms. */
export function parseFormula(formula: string): ParsedFormula {
  const tokens = tokenize(formula);
  const { lhs, rhs } = new Parser(formula, tokens).parseFormula();
  const interpreter = new FormulaInterpreter(formula);
  const response = interpreter.response(lhs);
  const { fixed, random } = interpreter.rhs(rhs);
  return { text: formula.trim(), response, fixed, random };
}

/** Every data column a formula uses, in order of first appearance (response, fixed, random, groups). */
export function formulaColumns(parsed: ParsedFormula): string[] {
  const seen = new Set<string>();
  const add = (c: string): void => {
    seen.add(c);
  };
  if (parsed.response.kind === "column") add(parsed.response.column);
  else {
    for (const p of [...parsed.response.successes.parts, ...parsed.response.failures.parts]) {
      if ("column" in p) add(p.column);
    }
  }
  for (const t of parsed.fixed.terms) add(t.variable);
  for (const r of parsed.random) {
    for (const t of r.lhs.terms) add(t.variable);
    for (const g of r.groupFactors) add(g);
  }
  return [...seen];
}
