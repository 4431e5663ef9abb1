"""`remediate apply` end to end: the CLI (remediate.cli.main, in this process) runs unmodified
pywinrm against the WS-Management test endpoint (tests/winrm_endpoint.py), which records what
arrived; stdin is decoded with the project's own framing (remediate/apply/framing.py).

Faults and their messages are in test_apply_faults.py; the helpers here serve both.
"""

from __future__ import annotations

import base64
import io
import json
import re
import shutil
import sys
import threading
import time
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from remediate.apply import framing
from remediate.apply.result import outcome, plain_stderr
from remediate.cli import main

from conftest import DATA
from support.certs import make_certs, make_client_cert
from support.winrm_endpoint import CERTIFICATE_AUTH, Faults, Invocation, serve

USER, PASSWORD = "remediate", "Corr3ct horse!"
SECRET = "Sécret 'pass' #1"             # the application pool's password: non-ASCII, quotes
PW_ENV = "REMEDIATE_TEST_POOL_PASSWORD"


# ---------------------------------------------------------------------------------------------
# Inputs

def policy(name: str, iis: str = "web01", fs: str = "fs01", *, version: str = "10.0", os: str = "2019",
           password: dict | None = None, **extra) -> dict:
    """IIS `version` on `iis` reading \\\\fs\\name anonymously as a service account: app-pool-identity
    on IIS 7.0+ (a [securestring] parameter for the pool's password), share and NTFS grants on `fs`."""
    doc = {"version": 1, "name": name,
           "iis": {"host": iis, "version": version, "path": f"/{name}", "authentication": "anonymous",
                   "domain": "CONTOSO"},
           "resource": {"kind": "unc-share", "path": f"\\\\{fs}\\{name}", "host": fs, "os": os},
           "access": {"as": "service-account", "account": "CONTOSO\\svc-web",
                      "password": password or {"env": PW_ENV}}}
    doc.update(extra)
    return doc


def write_policies(folder: Path, *docs: dict, name: str = "policies.yaml") -> Path:
    path = folder / name
    path.write_text(yaml.safe_dump(list(docs), sort_keys=False), encoding="utf-8")
    return path


def endpoint_vars(url: str, transport: str = "ntlm", **more) -> dict:
    parts = urlsplit(url)
    found = {"ansible_host": parts.hostname, "ansible_port": parts.port, "ansible_winrm_scheme": parts.scheme,
             "ansible_winrm_transport": transport}
    found.update(more)
    return found


def write_inventory(folder: Path, hosts: dict[str, dict], groups: dict[str, list[str]] | None = None,
                    user: str = USER, password: bool = True) -> Path:
    """hosts: name -> its variables (endpoint_vars); the password comes from the environment
    (none with password=False: --ask-pass asks for it)."""
    children = {group: {"hosts": {h: None for h in members}} for group, members in (groups or {}).items()}
    variables = {"ansible_user": user}
    if password:
        variables["ansible_password"] = "{{ lookup('env', 'REMEDIATE_TEST_WINRM_PW') }}"
    doc = {"all": {"vars": variables, "hosts": hosts, "children": children}}
    path = folder / "hosts.yml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


# ---------------------------------------------------------------------------------------------
# The endpoint's answer: a REMEDIATE-RESULT line per host, as each host's behaviour says

HOST_NAME = re.compile(r"^\$script:HostName = '((?:[^']|'')*)'", re.M)


@dataclass
class Seen:
    invocation: Invocation
    framed: framing.Framed


@dataclass
class Responder:
    """Decodes stdin with the project's framing and answers for the host named in the script.

    behaviours: host -> "changed" (default), "ok", "fail" (a task fails, exit 1), "no-result"
    (CLIXML error on stderr, exit 1), "malformed", "exit" (exit 3, no failed task), "echo-secret"
    (the secret comes back in a task message and on stderr)."""
    behaviours: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    seen: dict[str, Seen] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, inv: Invocation):
        framed = framing.decode(inv.stdin)
        host = HOST_NAME.search(framed.script).group(1)
        with self.lock:
            self.seen[host] = Seen(inv, framed)
        if self.delay:
            time.sleep(self.delay)
        check = "Check" in framed.switches
        behaviour = self.behaviours.get(host, "changed")
        task = {"id": "p.1", "policy": "p", "name": "set_app_pool_identity: pool", "changed": behaviour != "ok",
                "failed": False, "before": "a", "after": "b", "message": "would change (check mode)" if check else ""}
        if behaviour == "no-result":
            return ("starting\r\n", "#< CLIXML\r\n<Objs Version=\"1.1.0.1\" xmlns=\"http://schemas.microsoft.com/"
                    "powershell/2004/04\"><S S=\"Error\">Cannot find drive_x000D__x000A_</S></Objs>", 1)
        if behaviour == "malformed":
            return "REMEDIATE-RESULT {not json\r\n", "", 0
        if behaviour == "fail":
            task.update(failed=True, changed=False, message="Access is denied.")
        if behaviour == "echo-secret":
            secret = next(iter(framed.secrets.values()))
            task["message"] = f"used {secret}"
            return result_line(host, check, [task]), f"echo {secret}", 0
        code = {"fail": 1, "exit": 3}.get(behaviour, 0)
        return "WARNING: noise\r\n" + result_line(host, check, [task]), "", code


def result_line(host: str, check: bool, tasks: list[dict]) -> str:
    return "REMEDIATE-RESULT " + json.dumps({"host": host, "check": check, "tasks": tasks}) + "\r\n"


# ---------------------------------------------------------------------------------------------
# The CLI, as a user runs it (in this process, so the endpoint's records are at hand)

@dataclass
class Run:
    code: int
    out: str
    err: str

    def json(self) -> dict:
        return json.loads(self.out)

    def hosts(self) -> dict[str, dict]:
        return {h["host"]: h for h in self.json()["hosts"]}


@pytest.fixture
def env(monkeypatch, tmp_path):
    monkeypatch.setenv("REMEDIATE_TEST_WINRM_PW", PASSWORD)
    monkeypatch.setenv(PW_ENV, SECRET)
    for name in ("FORCE_COLOR", "TTY_INTERACTIVE", "TTY_COMPATIBLE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return monkeypatch


def apply(*args, monkeypatch=None) -> Run:
    argv = ["remediate", "apply", *map(str, args)]
    out, err = io.StringIO(), io.StringIO()
    saved = sys.argv
    sys.argv = argv
    try:
        with redirect_stdout(out), redirect_stderr(err):
            try:
                main()
                code = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
    finally:
        sys.argv = saved
    return Run(code, out.getvalue(), err.getvalue())


def max_overlap(invocations: list[Invocation]) -> int:
    """The most shells alive at once (Create .. Delete)."""
    events = sorted([(i.created_at, 1) for i in invocations] + [(i.deleted_at, -1) for i in invocations])
    now = peak = 0
    for _, step in events:
        now += step
        peak = max(peak, now)
    return peak


def bootstrap_of(inv: Invocation) -> str:
    encoded = inv.command_line.split()[-1]
    return base64.b64decode(encoded).decode("utf-16-le")


# ---------------------------------------------------------------------------------------------
# The script and the secret: whole, on stdin, nowhere else

def test_a_500_kb_script_arrives_byte_for_byte_in_chunks_below_the_envelope(tmp_path, env):
    docs = [policy(f"reports-{i:03d}") for i in range(60)]
    pols = write_policies(tmp_path, *docs)
    responder = Responder()
    with serve(USER, PASSWORD, responder=responder, faults=Faults(max_envelope_bytes=500 * 1024)) as (server, url):
        inv = write_inventory(tmp_path, {"web01": endpoint_vars(url), "fs01": endpoint_vars(url)})
        run = apply(pols, "-i", inv, "-o", tmp_path / "bundle", "--journal", tmp_path / "j.jsonl")
        assert run.code == 0, run.err
        for host in ("web01", "fs01"):
            sent = (tmp_path / "bundle" / "hosts" / host / "apply.ps1").read_bytes()
            seen = responder.seen[host]
            assert seen.framed.script == sent.decode("utf-8-sig")     # byte for byte (BOM aside)
            assert seen.framed.script.encode("utf-8") == sent[3:]
            assert seen.invocation.deleted and seen.invocation.signals == ["terminate"]
        web = responder.seen["web01"].invocation
        assert len(responder.seen["web01"].framed.script) > 500_000
        assert len(web.stdin_chunks) > 1 and all(len(c) <= framing.chunk_size(500) for c in web.stdin_chunks)
        assert all(len(r.soap) <= 500 * 1024 for r in server.requests_for("Send"))
        assert [r.status for r in server.requests_for("Send")] == [200] * len(server.requests_for("Send"))
        # the command line: only the bootstrap, far below cmd.exe's 8191 characters
        assert len(web.command_line) < 4000 and web.command == "powershell.exe"
        assert bootstrap_of(web) == framing.bootstrap()
        assert web.options["WINRS_CONSOLEMODE_STDIN"] == "FALSE" and web.shell.codepage == 65001


def test_the_secret_arrives_on_stdin_and_nowhere_else(tmp_path, env):
    pols = write_policies(tmp_path, policy("reports"))
    responder = Responder({"web01": "echo-secret"})
    with serve(USER, PASSWORD, responder=responder) as (server, url):
        inv = write_inventory(tmp_path, {"web01": endpoint_vars(url), "fs01": endpoint_vars(url)})
        run = apply(pols, "-i", inv, "-o", tmp_path / "bundle", "--format", "json")
        assert run.code == 0, run.err
        web, fs = responder.seen["web01"], responder.seen["fs01"]
        assert web.framed.secrets == {"reports_password": SECRET}      # decoded from stdin
        assert fs.framed.secrets == {}                                 # fs01's script takes none
        assert "[securestring] $reports_password" in web.framed.script
        assert web.framed.switches == ()
        # nowhere else: not on the command line, not in any SOAP body, output, journal or bundle
        forms = [SECRET.encode("utf-8"), base64.b64encode(SECRET.encode("utf-8")), SECRET.encode("utf-16-le")]
        for inv_ in (web.invocation, fs.invocation):
            assert not any(f in inv_.command_line.encode() for f in forms)
            assert SECRET not in bootstrap_of(inv_)
        for request in server.requests:
            assert not any(f in (request.soap or b"") or f in (request.wire or b"") for f in forms)
        journal = (tmp_path / "remediate-journal.jsonl").read_text(encoding="utf-8")
        for text in (run.out, run.err, journal):
            assert SECRET not in text
        for path in (tmp_path / "bundle").rglob("*"):
            if path.is_file():
                assert not any(f in path.read_bytes() for f in forms), path
        # the host echoed it back: masked in the output and the journal
        assert run.hosts()["web01"]["tasks"][0]["message"] == "used ********"
        assert "used ********" in journal


def test_check_mode_passes_check_and_sends_no_secret(tmp_path, env):
    env.delenv(PW_ENV)                          # not even read in check mode
    pols = write_policies(tmp_path, policy("reports"))
    responder = Responder()
    with serve(USER, PASSWORD, responder=responder) as (server, url):
        inv = write_inventory(tmp_path, {"web01": endpoint_vars(url), "fs01": endpoint_vars(url)})
        run = apply(pols, "-i", inv, "--check", "--format", "json")
        assert run.code == 0, run.err
        for host in ("web01", "fs01"):
            framed = responder.seen[host].framed
            assert framed.switches == ("Check",) and framed.secrets == {}
            assert responder.seen[host].invocation.stdin.startswith(b"REMEDIATE-STDIN 1 Check\n")
        assert run.hosts()["web01"]["tasks"][0]["message"] == "would change (check mode)"
        lines = [json.loads(x) for x in (tmp_path / "remediate-journal.jsonl").read_text().splitlines()]
        assert {x["check"] for x in lines} == {True}

        env.setenv(PW_ENV, SECRET)
        run = apply(pols, "-i", inv, "--restart", "--limit", "web01")
        assert run.code == 0, run.err
        assert responder.seen["web01"].framed.switches == ("Restart",)
        assert responder.seen["web01"].framed.secrets == {"reports_password": SECRET}


def test_a_missing_secret_is_bad_input_before_any_host_is_touched(tmp_path, env):
    env.delenv(PW_ENV)
    pols = write_policies(tmp_path, policy("reports"))
    with serve(USER, PASSWORD, responder=Responder()) as (server, url):
        inv = write_inventory(tmp_path, {"web01": endpoint_vars(url), "fs01": endpoint_vars(url)})
        run = apply(pols, "-i", inv)
        assert run.code == 2
        assert f"environment variable {PW_ENV} is not set" in run.err and "policies.yaml" in run.err
        assert server.requests == []


def test_ask_pass_and_a_prompted_secret_are_asked_once_for_all_hosts(tmp_path):
    """In a subprocess: getpass reads what is typed from stdin (no terminal): first the WinRM
    password (--ask-pass), then the policy's secret."""
    import os
    import subprocess
    pols = write_policies(tmp_path, policy("shared", iis="farm", password={"prompt": True}))
    responder = Responder()
    with serve(USER, PASSWORD, responder=responder) as (server, url):
        inv = write_inventory(tmp_path, {h: endpoint_vars(url) for h in ("web01", "web02", "fs01")},
                              groups={"farm": ["web01", "web02"]}, password=False)
        proc = subprocess.run([sys.executable, "-P", "-c", "from remediate.cli import main; main()", "apply",
                               str(pols), "-i", str(inv), "--ask-pass", "--journal", str(tmp_path / "j.jsonl")],
                              input=f"{PASSWORD}\ntyped secret\n", capture_output=True, text=True,
                              env=dict(os.environ), timeout=120)
        assert proc.returncode == 0, proc.stderr
        assert proc.stderr.count("WinRM password:") == 1
        assert proc.stderr.count("Password for policy shared") == 1
        assert {h: s.framed.secrets for h, s in responder.seen.items()} == {
            "web01": {"shared_password": "typed secret"}, "web02": {"shared_password": "typed secret"},
            "fs01": {}}
        assert "typed secret" not in proc.stdout + (tmp_path / "j.jsonl").read_text()


# ---------------------------------------------------------------------------------------------
# Order, forks, skipping, refusing, --limit

def test_forks_overlap_and_respect_the_limit(tmp_path, env):
    farm = [f"web{i:02d}" for i in range(1, 9)]
    pols = write_policies(tmp_path, policy("farm", iis="farm"))
    responder = Responder(delay=0.4)
    with serve(USER, PASSWORD, responder=responder) as (server, url):
        inv = write_inventory(tmp_path, {h: endpoint_vars(url) for h in [*farm, "fs01"]}, groups={"farm": farm})
        for forks, expected in ((3, 3), (8, 8)):
            server.reset()
            started = time.monotonic()
            run = apply(pols, "-i", inv, "--forks", forks, "--format", "json")
            wall = time.monotonic() - started
            assert run.code == 0, run.err
            web = [responder.seen[h].invocation for h in farm]
            assert max_overlap(web) == expected
            rounds = -(-len(farm) // forks)
            assert rounds * 0.4 <= wall < rounds * 0.4 + 0.4 + 3.0
            # the resource server ran alone, before any IIS host
            fs = responder.seen["fs01"].invocation
            assert all(fs.deleted_at <= w.created_at for w in web)
            assert {h["status"] for h in run.json()["hosts"]} == {"changed"}


def three_roles(tmp_path: Path, domain_host: str | None = "dc01") -> Path:
    """Kerberos delegation for web12 -> sql01 set on the domain host dc01 (or in domain/ without
    one), and web12 (IIS 8.5) reading \\fs01\reports with a pool identity: every role."""
    delegation = {"version": 1, "name": "timesheets",
                  "iis": {"host": "web12", "version": "8.5", "path": "/timesheets", "authentication": "negotiate",
                          "domain": "CONTOSO"},
                  "resource": {"kind": "sql-server", "path": "\\\\sql01", "host": "sql01", "os": "2019"},
                  "access": {"as": "end-user"}, "constraints": {"domain_changes": "allowed"}}
    if domain_host:
        delegation["domain_host"] = domain_host
    return write_policies(tmp_path, delegation, policy("reports", iis="web12", version="8.5"))


def test_roles_run_in_order_and_later_roles_are_skipped_after_a_failure(tmp_path, env):
    pols = three_roles(tmp_path)
    responder = Responder()
    with serve(USER, PASSWORD, responder=responder) as (server, url):
        inv = write_inventory(tmp_path, {h: endpoint_vars(url) for h in ("web12", "fs01", "sql01", "dc01")})
        run = apply(pols, "-i", inv, "--format", "json")
        assert run.code == 0, run.err
        assert [(h["host"], h["role"]) for h in run.json()["hosts"]] == [
            ("dc01", "domain"), ("fs01", "file_server"), ("web12", "iis")]
        dc, fs, web = (responder.seen[h].invocation for h in ("dc01", "fs01", "web12"))
        assert dc.deleted_at <= fs.created_at and fs.deleted_at <= web.created_at

        server.reset()
        responder.seen.clear()
        responder.behaviours["fs01"] = "fail"
        run = apply(pols, "-i", inv, "--format", "json")
        assert run.code == 4
        hosts = run.hosts()
        assert [hosts[h]["status"] for h in ("dc01", "fs01", "web12")] == ["changed", "failed", "skipped"]
        assert hosts["fs01"]["message"].startswith("task p.1 failed: Access is denied.")
        assert "resource servers fs01 did not succeed" in hosts["web12"]["message"]
        assert "web12" not in responder.seen


def test_the_domain_script_is_refused_and_holds_later_roles(tmp_path, env):
    pols = three_roles(tmp_path, domain_host=None)
    responder = Responder()
    with serve(USER, PASSWORD, responder=responder) as (server, url):
        inv = write_inventory(tmp_path, {h: endpoint_vars(url) for h in ("web12", "fs01", "sql01")})
        run = apply(pols, "-i", inv, "-o", tmp_path / "b")
        assert run.code == 5
        assert "domain [domain] refused" in run.out
        assert f"run {tmp_path / 'b'}/domain/apply.ps1 by hand as a domain admin" in run.out
        assert "fs01 [file_server] skipped" in run.out and "web12 [iis] skipped" in run.out
        assert server.requests == []
        # once done by hand: --limit leaves the domain script out
        run = apply(pols, "-i", inv, "--limit", "all", "--format", "json")
        assert run.code == 0, run.err
        assert list(run.hosts()) == ["fs01", "web12"]


def test_legacy_hosts_are_refused_with_the_script_to_run_by_hand(tmp_path, env):
    iis6 = write_policies(tmp_path, policy("docs", iis="web06", version="6.0"), name="iis6.yaml")
    fs2003 = write_policies(tmp_path, policy("old", iis="web10", fs="fs02", os="2003"), name="fs2003.yaml")
    responder = Responder()
    with serve(USER, PASSWORD, responder=responder) as (server, url):
        # the legacy hosts need no connection settings: they are never contacted
        inv = write_inventory(tmp_path, {"fs01": endpoint_vars(url), "web10": endpoint_vars(url), "web06": {},
                                         "fs02": {}})
        run = apply(iis6, "-i", inv, "--format", "json")
        assert run.code == 5, run.err
        hosts = run.hosts()
        assert hosts["fs01"]["status"] == "changed"
        assert hosts["web06"]["status"] == "refused"
        assert hosts["web06"]["message"] == (
            "a legacy host (Windows 2003): its script is VBScript, which apply does not run over WinRM: run "
            "hosts/web06/apply.vbs (write the bundle with -o DIR) with cscript //nologo on the host (with /check "
            "first to see what it would change)")
        run = apply(fs2003, "-i", inv, "--format", "json", "-o", tmp_path / "b")
        hosts = run.hosts()
        assert run.code == 5 and [hosts[h]["status"] for h in ("fs02", "web10")] == ["refused", "skipped"]
        assert f"run {tmp_path / 'b'}/hosts/fs02/apply.vbs with cscript //nologo" in hosts["fs02"]["message"]
        # IIS 7.0: Windows Server 2008, a PowerShell script it cannot run (no PowerShell 5.1)
        iis7 = write_policies(tmp_path, policy("reports", iis="web09", version="7.0"), name="iis7.yaml")
        inv = write_inventory(tmp_path, {"fs01": endpoint_vars(url), "web09": {}})
        run = apply(iis7, "-i", inv, "--format", "json")
        hosts = run.hosts()
        assert run.code == 5 and [hosts[h]["status"] for h in ("fs01", "web09")] == ["changed", "refused"]
        assert hosts["web09"]["message"] == (
            "Windows 2008 cannot have Windows PowerShell 5.1, which the script needs: run the steps of "
            "hosts/web09/apply.ps1 (write the bundle with -o DIR) by hand on the host")
        assert set(responder.seen) == {"fs01"}


def test_limit_takes_ansible_host_patterns(tmp_path, env):
    farm = ["web01", "web02", "web03"]
    pols = write_policies(tmp_path, policy("farm", iis="farm"))
    responder = Responder()
    with serve(USER, PASSWORD, responder=responder) as (server, url):
        inv = write_inventory(tmp_path, {h: endpoint_vars(url) for h in [*farm, "fs01"]}, groups={"farm": farm})
        run = apply(pols, "-i", inv, "--limit", "farm:!web02", "--format", "json")
        assert run.code == 0 and list(run.hosts()) == ["web01", "web03"]
        run = apply(pols, "-i", inv, "--limit", "web0[23]:&farm", "--format", "json")
        assert list(run.hosts()) == ["web02", "web03"]
        assert set(responder.seen) == {"web01", "web02", "web03"}
        run = apply(pols, "-i", inv, "--limit", "web99")
        assert run.code == 2 and "web99: no host or group of that name" in run.err


# ---------------------------------------------------------------------------------------------
# Transport security, credentials

def test_ntlm_over_http_is_encrypted_and_requests_are_counted(tmp_path, env):
    pols = write_policies(tmp_path, policy("reports"))
    with serve(USER, PASSWORD, responder=Responder()) as (server, url):
        inv = write_inventory(tmp_path, {"web01": endpoint_vars(url), "fs01": endpoint_vars(url)})
        run = apply(pols, "-i", inv, "--limit", "web01", "--format", "json")
        assert run.code == 0, run.err
        soap = [r for r in server.requests if r.action]
        assert [r.action for r in soap] == ["Create", "Command", "Send", "Receive", "Signal", "Delete"]
        assert all(r.encrypted for r in soap) and not any(b"Envelope" in r.wire for r in soap)
        # every HTTP request, the NTLM handshake included, counted by the response hook
        assert run.hosts()["web01"]["requests"] == server.request_count == 9


def test_basic_over_http_is_refused_before_connecting(tmp_path, env):
    pols = write_policies(tmp_path, policy("reports"))
    with serve(USER, PASSWORD, responder=Responder(), faults=Faults(allow_unencrypted=True)) as (server, url):
        inv = write_inventory(tmp_path, {"web01": endpoint_vars(url, "basic"), "fs01": endpoint_vars(url)})
        run = apply(pols, "-i", inv)
        assert run.code == 2 and "Basic over HTTP is refused" in run.err
        assert server.requests == []


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    return make_certs(tmp_path_factory.mktemp("certs"))


@pytest.mark.parametrize("transport", ["ntlm", "basic"])
def test_https_validates_the_certificate_against_the_ca_file(tmp_path, env, certs, transport):
    pols = write_policies(tmp_path, policy("reports"))
    responder = Responder()
    with serve(USER, PASSWORD, https=True, certfile=certs.server_cert, keyfile=certs.server_key,
               responder=responder) as (server, url):
        good = endpoint_vars(url, transport, ansible_winrm_ca_trust_path=str(certs.ca_cert))
        wrong = endpoint_vars(url, transport, ansible_winrm_ca_trust_path=str(certs.other_ca_cert))
        inv = write_inventory(tmp_path, {"web01": good, "fs01": good, "web02": wrong, "web03": wrong},
                              groups={"farm": ["web01", "web02"]})
        run = apply(pols, "-i", inv, "--limit", "web01:fs01", "--format", "json")
        assert run.code == 0, run.err
        assert all(r.tls and not r.encrypted for r in server.requests)
        assert responder.seen["web01"].framed.secrets == {"reports_password": SECRET}

        pols = write_policies(tmp_path, policy("reports", iis="farm"), name="farm.yaml")
        run = apply(pols, "-i", inv, "--format", "json")
        assert run.code == 5
        hosts = run.hosts()
        assert hosts["web01"]["status"] == "changed" and hosts["fs01"]["status"] == "changed"
        failed = hosts["web02"]
        assert failed["status"] == "unreachable" and failed["requests"] == 1
        assert f"could not be validated against the CA file {certs.other_ca_cert}" in failed["message"]
        assert "certificate verify failed" in failed["message"]
        assert "ansible_winrm_ca_trust_path" in failed["message"]


def test_certificate_authentication_over_https(tmp_path, env, certs):
    """pywinrm's certificate transport: the client certificate in the TLS handshake, mapped by its
    UPN. web01 has the mapped one, web02 one for an unmapped UPN, web03 one from an unknown CA."""
    mapped = make_client_cert(certs, "remediate@localhost")
    unmapped = make_client_cert(certs, "someone@localhost")
    untrusted = make_client_cert(certs, "remediate@localhost", by_other_ca=True)

    def with_cert(url: str, pair: tuple[Path, Path]) -> dict:
        return endpoint_vars(url, "certificate", ansible_winrm_ca_trust_path=str(certs.ca_cert),
                             ansible_winrm_cert_pem=str(pair[0]), ansible_winrm_cert_key_pem=str(pair[1]))

    pols = write_policies(tmp_path, policy("reports", iis="farm"))
    responder = Responder()
    with serve(USER, PASSWORD, https=True, certfile=certs.server_cert, keyfile=certs.server_key,
               responder=responder, client_ca=certs.ca_cert, cert_subject="remediate@localhost") as (server, url):
        inv = write_inventory(tmp_path, {"fs01": with_cert(url, mapped), "web01": with_cert(url, mapped),
                                         "web02": with_cert(url, unmapped), "web03": with_cert(url, untrusted)},
                              groups={"farm": ["web01", "web02", "web03"]}, password=False)
        run = apply(pols, "-i", inv, "--format", "json")
        assert run.code == 5, run.err
        hosts = run.hosts()
        assert hosts["fs01"]["status"] == hosts["web01"]["status"] == "changed", hosts["fs01"]["message"]
        assert responder.seen["web01"].framed.secrets == {"reports_password": SECRET}
        accepted = [r for r in server.requests if r.status == 200]
        assert accepted and {r.user for r in accepted} == {"remediate@localhost"}
        assert all(r.tls and r.authorization == CERTIFICATE_AUTH for r in server.requests)

        web02 = hosts["web02"]
        assert web02["status"] == "unreachable" and web02["requests"] == 1      # a 401 is never retried
        assert f"did not accept the client certificate {unmapped[0]} (HTTP 401)" in web02["message"]
        assert "WSMan:\\localhost\\ClientCertificate" in web02["message"]
        assert "Service\\Auth\\Certificate" in web02["message"] and "ansible_password" not in web02["message"]

        web03 = hosts["web03"]
        assert web03["status"] == "unreachable"
        assert f"TLS handshake with {url} failed after the client certificate {untrusted[0]}" in web03["message"]
        assert "must trust the CA that issued it" in web03["message"]
        assert "remediate@localhost" not in {r.user for r in server.requests if r.status != 200}


@pytest.mark.parametrize("transport, extra", [("kerberos", "pywinrm[kerberos]"), ("credssp", "pywinrm[credssp]")])
def test_a_transport_this_pywinrm_cannot_do_is_bad_input_before_any_host(tmp_path, env, transport, extra):
    """pywinrm's own flag for its optional part says it is missing (CI installs both parts)."""
    import winrm.transport
    env.setattr(winrm.transport, f"HAVE_{transport.upper()}", False)
    pols = write_policies(tmp_path, policy("reports"))
    with serve(USER, PASSWORD) as (server, url):
        inv = write_inventory(tmp_path, {"web01": endpoint_vars(url, transport), "fs01": endpoint_vars(url)})
        run = apply(pols, "-i", inv, "--format", "json")
        assert run.code == 2 and run.out == ""
        assert f"web01: ansible_winrm_transport {transport} needs pywinrm's {transport} support" in run.err
        assert f"pip install '{extra}'" in run.err
        assert server.requests == []              # not even fs01, whose transport works


def test_vault_encrypted_inventory_passwords_decrypt(tmp_path, env):
    inv_dir = tmp_path / "inventory"
    shutil.copytree(DATA / "vault" / "inventory", inv_dir)
    hosts = yaml.safe_load((inv_dir / "hosts.yml").read_text())
    hosts["all"]["children"]["windows"]["hosts"]["fs01"] = None
    (inv_dir / "hosts.yml").write_text(yaml.safe_dump(hosts))
    pols = write_policies(tmp_path, policy("reports", iis="win1"))
    responder = Responder()
    with serve("Administrator", "P@ss w0rd! {not a template}", responder=responder) as (server, url):
        (inv_dir / "host_vars").mkdir()
        for host in ("win1", "fs01"):   # the transport (ntlm) comes from the whole vaulted group_vars/all.yml
            address = {k: v for k, v in endpoint_vars(url).items() if k != "ansible_winrm_transport"}
            (inv_dir / "host_vars" / f"{host}.yml").write_text(yaml.safe_dump(address))
        run = apply(pols, "-i", inv_dir / "hosts.yml")
        assert run.code == 2 and "encrypted with ansible-vault" in run.err
        run = apply(pols, "-i", inv_dir / "hosts.yml", "--vault-password-file", DATA / "vault" / "default.pass",
                    "--format", "json")
        assert run.code == 0, run.err
        assert {s.invocation.user for s in responder.seen.values()} == {"Administrator"}
        assert {s.invocation.auth for s in responder.seen.values()} == {"Negotiate"}


# ---------------------------------------------------------------------------------------------
# Timeouts, shells

def test_timeout_ends_a_hung_host_and_the_others_finish(tmp_path, env):
    pols = write_policies(tmp_path, policy("farm", iis="farm"))
    responder = Responder()
    # the hung host holds each Receive for the whole OperationTimeout, as Windows does
    with serve(USER, PASSWORD, responder=responder) as (server, url), \
            serve(USER, PASSWORD, faults=Faults(hang=True, receive_wait=None)) as (hung, hung_url):
        inv = write_inventory(tmp_path, {"web01": endpoint_vars(url), "web02": endpoint_vars(hung_url),
                                         "fs01": endpoint_vars(url)}, groups={"farm": ["web01", "web02"]})
        started = time.monotonic()
        run = apply(pols, "-i", inv, "--timeout", "2", "--format", "json")
        assert time.monotonic() - started < 8
        assert run.code == 5
        hosts = run.hosts()
        assert hosts["web01"]["status"] == "changed" and hosts["fs01"]["status"] == "changed"
        assert hosts["web02"]["status"] == "unreachable"
        assert hosts["web02"]["message"].startswith("no result within --timeout 2s (wait for the result): its "
                                                    "command was signalled to stop and its shell deleted")
        assert 2 <= hosts["web02"]["elapsed_s"] < 5
        stuck = hung.last
        assert stuck.signals == ["terminate"] and stuck.deleted and stuck.done_at is None
        assert stuck.receives >= 1


def test_inventory_timeouts_win_over_the_options(tmp_path, env):
    pols = write_policies(tmp_path, policy("reports"))
    with serve(USER, PASSWORD, responder=Responder()) as (server, url):
        inv = write_inventory(tmp_path, {"web01": endpoint_vars(url, ansible_winrm_operation_timeout_sec=7,
                                                                 ansible_winrm_read_timeout_sec=9),
                                         "fs01": endpoint_vars(url)})
        run = apply(pols, "-i", inv, "--operation-timeout", "5", "--read-timeout", "6")
        assert run.code == 0, run.err
        timeouts = {re.search(rb"<w:OperationTimeout>(PT\d+S)<", r.soap).group(1)
                    for r in server.requests_for("Create")}
        assert timeouts == {b"PT7S", b"PT5S"}
        run = apply(pols, "-i", inv, "--operation-timeout", "30")
        assert run.code == 2 and "must be longer than the operation timeout" in run.err


# ---------------------------------------------------------------------------------------------
# Output and journal

def test_plain_lines_json_and_the_journal(tmp_path, env):
    pols = write_policies(tmp_path, policy("reports"))
    with serve(USER, PASSWORD, responder=Responder({"fs01": "ok"})) as (server, url):
        inv = write_inventory(tmp_path, {"web01": endpoint_vars(url), "fs01": endpoint_vars(url)})
        run = apply(pols, "-i", inv)
        assert run.code == 0, run.err
        lines = run.out.splitlines()
        assert re.fullmatch(r"fs01 \[file_server\] ok \(\d+\.\d\ds, 9 requests\): nothing to change", lines[0])
        assert re.fullmatch(r"web01 \[iis\] changed \(\d+\.\d\ds, 9 requests\): changed 1 of 1 tasks", lines[1])
        assert lines[2] == "    changed p.1 set_app_pool_identity: pool"
        assert lines[-1] == "2 hosts: 1 ok, 1 changed; journal: " + str(tmp_path / "remediate-journal.jsonl")

        run = apply(pols, "-i", inv, "--format", "json", "--journal", tmp_path / "logs" / "j.jsonl")
        doc = run.json()
        assert doc["version"] == 1 and [set(h) for h in doc["hosts"]] == [
            {"host", "role", "status", "tasks", "message", "elapsed_s", "requests"}] * 2
        assert doc["hosts"][1]["tasks"][0] == {"id": "p.1", "policy": "p", "name": "set_app_pool_identity: pool",
                                               "changed": True, "failed": False, "before": "a", "after": "b",
                                               "message": ""}

    default = [json.loads(x) for x in (tmp_path / "remediate-journal.jsonl").read_text().splitlines()]
    other = [json.loads(x) for x in (tmp_path / "logs" / "j.jsonl").read_text().splitlines()]
    assert len(default) == 2 and len(other) == 2
    for entry in default + other:
        assert list(entry) == ["time", "policies", "host", "role", "check", "status", "tasks", "message", "elapsed_s"]
        assert entry["policies"] == ["reports"] and entry["check"] is False
    run = apply(pols, "-i", inv, "--limit", "fs01")   # appended, one line per host per run (unreachable now)
    assert run.code == 5
    assert len((tmp_path / "remediate-journal.jsonl").read_text().splitlines()) == 3


def test_the_live_view_on_a_terminal():
    from rich.console import Console

    from remediate.apply.output import LiveView
    from remediate.apply.result import HostResult
    from remediate.apply.schedule import Target
    stream = io.StringIO()
    console = Console(file=stream, force_terminal=True, force_interactive=True, width=120)
    targets = [Target("web01", "iis", ["p"]), Target("fs01", "file_server", ["p"])]
    view = LiveView(console, targets)
    view.started(targets[0])
    view.step("web01", "send the script")
    time.sleep(0.3)
    assert "send the script" in stream.getvalue() and "waiting" in stream.getvalue()
    results = [HostResult("web01", "iis", "changed", [], "changed 1 of 1 tasks", 0.5, 9),
               HostResult("fs01", "file_server", "unreachable", [], "connection refused", 0.1, 1)]
    for result, target in zip(results, targets, strict=False):
        view.finished(result, target)
    view.close(results, False, "j.jsonl")
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", stream.getvalue())
    assert "web01 [iis] changed (0.50s, 9 requests): changed 1 of 1 tasks" in text
    assert "2 hosts: 1 changed, 1 unreachable; journal: j.jsonl" in text


# ---------------------------------------------------------------------------------------------
# The pieces: framing, bootstrap, results

def test_framing_round_trips_and_refuses_what_it_cannot_carry():
    data = framing.encode("\ufeffWrite-Output 'é'\r\n", switches=["Check", "Restart"],
                          secrets={"a_password": "p\tä\nss", "b_password": ""})
    assert data.isascii() and data.endswith(b"\nEND\n")
    framed = framing.decode(data)
    assert framed == framing.Framed("Write-Output 'é'\r\n", ("Check", "Restart"),
                                    {"a_password": "p\tä\nss", "b_password": ""})
    assert "p\tä" not in repr(framed)
    assert framing.decode(framing.encode("x", secrets={"1app_password": "y"})).secrets == {"1app_password": "y"}
    for bad in ({"bad-name": "x"}, {"Check": "x"}, {"a b": "x"}):
        with pytest.raises(ValueError):
            framing.encode("x", secrets=bad)
    with pytest.raises(framing.FramingError):
        framing.decode(data[:-4])          # END missing: the bootstrap refuses such input too
    assert list(framing.chunks(b"abcde", 2)) == [(b"ab", False), (b"cd", False), (b"e", True)]
    assert list(framing.chunks(b"", 2)) == [(b"", True)]
    assert framing.chunk_size(500) == 377_856 and framing.chunk_size(150) == 109_056


def test_the_bootstrap_is_short_valid_powershell_5_1():
    from support.scriptcheck import ps7_syntax, syntax_problems
    text = framing.bootstrap()
    assert syntax_problems(text) == [] and ps7_syntax(text) == []
    command, arguments = framing.command_line()
    line = " ".join([command, *arguments])
    assert len(line) < 3000 < framing.CMD_LIMIT
    assert base64.b64decode(arguments[-1]).decode("utf-16-le") == text
    assert "REMEDIATE-STDIN 1" in text and "'Check', 'Restart'" in text and "exit 97" in text


def test_results_from_the_last_result_line():
    line = result_line("h", False, [{"id": "a", "changed": True, "failed": False}]).encode()
    assert outcome(b"REMEDIATE-RESULT {}\r\n" + line, b"", 0, False).status == "changed"
    assert outcome(line, b"", 3, False).message == "exit code 3 although no task failed"
    missing = outcome(b"hello\r\n", b"#< CLIXML\r\n<Objs Version=\"1.1.0.1\" xmlns=\"http://schemas.microsoft.com/"
                      b"powershell/2004/04\"><S S=\"Error\">boom_x000D__x000A_</S><S S=\"Error\">"
                      b"at line 1_x000D__x000A_</S></Objs>", 1, False)
    assert (missing.status, missing.message) == ("failed", "no REMEDIATE-RESULT line in the output (exit code 1): "
                                                           "boom\nat line 1")
    assert outcome(b"REMEDIATE-RESULT {\"tasks\": 3}", b"", 0, False).status == "failed"
    assert plain_stderr(b"plain text\r\n") == "plain text"


def test_apply_renders_exactly_what_render_writes(tmp_path, env):
    from conftest import run_cli
    pols = three_roles(tmp_path, domain_host=None)
    with serve(USER, PASSWORD, responder=Responder()) as (server, url):
        inv = write_inventory(tmp_path, {h: endpoint_vars(url) for h in ("web12", "fs01", "sql01")})
        bundle = tmp_path / "bundle"
        apply(pols, "-i", inv, "-o", bundle, "--limit", "all")
        applied = {p.relative_to(bundle): p.read_bytes() for p in bundle.rglob("*") if p.is_file()}
        rendered = run_cli("render", pols, "-i", inv, "-o", bundle, cwd=tmp_path)
        assert rendered.returncode == 0, rendered.stderr
        assert {p.relative_to(bundle): p.read_bytes() for p in bundle.rglob("*") if p.is_file()} == applied


def test_help_does_not_import_pywinrm():
    import subprocess
    code = ("import sys; from remediate.cli import app; from typer.testing import CliRunner; "
            "CliRunner().invoke(app, ['apply', '--help']); print('winrm' in sys.modules, 'requests' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60).stdout
    assert out.split() == ["False", "False"]


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_credssp_authenticates_and_encrypts_over_http(tmp_path, env, certs, scheme):
    pytest.importorskip("requests_credssp", reason="pywinrm's CredSSP transport needs pywinrm[credssp]")
    pols = write_policies(tmp_path, policy("reports"))
    responder = Responder()
    https = dict(https=True, certfile=certs.server_cert, keyfile=certs.server_key) if scheme == "https" else {}
    with serve(USER, PASSWORD, responder=responder, faults=Faults(allow_credssp=True), **https) as (server, url):
        host = endpoint_vars(url, "credssp", ansible_winrm_ca_trust_path=str(certs.ca_cert))
        inv = write_inventory(tmp_path, {"web01": host, "fs01": host})
        run = apply(pols, "-i", inv, "--format", "json")
        assert run.code == 0, run.err
        assert responder.seen["web01"].framed.secrets == {"reports_password": SECRET}
        assert any(r.authorization == "CredSSP" for r in server.requests)
        answered = [r for r in server.requests if r.status == 200 and r.action]
        assert answered and {r.user for r in answered} == {USER}
        # over HTTP every SOAP message is sealed in the CredSSP TLS channel; HTTPS already encrypts
        assert all(r.encrypted == (scheme == "http") for r in answered)


def resource_server_unreachable(tmp_path: Path, host_vars: dict, requests: int) -> tuple[dict, Run]:
    """Apply `reports` with fs01 and web01 both at `host_vars`: fs01 (the first role) is unreachable
    after `requests` HTTP requests and web01 skipped; (fs01's entry, the run)."""
    pols = write_policies(tmp_path, policy("reports"))
    run = apply(pols, "-i", write_inventory(tmp_path, {"web01": host_vars, "fs01": host_vars}), "--format", "json")
    assert run.code == 5, run.err
    hosts = run.hosts()
    assert hosts["web01"]["status"] == "skipped"
    assert (hosts["fs01"]["status"], hosts["fs01"]["requests"]) == ("unreachable", requests)
    return hosts["fs01"], run


def test_credssp_off_on_the_host_says_how_to_turn_it_on(tmp_path, env):
    pytest.importorskip("requests_credssp", reason="pywinrm's CredSSP transport needs pywinrm[credssp]")
    with serve(USER, PASSWORD, responder=Responder()) as (server, url):       # Auth/CredSSP off, as by default
        fs01, _ = resource_server_unreachable(tmp_path, endpoint_vars(url, "credssp"), requests=1)
        assert fs01["message"].startswith(f"CredSSP authentication for {USER} at {url} failed (")
        assert "Enable-WSManCredSSP -Role Server" in fs01["message"]
        assert server.shells == {}
