"""The golden VBScript and .reg files checked by an independent engine: Wine's VBScript and registry.

Wine's VBScript proves syntax, not behaviour (it has no IIS ADSI, COM+ or WinNT provider). cscript under
Wine reports no compile errors, so a small JScript host compiles each file with the Script Control; a
`Err.Raise 9999` put right after `Option Explicit` stops a file that compiles before it runs anything.
Each .reg is imported with `reg import` into a fresh prefix and read back with `reg query`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

GOLDEN = Path(__file__).parent.parent / "golden"
COMPILER = Path(__file__).parent.parent / "support" / "wine" / "compile-vbs.js"
STOP = "Err.Raise 9999"
STOPPED = -2146818289  # 0x800A270F: the raised 9999, so everything before it compiled
LANMAN = r"HKLM\SYSTEM\CurrentControlSet\Services\LanmanServer\Parameters"
# What each .reg must leave in the registry: the list the policy states plus the new entry.
REG_VALUES = {
    "null-session-pipe-legacy/hosts/sql02/sql-pipe-sql-login.NullSessionPipes.reg":
        ("NullSessionPipes", ["sql\\query"]),
    "null-session-pipe-modern/hosts/sql02/sql-pipe-sql-login.NullSessionPipes.reg":
        ("NullSessionPipes", ["sql\\query"]),
    "null-session-share-legacy/hosts/fs02/legacy-null-session-share.NullSessionShares.reg":
        ("NullSessionShares", ["COMCFG", "DFS$", "public"]),
    "null-session-share-modern/hosts/fs01/legacy-null-session-share.NullSessionShares.reg":
        ("NullSessionShares", ["COMCFG", "DFS$", "public"]),
}
VBS_FILES = sorted(str(p.relative_to(GOLDEN)) for p in GOLDEN.rglob("*.vbs"))
pytestmark = pytest.mark.skipif(shutil.which("wine") is None, reason="wine is not installed (.ci/run installs it)")


def windows_path(path: Path) -> str:
    """Wine's Z: drive maps /; cscript reads an argument starting with / as a switch."""
    return "Z:" + str(path.resolve()).replace("/", "\\")


@pytest.fixture(scope="module")
def wine(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., subprocess.CompletedProcess[str]]:
    """A function running a Wine program in a fresh prefix of this module."""
    environment = dict(os.environ, WINEPREFIX=str(tmp_path_factory.mktemp("wine") / "prefix"), WINEDEBUG="-all")
    subprocess.run(["wineboot", "-i"], env=environment, capture_output=True, timeout=300, check=True)
    # wineboot returns while the prefix's services still start; a program run then may print nothing (seen once
    # in a full run): wait until the prefix's wineserver has finished and exited
    subprocess.run(["wineserver", "-w"], env=environment, capture_output=True, timeout=300, check=True)

    def run(*arguments: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["wine", *arguments], env=environment, capture_output=True, text=True, timeout=300)

    return run


def with_stop(text: str) -> tuple[str, int]:
    """The script with the stop statement after Option Explicit, and the stop's line number."""
    lines = text.split("\r\n")
    first = next(n for n, line in enumerate(lines) if line.strip() and not line.lstrip().startswith("'"))
    assert lines[first].strip().lower() == "option explicit", "Option Explicit must be the first statement"
    lines.insert(first + 1, STOP)
    return "\r\n".join(lines), first + 2


@pytest.fixture(scope="module")
def compiled(wine, tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[int, int, int, str]]:
    """{golden .vbs: (expected stop line, error number, error line, description)}, one Wine run for all."""
    folder = tmp_path_factory.mktemp("vbs")
    copies, stops = [], {}
    for index, name in enumerate(VBS_FILES):
        text, stops[name] = with_stop((GOLDEN / name).read_bytes().decode("utf-16"))
        copy = folder / f"{index}.vbs"
        copy.write_bytes(text.encode("utf-16"))
        copies.append(windows_path(copy))
    done = wine("cscript", "//nologo", windows_path(COMPILER), *copies)
    rows = done.stdout.splitlines()
    assert len(rows) == len(VBS_FILES), done.stdout + done.stderr
    answer = {}
    for name, row in zip(VBS_FILES, rows, strict=True):
        _, number, line, description = row.split("|", 3)
        answer[name] = (stops[name], int(number), int(line), description)
    return answer


def test_the_compiler_reports_a_syntax_error(wine, tmp_path: Path) -> None:
    """The harness can fail: a syntax error after the stop is still reported, at its own line."""
    bad = tmp_path / "bad.vbs"
    bad.write_bytes(("Option Explicit\r\n" + STOP + "\r\nIf Then\r\n").encode("utf-16"))
    number, line = wine("cscript", "//nologo", windows_path(COMPILER), windows_path(bad)).stdout.split("|")[1:3]
    assert (int(number), int(line)) != (STOPPED, 2)
    assert int(line) == 3


@pytest.mark.parametrize("name", VBS_FILES)
def test_vbs_compiles(compiled, name: str) -> None:
    stop, number, line, description = compiled[name]
    assert (number, line) == (STOPPED, stop), f"error {number} at line {line} (the stop is line {stop}): {description}"


@pytest.mark.parametrize("name", sorted(REG_VALUES))
def test_reg_imports_the_intended_list(wine, name: str) -> None:
    value, entries = REG_VALUES[name]
    wine("reg", "delete", LANMAN, "/v", value, "/f")
    imported = wine("reg", "import", windows_path(GOLDEN / name))
    assert imported.returncode == 0, imported.stderr
    queried = wine("reg", "query", LANMAN, "/v", value)
    row = next(line for line in queried.stdout.splitlines() if line.strip().startswith(value))
    _, kind, data = row.split(None, 2)
    assert (kind, data.split("\\0")) == ("REG_MULTI_SZ", entries)


def test_every_golden_reg_is_checked() -> None:
    assert sorted(str(p.relative_to(GOLDEN)) for p in GOLDEN.rglob("*.reg")) == sorted(REG_VALUES)
