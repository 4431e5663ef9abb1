"""The pool-copy library functions (templates/lib/powershell/apppools.ps1) run against the simulated Windows:
which pool serves a nested path, what is written (only what differs; a collection replaced entry by entry, an
explicitly empty one too), and that an attribute the IIS version lacks is refused, not skipped."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from support.simwin.runner import HERE, pwsh

pytestmark = [pytest.mark.pwsh, pytest.mark.skipif(pwsh() is None, reason="pwsh is not on PATH (.ci/run installs it)")]
LIBRARY = Path(__file__).parents[2] / "templates" / "lib" / "powershell"

PROBE = r"""
. (Join-Path $args[0] 'SimWin.ps1')
foreach ($name in 'state', 'iis', 'apppools') { . (Join-Path $args[2] ($name + '.ps1')) }
Initialize-SimWin -ProgramData $args[1] -ComputerName 'web11' -State (@{ iis = @{
    paths = @{ 'Shop' = @{ ElementTagName = 'site'; applicationPool = 'RootPool' }
               'Shop/a' = @{ ElementTagName = 'application'; applicationPool = 'AppA' }
               'Shop/a/b' = @{ ElementTagName = 'virtualDirectory'; physicalPath = 'D:\b' } }
    appPoolDefaults = @{ managedRuntimeVersion = 'v4.0'; 'processModel.pingInterval' = '00:00:30'
                         'recycling.periodicRestart.schedule' = @('01:00:00') }
    appPools = @{ RootPool = @{ processModel = @{} }
                  AppA = @{ processModel = @{}; settings = @{ managedRuntimeVersion = ''; 'processModel.pingInterval' = '00:00:30'
                                                              'recycling.periodicRestart.schedule' = @() } } } } })
$out = [ordered]@{}
$out.nested = Get-RemediateAppPoolOfPath -Site 'Shop' -Path '/a/b'
$out.own = Get-RemediateAppPoolOfPath -Site 'Shop' -Path '/a'
$out.root = Get-RemediateAppPoolOfPath -Site 'Shop' -Path '/c/d'
New-WebAppPool -Name 'New' | Out-Null
$out.written = @(Copy-RemediateAppPoolSetting -From 'AppA' -To 'New' -Name @('managedRuntimeVersion', 'processModel.pingInterval', 'recycling.periodicRestart.schedule'))
$out.settings = $SimWin.iis.appPools.New.settings
$out.again = @(Copy-RemediateAppPoolSetting -From 'AppA' -To 'New' -Name @('managedRuntimeVersion', 'recycling.periodicRestart.schedule')).Count
try { Copy-RemediateAppPoolSetting -From 'AppA' -To 'New' -Name @('processModel.idleTimeoutAction') } catch { $out.missing = $_.Exception.Message }
ConvertTo-Json -Compress -Depth 5 -InputObject $out
"""


def test_the_pool_of_a_path_and_what_a_copy_writes(tmp_path: Path) -> None:
    done = subprocess.run([str(pwsh()), "-NoProfile", "-NonInteractive", "-Command",
                           "& { " + PROBE + " } " + f"'{HERE}' '{tmp_path}' '{LIBRARY}'"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout.strip().splitlines()[-1])
    assert (got["nested"], got["own"], got["root"]) == ("AppA", "AppA", "RootPool")
    # "No Managed Code" ('') and the emptied schedule differ from the defaults; pingInterval equals them
    assert got["written"] == ["managedRuntimeVersion=", "recycling.periodicRestart.schedule="]
    assert got["settings"] == {"managedRuntimeVersion": "", "recycling.periodicRestart.schedule": []}
    assert got["again"] == 0
    assert "processModel.idleTimeoutAction is not simulated (or not in this IIS version)" in got["missing"]
