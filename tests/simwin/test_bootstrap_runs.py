"""The WinRM bootstrap (the only text on the remote command line) run by pwsh on its real stdin framing.

Proves that the bootstrap decodes `remediate/apply/framing.py`'s stdin, passes the switches and hands
each secret to the script as a SecureString, and refuses input that did not arrive whole. Not proved:
Windows PowerShell 5.1 under WinRS (the same text, run by `powershell.exe -EncodedCommand`).
"""

from __future__ import annotations

import base64
import json
import subprocess

import pytest

from remediate.apply import framing

from support.simwin.runner import pwsh

pytestmark = [pytest.mark.pwsh, pytest.mark.skipif(pwsh() is None, reason="pwsh is not on PATH (.ci/run installs it)")]

# Reports what it was given: the switches, and each secret's type and text.
PROBE = """[CmdletBinding()]
param([switch] $Check, [switch] $Restart, $web_password, $db_password)
$plain = { param($s) (New-Object System.Management.Automation.PSCredential('x', $s)).GetNetworkCredential().Password }
ConvertTo-Json -Compress -InputObject ([ordered]@{
    check = $Check.IsPresent; restart = $Restart.IsPresent
    types = @($web_password.GetType().FullName, $db_password.GetType().FullName)
    web = (& $plain $web_password); db = (& $plain $db_password) })
"""


def run_bootstrap(stdin: bytes) -> subprocess.CompletedProcess[bytes]:
    encoded = base64.b64encode(framing.bootstrap().encode("utf-16-le")).decode("ascii")
    return subprocess.run([str(pwsh()), "-NoProfile", "-NonInteractive", "-EncodedCommand", encoded],
                          input=stdin, capture_output=True, timeout=120)


def test_switches_and_secrets_arrive_as_securestrings() -> None:
    secrets = {"web_password": "pä$s'wörd\"`n;", "db_password": "ñ 2"}
    done = run_bootstrap(framing.encode(PROBE, switches=["Check"], secrets=secrets))
    assert done.returncode == 0, done.stderr.decode()
    got = json.loads(done.stdout.decode("utf-8").strip().splitlines()[-1])
    assert got == {"check": True, "restart": False, "types": ["System.Security.SecureString"] * 2,
                   "web": secrets["web_password"], "db": secrets["db_password"]}


def test_input_cut_short_is_refused_before_running_anything() -> None:
    whole = framing.encode("Write-Output 'ran'", switches=["Restart"])
    done = run_bootstrap(whole[: whole.rindex(framing.END.encode())])
    assert done.returncode == framing.BAD_INPUT_EXIT
    assert b"ran" not in done.stdout
    assert b"did not arrive whole" in done.stderr


def test_output_is_utf8_whatever_the_console_encoding(monkeypatch) -> None:
    """The bootstrap sets [Console]::OutputEncoding to UTF-8 before it runs the script, so a non-ASCII name in
    REMEDIATE-RESULT reaches `remediate apply` (which reads UTF-8) whole; here the console starts as ISO-8859-1."""
    monkeypatch.setenv("LC_ALL", "en_US.ISO-8859-1")
    name = "Standardwebsite Zürich / Ωmega"
    probe = f"$site = '{name}'\nWrite-Output ('REMEDIATE-RESULT ' + (ConvertTo-Json -Compress -InputObject @{{ site = $site }}))\n"
    done = run_bootstrap(framing.encode(probe, switches=[]))
    assert done.returncode == 0, done.stderr.decode()
    lines = done.stdout.decode("utf-8").splitlines()
    assert lines == ['REMEDIATE-RESULT {"site":"' + name + '"}']
