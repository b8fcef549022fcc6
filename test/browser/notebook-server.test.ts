/**
 * The server of `npm run notebook` (src/pipeline/notebook-server.ts), without a browser: it answers
 * with its token and refuses without it, lists the project's tslab kernel, clears outputs when a notebook
 * is saved, refuses a port that is taken with a message naming it, and leaves no process behind.
 * Skips, saying why, only when Jupyter Notebook is not installed (scripts/setup.sh installs it).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PROJECT_ROOT } from "../../src/config";
import { findFreePort, notebookServerStatus, startNotebookServer } from "../../src/pipeline/notebook-server";

const status = notebookServerStatus();
const skip = status.available ? false : `the notebook server cannot start: ${status.reason}`;

function http(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolvePromise, reject) => {
    const req = request(url, { method: options.method ?? "GET", headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolvePromise({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
    });
    req.on("error", reject);
    req.end(options.body);
  });
}

test("the notebook server answers with its token only, offers the project's tslab kernel, saves notebooks without outputs and stops cleanly", { skip, timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "kansen-nbserver-"));
  const log: string[] = [];
  const server = await startNotebookServer({ port: await findFreePort(0), notebookDir: dir, isolated: true, onLog: (c) => log.push(c) });
  try {
    assert.match(server.url, new RegExp(`^http://127\\.0\\.0\\.1:${server.port}/tree\\?token=[0-9a-f]{48}$`));
    assert.equal((await http(server.url)).status, 200, "the printed URL does not open the notebook list");
    assert.equal((await http(`${server.baseUrl}api/contents`)).status, 403, "the server answered without its token");
    assert.ok(!readFileSync(`/proc/${server.pid}/cmdline`, "utf8").includes(server.token), "the token is visible on the server's command line");

    const auth = { Authorization: `token ${server.token}` };
    const specs = JSON.parse((await http(`${server.baseUrl}api/kernelspecs`, { headers: auth })).body) as { kernelspecs: Record<string, { spec: { argv: string[]; display_name: string } }> };
    const tslab = specs.kernelspecs["tslab"];
    assert.ok(tslab !== undefined, `no tslab kernel among ${Object.keys(specs.kernelspecs).join(", ")}`);
    assert.equal(tslab.spec.argv[0], join(PROJECT_ROOT, "node_modules", ".bin", "tslab"), "the tslab kernel is not this checkout's");

    // A save through the server (as the browser's Save does) keeps the cells and drops the outputs.
    const nb = {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: { kernelspec: { name: "tslab", display_name: "TypeScript", language: "typescript" } },
      cells: [
        { cell_type: "markdown", id: "note", metadata: {}, source: "A researcher's note" },
        { cell_type: "code", id: "calc", metadata: {}, source: "1 + 1", execution_count: 3, outputs: [{ output_type: "execute_result", execution_count: 3, data: { "text/plain": "2" }, metadata: {} }] },
      ],
    };
    const put = await http(`${server.baseUrl}api/contents/01-saved.ipynb`, { method: "PUT", headers: { ...auth, "Content-Type": "application/json" }, body: JSON.stringify({ type: "notebook", format: "json", content: nb }) });
    assert.ok(put.status === 200 || put.status === 201, `saving failed: ${put.status} ${put.body}`);
    const saved = JSON.parse(readFileSync(join(dir, "01-saved.ipynb"), "utf8")) as { cells: { source: string | string[]; outputs?: unknown[]; execution_count?: number | null }[] };
    assert.deepEqual(saved.cells.map((c) => [c.source].flat().join("")), ["A researcher's note", "1 + 1"]);
    assert.deepEqual(saved.cells[1]?.outputs, []);
    assert.equal(saved.cells[1]?.execution_count, null);

    // The port is taken now: a second server on it is refused with a message that names it.
    await assert.rejects(startNotebookServer({ port: server.port, notebookDir: dir, isolated: true, onLog: () => undefined }), new RegExp(`port ${server.port} on 127\\.0\\.0\\.1 is in use`));
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  assert.ok(!existsSync(`/proc/${server.pid}`), "the server process is still there after stop()");
  assert.match(await server.exited, /exit status 0|killed by SIGTERM/);
});

test("a port that something else holds is reported before Jupyter starts", { skip }, async () => {
  const holder = createServer();
  await new Promise<void>((r) => holder.listen({ port: 0, host: "127.0.0.1" }, () => r()));
  const address = holder.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  try {
    await assert.rejects(startNotebookServer({ port, onLog: () => undefined }), /is in use \(another server\?\); choose another with --port N/);
  } finally {
    holder.close();
  }
});
