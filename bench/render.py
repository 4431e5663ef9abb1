"""Render benchmark: 100, 1,000 and 10,000 policies over many hosts, timed per phase.

    .venv/bin/python bench/render.py [--sizes 100 1000 10000]

Policies are the bundled examples, renamed and spread over distinct IIS hosts and file servers
(100 per Windows version); each size is rendered once after a warm-up (template compilation is not counted).
Prints seconds per phase, microseconds per policy, and the ratio to the smallest size, which
stays near 1 when rendering scales linearly. "write" is the disk (it varies most between runs);
"in memory" is load + plan + render, which is what the code controls.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

import yaml

from remediate.core.runtime import tune_for_batch
from remediate.inventory import load_inventory
from remediate.planner import make_plan
from remediate.policy import load_policies
from remediate.render.bundle import bundle_files, write_bundle

EXAMPLES = Path(__file__).resolve().parent.parent / "inventories" / "policies"


def make_inputs(count: int, folder: Path) -> tuple[Path, Path]:
    examples = [yaml.safe_load(p.read_text()) for p in sorted(EXAMPLES.glob("*.yaml"))]
    policies, iis_hosts, servers = [], [], set()
    for i in range(count):
        policy = yaml.safe_load(yaml.safe_dump(examples[i % len(examples)]))
        policy["name"] = f"{policy['name']}-{i}"
        policy["iis"]["host"] = f"web{i:05d}"
        resource = policy["resource"]
        server = f"fs{resource.get('os', 'any')}-{i % 100:02d}"   # one Windows per server, as render requires
        resource["host"] = server
        rest = resource["path"][2:].split("\\", 1)
        resource["path"] = "\\\\" + server + ("\\" + rest[1] if len(rest) > 1 else "")
        policy.pop("domain_host", None)
        policies.append(policy)
        iis_hosts.append(policy["iis"]["host"])
        servers.add(server)
    policy_file = folder / "policies.yaml"
    policy_file.write_text(yaml.safe_dump(policies, sort_keys=False))
    inventory = folder / "hosts.ini"
    inventory.write_text("[iis]\n" + "\n".join(iis_hosts) + "\n[file_servers]\n" + "\n".join(sorted(servers)) + "\n")
    return policy_file, inventory


def run(count: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        policy_file, inventory_file = make_inputs(count, folder)
        times = {}
        start = time.perf_counter()
        policies = load_policies([policy_file])
        inventory = load_inventory(inventory_file)
        times["load"] = time.perf_counter() - start
        start = time.perf_counter()
        plans = [make_plan(p, inventory) for p in policies]
        times["plan"] = time.perf_counter() - start
        start = time.perf_counter()
        files = bundle_files(plans, "remediate render policies.yaml -i hosts.ini -o out")
        times["render"] = time.perf_counter() - start
        start = time.perf_counter()
        write_bundle(files, folder / "out")
        times["write"] = time.perf_counter() - start
        times["files"] = len(files)
        return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    args = parser.parse_args()
    tune_for_batch()          # as the command line does
    print(f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores")
    run(20)   # warm-up: template compilation, imports
    base = None
    print(f"{'policies':>9} {'files':>7} {'load s':>8} {'plan s':>8} {'render s':>9} {'in memory s':>12} "
          f"{'write s':>8} {'us/policy':>10} {'vs first':>9}")
    for size in args.sizes:
        t = run(size)
        memory = t["load"] + t["plan"] + t["render"]
        per = memory / size * 1e6
        base = base or per
        print(f"{size:>9} {t['files']:>7} {t['load']:>8.3f} {t['plan']:>8.3f} {t['render']:>9.3f} "
              f"{memory:>12.3f} {t['write']:>8.3f} {per:>10.0f} {per / base:>9.2f}")


if __name__ == "__main__":
    main()
