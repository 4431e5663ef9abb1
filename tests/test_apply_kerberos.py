"""`remediate apply` with Kerberos, against a real MIT KDC (tests/kdc.py) and the WinRM test
endpoint accepting Kerberos through pyspnego and gssapi: the ticket comes from the credential
cache (kinit first), messages are encrypted over HTTP, the script and its secret arrive whole.
Skipped where the KDC tools or pywinrm's Kerberos part (pykerberos) or gssapi are missing;
.ci/run installs them."""

from __future__ import annotations

import pytest

from test_apply import (SECRET, Responder, apply, endpoint_vars, env, policy,  # noqa: F401 (env: fixture)
                        write_inventory, write_policies)
from winrm_endpoint import serve

kdc = pytest.importorskip("kdc")
if not kdc.available():
    pytest.skip("the MIT Kerberos KDC tools are not installed (Debian: krb5-kdc krb5-admin-server krb5-user)",
                allow_module_level=True)
pytest.importorskip("gssapi", reason="the endpoint's Kerberos acceptor needs gssapi")
pytest.importorskip("kerberos", reason="pywinrm's Kerberos transport needs pykerberos (pywinrm[kerberos])")


@pytest.fixture
def kerberos(tmp_path, env):
    with kdc.realm(tmp_path / "realm") as realm:
        for name, value in realm.environ.items():
            env.setenv(name, value)
        yield realm


def kerberos_vars(url: str, user: str) -> dict:
    return endpoint_vars(url, "kerberos", ansible_user=user)


def test_kerberos_with_a_ticket_encrypts_over_http_and_delivers_the_script(tmp_path, kerberos):
    kerberos.kinit()
    pols = write_policies(tmp_path, policy("reports"))
    responder = Responder()
    with serve(kerberos.user, "unused", responder=responder) as (server, url):
        inv = write_inventory(tmp_path, {"web01": kerberos_vars(url, kerberos.user),
                                         "fs01": kerberos_vars(url, kerberos.user)})   # a password too: unused
        run = apply(pols, "-i", inv, "--format", "json")
        assert run.code == 0, run.err
        assert run.err.count("ansible_password: is not used with kerberos") == 2      # warned, per host
        assert {h["status"] for h in run.json()["hosts"]} == {"changed"}
        assert responder.seen["web01"].framed.secrets == {"reports_password": SECRET}
        answered = [r for r in server.requests if r.status == 200]
        assert answered and {r.user for r in answered} == {kerberos.user}
        assert all(r.encrypted for r in answered if r.action)          # every SOAP message sealed
        assert not any(r.tls for r in server.requests)
        assert all(shell.deleted for shell in server.shells.values())


def test_kerberos_without_a_ticket_is_unreachable_and_says_kinit(tmp_path, kerberos):
    pols = write_policies(tmp_path, policy("reports"))
    with serve(kerberos.user, "unused", responder=Responder()) as (server, url):
        inv = write_inventory(tmp_path, {"web01": kerberos_vars(url, kerberos.user),
                                         "fs01": kerberos_vars(url, kerberos.user)}, password=False)
        run = apply(pols, "-i", inv, "--format", "json")
        assert run.code == 5, run.hosts()["fs01"]["message"]
        fs01 = run.hosts()["fs01"]
        assert fs01["status"] == "unreachable"
        assert fs01["message"].startswith(f"Kerberos authentication for {kerberos.user} at {url} failed (")
        assert f"Can't find client principal {kerberos.user}" in fs01["message"]
        assert f"run kinit {kerberos.user} first" in fs01["message"] and "HTTP/127.0.0.1" in fs01["message"]
        assert run.hosts()["web01"]["status"] == "skipped"
        assert server.shells == {}
