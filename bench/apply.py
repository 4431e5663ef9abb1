"""Apply benchmark: `remediate apply` over NTLM with message encryption against WinRM test
endpoints (tests/support/winrm_endpoint.py, each in its own process) that wait LATENCY before every
HTTP answer, as a network round trip would.

    .venv/bin/python bench/apply.py [--hosts 50 200] [--forks 5 20 50] [--latency-ms 50]
                                    [--script-kb 150] [--servers 4]

Every IIS host runs one script of about --script-kb (policies that all touch the group of
IIS hosts); hosts are spread over --servers endpoint processes. For each size and forks the
run phase (`remediate.apply.command.execute`: shells, stdin, results, journal) is timed
against its limit, ceil(hosts / forks) x requests per host x latency: what the hosts cost
if nothing but the round trips took time. Targets: within 1.3x of the limit, and at most
10 HTTP requests per host for a script up to 150 KB.

The endpoints stand in for remote hosts but share this machine's cores, so the CPU is shown:
"client ms/host" is remediate's (this process and its worker processes: pywinrm, requests,
NTLM), "hosts ms/host" the endpoints', and "CPU floor s" all of it divided by the usable
cores: no run of that size can be faster here, whatever the round trips.
"""

from __future__ import annotations

import argparse
import io
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from urllib.parse import urlsplit

import yaml

ROOT = Path(__file__).resolve().parent.parent
USER, PASSWORD = "bench", "Bench-pass-1"
POOL_PASSWORD_ENV = "REMEDIATE_BENCH_POOL_PASSWORD"


def start_endpoints(count: int, latency_ms: float) -> tuple[list[subprocess.Popen], list[str]]:
    procs, urls = [], []
    for _ in range(count):
        proc = subprocess.Popen([sys.executable, str(ROOT / "tests" / "support" / "winrm_endpoint.py"), "--user", USER,
                                 "--password", PASSWORD, "--latency-ms", str(latency_ms)],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        procs.append(proc)
        urls.append(proc.stdout.readline().strip())
    return procs, urls


def write_inputs(folder: Path, hosts: int, urls: list[str], script_kb: int) -> tuple[Path, Path]:
    """Policies that all change the group `farm` (IIS hosts) and nothing else (file server changes
    forbidden: the share rights are advice), enough of them for a script of about script_kb."""
    web = [f"web{i:04d}" for i in range(hosts)]
    base_kb, per_policy_kb = 7, 8.3    # an IIS 10.0 host's script: its helpers, and each policy's tasks
    count = max(1, int((script_kb - base_kb) / per_policy_kb))
    policies = [{"version": 1, "name": f"bench{i:03d}",
                 "iis": {"host": "farm", "version": "10.0", "path": f"/app{i}", "authentication": "anonymous",
                         "domain": "CONTOSO"},
                 "resource": {"kind": "unc-share", "path": f"\\\\fs01\\share{i}", "host": "fs01", "os": "2019"},
                 "access": {"as": "service-account", "account": "CONTOSO\\svc-bench",
                            "password": {"env": POOL_PASSWORD_ENV}},
                 "constraints": {"file_server_changes": "forbidden"}} for i in range(count)]
    policy_file = folder / "policies.yaml"
    policy_file.write_text(yaml.safe_dump(policies, sort_keys=False))

    def address(i: int) -> dict:
        parts = urlsplit(urls[i % len(urls)])
        return {"ansible_host": parts.hostname, "ansible_port": parts.port, "ansible_winrm_scheme": "http"}

    inventory = {"all": {"vars": {"ansible_user": USER, "ansible_password": PASSWORD,
                                  "ansible_winrm_transport": "ntlm"},
                         "hosts": {"fs01": {}},
                         "children": {"farm": {"hosts": {h: address(i) for i, h in enumerate(web)}}}}}
    inventory_file = folder / "hosts.yml"
    inventory_file.write_text(yaml.safe_dump(inventory, sort_keys=False))
    return policy_file, inventory_file


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of running processes (Linux /proc; 0 elsewhere)."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def run(policy_file: Path, inventory_file: Path, forks: int,
        folder: Path) -> tuple[float, float, float, int, list[dict]]:
    """(prepare seconds, execute seconds, execute CPU seconds of this process and the worker
    processes it ended, largest script in bytes, the JSON document's hosts), run as the CLI runs it."""
    import json
    import resource

    from remediate.apply.command import Options, execute, prepare
    from remediate.inventory import load_inventory
    from remediate.inventory.vault import VaultSecrets
    from remediate.policy import load_policies

    options = Options([policy_file], inventory_file, forks=forks, allow_literal_secrets=True, format="json",
                      journal=folder / "journal.jsonl")
    out = io.StringIO()
    with redirect_stdout(out), redirect_stderr(io.StringIO()):
        started = time.perf_counter()
        prepared = prepare(load_policies([policy_file]), load_inventory(inventory_file), VaultSecrets(), options,
                           prompt=None)
        ready, cpu = time.perf_counter(), _own_cpu(resource)
        code = execute(prepared, options)
        done, cpu = time.perf_counter(), _own_cpu(resource) - cpu
    hosts = json.loads(out.getvalue())["hosts"]
    if code != 0:
        raise SystemExit(f"apply exited {code}: {[h['message'] for h in hosts if h['status'] != 'changed'][:3]}")
    largest = max(len((t.script or "").encode("utf-8")) for t in prepared.targets)
    return ready - started, done - ready, cpu, largest, hosts


def _own_cpu(resource) -> float:
    """This process's CPU and that of its ended children (the workers; the endpoints still run)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hosts", type=int, nargs="+", default=[50, 200])
    parser.add_argument("--forks", type=int, nargs="+", default=[5, 20, 50])
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--script-kb", type=int, default=150)
    parser.add_argument("--servers", type=int, default=4)
    args = parser.parse_args()
    os.environ[POOL_PASSWORD_ENV] = "bench pool password"
    rtt = args.latency_ms / 1000
    from remediate.apply.workers import process_count
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    print(f"machine: {cores} usable cores, Python {platform.python_version()} ({platform.system()} "
          f"{platform.machine()}); {args.servers} endpoint processes, {args.latency_ms:g} ms per HTTP request, "
          "NTLM with message encryption over HTTP")
    import winrm  # noqa: F401 - imported before the first timing, as any later run finds it
    procs, urls = start_endpoints(args.servers, args.latency_ms)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            print(f"{'hosts':>5} {'forks':>5} {'processes':>9} {'script KB':>9} {'req/host':>8} {'limit s':>8} "
                  f"{'run s':>7} {'ratio':>6} {'client ms/host':>14} {'hosts ms/host':>13} {'CPU floor s':>11} "
                  f"{'prepare s':>9}")
            for hosts in args.hosts:
                folder = Path(tmp) / str(hosts)
                folder.mkdir()
                policy_file, inventory_file = write_inputs(folder, hosts, urls, args.script_kb)
                for forks in args.forks:
                    endpoints_before = cpu_seconds([p.pid for p in procs])
                    prepare_s, run_s, cpu_s, script, results = run(policy_file, inventory_file, forks, folder)
                    endpoints_s = cpu_seconds([p.pid for p in procs]) - endpoints_before
                    web = [r for r in results if r["role"] == "iis"]
                    per_host = max(r["requests"] for r in web)
                    limit = math.ceil(len(web) / forks) * per_host * rtt
                    print(f"{hosts:>5} {forks:>5} {process_count(min(forks, len(results))):>9} {script / 1024:>9.0f} "
                          f"{per_host:>8} {limit:>8.2f} {run_s:>7.2f} {run_s / limit:>6.2f} "
                          f"{cpu_s * 1000 / len(results):>14.1f} {endpoints_s * 1000 / len(results):>13.1f} "
                          f"{(cpu_s + endpoints_s) / cores:>11.2f} {prepare_s:>9.2f}", flush=True)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
