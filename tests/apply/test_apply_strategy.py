"""`apply --strategy ID` forces a strategy as `render --strategy` does: refused with its reasons
(exit 3) before any host is contacted where it cannot apply; an unknown id is usage (exit 2)."""

from __future__ import annotations

from conftest import EXAMPLES, run_cli

POLICIES = EXAMPLES / "policies"
INVENTORY = EXAMPLES / "example" / "hosts.yml"      # its hosts do not exist: nothing may be contacted


def test_an_infeasible_forced_strategy_is_refused_before_any_host(tmp_path):
    result = run_cli("apply", POLICIES / "reports-share.yaml", "-i", INVENTORY, "--strategy", "basic-auth",
                     "--journal", tmp_path / "j.jsonl", "--check")
    assert result.returncode == 3, result.stderr
    assert "reports-share: basic-auth is not feasible: only for access.as: end-user" in result.stderr
    assert not (tmp_path / "j.jsonl").exists()


def test_a_forced_strategy_on_a_satisfied_policy_is_refused_where_it_cannot_apply(tmp_path):
    result = run_cli("apply", POLICIES / "aspnet-pool-satisfied.yaml", "-i", INVENTORY, "--strategy",
                     "grant-access", "--journal", tmp_path / "j.jsonl", "--check")
    assert result.returncode == 3
    assert "grant-access is not feasible: resource.grants already give the arriving identity its rights" in result.stderr


def test_an_unknown_strategy_is_a_usage_error():
    result = run_cli("apply", POLICIES / "reports-share.yaml", "-i", INVENTORY, "--strategy", "no-such")
    assert result.returncode == 2
    assert "unknown strategy no-such" in result.stderr
