"""The WinRM test endpoint, driven by pywinrm itself (unmodified, never patched or mocked).

Every client passes proxy=None and either ca_trust_path= or server_cert_validation="ignore"
explicitly: the environment sets REQUESTS_CA_BUNDLE, which pywinrm's default would pick up.
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests
import winrm
import xmltodict
from winrm.exceptions import (
    InvalidCredentialsError,
    WinRMOperationTimeoutError,
    WinRMTransportError,
    WSManFaultError,
)

from support.certs import make_certs
from support.winrm_endpoint import DEFAULT_RESULT, ENCRYPTED_CONTENT_TYPE, Faults, serve

USER = "remediate"
PASSWORD = "Corr3ct horse!"
SUPPORT = Path(__file__).resolve().parents[1] / "support"


def connect(url: str, transport: str = "ntlm", user: str = USER, password: str = PASSWORD, **kwargs) -> winrm.Protocol:
    kwargs.setdefault("proxy", None)
    if "server_cert_validation" not in kwargs:
        kwargs.setdefault("ca_trust_path", None)   # never the environment's bundle
    return winrm.Protocol(url, transport=transport, username=user, password=password, **kwargs)


def run(p: winrm.Protocol, stdin: bytes | None = None, chunk: int = 150_000,
        command: str = "powershell.exe", arguments=("-NoProfile", "-NonInteractive", "-Command", "-")):
    """Shell, command, stdin in chunks, output, Signal terminate, Delete: as remediate will."""
    shell = p.open_shell(codepage=65001)
    command_id = p.run_command(shell, command, list(arguments), console_mode_stdin=False)
    if stdin is not None:
        for i in range(0, len(stdin), chunk):
            p.send_command_input(shell, command_id, stdin[i:i + chunk], end=i + chunk >= len(stdin))
    out, err, rc = p.get_command_output(shell, command_id)
    p.cleanup_command(shell, command_id)
    p.close_shell(shell)
    return out, err, rc


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    return make_certs(tmp_path_factory.mktemp("certs"))


# ---------------------------------------------------------------------------------------------
# Authentication and transport security

def test_ntlm_over_http_is_encrypted_both_ways():
    with serve(USER, PASSWORD) as (server, url):
        assert url.startswith("http://127.0.0.1:") and url.endswith("/wsman")
        p = connect(url)
        out, err, rc = run(p, b"Write-Output 'secret-value'")
        assert (out, err, rc) == (DEFAULT_RESULT, b"", 0)

        inv = server.last
        assert inv.user == USER and inv.auth == "Negotiate" and inv.encrypted
        assert inv.command == "powershell.exe" and inv.arguments == ["-NoProfile -NonInteractive -Command -"]
        assert inv.options["WINRS_CONSOLEMODE_STDIN"] == "FALSE"
        assert inv.stdin == b"Write-Output 'secret-value'" and inv.stdin_closed
        assert inv.shell.codepage == 65001
        assert inv.signals == ["terminate"] and inv.deleted
        assert inv.created_at <= inv.command_at <= inv.first_send_at <= inv.end_at <= inv.receive_at
        assert inv.receive_at <= inv.done_at <= inv.deleted_at

        soap = [r for r in server.requests if r.action]
        assert [r.action for r in soap] == ["Create", "Command", "Send", "Receive", "Signal", "Delete"]
        for r in soap:   # on the wire: encrypted, the SOAP and the secret nowhere in clear
            assert r.encrypted and r.content_type == ENCRYPTED_CONTENT_TYPE and r.status == 200
            assert b"Envelope" not in r.wire and b"secret-value" not in r.wire
            assert b"Envelope" in r.soap
        # one TCP connection: 401 + NTLM negotiate/authenticate on the empty POST, then 6 requests
        assert [r.authorization for r in server.requests[:3]] == [None, "Negotiate", "Negotiate"]
        assert server.connections == {1: 9} and server.request_count == 9 and inv.connections == {1}
        assert server.errors == []


def test_ntlm_with_domain_user_and_a_password_with_colons():
    with serve("CONTOSO\\svc-remediate", "pa:ss:word") as (server, url):
        assert run(connect(url, user="CONTOSO\\svc-remediate", password="pa:ss:word"))[2] == 0
        assert server.last.user == "CONTOSO\\svc-remediate"
        with pytest.raises(InvalidCredentialsError):   # another domain is another account
            connect(url, user="FABRIKAM\\svc-remediate", password="pa:ss:word").open_shell()
        assert server.rejections == 1


@pytest.mark.parametrize("transport", ["ntlm", "basic"])
def test_wrong_password_is_invalid_credentials(transport):
    with serve(USER, PASSWORD, faults=Faults(allow_unencrypted=True)) as (server, url):
        with pytest.raises(InvalidCredentialsError):
            connect(url, transport=transport, password="wrong").open_shell()
        assert server.rejections == 1 and server.shells == {}


def test_basic_over_http_only_when_unencrypted_traffic_is_allowed():
    with serve(USER, PASSWORD) as (server, url):
        # Windows' default AllowUnencrypted=false: HTTP 500 with a WS-Man fault
        with pytest.raises(WSManFaultError) as refused:
            connect(url, transport="basic").open_shell()
        assert (refused.value.code, refused.value.wsman_fault_code) == (500, 5)
        assert refused.value.fault_subcode == "w:AccessDenied"
        with pytest.raises(WSManFaultError):   # NTLM without message encryption: the same
            connect(url, message_encryption="never").open_shell()
        assert server.shells == {}

        server.faults.allow_unencrypted = True
        assert run(connect(url, transport="basic")) == (DEFAULT_RESULT, b"", 0)
        inv = server.last
        assert inv.auth == "Basic" and not inv.encrypted and inv.user == USER
        assert {r.content_type for r in server.requests if r.action} == {"application/soap+xml;charset=UTF-8"}


def test_basic_over_https_validates_against_the_ca(certs):
    with serve(USER, PASSWORD, https=True, certfile=certs.server_cert, keyfile=certs.server_key) as (server, url):
        assert url.startswith("https://127.0.0.1:")
        for transport in ("ssl", "basic"):
            assert run(connect(url, transport=transport, ca_trust_path=str(certs.ca_cert)))[2] == 0
        assert all(r.tls and not r.encrypted for r in server.requests)
        assert server.last.auth == "Basic"

        with pytest.raises(requests.exceptions.SSLError):
            connect(url, transport="ssl", ca_trust_path=str(certs.other_ca_cert)).open_shell()
        with pytest.raises(requests.exceptions.SSLError):   # system bundle only: not trusted either
            connect(url, transport="ssl", ca_trust_path=None).open_shell()
        assert run(connect(url, transport="ssl", server_cert_validation="ignore"))[2] == 0


def test_ntlm_over_https_checks_the_channel_binding(certs):
    with serve(USER, PASSWORD, https=True, certfile=certs.server_cert, keyfile=certs.server_key) as (server, url):
        assert run(connect(url, ca_trust_path=str(certs.ca_cert)), b"x")[2] == 0
        assert not server.last.encrypted   # https: no message encryption (auto)
        with pytest.raises(InvalidCredentialsError):
            connect(url, ca_trust_path=str(certs.ca_cert), send_cbt=False).open_shell()
        server.faults.check_cbt = False
        assert run(connect(url, ca_trust_path=str(certs.ca_cert), send_cbt=False))[2] == 0
        # NTLM encryption inside TLS works too
        assert run(connect(url, ca_trust_path=str(certs.ca_cert), message_encryption="always"), b"y")[2] == 0
        assert server.last.encrypted and server.last.stdin == b"y"


def test_https_with_a_generated_certificate():
    with serve(USER, PASSWORD, https=True) as (server, url):
        assert server.ca_file.is_file()
        assert run(connect(url, ca_trust_path=str(server.ca_file)))[2] == 0
    assert not server.ca_file.exists()


def test_rejected_authentication_is_counted_and_never_retried():
    with serve(USER, PASSWORD, faults=Faults(reject_auth_first=3, allow_unencrypted=True)) as (server, url):
        for transport in ("ntlm", "basic"):
            server.reset()
            with pytest.raises(InvalidCredentialsError):
                connect(url, transport=transport).open_shell()
            # one refusal: a client that tried again would have been let in by the third try
            assert server.rejections == 1
        assert server.faults.reject_auth_first == 1

        server.faults.reject_auth = True
        with pytest.raises(InvalidCredentialsError):
            connect(url).open_shell()
        assert server.faults.reject_auth_first == 1


def test_two_endpoints_with_different_accounts_in_one_process():
    with serve("alice", "a-pass") as (a, url_a), serve("bob", "b-pass") as (b, url_b):
        assert run(connect(url_a, user="alice", password="a-pass"))[2] == 0
        assert run(connect(url_b, user="bob", password="b-pass"))[2] == 0
        with pytest.raises(InvalidCredentialsError):   # bob's account is not alice's host's
            connect(url_a, user="bob", password="b-pass").open_shell()
        with pytest.raises(RuntimeError):   # same account, other password: needs another process
            with serve("alice", "other"):
                pass
    assert "NTLM_USER_FILE" not in os.environ or not Path(os.environ["NTLM_USER_FILE"]).exists()


# ---------------------------------------------------------------------------------------------
# Payloads, WinRS operations and the responder

def test_500_kb_stdin_arrives_byte_for_byte_in_chunks():
    payload = os.urandom(375_000)
    stdin = base64.b64encode(payload)      # 500 000 bytes, as the project sends scripts
    with serve(USER, PASSWORD) as (server, url):
        assert run(connect(url), stdin, chunk=150_000)[2] == 0
        inv = server.last
        assert inv.stdin == stdin and base64.b64decode(inv.stdin) == payload
        assert [len(c) for c in inv.stdin_chunks] == [150_000, 150_000, 150_000, 50_000]
        sends = server.requests_for("Send")
        assert len(sends) == 4 and all(r.encrypted for r in sends)
        assert b"Envelope" not in b"".join(r.wire for r in sends)


def test_responder_decides_the_answer_after_stdin_is_complete():
    seen = []

    def responder(inv):
        seen.append(inv.stdin)
        return "out é".encode() * 3, b"err", 3

    with serve(USER, PASSWORD, responder=responder, faults=Faults(output_parts=3)) as (server, url):
        assert run(connect(url), b"abc" * 10, chunk=7) == ("out é".encode() * 3, b"err", 3)
        assert seen == [b"abc" * 10] and server.last.receives == 3 and server.last.exit_code == 3

        # pywinrm's own Session.run_cmd (no stdin at all)
        session = winrm.Session(url, auth=(USER, PASSWORD), transport="ntlm", ca_trust_path=None, proxy=None)
        result = session.run_cmd("ipconfig", ["/all"])
        assert (result.status_code, result.std_err) == (3, b"err")
        assert server.last.command_line == "ipconfig /all" and server.last.stdin == b""


def test_signal_and_delete_are_recorded():
    with serve(USER, PASSWORD, faults=Faults(hang=True)) as (server, url):
        p = connect(url)
        shell = p.open_shell()
        command_id = p.run_command(shell, "cmd.exe", ["/c", "pause"])
        # ctrl_c through pywinrm's public builders: it checks the RelatesTo of the answer
        message_id = uuid.uuid4()
        req = {"env:Envelope": p.build_wsman_header(
            action="http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Signal",
            resource_uri="http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd",
            shell_id=shell, message_id=message_id)}
        req["env:Envelope"].setdefault("env:Body", {})["rsp:Signal"] = {
            "@CommandId": command_id,
            "rsp:Code": "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/signal/ctrl_c"}
        answer = xmltodict.parse(p.send_message(xmltodict.unparse(req)))
        assert answer["s:Envelope"]["s:Header"]["a:RelatesTo"] == f"uuid:{message_id}"
        p.cleanup_command(shell, command_id)
        inv = server.invocation(command_id)
        assert inv.signals == ["ctrl_c", "terminate"] and inv.terminated and not inv.deleted
        p.close_shell(shell)
        assert inv.deleted and server.shells[shell].deleted

        with pytest.raises(WSManFaultError) as gone:   # the shell no longer exists
            p.run_command(shell, "hostname")
        assert gone.value.wsman_fault_code == 2150858843


# ---------------------------------------------------------------------------------------------
# Faults

def test_busy_fault_170_on_create_and_send():
    with serve(USER, PASSWORD, faults=Faults(busy_create=1, busy_send=1)) as (server, url):
        p = connect(url)
        with pytest.raises(WSManFaultError) as busy:
            p.open_shell()
        assert (busy.value.code, busy.value.wsman_fault_code) == (500, 170)
        assert (busy.value.fault_code, busy.value.fault_subcode) == ("s:Receiver", "w:InternalError")
        assert "in use" in busy.value.reason
        shell = p.open_shell()                        # the second Create gets through
        command_id = p.run_command(shell, "powershell.exe", ["-"])
        with pytest.raises(WSManFaultError) as busy_send:
            p.send_command_input(shell, command_id, b"lost", end=True)
        assert busy_send.value.wsman_fault_code == 170
        p.send_command_input(shell, command_id, b"kept", end=True)
        assert p.get_command_output(shell, command_id)[2] == 0
        assert server.invocation(command_id).stdin == b"kept"
        assert server.faults.busy_create == server.faults.busy_send == 0
        assert [r.fault for r in server.requests if r.fault] == [170, 170]


def test_receive_operation_timeout_is_retried():
    with serve(USER, PASSWORD, faults=Faults(receive_timeouts=3)) as (server, url):
        assert run(connect(url, operation_timeout_sec=1, read_timeout_sec=2), b"x") == (DEFAULT_RESULT, b"", 0)
        assert server.last.receives == 4
        assert [r.status for r in server.requests_for("Receive")] == [500, 500, 500, 200]
        assert {r.fault for r in server.requests_for("Receive")} == {2150858793, None}


def test_hang_is_ended_by_the_clients_own_deadline():
    with serve(USER, PASSWORD, faults=Faults(hang=True)) as (server, url):
        p = connect(url, operation_timeout_sec=1, read_timeout_sec=2)
        shell = p.open_shell()
        command_id = p.run_command(shell, "powershell.exe", ["-"])
        p.send_command_input(shell, command_id, b"Start-Sleep 3600", end=True)
        deadline, timeouts, started = time.monotonic() + 0.4, 0, time.monotonic()
        while time.monotonic() < deadline:
            try:
                p.get_command_output_raw(shell, command_id)
            except WinRMOperationTimeoutError:
                timeouts += 1
                continue
            pytest.fail("a hung command answered")
        p.cleanup_command(shell, command_id)
        p.close_shell(shell)
        assert 0.4 <= time.monotonic() - started < 1.5
        inv = server.invocation(command_id)
        assert inv.receives == timeouts >= 2 and inv.done_at is None
        assert inv.signals == ["terminate"] and inv.deleted


def test_receive_held_for_the_operation_timeout_as_windows_does():
    with serve(USER, PASSWORD, faults=Faults(hang=True, receive_wait=None)) as (server, url):
        p = connect(url, operation_timeout_sec=1, read_timeout_sec=3)
        shell = p.open_shell()
        command_id = p.run_command(shell, "powershell.exe", ["-"])
        started = time.monotonic()
        with pytest.raises(WinRMOperationTimeoutError):
            p.get_command_output_raw(shell, command_id)
        assert 0.9 <= time.monotonic() - started < 2.5


def test_oversize_send_gets_http_413():
    with serve(USER, PASSWORD, faults=Faults(max_envelope_bytes=150 * 1024)) as (server, url):
        p = connect(url)
        shell = p.open_shell()
        command_id = p.run_command(shell, "powershell.exe", ["-"])
        with pytest.raises(WinRMTransportError) as too_big:   # 200 000 bytes -> ~267 KB of base64
            p.send_command_input(shell, command_id, b"a" * 200_000)
        assert too_big.value.code == 413
        p.send_command_input(shell, command_id, b"b" * 100_000, end=True)   # still in step
        assert p.get_command_output(shell, command_id)[2] == 0
        assert server.invocation(command_id).stdin == b"b" * 100_000
        assert [r.status for r in server.requests_for("Send")] == [413, 200]


def test_dropped_connection():
    faults = Faults(drop="Receive", allow_unencrypted=True)
    with serve(USER, PASSWORD, faults=faults) as (server, url):
        p = connect(url, transport="basic")
        shell = p.open_shell()
        command_id = p.run_command(shell, "hostname")
        with pytest.raises(requests.exceptions.ConnectionError):
            p.get_command_output_raw(shell, command_id)
        assert server.requests_for("Receive")[0].status is None
        assert p.get_command_output(shell, command_id)[2] == 0   # drop_times=1: a new connection works
        assert len(server.connections) == 2


def test_latency_per_round_trip():
    with serve(USER, PASSWORD, faults=Faults(latency=0.05, allow_unencrypted=True)) as (server, url):
        p = connect(url, transport="basic")
        started = time.monotonic()
        shell = p.open_shell()
        p.close_shell(shell)
        assert 0.1 <= time.monotonic() - started < 1.0
        assert server.request_count == 2


def test_many_clients_at_once():
    results, errors = {}, []

    def client(i: int) -> None:
        try:
            results[i] = run(connect(url), f"client {i}".encode() * 1000, chunk=4000)
        except Exception as exc:   # pragma: no cover - reported below
            errors.append(exc)

    with serve(USER, PASSWORD, faults=Faults(latency=0.01)) as (server, url):
        threads = [threading.Thread(target=client, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(20)
        assert errors == [] and len(results) == 8
        assert sorted(inv.stdin for inv in server.invocations) == sorted(f"client {i}".encode() * 1000 for i in range(8))
        assert len(server.connections) >= 8 and server.errors == []


# ---------------------------------------------------------------------------------------------
# CLI

@pytest.mark.parametrize("https", [False, True])
def test_cli_prints_the_url(https):
    args = [sys.executable, str(SUPPORT / "winrm_endpoint.py"), "--user", USER, "--password", PASSWORD,
            "--latency-ms", "5"] + (["--https"] if https else [])
    with subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as proc:
        try:
            url = proc.stdout.readline().strip()
            assert url.startswith("https://127.0.0.1:" if https else "http://127.0.0.1:") and url.endswith("/wsman")
            if https:
                ca = proc.stderr.readline().strip().removeprefix("CA certificate: ")
                p = connect(url, ca_trust_path=ca)
            else:
                p = connect(url)
            assert run(p, b"x") == (DEFAULT_RESULT, b"", 0)
        finally:
            proc.terminate()
            proc.wait(10)
    assert proc.returncode == 0
