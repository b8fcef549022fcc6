/**
 * The notebooks in a browser: Debian's Jupyter Notebook 6.4 server (`/usr/bin/python3 -m notebook`)
 * on the project's tslab kernel (registered under .jupyter-local by scripts/setup.sh and found through
 * JUPYTER_PATH). `npm run notebook` (scripts/notebook.ts) and the browser test
 * (test/browser/) both start it through `startNotebookServer`, so the test exercises what a researcher
 * opens.
 *
 * The server is started with a port and a token chosen here (port_retries = 0, so the printed URL is the
 * one that answers; the token goes through JUPYTER_TOKEN, not the command line that `ps` shows), in its
 * own process group, and counted as up when `GET /api/status` answers with that token. `stop` sends
 * SIGTERM, on which Jupyter shuts its kernels down and exits; after a grace period the server's group
 * and its kernels (each kernel is a child in a session of its own) get SIGKILL. A process that exits
 * takes the server and its kernels down with it.
 *
 * A kernel started here has no KANSEN_RUN_DIR, so the chapters write into the interactive folder beside
 * `outputs/` (src/config.ts `runOutputDir`), never into the last reproduce run's outputs. Saving a
 * notebook keeps its cells but not its outputs (scripts/jupyter-config/jupyter_notebook_config.py), so
 * notebooks/ stays as committed notebooks must be.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { request } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { CONFIG_ENV, PROJECT_ROOT, RUN_DIR_ENV } from "../config";
import { RUN_LOG_ENV } from "../audit/run-log";
import { JUPYTER_PYTHON, LOCAL_JUPYTER_PATH, NOTEBOOK_DIR } from "./notebooks";

/** The host the server listens on: this machine only (reach it from elsewhere through an ssh tunnel). */
export const NOTEBOOK_HOST = "127.0.0.1";
/** The first port tried when none is asked for (Jupyter's own default). */
export const DEFAULT_NOTEBOOK_PORT = 8888;
/** The server's settings (the save hook that clears outputs), added to JUPYTER_CONFIG_PATH. */
export const NOTEBOOK_SERVER_CONFIG_DIR = join(PROJECT_ROOT, "scripts", "jupyter-config");

/** Is Debian's Jupyter Notebook there for /usr/bin/python3, and the tslab kernel registered? */
export function notebookServerStatus(): { readonly available: boolean; readonly version: string; readonly reason: string } {
  if (!existsSync(JUPYTER_PYTHON)) return { available: false, version: "", reason: `${JUPYTER_PYTHON} does not exist (bash scripts/setup.sh installs Debian's python3 and Jupyter)` };
  const probe = spawnSync(JUPYTER_PYTHON, ["-c", "import notebook; print(notebook.__version__)"], { encoding: "utf8" });
  if (probe.status !== 0) {
    return { available: false, version: "", reason: `Jupyter Notebook is not installed for ${JUPYTER_PYTHON} (Debian package jupyter-notebook; bash scripts/setup.sh installs it)` };
  }
  if (!existsSync(join(LOCAL_JUPYTER_PATH, "kernels", "tslab", "kernel.json"))) {
    return { available: false, version: "", reason: `the tslab kernel is not registered under ${LOCAL_JUPYTER_PATH} (bash scripts/setup.sh registers it)` };
  }
  return { available: true, version: probe.stdout.trim(), reason: "" };
}

/** Resolves true when nothing listens on host:port (a listen there succeeds). */
export function portIsFree(port: number, host: string = NOTEBOOK_HOST): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const probe = createServer();
    probe.once("error", () => resolvePromise(false));
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolvePromise(true)));
  });
}

/** The first free port from `start` on (at most `tries` ports); 0 asks the system for any free port. */
export async function findFreePort(start: number = DEFAULT_NOTEBOOK_PORT, tries = 100, host: string = NOTEBOOK_HOST): Promise<number> {
  if (start === 0) {
    return new Promise((resolvePromise, reject) => {
      const probe = createServer();
      probe.once("error", reject);
      probe.listen({ port: 0, host, exclusive: true }, () => {
        const address = probe.address();
        const port = typeof address === "object" && address !== null ? address.port : 0;
        probe.close(() => resolvePromise(port));
      });
    });
  }
  for (let port = start; port < start + tries && port <= 65535; port++) {
    if (await portIsFree(port, host)) return port;
  }
  throw new Error(`notebook: no free port on ${host} from ${start} to ${start + tries - 1}; name one with --port`);
}

export interface NotebookServerOptions {
  /** Port to listen on; it must be free. Default: the first free port from 8888 on. */
  readonly port?: number;
  /** Let Jupyter open the notebook list in the user's browser (default false). */
  readonly openBrowser?: boolean;
  /** The folder shown (default notebooks/). */
  readonly notebookDir?: string;
  /** A configuration file laid over notebooks/config.json for every kernel (KANSEN_CONFIG). */
  readonly configPath?: string;
  /**
   * Keep Jupyter away from the user's own settings and runtime files (a fresh JUPYTER_CONFIG_DIR and
   * JUPYTER_RUNTIME_DIR, removed on stop): for tests, where a personal password or extension must not
   * change what is tested.
   */
  readonly isolated?: boolean;
  /** Where the server's own log lines go (default: passed through to our stderr). */
  readonly onLog?: (chunk: string) => void;
  /** How long the server may take to answer, ms (default 60 s). */
  readonly startTimeoutMs?: number;
}

export interface NotebookServer {
  readonly port: number;
  readonly token: string;
  /** The server's root, without token: http://127.0.0.1:PORT/ */
  readonly baseUrl: string;
  /** The notebook list, with the token: what a person opens. */
  readonly url: string;
  /** The server's process id (its process group has the same id). */
  readonly pid: number;
  /** The URL that opens one notebook (a file name relative to the notebook folder), with the token. */
  notebookUrl(file: string): string;
  /** Shut the kernels and the server down; resolves when the server has exited. Safe to call twice. */
  stop(): Promise<void>;
  /** Resolves with the exit code (or signal) when the server process ends, for whatever reason. */
  readonly exited: Promise<string>;
}

/** GET a path of the server with the token; resolves with the status code and body, or undefined if nothing answers. */
function apiGet(port: number, token: string, path: string, timeoutMs = 2000): Promise<{ status: number; body: string } | undefined> {
  return new Promise((resolvePromise) => {
    const req = request({ host: NOTEBOOK_HOST, port, path, method: "GET", headers: { Authorization: `token ${token}` }, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolvePromise({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolvePromise(undefined));
    req.end();
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is gone already.
  }
}

/** The processes whose parent is `pid` (Linux /proc): the server's kernels. */
function childPids(pid: number): number[] {
  const out: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return out;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // /proc/PID/stat: "pid (comm) state ppid ..."; comm may hold spaces, so read after the last ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return out;
}

function killPids(pids: readonly number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Gone already.
    }
  }
}

/**
 * Start Jupyter Notebook on the project's kernel and resolve when it answers. Rejects, with the last
 * lines of the server's log, if the port is taken, the server exits, or it does not answer in time.
 */
export async function startNotebookServer(options: NotebookServerOptions = {}): Promise<NotebookServer> {
  const status = notebookServerStatus();
  if (!status.available) throw new Error(`notebook: ${status.reason}`);
  const port = options.port ?? (await findFreePort());
  if (!(await portIsFree(port))) throw new Error(`notebook: port ${port} on ${NOTEBOOK_HOST} is in use (another server?); choose another with --port N`);
  const token = randomBytes(24).toString("hex");
  const notebookDir = options.notebookDir ?? NOTEBOOK_DIR;

  const configPathList = [NOTEBOOK_SERVER_CONFIG_DIR, process.env["JUPYTER_CONFIG_PATH"]].filter((p) => p !== undefined && p !== "").join(delimiter);
  const env: NodeJS.ProcessEnv = { ...process.env, JUPYTER_PATH: LOCAL_JUPYTER_PATH, JUPYTER_CONFIG_PATH: configPathList, JUPYTER_TOKEN: token };
  // A kernel of this server is never part of a reproduce run, whatever the calling shell holds.
  delete env[RUN_DIR_ENV];
  delete env[RUN_LOG_ENV];
  if (options.configPath !== undefined) env[CONFIG_ENV] = options.configPath;
  let isolatedDir: string | undefined;
  if (options.isolated) {
    isolatedDir = mkdtempSync(join(tmpdir(), "kansen-jupyter-"));
    env["JUPYTER_CONFIG_DIR"] = join(isolatedDir, "config");
    env["JUPYTER_RUNTIME_DIR"] = join(isolatedDir, "runtime");
  }

  const args = [
    "-m", "notebook",
    `--notebook-dir=${notebookDir}`,
    `--ip=${NOTEBOOK_HOST}`,
    `--port=${port}`,
    "--port-retries=0",
    options.openBrowser ? "--NotebookApp.open_browser=True" : "--no-browser",
  ];
  // Jupyter refuses root without this; the machines this project runs on (CI, containers) are often root.
  if (typeof process.getuid === "function" && process.getuid() === 0) args.push("--allow-root");

  const child = spawn(JUPYTER_PYTHON, args, { cwd: notebookDir, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  const logChunks: string[] = [];
  const onLog = options.onLog ?? ((chunk: string) => process.stderr.write(chunk));
  for (const stream of [child.stdout, child.stderr]) {
    stream?.setEncoding("utf8");
    stream?.on("data", (chunk: string) => {
      logChunks.push(chunk);
      onLog(chunk);
    });
  }
  const exited = new Promise<string>((resolvePromise) => {
    child.on("error", (error) => resolvePromise(`could not start ${JUPYTER_PYTHON}: ${error.message}`));
    child.on("exit", (code, signal) => resolvePromise(signal ? `killed by ${signal}` : `exit status ${code}`));
  });
  let hasExited: string | undefined;
  void exited.then((how) => {
    hasExited = how;
  });

  // The server and its kernels must not outlive this process (a test that fails, a script that throws).
  const onExit = (): void => {
    const kernels = child.pid !== undefined ? childPids(child.pid) : [];
    killGroup(child, "SIGKILL");
    killPids(kernels);
  };
  process.on("exit", onExit);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (hasExited === undefined && child.pid !== undefined) {
        const kernels = childPids(child.pid);
        // Jupyter's own shutdown on SIGTERM: every kernel, then the server.
        killGroup(child, "SIGTERM");
        const graceful = await Promise.race([exited.then(() => true), sleep(10000).then(() => false)]);
        if (!graceful) killGroup(child, "SIGKILL");
        await exited;
        killPids(kernels.filter((pid) => existsSync(`/proc/${pid}`)));
      }
      process.removeListener("exit", onExit);
      if (isolatedDir !== undefined) rmSync(isolatedDir, { recursive: true, force: true });
    })();
    return stopping;
  };

  const tail = (): string => logChunks.join("").trimEnd().split("\n").slice(-15).join("\n");
  const deadline = Date.now() + (options.startTimeoutMs ?? 60000);
  for (;;) {
    if (hasExited !== undefined) {
      await stop();
      throw new Error(`notebook: the Jupyter server stopped before it answered (${hasExited}); its last lines:\n${tail()}`);
    }
    const answer = await apiGet(port, token, "/api/status");
    if (answer?.status === 200) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`notebook: the Jupyter server did not answer on port ${port} within ${Math.round((options.startTimeoutMs ?? 60000) / 1000)} s; its last lines:\n${tail()}`);
    }
    await sleep(250);
  }

  const baseUrl = `http://${NOTEBOOK_HOST}:${port}/`;
  return {
    port,
    token,
    baseUrl,
    url: `${baseUrl}tree?token=${token}`,
    pid: child.pid ?? 0,
    notebookUrl: (file: string) => `${baseUrl}notebooks/${file.split("/").map(encodeURIComponent).join("/")}?token=${token}`,
    stop,
    exited,
  };
}
