"""`remediate plan` and `remediate strategies` end to end: the JSON contract against the
shipped schema, the three formats, exit codes, and no secret value in any output."""

from __future__ import annotations

import json
import os
import re
from importlib.resources import files

import jsonschema
import pytest
import yaml

from remediate.policy import STRATEGY_IDS

from conftest import BASE_POLICY, EXAMPLES, merged, plan_json, run_cli

POLICIES = sorted((EXAMPLES / "policies").glob("*.yaml"))
INVENTORY = EXAMPLES / "example" / "hosts.yml"
SCHEMA = json.loads(files("remediate").joinpath("schema/plan.schema.json").read_text())


def test_every_example_plan_matches_the_schema_and_exits_0():
    code, doc = plan_json(*POLICIES, "-i", INVENTORY)
    assert code == 0
    jsonschema.validate(doc, SCHEMA)
    assert len(doc["plans"]) == len(POLICIES) >= 12
    for plan in doc["plans"]:
        ids = [alt["id"] for alt in plan["alternatives"]]
        chosen = plan["strategy"]["id"] if plan["strategy"] else None
        assert ids == [sid for sid in STRATEGY_IDS if sid != chosen]


def test_schema_rejects_a_broken_plan():
    code, doc = plan_json(EXAMPLES / "policies" / "reports-share.yaml")
    doc["plans"][0]["verdict"]["token"] = "kerberos"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, SCHEMA)


def test_groups_stay_groups_without_an_inventory_and_expand_with_one(write_policy):
    path = write_policy({"iis": {"host": "iis"}, "resource": {"host": "fs01"}})
    _, without = plan_json(path)
    assert without["plans"][0]["strategy"]["hosts"]["iis"] == ["iis"]
    _, with_inv = plan_json(path, "-i", INVENTORY)
    assert with_inv["plans"][0]["strategy"]["hosts"]["iis"] == ["web10", "web11", "web12", "web13"]
    assert with_inv["plans"][0]["strategy"]["hosts"]["file_server"] == ["fs01"]


def test_a_host_missing_from_the_inventory_is_bad_input(write_policy):
    path = write_policy({"iis": {"host": "web99"}})
    result = run_cli("plan", path, "-i", INVENTORY)
    assert result.returncode == 2 and result.stdout == ""
    assert f"{path}:4: iis.host: web99 (policy reports-share): no host or group" in result.stderr


def test_exit_3_when_a_policy_has_no_feasible_strategy_and_all_plans_still_print(write_policy):
    infeasible = write_policy({"name": "stuck", "constraints": {"domain_accounts": "forbidden",
                                                                "stored_credentials": "forbidden"},
                               "iis": {"workgroup": True, "domain": None}, "access": {"account": None,
                                                                                   "password": None}})
    fine = EXAMPLES / "policies" / "reports-share.yaml"
    code, doc = plan_json(infeasible, fine)
    assert code == 3
    assert [p["policy"] for p in doc["plans"]] == ["stuck", "reports-share"]
    assert doc["plans"][0]["strategy"] is None
    assert doc["plans"][1]["strategy"]["id"] == "domain-anonymous-account"


def test_text_output_names_verdict_strategy_steps_alternatives_and_warnings():
    result = run_cli("plan", EXAMPLES / "policies" / "legacy-null-session-share.yaml", "-i", INVENTORY)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "verdict: not satisfied" in out
    assert "strategy: null-session-share (high risk)" in out
    assert "[file_server: fs02] append_registry_value" in out
    assert ("- domain-anonymous-account (no): needs IIS or COM+ storing an account's password, but "
            "constraints.stored_credentials is forbidden") in out
    assert "CIS/STIG baseline" in out
    assert "\x1b[" not in out, "no colour codes when the output is not a terminal"


def test_markdown_output_has_tables_and_the_code_sketch():
    result = run_cli("plan", "--format", "markdown", EXAMPLES / "policies" / "ntlm-thread-impersonation.yaml")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("## ntlm-thread-impersonation")
    assert "| # | role | hosts | action | target | value |" in out
    assert "```csharp" in out and "WindowsIdentity.RunImpersonated" in out
    assert "| null-session-share | no |" in out


def test_strategies_lists_the_catalogue_and_actions():
    result = run_cli("strategies", "--format", "json")
    assert result.returncode == 0
    doc = json.loads(result.stdout)
    assert [s["id"] for s in doc["strategies"]] == list(STRATEGY_IDS)
    assert {"set_iis_attribute", "set_metabase_property", "append_registry_value", "advisory"} <= {
        a["action"] for a in doc["actions"]}
    nulls = next(s for s in doc["strategies"] if s["id"] == "null-session-share")
    assert (nulls["risk"], nulls["needs"], nulls["iis_versions"]) == (
        "high", ["null_sessions", "file_server_changes"], "all")
    text = run_cli("strategies")
    assert text.returncode == 0 and "kerberos-delegation" in text.stdout


def test_every_action_a_plan_uses_is_listed_by_strategies():
    actions = {a["action"] for a in json.loads(run_cli("strategies", "--format", "json").stdout)["actions"]}
    _, doc = plan_json(*POLICIES)
    used = {step["action"] for plan in doc["plans"] if plan["strategy"] for step in plan["strategy"]["steps"]}
    assert used <= actions


MARKER = "Zq8-secret-marker-7731"


@pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
def test_no_secret_value_in_any_output(fmt, write_policy, tmp_path):
    secret_file = tmp_path / "pw.txt"
    secret_file.write_text(MARKER)
    policies = [write_policy(text=yaml.safe_dump(merged(BASE_POLICY, {"name": name, "access": {"password": None}})
                                                 | {"access": {**BASE_POLICY["access"], "password": secret}}))
                for name, secret in (("from-env", {"env": "SVC_REPORTS_PASSWORD"}),
                                     ("from-file", {"file": str(secret_file)}), ("literal", MARKER))]
    env = {**os.environ, "SVC_REPORTS_PASSWORD": MARKER}
    result = run_cli("plan", "--allow-literal-secrets", "--format", fmt, *policies, env=env)
    assert result.returncode == 0, result.stderr
    # Markdown escapes punctuation with a backslash: read it as a reader sees it, so an escaped
    # secret could not slip past the check
    out = re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", result.stdout) if fmt == "markdown" else result.stdout
    assert MARKER not in out + result.stdout + result.stderr
    assert "environment variable SVC_REPORTS_PASSWORD" in out
    assert "a literal value in the policy" in out


def test_validate_reports_each_valid_policy():
    result = run_cli("validate", *POLICIES[:2])
    assert result.returncode == 0
    assert result.stdout.count(": valid") == 2


def test_help_does_not_import_pywinrm_or_jinja2():
    import subprocess
    import sys
    code = ("import sys; from remediate.cli import app; import typer.main; "
            "sys.argv=['remediate','--help']\n"
            "try:\n    app()\nexcept SystemExit:\n    pass\n"
            "print('LOADED', 'winrm' in sys.modules, 'jinja2' in sys.modules)")
    out = subprocess.run([sys.executable, "-P", "-c", code], capture_output=True, text=True).stdout
    assert "LOADED False False" in out


def test_the_schema_enumerates_the_catalogue_and_the_operation_kinds():
    """The shipped schema is a file users validate against: its enumerations are the catalogue's."""
    from remediate.operations import OPERATION_KINDS
    assert SCHEMA["$defs"]["strategyId"]["enum"] == list(STRATEGY_IDS)
    assert sorted(SCHEMA["$defs"]["action"]["enum"]) == sorted(k.kind for k in OPERATION_KINDS)
