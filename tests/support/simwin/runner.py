"""Runs a golden bundle's PowerShell scripts against the simulated Windows, one pwsh process per bundle."""

from __future__ import annotations

import functools
import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from support.simwin.state import initial_state

HERE = Path(__file__).parent
PHASES_SCRIPT = HERE / "Invoke-SimWinPhases.ps1"


def pwsh() -> str | None:
    """pwsh on PATH (`.ci/run` puts the shared copy there), or None."""
    return shutil.which("pwsh")


def script_hosts(bundle: Path) -> list[Path]:
    """The folders of a bundle whose apply script is PowerShell (hosts/<host>/, domain/)."""
    folders = sorted(p.parent for p in bundle.glob("hosts/*/apply.ps1"))
    return folders + sorted(p.parent for p in bundle.glob("domain/apply.ps1"))


def _answer(request: dict[str, Any], work: str) -> dict[str, Any]:
    """The phases script's answer to one request, run in its own pwsh process."""
    executable = pwsh()
    assert executable, "pwsh is not on PATH"
    request_path = Path(work) / "request.json"
    request_path.write_text(json.dumps({"work": work, **request}), encoding="utf-8")
    done = subprocess.run([executable, "-NoProfile", "-NonInteractive", "-File", str(PHASES_SCRIPT),
                           "-Request", str(request_path)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr + done.stdout
    return json.loads(done.stdout)


@functools.cache
def run_bundle(bundle: Path, variant: str = "") -> dict[str, dict[str, Any]]:
    """Every phase of every PowerShell host of the bundle: {host: {phase: record}}; each record has the state
    document after the phase, the exit code, the REMEDIATE-RESULT object and the other output lines. A variant
    (state.VARIANTS) starts every host from another state."""
    with tempfile.TemporaryDirectory(prefix="simwin-") as work:
        return _answer({"hosts": [
            {"name": folder.name, "apply": str(folder / "apply.ps1"), "rollback": str(folder / "rollback.ps1"),
             "state": initial_state(folder.name, variant)} for folder in script_hosts(bundle)]}, work)


@dataclass(frozen=True)
class Step:
    """One script run of a sequence: check mode, switches (Restart, UpdatePassword), no secrets, a fault at change k."""

    script: Path
    check: bool = False
    switches: tuple[str, ...] = ()
    without_secrets: bool = False
    fault: int = 0


def run_steps(host: str, state: dict[str, Any], steps: list[Step]) -> list[dict[str, Any]]:
    """The records of scripts run one after the other on one simulated host, from `state`."""
    with tempfile.TemporaryDirectory(prefix="simwin-") as work:
        run = {"name": "run", "host": host, "state": state, "steps": [
            {"path": str(step.script), "check": step.check, "switches": list(step.switches),
             "without_secrets": step.without_secrets, "fault": step.fault} for step in steps]}
        return list(_answer({"runs": [run]}, work)["run"])


def initial(host: str, variant: str = "") -> dict[str, Any]:
    """The starting state as it comes back from JSON (so comparisons see the same types)."""
    return json.loads(json.dumps(initial_state(host, variant)))


def flat(value: Any, prefix: str = "") -> dict[str, Any]:
    """A state document as {"/section/key/...": leaf value} (an empty section, which a stand-in may create by
    reading it, has no leaves)."""
    if isinstance(value, dict):
        return {k: v for key, item in value.items() for k, v in flat(item, f"{prefix}/{key}").items()}
    return {prefix: value}
