"""What `remediate apply` writes on the remote process's standard input, and the bootstrap
that reads it (templates/powershell/bootstrap.ps1.j2).

Only the bootstrap goes on the command line (`-EncodedCommand`, a few KB, far below
cmd.exe's 8191 characters); the script and its secrets go on stdin, framed as lines of
ASCII so no console code page can change them:

    REMEDIATE-STDIN 1[ Check][ Restart]      header: magic, version, the script's switches
    <base64 of the script's UTF-8 text>      one line, whatever its size
    <parameter name><TAB><base64 of UTF-8>   one line per secret ([securestring] parameter)
    END                                      the input arrived whole

The bootstrap turns each secret into a SecureString and runs the script as a script block
with the switches and the secrets as parameters. Stdin is sent in chunks that keep each
WS-Man Send envelope below the host's MaxEnvelopeSizekb.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache

MAGIC = "REMEDIATE-STDIN"
VERSION = 1
END = "END"
SWITCHES = ("Check", "Restart")
COMMAND = "powershell.exe"
OPTIONS = ("-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass", "-EncodedCommand")
# cmd.exe's command-line limit (Microsoft Learn, "Command prompt (Cmd.exe) command-line string limitation")
CMD_LIMIT = 8191
DEFAULT_ENVELOPE_KB = 500              # MaxEnvelopeSizekb on WinRM 3.0+ (150 on WinRM 2.0)
ENVELOPE_MARGIN = 8 * 1024             # the SOAP header around the data, with room to spare
BAD_INPUT_EXIT = 97                    # the bootstrap's exit code when stdin did not arrive whole
_NAME = re.compile(r"\w+\Z", re.ASCII)   # a parameter name: `<policy name>_password`, '-' made '_'


class FramingError(ValueError):
    """Stdin that is not in this framing."""


@dataclass(frozen=True)
class Framed:
    """Decoded stdin; secrets never show in repr."""

    script: str
    switches: tuple[str, ...] = ()
    secrets: dict[str, str] = field(default_factory=dict, repr=False)


def encode(script: str, *, switches: Sequence[str] = (), secrets: Mapping[str, str] | None = None) -> bytes:
    """The whole stdin for one run of `script` (text; a leading BOM is dropped)."""
    unknown = [s for s in switches if s not in SWITCHES]
    if unknown:
        raise ValueError(f"unknown switches {unknown}; allowed: {SWITCHES}")
    lines = [" ".join([MAGIC, str(VERSION), *switches]), _b64(script.removeprefix("\ufeff"))]
    for name, value in (secrets or {}).items():
        if not _NAME.match(name) or name in SWITCHES:
            raise ValueError(f"{name!r} cannot be a script parameter name")
        lines.append(f"{name}\t{_b64(value)}")
    lines.append(END)
    return ("\n".join(lines) + "\n").encode("ascii")


def decode(data: bytes) -> Framed:
    """The inverse of `encode` (tests and diagnostics read stdin with it)."""
    try:
        lines = data.decode("ascii").replace("\r\n", "\n").split("\n")
    except UnicodeDecodeError:
        raise FramingError("stdin is not ASCII") from None
    if lines and lines[-1] == "":
        lines.pop()
    if len(lines) < 3 or lines[-1] != END:
        raise FramingError(f"stdin must be a header, the script, any secrets and {END}")
    head = lines[0].split(" ")
    if head[:2] != [MAGIC, str(VERSION)] or any(s not in SWITCHES for s in head[2:]):
        raise FramingError(f"not a {MAGIC} {VERSION} header: {lines[0][:60]!r}")
    secrets = {}
    for line in lines[2:-1]:
        name, tab, value = line.partition("\t")
        if not tab or not _NAME.match(name):
            raise FramingError("a secret line must be NAME<TAB>BASE64")
        secrets[name] = _unb64(value)
    return Framed(_unb64(lines[1]), tuple(head[2:]), secrets)


def chunk_size(envelope_kb: int = DEFAULT_ENVELOPE_KB) -> int:
    """Raw stdin bytes per Send: pywinrm base64-encodes them (4/3) into the envelope."""
    return max(1024, (envelope_kb * 1024 - ENVELOPE_MARGIN) * 3 // 4)


def chunks(data: bytes, size: int) -> Iterator[tuple[bytes, bool]]:
    """(chunk, is_last) pairs; empty data is one empty last chunk, so stdin is always closed."""
    if not data:
        yield b"", True
        return
    for start in range(0, len(data), size):
        yield data[start:start + size], start + size >= len(data)


@cache
def bootstrap() -> str:
    """The bootstrap's PowerShell text."""
    from remediate.render.templating import render
    return render("powershell/bootstrap.ps1.j2", magic=MAGIC, version=VERSION, end=END, switches=SWITCHES,
                  bad_input_exit=BAD_INPUT_EXIT)


@cache
def command_line() -> tuple[str, tuple[str, ...]]:
    """(command, arguments) for WinRS: PowerShell with the bootstrap as -EncodedCommand."""
    encoded = base64.b64encode(bootstrap().encode("utf-16-le")).decode("ascii")
    arguments = (*OPTIONS, encoded)
    length = len(" ".join((COMMAND, *arguments)))
    if length >= CMD_LIMIT:   # a template edit that would break every host: fail loudly here
        raise RuntimeError(f"the bootstrap's command line is {length} characters; cmd.exe stops at {CMD_LIMIT}")
    return COMMAND, arguments


def _b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def _unb64(text: str) -> str:
    try:
        return base64.b64decode(text, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise FramingError("a line is not base64 of UTF-8 text") from None
