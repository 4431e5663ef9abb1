"""`render --strategy ID` on a policy that is already satisfied: a deliberate move to another
identity is planned and rendered; a strategy that cannot apply is refused with its reasons (exit 3)."""

from __future__ import annotations

import json

from conftest import EXAMPLES, run_cli

SATISFIED = EXAMPLES / "policies" / "aspnet-pool-satisfied.yaml"
INVENTORY = EXAMPLES / "example" / "hosts.yml"


def test_a_forced_strategy_is_planned_for_a_satisfied_policy(tmp_path):
    out = tmp_path / "bundle"
    result = run_cli("render", SATISFIED, "-i", INVENTORY, "-o", out, "--strategy", "app-pool-identity")
    assert result.returncode == 0, result.stderr
    plan = json.loads((out / "plan.json").read_text())["plans"][0]
    assert plan["verdict"]["satisfied"] is True
    assert plan["strategy"]["id"] == "app-pool-identity"
    assert [s["action"] for s in plan["strategy"]["steps"]][:2] == ["assign_app_pool", "set_app_pool_identity"]
    assert (out / "hosts" / "web10" / "apply.ps1").exists()


def test_a_forced_strategy_that_cannot_apply_to_a_satisfied_policy_is_refused(tmp_path):
    out = tmp_path / "bundle"
    result = run_cli("render", SATISFIED, "-i", INVENTORY, "-o", out, "--strategy", "grant-access")
    assert result.returncode == 3
    assert "grant-access is not feasible: resource.grants already give the arriving identity its rights" in result.stderr
    assert not out.exists()


def test_without_force_a_satisfied_policy_renders_no_host_files(tmp_path):
    out = tmp_path / "bundle"
    assert run_cli("render", SATISFIED, "-i", INVENTORY, "-o", out).returncode == 0
    assert sorted(p.name for p in out.iterdir()) == ["REVIEW.md", "plan.json"]
