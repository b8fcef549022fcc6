/**
 * The methodology index (issue 7, item 2): each methodological statement of bijlage 3a (section and a
 * short quote) mapped to the src/ functions that implement it, the tests that check it and the notebook
 * cells that show it; statements deliberately not implemented are listed with the reason.
 *
 * `checkMethodologyIndex` keeps it from going stale. It reports:
 *  - an entry naming a function that its module does not export (read with the TypeScript parser, not
 *    by searching text), a test name that no `test(...)`/`it(...)`/`describe(...)` call in that file
 *    carries, or a cell id/tag that is not in that notebook;
 *  - an exported function of the transforms and models (src/transform, src/glmm, src/stats,
 *    src/analysis) that no entry names and no reasoned exclusion covers.
 */
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import * as ts from "typescript";

export interface FunctionRef { readonly module: string; readonly name: string }
export interface TestRef { readonly file: string; readonly name: string }
export interface CellRef { readonly notebook: string; readonly cell: string }

export interface IndexStatement {
  readonly id: string;
  /** Section of bijlage 3a, e.g. "3.2". */
  readonly section: string;
  /** A short quote of the Dutch text. */
  readonly quote: string;
  /** One line in Dutch (the language of the report it is shown in): what the workspace does with it. */
  readonly summary: string;
  readonly implemented: boolean;
  /** Why not, when implemented is false. */
  readonly reason?: string;
  readonly functions?: readonly FunctionRef[];
  readonly tests?: readonly TestRef[];
  readonly cells?: readonly CellRef[];
}

export interface IndexExclusion extends FunctionRef { readonly reason: string }

export interface MethodologyIndex {
  readonly source: string;
  readonly statements: readonly IndexStatement[];
  /** Exported functions of the covered folders that implement no statement by themselves (helpers). */
  readonly exclusions: readonly IndexExclusion[];
}

/** The folders whose exported functions must each be named by the index. */
export const COVERED_FOLDERS = ["src/transform", "src/glmm", "src/stats", "src/analysis"] as const;

export function loadMethodologyIndex(path: string): MethodologyIndex {
  const value = JSON.parse(readFileSync(path, "utf8")) as MethodologyIndex;
  if (!Array.isArray(value.statements)) throw new Error(`${path}: "statements" must be an array`);
  if (!Array.isArray(value.exclusions)) throw new Error(`${path}: "exclusions" must be an array`);
  return value;
}

function parse(path: string): ts.SourceFile {
  return ts.createSourceFile(path, readFileSync(path, "utf8"), ts.ScriptTarget.ES2022, true);
}

function hasExport(node: ts.Node): boolean {
  return ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
}

/** Names a module exports (functions, classes, constants, re-exports), and which of them are functions. */
export function moduleExports(path: string): { all: Set<string>; functions: Set<string> } {
  const all = new Set<string>();
  const functions = new Set<string>();
  for (const st of parse(path).statements) {
    if (ts.isFunctionDeclaration(st) && st.name && hasExport(st)) {
      all.add(st.name.text);
      functions.add(st.name.text);
    } else if (ts.isClassDeclaration(st) && st.name && hasExport(st)) {
      all.add(st.name.text);
      functions.add(st.name.text);
    } else if (ts.isVariableStatement(st) && hasExport(st)) {
      for (const d of st.declarationList.declarations) {
        if (!ts.isIdentifier(d.name)) continue;
        all.add(d.name.text);
        if (d.initializer && (ts.isArrowFunction(d.initializer) || ts.isFunctionExpression(d.initializer))) functions.add(d.name.text);
      }
    } else if ((ts.isInterfaceDeclaration(st) || ts.isTypeAliasDeclaration(st) || ts.isEnumDeclaration(st)) && hasExport(st)) {
      all.add(st.name.text);
    } else if (ts.isExportDeclaration(st) && st.exportClause && ts.isNamedExports(st.exportClause)) {
      for (const el of st.exportClause.elements) all.add(el.name.text);
    }
  }
  return { all, functions };
}

/** Names of the tests in a test file: first string argument of test/it/describe calls. */
export function testNames(path: string): Set<string> {
  const names = new Set<string>();
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node)) {
      const callee = node.expression;
      const fn = ts.isIdentifier(callee) ? callee.text : ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) ? callee.expression.text : "";
      const arg = node.arguments[0];
      if ((fn === "test" || fn === "it" || fn === "describe") && arg && (ts.isStringLiteral(arg) || ts.isNoSubstitutionTemplateLiteral(arg))) names.add(arg.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(parse(path));
  return names;
}

/** Cell ids and tags of a notebook. */
export function notebookCellKeys(path: string): Set<string> {
  const nb = JSON.parse(readFileSync(path, "utf8")) as { cells?: { id?: string; metadata?: { tags?: string[] } }[] };
  const keys = new Set<string>();
  for (const cell of nb.cells ?? []) {
    if (cell.id) keys.add(cell.id);
    for (const tag of cell.metadata?.tags ?? []) keys.add(tag);
  }
  return keys;
}

function tsFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...tsFiles(full));
    else if (name.endsWith(".ts") && !name.endsWith(".d.ts")) out.push(full);
  }
  return out;
}

export interface IndexProblem {
  readonly statement: string;
  readonly message: string;
}

/** Every way the index disagrees with the code, tests and notebooks under `root`; empty when consistent. */
export function checkMethodologyIndex(index: MethodologyIndex, root: string): IndexProblem[] {
  const problems: IndexProblem[] = [];
  const exportsCache = new Map<string, ReturnType<typeof moduleExports>>();
  const testsCache = new Map<string, Set<string>>();
  const cellsCache = new Map<string, Set<string>>();
  const cached = <T>(cache: Map<string, T>, key: string, make: () => T): T => {
    let v = cache.get(key);
    if (v === undefined) { v = make(); cache.set(key, v); }
    return v;
  };
  const ids = new Set<string>();
  const named = new Set<string>();
  const checkFunction = (owner: string, f: FunctionRef): void => {
    const path = join(root, f.module);
    if (!existsSync(path)) { problems.push({ statement: owner, message: `module ${f.module} does not exist` }); return; }
    const ex = cached(exportsCache, path, () => moduleExports(path));
    if (!ex.all.has(f.name)) problems.push({ statement: owner, message: `${f.module} does not export ${f.name}` });
    named.add(`${f.module}#${f.name}`);
  };
  for (const s of index.statements) {
    if (ids.has(s.id)) problems.push({ statement: s.id, message: "duplicate statement id" });
    ids.add(s.id);
    if (!s.section || !s.quote) problems.push({ statement: s.id, message: "section and quote are required" });
    if (!s.implemented) {
      if (!s.reason) problems.push({ statement: s.id, message: "a statement that is not implemented needs a reason" });
    } else {
      if (!s.functions?.length) problems.push({ statement: s.id, message: "an implemented statement names at least one function" });
      if (!s.tests?.length) problems.push({ statement: s.id, message: "an implemented statement names at least one test" });
    }
    // References are checked whether or not the statement is implemented: a cell that shows why something
    // is not done goes stale as easily as one that shows how it is done.
    for (const f of s.functions ?? []) checkFunction(s.id, f);
    for (const t of s.tests ?? []) {
      const path = join(root, t.file);
      if (!existsSync(path)) { problems.push({ statement: s.id, message: `test file ${t.file} does not exist` }); continue; }
      if (!cached(testsCache, path, () => testNames(path)).has(t.name)) problems.push({ statement: s.id, message: `${t.file} has no test named "${t.name}"` });
    }
    for (const c of s.cells ?? []) {
      const path = join(root, c.notebook);
      if (!existsSync(path)) { problems.push({ statement: s.id, message: `notebook ${c.notebook} does not exist` }); continue; }
      if (!cached(cellsCache, path, () => notebookCellKeys(path)).has(c.cell)) problems.push({ statement: s.id, message: `${c.notebook} has no cell with id or tag "${c.cell}"` });
    }
  }
  for (const e of index.exclusions) {
    if (!e.reason) problems.push({ statement: "exclusions", message: `exclusion ${e.module}#${e.name} needs a reason` });
    checkFunction("exclusions", e);
  }
  for (const folder of COVERED_FOLDERS) {
    for (const file of tsFiles(join(root, folder))) {
      const module = file.slice(root.length + 1);
      for (const name of cached(exportsCache, file, () => moduleExports(file)).functions) {
        if (!named.has(`${module}#${name}`)) problems.push({ statement: "coverage", message: `${module} exports ${name}, which no entry names and no exclusion covers` });
      }
    }
  }
  return problems;
}

export function formatIndexProblems(problems: readonly IndexProblem[]): string {
  return problems.map((p) => `methodology index: ${p.statement}: ${p.message}`).join("\n");
}

/** How much of the index is implemented. */
export function indexCoverage(index: MethodologyIndex): { statements: number; implemented: number; notImplemented: number } {
  const implemented = index.statements.filter((s) => s.implemented).length;
  return { statements: index.statements.length, implemented, notImplemented: index.statements.length - implemented };
}
