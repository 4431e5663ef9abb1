"""The example policies rendered in memory, once per test session (shared by the script tests)."""

from __future__ import annotations

import re
import tempfile
from functools import cache
from pathlib import Path

import yaml

from remediate.inventory import load_inventory
from remediate.planner import Plan, make_plan
from remediate.policy import load_policies
from remediate.render.bundle import bundle_files

from conftest import EXAMPLES

POLICIES = EXAMPLES / "policies"
INVENTORY = EXAMPLES / "example" / "hosts.yml"
EXAMPLE_FILES = sorted(POLICIES.glob("*.yaml"))
BUNDLES = ["all", *(p.stem for p in EXAMPLE_FILES)]
DATE_LIKE = re.compile(r"\b(19|20)\d\d-\d\d-\d\d\b|\b\d{1,2}/\d{1,2}/(19|20)?\d\d\b|\b\d\d:\d\d(:\d\d)?\b"
                       r"|\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]* \d{1,2}\b")


@cache
def inventory():
    return load_inventory(INVENTORY)


def command_for(paths: list[Path]) -> str:
    return " ".join(["remediate render", *map(str, paths), "-i", str(INVENTORY), "-o", "bundle"])


@cache
def bundle(name: str) -> dict[str, bytes]:
    """`all` examples together, or one by its file's stem."""
    paths = EXAMPLE_FILES if name == "all" else [POLICIES / f"{name}.yaml"]
    plans = [make_plan(p, inventory()) for p in load_policies(paths)]
    return bundle_files(plans, command_for(paths))


def plan_of(policy: dict) -> Plan:
    """The plan of a policy written as data (through the real loader), forced to its first `prefer`."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "hostile.yaml"
        path.write_text(yaml.safe_dump(policy, allow_unicode=True, sort_keys=False), encoding="utf-8")
        loaded = load_policies([path])[0]
    plan = make_plan(loaded, inventory(), forced=policy["prefer"][0])
    assert plan.strategy is not None, [a.assessment.reasons for a in plan.alternatives]
    return plan
