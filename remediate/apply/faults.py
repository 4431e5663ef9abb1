"""WinRM failures -> a status and a message that says what to fix (docs/apply.md).

Everything here is about the connection, so the status is `unreachable`; a script that ran
and failed is judged by result.py instead. Only WS-Man fault 170 (busy) is retried: a 401
never is, so a wrong password cannot lock an account out.
"""

from __future__ import annotations

import errno
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from remediate.apply.connection import Connection
from remediate.apply.result import UNREACHABLE

BUSY = 170                      # Win32 ERROR_BUSY in a WS-Man fault
BUSY_TRIES = 4                  # the first try and three retries
BUSY_BACKOFF = 0.25             # seconds, doubled after each busy answer
LATFP = r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\System\LocalAccountTokenFilterPolicy"
T = TypeVar("T")
KERBEROS_ERRORS = ("KerberosExchangeError", "MutualAuthenticationError")   # pywinrm's vendored requests_kerberos


class HostFault(Exception):
    """A host-level failure already explained for the user."""

    def __init__(self, message: str, status: str = UNREACHABLE):
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Context:
    """What a message needs to name the fix."""

    connection: Connection
    encrypted: bool              # WinRM message encryption is on for this connection
    chunk: int                   # raw stdin bytes per Send
    envelope_kb: int             # the MaxEnvelopeSizekb the chunks were sized for
    step: str = "connect"        # what was being done: connect, create shell, run, send stdin, ...


def is_busy(exc: BaseException) -> bool:
    return getattr(exc, "wsman_fault_code", None) == BUSY


def retry_busy(call: Callable[[], T], tries: int = BUSY_TRIES, backoff: float = BUSY_BACKOFF,
               sleep: Callable[[float], None] = time.sleep) -> T:
    """`call()`, again after a short wait while the host answers fault 170 (busy)."""
    for attempt in range(tries):
        try:
            return call()
        except Exception as exc:
            if not is_busy(exc) or attempt == tries - 1:
                raise
            sleep(backoff * 2 ** attempt)
    raise AssertionError("unreachable")


def explain(exc: BaseException, ctx: Context) -> HostFault:
    """The message for a failure of pywinrm or requests while talking to a host."""
    import requests
    from winrm.exceptions import WinRMError, WinRMTransportError, WSManFaultError

    c = ctx.connection
    where = f"{c.url} ({ctx.step})"
    refused = _authentication(exc, c)
    if refused is not None:
        return refused
    code = getattr(exc, "code", None)
    if isinstance(exc, (WinRMTransportError, WSManFaultError)) and code == 413:
        return HostFault(
            f"the host refused a request as too large (HTTP 413) at {where}: its MaxEnvelopeSizekb is below the "
            f"{ctx.envelope_kb} KB that remediate's {ctx.chunk}-byte stdin chunks need. Raise it on the host "
            "(Set-Item WSMan:\\localhost\\MaxEnvelopeSizekb 500, or winrm set winrm/config "
            "'@{MaxEnvelopeSizekb=\"500\"}'), or send smaller chunks with --max-envelope-kb 150")
    if is_busy(exc):
        return HostFault(
            f"the host stayed busy (WS-Man fault 170, ERROR_BUSY) through {BUSY_TRIES} tries at {where}: it is "
            "running too many shells or operations for this user (MaxShellsPerUser, MaxConcurrentOperationsPerUser); "
            "try again later or with fewer --forks")
    if code == 500 and isinstance(exc, (WinRMTransportError, WSManFaultError)) \
            and c.scheme == "http" and not ctx.encrypted:
        reason = getattr(exc, "reason", None) or getattr(exc, "message", "")
        return HostFault(
            f"the host refused unencrypted WinRM over plain HTTP (HTTP 500: {str(reason).strip()}) at {where}: "
            "Windows' default AllowUnencrypted=false does so. Use https (port 5986), or ntlm/kerberos with message "
            "encryption (ansible_winrm_message_encryption: auto), rather than setting AllowUnencrypted=true")
    if isinstance(exc, WSManFaultError):
        return HostFault(f"WS-Man fault {exc.wsman_fault_code} ({exc.fault_subcode or exc.fault_code}, HTTP "
                         f"{exc.code}) at {where}: {str(exc.reason).strip()}")
    if isinstance(exc, WinRMTransportError):
        return HostFault(f"HTTP {exc.code} from {where}: {str(exc.response_text).strip()[:300] or exc.message}")
    if isinstance(exc, requests.exceptions.SSLError) and "WRONG_VERSION_NUMBER" in _reason(exc).upper():
        return HostFault(f"the TLS handshake with {c.url} failed ({_reason(exc)}): that port answers plain HTTP, "
                         "not HTTPS; use ansible_winrm_scheme: http there, or the HTTPS listener's port (5986)")
    if isinstance(exc, requests.exceptions.SSLError) and _server_certificate_failed(exc):
        trust = (f"the CA file {c.ca_trust_path}" if c.ca_trust_path else "the system's trusted CAs")
        return HostFault(
            f"the certificate of {c.url} could not be validated against {trust}: {_reason(exc)}. Give the CA that "
            "signed it with ansible_winrm_ca_trust_path (a PEM file), and make sure the name you connect to is in "
            "the certificate; ansible_winrm_server_cert_validation: ignore only for a test host")
    if isinstance(exc, requests.exceptions.SSLError) and c.transport == "certificate":
        return HostFault(f"the TLS handshake with {c.url} failed after the client certificate {c.cert_pem} was "
                         f"offered ({_reason(exc)}): most likely the host refused it; it must trust the CA that "
                         "issued it")
    if isinstance(exc, requests.exceptions.SSLError):
        return HostFault(f"the TLS connection to {where} failed: {_reason(exc)}")
    if isinstance(exc, requests.exceptions.Timeout):
        return HostFault(f"no answer from {where} within {c.read_timeout}s (--read-timeout or "
                         "ansible_winrm_read_timeout_sec): the host or the network is down or slow")
    if isinstance(exc, requests.exceptions.ConnectionError):
        if _refused(exc):
            hint = ("a stock Windows host has only the HTTP listener on 5985: create an HTTPS listener (winrm "
                    "quickconfig -transport:https, with a certificate for the host's name) or use "
                    "ansible_port: 5985 with ntlm or kerberos (messages are then encrypted)"
                    if c.port == 5986 else "is WinRM enabled there (Enable-PSRemoting) and the firewall open?")
            return HostFault(f"connection refused at {c.address}:{c.port}: nothing listens there; {hint}")
        return HostFault(f"the connection to {where} failed: {_reason(exc)}")
    if isinstance(exc, WinRMError):
        return HostFault(f"WinRM error at {where}: {exc}")
    return HostFault(f"internal error at {where}: {type(exc).__name__}: {exc}", status="failed")


def _authentication(exc: BaseException, c: Connection) -> HostFault | None:
    """Credentials refused, explained for the transport that offered them (never retried)."""
    from winrm.exceptions import AuthenticationError

    credssp = _find(exc, lambda e: type(e).__module__.startswith("requests_credssp"))
    if credssp is not None or (isinstance(exc, AuthenticationError) and c.transport == "credssp"):
        return HostFault(
            f"CredSSP authentication for {c.user} at {c.url} failed ({str(credssp or exc).strip()}): CredSSP must be "
            "turned on for the host's WinRM service (Enable-WSManCredSSP -Role Server; it is off by default), and "
            "ansible_user and ansible_password right (not retried, so the account is not locked out)")
    if isinstance(exc, AuthenticationError) and c.transport == "certificate":
        return HostFault(
            f"the host did not accept the client certificate {c.cert_pem} (HTTP 401) at {c.url} (not retried): "
            "certificate authentication must be on there (Set-Item -Path WSMan:\\localhost\\Service\\Auth\\"
            "Certificate -Value $true) and the certificate mapped to a local account under WSMan:\\localhost\\"
            "ClientCertificate (its Subject matching the certificate's, its Issuer the thumbprint of the CA that "
            "signed it); domain accounts cannot be mapped")
    kerberos = _find(exc, lambda e: type(e).__name__ in KERBEROS_ERRORS)
    if kerberos is not None:
        return HostFault(
            f"Kerberos authentication for {c.user} at {c.url} failed ({str(kerberos).strip()}): the ticket comes "
            f"from the credential cache; give the host a password (remediate then runs kinit) or run kinit {c.user} "
            f"yourself (klist lists the tickets); the ticket is asked for HTTP/{c.address}, so connect by the "
            "host's name as the domain knows it, not an IP address or an alias")
    if isinstance(exc, AuthenticationError):
        return HostFault(
            f"authentication failed (HTTP 401) for {c.user} with {c.transport} at "
            f"{c.url}: check ansible_user and ansible_password (not retried, so the account is not locked out). "
            f"A local administrator account other than the built-in Administrator also needs {LATFP} = 1 on the "
            "host (UAC remote restrictions); a domain account may need its domain (DOMAIN\\user)")
    return None


def _find(exc: BaseException, wanted: Callable[[BaseException], bool]) -> BaseException | None:
    return next((e for e in _chain(exc) if wanted(e)), None)


def _chain(exc: BaseException):
    seen = set()
    stack: list[object] = [exc]
    while stack:
        current = stack.pop()
        if not isinstance(current, BaseException) or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        stack.extend([current.__cause__, current.__context__, getattr(current, "reason", None),
                      *[a for a in getattr(current, "args", ()) if isinstance(a, BaseException)]])


def _server_certificate_failed(exc: BaseException) -> bool:
    """Our check of the host's certificate failed (not the host's check of ours)."""
    return any(isinstance(e, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in str(e).upper()
               or "certificate verify failed" in str(e) for e in _chain(exc))


def _refused(exc: BaseException) -> bool:
    return any(isinstance(e, ConnectionRefusedError) or getattr(e, "errno", None) == errno.ECONNREFUSED
               or "Connection refused" in str(e) for e in _chain(exc))


def _reason(exc: BaseException) -> str:
    """The innermost useful text (requests nests urllib3's, which nests ssl's)."""
    texts = [str(e) for e in _chain(exc) if str(e)]
    ssl = [t for t in texts if any(w in t.upper() for w in ("CERTIFICATE", "HOSTNAME", "SSL:"))]
    text = min(ssl or texts or [type(exc).__name__], key=len)
    return text.strip()
