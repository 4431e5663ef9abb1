"""The simulated Windows itself: its stand-ins refuse what they do not know and keep their state.

A stand-in that accepted any parameter, or a seam that lost its state, would let a wrong script pass.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from support.simwin.runner import HERE, pwsh

pytestmark = [pytest.mark.pwsh, pytest.mark.skipif(pwsh() is None, reason="pwsh is not on PATH (.ci/run installs it)")]

PROBE = r"""
. (Join-Path $args[0] 'SimWin.ps1')
Initialize-SimWin -ProgramData $args[1] -ComputerName 'FS01' -State (@{
    accounts = @{ 'NT AUTHORITY\ANONYMOUS LOGON' = @{ sid = 'S-1-5-7'; local = $false } }
    complus = @{ Billing = @{ components = @('Billing.InvoiceWriter'); Identity = 'Interactive User' } }
    smb = @{ shares = @{ public = @{ path = 'D:\public'; access = @() } } } })
$out = [ordered]@{}
try { Get-SmbShareAccess -Name 'public' -Bogus 1 } catch { $out.unknown = $_.Exception.Message }
try { & icacls 'D:\public' /deny '*S-1-5-7:(R)' } catch { $out.native = $_.Exception.Message }
$pw = ConvertTo-SecureString 'x' -AsPlainText -Force
New-RemediateLocalAccount -Name 'webanon' -Password $pw
$out.created = Test-RemediateLocalAccount -Name 'webanon'
$out.sid = Resolve-RemediateSid 'NT AUTHORITY\ANONYMOUS LOGON'
$out.name = Resolve-RemediateAccountName 'S-1-5-7'
try { Resolve-RemediateSid 'CONTOSO\nobody' } catch { $out.unmapped = $_.Exception.Message }
Set-RemediateComPlusIdentity -ProgId 'Billing.InvoiceWriter' -Identity 'CONTOSO\svc-billing' -Password $pw
$out.complus = (Get-RemediateComPlusIdentity -ProgId 'Billing.InvoiceWriter').identity
Remove-RemediateLocalAccount -Name 'webanon'
$out.removed = -not (Test-RemediateLocalAccount -Name 'webanon')
$global:SimWinWrites = 0
$global:SimWinFaultAt = 1
try { Grant-SmbShareAccess -Name 'public' -AccountName 'x' -AccessRight Read -Force }
catch { $out.fault = $_.Exception.Message }
$out.unchanged = @($SimWin.smb.shares.public.access).Count -eq 0
ConvertTo-Json -Compress -InputObject $out
"""


def test_stand_ins_refuse_the_unknown_and_keep_their_state(tmp_path: Path) -> None:
    done = subprocess.run([str(pwsh()), "-NoProfile", "-NonInteractive", "-Command",
                           "& { " + PROBE + " } " + f"'{HERE}' '{tmp_path}'"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout.strip().splitlines()[-1])
    assert got["unknown"] == "A parameter cannot be found that matches parameter name 'Bogus'."
    assert got["native"].startswith("simwin: icacls D:\\public /deny")
    assert got["unmapped"].startswith("Some or all identity references could not be translated.")
    assert got["fault"].startswith("simwin: injected fault at change 1")
    assert {k: got[k] for k in ("created", "sid", "name", "complus", "removed", "unchanged")} == {
        "created": True, "sid": "S-1-5-7", "name": "NT AUTHORITY\\ANONYMOUS LOGON", "complus": "CONTOSO\\svc-billing",
        "removed": True, "unchanged": True}




def test_iis_stand_ins_commit_together_and_remove_pools(tmp_path: Path) -> None:
    """A commit delay discards what it did not commit (also a session that ends with it open after a fault, whose
    changes the session saw pending); processModel takes one write of several
    attributes and refuses one it does not simulate; a pool's applications are found by the documented filter."""
    done = subprocess.run([str(pwsh()), "-NoProfile", "-NonInteractive", "-File",
                           str(HERE / "Test-SimWinIisStandIns.ps1"), str(HERE), str(tmp_path)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout.strip().splitlines()[-1])
    assert got.pop("fault").startswith("simwin: injected fault at change 2")
    assert got.pop("unknown") == "simwin: processModel.idleTimeout is not simulated"
    assert got == {"computer": "WEB11", "users": 1, "discarded": "C:\\a", "pending": "\\\\fs01\\a", "uncommitted": "C:\\a",
                   "identity": "SpecificUser CONTOSO\\x$", "removed": True}
