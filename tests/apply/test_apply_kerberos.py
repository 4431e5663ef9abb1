"""`remediate apply` with Kerberos, against a real MIT KDC (tests/kdc.py) and the WinRM test
endpoint accepting Kerberos through pyspnego and gssapi: the ticket comes from the credential
cache (kinit first), messages are encrypted over HTTP, the script and its secret arrive whole.
Skipped where the KDC tools or pywinrm's Kerberos part (pykerberos) or gssapi are missing;
.ci/run installs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from test_apply import (  # noqa: F401 (env: fixture)
    PASSWORD,
    PW_ENV,
    SECRET,
    Responder,
    apply,
    endpoint_vars,
    env,
    policy,
    resource_server_unreachable,
    write_inventory,
    write_policies,
)

from support.winrm_endpoint import serve

kdc = pytest.importorskip("support.kdc")
if not kdc.available():
    pytest.skip("the MIT Kerberos KDC tools are not installed (Debian: krb5-kdc krb5-admin-server krb5-user)",
                allow_module_level=True)
pytest.importorskip("gssapi", reason="the endpoint's Kerberos acceptor needs gssapi")
pytest.importorskip("kerberos", reason="pywinrm's Kerberos transport needs pykerberos (pywinrm[kerberos])")


@pytest.fixture
def kerberos(tmp_path, env):
    with kdc.realm(tmp_path / "realm", password=PASSWORD) as realm:   # the inventory's password
        for name, value in realm.environ.items():
            env.setenv(name, value)
        yield realm


def kerberos_vars(url: str, user: str, **more) -> dict:
    return endpoint_vars(url, "kerberos", ansible_user=user, **more)


def managed_vars(url: str, user: str, **more) -> dict:
    """A password (the inventory's, from the environment) and krb5.conf passed to kinit, as a
    user whose realm is not in /etc/krb5.conf would write it."""
    return kerberos_vars(url, user, ansible_winrm_kinit_env_vars=["KRB5_CONFIG"], **more)


def remediate_caches() -> set[Path]:
    return set(Path(tempfile.gettempdir()).glob("remediate-krb5-*"))


def test_kinit_mode_manual_uses_your_ticket_and_encrypts_over_http(tmp_path, kerberos):
    kerberos.kinit()
    pols = write_policies(tmp_path, policy("reports"))
    responder = Responder()
    with serve(kerberos.user, "unused", responder=responder) as (server, url):
        manual = {"ansible_winrm_kinit_mode": "manual"}
        inv = write_inventory(tmp_path, {"web01": kerberos_vars(url, kerberos.user, **manual),
                                         "fs01": kerberos_vars(url, kerberos.user, **manual)})   # a password too
        run = apply(pols, "-i", inv, "--format", "json")
        assert run.code == 0, run.err
        assert run.err.count("is not used with ansible_winrm_kinit_mode manual") == 2      # warned, per host
        assert {h["status"] for h in run.json()["hosts"]} == {"changed"}
        assert responder.seen["web01"].framed.secrets == {"reports_password": SECRET}
        answered = [r for r in server.requests if r.status == 200]
        assert answered and {r.user for r in answered} == {kerberos.user}
        assert all(r.encrypted for r in answered if r.action)          # every SOAP message sealed
        assert not any(r.tls for r in server.requests)
        assert all(shell.deleted for shell in server.shells.values())


def test_with_a_password_remediate_gets_the_tickets_of_each_principal(tmp_path, kerberos, env):
    """Two hosts, each accepting another principal: two kinits into the run's own cache collection;
    your own credential cache is neither used nor touched, and the run's is deleted."""
    other = kerberos.add_user("deployer", "Other-pass-2")
    pols = write_policies(tmp_path, policy("reports"))
    responder = Responder()
    before = remediate_caches()
    with serve(kerberos.user, "unused", responder=responder) as (web, web_url), \
            serve(other, "unused", responder=responder) as (fs, fs_url):
        env.setenv("REMEDIATE_TEST_OTHER_PW", "Other-pass-2")
        inv = write_inventory(tmp_path, {
            "web01": managed_vars(web_url, kerberos.user),
            "fs01": managed_vars(fs_url, other, ansible_password="{{ lookup('env', 'REMEDIATE_TEST_OTHER_PW') }}")})
        run = apply(pols, "-i", inv, "--format", "json")
        assert run.code == 0, run.err
        assert {r.user for r in web.requests if r.status == 200} == {kerberos.user}
        assert {r.user for r in fs.requests if r.status == 200} == {other}
        assert all(r.encrypted for r in web.requests + fs.requests if r.status == 200 and r.action)
    assert not kerberos.ccache.exists()                       # the user's cache: never written
    assert os.environ["KRB5CCNAME"] == kerberos.environ["KRB5CCNAME"]
    assert remediate_caches() == before                       # the run's collection is gone


def test_kinit_gets_the_password_on_stdin_and_a_clean_environment(tmp_path, kerberos):
    log = tmp_path / "kinit.log"
    wrapper = tmp_path / "kinit-wrapper"
    wrapper.write_text(f"#!/bin/sh\nprintf '%s\\n' \"$@\" > {log}\nenv >> {log}\nexec kinit \"$@\"\n")
    wrapper.chmod(0o755)
    pols = write_policies(tmp_path, policy("reports"))
    with serve(kerberos.user, "unused", responder=Responder()) as (server, url):
        vars_ = managed_vars(url, kerberos.user, ansible_winrm_kinit_cmd=str(wrapper), ansible_winrm_kinit_args="-l 30m")
        inv = write_inventory(tmp_path, {"web01": vars_, "fs01": vars_})
        run = apply(pols, "-i", inv, "--format", "json")
        assert run.code == 0, run.err
    seen = log.read_text()
    assert seen.startswith(f"-l\n30m\n{kerberos.user}\n")        # kinit_args, then the principal
    assert PASSWORD not in seen                                  # not on the command line, not in the environment
    names = {line.split("=", 1)[0] for line in seen.splitlines() if "=" in line}
    assert {"PATH", "KRB5CCNAME", "KRB5_CONFIG"} <= names
    assert not names & {"KRB5_KTNAME", "REMEDIATE_TEST_WINRM_PW", PW_ENV}   # nothing else passed through
    assert "KRB5CCNAME=DIR:" in seen


def test_a_wrong_password_is_one_kinit_and_the_hosts_unreachable(tmp_path, kerberos, monkeypatch):
    monkeypatch.setenv("REMEDIATE_TEST_WINRM_PW", "Wrong-pass-9")
    with serve(kerberos.user, "unused", responder=Responder()) as (server, url):
        fs01, run = resource_server_unreachable(tmp_path, managed_vars(url, kerberos.user), requests=0)
        assert fs01["message"].startswith(f"Kerberos: kinit for {kerberos.user} failed (")
        assert "not retried" in fs01["message"]
        assert "Wrong-pass-9" not in run.out + run.err
        assert server.requests == []


def test_kerberos_without_a_ticket_is_unreachable_and_says_kinit(tmp_path, kerberos):
    with serve(kerberos.user, "unused", responder=Responder()) as (server, url):
        no_password = kerberos_vars(url, kerberos.user, ansible_password=None)    # your own ticket: there is none
        fs01, _ = resource_server_unreachable(tmp_path, no_password, requests=0)
        assert fs01["message"].startswith(f"Kerberos authentication for {kerberos.user} at {url} failed (")
        assert f"Can't find client principal {kerberos.user}" in fs01["message"]
        assert f"run kinit {kerberos.user} yourself" in fs01["message"] and "HTTP/127.0.0.1" in fs01["message"]
        assert server.shells == {}


def test_worker_processes_use_the_runs_tickets(tmp_path, kerberos):
    """20 forks: the hosts run in forked workers (Linux, 2+ cores), which inherit KRB5CCNAME."""
    farm = [f"web{i:02d}" for i in range(20)]
    pols = write_policies(tmp_path, policy("farm", iis="farm", constraints={"file_server_changes": "forbidden"}))
    with serve(kerberos.user, "unused", responder=Responder()) as (server, url):
        inv = write_inventory(tmp_path, {h: managed_vars(url, kerberos.user) for h in [*farm, "fs01"]},
                              groups={"farm": farm})
        proc = subprocess.run([sys.executable, "-P", "-c", "from remediate.cli import main; main()", "apply", str(pols),
                               "-i", str(inv), "--forks", "20", "--format", "json"],
                              capture_output=True, text=True, env=dict(os.environ), cwd=tmp_path, timeout=180)
        assert proc.returncode == 0, proc.stderr
        hosts = json.loads(proc.stdout)["hosts"]
        assert len(hosts) == 20 and {h["status"] for h in hosts} == {"changed"}
        assert {r.user for r in server.requests if r.status == 200} == {kerberos.user}
