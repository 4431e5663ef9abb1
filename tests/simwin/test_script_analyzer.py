"""PSScriptAnalyzer over every golden PowerShell script, as ansible.windows lints its modules (ansible-test pslint).

The settings (tests/support/PSScriptAnalyzerSettings.psd1): every default rule, the correctness and security
rules among them, plus PSUseCompatibleSyntax for Windows PowerShell 5.1 and PowerShell 7.0. One pwsh process
analyses all scripts; each rule with findings today is an xfail case (strict) naming what it flags.
"""

from __future__ import annotations

import functools
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from support.simwin.runner import pwsh

TESTS = Path(__file__).parent.parent
GOLDEN = TESTS / "golden"
SETTINGS = TESTS / "support" / "PSScriptAnalyzerSettings.psd1"
pytestmark = [pytest.mark.pwsh, pytest.mark.skipif(pwsh() is None, reason="pwsh is not on PATH (.ci/run installs it)")]

# Today's findings by rule: the to-do for the script fixes (strict: a fixed rule must leave this list).
KNOWN = {
    "PSUseShouldProcessForStateChangingFunctions": "Set-RemediateIisAttribute and Start-RemediateTask (46 scripts "
                                                   "each) lack SupportsShouldProcess",
    "PSReviewUnusedParameter": "-Restart (23 scripts), the password parameters (read only inside task script "
                               "blocks) and $Before in two Restore blocks are reported unused",
    "PSUseSingularNouns": "Backup-RemediateIis (23 scripts): 'Iis' is read as a plural",
}

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


@pytest.mark.parametrize("rule", [pytest.param(rule, marks=pytest.mark.xfail(strict=True, reason=why))
                                  for rule, why in sorted(KNOWN.items())])
def test_known_rule_has_no_findings(rule: str) -> None:
    flagged = [f for f in findings() if f["rule"] == rule]
    assert not flagged, f"{len(flagged)} findings: " + _summary(flagged)


def test_no_other_rule_has_findings() -> None:
    flagged = [f for f in findings() if f["rule"] not in KNOWN]
    assert not flagged, f"{len(flagged)} findings: " + _summary(flagged)


def test_settings_flag_syntax_that_windows_powershell_51_lacks(tmp_path: Path) -> None:
    """The settings really apply PSUseCompatibleSyntax for 5.1: PowerShell 7's `??` is flagged."""
    script = tmp_path / "seven.ps1"
    script.write_text("$a = $null\n$b = $a ?? 'x'\nWrite-Output $b\n", encoding="utf-8")
    assert "PSUseCompatibleSyntax" in {f["rule"] for f in analyse(script)}
