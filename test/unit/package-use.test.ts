/**
 * environment.md's table "Where the named packages are used" stays true: for each of the five packages
 * the user named, the modules of src/ that import it are exactly the ones the table lists (strict: a new
 * import or a removed one fails until the table says so), and each notebook the table lists imports it
 * (tolerant: notebooks may import a package the table does not list for them). Imports are read with
 * the TypeScript parser (import and export declarations, require, require.resolve, import() and
 * import types), so a package named in a comment or a string does not count.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import ts from "typescript";

const ROOT = resolve(__dirname, "..", "..");
const NAMED = ["tslab", "danfojs-node", "plotly.js-dist", "ml-matrix", "jstat"] as const;

interface PackageRow {
  readonly name: string;
  /** src/ modules, or [] for "none". */
  readonly src: readonly string[];
  /** Notebooks (paths, or "notebooks/*.ipynb" for every one), or [] for "none". */
  readonly notebooks: readonly string[];
}

/** The rows of the table under the heading "## Where the named packages are used". */
function packageTable(markdown: string): PackageRow[] {
  const start = markdown.indexOf("## Where the named packages are used");
  assert.ok(start >= 0, "environment.md has no section '## Where the named packages are used'");
  const section = markdown.slice(start).split(/\n## /)[0];
  const rows: PackageRow[] = [];
  for (const line of section.split("\n")) {
    if (!line.startsWith("| `")) continue;
    const cells = line.split("|").slice(1, -1).map((c) => c.trim());
    const paths = (cell: string): string[] => (cell === "none" ? [] : [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]));
    rows.push({ name: cells[0].replace(/`/g, ""), src: paths(cells[1]), notebooks: paths(cells[2]) });
  }
  return rows;
}

/** The package a module specifier names: "plotly.js-dist/package.json" -> "plotly.js-dist", "@a/b/c" -> "@a/b". */
function packageOf(specifier: string): string | null {
  if (specifier.startsWith(".") || specifier.startsWith("/") || specifier.startsWith("node:")) return null;
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

/** The packages a piece of TypeScript imports, by any of the forms in the file comment. */
function importedPackages(source: string, fileName: string): Set<string> {
  const out = new Set<string>();
  const sf = ts.createSourceFile(fileName, source, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const add = (node: ts.Node | undefined): void => {
    if (node && ts.isStringLiteralLike(node)) {
      const p = packageOf(node.text);
      if (p) out.add(p);
    }
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) add(node.moduleSpecifier);
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) add(node.moduleReference.expression);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) add(node.argument.literal);
    else if (ts.isCallExpression(node)) {
      const e = node.expression;
      const isRequire = ts.isIdentifier(e) && e.text === "require";
      const isResolve = ts.isPropertyAccessExpression(e) && ts.isIdentifier(e.expression) && e.expression.text === "require" && e.name.text === "resolve";
      if (isRequire || isResolve || e.kind === ts.SyntaxKind.ImportKeyword) add(node.arguments[0]);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

function filesUnder(dir: string, suffix: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...filesUnder(path, suffix));
    else if (entry.endsWith(suffix)) out.push(path);
  }
  return out;
}

/** Per package, the src/ modules (repository-relative) that import it. */
function srcImports(root: string): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const file of filesUnder(join(root, "src"), ".ts")) {
    for (const p of importedPackages(readFileSync(file, "utf8"), file)) {
      if (!out.has(p)) out.set(p, new Set());
      out.get(p)!.add(relative(root, file));
    }
  }
  return out;
}

function notebookImports(path: string): Set<string> {
  const nb = JSON.parse(readFileSync(path, "utf8")) as { cells: { cell_type: string; source: string | string[] }[] };
  const code = nb.cells
    .filter((c) => c.cell_type === "code")
    .map((c) => (Array.isArray(c.source) ? c.source.join("") : c.source))
    .join("\n;\n");
  return importedPackages(code, path);
}

/** What is untrue in the table, one line each (empty when it is true). */
function tableProblems(rows: readonly PackageRow[], root: string): string[] {
  const problems: string[] = [];
  const actual = srcImports(root);
  for (const name of NAMED) {
    const row = rows.find((r) => r.name === name);
    if (!row) {
      problems.push(`environment.md: no row for ${name} in "Where the named packages are used"`);
      continue;
    }
    const listed = new Set(row.src);
    const importing = actual.get(name) ?? new Set<string>();
    for (const f of importing) if (!listed.has(f)) problems.push(`environment.md: ${f} imports ${name}, but the table does not list it`);
    for (const f of listed) if (!importing.has(f)) problems.push(`environment.md: the table lists ${f} for ${name}, but it does not import ${name}`);
    const notebooks = row.notebooks.flatMap((n) =>
      n === "notebooks/*.ipynb" ? readdirSync(join(root, "notebooks")).filter((f) => f.endsWith(".ipynb")).map((f) => `notebooks/${f}`) : [n],
    );
    for (const n of notebooks) {
      let imports: Set<string>;
      try {
        imports = notebookImports(join(root, n));
      } catch {
        problems.push(`environment.md: the table lists ${n} for ${name}, but there is no such notebook`);
        continue;
      }
      if (!imports.has(name)) problems.push(`environment.md: the table lists ${n} for ${name}, but it does not import ${name}`);
    }
  }
  return problems;
}

test("environment.md lists exactly the src/ modules that import each named package, and notebooks that do import it", () => {
  const rows = packageTable(readFileSync(join(ROOT, "environment.md"), "utf8"));
  const deps = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { dependencies: Record<string, string> }).dependencies;
  for (const name of NAMED) assert.ok(deps[name], `${name} is not a dependency in package.json`);
  const problems = tableProblems(rows, ROOT);
  assert.deepEqual(problems, [], `\n${problems.join("\n")}`);
  // The solver's packages are where environment.md says the issue wants them.
  assert.deepEqual(rows.find((r) => r.name === "ml-matrix")?.src, ["src/numeric/dense.ts"]);
  assert.deepEqual(rows.find((r) => r.name === "jstat")?.src, ["src/numeric/distributions.ts"]);
});

test("the check fails on an untrue table, naming the module and the package", () => {
  const rows = packageTable(readFileSync(join(ROOT, "environment.md"), "utf8"));
  const wrong = rows.map((r) => (r.name === "jstat" ? { ...r, src: ["src/numeric/dense.ts"] } : r.name === "tslab" ? { ...r, notebooks: ["notebooks/none.ipynb"] } : r));
  const problems = tableProblems(wrong.filter((r) => r.name !== "plotly.js-dist"), ROOT);
  assert.ok(problems.includes("environment.md: src/numeric/distributions.ts imports jstat, but the table does not list it"), problems.join("\n"));
  assert.ok(problems.includes("environment.md: the table lists src/numeric/dense.ts for jstat, but it does not import jstat"), problems.join("\n"));
  assert.ok(problems.includes("environment.md: the table lists notebooks/none.ipynb for tslab, but there is no such notebook"), problems.join("\n"));
  assert.ok(problems.includes(`environment.md: no row for plotly.js-dist in "Where the named packages are used"`), problems.join("\n"));
  // Imports are read from the syntax: comments and strings do not count, require.resolve and import types do.
  const found = importedPackages(
    ['// require("jstat")', 'const s = "ml-matrix";', 'type D = typeof import("danfojs-node");', 'const p = require.resolve("plotly.js-dist/package.json");', 'import * as t from "tslab";'].join("\n"),
    "x.ts",
  );
  assert.deepEqual([...found].sort(), ["danfojs-node", "plotly.js-dist", "tslab"]);
});
