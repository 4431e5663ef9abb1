"""Which host runs when: roles in order (domain, resource servers, IIS hosts), up to
`forks` hosts of a role at once; after a failure in a role, later roles are skipped.
Where they run (threads, worker processes) is workers.py's."""

from __future__ import annotations

import queue
import sys
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Protocol

from remediate.apply.connection import Connection
from remediate.apply.interrupt import Interruption
from remediate.apply.result import FAILED, REFUSED, SKIPPED, UNREACHABLE, HostResult
from remediate.render.tasks import SecretParameter
from remediate.report import ROLE_ORDER

BAD = (FAILED, UNREACHABLE, REFUSED)


@dataclass
class Target:
    """A host's script, or the reason it is not run."""

    host: str
    role: str                              # the earliest of its roles, in ROLE_ORDER
    policies: list[str]
    script: str | None = None              # the text sent; None when refused
    parameters: list[SecretParameter] = field(default_factory=list)
    refused: str | None = None             # why it is not run
    connection: Connection | None = None

    def refusal(self) -> HostResult:
        return HostResult(self.host, self.role, REFUSED, [], self.refused or "")


class Reporter:
    """What the output sees of a run (output.py implements it)."""

    def started(self, target: Target) -> None: ...
    def step(self, host: str, step: str) -> None: ...
    def finished(self, result: HostResult, target: Target) -> None: ...
    def close(self, results: list[HostResult], check: bool, journal: str | None) -> None: ...


class Hosts(Protocol):
    """Runs a host somewhere (workers.py): its result comes in the future."""

    def submit(self, target: Target, on_step: Callable[[str, str], None]) -> Future: ...
    def cancel(self) -> None: ...


def role_of(roles: list[str]) -> str:
    return min(roles, key=ROLE_ORDER.index)


def run_all(targets: list[Target], hosts: Hosts, forks: int, reporter: Reporter,
            stop: Interruption) -> list[HostResult]:
    """Every target's result, in role order then the targets' order; interrupted or not, every
    target has one."""
    results: dict[str, HostResult] = {}
    blocked = ""
    for role in ROLE_ORDER:
        group = [t for t in targets if t.role == role]
        if blocked or stop.interrupted:
            reason = blocked or "the run was interrupted"
            for target in group:
                _finish(results, HostResult(target.host, role, SKIPPED, [], f"not run: {reason}"), target, reporter)
            continue
        for target in group:
            if target.refused is not None:
                _finish(results, target.refusal(), target, reporter)
        runnable = [t for t in group if t.refused is None]
        _run_group(runnable, hosts, forks, reporter, stop, results)
        bad = [t.host for t in group if results[t.host].status in BAD]
        if bad:
            blocked = (f"{_label(role)} {', '.join(bad)} did not succeed and later roles depend on them: "
                       "fix them and run again (--limit leaves hosts out)")
    return [results[t.host] for role in ROLE_ORDER for t in targets if t.role == role]


def _run_group(group: list[Target], hosts: Hosts, forks: int, reporter: Reporter, stop: Interruption,
               results: dict[str, HostResult]) -> None:
    pending = list(group)
    finished: queue.SimpleQueue[Future] = queue.SimpleQueue()
    running: dict[Future, Target] = {}
    announced = False
    while pending or running:
        while pending and len(running) < forks and not stop.interrupted:
            target = pending.pop(0)
            reporter.started(target)
            future = hosts.submit(target, reporter.step)
            running[future] = target
            future.add_done_callback(finished.put)
        if stop.interrupted:
            if not announced:
                announced = True
                hosts.cancel()     # every runner signals its command and deletes its shell, then returns
                print(f"interrupted: stopping {len(running)} running hosts (their commands are signalled and their "
                      "shells deleted once the request in flight ends, within the operation timeout); interrupt "
                      f"again to wait at most {stop.grace:g} s more", file=sys.stderr, flush=True)
            for target in pending:
                _finish(results, HostResult(target.host, target.role, SKIPPED, [], "not run: the run was interrupted"),
                        target, reporter)
            pending = []
        if not running:
            break
        if stop.gave_up():
            stop.abandoned = True
            for target in running.values():
                _finish(results, HostResult(target.host, target.role, UNREACHABLE, [], ABANDONED), target, reporter)
            return
        try:
            future = finished.get(timeout=0.2)    # a timeout, so that a signal is seen while waiting
        except queue.Empty:
            continue
        _finish(results, future.result(), running.pop(future), reporter)


ABANDONED = ("interrupted twice: stopped waiting for this host; its command was signalled to stop, and if its "
             "shell could not be deleted in time the host ends it after its shell IdleTimeout; the script may have "
             "made some of its changes: see the host")


def _finish(results: dict[str, HostResult], result: HostResult, target: Target, reporter: Reporter) -> None:
    results[target.host] = result
    reporter.finished(result, target)


def _label(role: str) -> str:
    return {"domain": "domain hosts", "file_server": "resource servers", "iis": "IIS hosts"}[role]
