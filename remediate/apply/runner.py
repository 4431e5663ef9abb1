"""One host's run over WinRM with pywinrm, as tooling-probe.md section 1 says to do it.

One shell per host: open_shell(codepage=65001), run_command with the bootstrap on the
command line and console_mode_stdin=False, the framed script and secrets sent with
send_command_input in chunks (bytes), output read with get_command_output_raw in our own
deadline loop, then cleanup_command (Signal terminate) and close_shell on every path.
Every request's timeouts are shortened so that none outlasts `--timeout`.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from typing import TYPE_CHECKING, TypeVar, cast

from remediate.apply import faults, framing
from remediate.apply.connection import Connection
from remediate.apply.faults import HostFault

if TYPE_CHECKING:
    import winrm
from remediate.apply.result import FAILED, UNREACHABLE, HostResult, Outcome, outcome

T = TypeVar("T")
CLEANUP_GRACE = 10.0        # seconds allowed for Signal + Delete after a failure or the deadline
POLL_PAUSES = (0.1, 1.5, 2.0)   # a Receive answered "still running" at once: first pause, growth, longest


@dataclass(frozen=True)
class Settings:
    timeout: float                                  # --timeout: a host's whole run, in seconds
    envelope_kb: int = framing.DEFAULT_ENVELOPE_KB  # --max-envelope-kb
    busy_tries: int = faults.BUSY_TRIES
    busy_backoff: float = faults.BUSY_BACKOFF
    check: bool = False
    restart: bool = False

    @property
    def switches(self) -> tuple[str, ...]:
        return tuple(s for s, on in (("Check", self.check), ("Restart", self.restart)) if on)


@dataclass
class Job:
    host: str
    role: str
    connection: Connection
    script: str
    secrets: dict[str, str] = field(default_factory=dict, repr=False)


class RequestCounter:
    """HTTP requests made for one host, answered or not: counted where every request of the
    session goes out, its transport adapters' send. Auth handshakes (requests_ntlm,
    requests-credssp) send their legs there directly, past the session's hooks."""

    def __init__(self) -> None:
        self.count = 0

    def attach(self, session) -> None:
        for adapter in session.adapters.values():
            adapter.send = self._counting(adapter.send)

    def _counting(self, send):
        def counted(request, *args, **kwargs):
            self.count += 1
            return send(request, *args, **kwargs)
        return counted


EXTRAS = {"kerberos": ("HAVE_KERBEROS", "pywinrm[kerberos]", "pykerberos, a C extension built against the "
                                                                "system's Kerberos libraries"),
          "credssp": ("HAVE_CREDSSP", "pywinrm[credssp]", "requests-credssp")}


def unsupported(connections: list[Connection]) -> list[str]:
    """Why some hosts cannot be reached with this pywinrm: a transport whose optional part is not
    installed (pywinrm would only say so once connecting)."""
    import winrm.transport
    found = []
    for transport, (flag, extra, what) in EXTRAS.items():
        hosts = [c.host for c in connections if c.transport == transport]
        if hosts and not getattr(winrm.transport, flag, False):
            found.append(f"{', '.join(hosts)}: ansible_winrm_transport {transport} needs pywinrm's {transport} "
                         f"support, which is not installed here: pip install '{extra}' ({what})")
    return found


def run_host(job: Job, settings: Settings, cancel: threading.Event | None = None,
             on_step: Callable[[str, str], None] | None = None) -> HostResult:
    """The host's result; never raises (a failure on one host never hides another's result)."""
    started = time.monotonic()
    counter = RequestCounter()
    try:
        result = _Run(job, settings, counter, cancel or threading.Event(), on_step).run()
    except Exception as exc:  # noqa: BLE001 - a bug here is reported for this host only
        result = Outcome(FAILED, [], f"internal error: {type(exc).__name__}: {exc}")
    return HostResult(job.host, job.role, result.status, result.tasks, result.message,
                      round(time.monotonic() - started, 3), counter.count)


class _Run:
    def __init__(self, job: Job, settings: Settings, counter: RequestCounter, cancel: threading.Event,
                 on_step: Callable[[str, str], None] | None):
        self.job, self.settings, self.counter, self.cancel = job, settings, counter, cancel
        self.on_step = on_step
        self.deadline = time.monotonic() + settings.timeout
        self.chunk = framing.chunk_size(settings.envelope_kb)
        self.ctx = faults.Context(job.connection, encrypted=False, chunk=self.chunk, envelope_kb=settings.envelope_kb)
        self.protocol: winrm.Protocol | None = None
        self.shell: str | None = None
        self.command: str | None = None
        self.broken = False          # a request got no answer: the session's connection is not to be trusted

    # -- the run ------------------------------------------------------------------------

    def run(self) -> Outcome:
        try:
            result = self._outcome()
        finally:
            note = self._cleanup()
        if note:
            result.message = f"{result.message}; {note}" if result.message else note
        return result

    def _outcome(self) -> Outcome:
        try:
            return self._run()
        except HostFault as fault:
            return Outcome(fault.status, [], fault.message)
        except Exception as exc:  # noqa: BLE001 - a bug: reported for this host, its shell still deleted
            return Outcome(FAILED, [], f"internal error ({self.ctx.step}): {type(exc).__name__}: {exc}")

    def _run(self) -> Outcome:
        import winrm
        from winrm.exceptions import WinRMOperationTimeoutError

        c = self.job.connection
        self._step("connect")
        self.protocol = p = self._call(lambda: winrm.Protocol(
            c.url, transport=c.transport, username=c.user, password=c.password,
            # None (no ansible_winrm_ca_trust_path) is what pywinrm gets today: its annotation omits it
            server_cert_validation=c.cert_validation, ca_trust_path=cast(str, c.ca_trust_path), cert_pem=c.cert_pem,
            cert_key_pem=c.cert_key_pem, read_timeout_sec=c.read_timeout, operation_timeout_sec=c.operation_timeout,
            message_encryption=c.message_encryption, proxy=None))
        self._call(lambda: self._open_session(p))
        self._step("create shell")
        self.shell = shell = self._call(lambda: p.open_shell(codepage=65001), busy=True)
        self._step("start PowerShell")
        command, arguments = framing.command_line()
        self.command = running = self._call(lambda: p.run_command(shell, command, list(arguments),
                                                                  console_mode_stdin=False), busy=True)
        self._step("send the script")
        stdin = framing.encode(self.job.script, switches=self.settings.switches, secrets=self.job.secrets)
        for data, last in framing.chunks(stdin, self.chunk):
            self._call(partial(p.send_command_input, shell, running, data, end=last), busy=True)
        self._step("wait for the result")
        out: list[bytes] = []
        err: list[bytes] = []
        pause = POLL_PAUSES[0]
        while True:
            try:
                o, e, code, done = self._call(lambda: p.get_command_output_raw(shell, running))
            except WinRMOperationTimeoutError:
                continue   # the host's "still running", after holding the Receive for OperationTimeout
            out.append(o)
            err.append(e)
            if done:
                return outcome(b"".join(out), b"".join(err), code, self.settings.check)
            if o or e:
                pause = POLL_PAUSES[0]
            else:      # "still running" at once, with nothing new: never a tight loop of requests
                self.cancel.wait(min(pause, max(0.0, self.deadline - time.monotonic())))
                pause = min(pause * POLL_PAUSES[1], POLL_PAUSES[2])

    def _open_session(self, protocol: winrm.Protocol) -> None:
        """pywinrm's requests session with its requests counted from the first one: built without
        message encryption, which is then set up as pywinrm would have."""
        transport = protocol.transport
        wanted = transport.message_encryption
        transport.message_encryption = "never"
        try:
            session = transport.build_session()
        finally:
            transport.message_encryption = wanted
        self.counter.attach(session)
        session.trust_env = False   # no proxy from the environment (proxy=None), and no per-request scan of it
        auth = transport.auth_method
        available = (auth == "credssp" or (auth == "ntlm" and hasattr(session.auth, "session_security"))
                     or (auth == "kerberos" and getattr(session.auth, "winrm_encryption_available", False)))
        if wanted == "always" and not available:
            from winrm.exceptions import WinRMError
            raise WinRMError(f"message encryption 'always' is not available with {auth}")
        https = transport.endpoint.lower().startswith("https")
        if available and (wanted == "always" or (wanted == "auto" and not https)):
            transport.setup_encryption(session)
            self.ctx = replace(self.ctx, encrypted=True)

    # -- each request -------------------------------------------------------------------

    def _call(self, call: Callable[[], T], busy: bool = False) -> T:
        """One pywinrm call within the deadline; failures explained (fault 170 retried)."""
        from winrm.exceptions import WinRMOperationTimeoutError

        self._check_deadline()
        self._limit(self.deadline - time.monotonic())
        try:
            if busy:
                return faults.retry_busy(call, self.settings.busy_tries, self.settings.busy_backoff)
            return call()
        except WinRMOperationTimeoutError:
            raise
        except Exception as exc:
            self._unanswered(exc)
            self._check_deadline()
            raise faults.explain(exc, self.ctx) from exc

    def _unanswered(self, exc: BaseException) -> None:
        import requests
        if isinstance(exc, (requests.exceptions.ConnectionError, requests.exceptions.Timeout)):
            self.broken = True

    def _limit(self, remaining: float) -> None:
        """Shorten the next request's OperationTimeout and HTTP read timeout to the time left."""
        p, c = self.protocol, self.job.connection
        if p is None:
            return
        operation = max(1, min(c.operation_timeout, int(remaining)))
        p.operation_timeout_sec = operation
        p.transport.read_timeout_sec = max(operation + 1, min(c.read_timeout, math.ceil(remaining) + 1))

    def _check_deadline(self) -> None:
        if self.cancel.is_set():
            raise HostFault("interrupted: the command was signalled to stop and its shell deleted" if self.command
                            else "interrupted before the script started", UNREACHABLE)
        if time.monotonic() >= self.deadline:
            started = "its command was signalled to stop and its shell deleted; the script may have made some " \
                      "of its changes: see the host" if self.command else "the script did not start"
            raise HostFault(f"no result within --timeout {self.settings.timeout:g}s ({self.ctx.step}): {started}",
                            UNREACHABLE)

    def _step(self, step: str) -> None:
        self.ctx = replace(self.ctx, step=step)
        if self.on_step:
            self.on_step(self.job.host, step)

    # -- every path ends here -------------------------------------------------------------

    def _cleanup(self) -> str:
        """Signal the command, delete the shell, close the session; a note if the shell stays."""
        p = self.protocol
        if p is None:
            return ""
        self._limit(CLEANUP_GRACE)
        try:
            if self.shell is None:
                return ""
            if self.broken:   # a new connection (and NTLM context) for Signal and Delete
                try:
                    p.transport.close_session()
                    self._open_session(p)
                except Exception as exc:  # noqa: BLE001 - reported below by close_shell's failure
                    self._unanswered(exc)
            if self.command is not None:
                try:
                    p.cleanup_command(self.shell, self.command)
                except Exception as exc:  # noqa: BLE001 - deleting the shell ends the command too
                    self._unanswered(exc)
            try:
                p.close_shell(self.shell)
            except Exception as exc:  # noqa: BLE001
                self._unanswered(exc)
                return (f"the shell could not be deleted ({type(exc).__name__}): the host ends it after its "
                        "shell IdleTimeout")
            return ""
        finally:
            p.transport.close_session()
