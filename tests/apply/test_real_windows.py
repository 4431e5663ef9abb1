"""Optional: `remediate apply` against a real Windows host (skipped without one).

    REMEDIATE_TEST_WINRM_HOST=win2019.example REMEDIATE_TEST_WINRM_USER='EXAMPLE\\admin' \\
    REMEDIATE_TEST_WINRM_PASSWORD=... [REMEDIATE_TEST_WINRM_PORT=5986] \\
    [REMEDIATE_TEST_WINRM_TRANSPORT=ntlm] [REMEDIATE_TEST_WINRM_CA=/path/ca.pem] \\
    .venv/bin/pytest tests/apply/test_real_windows.py

The port defaults to 5986 when a CA file is given, else 5985; HTTPS is used with a CA file or
on port 5986, else HTTP (where NTLM encrypts the messages); the transport defaults to ntlm.
Nothing on the host is changed: a read-only script runs through the same bootstrap and stdin
framing as generated scripts (a secret, -Check, a script of several hundred KB), and a
generated script runs with --check.
"""

from __future__ import annotations

import json
import os

import pytest
import yaml
from test_apply import apply, policy, write_policies

from remediate.apply.connection import Connection
from remediate.apply.runner import Job, Settings, run_host

HOST = os.environ.get("REMEDIATE_TEST_WINRM_HOST")
pytestmark = pytest.mark.skipif(not HOST, reason="set REMEDIATE_TEST_WINRM_HOST, _USER and _PASSWORD to run")


def settings() -> dict:
    ca = os.environ.get("REMEDIATE_TEST_WINRM_CA")
    port = int(os.environ.get("REMEDIATE_TEST_WINRM_PORT") or (5986 if ca else 5985))
    return {"host": HOST, "port": port, "scheme": "https" if ca or port == 5986 else "http",
            "transport": os.environ.get("REMEDIATE_TEST_WINRM_TRANSPORT", "ntlm"), "ca": ca,
            "user": os.environ["REMEDIATE_TEST_WINRM_USER"], "password": os.environ["REMEDIATE_TEST_WINRM_PASSWORD"]}


READ_ONLY = r"""[CmdletBinding()]
param([switch] $Check, [switch] $Restart, [securestring] $probe_password)
$plain = (New-Object System.Management.Automation.PSCredential('x', $probe_password)).GetNetworkCredential().Password
$facts = [ordered]@{ ps = $PSVersionTable.PSVersion.ToString(); os = [Environment]::OSVersion.VersionString;
                     check = $Check.IsPresent; secret_length = $plain.Length;
                     secret_ok = ($plain -ceq 'Pr0be é ''x''') }
$task = [ordered]@{ id = 'probe.1'; policy = 'probe'; name = 'read facts'; changed = $false; failed = $false;
                    before = $facts; after = $facts; message = '' }
# PADDING
Write-Output ('REMEDIATE-RESULT ' + (ConvertTo-Json -InputObject ([ordered]@{ host = $env:COMPUTERNAME;
    check = $Check.IsPresent; tasks = @($task) }) -Compress -Depth 5))
"""


def test_a_read_only_script_with_a_secret_and_check_through_the_bootstrap():
    s = settings()
    connection = Connection(host=s["host"], address=s["host"], port=s["port"], scheme=s["scheme"],
                            transport=s["transport"], user=s["user"], password=s["password"],
                            cert_validation="validate", ca_trust_path=s["ca"], cert_pem=None, cert_key_pem=None,
                            operation_timeout=20, read_timeout=30, message_encryption="auto", path="/wsman")
    script = READ_ONLY.replace("# PADDING", "\n".join("# padding line %05d %s" % (i, "y" * 90) for i in range(4000)))
    assert len(script) > 400_000                    # several Sends, as big generated scripts need
    result = run_host(Job(s["host"], "iis", connection, script, {"probe_password": "Pr0be é 'x'"}),
                      Settings(timeout=300, check=True))
    assert result.status == "ok", result.message
    facts = result.tasks[0]["before"]
    assert facts["check"] is True and facts["secret_ok"] is True and facts["ps"].startswith("5.1"), facts


def test_check_mode_of_a_generated_script(tmp_path, monkeypatch):
    s = settings()
    monkeypatch.setenv("REMEDIATE_TEST_REAL_PW", s["password"])
    monkeypatch.chdir(tmp_path)
    pols = write_policies(tmp_path, policy("remediate-probe", iis="webX", fs="target"))
    variables = {"ansible_host": s["host"], "ansible_port": s["port"], "ansible_winrm_scheme": s["scheme"],
                 "ansible_winrm_transport": s["transport"], "ansible_user": s["user"],
                 "ansible_password": "{{ lookup('env', 'REMEDIATE_TEST_REAL_PW') }}"}
    if s["ca"]:
        variables["ansible_winrm_ca_trust_path"] = s["ca"]
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(yaml.safe_dump({"all": {"hosts": {"target": variables, "webX": {}}}}))
    run = apply(pols, "-i", inventory, "--check", "--limit", "target", "--format", "json")
    host = json.loads(run.out)["hosts"][0]
    # the share does not exist there, so a task may fail; what matters is that the script ran
    # in check mode and answered with its REMEDIATE-RESULT
    assert host["status"] in ("ok", "changed", "failed"), host["message"]
    assert host["tasks"] and not host["message"].startswith("no REMEDIATE-RESULT"), host
    assert all(not t["changed"] or "check mode" in t["message"] for t in host["tasks"])
