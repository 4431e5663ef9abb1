"""PSScriptAnalyzer over every golden PowerShell script and every script the tests render, as ansible.windows lints
its modules (ansible-test pslint).

The settings (tests/support/PSScriptAnalyzerSettings.psd1): every default rule, the correctness and security
rules among them, plus PSUseCompatibleSyntax for Windows PowerShell 5.1 and PowerShell 7.0. One pwsh process
analyses the goldens, one every other rendered script (each strategy's scenarios, rendered with that strategy where
it is feasible, and the example policies' bundles); none may have a finding.
"""

from __future__ import annotations

import functools
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from remediate.planner import make_plan
from remediate.policy import load_policies
from remediate.render.bundle import bundle_files

from support.examplebundles import BUNDLES, bundle
from support.scenarios import Scenario, inventory, scenarios
from support.simwin.runner import pwsh

TESTS = Path(__file__).parent.parent
GOLDEN = TESTS / "golden"
SETTINGS = TESTS / "support" / "PSScriptAnalyzerSettings.psd1"
pytestmark = [pytest.mark.pwsh, pytest.mark.skipif(pwsh() is None, reason="pwsh is not on PATH (.ci/run installs it)")]

ANALYSER = TESTS / "support" / "simwin" / "Invoke-SimWinAnalyzer.ps1"


def analyse(path: Path) -> list[dict[str, Any]]:
    """The findings over a folder (recursively) or a file, from one pwsh process."""
    done = subprocess.run([str(pwsh()), "-NoProfile", "-NonInteractive", "-File", str(ANALYSER), "-Path", str(path),
                           "-Settings", str(SETTINGS)], capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(done.stderr)  # not an AssertionError: a broken run must not pass as an expected failure
    return json.loads(done.stdout or "[]")


@functools.cache
def findings() -> list[dict[str, Any]]:
    """Every finding over tests/golden."""
    return analyse(GOLDEN)


def _summary(rule_findings: list[dict[str, Any]]) -> str:
    return "; ".join(f"{Path(f['file']).relative_to(GOLDEN)}:{f['line']}: {f['message']}" for f in rule_findings[:5])


def test_no_golden_script_has_findings() -> None:
    flagged = findings()
    assert not flagged, f"{len(flagged)} findings: " + _summary(flagged)


def test_settings_flag_syntax_that_windows_powershell_51_lacks(tmp_path: Path) -> None:
    """The settings really apply PSUseCompatibleSyntax for 5.1: PowerShell 7's `??` is flagged."""
    script = tmp_path / "seven.ps1"
    script.write_text("$a = $null\n$b = $a ?? 'x'\nWrite-Output $b\n", encoding="utf-8")
    assert "PSUseCompatibleSyntax" in {f["rule"] for f in analyse(script)}


def _forced_plan(case: Scenario, folder: Path):
    """The scenario's policy planned with its own strategy, or None where that strategy is not feasible."""
    path = folder / f"{case.id}.yaml"
    path.write_text(yaml.safe_dump(case.policy_data(), sort_keys=False), encoding="utf-8")
    plan = make_plan(load_policies([path])[0], inventory(), forced=case.strategy)
    return plan if plan.strategy is not None else None


@pytest.fixture(scope="module")
def rendered_findings(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, list[dict[str, Any]]]:
    """How many scripts, and the findings over every PowerShell script of the scenarios and the example bundles."""
    folder = tmp_path_factory.mktemp("rendered")
    policies = tmp_path_factory.mktemp("policies")
    files: dict[str, bytes] = {}
    for case in scenarios():
        plan = _forced_plan(case, policies)
        if plan is not None:
            files |= {f"{case.id}/{path}": data for path, data in bundle_files([plan], "remediate render").items()}
    for name in BUNDLES:
        files |= {f"examples-{name}/{path}": data for path, data in bundle(name).items()}
    scripts = {path: data for path, data in files.items() if path.endswith(".ps1")}
    for path, data in scripts.items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_bytes(data)
    return len(scripts), analyse(folder)


def test_every_rendered_script_has_no_findings(rendered_findings) -> None:
    count, flagged = rendered_findings
    assert count > 50, f"only {count} scripts rendered"
    assert not flagged, f"{len(flagged)} findings: " + "; ".join(
        f"{f['file']}:{f['line']}: {f['rule']}: {f['message']}" for f in flagged[:5])
