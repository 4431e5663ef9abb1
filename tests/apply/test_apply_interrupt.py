"""Interruptions and polling (apply.md, "Interruptions and requests"), through the CLI in a process
of its own, signalled as a terminal (SIGINT) or `timeout`/systemd/CI (SIGTERM) signal it: the whole
process group. Every host has its result and its journal line, the shells of the running hosts
are deleted, and the exit status is 5."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from test_apply import (
    PASSWORD,
    PW_ENV,
    SECRET,
    USER,
    Responder,
    apply,
    endpoint_vars,
    env,  # noqa: F401 - a fixture
    policy,
    write_inventory,
    write_policies,
)

from support.winrm_endpoint import Faults, serve

posix = pytest.mark.skipif(sys.platform == "win32", reason="POSIX process groups")
FARM = [f"web{i:02d}" for i in range(9)]


def start(tmp_path, url, forks: int, *more: str, farm: list[str] = FARM) -> tuple[subprocess.Popen, object]:
    doc = policy("farm", iis="farm", constraints={"file_server_changes": "forbidden"})
    pols = write_policies(tmp_path, doc)
    inv = write_inventory(tmp_path, {h: endpoint_vars(url) for h in [*farm, "fs01"]}, groups={"farm": farm})
    env = dict(os.environ, REMEDIATE_TEST_WINRM_PW=PASSWORD, **{PW_ENV: SECRET})
    journal = tmp_path / "journal.jsonl"
    proc = subprocess.Popen([sys.executable, "-P", "-c", "from remediate.cli import main; main()", "apply",
                             str(pols), "-i", str(inv), "--forks", str(forks), "--format", "json",
                             "--journal", str(journal), *more],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path,
                            start_new_session=True)
    return proc, journal


def wait_for(proc, condition, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline and proc.poll() is None, proc.communicate()
        time.sleep(0.05)


def journal_hosts(journal) -> list[str]:
    return [json.loads(line)["host"] for line in journal.read_text(encoding="utf-8").splitlines()]


@posix
@pytest.mark.parametrize("forks, size", [(4, 9), (20, 24)], ids=["threads", "worker-processes"])
def test_sigterm_is_handled_as_ctrl_c(tmp_path, forks, size):
    """With 20 forks the hosts run in worker processes (on 2 cores or more), which get SIGTERM too."""
    farm = [f"web{i:02d}" for i in range(size)]
    with serve(USER, PASSWORD, faults=Faults(hang=True)) as (server, url):   # no host ever finishes
        proc, journal = start(tmp_path, url, forks, farm=farm)
        running = min(forks, size)
        wait_for(proc, lambda: sum(i.input_ready for i in server.invocations) >= running)
        os.killpg(proc.pid, signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 5, err
        assert "interrupted: stopping" in err and "Traceback" not in err
        statuses = sorted(h["status"] for h in json.loads(out)["hosts"])
        assert statuses == sorted(["unreachable"] * running + ["skipped"] * (size - running))
        assert sorted(journal_hosts(journal)) == farm
        assert len(server.shells) == running and all(shell.deleted for shell in server.shells.values())


@posix
def test_an_interrupted_run_exits_5_even_when_its_hosts_were_only_skipped(tmp_path):
    """The running hosts finish their scripts (the answer is on its way when the signal comes):
    they are changed, the rest skipped; the run was still interrupted."""
    responder = Responder(delay=1.5)
    with serve(USER, PASSWORD, responder=responder) as (server, url):
        proc, journal = start(tmp_path, url, 5)
        wait_for(proc, lambda: len(responder.seen) >= 5)
        os.killpg(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=60)
        hosts = json.loads(out)["hosts"]
        assert sorted(h["status"] for h in hosts) == ["changed"] * 5 + ["skipped"] * 4
        assert proc.returncode == 5, err
        assert sorted(journal_hosts(journal)) == FARM


@posix
def test_a_second_ctrl_c_still_deletes_the_shells_and_writes_every_result(tmp_path):
    with serve(USER, PASSWORD, faults=Faults(hang=True)) as (server, url):
        proc, journal = start(tmp_path, url, 4)
        wait_for(proc, lambda: sum(i.input_ready for i in server.invocations) >= 4)
        os.killpg(proc.pid, signal.SIGINT)
        time.sleep(0.01)
        os.killpg(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 5, err
        assert "Traceback" not in err
        assert len(json.loads(out)["hosts"]) == len(FARM)
        assert sorted(journal_hosts(journal)) == FARM
        assert len(server.shells) == 4 and all(shell.deleted for shell in server.shells.values())


@posix
def test_a_second_ctrl_c_waits_a_few_seconds_at_most_then_writes_what_is_known(tmp_path):
    """The hosts' Receive is held for the whole OperationTimeout, as Windows holds it: the first
    Ctrl-C cannot end it; the second gives up after a few seconds, with every host's result."""
    with serve(USER, PASSWORD, faults=Faults(hang=True, receive_wait=None)) as (server, url):
        proc, journal = start(tmp_path, url, 4, "--operation-timeout", "40", "--read-timeout", "50")
        wait_for(proc, lambda: sum(i.receives for i in server.invocations) >= 4)
        os.killpg(proc.pid, signal.SIGINT)
        time.sleep(0.5)
        os.killpg(proc.pid, signal.SIGINT)
        second = time.monotonic()
        out, err = proc.communicate(timeout=60)
        assert time.monotonic() - second < 10
        assert proc.returncode == 5, err
        hosts = json.loads(out)["hosts"]
        given_up = [h for h in hosts if h["status"] == "unreachable"]
        assert len(given_up) == 4 and all(h["message"].startswith("interrupted twice") for h in given_up)
        assert sorted(journal_hosts(journal)) == FARM


def test_still_running_is_polled_after_a_growing_pause(tmp_path, env):
    with serve(USER, PASSWORD, faults=Faults(running_at_once=True)) as (server, url):
        pols = write_policies(tmp_path, policy("one", iis="web01", constraints={"file_server_changes": "forbidden"}))
        inv = write_inventory(tmp_path, {"web01": endpoint_vars(url), "fs01": endpoint_vars(url)})
        started = time.monotonic()
        run = apply(pols, "-i", inv, "--timeout", "4", "--format", "json")
        elapsed = time.monotonic() - started
        assert run.code == 5 and run.hosts()["web01"]["status"] == "unreachable"
        receives = len(server.requests_for("Receive"))
        assert 3 <= receives <= 12, (receives, elapsed)     # 0.1, 0.15, 0.23 ... 2 s apart; not hundreds
