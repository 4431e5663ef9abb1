"""The PowerShell library functions' own tests (tests/pester/*.Tests.ps1, Pester 5), run from pytest so that the
README's one test command covers them: one pytest case per Pester file, failing with each failed test's name and
error. They run against the simulated Windows (tests/support/simwin), in PowerShell 7 on Linux."""

from __future__ import annotations

import functools
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from support.simwin.runner import pwsh

pytestmark = [pytest.mark.pwsh, pytest.mark.skipif(pwsh() is None, reason="pwsh is not on PATH (.ci/run installs it)")]
PESTER = Path(__file__).parent.parent / "pester"


@functools.cache
def results() -> list[dict[str, Any]]:
    done = subprocess.run([str(pwsh()), "-NoProfile", "-NonInteractive", "-File", str(PESTER / "Invoke-Pester.ps1")],
                          capture_output=True, text=True, timeout=600)
    if done.returncode != 0 or not done.stdout.strip():
        raise RuntimeError(done.stderr or done.stdout)
    return list(json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("name", sorted(p.name for p in PESTER.glob("*.Tests.ps1")))
def test_pester_file_passes(name: str) -> None:
    mine = [row for row in results() if row["file"] == name]
    assert len([row for row in mine if row["name"] != "(file)"]) >= 3, f"{name}: too few tests ran"
    failed = [f"{row['name']}: {row['error']}" for row in mine if row["result"] != "Passed"]
    assert not failed, "\n".join(failed)
