"""Where hosts run: threads of this process, or, for many forks, threads of a few worker
processes forked from it.

One Python process does about 10 ms of CPU per host (pywinrm, requests, NTLM and its message
encryption; bench/apply.py), under one GIL: about 100 hosts a second, whatever the forks. With
many forks that, not the network, sets the pace, so beyond FORKS_PER_PROCESS forks the hosts are
spread over processes, one per FORKS_PER_PROCESS forks and at most one per usable core (as
Ansible's forks are processes). The workers are forks of this process made before its first
thread starts: they already hold the targets, connections and secrets, so only host names go
to them, and steps and results come back. Forking is used only where it is safe and cheap:
Linux, and no thread running yet; elsewhere the threads of this process run every host.
"""

from __future__ import annotations

import gc
import math
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from remediate.apply.result import FAILED, HostResult
from remediate.apply.schedule import Target

FORKS_PER_PROCESS = 16
Step = Callable[[str, str], None]
RunHost = Callable[[Target, threading.Event, Step], HostResult]
_CANCEL = "cancel"


def process_count(forks: int) -> int:
    """How many processes run `forks` hosts at once here (1: this one, on threads)."""
    if sys.platform != "linux" or threading.active_count() > 1:
        return 1
    return max(1, min(len(os.sched_getaffinity(0)), math.ceil(forks / FORKS_PER_PROCESS)))


def _result(run: RunHost, target: Target, cancel: threading.Event, on_step: Step) -> HostResult:
    """The host's result, even when its run has a bug: reported for this host, the others go on."""
    try:
        return run(target, cancel, on_step)
    except Exception as exc:  # noqa: BLE001 - the last line of defence for one host
        return HostResult(target.host, target.role, FAILED, [], f"internal error: {type(exc).__name__}: {exc}")


class HostThreads:
    """Every host on a thread of this process."""

    def __init__(self, run: RunHost, forks: int, cancel: threading.Event):
        self.run, self.cancel_event = run, cancel
        self.pool = ThreadPoolExecutor(max_workers=max(1, forks), thread_name_prefix="remediate-apply")

    def submit(self, target: Target, on_step: Step) -> Future:
        return self.pool.submit(_result, self.run, target, self.cancel_event, on_step)

    def cancel(self) -> None:
        self.cancel_event.set()

    def close(self, wait: bool = True) -> None:
        self.pool.shutdown(wait=wait, cancel_futures=not wait)


@dataclass
class _Worker:
    process: multiprocessing.process.BaseProcess
    conn: multiprocessing.connection.Connection
    pending: dict[str, tuple[Future, Step]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    reader: threading.Thread | None = None
    ended: bool = False


class HostProcesses:
    """Hosts on the threads of `processes` forked workers, `threads` each; a host goes to the
    worker with the fewest running. A worker that dies fails its running hosts, not the run."""

    def __init__(self, run: RunHost, targets: list[Target], processes: int, threads: int):
        self.targets = {t.host: t for t in targets}
        context = multiprocessing.get_context("fork")
        sys.stdout.flush()      # a worker flushes its copy of these buffers when it ends
        sys.stderr.flush()
        gc.freeze()             # the objects the workers inherit are never collected there: not copied
        self.workers: list[_Worker] = []
        for _ in range(processes):
            ours, theirs = context.Pipe()
            inherited = [w.conn for w in self.workers] + [ours]
            process = context.Process(target=_serve, args=(theirs, inherited, run, self.targets, threads),
                                      name="remediate-apply-worker")
            process.start()
            theirs.close()
            self.workers.append(_Worker(process, ours))
        gc.unfreeze()
        for worker in self.workers:
            worker.reader = threading.Thread(target=self._read, args=(worker,), name="remediate-apply-reader",
                                             daemon=True)
            worker.reader.start()

    def submit(self, target: Target, on_step: Step) -> Future:
        future: Future = Future()
        worker = min(self.workers, key=lambda w: (w.ended, len(w.pending)))
        with worker.lock:
            if worker.ended:
                future.set_result(self._lost(target.host, worker))
                return future
            worker.pending[target.host] = (future, on_step)
        try:
            worker.conn.send(target.host)
        except OSError:
            self._ended(worker)
        return future

    def cancel(self) -> None:
        self._tell_all(_CANCEL)

    def close(self, wait: bool = True) -> None:
        self._tell_all(None)    # no more hosts: each worker ends once its running hosts have
        if not wait:
            return
        for worker in self.workers:
            if worker.reader is not None:
                worker.reader.join()    # it ends when the worker does, and reaps it
            worker.process.join()
            worker.conn.close()

    def _tell_all(self, message: str | None) -> None:
        for worker in self.workers:
            try:
                worker.conn.send(message)
            except OSError:
                pass        # an ended worker: _read has failed its hosts

    def _read(self, worker: _Worker) -> None:
        while True:
            try:
                kind, host, value = worker.conn.recv()
            except (EOFError, OSError):
                break
            with worker.lock:
                entry = worker.pending.pop(host, None) if kind == "done" else worker.pending.get(host)
            if entry is None:
                continue
            future, on_step = entry
            if kind == "done":
                future.set_result(value)
            else:
                on_step(host, value)
        self._ended(worker)

    def _ended(self, worker: _Worker) -> None:
        """The worker is gone: its running hosts fail, with what is known of why."""
        worker.process.join(timeout=5)
        with worker.lock:
            worker.ended = True
            lost, worker.pending = worker.pending, {}
        for host, (future, _) in lost.items():
            future.set_result(self._lost(host, worker))

    def _lost(self, host: str, worker: _Worker) -> HostResult:
        return HostResult(host, self.targets[host].role, FAILED, [],
                          f"internal error: the worker process running this host ended (exit code "
                          f"{worker.process.exitcode}) before its result came back; if its script started, its "
                          "shell remains until the host's IdleTimeout")


def _serve(conn, inherited: list, run: RunHost, targets: dict[str, Target], threads: int) -> None:
    """A worker: run each host named on `conn` on one of `threads` threads, send back its steps and
    result. Ctrl-C (and SIGTERM, sent to the group by `timeout` or systemd) reaches the whole process
    group: the parent answers it (cancel, then wait for the shells to be deleted), so the worker
    ignores it. A parent that is gone cancels the rest."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    for other in inherited:     # the parent's ends: held open here, they would hide the parent's end
        other.close()
    cancel = threading.Event()
    lock = threading.Lock()

    def send(message: tuple) -> None:
        with lock:
            try:
                conn.send(message)
            except OSError:
                cancel.set()

    def one(host: str) -> None:
        send(("done", host, _result(run, targets[host], cancel, lambda name, step: send(("step", name, step)))))

    with ThreadPoolExecutor(max_workers=max(1, threads), thread_name_prefix="remediate-apply") as pool:
        while True:
            try:
                message = conn.recv()
            except (EOFError, OSError):
                cancel.set()
                break
            if message is None:
                break
            if message == _CANCEL:
                cancel.set()
            else:
                pool.submit(one, message)


def host_pool(run: RunHost, forks: int, targets: list[Target], cancel: threading.Event) -> HostThreads | HostProcesses:
    """Where this run's hosts go; call before any thread of this run starts."""
    at_once = max(1, min(forks, len(targets)))
    processes = process_count(at_once)
    if processes == 1:
        return HostThreads(run, at_once, cancel)
    return HostProcesses(run, targets, processes, math.ceil(at_once / processes))
