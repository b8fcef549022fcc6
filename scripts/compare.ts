/**
 * npm run compare -- OUTDIR_A OUTDIR_B [--json] [--max N] [--tolerance R]
 * Lists, per table, the cells that changed between two runs and by how much, and the manifest fields
 * that differ (see src/audit/compare-runs.ts). --tolerance R: numbers within a relative R of each
 * other count as unchanged (default 0, exact).
 */
import { compareRuns, formatRunComparison } from "../src/audit/compare-runs";

function main(argv: string[]): number {
  const dirs = argv.filter((a) => !a.startsWith("--"));
  const json = argv.includes("--json");
  const maxIdx = argv.indexOf("--max");
  const max = maxIdx >= 0 ? Number(argv[maxIdx + 1]) : 40;
  if (maxIdx >= 0) dirs.splice(dirs.indexOf(argv[maxIdx + 1] ?? ""), 1);
  const tolIdx = argv.indexOf("--tolerance");
  const tolerance = tolIdx >= 0 ? Number(argv[tolIdx + 1]) : 0;
  if (tolIdx >= 0) dirs.splice(dirs.indexOf(argv[tolIdx + 1] ?? ""), 1);
  if (dirs.length !== 2 || !Number.isFinite(max) || !(tolerance >= 0)) {
    process.stderr.write("usage: npm run compare -- OUTDIR_A OUTDIR_B [--json] [--max N] [--tolerance R]\n");
    return 2;
  }
  try {
    const result = compareRuns(dirs[0]!, dirs[1]!, { tolerance });
    process.stdout.write(json ? JSON.stringify(result, null, 2) + "\n" : formatRunComparison(result, max) + "\n");
    return 0;
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    return 1;
  }
}

process.exitCode = main(process.argv.slice(2));
