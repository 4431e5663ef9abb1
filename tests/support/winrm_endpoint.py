"""A WS-Management (WinRS shell) endpoint for tests: real HTTP(S), real auth, no Windows.

pywinrm, unmodified, talks to it as to a Windows host: Create shell, Command, Send (stdin),
Receive, Signal, Delete; HTTP Basic and NTLM/Negotiate (a real pyspnego acceptor) with WinRM
NTLM message encryption both ways over HTTP, and the channel-binding check over HTTPS. It
runs no PowerShell: once a command's stdin is complete (End="true", or never used) a
`responder(invocation) -> (stdout, stderr, exit_code)` decides the answer, and everything
the client sent is recorded (`server.invocations`, `server.shells`, `server.requests`).

    from support.winrm_endpoint import Faults, serve
    with serve("admin", "P@ss", faults=Faults(receive_timeouts=2)) as (server, url):
        p = winrm.Protocol(url, transport="ntlm", username="admin", password="P@ss",
                           ca_trust_path=None, proxy=None)
        ...
        assert server.invocations[0].stdin == payload

Faults on demand: see `Faults` (it may be replaced or edited between tests: the server
reads `server.faults` on every request; the "first N" counters count down in place).

CLI: `python tests/support/winrm_endpoint.py --user U --password P [--https] [--latency-ms N]`
prints the URL on stdout (the CA file of a generated certificate on stderr) and serves
until interrupted.

Shapes: SOAP answers follow pywinrm's own test fixtures (winrm/tests/conftest.py,
test_protocol.py: a Windows Server 2022 OperationTimeout fault) and MS-WSMV 3.1.4.x; what
each one was matched against is noted where it is built.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import contextlib
import importlib
import importlib.util
import os
import re
import shutil
import socket
import ssl
import struct
import sys
import tempfile
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import spnego
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from spnego.channel_bindings import GssChannelBindings

__all__ = ["Faults", "FaultShape", "Invocation", "RequestRecord", "Shell", "WinRMEndpoint",
           "default_responder", "serve", "FAULT_OPERATION_TIMEOUT", "FAULT_BUSY",
           "FAULT_UNENCRYPTED", "FAULT_SHELL_NOT_FOUND"]

# ---------------------------------------------------------------------------------------------
# Namespaces and URIs (as pywinrm's protocol.py and MS-WSMV use them)

NS_SOAP = "http://www.w3.org/2003/05/soap-envelope"
NS_ADDR = "http://schemas.xmlsoap.org/ws/2004/08/addressing"
NS_WSMAN = "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd"
NS_MSWSMAN = "http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd"
NS_TRANSFER = "http://schemas.xmlsoap.org/ws/2004/09/transfer"
NS_SHELL = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell"
NS_FAULT = "http://schemas.microsoft.com/wbem/wsman/1/wsmanfault"
CMD_URI = NS_SHELL + "/cmd"
ANONYMOUS = "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous"
FAULT_ACTION = "http://schemas.dmtf.org/wbem/wsman/1/wsman/fault"
STATE_DONE = NS_SHELL + "/CommandState/Done"
STATE_RUNNING = NS_SHELL + "/CommandState/Running"
CERTIFICATE_AUTH = "http://schemas.dmtf.org/wbem/wsman/1/wsman/secprofile/https/mutual"   # pywinrm's header
UPN_OID = "1.3.6.1.4.1.311.20.2.3"

ACTIONS = {
    NS_TRANSFER + "/Create": "Create",
    NS_SHELL + "/Command": "Command",
    NS_SHELL + "/Send": "Send",
    NS_SHELL + "/Receive": "Receive",
    NS_SHELL + "/Signal": "Signal",
    NS_TRANSFER + "/Delete": "Delete",
}
RESPONSE_ACTIONS = {
    "Create": NS_TRANSFER + "/CreateResponse",
    "Command": NS_SHELL + "/CommandResponse",
    "Send": NS_SHELL + "/SendResponse",
    "Receive": NS_SHELL + "/ReceiveResponse",
    "Signal": NS_SHELL + "/SignalResponse",
    "Delete": NS_TRANSFER + "/DeleteResponse",
}

# WinRM message encryption framing (pywinrm encryption.py, MS-WSMV 2.2.9.1.1)
BOUNDARY = b"--Encrypted Boundary"
ENCRYPTED_PROTOCOL = "application/HTTP-SPNEGO-session-encrypted"
ENCRYPTED_PROTOCOLS = {"Negotiate": ENCRYPTED_PROTOCOL, "NTLM": ENCRYPTED_PROTOCOL,      # MS-WSMV 2.2.9.1
                       "CredSSP": "application/HTTP-CredSSP-session-encrypted"}


def _content_type(protocol: str) -> str:
    return f'multipart/encrypted;protocol="{protocol}";boundary="Encrypted Boundary"'


ENCRYPTED_CONTENT_TYPE = _content_type(ENCRYPTED_PROTOCOL)
SOAP_CONTENT_TYPE = "application/soap+xml;charset=UTF-8"

DEFAULT_RESULT = b'REMEDIATE-RESULT {"host":null,"check":false,"tasks":[]}\r\n'


# ---------------------------------------------------------------------------------------------
# Faults: the shapes emitted, and the switches that make the server emit them

@dataclass(frozen=True)
class FaultShape:
    """One SOAP 1.2 fault as Windows sends it: HTTP status, s:Code/s:Value, s:Subcode/s:Value,
    the Microsoft wsmanfault `Code` (pywinrm's WSManFaultError.wsman_fault_code) and text."""
    status: int
    code: str
    subcode: str | None
    wsman_code: int | None
    reason: str


# Copied in shape and text from the Windows Server 2022 sample in pywinrm's
# winrm/tests/test_protocol.py (test_wsman_fault_known_fault); pywinrm's protocol.py turns
# Code 2150858793 (0x80338029, ERROR_WSMAN_OPERATION_TIMEDOUT) into WinRMOperationTimeoutError.
FAULT_OPERATION_TIMEOUT = FaultShape(
    500, "s:Receiver", "w:TimedOut", 2150858793,
    "The WS-Management service cannot complete the operation within the time specified in OperationTimeout.  ")
# Same envelope with Code="170" (Win32 ERROR_BUSY, whose system message this is). pywinrm reads
# s:Detail/f:WSManFault[@Code] into WSManFaultError.wsman_fault_code == 170; the subcode follows
# the w:InternalError used by Windows for Win32 errors (pywinrm test_wsman_fault_wmi_error_detail).
FAULT_BUSY = FaultShape(500, "s:Receiver", "w:InternalError", 170, "The requested resource is in use. ")
# AllowUnencrypted=false on plain HTTP: Windows answers HTTP 500 (pywinrm issues #129, #208);
# no capture of its body is published, so this is a stand-in: an access-denied fault
# (Win32 ERROR_ACCESS_DENIED = 5) in the same envelope.
FAULT_UNENCRYPTED = FaultShape(500, "s:Sender", "w:AccessDenied", 5, "Access is denied. ")
# 2150858843 (0x8033805B) is the code WinRb/winrm and winrm4j treat as "shell not found"; the
# text is the one winrm4j quotes from Windows.
FAULT_SHELL_NOT_FOUND = FaultShape(
    500, "s:Sender", "w:InvalidSelectors", 2150858843,
    "The request for the Windows Remote Shell with ShellId {shell_id} failed because the shell was not found "
    "on the server. Possible causes are: the specified ShellId is incorrect or the shell no longer exists on "
    "the server. Provide the correct ShellId or create a new shell and try the operation again. ")
# Stand-ins for client mistakes (not expected from pywinrm): SchemaValidationError as in
# pywinrm's test_wsman_fault_with_wsmanfault (0x80338041); ERROR_INVALID_PARAMETER (87);
# ERROR_INTERNAL_ERROR (1359) when a responder raises.
FAULT_SCHEMA = FaultShape(500, "s:Sender", "w:SchemaValidationError", 2150858817,
                          "The SOAP XML in the message does not match the corresponding XML schema definition. ")
FAULT_INVALID = FaultShape(500, "s:Sender", "w:InvalidParameter", 87, "The parameter is incorrect. ")
FAULT_ACTION_NOT_SUPPORTED = FaultShape(500, "s:Sender", "a:ActionNotSupported", None,
                                        "The action is not supported by the service. ")
FAULT_INTERNAL = FaultShape(500, "s:Receiver", "w:InternalError", 1359, "An internal error occurred. ")


@dataclass
class Faults:
    """What the endpoint does wrong (or how it is configured), read on every request.

    Counters named `*_first`/`busy_*`/`receive_timeouts`/`drop_times` are decremented in place
    as they fire, so a test can see how many were consumed."""
    # Configuration, as on a Windows host
    allow_unencrypted: bool = False   # WinRM AllowUnencrypted: False -> FAULT_UNENCRYPTED (HTTP 500)
                                      # for any unencrypted SOAP body on plain HTTP (Basic, or NTLM
                                      # with message_encryption="never"); HTTPS is always allowed
    allow_basic: bool = True          # Auth/Basic; False -> Basic is answered 401 and not offered
    allow_credssp: bool = False       # Auth/CredSSP (off on Windows by default): a pyspnego CredSSP
                                      # acceptor (its own TLS certificate, NTLM inside) when True
    check_cbt: bool = True            # over HTTPS, the NTLM acceptor requires the TLS channel binding
    # Authentication
    reject_auth: bool = False         # every authentication ends in 401 (as wrong credentials do)
    reject_auth_first: int = 0        # the first N completed authentications end in 401, later ones
                                      # succeed: a client that retried would get in
    # Size
    max_envelope_bytes: int | None = None  # HTTP 413 (empty body) for a SOAP envelope above this
                                           # many bytes (MaxEnvelopeSizekb * 1024), measured after
                                           # decryption so the NTLM sealing state stays in step
    # WS-Man faults
    busy_create: int = 0              # the first N Create requests get FAULT_BUSY (Code 170)
    busy_send: int = 0                # the first N Send requests get FAULT_BUSY (nothing is stored)
    receive_timeouts: int = 0         # the next N Receive requests get FAULT_OPERATION_TIMEOUT
    hang: bool = False                # every Receive gets FAULT_OPERATION_TIMEOUT: never Done
    running_at_once: bool = False     # every Receive is answered at once: State Running, no output
    receive_wait: float | None = 0.05  # seconds a Receive without output is held before that fault;
                                      # None = the request's w:OperationTimeout, as Windows does
    # Transport
    latency: float = 0.0              # seconds of delay before answering every HTTP request
                                      # (auth legs included: each is a network round trip)
    drop: str | None = None           # "Create"/"Command"/"Send"/"Receive"/"Signal"/"Delete" or "*":
                                      # read that request, then close the TCP connection unanswered
    drop_times: int | None = 1        # how many drops (None = every time)
    # Output shape
    output_parts: int = 1             # split the answer over N ReceiveResponses (N-1 Running)


class _Fault(Exception):
    def __init__(self, shape: FaultShape, **fmt: str) -> None:
        super().__init__(shape.reason)
        self.shape = shape
        self.fmt = fmt


# ---------------------------------------------------------------------------------------------
# Records

def _now() -> float:
    return time.monotonic()


@dataclass
class Shell:
    shell_id: str
    user: str | None
    resource_uri: str
    codepage: int | None
    noprofile: bool | None
    input_streams: str
    output_streams: str
    working_directory: str | None
    environment: dict[str, str]
    idle_timeout: str | None
    created_at: float
    deleted: bool = False
    deleted_at: float | None = None
    signals: list[str] = field(default_factory=list)   # shell-level signals (no CommandId)


@dataclass
class Invocation:
    """One WinRS command, as received. Times are time.monotonic() seconds."""
    shell_id: str
    command_id: str
    command: str
    arguments: list[str]              # the text of each rsp:Arguments element (pywinrm sends one)
    options: dict[str, str]           # WINRS_CONSOLEMODE_STDIN, WINRS_SKIP_CMD_SHELL, ...
    user: str | None                  # the authenticated principal ("DOMAIN\\user" or "user")
    auth: str | None                  # "Basic", "Negotiate" or "NTLM"
    encrypted: bool                   # the Command request came WinRM-encrypted
    shell: Shell = field(repr=False)
    created_at: float = 0.0           # the shell's Create
    command_at: float = 0.0
    first_send_at: float | None = None
    end_at: float | None = None       # the Send with End="true"
    receive_at: float | None = None   # first Receive
    done_at: float | None = None      # the Receive answered CommandState/Done
    stdin_chunks: list[bytes] = field(default_factory=list)   # each Send's decoded bytes
    stdin_closed: bool = False
    signals: list[str] = field(default_factory=list)           # "terminate", "ctrl_c", ...
    terminated: bool = False
    receives: int = 0                 # Receive requests for this command (faulted ones included)
    requests: int = 0                 # HTTP requests about this command (Command/Send/Receive/Signal)
    connections: set[int] = field(default_factory=set)
    stdout: bytes | None = None       # the responder's answer, once asked
    stderr: bytes | None = None
    exit_code: int | None = None
    _parts: list[tuple[bytes, bytes]] | None = field(default=None, repr=False)
    _result_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def stdin(self) -> bytes:
        return b"".join(self.stdin_chunks)

    @property
    def command_line(self) -> str:
        return " ".join([self.command, *self.arguments])

    @property
    def deleted(self) -> bool:
        return self.shell.deleted

    @property
    def deleted_at(self) -> float | None:
        return self.shell.deleted_at

    @property
    def input_ready(self) -> bool:
        return self.stdin_closed or not self.stdin_chunks or self.terminated


@dataclass
class RequestRecord:
    """One HTTP request (auth legs included)."""
    n: int
    connection: int
    at: float
    method: str
    path: str
    tls: bool
    authorization: str | None         # scheme of the Authorization header, if any
    content_type: str | None
    wire: bytes | None                # the body as it arrived (None when keep_bodies=False)
    wire_length: int
    encrypted: bool = False
    soap: bytes | None = None         # the decrypted SOAP envelope
    action: str | None = None         # "Create", "Command", ... (None: empty body / auth leg)
    user: str | None = None
    status: int | None = None         # None: dropped unanswered
    fault: int | None = None          # the wsmanfault Code answered, if any


Responder = Callable[[Invocation], "tuple[bytes | str, bytes | str, int]"]


def default_responder(invocation: Invocation) -> tuple[bytes, bytes, int]:
    """A REMEDIATE-RESULT line built from nothing, exit code 0."""
    return DEFAULT_RESULT, b"", 0


# ---------------------------------------------------------------------------------------------
# NTLM credentials: pyspnego's acceptor only reads NTLM_USER_FILE, a process-wide variable, so
# every live endpoint's account goes into one shared file and each endpoint then accepts only
# its own principal.

class _NtlmUserFile:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[tuple[str, str], tuple[str, int]] = {}   # (DOMAIN, USER) -> (password, refs)
        self._names: dict[tuple[str, str], tuple[str, str]] = {}
        self._dir: str | None = None
        self._previous: str | None = None

    def add(self, domain: str, user: str, password: str) -> None:
        key = (domain.upper(), user.upper())
        with self._lock:
            if key in self._entries:
                existing, refs = self._entries[key]
                if existing != password:
                    raise RuntimeError(
                        f"another endpoint in this process already serves {domain + chr(92) if domain else ''}{user} "
                        "with a different password; pyspnego reads one NTLM_USER_FILE per process: "
                        "run it in another process")
                self._entries[key] = (password, refs + 1)
            else:
                self._entries[key] = (password, 1)
                self._names[key] = (domain, user)
            self._write()

    def remove(self, domain: str, user: str) -> None:
        key = (domain.upper(), user.upper())
        with self._lock:
            password, refs = self._entries[key]
            if refs > 1:
                self._entries[key] = (password, refs - 1)
                return
            del self._entries[key], self._names[key]
            if self._entries:
                self._write()
                return
            if self._dir is not None:
                path = os.path.join(self._dir, "ntlm_users")
                if os.environ.get("NTLM_USER_FILE") == path:
                    if self._previous is None:
                        os.environ.pop("NTLM_USER_FILE", None)
                    else:
                        os.environ["NTLM_USER_FILE"] = self._previous
                shutil.rmtree(self._dir, ignore_errors=True)
                self._dir = None

    def _write(self) -> None:
        if self._dir is None:
            self._dir = tempfile.mkdtemp(prefix="winrm-endpoint-")
            self._previous = os.environ.get("NTLM_USER_FILE")
        # smbpasswd form (hashes, not the password): it holds any password, and the acceptor then
        # skips pyspnego's pure-Python DES (the LM hash) on every authentication
        from spnego._ntlm_raw.crypto import lmowfv1, ntowfv1
        lines = []
        for key, (password, _refs) in self._entries.items():
            domain, user = self._names[key]
            name = f"{domain}\\{user}" if domain else user
            lines.append(f"{name}:0:{lmowfv1(password).hex().upper()}:{ntowfv1(password).hex().upper()}:[U]:"
                         "LCT-00000000")
        path = os.path.join(self._dir, "ntlm_users")
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
            fh.write("\n".join(lines) + "\n")
        os.replace(tmp, path)   # atomic: an acceptor never reads half a file
        os.environ["NTLM_USER_FILE"] = path


_NTLM_USERS = _NtlmUserFile()


def _split_user(user: str) -> tuple[str, str]:
    domain, sep, name = user.partition("\\")
    return (domain, name) if sep else ("", user)


def _cert_binding(certfile: str | os.PathLike) -> GssChannelBindings:
    """tls-server-end-point channel binding (RFC 5929), computed as requests_ntlm does."""
    cert = x509.load_pem_x509_certificates(Path(certfile).read_bytes())[0]
    algorithm = cert.signature_hash_algorithm
    if algorithm is None or algorithm.name in ("md5", "sha1"):
        algorithm = hashes.SHA256()
    digest = hashes.Hash(algorithm)
    digest.update(cert.public_bytes(serialization.Encoding.DER))
    return GssChannelBindings(application_data=b"tls-server-end-point:" + digest.finalize())


def _certs_module():
    package = __name__.rpartition(".")[0]
    try:
        return importlib.import_module(f"{package}.certs" if package else "certs")
    except ImportError:
        spec = importlib.util.spec_from_file_location("_winrm_endpoint_certs", Path(__file__).with_name("certs.py"))
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module


# ---------------------------------------------------------------------------------------------
# SOAP helpers

def _q(ns: str, tag: str) -> str:
    return f"{{{ns}}}{tag}"


def _envelope(action: str, relates_to: str | None, body: str) -> bytes:
    """Response envelope in the form of pywinrm's conftest.py fixtures (Windows responses)."""
    relates = f"<a:RelatesTo>{escape(relates_to)}</a:RelatesTo>" if relates_to else ""
    return (
        f'<s:Envelope xml:lang="en-US" xmlns:s="{NS_SOAP}" xmlns:a="{NS_ADDR}" xmlns:x="{NS_TRANSFER}" '
        f'xmlns:w="{NS_WSMAN}" xmlns:rsp="{NS_SHELL}" xmlns:p="{NS_MSWSMAN}">'
        f"<s:Header><a:Action>{action}</a:Action><a:MessageID>uuid:{str(uuid.uuid4()).upper()}</a:MessageID>"
        f"<a:To>{ANONYMOUS}</a:To>{relates}</s:Header>"
        f"<s:Body>{body}</s:Body></s:Envelope>"
    ).encode()


def _fault_envelope(shape: FaultShape, relates_to: str | None, machine: str, **fmt: str) -> bytes:
    """Fault envelope in the form of the Windows samples in pywinrm's test_protocol.py."""
    reason = escape(shape.reason.format(**fmt) if fmt else shape.reason)
    subcode = f"<s:Subcode><s:Value>{shape.subcode}</s:Value></s:Subcode>" if shape.subcode else ""
    detail = ""
    if shape.wsman_code is not None:
        detail = (f'<s:Detail><f:WSManFault xmlns:f="{NS_FAULT}" Code="{shape.wsman_code}" Machine={quoteattr(machine)}>'
                  f"<f:Message>{reason}</f:Message></f:WSManFault></s:Detail>")
    relates = f"<a:RelatesTo>{escape(relates_to)}</a:RelatesTo>" if relates_to else ""
    return (
        f'<s:Envelope xml:lang="en-US" xmlns:s="{NS_SOAP}" xmlns:a="{NS_ADDR}" xmlns:x="{NS_TRANSFER}" '
        f'xmlns:e="http://schemas.xmlsoap.org/ws/2004/08/eventing" '
        f'xmlns:n="http://schemas.xmlsoap.org/ws/2004/09/enumeration" xmlns:w="{NS_WSMAN}" xmlns:p="{NS_MSWSMAN}">'
        f"<s:Header><a:Action>{FAULT_ACTION}</a:Action><a:MessageID>uuid:{str(uuid.uuid4()).upper()}</a:MessageID>"
        f"<a:To>{ANONYMOUS}</a:To>{relates}</s:Header>"
        f"<s:Body><s:Fault><s:Code><s:Value>{shape.code}</s:Value>{subcode}</s:Code>"
        f'<s:Reason><s:Text xml:lang="en-US">{reason}</s:Text></s:Reason>{detail}</s:Fault></s:Body></s:Envelope>'
    ).encode()


def _options(header: ET.Element) -> dict[str, str]:
    out = {}
    for option in header.iterfind(f"{_q(NS_WSMAN, 'OptionSet')}/{_q(NS_WSMAN, 'Option')}"):
        out[option.get("Name", "")] = (option.text or "").strip()
    return out


def _selector(header: ET.Element, name: str) -> str | None:
    for selector in header.iterfind(f"{_q(NS_WSMAN, 'SelectorSet')}/{_q(NS_WSMAN, 'Selector')}"):
        if selector.get("Name", "").lower() == name.lower():   # pywinrm: ShellId; MS-WSMV text: ShellID
            return (selector.text or "").strip()
    return None


def _seconds(duration: str | None, default: float = 20.0) -> float:
    match = re.fullmatch(r"P(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?",
                         (duration or "").strip())
    if not match or not any(match.groups()):
        return default
    h, m, s = (float(g) if g else 0.0 for g in match.groups())
    return h * 3600 + m * 60 + s


def _bool_option(value: str | None) -> bool | None:
    return None if value is None else value.strip().upper() == "TRUE"


def _parse_encrypted(body: bytes, tls_records: bool = False) -> list[tuple[int, bytes, bytes]]:
    """Split a multipart/encrypted body into (plain length, signature, sealed data) by the
    OriginalContent Length= field, never by searching for the next boundary (the sealed bytes
    may contain anything). With tls_records (CredSSP: the sealed part is TLS application-data
    records, MS-WSMV 2.2.9.1.3) the records' own lengths say where it ends: the Length-Field
    before them is pywinrm's estimate of the trailer, which for TLS 1.3 cipher names it does
    not know is off, and how Windows uses it is not known here, so it is not relied on."""
    parts = []
    pos = 0
    octet = b"Content-Type: application/octet-stream\r\n"
    while True:
        start = body.find(BOUNDARY + b"\r\n", pos)
        if start < 0:
            break
        length_at = body.find(b"Length=", start)
        if length_at < 0:
            raise ValueError("no Length= in the encrypted part header")
        eol = body.find(b"\r\n", length_at)
        length = int(body[length_at + len(b"Length="):eol])
        data_at = body.find(octet, eol)
        if data_at < 0:
            raise ValueError("no application/octet-stream part")
        data_at += len(octet)
        (sig_len,) = struct.unpack("<I", body[data_at:data_at + 4])
        if tls_records:
            start = end = data_at + 4
            while end + 5 <= len(body) and body[end] == 0x17:      # TLS application data
                end += 5 + struct.unpack(">H", body[end + 3:end + 5])[0]
            parts.append((length, b"", body[start:end]))
            pos = end
            continue
        signature = body[data_at + 4:data_at + 4 + sig_len]
        sealed = body[data_at + 4 + sig_len:data_at + 4 + sig_len + length]
        if len(sealed) != length:
            raise ValueError("encrypted part shorter than its Length=")
        parts.append((length, signature, sealed))
        pos = data_at + 4 + sig_len + length
    if not parts:
        raise ValueError("no encrypted part")
    return parts




def _encrypt(ctx, plain: bytes, protocol: str) -> bytes:
    """The body Windows sends back (and pywinrm's Encryption._decrypt_response parses)."""
    wrapped = ctx.wrap_winrm(plain)
    return (BOUNDARY + b"\r\n"
            + b"\tContent-Type: " + protocol.encode() + b"\r\n"
            + b"\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=" + str(len(plain)).encode() + b"\r\n"
            + BOUNDARY + b"\r\n"
            + b"\tContent-Type: application/octet-stream\r\n"
            + struct.pack("<i", len(wrapped.header)) + wrapped.header + wrapped.data
            + BOUNDARY + b"--\r\n")


def _split(data: bytes, n: int) -> list[bytes]:
    if n <= 1:
        return [data]
    size = -(-len(data) // n) if data else 0
    return [data[i * size:(i + 1) * size] for i in range(n)] if size else [b""] * n


# ---------------------------------------------------------------------------------------------
# The server

class WinRMEndpoint(ThreadingHTTPServer):
    """Threaded HTTP(S) server; one thread per client connection (daemon threads)."""
    daemon_threads = True
    block_on_close = False
    request_queue_size = 128

    def __init__(self, user: str, password: str, *, https: bool = False, certfile=None, keyfile=None,
                 faults: Faults | None = None, responder: Responder | None = None,
                 host: str = "127.0.0.1", port: int = 0, keep_bodies: bool = True, client_ca=None,
                 cert_subject: str | None = None) -> None:
        self.user = user
        self.cert_subject = cert_subject      # the UPN a client certificate must carry (certificate mapping)
        self.password = password
        self.domain_part, self.user_part = _split_user(user)
        self.faults = faults if faults is not None else Faults()
        self.responder: Responder = responder or default_responder
        self.keep_bodies = keep_bodies
        self.https = https
        self.certs = None
        if https and certfile is None:
            self.certs = _certs_module().make_certs()
            certfile, keyfile = self.certs.server_cert, self.certs.server_key
        self.certfile = Path(certfile) if certfile else None
        self.keyfile = Path(keyfile) if keyfile else None
        self.ssl_context: ssl.SSLContext | None = None
        self.channel_bindings: GssChannelBindings | None = None
        if https:
            ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ctx.minimum_version = ssl.TLSVersion.TLSv1_2
            ctx.load_cert_chain(str(self.certfile), str(self.keyfile) if self.keyfile else None)
            if client_ca is not None:      # certificate authentication: ask for one, issued by this CA
                ctx.load_verify_locations(str(client_ca))
                ctx.verify_mode = ssl.CERT_OPTIONAL
            self.ssl_context = ctx
            self.channel_bindings = _cert_binding(self.certfile)

        self.cond = threading.Condition(threading.RLock())
        self.invocations: list[Invocation] = []
        self.shells: dict[str, Shell] = {}
        self.requests: list[RequestRecord] = []
        self.connections: dict[int, int] = {}     # connection id -> HTTP requests on it
        self.challenges = 0                        # 401s that offered or continued authentication
        self.rejections = 0                        # 401s after credentials were checked and refused
        self.errors: list[str] = []                # unexpected server-side exceptions
        self._commands: dict[str, Invocation] = {}
        self._live: set[socket.socket] = set()
        self._next_conn = 0
        self._closing = False
        self._thread: threading.Thread | None = None
        self._registered = False
        super().__init__((host, port), _Handler)

    # -- lifecycle

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"{'https' if self.https else 'http'}://{host}:{port}/wsman"

    @property
    def ca_file(self) -> Path | None:
        """The CA that signed a generated certificate (None when certfile was given)."""
        return self.certs.ca_cert if self.certs else None

    @property
    def request_count(self) -> int:
        with self.cond:
            return sum(self.connections.values())

    def start(self) -> WinRMEndpoint:
        _NTLM_USERS.add(self.domain_part, self.user_part, self.password)
        self._registered = True
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"winrm-endpoint-{self.server_address[1]}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self.shutdown()
            self._thread.join(5)
            self._thread = None
        with self.cond:
            self._closing = True
            self.cond.notify_all()
            live = list(self._live)
        for sock in live:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        self.server_close()
        if self._registered:
            self._registered = False
            _NTLM_USERS.remove(self.domain_part, self.user_part)
        if self.certs is not None:
            shutil.rmtree(self.certs.directory, ignore_errors=True)

    def reset(self) -> None:
        """Forget what was recorded (not the faults, not authenticated connections)."""
        with self.cond:
            self.invocations.clear()
            self.shells.clear()
            self.requests.clear()
            self.connections.clear()
            self.challenges = self.rejections = 0
            self.errors.clear()
            self._commands.clear()

    # -- lookups

    def invocation(self, command_id: str) -> Invocation:
        with self.cond:
            return self._commands[command_id]

    @property
    def last(self) -> Invocation:
        with self.cond:
            return self.invocations[-1]

    def requests_for(self, action: str) -> list[RequestRecord]:
        with self.cond:
            return [r for r in self.requests if r.action == action]

    # -- socketserver plumbing: TLS handshake in the connection's thread, quiet errors

    def finish_request(self, request, client_address) -> None:
        sock = request
        if self.ssl_context is not None:
            try:
                request.settimeout(10)
                sock = self.ssl_context.wrap_socket(request, server_side=True)
                sock.settimeout(None)
            except (ssl.SSLError, OSError):
                return   # e.g. the client did not trust our certificate
        with self.cond:
            self._live.add(sock)
        try:
            self.RequestHandlerClass(sock, client_address, self)
        finally:
            with self.cond:
                self._live.discard(sock)
            if sock is not request:
                with contextlib.suppress(OSError):
                    sock.close()

    def handle_error(self, request, client_address) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, ssl.SSLError, TimeoutError, socket.timeout)):
            return
        with self.cond:
            self.errors.append(f"{type(exc).__name__}: {exc}")

    def _new_connection(self) -> int:
        with self.cond:
            self._next_conn += 1
            self.connections[self._next_conn] = 0
            return self._next_conn

    # -- decisions shared by handlers

    def _auth_decision(self, ok: bool) -> bool:
        with self.cond:
            f = self.faults
            if f.reject_auth:
                return False
            if f.reject_auth_first > 0:
                f.reject_auth_first -= 1
                return False
            return ok

    def _is_own_principal(self, principal: str | None) -> bool:
        if not principal:
            return False
        domain, user = _split_user(principal)
        return (domain.upper(), user.upper()) == (self.domain_part.upper(), self.user_part.upper())

    def _check_basic(self, user: str, password: str) -> bool:
        return self._is_own_principal(user) and password == self.password

    def _take(self, name: str) -> bool:
        """Consume one unit of a countdown fault."""
        with self.cond:
            left = getattr(self.faults, name)
            if left > 0:
                setattr(self.faults, name, left - 1)
                return True
            return False

    def _take_drop(self, action: str) -> bool:
        with self.cond:
            f = self.faults
            if not f.drop or f.drop not in ("*", action):
                return False
            if f.drop_times is None:
                return True
            if f.drop_times > 0:
                f.drop_times -= 1
                return True
            return False


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"          # keep-alive: NTLM authenticates the connection
    server_version = "Microsoft-HTTPAPI/2.0"
    sys_version = ""
    timeout = 120                          # idle keep-alive connections end eventually
    server: WinRMEndpoint

    def setup(self) -> None:
        super().setup()
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.conn_id = self.server._new_connection()
        self.tls = isinstance(self.connection, ssl.SSLSocket)
        self.auth_ctx = None               # spnego acceptor of the handshake in progress
        self.session_ctx = None            # the completed one: this connection is authenticated
        self.session_user: str | None = None
        self.session_scheme: str | None = None

    def log_message(self, format, *args) -> None:   # noqa: A002 - quiet
        pass

    def do_GET(self) -> None:
        self._read_body()
        self._send(405, b"", None)

    do_PUT = do_DELETE = do_GET

    def do_POST(self) -> None:
        try:
            self._handle()
        except (TimeoutError, ConnectionError, ssl.SSLError):
            self.close_connection = True
        except Exception as exc:   # a bug here must not hang the client
            with self.server.cond:
                self.server.errors.append(f"{type(exc).__name__}: {exc}")
            self.close_connection = True
            with contextlib.suppress(Exception):
                self._send(500, b"", None)

    # -- HTTP

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, status: int, body: bytes, content_type: str | None, headers=()) -> None:
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        if content_type:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        # headers and body in one write: two small writes meet the client's delayed ACK (~40 ms)
        self._headers_buffer.append(b"\r\n")
        self._headers_buffer.append(body)
        self.flush_headers()

    def _offers(self) -> list[tuple[str, str]]:
        offers = [("WWW-Authenticate", "Negotiate")]
        if self.server.faults.allow_credssp:
            offers.append(("WWW-Authenticate", "CredSSP"))
        if self.server.faults.allow_basic:
            offers.append(("WWW-Authenticate", 'Basic realm="WSMAN"'))
        return offers

    def _unauthorized(self, rec: RequestRecord, headers: list[tuple[str, str]] | None = None, *,
                      rejected: bool) -> None:
        with self.server.cond:
            if rejected:
                self.server.rejections += 1
            else:
                self.server.challenges += 1
            rec.status = 401
        self._send(401, b"", None, headers if headers is not None else self._offers())

    # -- one request

    def _handle(self) -> None:
        srv = self.server
        body = self._read_body()
        auth_header = self.headers.get("Authorization")
        with srv.cond:
            srv.connections[self.conn_id] = srv.connections.get(self.conn_id, 0) + 1
            rec = RequestRecord(n=len(srv.requests) + 1, connection=self.conn_id, at=_now(), method=self.command,
                                path=self.path, tls=self.tls,
                                authorization=auth_header.split(" ", 1)[0] if auth_header else None,
                                content_type=self.headers.get("Content-Type"),
                                wire=body if srv.keep_bodies else None, wire_length=len(body))
            srv.requests.append(rec)
        latency = srv.faults.latency
        if latency:
            time.sleep(latency)
        if self.path.split("?", 1)[0].rstrip("/").lower() != "/wsman":
            rec.status = 404
            self._send(404, b"", None)
            return

        authenticated = self._authenticate(rec, auth_header)
        if authenticated is None:
            return
        user, scheme, extra_headers = authenticated
        rec.user = user

        content_type = (self.headers.get("Content-Type") or "").lower()
        ctx = self.session_ctx if scheme in ENCRYPTED_PROTOCOLS else None
        if content_type.startswith("multipart/encrypted") or content_type.startswith("multipart/x-multi-encrypted"):
            if ctx is None or ENCRYPTED_PROTOCOLS[scheme].lower() not in content_type:
                rec.status = 400
                self._send(400, b"", None, extra_headers)
                return
            try:
                parts = _parse_encrypted(body, tls_records=scheme == "CredSSP")
                soap = b"".join(ctx.unwrap_winrm(sig, data) for _length, sig, data in parts)
            except Exception as exc:
                with srv.cond:
                    srv.errors.append(f"decrypt: {type(exc).__name__}: {exc}")
                rec.status = 400
                self.close_connection = True
                self._send(400, b"", None, extra_headers)
                return
            encrypted = True
        else:
            soap, encrypted = body, False
        rec.encrypted = encrypted
        rec.soap = soap if srv.keep_bodies else None
        reply_ctx = ctx if encrypted else None

        if not soap:
            # pywinrm's setup_encryption: an empty POST to finish authentication
            rec.status = 200
            self._send(200, b"", None, extra_headers)
            return

        relates_to = None
        try:
            envelope = ET.fromstring(soap)
            header = envelope.find(_q(NS_SOAP, "Header"))
            body_el = envelope.find(_q(NS_SOAP, "Body"))
            if header is None or body_el is None:
                raise ValueError("no s:Header or s:Body")
            relates_to = (header.findtext(_q(NS_ADDR, "MessageID")) or "").strip() or None
            action_uri = (header.findtext(_q(NS_ADDR, "Action")) or "").strip()
        except (ET.ParseError, ValueError):
            envelope = header = body_el = None
            action_uri = ""
        action = ACTIONS.get(action_uri)
        rec.action = action

        if not self.tls and not encrypted and not srv.faults.allow_unencrypted:
            self._fault(rec, FAULT_UNENCRYPTED, relates_to, None, extra_headers)
            return
        limit = srv.faults.max_envelope_bytes
        if limit is not None and len(soap) > limit:
            rec.status = 413
            self._send(413, b"", None, extra_headers)
            return
        if envelope is None:
            self._fault(rec, FAULT_SCHEMA, relates_to, reply_ctx, extra_headers)
            return
        if action is None:
            self._fault(rec, FAULT_ACTION_NOT_SUPPORTED, relates_to, reply_ctx, extra_headers)
            return
        if srv._take_drop(action):
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return

        try:
            answer = getattr(self, f"_op_{action.lower()}")(header, body_el, user, scheme, encrypted, rec)
        except _Fault as fault:
            self._fault(rec, fault.shape, relates_to, reply_ctx, extra_headers, **fault.fmt)
            return
        xml = _envelope(RESPONSE_ACTIONS[action], relates_to, answer)
        rec.status = 200
        self._reply(200, xml, reply_ctx, extra_headers)

    def _reply(self, status: int, xml: bytes, ctx, headers) -> None:
        if ctx is not None:
            protocol = ENCRYPTED_PROTOCOLS[self.session_scheme]
            self._send(status, _encrypt(ctx, xml, protocol), _content_type(protocol), headers)
        else:
            self._send(status, xml, SOAP_CONTENT_TYPE, headers)

    def _fault(self, rec: RequestRecord, shape: FaultShape, relates_to, ctx, headers, **fmt) -> None:
        rec.status = shape.status
        rec.fault = shape.wsman_code
        xml = _fault_envelope(shape, relates_to, self.server.server_address[0], **fmt)
        self._reply(shape.status, xml, ctx, headers)

    # -- authentication

    def _authenticate(self, rec: RequestRecord, auth_header: str | None):
        """(user, scheme, extra response headers), or None once a 401 has been sent."""
        srv = self.server
        if auth_header and auth_header.strip() == CERTIFICATE_AUTH:
            upn = self._certificate_upn()
            if not srv._auth_decision(upn is not None and upn.lower() == (srv.cert_subject or "").lower()):
                self._unauthorized(rec, rejected=True)
                return None
            return upn, "Certificate", []
        if auth_header:
            scheme, _, value = auth_header.strip().partition(" ")
            lowered = scheme.lower()
            if lowered == "basic":
                if not srv.faults.allow_basic:
                    self._unauthorized(rec, rejected=True)
                    return None
                try:
                    user, _, password = base64.b64decode(value.strip()).decode("utf-8").partition(":")
                except (binascii.Error, UnicodeDecodeError):
                    self._unauthorized(rec, rejected=True)
                    return None
                if not srv._auth_decision(srv._check_basic(user, password)):
                    self._unauthorized(rec, rejected=True)
                    return None
                return user, "Basic", []
            if lowered == "credssp" and srv.faults.allow_credssp:
                return self._step_context(rec, "CredSSP", value, lambda: spnego.server(protocol="credssp"))
            if lowered in ("negotiate", "ntlm"):
                bindings = srv.channel_bindings if (self.tls and srv.faults.check_cbt) else None
                return self._step_context(rec, "NTLM" if lowered == "ntlm" else "Negotiate", value, lambda: spnego.server(
                    hostname=srv.server_address[0], service="http", channel_bindings=bindings, protocol="negotiate",
                    options=spnego.NegotiateOptions.use_negotiate))
            self._unauthorized(rec, rejected=True)
            return None
        if self.session_ctx is not None:
            return self.session_user, self.session_scheme, []
        self._unauthorized(rec, rejected=False)
        return None

    def _step_context(self, rec: RequestRecord, scheme: str, value: str, new_context):
        """One leg of a pyspnego handshake (Negotiate/NTLM/Kerberos, CredSSP): a 401 carrying the
        next token, or (user, scheme, headers) once complete and the principal is ours."""
        srv = self.server
        try:
            token = base64.b64decode(value.strip())
        except binascii.Error:
            token = b""
        if not token:
            self._unauthorized(rec, rejected=True)
            return None
        if self.auth_ctx is None or self.auth_ctx.complete:
            # a new handshake (re)starts: the connection is no longer authenticated
            self.session_ctx = self.session_user = self.session_scheme = None
            self.auth_ctx = new_context()
        try:
            out = self.auth_ctx.step(token)
        except Exception:
            self.auth_ctx = None
            self._unauthorized(rec, rejected=True)
            return None
        if not self.auth_ctx.complete:
            challenge = f"{scheme} {base64.b64encode(out).decode()}" if out else scheme
            self._unauthorized(rec, [("WWW-Authenticate", challenge)], rejected=False)
            return None
        principal = self.auth_ctx.client_principal
        if not srv._auth_decision(srv._is_own_principal(principal)):
            self.auth_ctx = None
            self._unauthorized(rec, rejected=True)
            return None
        self.session_ctx, self.session_user, self.session_scheme = self.auth_ctx, principal, scheme
        # a final token (SPNEGO's mechListMIC, Kerberos' AP-REP) must reach the client on the 200
        extra = [("WWW-Authenticate", f"{scheme} {base64.b64encode(out).decode()}")] if out else []
        return principal, scheme, extra

    def _certificate_upn(self) -> str | None:
        """The UPN in the SAN of the client certificate TLS verified against client_ca (what a
        WSMan:\\localhost\\ClientCertificate mapping's Subject is matched against), if any."""
        if not self.tls or self.server.cert_subject is None:
            return None
        der = self.connection.getpeercert(binary_form=True)
        if not der:
            return None
        try:
            san = x509.load_der_x509_certificate(der).extensions.get_extension_for_class(x509.SubjectAlternativeName)
        except x509.ExtensionNotFound:
            return None
        for other in san.value.get_values_for_type(x509.OtherName):
            if other.type_id.dotted_string == UPN_OID and other.value[:1] == b"\x0c":
                return other.value[2:2 + other.value[1]].decode("utf-8", errors="replace")
        return None

    # -- WinRS operations: each returns the s:Body content of its response

    def _shell(self, header: ET.Element) -> Shell:
        shell_id = _selector(header, "ShellId")
        with self.server.cond:
            shell = self.server.shells.get(shell_id or "")
        if shell is None or shell.deleted:
            raise _Fault(FAULT_SHELL_NOT_FOUND, shell_id=shell_id or "")
        return shell

    def _command(self, shell: Shell, command_id: str | None, rec: RequestRecord) -> Invocation:
        with self.server.cond:
            inv = self.server._commands.get(command_id or "")
            if inv is None or inv.shell_id != shell.shell_id:
                raise _Fault(FAULT_INVALID)
            inv.requests += 1
            inv.connections.add(rec.connection)
            return inv

    def _op_create(self, header, body, user, scheme, encrypted, rec) -> str:
        srv = self.server
        if srv._take("busy_create"):
            raise _Fault(FAULT_BUSY)
        options = _options(header)
        spec = body.find(_q(NS_SHELL, "Shell"))
        if spec is None:
            raise _Fault(FAULT_SCHEMA)
        env = {v.get("Name", ""): v.text or "" for v in spec.iterfind(
            f"{_q(NS_SHELL, 'Environment')}/{_q(NS_SHELL, 'Variable')}")}
        codepage = options.get("WINRS_CODEPAGE")
        shell = Shell(
            shell_id=str(uuid.uuid4()).upper(), user=user,
            resource_uri=(header.findtext(_q(NS_WSMAN, "ResourceURI")) or "").strip(),
            codepage=int(codepage) if codepage and codepage.isdigit() else None,
            noprofile=_bool_option(options.get("WINRS_NOPROFILE")),
            input_streams=(spec.findtext(_q(NS_SHELL, "InputStreams")) or "").strip(),
            output_streams=(spec.findtext(_q(NS_SHELL, "OutputStreams")) or "").strip(),
            working_directory=spec.findtext(_q(NS_SHELL, "WorkingDirectory")),
            environment=env, idle_timeout=spec.findtext(_q(NS_SHELL, "IdleTimeOut")), created_at=_now())
        with srv.cond:
            srv.shells[shell.shell_id] = shell
        sid = escape(shell.shell_id)
        # x:ResourceCreated as in pywinrm's open_shell_response fixture (pywinrm reads the
        # Selector Name="ShellId"), then rsp:Shell as MS-WSMV's Create response carries it.
        return (f"<x:ResourceCreated><a:Address>{escape(srv.url)}</a:Address><a:ReferenceParameters>"
                f"<w:ResourceURI>{CMD_URI}</w:ResourceURI><w:SelectorSet>"
                f'<w:Selector Name="ShellId">{sid}</w:Selector></w:SelectorSet></a:ReferenceParameters>'
                f"</x:ResourceCreated>"
                f"<rsp:Shell><rsp:ShellId>{sid}</rsp:ShellId><rsp:ResourceUri>{CMD_URI}</rsp:ResourceUri>"
                f"<rsp:Owner>{escape(user or '')}</rsp:Owner><rsp:ClientIP>{escape(self.client_address[0])}</rsp:ClientIP>"
                f"<rsp:IdleTimeOut>PT7200.000S</rsp:IdleTimeOut>"
                f"<rsp:InputStreams>{escape(shell.input_streams)}</rsp:InputStreams>"
                f"<rsp:OutputStreams>{escape(shell.output_streams)}</rsp:OutputStreams>"
                f"<rsp:ShellRunTime>P0DT0H0M0S</rsp:ShellRunTime><rsp:ShellInactivity>P0DT0H0M0S</rsp:ShellInactivity>"
                f"</rsp:Shell>")

    def _op_command(self, header, body, user, scheme, encrypted, rec) -> str:
        srv = self.server
        shell = self._shell(header)
        line = body.find(_q(NS_SHELL, "CommandLine"))
        if line is None:
            raise _Fault(FAULT_SCHEMA)
        command_id = (line.get("CommandId") or str(uuid.uuid4())).upper()
        inv = Invocation(
            shell_id=shell.shell_id, command_id=command_id,
            command=(line.findtext(_q(NS_SHELL, "Command")) or "").strip(),
            arguments=[a.text or "" for a in line.iterfind(_q(NS_SHELL, "Arguments"))],
            options=_options(header), user=user, auth=scheme, encrypted=encrypted, shell=shell,
            created_at=shell.created_at, command_at=_now(), requests=1, connections={rec.connection})
        with srv.cond:
            srv.invocations.append(inv)
            srv._commands[command_id] = inv
        return f"<rsp:CommandResponse><rsp:CommandId>{escape(command_id)}</rsp:CommandId></rsp:CommandResponse>"

    def _op_send(self, header, body, user, scheme, encrypted, rec) -> str:
        srv = self.server
        shell = self._shell(header)
        stream = body.find(f"{_q(NS_SHELL, 'Send')}/{_q(NS_SHELL, 'Stream')}")
        if stream is None:
            raise _Fault(FAULT_SCHEMA)
        inv = self._command(shell, stream.get("CommandId"), rec)
        if srv._take("busy_send"):
            raise _Fault(FAULT_BUSY)
        try:
            data = base64.b64decode((stream.text or "").strip(), validate=True)
        except binascii.Error:
            raise _Fault(FAULT_SCHEMA) from None
        end = (stream.get("End") or "").strip().lower() == "true"
        with srv.cond:
            if inv.stdin_closed or stream.get("Name", "stdin") != "stdin":
                raise _Fault(FAULT_INVALID)
            now = _now()
            if inv.first_send_at is None:
                inv.first_send_at = now
            inv.stdin_chunks.append(data)
            if end:
                inv.stdin_closed = True
                inv.end_at = now
            srv.cond.notify_all()
        return "<rsp:SendResponse/>"

    def _op_receive(self, header, body, user, scheme, encrypted, rec) -> str:
        srv = self.server
        shell = self._shell(header)
        desired = body.find(f"{_q(NS_SHELL, 'Receive')}/{_q(NS_SHELL, 'DesiredStream')}")
        if desired is None:
            raise _Fault(FAULT_SCHEMA)
        inv = self._command(shell, desired.get("CommandId"), rec)
        with srv.cond:
            inv.receives += 1
            if inv.receive_at is None:
                inv.receive_at = _now()
            f = srv.faults
            wait = f.receive_wait if f.receive_wait is not None else _seconds(
                header.findtext(_q(NS_WSMAN, "OperationTimeout")))
            if f.running_at_once:
                return (f'<rsp:ReceiveResponse><rsp:CommandState CommandId="{escape(inv.command_id)}" '
                        f'State="{STATE_RUNNING}"/></rsp:ReceiveResponse>')
            if f.hang or srv._take("receive_timeouts"):
                # hold it as Windows does, then the OperationTimeout fault (never Done)
                srv.cond.wait_for(lambda: inv.terminated or srv._closing, timeout=wait)
                raise _Fault(FAULT_OPERATION_TIMEOUT)
            if not srv.cond.wait_for(lambda: inv.input_ready or srv._closing, timeout=wait) or srv._closing:
                raise _Fault(FAULT_OPERATION_TIMEOUT)
        with inv._result_lock:
            if inv._parts is None:
                try:
                    out, err, code = srv.responder(inv)
                except Exception as exc:
                    with srv.cond:
                        srv.errors.append(f"responder: {type(exc).__name__}: {exc}")
                    raise _Fault(FAULT_INTERNAL) from exc
                out = out.encode("utf-8") if isinstance(out, str) else bytes(out or b"")
                err = err.encode("utf-8") if isinstance(err, str) else bytes(err or b"")
                parts = max(1, srv.faults.output_parts)
                inv.stdout, inv.stderr, inv.exit_code = out, err, int(code)
                inv._parts = list(zip(_split(out, parts), _split(err, parts), strict=False))
            if not inv._parts:
                raise _Fault(FAULT_INVALID)   # Receive after Done
            out, err = inv._parts.pop(0)
            done = not inv._parts
        cid = escape(inv.command_id)
        streams = []
        if out or not err:
            streams.append(f'<rsp:Stream Name="stdout" CommandId="{cid}">{base64.b64encode(out).decode()}</rsp:Stream>')
        if err:
            streams.append(f'<rsp:Stream Name="stderr" CommandId="{cid}">{base64.b64encode(err).decode()}</rsp:Stream>')
        if done:
            with srv.cond:
                inv.done_at = _now()
            # as in pywinrm's get_cmd_output_response fixture: End streams, then Done + ExitCode
            streams.append(f'<rsp:Stream Name="stdout" CommandId="{cid}" End="true"></rsp:Stream>')
            streams.append(f'<rsp:Stream Name="stderr" CommandId="{cid}" End="true"></rsp:Stream>')
            state = (f'<rsp:CommandState CommandId="{cid}" State="{STATE_DONE}">'
                     f"<rsp:ExitCode>{inv.exit_code}</rsp:ExitCode></rsp:CommandState>")
        else:
            state = f'<rsp:CommandState CommandId="{cid}" State="{STATE_RUNNING}"/>'
        return f"<rsp:ReceiveResponse>{''.join(streams)}{state}</rsp:ReceiveResponse>"

    def _op_signal(self, header, body, user, scheme, encrypted, rec) -> str:
        srv = self.server
        shell = self._shell(header)
        signal = body.find(_q(NS_SHELL, "Signal"))
        if signal is None:
            raise _Fault(FAULT_SCHEMA)
        code = (signal.findtext(_q(NS_SHELL, "Code")) or "").strip()
        name = code.rsplit("/", 1)[-1] or code
        command_id = signal.get("CommandId")
        if command_id is None:
            with srv.cond:
                shell.signals.append(name)
            return "<rsp:SignalResponse/>"
        inv = self._command(shell, command_id, rec)
        with srv.cond:
            inv.signals.append(name)
            if name == "terminate":
                inv.terminated = True
            srv.cond.notify_all()
        return "<rsp:SignalResponse/>"   # pywinrm's cleanup_cmd_response fixture; it checks RelatesTo

    def _op_delete(self, header, body, user, scheme, encrypted, rec) -> str:
        srv = self.server
        shell = self._shell(header)
        with srv.cond:
            shell.deleted = True
            shell.deleted_at = _now()
            for inv in srv.invocations:
                if inv.shell_id == shell.shell_id:
                    inv.terminated = True
            srv.cond.notify_all()
        return ""   # empty s:Body, as pywinrm's close_shell_response fixture; it checks RelatesTo


# ---------------------------------------------------------------------------------------------
# Entry points

@contextlib.contextmanager
def serve(user: str, password: str, *, https: bool = False, certfile=None, keyfile=None,
          faults: Faults | None = None, responder: Responder | None = None,
          host: str = "127.0.0.1", port: int = 0, keep_bodies: bool = True, client_ca=None,
          cert_subject: str | None = None) -> Iterator[tuple[WinRMEndpoint, str]]:
    """Run an endpoint in a background thread; yields (server, url). `user` may be
    "DOMAIN\\user". With https=True and no certfile, a CA and a server certificate are made
    for the run (server.ca_file is the CA to trust). With client_ca (a CA file) and cert_subject
    (a UPN), a client certificate issued by that CA for that UPN also authenticates (pywinrm's
    certificate transport)."""
    server = WinRMEndpoint(user, password, https=https, certfile=certfile, keyfile=keyfile, faults=faults,
                           responder=responder, host=host, port=port, keep_bodies=keep_bodies, client_ca=client_ca,
                           cert_subject=cert_subject)
    try:
        server.start()
        yield server, server.url
    finally:
        server.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="A WS-Management (WinRS) test endpoint; prints its URL.")
    parser.add_argument("--user", required=True, help='account name, or "DOMAIN\\user"')
    parser.add_argument("--password", required=True)
    parser.add_argument("--https", action="store_true", help="HTTPS with a generated CA (its path on stderr)")
    parser.add_argument("--cert", help="server certificate (PEM) instead of a generated one")
    parser.add_argument("--key", help="its private key (PEM)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--latency-ms", type=float, default=0.0, help="delay before every HTTP answer")
    parser.add_argument("--allow-unencrypted", action="store_true", help="accept Basic/unencrypted SOAP on HTTP")
    args = parser.parse_args(argv)

    import signal
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    faults = Faults(latency=args.latency_ms / 1000.0, allow_unencrypted=args.allow_unencrypted)
    with serve(args.user, args.password, https=args.https or bool(args.cert), certfile=args.cert,
               keyfile=args.key, faults=faults, host=args.host, port=args.port, keep_bodies=False) as (server, url):
        print(url, flush=True)
        if server.ca_file:
            print(f"CA certificate: {server.ca_file}", file=sys.stderr, flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
