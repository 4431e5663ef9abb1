"""What the user sees: a live per-host view on a terminal, plain lines otherwise, or the
JSON document (`--format json`). Secrets are masked before anything gets here."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from typing import TextIO

from remediate.apply.result import CHANGED, FAILED, OK, REFUSED, SKIPPED, STATUSES, UNREACHABLE, HostResult
from remediate.apply.schedule import Reporter, Target

STYLE = {OK: "green", CHANGED: "yellow", FAILED: "red", UNREACHABLE: "red", REFUSED: "magenta", SKIPPED: "dim"}


def document(results: list[HostResult]) -> dict:
    return {"version": 1, "hosts": [r.as_json() for r in results]}


def host_lines(result: HostResult) -> list[str]:
    """A host's result as plain lines: status, then its changed, failed or noted tasks."""
    requests = f"{result.requests} request{'' if result.requests == 1 else 's'}"
    lines = [f"{result.host} [{result.role}] {result.status} ({result.elapsed_s:.2f}s, {requests})"
             + (f": {result.message}" if result.message else "")]
    for task in result.tasks:
        state = "failed" if task.get("failed") else "changed" if task.get("changed") else "ok"
        if state == "ok" and not task.get("message"):
            continue
        note = f": {task['message']}" if task.get("message") else ""
        lines.append(f"    {state:7} {task.get('id', '')} {task.get('name', '')}{note}")
    return lines


def summary(results: list[HostResult], check: bool, journal: str | None) -> str:
    counts = Counter(r.status for r in results)
    parts = [f"{counts[s]} {s}" for s in STATUSES if counts[s]]
    mode = " (check mode: nothing was changed)" if check else ""
    where = f"; journal: {journal}" if journal else ""
    return f"{len(results)} hosts: {', '.join(parts) or 'none'}{mode}{where}"


class PlainLines(Reporter):
    """One block of lines per host as it finishes (logs, CI, pipes)."""

    def __init__(self, stream: TextIO):
        self.stream = stream
        self.lock = threading.Lock()

    def finished(self, result: HostResult, target: Target) -> None:
        with self.lock:
            print("\n".join(host_lines(result)), file=self.stream, flush=True)

    def close(self, results: list[HostResult], check: bool, journal: str | None) -> None:
        print(summary(results, check, journal), file=self.stream, flush=True)


class Quiet(Reporter):
    """--format json: only the document, at the end."""

    def __init__(self, stream: TextIO):
        self.stream = stream

    def close(self, results: list[HostResult], check: bool, journal: str | None) -> None:
        print(json.dumps(document(results), indent=2), file=self.stream, flush=True)


class LiveView(Reporter):
    """A table with a row per host, updated as hosts start, progress and finish."""

    def __init__(self, console, targets: list[Target]):
        from rich.live import Live
        self.console = console
        self.lock = threading.Lock()
        self.rows: dict[str, list] = {t.host: [t.role, "waiting", None, "", 0.0] for t in targets}
        self.live = Live(get_renderable=self._table, console=console, refresh_per_second=8, transient=True)
        self.live.start()

    def started(self, target: Target) -> None:
        with self.lock:
            self.rows[target.host][1:4] = ["running", time.monotonic(), "connect"]

    def step(self, host: str, step: str) -> None:
        with self.lock:
            self.rows[host][3] = step

    def finished(self, result: HostResult, target: Target) -> None:
        with self.lock:
            self.rows[result.host][1:5] = [result.status, None, result.message, result.elapsed_s]

    def _table(self):
        from rich.table import Table
        from rich.text import Text
        table = Table(box=None, pad_edge=False, show_header=True, header_style="bold")
        for column in ("host", "role", "status", "time", "message"):
            table.add_column(column, overflow="fold" if column == "message" else "ellipsis")
        with self.lock:
            rows = [(host, *row) for host, row in self.rows.items()]
        for host, role, status, since, message, elapsed in rows:
            seconds = time.monotonic() - since if since is not None else elapsed
            table.add_row(host, role, Text(status, style=STYLE.get(status, "cyan")),
                          f"{seconds:.1f}s" if status != "waiting" else "", message)
        return table

    def close(self, results: list[HostResult], check: bool, journal: str | None) -> None:
        from rich.markup import escape
        self.live.stop()
        for result in results:
            first, *rest = host_lines(result)
            self.console.print(f"[{STYLE[result.status]}]{escape(first)}[/]")
            for line in rest:
                self.console.print(escape(line))
        self.console.print(summary(results, check, journal))
