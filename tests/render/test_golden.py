"""Golden bundles: one scenario per strategy and version family, compared file by file.

The golden files under tests/golden/ were each read through against windows-facts.md when
they were made. After an intended change to a template, regenerate them with

    REMEDIATE_REGEN_GOLDEN=1 .venv/bin/pytest tests/render/test_golden.py

and read the diff (git diff tests/golden) before committing it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from remediate.inventory import load_inventory
from remediate.planner import make_plan
from remediate.policy import load_policies
from remediate.render.bundle import bundle_files

from conftest import EXAMPLES, GOLDEN, merged

POLICIES = EXAMPLES / "policies"
INVENTORY = load_inventory(EXAMPLES / "example" / "hosts.yml")
REGENERATE = os.environ.get("REMEDIATE_REGEN_GOLDEN") == "1"

MODERN_IIS = {"iis": {"host": "web11", "version": "10.0", "site": "Default Web Site"}}
# scenario -> (example policy, overrides); "legacy" = IIS 4.0-6.0 / servers before 2008 R2
SCENARIOS = {
    "keep-local": ("keep-local-preferred", {}),
    "audit-logons-legacy": ("audit-first", {}),
    "audit-logons-modern": ("audit-first", {**MODERN_IIS}),
    "logon-method-legacy": ("basic-logon-network", {}),
    "logon-method-modern": ("basic-logon-network", {**MODERN_IIS}),
    "disable-password-sync-legacy": ("pdc-anonymous-sync", {}),
    "app-pool-identity-legacy": ("sql-apppool-localservice", {"iis": {"host": "web06", "version": "6.0"},
                                                              "resource": {"os": "2003"}}),
    "app-pool-identity-modern": ("iusr-gmsa-pool", {}),
    "vdir-connect-as-legacy": ("content-share", {}),
    "vdir-connect-as-modern": ("content-share", {"iis": {"host": "web11", "version": "10.0", "site": "Intranet"},
                                                 "prefer": ["vdir-connect-as"]}),
    "complus-identity-legacy": ("complus-component", {}),
    "complus-identity-modern": ("complus-component", {**MODERN_IIS, "prefer": ["complus-identity"]}),
    "domain-anonymous-account-legacy": ("reports-share", {}),
    "domain-anonymous-account-modern": ("reports-share", {**MODERN_IIS, "prefer": ["domain-anonymous-account"]}),
    "mirrored-local-account-legacy": ("workgroup-mirrored", {}),
    "mirrored-local-account-modern": ("workgroup-mirrored", {"iis": {"host": "web11", "version": "10.0"},
                                                             "resource": {"host": "fs01", "os": "2019",
                                                                          "path": "\\\\fs01\\scans"}}),
    "basic-auth-legacy": ("ntlm-basic-ssl", {}),
    "basic-auth-modern": ("ntlm-basic-ssl", {**MODERN_IIS}),
    "kerberos-delegation-rbcd": ("sql-kerberos-delegation", {}),
    "kerberos-delegation-kcd": ("sql-kerberos-delegation", {"iis": {"authentication": "ntlm"},
                                                            "resource": {"os": "2008r2"}}),
    "thread-impersonation-legacy": ("ntlm-thread-impersonation", {"resource": {"host": "fs02", "os": "2003",
                                                                               "path": "\\\\fs02\\audit"}}),
    "thread-impersonation-modern": ("ntlm-thread-impersonation", {**MODERN_IIS}),
    "null-session-share-legacy": ("legacy-null-session-share", {}),
    "null-session-share-modern": ("legacy-null-session-share", {"resource": {"host": "fs01", "os": "2019",
                                                                             "path": "\\\\fs01\\public"}}),
    "null-session-pipe-legacy": ("sql-pipe-sql-login", {}),
    "null-session-pipe-modern": ("sql-pipe-sql-login", {"resource": {"os": "2019"}}),
}


def strategy_of(scenario: str) -> str:
    return scenario.rsplit("-", 1)[0] if scenario.endswith(("-legacy", "-modern", "-rbcd", "-kcd")) else scenario


def bundle(scenario: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    name, overrides = SCENARIOS[scenario]
    data = merged(yaml.safe_load((POLICIES / f"{name}.yaml").read_text()), overrides)
    (tmp_path / f"{name}.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    monkeypatch.chdir(tmp_path)             # the file's name, not a temporary path, goes into the bundle
    plans = [make_plan(p, INVENTORY) for p in load_policies([f"{name}.yaml"])]
    assert plans[0].strategy is not None and plans[0].strategy.id == strategy_of(scenario)
    return bundle_files(plans, f"remediate render {name}.yaml -i inventories/example/hosts.yml -o out")


def test_every_strategy_has_a_golden_scenario():
    from remediate.policy import STRATEGY_IDS
    assert {strategy_of(s) for s in SCENARIOS} == set(STRATEGY_IDS)


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_bundle_matches_golden(scenario, tmp_path, monkeypatch):
    files = bundle(scenario, tmp_path, monkeypatch)
    folder = GOLDEN / scenario
    if REGENERATE:
        for old in sorted(folder.rglob("*"), reverse=True) if folder.exists() else []:
            old.unlink() if old.is_file() else old.rmdir()
        for relative, content in files.items():
            target = folder / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
    expected = {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    assert sorted(files) == sorted(expected), f"files differ from {folder}"
    for relative, content in files.items():
        assert content == expected[relative], f"{scenario}/{relative} differs from the golden file"
