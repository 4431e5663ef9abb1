"""`remediate apply` against hosts that fail: each fault class gives its status, a message that
says what to fix, and the exit code, while the other hosts finish; the shell is deleted on every
path. pywinrm is never patched: the endpoint (tests/winrm_endpoint.py) misbehaves on demand."""

from __future__ import annotations

import socket
import threading

import pytest
from test_apply import PASSWORD, USER, Responder, apply, endpoint_vars, env, policy, write_inventory, write_policies  # noqa: F401 (env: fixture)

from remediate.apply import framing

from support.certs import make_certs
from support.winrm_endpoint import Faults, serve


def farm_policy(tmp_path, count: int = 1):
    """web01 (healthy, on `good`) and web02 (on the faulty endpoint), both IIS: the same role, so the
    healthy one runs whatever happens to the other. `count` policies make the script bigger."""
    docs = [policy(f"farm{i:02d}" if count > 1 else "farm", iis="farm") for i in range(count)]
    return write_policies(tmp_path, *docs)


def two_endpoints(tmp_path, good_url, bad_vars: dict):
    return write_inventory(tmp_path, {"web01": endpoint_vars(good_url), "web02": bad_vars,
                                      "fs01": endpoint_vars(good_url)}, groups={"farm": ["web01", "web02"]})


def shells_deleted(server) -> bool:
    return all(shell.deleted for shell in server.shells.values())


@pytest.fixture
def good():
    responder = Responder()
    with serve(USER, PASSWORD, responder=responder) as (server, url):
        server.responder_ = responder
        yield server, url


def broken_host(tmp_path, url: str, bad_vars: dict, status: str = "unreachable", code: int = 5) -> dict:
    """Apply the farm policy with web02 at `bad_vars`; web02's JSON entry, once the rest is checked."""
    run = apply(farm_policy(tmp_path), "-i", two_endpoints(tmp_path, url, bad_vars), "--format", "json")
    return check_others(run, status, code)


def check_others(run, status: str, code: int) -> dict:
    """web02 has `status`; the healthy hosts finished; the exit code is `code`."""
    hosts = run.hosts()
    assert run.code == code, run.out + run.err
    assert hosts["web01"]["status"] == "changed" and hosts["fs01"]["status"] == "changed"
    assert hosts["web02"]["status"] == status
    return hosts["web02"]


def test_401_is_explained_and_never_retried(tmp_path, env, good):
    server, url = good
    with serve(USER, PASSWORD, faults=Faults(reject_auth_first=5)) as (bad, bad_url):
        host = broken_host(tmp_path, url, endpoint_vars(bad_url))
        assert host["message"].startswith(f"authentication failed (HTTP 401) for {USER} with ntlm at {bad_url}: "
                                          "check ansible_user and ansible_password (not retried")
        assert "LocalAccountTokenFilterPolicy = 1" in host["message"]
        assert bad.rejections == 1 and bad.faults.reject_auth_first == 4   # one try only
        assert bad.shells == {} and host["requests"] == bad.request_count == 3


def test_413_names_the_chunk_and_how_to_raise_the_limit(tmp_path, env, good):
    server, url = good
    responder = Responder()
    pols = farm_policy(tmp_path, count=20)      # a script of about 170 KB: one Send above 150 KB
    with serve(USER, PASSWORD, responder=responder, faults=Faults(max_envelope_bytes=150 * 1024)) as (bad, bad_url):
        inv = two_endpoints(tmp_path, url, endpoint_vars(bad_url))
        run = apply(pols, "-i", inv, "--format", "json")
        host = check_others(run, "unreachable", 5)
        assert host["message"].startswith("the host refused a request as too large (HTTP 413) at "
                                          f"{bad_url} (send the script): its MaxEnvelopeSizekb is below the 500 KB "
                                          f"that remediate's {framing.chunk_size(500)}-byte stdin chunks need")
        assert "Set-Item WSMan:\\localhost\\MaxEnvelopeSizekb 500" in host["message"]
        assert "--max-envelope-kb 150" in host["message"]
        assert shells_deleted(bad) and bad.last.signals == ["terminate"]

        bad.reset()
        run = apply(pols, "-i", inv, "--format", "json", "--max-envelope-kb", "150", "--limit", "web02")
        assert run.code == 0, run.out
        sends = bad.requests_for("Send")
        assert len(sends) >= 2 and {r.status for r in sends} == {200}
        assert all(len(r.soap) <= 150 * 1024 for r in sends)
        assert responder.seen["web02"].framed.script.count("policy farm") >= 20


def test_http_500_without_message_encryption_says_allowunencrypted(tmp_path, env, good):
    server, url = good
    with serve(USER, PASSWORD) as (bad, bad_url):
        run = apply(farm_policy(tmp_path), "-i", two_endpoints(
            tmp_path, url, endpoint_vars(bad_url, ansible_winrm_message_encryption="never")), "--format", "json")
        assert "warning:" in run.err and "'never' over http" in run.err
        host = check_others(run, "unreachable", 5)
        assert host["message"].startswith("the host refused unencrypted WinRM over plain HTTP (HTTP 500: Access is "
                                          "denied.)")
        assert "AllowUnencrypted=false" in host["message"] and "Use https (port 5986)" in host["message"]
        assert bad.shells == {}


def test_busy_170_is_retried_then_explained(tmp_path, env, good):
    server, url = good
    with serve(USER, PASSWORD, responder=Responder(), faults=Faults(busy_create=2, busy_send=1)) as (bad, bad_url):
        inv = two_endpoints(tmp_path, url, endpoint_vars(bad_url))
        run = apply(farm_policy(tmp_path), "-i", inv, "--format", "json")
        assert run.code == 0, run.out
        assert [r.fault for r in bad.requests if r.fault] == [170, 170, 170]
        assert len(bad.shells) == 1 and shells_deleted(bad)

        bad.reset()
        bad.faults.busy_send = 10
        run = apply(farm_policy(tmp_path), "-i", inv, "--format", "json")
        host = check_others(run, "unreachable", 5)
        assert host["message"].startswith(f"the host stayed busy (WS-Man fault 170, ERROR_BUSY) through 4 tries at "
                                          f"{bad_url} (send the script)")
        assert "fewer --forks" in host["message"]
        assert bad.faults.busy_send == 6 and shells_deleted(bad) and bad.last.signals == ["terminate"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_connection_refused(tmp_path, env, good):
    server, url = good
    closed = {"ansible_host": "127.0.0.1", "ansible_port": free_port(), "ansible_winrm_transport": "ntlm",
              "ansible_winrm_scheme": "http"}
    host = broken_host(tmp_path, url, closed)
    assert host["message"] == (f"connection refused at 127.0.0.1:{closed['ansible_port']}: nothing listens there; "
                               "is WinRM enabled there (Enable-PSRemoting) and the firewall open?")
    assert host["requests"] == 1


def test_connection_refused_on_5986_points_at_the_http_listener(tmp_path, env, good):
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", 5986)) == 0:
            pytest.skip("something listens on 127.0.0.1:5986 here")
    server, url = good
    https = {"ansible_host": "127.0.0.1", "ansible_winrm_transport": "ntlm"}      # Ansible's default port 5986
    host = broken_host(tmp_path, url, https)
    assert host["message"].startswith("connection refused at 127.0.0.1:5986: nothing listens there; a stock "
                                      "Windows host has only the HTTP listener on 5985")


def test_a_self_signed_certificate_fails_validation_clearly(tmp_path, env, good):
    server, url = good
    with serve(USER, PASSWORD, https=True) as (bad, bad_url):     # a CA the client was not given
        host = broken_host(tmp_path, url, endpoint_vars(bad_url))
        assert host["message"].startswith(f"the certificate of {bad_url} could not be validated against the "
                                          "system's trusted CAs: ")
        assert "ansible_winrm_server_cert_validation: ignore only for a test host" in host["message"]
        assert bad.shells == {}


@pytest.mark.parametrize("behaviour, message", [
    ("no-result", "no REMEDIATE-RESULT line in the output (exit code 1): Cannot find drive"),
    ("malformed", "the REMEDIATE-RESULT line is malformed"),
    ("exit", "exit code 3 although no task failed"),
    ("fail", "task p.1 failed: Access is denied."),
])
def test_scripts_that_fail_are_failed_with_the_reason(tmp_path, env, good, behaviour, message):
    server, url = good
    with serve(USER, PASSWORD, responder=Responder({"web02": behaviour})) as (bad, bad_url):
        host = broken_host(tmp_path, url, endpoint_vars(bad_url), "failed", 4)
        assert host["message"].startswith(message)
        assert shells_deleted(bad) and bad.last.signals == ["terminate"]


def test_unreachable_wins_over_failed(tmp_path, env, good):
    server, url = good
    server.responder_.behaviours["web01"] = "fail"
    closed = {"ansible_host": "127.0.0.1", "ansible_port": free_port(), "ansible_winrm_transport": "ntlm"}
    run = apply(farm_policy(tmp_path), "-i", two_endpoints(tmp_path, url, closed), "--format", "json")
    assert run.code == 5
    assert [run.hosts()[h]["status"] for h in ("fs01", "web01", "web02")] == ["changed", "failed", "unreachable"]


def test_a_dropped_connection_is_unreachable(tmp_path, env, good):
    server, url = good
    with serve(USER, PASSWORD, responder=Responder(), faults=Faults(drop="Receive")) as (bad, bad_url):
        host = broken_host(tmp_path, url, endpoint_vars(bad_url))
        assert host["message"].startswith(f"the connection to {bad_url} (wait for the result) failed: ")
        inv = bad.last
        assert inv.signals == ["terminate"] and inv.deleted   # on a new connection, after a new handshake


def test_https_to_an_http_listener_says_so(tmp_path, env, good):
    server, url = good
    with serve(USER, PASSWORD) as (bad, bad_url):
        wrong = endpoint_vars(bad_url, ansible_winrm_scheme="https")
        host = broken_host(tmp_path, url, wrong)
        assert host["message"].startswith(f"the TLS handshake with {bad_url.replace('http:', 'https:')} failed")
        assert "that port answers plain HTTP, not HTTPS" in host["message"]


def test_an_unwritable_journal_stops_the_run_before_it_starts(tmp_path, env, good):
    server, url = good
    (tmp_path / "file").write_text("not a folder")
    run = apply(farm_policy(tmp_path), "-i", two_endpoints(tmp_path, url, endpoint_vars(url)),
                "--journal", tmp_path / "file" / "journal.jsonl")
    assert run.code == 2 and "--journal: cannot be written" in run.err
    assert server.requests == []


def test_a_certificate_for_another_name_fails_validation_and_says_so(tmp_path, env, good):
    server, url = good
    elsewhere = make_certs(tmp_path / "elsewhere", hostnames=("web99.contoso.com",), addresses=())
    with serve(USER, PASSWORD, https=True, certfile=elsewhere.server_cert, keyfile=elsewhere.server_key) as (bad, bad_url):
        host = broken_host(tmp_path, url, endpoint_vars(bad_url, ansible_winrm_ca_trust_path=str(elsewhere.ca_cert)))
        assert host["message"].startswith(f"the certificate of {bad_url} could not be validated against the CA file "
                                          f"{elsewhere.ca_cert}: ")
        assert "mismatch" in host["message"] and "the name you connect to is in the certificate" in host["message"]
        assert bad.shells == {}


def test_a_tls_handshake_cut_short_is_not_called_a_certificate_problem(tmp_path, env, good):
    """A port that accepts and closes at once: not a certificate the client rejected."""
    server, url = good
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        port = listener.getsockname()[1]

        def close_each() -> None:
            for _ in range(8):
                try:
                    conn, _ = listener.accept()
                except OSError:
                    return
                conn.close()

        threading.Thread(target=close_each, daemon=True).start()
        host = broken_host(tmp_path, url, {"ansible_host": "127.0.0.1", "ansible_port": port,
                                           "ansible_winrm_transport": "ntlm", "ansible_winrm_scheme": "https"})
    assert host["status"] == "unreachable"
    assert host["message"].startswith(f"the TLS connection to https://127.0.0.1:{port}/wsman (create shell) failed: ")
    assert "EOF" in host["message"] and "could not be validated" not in host["message"]
