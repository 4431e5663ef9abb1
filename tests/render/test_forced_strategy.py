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
    assert [s["action"] for s in plan["strategy"]["steps"]][:3] == ["create_app_pool", "set_app_pool_identity",
                                                                 "assign_app_pool"]
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
    assert sorted(p.name for p in out.iterdir()) == ["REVIEW.md", "plan.json", "remediate-manifest.json"]


def test_the_iis_hosts_windows_comes_from_iis_os(tmp_path, write_policy):
    """iis.os (table A) names the IIS host's Windows in its script; without it, the oldest Windows
    that ships the IIS version (Server 2016 for IIS 10.0)."""
    import yaml
    data = yaml.safe_load((EXAMPLES / "policies" / "orders-gmsa.yaml").read_text())
    for os, expected in (("2022", "Windows 2022"), (None, "Windows 2016")):
        data["iis"].pop("os", None)
        if os:
            data["iis"]["os"] = os
        out = tmp_path / f"bundle-{os}"
        path = write_policy(text=yaml.safe_dump(data, sort_keys=False))
        assert run_cli("render", path, "-i", INVENTORY, "-o", out).returncode == 0
        first = (out / "hosts" / "web12" / "apply.ps1").read_text(encoding="utf-8-sig").splitlines()[0]
        assert first.endswith(f"(iis; {expected})"), first


def test_two_policies_that_disagree_about_the_iis_hosts_windows_are_refused(tmp_path, write_policy):
    import yaml
    data = yaml.safe_load((EXAMPLES / "policies" / "orders-gmsa.yaml").read_text())
    other = {**data, "name": "orders-gmsa-2", "iis": {**data["iis"], "os": "2019", "path": "/other"}}
    data["iis"]["os"] = "2022"
    path = write_policy(text=yaml.safe_dump([data, other], sort_keys=False))
    result = run_cli("render", path, "-i", INVENTORY, "-o", tmp_path / "bundle")
    assert result.returncode == 2
    assert "says web12 runs Windows 2019, policy orders-gmsa says Windows 2022" in result.stderr
