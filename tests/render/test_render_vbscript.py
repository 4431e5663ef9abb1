"""Generated VBScript for legacy hosts (artifacts.md, "Legacy hosts"): IIS 4.0-6.0 and resource
servers older than 2008 R2 get apply.vbs / rollback.vbs for cscript, written as UTF-16LE with a
BOM and CRLF, with policy values only inside "..." literals."""

from __future__ import annotations

import dataclasses
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from remediate.operations import CreateLocalAccount
from remediate.planner import Plan
from remediate.render.bundle import bundle_files
from remediate.render.escape import UnsafeValue, vbs_literal
from remediate.render.tasks import host_scripts

import support.scriptcheck as sc
from conftest import GOLDEN
from support.examplebundles import BUNDLES, DATE_LIKE, bundle, plan_of

LEGACY_HOSTS = {"web01", "web04", "web06", "web07", "fs02"}     # IIS 4.0-6.0; Windows 2000/2003 servers


def vbs_scripts(name: str) -> dict[str, str]:
    """The .vbs files of a bundle, decoded (each must be UTF-16LE with a BOM)."""
    out = {}
    for path, data in bundle(name).items():
        if path.endswith(".vbs"):
            assert data.startswith(sc.BOM_UTF16LE), f"{path}: no UTF-16LE byte order mark"
            out[path] = data[len(sc.BOM_UTF16LE):].decode("utf-16-le")
    return out


def test_legacy_hosts_get_vbscript_and_nothing_else():
    files = bundle("all")
    for host in LEGACY_HOSTS:
        assert {f"hosts/{host}/apply.vbs", f"hosts/{host}/rollback.vbs"} <= set(files), host
        assert f"hosts/{host}/apply.ps1" not in files, host


@pytest.mark.parametrize("name", BUNDLES)
def test_vbscript_files_are_utf16le_with_bom_and_crlf_only(name):
    for path, data in bundle(name).items():
        if not path.endswith(".vbs"):
            continue
        assert data.startswith(b"\xff\xfe") and len(data) % 2 == 0, path
        text = data[2:].decode("utf-16-le")      # strict: fails on a broken encoding
        assert "\n" not in text.replace("\r\n", ""), f"{path}: a line ends with LF alone"
        assert "\r" not in text.replace("\r\n", ""), f"{path}: a line ends with CR alone"


def test_a_non_ascii_name_survives_the_utf16_encoding(tmp_path):
    values = sc.HostileValues("Zs9Sit\u00e9 \u4e2d9sZ", "/Zp9caf\u00e9\u00df9pZ", "CONTOSO\\Za9J\u00f6rg9aZ",
                              "Zh9\u00c4rger9hZ")
    plan = plan_of(sc.hostile_policy("domain-anonymous-account", values, "web01", "5.0", "fs02", "2003"))
    files = bundle_files([plan], "x")
    text = files["hosts/web01/apply.vbs"][2:].decode("utf-16-le")
    assert vbs_literal(values.site) in text
    assert files["hosts/web01/apply.vbs"].count("Sit\u00e9".encode("utf-16-le")) >= 1


@pytest.mark.parametrize("name", BUNDLES)
def test_vbscript_starts_with_a_comment_header_and_option_explicit(name):
    for path, text in vbs_scripts(name).items():
        lines = text.split("\r\n")
        header = []
        for line in lines:
            if not line.startswith("'"):
                break
            header.append(line)
        assert header and header[0].startswith("' remediate "), f"{path}: no comment header"
        assert any(line.startswith("' Regenerate: remediate render ") for line in header), path
        assert not DATE_LIKE.search("\n".join(header)), f"{path}: the header holds a date or time"
        code = [line.strip() for line in sc.scan_vbs(text).code if line.strip()]
        assert code[0] == "Option Explicit", f"{path}: the first code line is {code[0]!r}"


@pytest.mark.parametrize("name", BUNDLES)
def test_vbscript_blocks_are_closed_and_literals_terminated(name):
    for path, text in vbs_scripts(name).items():
        scan = sc.scan_vbs(text)
        problems, _ = sc.vbs_blocks(scan.code)
        assert scan.problems + problems == [], path


@pytest.mark.parametrize("name", BUNDLES)
def test_no_procedure_declares_a_name_twice(name):
    """`Dim x` twice in one Sub is a VBScript compile error (Name redefined)."""
    for path, text in vbs_scripts(name).items():
        declared: dict[str, int] = {}
        procedure = "(script)"
        for number, line in enumerate(sc.scan_vbs(text).code, 1):
            statement = line.strip()
            opened = re.match(r"(?i)(?:public\s+|private\s+)?(?:sub|function)\s+(\w+)", statement)
            if opened:
                procedure, declared = opened.group(1), {}
            elif re.match(r"(?i)end\s+(sub|function)$", statement):
                procedure, declared = "(script)", {}
            dim = re.match(r"(?i)dim\s+(.*)", statement)
            for name in (re.split(r"\s*,\s*", dim.group(1)) if dim else []):
                key = name.split("(")[0].strip().lower()
                assert key not in declared, f"{path}:{number}: {name} declared again in {procedure} " \
                                            f"(first on line {declared[key]})"
                declared[key] = number


@pytest.mark.parametrize("name", BUNDLES)
def test_the_last_statements_run_print_the_result_and_quit(name):
    for path, text in vbs_scripts(name).items():
        scan = sc.scan_vbs(text)
        _, top = sc.vbs_blocks(scan.code)
        statements = [statement for _, statement in top]
        assert statements[-2:] == ["PrintResult", "If Failed Then WScript.Quit 1"], (path, statements[-4:])
        # Every task procedure is defined and run exactly once, before the result is printed.
        kind = "Task" if path.endswith("apply.vbs") else "Undo"
        defined = re.findall(rf"(?m)^Sub ({kind}\d+)\(\)$", text.replace("\r\n", "\n"))
        calls = re.findall(rf'(?m)^RunTask "({kind}\d+)"$', text.replace("\r\n", "\n"))
        assert sorted(calls) == sorted(defined) and len(set(calls)) == len(calls), path


# ---------------------------------------------------------------- vbs_literal

@pytest.mark.parametrize("value, literal", [
    ('say "hi"', '"say ""hi"""'),
    ('"', '""""'),
    ("It's", '"It\'s"'),
    ("\u2019\u201c", '"\u2019\u201c"'),
    ("", '""'),
])
def test_vbs_literal_doubles_double_quotes_only(value, literal):
    assert vbs_literal(value) == literal


@given(st.text(st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="\u0085\u2028\u2029")))
@settings(max_examples=200)
def test_vbs_literal_round_trips_through_the_scanner(value):
    scan = sc.scan_vbs(f"x = {vbs_literal(value)} ' comment \"\r\n")
    assert scan.problems == []
    assert [lit.value for lit in scan.literals] == [value]
    assert scan.code == ['x = ""']


@pytest.mark.parametrize("bad", ["a\nb", "a\rb", "a\x00b", "a\tb", "a\u2028b", "a\u0085b"])
def test_vbs_literal_refuses_control_characters(bad):
    with pytest.raises(UnsafeValue, match="control character"):
        vbs_literal(bad)


def test_the_scanner_tells_comments_from_strings():
    scan = sc.scan_vbs('a = "x \' y" \' said "z"\r\nRem whole line "q"\r\nb = 1 : Rem tail\r\nc = "open\r\n')
    assert [lit.value for lit in scan.literals] == ["x ' y", "open"]
    assert scan.code[:3] == ['a = ""', "", "b = 1 :"]
    assert scan.problems == ["4:5: unterminated string literal"]


def test_the_block_checker_finds_an_unclosed_sub_and_a_stray_end_if():
    problems, _ = sc.vbs_blocks(["Sub A()", "If x Then", "y", "End If", "End Sub", "Sub B()", "End If"])
    assert problems == ["7: 'End If' closes Sub of line 6", "6: Sub is never closed"]


# ---------------------------------------------------------------- hostile values (property based)

LEGACY = {
    "domain-anonymous-account": ("web01", "5.0", "fs02", "2003"),
    "vdir-connect-as": ("web06", "6.0", "fs02", "2003"),
    "app-pool-identity": ("web06", "6.0", "fs02", "2003"),
    "null-session-share": ("web01", "5.0", "fs02", "2003"),
    "logon-method": ("web01", "5.0", "fs02", "2003"),
    "basic-auth": ("web06", "6.0", "fs02", "2003"),
    "thread-impersonation": ("web06", "6.0", "fs02", "2003"),
    "complus-identity": ("web01", "5.0", "fs02", "2003"),
    "mirrored-local-account": ("web07", "6.0", "fs02", "2003"),
}
FIELDS_USED = {"null-session-share": {"share"}, "logon-method": {"site", "path"}, "basic-auth": {"site", "path"},
               "thread-impersonation": {"account", "share"}, "complus-identity": {"site", "account", "share"}}


def allowed_strings(values: sc.HostileValues, plan: Plan) -> set[str]:
    """The value itself, or a documented derived value: the UNC path, the task's label."""
    names = {task.name for script in host_scripts([plan]) for task in script.tasks + script.restarts}
    account = plan.policy.access.account or ""
    if account and "\\" not in account:       # a local account, as each computer qualifies it
        names |= {account, *(f"{host.upper()}\\{account}" for host in (plan.policy.iis.host,
                                                                       plan.policy.resource.server))}
    return {*values.fields().values(), values.unc(plan.policy.resource.server), *names}


COMMAND_LINE = re.compile(r"(?i)\.(run|exec)\b")


@pytest.mark.parametrize("strategy", sorted(LEGACY))
@given(values=sc.hostile_values())
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_hostile_names_become_whole_vbscript_literals_never_code(strategy, values):
    plan = plan_of(sc.hostile_policy(strategy, values, *LEGACY[strategy]))
    try:
        files = bundle_files([plan], "remediate render hostile.yaml")
    except UnsafeValue as exc:
        message = " ".join(p.message for p in exc.problems)
        assert '"' in "".join(values.fields().values()) and "double quote" in message, message
        return
    scripts = {path: data[2:].decode("utf-16-le") for path, data in files.items() if path.endswith(".vbs")}
    assert scripts
    allowed = allowed_strings(values, plan)
    problems = []
    for path, text in scripts.items():
        problems += sc.vbs_value_problems(text, allowed, path)
        scan = sc.scan_vbs(text)
        problems += [f"{path}: {p}" for p in sc.vbs_blocks(scan.code)[0]]
        for lit in scan.literals:          # a value put on a command line (WScript.Shell Run / Exec)
            if sc.field_of(lit.raw) and COMMAND_LINE.search(scan.code[lit.line - 1]) and '"' in lit.value:
                problems.append(f"{path}:{lit.line}: a value with a double quote on a command line")
    assert not problems, "\n".join(problems)
    text = "".join(scripts.values())
    rendered = {field for field in values.fields() if any(m in text for m in sc.MARKERS[field])}
    assert FIELDS_USED.get(strategy, set(values.fields())) <= rendered


@pytest.mark.parametrize("char", [c for c in sc.NOT_IN_USER_NAMES if c != "\\"])   # \ makes it DOMAIN\name
def test_a_local_account_name_windows_does_not_allow_is_refused_with_a_clear_error(char):
    """Policy validation refuses such a name first (tests/policy); render refuses it too, for a plan
    that did not come through validation."""
    values = sc.HostileValues("Zs9site9sZ", "/Zp9path9pZ", "CONTOSO\\Za9webanon9aZ", "Zh9share9hZ")
    plan = plan_of(sc.hostile_policy("mirrored-local-account", values, *LEGACY["mirrored-local-account"]))
    steps = plan.assessment.steps
    for i, op in enumerate(steps):
        if isinstance(op, CreateLocalAccount):
            steps[i] = dataclasses.replace(op, name=f"web{char}anon")
    with pytest.raises(UnsafeValue, match="not a valid Windows account name"):
        bundle_files([plan], "x")


# ---------------------------------------------------------------- the golden bundles (every strategy)

GOLDEN_SCRIPTS = sorted(GOLDEN.rglob("*.vbs"))


@pytest.mark.parametrize("path", GOLDEN_SCRIPTS, ids=lambda p: f"{p.parent.parent.parent.name}/{p.parent.name}/{p.name}")
def test_golden_vbscript_files_pass_the_same_checks(path):
    data = path.read_bytes()
    assert data.startswith(sc.BOM_UTF16LE)
    text = data[2:].decode("utf-16-le")
    assert "\n" not in text.replace("\r\n", "")
    scan = sc.scan_vbs(text)
    problems, top = sc.vbs_blocks(scan.code)
    assert scan.problems + problems == []
    assert [line.strip() for line in scan.code if line.strip()][0] == "Option Explicit"
    assert [statement for _, statement in top][-2:] == ["PrintResult", "If Failed Then WScript.Quit 1"]
