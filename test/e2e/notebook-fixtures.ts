/** Notebooks written by the e2e tests (nbformat 4.5, tslab kernel), in a folder whose node_modules
 *  is the project's, so that cells can `import ... from "kansen-mbo/..."` as the real notebooks do. */
import { mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PROJECT_ROOT } from "../../src/config";

export interface FixtureCell {
  readonly id: string;
  readonly source: string;
  readonly tags?: readonly string[];
  readonly markdown?: boolean;
}

export function notebookFolder(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  symlinkSync(join(PROJECT_ROOT, "node_modules"), join(dir, "node_modules"), "dir");
  return dir;
}

export function writeNotebook(path: string, cells: readonly FixtureCell[]): string {
  const nb = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: "tslab", display_name: "TypeScript", language: "typescript" } },
    cells: cells.map((c) =>
      c.markdown
        ? { cell_type: "markdown", id: c.id, metadata: {}, source: c.source }
        : { cell_type: "code", id: c.id, metadata: c.tags ? { tags: c.tags } : {}, source: c.source, outputs: [], execution_count: null },
    ),
  };
  writeFileSync(path, JSON.stringify(nb, null, 1));
  return path;
}
