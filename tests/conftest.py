"""Shared fixtures: policies built from small overrides, and the CLI run as a user runs it."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from remediate.policy import Policy, load_policies

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
EXAMPLES = ROOT / "inventories"
DATA = TESTS / "data"            # input files the tests read
GOLDEN = TESTS / "golden"        # golden bundles (tests/render/test_golden.py)

BASE_POLICY = {
    "version": 1,
    "name": "reports-share",
    "iis": {"host": "web01", "version": "7.5", "site": "Default Web Site", "path": "/reports",
            "authentication": "anonymous", "domain": "CONTOSO"},
    "resource": {"kind": "unc-share", "path": "\\\\fs01\\reports", "host": "fs01", "os": "2019"},
    "access": {"as": "service-account", "account": "CONTOSO\\svc-reports",
               "password": {"env": "SVC_REPORTS_PASSWORD"}},
}


def merged(base: dict, overrides: dict) -> dict:
    """Deep-merge overrides into a copy of base; a value of None removes the key."""
    out = copy.deepcopy(base)
    for key, value in overrides.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merged(out[key], value)
        else:
            out[key] = value
    return out


@pytest.fixture
def write_policy(tmp_path):
    """Write a policy (BASE_POLICY with overrides, or raw text) to a file and return its path."""
    counter = iter(range(10_000))

    def write(overrides: dict | None = None, text: str | None = None, name: str | None = None) -> Path:
        path = tmp_path / (name or f"policy{next(counter)}.yaml")
        if text is None:
            text = yaml.safe_dump(merged(BASE_POLICY, overrides or {}), sort_keys=False)
        path.write_text(text, encoding="utf-8")
        return path
    return write


@pytest.fixture
def make_policy(write_policy):
    """A Policy loaded through the real loader from BASE_POLICY plus overrides."""
    def make(**overrides) -> Policy:
        return load_policies([write_policy(overrides)])[0]
    return make


def run_cli(*args: str, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    """The installed console script's code, run in a fresh interpreter as a user would (-P: the
    working directory is not on sys.path, so the installed package is used, as by the script)."""
    return subprocess.run([sys.executable, "-P", "-c", "from remediate.cli import main; main()", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd, env=env, timeout=120)


def plan_json(*args: str) -> tuple[int, dict]:
    result = run_cli("plan", "--format", "json", *args)
    assert result.stdout, result.stderr
    return result.returncode, json.loads(result.stdout)
