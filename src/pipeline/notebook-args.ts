/**
 * The flags of `npm run notebook` (scripts/notebook.sh -> scripts/notebook.ts). Only what a person
 * opening the notebooks needs: where the server listens, whether a browser opens, and which
 * configuration the kernels read; every other choice is made in notebooks/config.json or in a cell.
 */
import { resolve } from "node:path";

export const NOTEBOOK_USAGE = `usage: npm run notebook -- [options]

Installs what is missing (scripts/setup.sh: Debian's jupyter-notebook, npm ci, build, the tslab kernel),
starts Jupyter Notebook on the notebooks/ folder with the project's TypeScript (tslab) kernel, prints
the URL with its token and opens it in the browser. Ctrl-C stops the server and its kernels.

The notebooks write their tables, figures and fits into outputs-interactive/ (beside outputs/, which
keeps the last complete \`npm run reproduce\` and is never written by an interactive session).

  --port N         listen on port N (default: the first free port from 8888 on)
  --no-browser     do not open a browser; only print the URL
  --config FILE    a configuration file laid over notebooks/config.json for every kernel
                   (e.g. {"data": {"kind": "synthetic", "scale": 0.05, "seed": 1}} for a quick session)
  --skip-setup     (scripts/notebook.sh) do not run scripts/setup.sh first
  -h, --help       this text`;

export interface NotebookOptions {
  /** undefined: the first free port from 8888 on. */
  readonly port: number | undefined;
  readonly openBrowser: boolean;
  /** Absolute path of the configuration file for the kernels (KANSEN_CONFIG), if one was named. */
  readonly configPath: string | undefined;
}

export class NotebookUsageError extends Error {
  constructor(message: string) {
    super(`${message}\n\n${NOTEBOOK_USAGE}`);
    this.name = "NotebookUsageError";
  }
}

/** Parse the flags; "help" for -h/--help; a NotebookUsageError names the flag that is wrong. */
export function parseNotebookArgs(argv: readonly string[]): NotebookOptions | "help" {
  let port: number | undefined;
  let openBrowser = true;
  let configPath: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    const eq = arg.indexOf("=");
    const name = arg.startsWith("--") && eq > 0 ? arg.slice(0, eq) : arg;
    const takeValue = (): string => {
      if (eq > 0 && arg.startsWith("--")) return arg.slice(eq + 1);
      const v = argv[++i];
      if (v === undefined || v.startsWith("--")) throw new NotebookUsageError(`${name} needs a value`);
      return v;
    };
    switch (name) {
      case "-h":
      case "--help":
        return "help";
      case "--skip-setup":
        break;
      case "--no-browser":
        openBrowser = false;
        break;
      case "--port": {
        const v = takeValue();
        const n = Number(v);
        if (!/^\d+$/.test(v) || n < 1 || n > 65535) throw new NotebookUsageError(`--port needs a port number from 1 to 65535, got "${v}"`);
        port = n;
        break;
      }
      case "--config":
        // Relative to the folder the command was typed in (npm names it INIT_CWD; scripts run in the root).
        configPath = resolve(process.env["INIT_CWD"] ?? process.cwd(), takeValue());
        break;
      default:
        throw new NotebookUsageError(`unknown argument "${arg}"`);
    }
  }
  return { port, openBrowser, configPath };
}
