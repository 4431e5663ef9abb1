"""iis.os (table A), iis.app_pool_dedicated, resource.grants and the DFS rule (E), each refused with
file, line and key where the contract says so."""

from __future__ import annotations

import pytest

from remediate.core.errors import InputError
from remediate.policy import load_policies

# Table A: the Windows each IIS version runs on (written out here, not imported from the code).
TABLE_A = {"4.0": {"nt4"}, "5.0": {"2000"}, "5.1": {"xp"}, "6.0": {"2003"}, "7.0": {"2008"},
           "7.5": {"2008r2"}, "8.0": {"2012"}, "8.5": {"2012r2"}, "10.0": {"2016", "2019", "2022", "2025"}}
WINDOWS = ["nt4", "2000", "xp", "2003", "2008", "2008r2", "2012", "2012r2", "2016", "2019", "2022", "2025"]


def problems(write_policy, overrides: dict) -> dict[str, str]:
    """The messages per dotted key (several for one key joined with " | ")."""
    try:
        load_policies([write_policy(overrides)])
    except InputError as exc:
        found: dict[str, str] = {}
        for p in exc.problems:
            found[p.key] = f"{found[p.key]} | {p.message}" if p.key in found else p.message
        return found
    return {}


def legal_for(version: str) -> dict:
    """Fields the base policy (IIS 7.5, anonymous) needs changed for an older version to load."""
    if version in ("4.0", "5.0", "5.1"):
        return {"iis": {"version": version, "password_sync": False}}
    return {"iis": {"version": version}}


@pytest.mark.parametrize("version", sorted(TABLE_A))
@pytest.mark.parametrize("os", WINDOWS)
def test_iis_os_follows_table_a(write_policy, version, os):
    found = problems(write_policy, {**legal_for(version), "iis": {**legal_for(version)["iis"], "os": os}})
    if os in TABLE_A[version]:
        assert found == {}
    else:
        assert "iis.os" in found and f"IIS {version} does not run on Windows {os}" in found["iis.os"]


def test_iis_os_defaults_to_the_oldest_windows_of_the_version(make_policy):
    assert make_policy(iis={"version": "10.0"}).iis_os == "2016"
    assert make_policy(iis={"version": "5.1", "password_sync": False}).iis_os == "xp"


def test_app_pool_dedicated_needs_pools_and_a_named_pool(write_policy):
    assert "iis.app_pool_dedicated" in problems(write_policy, {"iis": {"version": "5.0", "password_sync": False,
                                                                       "app_pool_dedicated": True}})
    found = problems(write_policy, {"iis": {"app_pool_dedicated": True}})
    assert "name the pool that serves this path only (iis.app_pool)" in found["iis.app_pool_dedicated"]
    assert problems(write_policy, {"iis": {"app_pool_dedicated": True, "app_pool": "Orders"}}) == {}


@pytest.mark.parametrize("path", ["\\\\CONTOSO\\files\\orders", "\\\\contoso.com\\files\\orders",
                                  "\\\\Contoso.Example.Com\\files"])
def test_a_domain_dfs_path_needs_its_target(write_policy, path):
    found = problems(write_policy, {"resource": {"path": path}})
    assert "is a domain-based DFS path" in found["resource.path"] and "resource.dfs_target" in found["resource.path"]
    assert problems(write_policy, {"resource": {"path": path, "dfs_target": "\\\\fs07\\orders$"}}) == {}


def test_a_dotted_server_that_is_not_the_domain_stays_a_server(write_policy, make_policy):
    from remediate.planner import make_plan
    assert problems(write_policy, {"resource": {"path": "\\\\fs01.contoso.com\\reports"}}) == {}
    plan = make_plan(make_policy(resource={"path": "\\\\fs01.contoso.com\\reports"}))
    assert any("if \\\\fs01.contoso.com\\reports is a DFS path, give resource.dfs_target" in w for w in plan.warnings)


@pytest.mark.parametrize("target, message", [
    ("\\\\fs07", "names no share"), ("D:\\orders", "drive letters"), ("//fs07/orders", "forward slashes"),
])
def test_a_bad_dfs_target_is_refused(write_policy, target, message):
    found = problems(write_policy, {"resource": {"path": "\\\\CONTOSO\\files", "dfs_target": target}})
    assert message in found["resource.dfs_target"]


def test_dfs_rights_and_grants_apply_at_the_target(make_policy):
    from remediate.planner import make_plan
    policy = make_policy(iis={"runs_as": "process"}, access={"account": None, "password": None},
                         resource={"path": "\\\\CONTOSO\\files\\orders", "dfs_target": "\\\\fs07\\orders$\\now",
                                   "host": "fs07"})
    plan = make_plan(policy)
    assert plan.strategy is not None and plan.strategy.id == "grant-access"
    steps = [(op.kind, op.target()) for op in plan.steps]
    assert steps == [("grant_share_access", "share orders$"), ("grant_ntfs_access", "folder of share orders$\\now")]
    assert any("folder target is \\\\fs07\\orders$\\now" in r for r in plan.verdict.reasons)
    assert plan.hosts["file_server"] == ["fs07"]


def test_grants_are_validated(write_policy):
    found = problems(write_policy, {"resource": {"grants": [{"account": "CONTOSO\\a", "access": "write"},
                                                            {"account": "x", "access": "read", "extra": 1}]}})
    assert "'write' is not allowed; allowed: read, change or full" in found["resource.grants[0].access"]
    assert found["resource.grants[1].extra"].startswith("unknown key")
