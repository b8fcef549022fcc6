/**
 * npm run notebook (scripts/notebook.sh runs scripts/setup.sh first, then this file): Jupyter Notebook
 * on notebooks/ with the project's tslab kernel, in the browser. Prints the URL with its token once the
 * server answers; Ctrl-C (or SIGTERM) shuts the kernels and the server down.
 * Exit status: 0 stopped by the user, 1 the server could not start or stopped by itself, 2 bad flags
 * or configuration.
 */
import { ConfigError, interactiveOutputDir, loadConfig } from "../src/config";
import { LOCAL_JUPYTER_PATH } from "../src/pipeline/notebooks";
import { NOTEBOOK_USAGE, NotebookUsageError, parseNotebookArgs } from "../src/pipeline/notebook-args";
import { notebookServerStatus, startNotebookServer, type NotebookServer } from "../src/pipeline/notebook-server";

function say(line: string): void {
  process.stderr.write(`notebook: ${line}\n`);
}

/** Can a browser window open here? On Linux only with a display (or a BROWSER command Jupyter will use). */
function hasDisplay(): boolean {
  if (process.platform !== "linux") return true;
  return ["DISPLAY", "WAYLAND_DISPLAY", "BROWSER"].some((name) => (process.env[name] ?? "") !== "");
}

async function main(): Promise<number> {
  let options;
  try {
    options = parseNotebookArgs(process.argv.slice(2));
  } catch (error) {
    if (error instanceof NotebookUsageError) {
      say(error.message);
      return 2;
    }
    throw error;
  }
  if (options === "help") {
    process.stdout.write(NOTEBOOK_USAGE + "\n");
    return 0;
  }
  // The kernels read the same configuration; check it here, where an error is one clear line.
  let config;
  try {
    config = loadConfig(options.configPath !== undefined ? { overridePath: options.configPath } : {});
  } catch (error) {
    if (error instanceof ConfigError) {
      say(error.message);
      return 2;
    }
    throw error;
  }

  const status = notebookServerStatus();
  if (!status.available) {
    say(status.reason);
    return 1;
  }
  say(`Jupyter Notebook ${status.version} (Debian) with the project's tslab kernel (JUPYTER_PATH=${LOCAL_JUPYTER_PATH})`);
  const data = config.data.kind === "synthetic" ? `synthetic population, scale ${config.data.scale}, seed ${config.data.seed}` : `DUO files in ${config.data.path}`;
  say(`data: ${data}${options.configPath ? ` (configuration ${options.configPath})` : ""}`);

  let server: NotebookServer;
  try {
    server = await startNotebookServer({ port: options.port, openBrowser: options.openBrowser, configPath: options.configPath });
  } catch (error) {
    say((error as Error).message.replace(/^notebook: /, ""));
    return 1;
  }
  let stopRequested = false;
  // `on`, not `once`: Ctrl-C reaches this process from the terminal and again through npm, and a second
  // signal without a listener would end it before the server (in its own process group) is stopped.
  const stopOn = (signal: NodeJS.Signals): void => {
    if (stopRequested) return;
    stopRequested = true;
    say(`${signal}: shutting down the kernels and the server`);
    void server.stop().then(() => {
      say("stopped");
      process.exit(0);
    });
  };
  process.on("SIGINT", stopOn);
  process.on("SIGTERM", stopOn);

  say(`tables, figures and fits of this session go to ${interactiveOutputDir(config)}/ (${config.outDir}/ keeps the last complete \`npm run reproduce\`)`);
  say("saving a notebook keeps its cells and notes, not its outputs (committed notebooks carry none)");
  say(`open ${server.url}${options.openBrowser && hasDisplay() ? "  (Jupyter opens it in the browser)" : ""}`);
  if (options.openBrowser && !hasDisplay()) {
    say(`no display here (DISPLAY is not set), so no browser opens: open the URL in a browser on this machine, or from yours after \`ssh -L ${server.port}:127.0.0.1:${server.port} <this host>\``);
  }
  say("Ctrl-C stops the server and its kernels");
  // The URL alone on stdout, for a script that starts the server and reads where it is.
  process.stdout.write(server.url + "\n");

  const how = await server.exited;
  if (stopRequested) return new Promise<number>(() => undefined); // stopOn exits once the kernels are gone
  say(`the Jupyter server stopped by itself (${how})`);
  return 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    say(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
