#!/usr/bin/python3
"""Execute notebooks headlessly on the tslab kernel, one cell at a time, and say exactly what failed.

Usage (Debian's python3, which has nbclient):
    /usr/bin/python3 scripts/run-notebooks.py [--out-dir DIR] [--html-dir DIR] [--summary FILE]
        [--timeout SECONDS] [--kernel NAME] [--plan PLAN.json] [NOTEBOOK.ipynb ...]

What to run: the notebooks given, each under its own name, or a plan (src/pipeline/notebooks.ts writes
one): a JSON list of {"notebook": path, "name": chapter name, "parameters": {name: value}}. Parameters
follow papermill's convention: the notebook's first cell tagged `parameters` holds the defaults (what a
researcher sees and edits in Jupyter); the runner inserts a new cell after it, tagged
`injected-parameters`, that redeclares each parameter the cell declares with the plan's value (as a
TypeScript literal: JSON), so the executed notebook shows the values it ran with. Values for names the
parameters cell does not declare are not injected (the runner says so). One notebook may appear several
times under different names (the model chapter, once per outcome).

For each chapter, in the order given (stopping at the first failure):
  * starts its own kernel in the notebook's folder (tslab roots its compilation there, so
    `import ... from "kansen-mbo/..."` resolves through node_modules), with this process's environment
    (the reproduce command puts KANSEN_CONFIG, KANSEN_RUN_DIR and KANSEN_RUN_LOG in it);
  * executes every code cell, printing on stderr the notebook, the cell (position, id, tags, first
    source line) and its duration, and echoing the kernel's own stderr live (indented with " | "):
    src/pipeline/progress.ts writes there, so long steps inside a cell show progress;
  * writes the executed notebook to --out-dir as <name>.ipynb (also a failed one, with its error
    output, for inspection) without execution timestamps, so two runs give identical files;
  * writes an HTML export (nbconvert "lab" template) to --html-dir, for the report assembly in
    src/report/html-report.ts.

A cell error in tslab reaches Jupyter as a bare "<Error>:"; the message itself is in the cell's stderr
stream output (and sometimes only on the kernel's stderr). On a failure this script prints
    FAILED: notebooks/05-x.ipynb, cell 7 of 23 (id "fit-2", tags: 3a-3.3), first line: `const fit = ...`
    error: TypeError: ...
and exits with status 1; 2 means it could not start (bad arguments, no kernel); 130 interrupted.
--summary writes the same facts as JSON (per notebook and cell: status, start, durations, the kernel's
peak memory and CPU time) for the run manifest and the benchmarks.
"""

import argparse
import datetime
import json
import os
import re
import select
import signal
import sys
import threading
import time

PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LOCAL_JUPYTER = os.path.join(PROJECT_ROOT, ".jupyter-local", "share", "jupyter")
# The Debian Python 3.11 debugger prints a warning about frozen modules on every kernel-side start.
os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
if os.path.isdir(LOCAL_JUPYTER):
    paths = [p for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if p]
    if LOCAL_JUPYTER not in paths:
        os.environ["JUPYTER_PATH"] = os.pathsep.join([LOCAL_JUPYTER] + paths)

try:
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
except ImportError as exc:  # pragma: no cover - depends on the machine
    sys.stderr.write(
        "run-notebooks: Jupyter's nbclient is not installed for %s (%s).\n"
        "Install it from Debian: apt-get install -y python3-nbclient python3-ipykernel jupyter-nbconvert "
        "(or run: bash scripts/setup.sh)\n" % (sys.executable, exc)
    )
    sys.exit(2)

# "TypeError: x is undefined", "unexpected error: Error: ...", "RangeError [ERR_X]: ..."; not stack lines.
ERROR_LINE = re.compile(r"\b[A-Za-z_$]*(?:Error|Exception)\b(?: \[[^\]]*\])?:\s")
STACK_LINE = re.compile(r"^\s*at\s")
COMPILE_LINE = re.compile(r"^\d+:\d+ - .+")
TAIL_LINES = 25


def log(message=""):
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def now_iso():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def first_line(source):
    for line in source.splitlines():
        if line.strip():
            return line.strip()[:120]
    return "(empty cell)"


def describe_cell(cell, index, n_cells):
    parts = ["cell %d of %d" % (index + 1, n_cells)]
    extra = []
    if cell.get("id"):
        extra.append('id "%s"' % cell["id"])
    tags = cell.get("metadata", {}).get("tags", [])
    if tags:
        extra.append("tags: %s" % ", ".join(tags))
    if extra:
        parts.append("(%s)" % "; ".join(extra))
    return " ".join(parts)


class StderrPump(threading.Thread):
    """Reads the kernel's stderr (and stdout) from a pipe, echoes each line, keeps them per cell."""

    def __init__(self, fd, echo):
        super().__init__(daemon=True)
        self.fd = fd
        self.echo = echo
        self.lock = threading.Lock()
        self.lines = []  # (cell index or None, text)
        self.cell = None
        self.last_output = time.monotonic()

    def run(self):
        with os.fdopen(self.fd, "r", encoding="utf-8", errors="replace") as stream:
            for raw in stream:
                line = raw.rstrip("\n")
                with self.lock:
                    self.lines.append((self.cell, line))
                    self.last_output = time.monotonic()
                if self.echo:
                    log("      | " + line)

    def settle(self, max_seconds=0.5):
        """Wait (briefly) until what the kernel wrote during the last cell has been read and echoed:
        the kernel writes to the pipe before it replies, but this thread may not have read it yet."""
        deadline = time.monotonic() + max_seconds
        while time.monotonic() < deadline:
            readable, _, _ = select.select([self.fd], [], [], 0)
            if not readable:
                break
            time.sleep(0.01)
        time.sleep(0.005)

    def set_cell(self, index):
        with self.lock:
            self.cell = index
            self.last_output = time.monotonic()

    def quiet_seconds(self):
        with self.lock:
            return time.monotonic() - self.last_output


    def lines_for(self, index):
        with self.lock:
            return [text for cell, text in self.lines if cell == index]

    def tail(self, n):
        with self.lock:
            return [text for _, text in self.lines[-n:]]


class Heartbeat(threading.Thread):
    """While a cell runs without writing anything to the terminal, say every `every` seconds that it
    is still running, so a silent long step in a headless run does not look like a hang."""

    def __init__(self, pump, every=60.0):
        super().__init__(daemon=True)
        self.pump = pump
        self.every = every
        self.stopped = threading.Event()
        self.label = None
        self.started = time.monotonic()

    def cell(self, label):
        self.label = label
        self.started = time.monotonic()

    def run(self):
        while not self.stopped.wait(5.0):
            if self.label is not None and self.pump.quiet_seconds() >= self.every:
                log("   ... %s still running (%.0f s)" % (self.label, time.monotonic() - self.started))
                self.pump.set_cell(self.pump.cell)  # restart the silence clock

    def stop(self):
        self.stopped.set()


def output_text(output):
    text = output.get("text", "")
    return "".join(text) if isinstance(text, list) else text


def error_message(cell, kernel_lines):
    """The most telling lines of a failed cell: tslab's compile errors ("3:7 - Type ..."), the
    JavaScript error line ("TypeError: ..."), else the last stderr lines."""
    texts = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            evalue = output.get("evalue", "")
            ename = output.get("ename", "")
            if evalue:
                texts.append("%s: %s" % (ename, evalue))
        elif output.get("output_type") == "stream" and output.get("name") == "stderr":
            texts.append(output_text(output))
    texts.extend(kernel_lines)
    lines = [l for t in texts for l in t.splitlines() if l.strip()]
    key = [l.strip() for l in lines if COMPILE_LINE.match(l.strip()) or (ERROR_LINE.search(l) and not STACK_LINE.match(l))]
    if any("Unexpected pending rebuildTimer" in l for l in key):
        key.append("(tslab cannot recover when a file it compiled against changes while the kernel runs, "
                   "e.g. dist/ rebuilt by `npm run build` at the same time: rerun without rebuilding meanwhile)")
    if key:
        seen = []
        for line in key:
            if line not in seen:
                seen.append(line)
        return "\n".join(seen[:10])
    if lines:
        return "\n".join(lines[-10:])
    return "(the kernel reported an error without a message)"


def strip_volatile_metadata(nb):
    """Remove what differs between two identical runs (execution timestamps)."""
    for cell in nb.cells:
        cell.get("metadata", {}).pop("execution", None)


def set_language_info(client, nb):
    """What `NotebookClient.execute` records and we, executing cell by cell, must ask for ourselves:
    the kernel's language_info (nbconvert picks the syntax highlighter from it)."""
    msg_id = client.kc.kernel_info()
    reply = client.wait_for_reply(msg_id)
    if reply is not None and "language_info" in reply.get("content", {}):
        nb.metadata["language_info"] = reply["content"]["language_info"]


def kernel_peak_rss_bytes(client):
    """The kernel's peak resident memory (VmHWM from /proc), if the platform tells."""
    try:
        pid = client.km.provisioner.process.pid  # jupyter_client >= 7 local provisioner
        with open("/proc/%d/status" % pid) as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except Exception:  # noqa: BLE001 - best effort, absent on some platforms
        return None
    return None


def kernel_cpu_seconds(client):
    """CPU time (user + system, all threads) the kernel process has used so far, from /proc, if the
    platform tells: a measure of the work a notebook did that a loaded machine does not inflate."""
    try:
        pid = client.km.provisioner.process.pid
        with open("/proc/%d/stat" % pid) as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        # After the command name: state is field 3, utime and stime are fields 14 and 15 (1-based).
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except Exception:  # noqa: BLE001 - best effort, absent on some platforms
        return None


def export_html(nb, path):
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab")
    body, _ = exporter.from_notebook_node(nb)
    write_atomic(path, body)


def write_atomic(path, text):
    tmp = "%s.tmp-%d" % (path, os.getpid())
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, path)


class Interrupted(BaseException):
    """SIGTERM: a BaseException, like KeyboardInterrupt, so no `except Exception` on the way swallows it."""


def die_with_parent():
    """Linux: get SIGTERM when the process that started us dies (the reproduce command killed with
    SIGKILL), so no kernel is left running; the handler above then shuts the kernel down."""
    try:
        import ctypes

        PR_SET_PDEATHSIG = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


# A top-level declaration in a TypeScript cell: `const years = ...`, `let outcome: string = ...`.
DECLARATION = re.compile(r"^\s*(?:export\s+)?(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*(?::[^=]+)?=", re.M)
PARAMETERS_TAG = "parameters"
INJECTED_TAG = "injected-parameters"


def declared_names(source):
    return DECLARATION.findall(source)


def inject_parameters(nb, parameters, chapter):
    """Papermill's convention for a TypeScript kernel: after the first cell tagged `parameters`, a cell
    tagged `injected-parameters` that redeclares each parameter the cell declares with the given value
    (tslab lets a later cell redeclare a name). Returns the names injected."""
    if not parameters:
        return []
    index = next((i for i, c in enumerate(nb.cells) if PARAMETERS_TAG in c.get("metadata", {}).get("tags", [])), None)
    if index is None:
        log("   (%s has no cell tagged %s: its parameters stay as written)" % (chapter, PARAMETERS_TAG))
        return []
    declared = declared_names(nb.cells[index].source)
    names = [n for n in declared if n in parameters]
    lines = ["// Injected by scripts/run-notebooks.py (papermill's convention): this run's parameters,",
             "// from its configuration; they replace the values of the parameters cell above."]
    lines += ["const %s = %s;" % (n, json.dumps(parameters[n], ensure_ascii=False)) for n in names]
    cell = nbformat.v4.new_code_cell("\n".join(lines))
    cell.metadata["tags"] = [INJECTED_TAG]
    ids = {c.get("id") for c in nb.cells}
    cell.id = INJECTED_TAG if INJECTED_TAG not in ids else "%s-%d" % (INJECTED_TAG, len(ids))
    nb.cells.insert(index + 1, cell)
    return names


def run_notebook(entry, args, position, total):
    path = entry["notebook"]
    chapter = entry["name"]
    name = os.path.relpath(path, PROJECT_ROOT) if path.startswith(PROJECT_ROOT) else path
    nb = nbformat.read(path, as_version=4)
    kernel = args.kernel or nb.metadata.get("kernelspec", {}).get("name") or "tslab"
    injected = inject_parameters(nb, entry.get("parameters") or {}, chapter)
    if injected:
        nb.metadata["kansen"] = {"notebook": os.path.basename(path), "chapter": chapter,
                                 "parameters": {n: entry["parameters"][n] for n in injected}}
    code_cells = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    log("")
    shown = name if chapter == os.path.splitext(os.path.basename(path))[0] else "%s as %s" % (name, chapter)
    log("== notebook %d/%d: %s (%d code cells, kernel %s%s)" % (
        position, total, shown, len(code_cells), kernel,
        "; parameters: " + ", ".join("%s = %s" % (n, json.dumps(entry["parameters"][n], ensure_ascii=False)) for n in injected) if injected else ""))
    ignored = sorted(set(entry.get("parameters") or {}) - set(injected))
    if ignored and injected:
        log("   (not parameters of %s, not injected: %s)" % (chapter, ", ".join(ignored)))
    result = {"notebook": name, "chapter": chapter, "status": "ok", "startedAt": now_iso(), "cells": []}
    t_notebook = time.monotonic()

    client = NotebookClient(
        nb,
        kernel_name=kernel,
        timeout=args.timeout,
        startup_timeout=args.startup_timeout,
        allow_errors=False,
        record_timing=False,
        shutdown_kernel="immediate",  # outputs are collected by then; an interrupted cell must not linger
        resources={"metadata": {"path": os.path.dirname(os.path.abspath(path))}},
    )
    read_fd, write_fd = os.pipe()
    pump = StderrPump(read_fd, echo=not args.quiet_kernel)
    pump.start()
    heartbeat = Heartbeat(pump)
    heartbeat.start()
    failure = None
    try:
        with os.fdopen(write_fd, "w") as kernel_err:
            with client.setup_kernel(stderr=kernel_err, stdout=kernel_err):
                kernel_err.close()  # the kernel holds its own copy; EOF arrives when it exits
                set_language_info(client, nb)
                for index, cell in enumerate(nb.cells):
                    if cell.cell_type != "code":
                        continue
                    where = describe_cell(cell, index, len(nb.cells))
                    log("-> %s %s: %s" % (os.path.basename(path), where, first_line(cell.source)))
                    pump.set_cell(index)
                    heartbeat.cell("%s cell %d" % (os.path.basename(path), index + 1))
                    t_cell = time.monotonic()
                    cpu_cell = kernel_cpu_seconds(client)
                    try:
                        # tslab's replies carry no execution count; number the cells 1, 2, ... ourselves.
                        client.execute_cell(cell, index, execution_count=len(result["cells"]) + 1)
                    except (CellExecutionError, CellTimeoutError, DeadKernelError) as exc:
                        pump.settle(1.0)  # let the last kernel stderr lines arrive
                        if isinstance(exc, CellTimeoutError):
                            message = "the cell did not finish within %s s (--timeout)" % args.timeout
                        elif isinstance(exc, DeadKernelError):
                            message = "the kernel died (out of memory?)\n" + "\n".join(pump.tail(10))
                        else:
                            message = error_message(cell, pump.lines_for(index))
                        failure = {
                            "notebook": name,
                            "chapter": chapter,
                            "cellIndex": index,
                            "cellNumber": index + 1,
                            "cellCount": len(nb.cells),
                            "cellId": cell.get("id"),
                            "tags": list(cell.get("metadata", {}).get("tags", [])),
                            "firstLine": first_line(cell.source),
                            "message": message,
                        }
                        result["cells"].append({"index": index, "id": cell.get("id"), "status": "error",
                                                "durationSeconds": round(time.monotonic() - t_cell, 3)})
                        break
                    seconds = time.monotonic() - t_cell
                    cpu_after = kernel_cpu_seconds(client)
                    pump.settle()
                    result["cells"].append({"index": index, "id": cell.get("id"), "status": "ok",
                                            "durationSeconds": round(seconds, 3),
                                            "cpuSeconds": round(cpu_after - cpu_cell, 3) if cpu_cell is not None and cpu_after is not None else None})
                    log("   ok %.1f s" % seconds)
                result["kernelPeakRssBytes"] = kernel_peak_rss_bytes(client)
                result["kernelCpuSeconds"] = kernel_cpu_seconds(client)
    finally:
        heartbeat.stop()
        pump.join(timeout=5)
    result["durationSeconds"] = round(time.monotonic() - t_notebook, 3)

    strip_volatile_metadata(nb)
    if args.out_dir:
        os.makedirs(args.out_dir, exist_ok=True)
        write_atomic(os.path.join(args.out_dir, chapter + ".ipynb"), nbformat.writes(nb))
    if failure is not None:
        result["status"] = "error"
        result["failure"] = failure
        return result
    if args.html_dir:
        os.makedirs(args.html_dir, exist_ok=True)
        export_html(nb, os.path.join(args.html_dir, chapter + ".html"))
    log("== %s: all cells ran in %.1f s" % (chapter, result["durationSeconds"]))
    return result


def main(argv):
    parser = argparse.ArgumentParser(description="Execute notebooks headlessly on the tslab kernel.")
    parser.add_argument("notebooks", nargs="*", help="notebooks to run, in this order (each under its own name, no parameters)")
    parser.add_argument("--plan", help="a JSON list of {notebook, name, parameters} to run instead, in its order")
    parser.add_argument("--out-dir", help="folder for the executed notebooks")
    parser.add_argument("--html-dir", help="folder for one HTML export per executed notebook")
    parser.add_argument("--summary", help="write a JSON summary (statuses, durations, failure) here")
    parser.add_argument("--timeout", type=int, default=3600, help="seconds a single cell may take (default 3600)")
    parser.add_argument("--startup-timeout", type=int, default=120, help="seconds a kernel may take to start")
    parser.add_argument("--kernel", help="kernel name (default: the notebook's kernelspec, else tslab)")
    parser.add_argument("--quiet-kernel", action="store_true", help="do not echo the kernel's stderr")
    args = parser.parse_args(argv)

    plan = [{"notebook": os.path.abspath(p), "name": os.path.splitext(os.path.basename(p))[0], "parameters": {}}
            for p in args.notebooks]
    if args.plan:
        try:
            with open(args.plan, encoding="utf-8") as handle:
                plan += [{"notebook": os.path.abspath(e["notebook"]), "name": e["name"], "parameters": e.get("parameters") or {}}
                         for e in json.load(handle)]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log("run-notebooks: cannot read the plan %s: %s" % (args.plan, exc))
            return 2
    if not plan:
        log("run-notebooks: nothing to run (give notebooks or --plan)")
        return 2
    names = [e["name"] for e in plan]
    if len(set(names)) != len(names):
        log("run-notebooks: two chapters of the plan share a name: %s" % ", ".join(sorted({n for n in names if names.count(n) > 1})))
        return 2
    for entry in plan:
        if not os.path.isfile(entry["notebook"]):
            log("run-notebooks: no such notebook: %s" % entry["notebook"])
            return 2

    def on_signal(signum, _frame):
        # Only the first signal interrupts: a second one (the parent forwarding it, then dying) must
        # not break off the kernel shutdown that the first one started.
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        raise Interrupted("interrupted by %s" % signal.Signals(signum).name)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    die_with_parent()

    summary = {"startedAt": now_iso(), "notebooks": [], "status": "ok"}
    t0 = time.monotonic()
    status = 0
    try:
        for position, entry in enumerate(plan, start=1):
            result = run_notebook(entry, args, position, len(plan))
            summary["notebooks"].append(result)
            if result["status"] != "ok":
                failure = result["failure"]
                summary["status"] = "error"
                summary["failure"] = failure
                log("")
                log("FAILED: %s, %s, first line: `%s`" % (
                    failure["notebook"] if failure["chapter"] == os.path.splitext(os.path.basename(failure["notebook"]))[0]
                    else "%s (chapter %s)" % (failure["notebook"], failure["chapter"]),
                    describe_cell({"id": failure["cellId"], "metadata": {"tags": failure["tags"]}},
                                  failure["cellIndex"], failure["cellCount"]),
                    failure["firstLine"]))
                for i, line in enumerate(failure["message"].splitlines()):
                    log(("error: " if i == 0 else "       ") + line)
                if args.out_dir:
                    log("the executed notebook, with the error output, is in %s" % args.out_dir)
                status = 1
                break
    except (KeyboardInterrupt, Interrupted) as exc:
        summary["status"] = "interrupted"
        log("run-notebooks: interrupted (%s)" % exc)
        status = 130
    except Exception as exc:  # noqa: BLE001 - e.g. no such kernel: say so plainly
        summary["status"] = "error"
        summary["failure"] = {"message": "%s: %s" % (type(exc).__name__, exc)}
        log("run-notebooks: could not run the notebooks: %s: %s" % (type(exc).__name__, exc))
        if "No such kernel" in str(exc):
            log("register the tslab kernel with: bash scripts/setup.sh (JUPYTER_PATH=%s)" % os.environ.get("JUPYTER_PATH", ""))
        status = 2
    summary["durationSeconds"] = round(time.monotonic() - t0, 3)
    if args.summary:
        write_atomic(args.summary, json.dumps(summary, indent=2) + "\n")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
