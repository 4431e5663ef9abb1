"""Many forks: hosts spread over worker processes forked from the CLI (remediate/apply/workers.py).
How many processes, that each host runs in a worker and comes back whole, that a worker that dies
fails only its own hosts, that cancelling reaches the workers, and the whole CLI with 40 forks
against the endpoint (in a subprocess, as a user runs it: forking needs a process with no other
thread, which pytest's is not)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from test_apply import (
    PASSWORD,
    PW_ENV,
    SECRET,
    USER,
    Responder,
    endpoint_vars,
    max_overlap,
    policy,
    write_inventory,
    write_policies,
)

from remediate.apply import workers
from remediate.apply.result import FAILED, OK, HostResult
from remediate.apply.schedule import Target
from remediate.apply.workers import HostProcesses, HostThreads, process_count

from support.winrm_endpoint import Faults, serve

linux_only = pytest.mark.skipif(sys.platform != "linux", reason="worker processes are forked on Linux only")


@pytest.mark.parametrize(("forks", "cores", "expected"), [
    (5, 8, 1), (15, 8, 1), (16, 8, 1), (17, 8, 2), (20, 8, 2), (50, 8, 4), (50, 2, 2), (200, 2, 2), (50, 1, 1)])
def test_one_process_per_16_forks_at_most_one_per_core(monkeypatch, forks, cores, expected):
    monkeypatch.setattr(workers.sys, "platform", "linux")
    monkeypatch.setattr(workers.threading, "active_count", lambda: 1)
    monkeypatch.setattr(workers.os, "sched_getaffinity", lambda pid: set(range(cores)), raising=False)
    assert process_count(forks) == expected


def test_no_fork_once_a_thread_runs_or_off_linux(monkeypatch):
    monkeypatch.setattr(workers.os, "sched_getaffinity", lambda pid: set(range(8)), raising=False)
    monkeypatch.setattr(workers.sys, "platform", "linux")
    monkeypatch.setattr(workers.threading, "active_count", lambda: 2)
    assert process_count(50) == 1
    monkeypatch.setattr(workers.threading, "active_count", lambda: 1)
    for platform in ("win32", "darwin"):
        monkeypatch.setattr(workers.sys, "platform", platform)
        assert process_count(50) == 1


# ---------------------------------------------------------------------------------------------
# The pool itself, with a stand-in for a host's run (the run is what test_apply.py covers)

def targets(*hosts: str) -> list[Target]:
    return [Target(h, "iis", ["p"], script="x") for h in hosts]


def pid_run(target: Target, cancel: threading.Event, on_step) -> HostResult:
    """Says which process ran it; 'crash' kills its worker; 'wait' waits to be cancelled."""
    on_step(target.host, f"step in {os.getpid()}")
    if target.host == "crash":
        time.sleep(0.2)
        os._exit(3)
    if target.host == "boom":
        raise RuntimeError("a bug")
    if target.host.startswith("wait"):
        message = "cancelled" if cancel.wait(10) else "not cancelled"
        return HostResult(target.host, target.role, OK, [], message)
    time.sleep(0.2)
    return HostResult(target.host, target.role, OK, [{"id": "t", "pid": os.getpid()}], str(os.getpid()))


@linux_only
def test_hosts_run_in_the_workers_and_come_back_whole():
    hosts = [f"web{i}" for i in range(8)]
    steps: list[tuple[str, str]] = []
    pool = HostProcesses(pid_run, targets(*hosts), processes=2, threads=4)
    try:
        futures = {t.host: pool.submit(t, lambda h, s: steps.append((h, s))) for t in targets(*hosts)}
        results = {h: f.result(timeout=30) for h, f in futures.items()}
    finally:
        pool.close()
    pids = {r.message for r in results.values()}
    assert len(pids) == 2 and str(os.getpid()) not in pids
    assert all(r.status == OK and r.tasks == [{"id": "t", "pid": int(r.message)}] for r in results.values())
    assert sorted(h for h, _ in steps) == sorted(hosts)
    assert all(not w.process.is_alive() and w.process.exitcode == 0 for w in pool.workers)


@linux_only
def test_a_worker_that_dies_fails_only_its_own_hosts():
    pool = HostProcesses(pid_run, targets("crash", "web1", "web2", "web3"), processes=2, threads=1)
    try:
        crash = pool.submit(targets("crash")[0], lambda h, s: None)          # worker A
        first = pool.submit(targets("web1")[0], lambda h, s: None)           # worker B (fewer running)
        lost = crash.result(timeout=30)
        later = [pool.submit(t, lambda h, s: None) for t in targets("web2", "web3")]   # B: A has ended
        results = [first.result(timeout=30)] + [f.result(timeout=30) for f in later]
    finally:
        pool.close()
    assert lost.status == FAILED
    assert "worker process running this host ended (exit code 3)" in lost.message
    assert [r.status for r in results] == [OK, OK, OK]
    assert len({r.message for r in results}) == 1


@pytest.mark.parametrize("pool_of", [
    pytest.param(lambda: HostThreads(pid_run, 1, threading.Event()), id="threads"),
    pytest.param(lambda: HostProcesses(pid_run, targets("boom", "web1"), processes=1, threads=1), id="processes",
                 marks=linux_only)])
def test_a_bug_in_a_hosts_run_fails_that_host_and_the_others_go_on(pool_of):
    pool = pool_of()
    try:
        boom, after = (pool.submit(t, lambda h, s: None) for t in targets("boom", "web1"))
        failed, ok = boom.result(timeout=30), after.result(timeout=30)
    finally:
        pool.close()
    assert (failed.status, failed.message) == (FAILED, "internal error: RuntimeError: a bug")
    assert ok.status == OK


@linux_only
def test_cancel_reaches_the_hosts_running_in_the_workers():
    pool = HostProcesses(pid_run, targets("wait1", "wait2", "wait3"), processes=2, threads=2)
    try:
        futures = [pool.submit(t, lambda h, s: None) for t in targets("wait1", "wait2", "wait3")]
        time.sleep(0.3)
        started = time.monotonic()
        pool.cancel()
        results = [f.result(timeout=30) for f in futures]
    finally:
        pool.close()
    assert [r.message for r in results] == ["cancelled"] * 3
    assert time.monotonic() - started < 5


PARENT = """
import os, sys, threading, time
from pathlib import Path
from remediate.apply.result import OK, HostResult
from remediate.apply.schedule import Target
from remediate.apply.workers import HostProcesses

def run(target, cancel, on_step):
    Path(sys.argv[1]).write_text("cancelled" if cancel.wait(30) else "not cancelled")
    return HostResult(target.host, target.role, OK, [], "")

target = Target("wait1", "iis", ["p"], script="x")
pool = HostProcesses(run, [target], processes=1, threads=1)
pool.submit(target, lambda h, s: None)
print(pool.workers[0].process.pid, flush=True)
time.sleep(60)
"""


@linux_only
def test_a_worker_whose_parent_is_gone_cancels_its_hosts_and_ends(tmp_path):
    marker = tmp_path / "marker"
    parent = subprocess.Popen([sys.executable, "-c", PARENT, str(marker)], stdout=subprocess.PIPE, text=True)
    worker = int(parent.stdout.readline())
    time.sleep(0.3)
    parent.kill()                       # no goodbye: the worker sees its pipe close
    parent.wait(10)
    for _ in range(100):
        if not Path(f"/proc/{worker}").exists() or "Z" in Path(f"/proc/{worker}/stat").read_text().split()[2]:
            break
        time.sleep(0.1)
    else:
        pytest.fail("the worker still runs 10 s after its parent died")
    assert marker.read_text() == "cancelled"


# ---------------------------------------------------------------------------------------------
# The CLI as a user runs it, with enough forks for worker processes

def children_of(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found |= {int(c) for c in (task / "children").read_text().split()}
        except OSError:
            pass
    return found


@linux_only
@pytest.mark.skipif(not Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children").exists(),
                    reason="/proc/PID/task/TID/children is not available")
def test_apply_with_40_forks_runs_in_worker_processes_end_to_end(tmp_path):
    farm = [f"web{i:02d}" for i in range(40)]
    pols = write_policies(tmp_path, policy("farm", iis="farm"))
    seen_children: list[set[int]] = []
    cli: list[subprocess.Popen] = []

    class Watching(Responder):
        def __call__(self, inv):
            if cli:
                seen_children.append(children_of(cli[0].pid))
            return super().__call__(inv)

    responder = Watching(delay=0.3)
    with serve(USER, PASSWORD, responder=responder) as (server, url):
        inv = write_inventory(tmp_path, {h: endpoint_vars(url) for h in [*farm, "fs01"]}, groups={"farm": farm})
        env = dict(os.environ, REMEDIATE_TEST_WINRM_PW=PASSWORD, **{PW_ENV: SECRET})
        journal = tmp_path / "journal.jsonl"
        proc = subprocess.Popen([sys.executable, "-P", "-c", "from remediate.cli import main; main()", "apply",
                                 str(pols), "-i", str(inv), "--forks", "40", "--format", "json",
                                 "--journal", str(journal)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path)
        cli.append(proc)
        out, err = proc.communicate(timeout=180)
        expected = min(len(os.sched_getaffinity(0)), 3)        # ceil(40 / 16), at most one per core
        assert proc.returncode == 0, err
        hosts = {h["host"]: h for h in json.loads(out)["hosts"]}
        assert {h["status"] for h in hosts.values()} == {"changed"} and set(hosts) == {*farm, "fs01"}
        for host in farm:     # each script whole, with the pool's password, on stdin
            framed = responder.seen[host].framed
            assert framed.secrets == {"farm_password": SECRET}
            assert f"$script:HostName = '{host}'" in framed.script
        assert SECRET not in out + err + journal.read_text(encoding="utf-8")
        assert len(journal.read_text(encoding="utf-8").splitlines()) == 41
        assert all(shell.deleted for shell in server.shells.values())
        web = [responder.seen[h].invocation for h in farm]
        assert max_overlap(web) > 20        # more hosts at once than one worker's share
    workers_seen = max(len(c) for c in seen_children)
    assert workers_seen == (expected if expected > 1 else 0)



# ---------------------------------------------------------------------------------------------
# Ctrl-C, as a terminal sends it: SIGINT to the whole process group

@pytest.mark.skipif(sys.platform == "win32", reason="POSIX process groups")
@pytest.mark.parametrize("forks", [4, 20], ids=["threads", "worker-processes"])
def test_ctrl_c_stops_running_hosts_deletes_their_shells_and_skips_the_rest(tmp_path, forks):
    farm = [f"web{i:02d}" for i in range(20)]
    doc = policy("farm", iis="farm", constraints={"file_server_changes": "forbidden"})
    pols = write_policies(tmp_path, doc)
    with serve(USER, PASSWORD, faults=Faults(hang=True)) as (server, url):   # no host ever finishes
        inv = write_inventory(tmp_path, {h: endpoint_vars(url) for h in [*farm, "fs01"]}, groups={"farm": farm})
        env = dict(os.environ, REMEDIATE_TEST_WINRM_PW=PASSWORD, **{PW_ENV: SECRET})
        proc = subprocess.Popen([sys.executable, "-P", "-c", "from remediate.cli import main; main()", "apply",
                                 str(pols), "-i", str(inv), "--forks", str(forks), "--format", "json",
                                 "--journal", str(tmp_path / "journal.jsonl")],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path,
                                start_new_session=True)
        deadline = time.monotonic() + 60
        while sum(inv_.input_ready for inv_ in server.invocations) < forks:
            assert time.monotonic() < deadline and proc.poll() is None, proc.communicate()
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGINT)
        interrupted = time.monotonic()
        out, err = proc.communicate(timeout=60)
        assert time.monotonic() - interrupted < 15
        assert proc.returncode == 5, err
        assert "interrupted: stopping" in err and "Traceback" not in err
        hosts = json.loads(out)["hosts"]
        running = [h for h in hosts if h["status"] == "unreachable"]
        assert len(running) == forks and all("interrupted" in h["message"] for h in running)
        skipped = [h for h in hosts if h["status"] == "skipped"]
        assert len(skipped) == len(farm) - forks
        assert all(h["message"] == "not run: the run was interrupted" for h in skipped)
        assert len(server.shells) == forks and all(shell.deleted for shell in server.shells.values())
