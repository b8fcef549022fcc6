/// <reference lib="dom" />
/**
 * The doorstroom model chapter in a real browser, as a researcher opens it: the server of
 * `npm run notebook` (src/pipeline/notebook-server.ts: Debian's Jupyter Notebook 6.4, the project's
 * tslab kernel) on a free port, Debian's chromium driven by puppeteer-core (no browser download), the
 * chapter at synthetic scale 0.02, Cell > Run All clicked in the menu. When the kernel is idle again:
 *   - no cell has an error output;
 *   - at least one plotly figure is rendered (its SVG with at least one trace is in the DOM);
 *   - the Tabel 5 table (caption "Tabel 5 ...") is there with rows of numbers;
 *   - the session wrote its tables into the interactive folder, and nothing into the outputs folder.
 * Screenshots (after Run All, at the first figure, at Tabel 5) go to test-artifacts/browser/ (gitignored),
 * with the server's log and the browser's console; on a failure also the page's HTML.
 * The chapter is found through MODEL_CHAPTER_NOTEBOOK (src/pipeline/notebooks.ts), nowhere else: one
 * notebook for both outcomes, opened as committed (its parameters cell says outcome = "doorstroom").
 * Skips, saying why, only when Jupyter Notebook or chromium is not installed (scripts/setup.sh installs both).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import puppeteer, { type Browser, type Page } from "puppeteer-core";
import { PROJECT_ROOT, interactiveOutputDir, loadConfig } from "../../src/config";
import { MODEL_CHAPTER_NOTEBOOK, NOTEBOOK_DIR } from "../../src/pipeline/notebooks";
import { findFreePort, notebookServerStatus, startNotebookServer, type NotebookServer } from "../../src/pipeline/notebook-server";

/** Debian's chromium (package chromium), installed machine-wide by scripts/setup.sh. */
const CHROMIUM = "/usr/bin/chromium";
/** The chapter under test and the table it must show. */
const CHAPTER = MODEL_CHAPTER_NOTEBOOK;
const TABLE_CAPTION = "Tabel 5 ";
/** Small, as the headless e2e test (test/e2e/notebooks.test.ts), which shares the cached population. */
const SCALE = 0.02;
const ARTIFACTS = join(PROJECT_ROOT, "test-artifacts", "browser");

/** Limits of each phase, ms; each failure names the phase it ran out in. */
const LIMITS = { server: 60_000, kernel: 90_000, runAll: 150_000, browserClose: 10_000 };

const jupyter = notebookServerStatus();
const skip = !jupyter.available
  ? `the notebook server cannot start: ${jupyter.reason}`
  : !existsSync(CHROMIUM)
    ? `${CHROMIUM} is not installed (Debian package chromium; bash scripts/setup.sh installs it)`
    : false;

/** What the page reports about the notebook's cells (read through the notebook's own Jupyter object). */
interface NotebookState {
  readonly kernelIdle: boolean;
  readonly codeCells: number;
  /** Code cells whose execute_reply came back (ok, error or aborted). */
  readonly replied: number;
  readonly running: number;
  /** The code cell (1-based among code cells) that is running now, and its first line. */
  readonly current: string;
  /** Cells whose reply was an error (tslab sends the message as stderr) or that hold an error output. */
  readonly errors: readonly string[];
  /** Cells skipped because an earlier cell failed. */
  readonly aborted: number;
  readonly stderr: readonly string[];
}

/** The page's global that records each execute_reply's status by the id of the request (see below). */
interface ReplyLog {
  kansenReplies: { [msgId: string]: string };
}

/**
 * Runs in the page, before Run All: record the status of every execute_reply. tslab reports a failing
 * cell as stderr text plus a reply with status "error" (not as an error output), and the cells after it
 * get "aborted"; the reply is what the headless runner (nbclient) fails on too.
 */
function recordReplies(): void {
  interface Reply { header: { msg_type: string }; parent_header: { msg_id: string }; content: { status: string } }
  const w = window as unknown as ReplyLog & { Jupyter: { notebook: { events: { on(name: string, f: (e: unknown, d: { reply: Reply }) => void): void } } } };
  w.kansenReplies = {};
  w.Jupyter.notebook.events.on("shell_reply.Kernel", (_e, d) => {
    if (d.reply.header.msg_type === "execute_reply") w.kansenReplies[d.reply.parent_header.msg_id] = d.reply.content.status;
  });
}

/** Runs in the page. The classic notebook keeps every cell's prompt number ("*" while it runs), outputs and last request id. */
function readState(): NotebookState {
  interface Output { output_type: string; name?: string; ename?: string; evalue?: string; text?: string }
  interface Cell { cell_type: string; input_prompt_number?: number | string | null; last_msg_id?: string; output_area?: { outputs: Output[] }; get_text(): string }
  const w = window as unknown as ReplyLog & { Jupyter: { notebook: { get_cells(): Cell[] } } };
  const code = w.Jupyter.notebook.get_cells().filter((c) => c.cell_type === "code");
  const icon = document.querySelector("#kernel_indicator_icon");
  const errors: string[] = [];
  const stderr: string[] = [];
  let current = "";
  let replied = 0;
  let aborted = 0;
  code.forEach((c, i) => {
    const where = `code cell ${i + 1} of ${code.length} (${c.get_text().split("\n")[0] ?? ""})`;
    const status = c.last_msg_id !== undefined ? w.kansenReplies[c.last_msg_id] : undefined;
    if (status !== undefined) replied++;
    if (status === "aborted") aborted++;
    if (c.input_prompt_number === "*" && current === "") current = where;
    const outputs = c.output_area?.outputs ?? [];
    const text = outputs.map((o) => (o.output_type === "error" ? `${o.ename ?? ""}: ${o.evalue ?? ""}` : o.output_type === "stream" && o.name === "stderr" ? (o.text ?? "") : "")).join(" ").trim();
    const lines = text.split("\n").map((l) => l.trim()).filter((l) => l !== "");
    const message = lines.find((l) => /error/i.test(l)) ?? lines[0] ?? `reply status ${status ?? "none"}`;
    if (status === "error" || outputs.some((o) => o.output_type === "error")) errors.push(`${where}: ${message}`);
    else if (text !== "") stderr.push(`${where}: ${text}`);
  });
  return {
    kernelIdle: icon !== null && icon.classList.contains("kernel_idle_icon"),
    codeCells: code.length,
    replied,
    running: code.filter((c) => c.input_prompt_number === "*").length,
    current,
    errors,
    aborted,
    stderr,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Poll `ready` until it is true; a timeout error names `what` and the last state seen. */
async function waitFor<T>(what: string, limitMs: number, read: () => Promise<T>, ready: (state: T) => boolean, describe: (state: T) => string): Promise<T> {
  const deadline = Date.now() + limitMs;
  let state = await read();
  while (!ready(state)) {
    if (Date.now() > deadline) throw new Error(`timed out after ${limitMs / 1000} s waiting for ${what}; last state: ${describe(state)}`);
    await sleep(500);
    state = await read();
  }
  return state;
}

/** Scroll an element to the top of the viewport and take a screenshot of the viewport. */
async function screenshotAt(page: Page, selector: string, file: string): Promise<string> {
  const found = await page.evaluate((sel) => {
    const el = document.querySelector(sel);
    if (el === null) return false;
    el.scrollIntoView({ block: "start" });
    // The notebook scrolls inside #site, not the window: leave a little room above the element.
    const site = document.querySelector("#site");
    if (site !== null) site.scrollTop = Math.max(0, site.scrollTop - 40);
    return true;
  }, selector);
  assert.ok(found, `nothing matches ${selector} for the screenshot ${file}`);
  await sleep(300);
  const path = join(ARTIFACTS, file);
  await page.screenshot({ path: path as `${string}.png` });
  return path;
}

test(`${CHAPTER} runs in chromium through Cell > Run All at scale ${SCALE}: no error, a plotly figure, Tabel 5`, { skip, timeout: 300_000 }, async (t) => {
  rmSync(ARTIFACTS, { recursive: true, force: true });
  mkdirSync(ARTIFACTS, { recursive: true });
  const scratch = mkdtempSync(join(tmpdir(), "kansen-browser-"));
  const configPath = join(scratch, "config.json");
  // The population cache stays the project's (data/), shared with the e2e test; outputs go to scratch.
  writeFileSync(configPath, JSON.stringify({ data: { kind: "synthetic", scale: SCALE, seed: 20240214 }, outDir: join(scratch, "outputs") }, null, 2));
  const config = loadConfig({ overridePath: configPath });
  const chapterPath = join(NOTEBOOK_DIR, CHAPTER);
  const committed = readFileSync(chapterPath, "utf8");

  const serverLog: string[] = [];
  const consoleLog: string[] = [];
  const timings: string[] = [];
  const t0 = Date.now();
  const mark = (what: string): void => {
    timings.push(`${what}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  };
  let server: NotebookServer | undefined;
  let browser: Browser | undefined;
  let page: Page | undefined;
  let failed = true;
  try {
    server = await startNotebookServer({ port: await findFreePort(0), configPath, isolated: true, startTimeoutMs: LIMITS.server, onLog: (chunk) => serverLog.push(chunk) });
    mark("server answering");

    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      // Root needs --no-sandbox; the rest keeps chromium off the (closed) network and away from any profile.
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        `--user-data-dir=${join(scratch, "chromium-profile")}`,
      ],
      defaultViewport: { width: 1400, height: 1000 },
    });
    page = await browser.newPage();
    page.on("console", (m) => consoleLog.push(`${m.type()}: ${m.text()}`));
    page.on("pageerror", (e) => consoleLog.push(`pageerror: ${e instanceof Error ? e.message : String(e)}`));
    mark("chromium started");

    await page.goto(server.notebookUrl(CHAPTER), { waitUntil: "domcontentloaded", timeout: LIMITS.server });
    const connected = (): Promise<{ connected: boolean; idle: boolean }> =>
      page!.evaluate(() => {
        const j = (window as unknown as { Jupyter?: { notebook?: { kernel?: { is_connected(): boolean } | null } } }).Jupyter;
        const icon = document.querySelector("#kernel_indicator_icon");
        return { connected: j?.notebook?.kernel?.is_connected() === true, idle: icon !== null && icon.classList.contains("kernel_idle_icon") };
      });
    await waitFor("the tslab kernel to connect and be idle", LIMITS.kernel, connected, (s) => s.connected && s.idle, (s) => JSON.stringify(s));
    // No autosave: the committed notebook must stay as it is (a save would also add kernel metadata).
    await page.evaluate(() => (window as unknown as { Jupyter: { notebook: { set_autosave_interval(ms: number): void } } }).Jupyter.notebook.set_autosave_interval(0));
    mark("kernel idle");

    // Cell > Run All, through the menu as a person does it.
    await page.evaluate(recordReplies);
    await page.click("#celllink");
    await page.waitForSelector("#run_all_cells > a", { visible: true, timeout: 5000 });
    await page.click("#run_all_cells > a");
    const final = await waitFor(
      "Run All to finish (a reply for every code cell) with the kernel idle",
      LIMITS.runAll,
      () => page!.evaluate(readState),
      (s) => s.kernelIdle && s.running === 0 && s.replied === s.codeCells,
      (s) => `${s.replied} of ${s.codeCells} code cells answered, ${s.running} queued or running${s.current ? ` (now ${s.current})` : ""}, kernel ${s.kernelIdle ? "idle" : "busy"}, errors: ${s.errors.join("; ") || "none"}`,
    );
    mark("Run All done");

    assert.deepEqual(final.errors, [], `${final.errors.length} cell(s) failed (${final.aborted} later cells not run):\n${final.errors.join("\n")}`);
    assert.equal(final.aborted, 0, `${final.aborted} code cells were not run`);
    if (final.stderr.length > 0) t.diagnostic(`stderr in cells (not an error): ${final.stderr.join(" | ")}`);

    const figures = await page.evaluate(() =>
      Array.from(document.querySelectorAll(".js-plotly-plot")).map((plot) => ({
        svgs: plot.querySelectorAll("svg.main-svg").length,
        traces: plot.querySelectorAll("g.trace, g.scatterlayer .trace").length,
        title: plot.querySelector(".gtitle")?.textContent ?? "",
      })),
    );
    const rendered = figures.filter((f) => f.svgs > 0 && f.traces > 0);
    assert.ok(rendered.length >= 1, `no rendered plotly figure (an SVG with a trace); plotly divs seen: ${JSON.stringify(figures)}`);

    const tables = await page.evaluate((prefix) =>
      Array.from(document.querySelectorAll("table.kmbo"))
        .filter((table) => (table.querySelector("caption")?.textContent ?? "").startsWith(prefix))
        .map((table) => ({
          caption: table.querySelector("caption")?.textContent ?? "",
          numericCells: Array.from(table.querySelectorAll("td")).filter((td) => /\d/.test(td.textContent ?? "")).length,
          models: table.querySelectorAll("thead th").length - 1,
        })),
    TABLE_CAPTION);
    assert.ok(tables.length >= 1, `no table captioned "${TABLE_CAPTION}..." in ${CHAPTER}`);
    assert.ok((tables[0]?.numericCells ?? 0) >= 20, `the ${TABLE_CAPTION.trim()} table has only ${tables[0]?.numericCells} cells with numbers: ${JSON.stringify(tables[0])}`);

    assert.equal(readFileSync(chapterPath, "utf8"), committed, `${chapterPath} changed during the browser session`);
    // The session wrote into the interactive folder, and nothing into the outputs folder.
    const sessionTables = join(interactiveOutputDir(config), "tables");
    assert.ok(existsSync(sessionTables) && readdirSync(sessionTables).some((f) => f.startsWith("tabel-5-")), `no Tabel 5 CSV in the session's folder ${sessionTables}`);
    assert.ok(!existsSync(config.outDir), `the interactive session wrote into the outputs folder ${config.outDir}`);

    // One model's cell: its output walks the stages (design, objective, optimisation, fit, statistics)
    // and opens whole, not in Jupyter's scroll box (the cell's metadata says scrolled: false).
    const stageCell = await page.evaluate(() => {
      const cells = Array.from(document.querySelectorAll(".cell.code_cell"));
      const index = cells.findIndex((cell) => (cell.querySelector(".input")?.textContent ?? "").includes("wb.design(\"1a\""));
      const cell = cells[index];
      if (cell === undefined) return null;
      cell.setAttribute("data-kmbo-shot", "model-1a");
      return {
        captions: Array.from(cell.querySelectorAll(".output_area caption, .output_area h4, .output_area strong")).map((c) => c.textContent ?? ""),
        scrollBox: cell.querySelector(".output_scroll") !== null,
      };
    });
    assert.ok(stageCell !== null, "no cell calls wb.design(\"1a\", ...)");
    const stageText = stageCell.captions.join(" | ");
    for (const stage of ["Ontwerp van model 1a", "Doelfunctie van model 1a", "Optimalisatie van model 1a", "Fit van model 1a", "Statistieken van model 1a"]) {
      assert.ok(stageText.includes(stage), `the model-1a cell does not show "${stage}": ${stageText}`);
    }
    assert.equal(stageCell.scrollBox, false, "the model-1a cell's output is in a scroll box (metadata scrolled should be false)");

    const shots = [
      await screenshotAt(page, "#notebook-container", "01-after-run-all.png"),
      await screenshotAt(page, ".js-plotly-plot", "02-figure.png"),
      await screenshotAt(page, "table.kmbo", "03-tabel-5.png"),
    ];
    // The notebook scrolls inside #site, so an element screenshot beyond the viewport comes out garbled:
    // a tall window instead (Jupyter sizes #site to it), with the cell's top at the top.
    await page.setViewport({ width: 1400, height: 3000 });
    await sleep(500);
    shots.push(await screenshotAt(page, "[data-kmbo-shot=model-1a]", "04-model-1a-stages.png"));
    mark("screenshots");
    t.diagnostic(`${rendered.length} plotly figures rendered (${rendered.map((f) => f.title).join("; ")}); ${tables.map((x) => x.caption).join("; ")}`);
    t.diagnostic(`timings: ${timings.join(", ")}`);
    t.diagnostic(`screenshots: ${shots.join(", ")}`);
    failed = false;
  } finally {
    if (failed && page !== undefined) {
      await page.screenshot({ path: join(ARTIFACTS, "failure.png") as `${string}.png`, fullPage: false }).catch(() => undefined);
      const html = await page.content().catch(() => "");
      writeFileSync(join(ARTIFACTS, "failure-page.html"), html);
    }
    if (browser !== undefined) {
      const chromium = browser.process();
      await Promise.race([browser.close(), sleep(LIMITS.browserClose)]).catch(() => undefined);
      if (chromium !== null && chromium.exitCode === null) chromium.kill("SIGKILL");
    }
    if (server !== undefined) await server.stop();
    writeFileSync(join(ARTIFACTS, "jupyter-server.log"), serverLog.join(""));
    writeFileSync(join(ARTIFACTS, "browser-console.log"), consoleLog.join("\n") + "\n");
    writeFileSync(join(ARTIFACTS, "timings.txt"), timings.join("\n") + "\n");
    if (failed) process.stderr.write(`browser test failed after ${timings.at(-1) ?? "0 s"}; logs, page and screenshot in ${ARTIFACTS}\n`);
    rmSync(scratch, { recursive: true, force: true });
  }
});
