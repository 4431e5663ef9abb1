"""What every generated PowerShell script does before its first task, and the library's native-program runner.

Proved here, in PowerShell 7 on Linux: a PowerShell older than 5 (the version faked in a copy of the script, since
$PSVersionTable is a constant) stops at the first statement with exit 1, a message and no change; every golden
script checks the version first and sets UTF-8 output before anything is printed; Invoke-RemediateNative keeps a
program's error lines from stopping the script and fails on its exit code. Not proved: Windows PowerShell 2.0-4.0
themselves (the check is plain PowerShell 2.0 syntax), nor how 5.1 wraps a real program's standard error.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from support.simwin.runner import HERE, initial, pwsh

GOLDEN = Path(__file__).parent.parent / "golden"
NATIVE_LIBRARY = Path(__file__).parent.parent.parent / "templates" / "lib" / "powershell" / "native.ps1"
SCRIPTS = sorted(GOLDEN.rglob("*.ps1"))
VERSION_CHECK = "if ($PSVersionTable.PSVersion.Major -lt 5) {"
needs_pwsh = pytest.mark.skipif(pwsh() is None, reason="pwsh is not on PATH (.ci/run installs it)")


def _after_param_block(text: str) -> list[str]:
    """The script's lines after its param( ... ) block."""
    lines = text.replace("\r\n", "\n").split("\n")
    start = lines.index("param(")
    return lines[lines.index(")", start) + 1:]


@pytest.mark.parametrize("path", SCRIPTS, ids=[str(p.relative_to(GOLDEN)) for p in SCRIPTS])
def test_the_version_is_checked_first_and_output_is_utf8_before_anything_is_printed(path: Path) -> None:
    body = _after_param_block(path.read_bytes().decode("utf-8-sig"))
    assert body[0] == VERSION_CHECK, body[:3]
    assert body[2:4] == ["    exit 1", "}"], body[:4]
    encoding = next(i for i, line in enumerate(body) if "[Console]::OutputEncoding = " in line)
    printed = [i for i, line in enumerate(body) if re.search(r"\bWrite-(Output|Warning|Host)\b", line)]
    assert printed and encoding < min(printed)


PROBE = r"""
param([string] $Folder, [string] $Script, [string] $State, [string] $Work)
. (Join-Path $Folder 'SimWin.ps1')
Initialize-SimWin -State (Get-Content -LiteralPath $State -Raw | ConvertFrom-Json -AsHashtable) -ProgramData $Work -ComputerName 'fs01'
$copy = ConvertTo-SimWinRunnable $Script
$old = (Get-Content -LiteralPath $copy -Raw).Replace('$PSVersionTable.PSVersion.Major', '4')
Set-Content -LiteralPath $copy -Value $old -NoNewline
$output = @(& $copy 2>&1 | ForEach-Object { [string]$_ })
ConvertTo-Json -Compress -Depth 30 -InputObject ([ordered]@{ exit = $LASTEXITCODE; output = $output; writes = $SimWinWrites
    folder = (Test-Path -LiteralPath (Join-Path $Work 'remediate')); state = $SimWin })
"""


@pytest.mark.pwsh
@needs_pwsh
@pytest.mark.parametrize("script", ["apply.ps1", "rollback.ps1"])
def test_an_older_powershell_stops_at_the_version_check_changing_nothing(tmp_path: Path, script: str) -> None:
    state = tmp_path / "state.json"
    state.write_text(json.dumps(initial("fs01")), encoding="utf-8")
    probe = tmp_path / "probe.ps1"
    probe.write_text(PROBE, encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    target = GOLDEN / "null-session-share-modern" / "hosts" / "fs01" / script
    done = subprocess.run([str(pwsh()), "-NoProfile", "-NonInteractive", "-File", str(probe), str(HERE), str(target),
                           str(state), str(work)], capture_output=True, text=True, timeout=120)
    got = json.loads(done.stdout.strip().splitlines()[-1])
    assert got["exit"] == 1
    assert "this script needs Windows PowerShell 5.1, and this is PowerShell" in done.stderr
    assert "install WMF 5.1" in done.stderr
    assert not any(line.startswith("REMEDIATE-RESULT") for line in got["output"])
    assert (got["writes"], got["folder"], got["state"]) == (0, False, initial("fs01"))



# Under $ErrorActionPreference 'Stop' as in the scripts: `fake` stands for a program whose standard error Windows
# PowerShell 5.1 hands over as error records (it writes one and exits 0); sh is a real program.
NATIVE = r"""
param([string] $Library)
$ErrorActionPreference = 'Stop'
. $Library
function fake { 'first'; Write-Error 'a warning on standard error'; 'second'; $global:LASTEXITCODE = 0 }
$out = [ordered]@{}
try { $null = @(& fake 2>&1); $out.plain = 'no error' } catch { $out.plain = $_.Exception.Message }
$out.lines = @(Invoke-RemediateNative -FilePath 'fake')
$out.real = @(Invoke-RemediateNative -FilePath 'sh' -ArgumentList '-c', 'echo out; echo err >&2')
try { Invoke-RemediateNative -FilePath 'sh' -ArgumentList '-c', 'echo out; echo denied >&2; exit 5' } catch { $out.failed = $_.Exception.Message }
$out.any = @(Invoke-RemediateNative -FilePath 'sh' -ArgumentList '-c', 'echo none; exit 1' -AnyExitCode)
ConvertTo-Json -Compress -InputObject $out
"""


@pytest.mark.pwsh
@needs_pwsh
def test_native_programs_stop_on_their_exit_code_never_on_a_line_of_standard_error(tmp_path: Path) -> None:
    probe = tmp_path / "native.ps1"
    probe.write_text(NATIVE, encoding="utf-8")
    done = subprocess.run([str(pwsh()), "-NoProfile", "-NonInteractive", "-File", str(probe), str(NATIVE_LIBRARY)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout.strip().splitlines()[-1])
    assert got["plain"] == "a warning on standard error"      # what a bare call does under 'Stop'
    assert got["lines"] == ["first", "second"]
    assert got["real"] == ["out"]
    assert got["failed"] == "sh -c echo out; echo denied >&2; exit 5 failed with exit code 5: denied | out"
    assert got["any"] == ["none"]
