"""Input errors of policy files, through the CLI (policy.md A, B.5, E, F).

Every refused input must give exit 2, nothing on stdout, and on stderr a message naming
the file, the line and the dotted key, saying what is allowed (or why, for the version).
The YAML is written as text here, so every expected line number is read off that text.
"""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from remediate import __version__
from remediate.core.errors import InputError
from remediate.policy import load_policies

from conftest import run_cli

COMMANDS = ("validate", "plan")

# A valid IIS 7.5 policy (BASE_POLICY of conftest), as raw YAML values: one key a line.
BASE: dict[str, object] = {
    "version": "1",
    "name": "reports-share",
    "iis": {"host": "web01", "version": '"7.5"', "site": "Default Web Site", "path": "/reports",
            "authentication": "anonymous", "domain": "CONTOSO"},
    "resource": {"kind": "unc-share", "path": r"'\\fs01\reports'", "host": "fs01", "os": '"2019"'},
    "access": {"as": "service-account", "account": r"CONTOSO\svc-reports",
               "password": "{env: SVC_REPORTS_PASSWORD}"},
}


@dataclass
class Doc:
    text: str
    lines: dict[str, int]  # dotted key (list items as key[i]) -> 1-based line in text


def build(**changes: object) -> Doc:
    """BASE with changes: a dict merges into a section (None drops a key), a list becomes a
    block sequence of raw items, a string is the raw value, None drops the key."""
    spec = copy.deepcopy(BASE)
    for key, value in changes.items():
        if value is None:
            spec.pop(key, None)
        elif isinstance(value, dict) and isinstance(spec.get(key), dict):
            for sub, raw in value.items():
                if raw is None:
                    spec[key].pop(sub, None)
                else:
                    spec[key][sub] = raw
        else:
            spec[key] = value
    out: list[str] = []
    lines: dict[str, int] = {}
    for key, value in spec.items():
        if isinstance(value, dict):
            out.append(f"{key}:")
            lines[key] = len(out)
            for sub, raw in value.items():
                out.append(f"  {sub}: {raw}")
                lines[f"{key}.{sub}"] = len(out)
        elif isinstance(value, list):
            out.append(f"{key}:")
            lines[key] = len(out)
            for i, raw in enumerate(value):
                out.append(f"  - {raw}")
                lines[f"{key}[{i}]"] = len(out)
        else:
            out.append(f"{key}: {value}")
            lines[key] = len(out)
    return Doc("\n".join(out) + "\n", lines)


def iis(version: str, **fields: object) -> dict:
    """build() arguments for an IIS version plus iis fields (raw YAML values)."""
    return {"iis": {"version": f'"{version}"', **fields}}


def as_sequence(docs: list[Doc], under_policies: bool) -> tuple[str, list[dict[str, int]]]:
    """Several policies as one YAML list (optionally under `policies:`), with their lines."""
    out = ["policies:"] if under_policies else []
    indent = "  " if under_policies else ""
    maps = []
    for doc in docs:
        offset = len(out)
        for i, line in enumerate(doc.text.splitlines()):
            out.append(f"{indent}{'- ' if i == 0 else '  '}{line}")
        maps.append({key: line + offset for key, line in doc.lines.items()})
    return "\n".join(out) + "\n", maps


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """The 1-based line of the n-th line of text containing needle."""
    hits = [n for n, line in enumerate(text.splitlines(), 1) if needle in line]
    assert len(hits) >= occurrence, (needle, text)
    return hits[occurrence - 1]


def write(tmp_path: Path, text: str, name: str = "policy.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def key_pattern(key: str, prefixed: bool = False) -> str:
    """The dotted key, a list index as [n] or .n; prefixed: a policy's index may lead it."""
    parts = re.split(r"\[(\d+)\]", key)
    pattern = ""
    for i, part in enumerate(parts):
        pattern += re.escape(part) if i % 2 == 0 else rf"(?:\[{part}\]|\.{part})"
    lead = r"(?:\S*[.\]])?" if prefixed else r"(?<![\w.\[])"
    return lead + pattern + r"(?![\w.\[])"


def assert_refused(result: subprocess.CompletedProcess, file: Path, line: int | None, key: str,
                   allowed: str, prefixed: bool = False) -> None:
    """Exit 2, nothing on stdout, and one stderr line with file, line, key and what is allowed."""
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert result.stdout == "", result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    where = re.escape(str(file)) + (rf":{line}(?!\d)" if line is not None else "")
    what = (key_pattern(key, prefixed) + ".*" if key else "") + f"(?:{allowed})"
    pattern = where + ".*" + what
    assert any(re.search(pattern, text) for text in result.stderr.splitlines()), \
        f"no stderr line matches {pattern!r}:\n{result.stderr}"


def assert_accepted(result: subprocess.CompletedProcess, command: str) -> None:
    assert "Traceback" not in result.stderr and "error" not in result.stderr, result.stderr
    if command == "validate":
        assert result.returncode == 0, result.stderr
        assert "valid" in result.stdout
    else:  # a plan that finds nothing feasible exits 3 (F); the input was still accepted
        assert result.returncode in (0, 3), result.stderr
        assert result.stdout.strip()


# ------------------------------------------------------------------ refused inputs

@dataclass
class Case:
    id: str
    changes: dict
    key: str            # the dotted key the message must name
    allowed: str        # regex: what the message must say is allowed (or why, for the version)
    line_key: str = ""  # the key whose line is reported, when not `key` (a missing key: its parent)


def case(id: str, changes: dict, key: str, allowed: str, line_key: str = "") -> Case:
    return Case(id, changes, key, allowed, line_key)


UNC = r"\\\\server\\share"  # regex for the allowed form \\server\share[...] in a message

CASES = [
    # unknown keys
    case("unknown-key-top", {"colour": "red"}, "colour", r"allowed:.*\bresource\b"),
    case("unknown-key-iis", {"iis": {"sitename": "x"}}, "iis.sitename", r"allowed:.*\bsite\b"),
    case("unknown-key-resource", {"resource": {"share": "reports"}}, "resource.share", r"allowed:.*\bpath\b"),
    case("unknown-key-access", {"access": {"user": "bob"}}, "access.user", r"allowed:.*\baccount\b"),
    case("unknown-key-internal-source", {"source": "elsewhere.yaml"}, "source", r"allowed:.*\bresource\b"),
    case("unknown-key-internal-lines", {"lines": "{}"}, "lines", r"allowed:.*\bresource\b"),
    case("unknown-key-constraints", {"constraints": {"null_session": "allowed"}},
         "constraints.null_session", r"allowed:.*\bnull_sessions\b"),
    # wrong types
    case("string-for-bool-ssl", {"iis": {"ssl": '"no"'}}, "iis.ssl", r"bool|true"),
    case("string-for-bool-workgroup", {"iis": {"workgroup": '"true"'}}, "iis.workgroup", r"bool|true"),
    case("string-for-bool-password_sync", iis("5.0", password_sync='"yes"'), "iis.password_sync", r"bool|true"),
    case("list-for-mapping-iis", {"iis": "[web01, 7.5]"}, "iis", r"mapping|dict"),
    case("list-for-mapping-constraints", {"constraints": "[allowed]"}, "constraints", r"mapping|dict"),
    case("string-for-list-shares", {"resource": {"null_session_shares": "COMCFG"}},
         "resource.null_session_shares", r"list"),
    case("string-for-list-prefer", {"prefer": "logon-method"}, "prefer", r"list"),
    case("number-for-password", {"access": {"password": "12345"}}, "access.password", r"\{?env"),
    case("missing-required-key", {"resource": {"kind": None}}, "resource.kind", r"missing|required",
         line_key="resource"),
    # unknown values
    case("enum-authentication", {"iis": {"authentication": "kerberos"}}, "iis.authentication",
         r"allowed:.*anonymous.*basic.*ntlm"),
    case("enum-iis-version", {"iis": {"version": '"7.2"'}}, "iis.version", r"allowed:.*7\.5.*10\.0"),
    case("enum-runs_as", {"iis": {"runs_as": "thread"}}, "iis.runs_as", r"allowed:.*request.*process"),
    case("enum-logon_method", {"iis": {"logon_method": "service"}}, "iis.logon_method",
         r"allowed:.*interactive.*batch"),
    case("enum-resource-kind", {"resource": {"kind": "share"}}, "resource.kind",
         r"allowed:.*unc-share.*named-pipe.*sql-server"),
    case("enum-resource-os", {"resource": {"os": '"2001"'}}, "resource.os", r"allowed:.*nt4.*2019"),
    case("enum-access", {"resource": {"access": "write"}}, "resource.access", r"allowed:.*read.*change.*full"),
    case("enum-access-as", {"access": {"as": "user"}}, "access.as", r"allowed:.*end-user.*service-account"),
    case("enum-constraint", {"constraints": {"null_sessions": "maybe"}}, "constraints.null_sessions",
         r"allowed:.*allowed.*forbidden"),
    case("enum-format-version", {"version": "2"}, "version", r"allowed:.*1"),
    case("enum-pool-identity", iis("6.0", app_pool_identity="Bob"), "iis.app_pool_identity",
         r"allowed:.*NetworkService"),
    case("bad-name", {"name": "Reports Share"}, "name", r"lower-case"),
    # table A: fields and values refused for the version
    case("password_sync-6.0", iis("6.0", password_sync="true"), "iis.password_sync", r"4\.0-5\.1"),
    case("password_sync-7.5", iis("7.5", password_sync="true"), "iis.password_sync", r"4\.0-5\.1"),
    case("password_sync-false-7.0", iis("7.0", password_sync="false"), "iis.password_sync", r"4\.0-5\.1"),
    case("network-cleartext-4.0", iis("4.0", logon_method="network-cleartext"), "iis.logon_method",
         r"6\.0|interactive, batch, network"),
    case("network-cleartext-5.0", iis("5.0", logon_method="network-cleartext"), "iis.logon_method",
         r"6\.0|interactive, batch, network"),
    case("network-cleartext-5.1", iis("5.1", logon_method="network-cleartext"), "iis.logon_method",
         r"6\.0|interactive, batch, network"),
    case("isolation-6.0", iis("6.0", isolation="pooled"), "iis.isolation", r"4\.0-5\.1"),
    case("isolation-7.5", iis("7.5", isolation="in-process"), "iis.isolation", r"4\.0-5\.1"),
    case("isolation-pooled-4.0", iis("4.0", isolation="pooled"), "iis.isolation",
         r"5\.0|in-process, out-of-process"),
    case("app_pool-5.0", iis("5.0", app_pool="ReportsPool"), "iis.app_pool", r"6\.0"),
    case("app_pool-4.0", iis("4.0", app_pool="ReportsPool"), "iis.app_pool", r"6\.0"),
    case("app_pool_identity-5.0", iis("5.0", app_pool_identity="NetworkService"), "iis.app_pool_identity",
         r"6\.0"),
    case("ApplicationPoolIdentity-6.0", iis("6.0", app_pool_identity="ApplicationPoolIdentity"),
         "iis.app_pool_identity", r"7\.0"),
    case("gmsa-7.5", iis("7.5", app_pool_identity=r"CONTOSO\gmsa$"), "iis.app_pool_identity", r"8\.0"),
    case("gmsa-6.0", iis("6.0", app_pool_identity=r"CONTOSO\gmsa$"), "iis.app_pool_identity", r"8\.0"),
    case("empty-anonymous-6.0", iis("6.0", anonymous_account='""'), "iis.anonymous_account", r"7\.0"),
    case("empty-anonymous-5.0", iis("5.0", anonymous_account='""'), "iis.anonymous_account", r"7\.0"),
    case("empty-anonymous-4.0", iis("4.0", anonymous_account='""'), "iis.anonymous_account", r"7\.0"),
    case("digest-4.0", iis("4.0", authentication="digest"), "iis.authentication",
         r"allowed:.*anonymous.*basic.*ntlm.*client-certificate"),
    case("negotiate-4.0", iis("4.0", authentication="negotiate"), "iis.authentication",
         r"allowed:.*anonymous.*basic.*ntlm.*client-certificate"),
    case("numeric-site-7.5", iis("7.5", site="1"), "iis.site", r"name"),
    case("numeric-site-10.0", iis("10.0", site="3"), "iis.site", r"name"),
    # resource paths (E: drive letters, malformed UNC)
    case("drive-letter", {"resource": {"path": r"'C:\reports'"}}, "resource.path", r"drive.*" + UNC),
    case("drive-letter-slash", {"resource": {"path": "'D:/data/reports'"}}, "resource.path", UNC),
    case("forward-slashes", {"resource": {"path": "'//fs01/reports'"}}, "resource.path", r"slash.*" + UNC),
    case("forward-slash-inside", {"resource": {"path": r"'\\fs01/reports'"}}, "resource.path", UNC),
    case("server-alone-unc-share", {"resource": {"path": r"'\\fs01'"}}, "resource.path", UNC),
    case("empty-segment-middle", {"resource": {"path": r"'\\fs01\\reports'"}}, "resource.path",
         r"empty.*" + UNC),
    case("empty-segment-trailing", {"resource": {"path": r"'\\fs01\reports\'"}}, "resource.path",
         r"empty.*" + UNC),
    case("empty-segment-server", {"resource": {"path": r"'\\\fs01\reports'"}}, "resource.path",
         r"empty.*" + UNC),
    case("not-unc", {"resource": {"path": "reports"}}, "resource.path", UNC),
    case("control-char-path", {"resource": {"path": r'"\\\\fs01\\rep\torts"'}}, "resource.path", r"control"),
    case("control-char-path-nul", {"resource": {"path": r'"\\\\fs01\\reports\0"'}}, "resource.path",
         r"control"),
    case("control-char-iis-host", {"iis": {"host": r'"web\n01"'}}, "iis.host", r"control"),
    case("control-char-site", {"iis": {"site": r'"Default\tWeb Site"'}}, "iis.site", r"control"),
    case("control-char-anonymous", iis("5.0", anonymous_account=r'"IUSR_\x07WEB01"'), "iis.anonymous_account",
         r"control"),
    case("control-char-app_pool", {"iis": {"app_pool": r'"Reports\rPool"'}}, "iis.app_pool", r"control"),
    case("control-char-account", {"access": {"account": r'"CONTOSO\\svc\treports"'}}, "access.account",
         r"control"),
    case("control-char-resource-host", {"resource": {"host": r'"fs\u007f01"'}}, "resource.host", r"control"),
    case("pipe-not-under-pipe", {"resource": {"kind": "named-pipe", "path": r"'\\fs01\reports'"}},
         "resource.path", r"\\\\server\\pipe\\name"),
    case("pipe-without-name", {"resource": {"kind": "named-pipe", "path": r"'\\fs01\pipe'"}},
         "resource.path", r"\\\\server\\pipe\\name"),
    case("pipe-server-alone", {"resource": {"kind": "named-pipe", "path": r"'\\fs01'"}},
         "resource.path", r"\\\\server\\pipe\\name"),
    case("sql-share-path", {"resource": {"kind": "sql-server", "path": r"'\\sql01\reports'"}},
         "resource.path", r"\\\\server\\pipe"),
    # secrets and combinations
    case("literal-password", {"access": {"password": "Tr0ub4dor-LITERAL-9f3c"}}, "access.password",
         r"allow-literal-secrets"),
    case("literal-password-mapping", {"access": {"password": "{literal: Tr0ub4dor-LITERAL-9f3c}"}},
         "access.password", r"env"),
    case("domain-anonymous-sync-4.0", iis("4.0", anonymous_account=r"CONTOSO\iusr-web", password_sync="true"),
         "iis.password_sync", r"domain_controller"),
    case("domain-anonymous-sync-5.0", iis("5.0", anonymous_account=r"CONTOSO\iusr-web", password_sync="true"),
         "iis.password_sync", r"domain_controller"),
    case("domain-anonymous-sync-5.1-explicit-no-dc",
         iis("5.1", anonymous_account=r"CONTOSO\iusr-web", password_sync="true", domain_controller="false"),
         "iis.password_sync", r"domain_controller"),
    case("anonymous-as-end-user", {"access": {"as": "end-user"}}, "access.as",
         r"allowed.*service-account"),
    case("prefer-unknown-id", {"prefer": ["logon-method", "no-such-strategy"]}, "prefer[1]",
         r"allowed:.*keep-local.*null-session-pipe"),
    case("prefer-duplicate-id", {"prefer": ["logon-method", "app-pool-identity", "logon-method"]}, "prefer[2]",
         r"twice"),
]

LITERAL = "Tr0ub4dor-LITERAL-9f3c"


def _params(cases: list[Case]) -> list:
    return [pytest.param(c, id=c.id) for c in cases]


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("c", _params(CASES))
def test_refused(tmp_path, c: Case, command):
    doc = build(**c.changes)
    path = write(tmp_path, doc.text)
    result = run_cli(command, path, cwd=tmp_path)
    assert_refused(result, path, doc.lines[c.line_key or c.key], c.key, c.allowed)
    assert LITERAL not in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]  # nothing rendered


# ------------------------------------------------------------------ accepted counterparts

ACCEPTED = {
    "base-7.5": {},
    "version-number-7.5": {"iis": {"version": "7.5"}},
    "version-number-10.0": {"iis": {"version": "10.0"}},
    "version-number-4.0": {"iis": {"version": "4.0"}},
    "password_sync-4.0": iis("4.0", password_sync="false"),
    "password_sync-5.0": iis("5.0", password_sync="true"),
    "network-cleartext-6.0": iis("6.0", logon_method="network-cleartext"),
    "isolation-out-of-process-4.0": iis("4.0", isolation="out-of-process"),
    "isolation-pooled-5.0": iis("5.0", isolation="pooled"),
    "isolation-pooled-5.1": iis("5.1", isolation="pooled"),
    "app_pool-6.0": iis("6.0", app_pool="ReportsPool", app_pool_identity="NetworkService"),
    "domain-pool-identity-6.0": iis("6.0", app_pool_identity=r"CONTOSO\svc-reports"),
    "ApplicationPoolIdentity-7.0": iis("7.0", app_pool_identity="ApplicationPoolIdentity"),
    "gmsa-8.0": iis("8.0", app_pool_identity=r"CONTOSO\gmsa$"),
    "gmsa-10.0": iis("10.0", app_pool_identity=r"CONTOSO\gmsa$"),
    "empty-anonymous-7.0": iis("7.0", anonymous_account='""'),
    "digest-5.0": iis("5.0", authentication="digest"),
    "negotiate-5.1": iis("5.1", authentication="negotiate"),
    "numeric-site-4.0": iis("4.0", site="1"),
    "numeric-site-6.0": iis("6.0", site="1"),
    "sql-server-alone": {"resource": {"kind": "sql-server", "path": r"'\\sql01'"}},
    "sql-server-pipe": {"resource": {"kind": "sql-server", "path": r"'\\sql01\pipe\sql\query'"}},
    "named-pipe": {"resource": {"kind": "named-pipe", "path": r"'\\fs01\pipe\reports'"}},
    "unc-subdir": {"resource": {"path": r"'\\fs01\reports\2024\q1'"}},
    "domain-anonymous-sync-on-dc": iis("5.0", anonymous_account=r"CONTOSO\iusr-web", password_sync="true",
                                       domain_controller="true"),
    "domain-anonymous-sync-off": iis("5.0", anonymous_account=r"CONTOSO\iusr-web", password_sync="false"),
    "local-anonymous-sync-on": iis("5.0", anonymous_account=r"WEB01\IUSR_WEB01", password_sync="true"),
    "anonymous-as-anonymous": {"access": {"as": "anonymous"}},
    "end-user-with-basic": {"iis": {"authentication": "basic"}, "access": {"as": "end-user"}},
    "prefer-known-ids": {"prefer": ["domain-anonymous-account", "keep-local"]},
    "password-file": {"access": {"password": "{file: /run/secrets/svc}"}},
    "password-prompt": {"access": {"password": "{prompt: true}"}},
}


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("changes", ACCEPTED.values(), ids=ACCEPTED.keys())
def test_accepted(tmp_path, changes, command):
    path = write(tmp_path, build(**changes).text)
    assert_accepted(run_cli(command, path), command)


@pytest.mark.parametrize("version", ["7.5", "10.0", "8.5"])
def test_version_as_yaml_number_plans(tmp_path, version):
    """E: `version: 7.5` unquoted is read as text; the base policy plans (exit 0)."""
    path = write(tmp_path, build(iis={"version": version}).text)
    result = run_cli("plan", "--format", "json", path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["plans"][0]["policy"] == "reports-share"


# ------------------------------------------------------------------ literal secrets

@pytest.mark.parametrize("command", COMMANDS)
def test_literal_password_refused_without_leaking(tmp_path, command):
    doc = build(access={"password": LITERAL})
    path = write(tmp_path, doc.text)
    result = run_cli(command, path)
    assert_refused(result, path, doc.lines["access.password"], "access.password", "allow-literal-secrets")
    assert LITERAL not in result.stderr


@pytest.mark.parametrize("args", [("validate",), ("plan",), ("plan", "--format", "text"),
                                  ("plan", "--format", "json"), ("plan", "--format", "markdown")])
def test_literal_password_accepted_with_flag_never_printed(tmp_path, args):
    path = write(tmp_path, build(access={"password": LITERAL}).text)
    result = run_cli(*args, "--allow-literal-secrets", path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()
    assert LITERAL not in result.stdout and LITERAL not in result.stderr
    if "json" in args:
        plan = json.loads(result.stdout)["plans"][0]
        assert plan["strategy"] is not None  # a strategy whose steps use the password was rendered


# ------------------------------------------------------------------ YAML-level errors

def test_duplicate_yaml_key(tmp_path):
    text = build().text.replace("  domain: CONTOSO\n", "  domain: CONTOSO\n  ssl: false\n  ssl: true\n")
    path = write(tmp_path, text)
    for command in COMMANDS:
        result = run_cli(command, path)
        assert_refused(result, path, line_of(text, "ssl:", 2), "iis.ssl", "twice")


def test_duplicate_top_level_key(tmp_path):
    text = build().text + "name: reports-share-2\n"
    path = write(tmp_path, text)
    for command in COMMANDS:
        assert_refused(run_cli(command, path), path, line_of(text, "name:", 2), "name", "twice")


def test_invalid_yaml_syntax_reports_the_line(tmp_path):
    text = build(iis={"site": "Default: Web Site"}).text
    path = write(tmp_path, text)
    for command in COMMANDS:
        assert_refused(run_cli(command, path), path, line_of(text, "site:"), "", "YAML")


def test_invalid_yaml_unclosed_quote(tmp_path):
    text = "version: 1\nname: x\niis:\n  host: 'web01\n  version: \"7.5\"\n"
    path = write(tmp_path, text)
    for command in COMMANDS:
        result = run_cli(command, path)
        assert_refused(result, path, None, "", "YAML")
        assert re.search(re.escape(str(path)) + r":\d+", result.stderr), result.stderr


@pytest.mark.parametrize("text", ["", "just a string\n", "- 1\n- 2\n"], ids=["empty", "scalar", "list-of-numbers"])
def test_not_a_policy(tmp_path, text):
    path = write(tmp_path, text)
    for command in COMMANDS:
        result = run_cli(command, path)
        assert result.returncode == 2, result.stderr
        assert result.stdout == ""
        assert str(path) in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("command", COMMANDS)
def test_missing_file(tmp_path, command):
    missing = tmp_path / "nope.yaml"
    result = run_cli(command, missing)
    assert_refused(result, missing, None, "", "no such file|not found|does not exist")


@pytest.mark.parametrize("command", COMMANDS)
def test_missing_file_beside_a_valid_one_renders_nothing(tmp_path, command):
    good = write(tmp_path, build().text, "good.yaml")
    missing = tmp_path / "nope.yaml"
    result = run_cli(command, good, missing)
    assert_refused(result, missing, None, "", "no such file|not found|does not exist")
    assert "reports-share" not in result.stdout


# ------------------------------------------------------------------ several policies and files

@pytest.mark.parametrize("command", COMMANDS)
def test_duplicate_name_across_files(tmp_path, command):
    first = write(tmp_path, build().text, "a.yaml")
    doc = build(resource={"path": r"'\\fs02\other'"})
    second = write(tmp_path, doc.text, "b.yaml")
    result = run_cli(command, first, second)
    assert_refused(result, second, doc.lines["name"], "name", r"unique|already")
    assert str(first) in result.stderr  # says where the name was first used


@pytest.mark.parametrize("under_policies", [False, True], ids=["list", "policies-key"])
@pytest.mark.parametrize("command", COMMANDS)
def test_several_policies_in_one_file_accepted(tmp_path, command, under_policies):
    text, _ = as_sequence([build(), build(name="reports-pipe",
                                          resource={"kind": "named-pipe", "path": r"'\\fs01\pipe\rep'"})],
                          under_policies)
    path = write(tmp_path, text)
    result = run_cli(command, path)
    assert_accepted(result, command)
    assert "reports-share" in result.stdout and "reports-pipe" in result.stdout


@pytest.mark.parametrize("under_policies", [False, True], ids=["list", "policies-key"])
@pytest.mark.parametrize("command", COMMANDS)
def test_several_policies_in_one_file_errors_point_at_the_right_lines(tmp_path, command, under_policies):
    docs = [build(iis={"bogus": "1"}), build(name="second", **iis("6.0", isolation="pooled"))]
    text, lines = as_sequence(docs, under_policies)
    path = write(tmp_path, text)
    result = run_cli(command, path)
    assert_refused(result, path, lines[0]["iis.bogus"], "iis.bogus", r"allowed:.*\bsite\b", prefixed=True)
    assert_refused(result, path, lines[1]["iis.isolation"], "iis.isolation", r"4\.0-5\.1", prefixed=True)


@pytest.mark.parametrize("under_policies", [False, True], ids=["list", "policies-key"])
def test_duplicate_name_in_one_file(tmp_path, under_policies):
    text, lines = as_sequence([build(), build(resource={"path": r"'\\fs02\other'"})], under_policies)
    path = write(tmp_path, text)
    assert_refused(run_cli("validate", path), path, lines[1]["name"], "name", r"unique|already", prefixed=True)


def test_unknown_key_beside_policies(tmp_path):
    body, _ = as_sequence([build()], under_policies=True)
    text = "defaults: {}\n" + body
    path = write(tmp_path, text)
    assert_refused(run_cli("validate", path), path, 1, "defaults", r"allowed:.*policies")


@pytest.mark.parametrize("command", COMMANDS)
def test_several_shape_problems_reported_in_one_run(tmp_path, command):
    doc = build(colour="red", iis={"ssl": '"no"', "sitename": "x"}, resource={"kind": "share"},
                access={"as": "user"})
    path = write(tmp_path, doc.text)
    result = run_cli(command, path)
    assert_refused(result, path, doc.lines["colour"], "colour", "allowed")
    assert_refused(result, path, doc.lines["iis.ssl"], "iis.ssl", "bool")
    assert_refused(result, path, doc.lines["iis.sitename"], "iis.sitename", "allowed")
    assert_refused(result, path, doc.lines["resource.kind"], "resource.kind", "allowed")
    assert_refused(result, path, doc.lines["access.as"], "access.as", "allowed")


@pytest.mark.parametrize("command", COMMANDS)
def test_several_rule_problems_reported_in_one_run(tmp_path, command):
    doc = build(**iis("7.5", password_sync="true", isolation="pooled", site="1"),
                resource={"path": r"'\\fs01'"}, access={"as": "end-user", "password": LITERAL},
                prefer=["logon-method", "logon-method"])
    path = write(tmp_path, doc.text)
    result = run_cli(command, path)
    for key in ("iis.password_sync", "iis.isolation", "iis.site", "resource.path", "access.as",
                "access.password", "prefer[1]"):
        assert_refused(result, path, doc.lines[key], key, "")
    assert LITERAL not in result.stderr


@pytest.mark.parametrize("command", COMMANDS)
def test_shape_and_rule_problems_reported_in_one_run(tmp_path, command):
    doc = build(**iis("7.5", isolation="pooled", bogus="1"), resource={"path": r"'\\fs01'"},
                access={"password": LITERAL})
    path = write(tmp_path, doc.text)
    result = run_cli(command, path)
    assert_refused(result, path, doc.lines["iis.bogus"], "iis.bogus", "allowed")
    assert_refused(result, path, doc.lines["iis.isolation"], "iis.isolation", r"4\.0-5\.1")
    assert_refused(result, path, doc.lines["resource.path"], "resource.path", UNC)
    assert_refused(result, path, doc.lines["access.password"], "access.password", "allow-literal-secrets")


@pytest.mark.parametrize("command", COMMANDS)
def test_problems_of_several_files_reported_in_one_run(tmp_path, command):
    a = build(iis={"bogus": "1"})
    b = build(name="other", **iis("6.0", password_sync="true"))
    pa, pb = write(tmp_path, a.text, "a.yaml"), write(tmp_path, b.text, "b.yaml")
    result = run_cli(command, pa, pb)
    assert_refused(result, pa, a.lines["iis.bogus"], "iis.bogus", "allowed")
    assert_refused(result, pb, b.lines["iis.password_sync"], "iis.password_sync", r"4\.0-5\.1")


SPEC_TOP_KEYS = {"version", "name", "iis", "resource", "access", "constraints", "domain_host", "prefer"}


def test_unknown_key_lists_exactly_the_format_keys(tmp_path):
    doc = build(colour="red")
    path = write(tmp_path, doc.text)
    result = run_cli("validate", path)
    assert_refused(result, path, doc.lines["colour"], "colour", "allowed")
    listed = re.search(r"allowed: (.*)", result.stderr).group(1)
    assert set(re.split(r",\s*|\s+or\s+", listed.strip())) == SPEC_TOP_KEYS


# ------------------------------------------------------------------ exit codes (F)


@pytest.mark.parametrize("args", [("plan", "--format", "xml", "{policy}"), ("validate",), ("no-such-command",),
                                  ("plan", "--no-such-option", "{policy}")],
                         ids=["bad-format", "no-policy", "unknown-command", "unknown-option"])
def test_usage_error_exits_2(tmp_path, args):
    path = write(tmp_path, build().text)
    result = run_cli(*(a.format(policy=path) for a in args))
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr and result.stderr.strip()


def test_version_option():
    result = run_cli("--version")
    assert result.returncode == 0, result.stderr
    assert __version__ in result.stdout


def _run_with_broken_loader(*args: str) -> subprocess.CompletedProcess:
    """The CLI in a fresh interpreter whose policy loader raises an unexpected error."""
    code = ("import remediate.policy as p\n"
            "def boom(*a, **k):\n    raise RuntimeError('boom in the loader')\n"
            "p.load_policies = boom\n"
            "from remediate.cli import main\nmain()\n")
    return subprocess.run([sys.executable, "-P", "-c", code, *args], capture_output=True, text=True, timeout=120)


def test_internal_error_has_no_traceback(tmp_path):
    path = write(tmp_path, build().text)
    result = _run_with_broken_loader("validate", str(path))
    assert result.returncode == 1, result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert "boom in the loader" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_internal_error_traceback_with_debug(tmp_path):
    path = write(tmp_path, build().text)
    result = _run_with_broken_loader("--debug", "validate", str(path))
    assert result.returncode == 1
    assert "Traceback" in result.stderr


# -- account names no Windows account can have (validate refuses what render could not write)

ACCOUNT_KEYS = {
    "iis.anonymous_account": {"iis": {"anonymous_account": "CONTOSO\\{name}"}},
    "iis.app_pool_identity": {"iis": {"version": "10.0", "app_pool_identity": "CONTOSO\\{name}"}},
    "access.account": {"access": {"account": "CONTOSO\\{name}"}},
    "resource.local_accounts[0]": {"iis": {"workgroup": True, "domain": None},
                                   "access": {"account": "{name}"}, "resource": {"local_accounts": ["{name}"]}},
}


def _fill(value: object, name: str) -> object:
    if isinstance(value, dict):
        return {k: _fill(v, name) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, name) for v in value]
    return value.replace("{name}", name) if isinstance(value, str) else value


@pytest.mark.parametrize("key", sorted(ACCOUNT_KEYS))
@pytest.mark.parametrize("char", list('"/[]:;|=,+*?<>@'))
def test_a_user_name_windows_refuses_is_an_input_error(key, char, write_policy):
    path = write_policy(_fill(ACCOUNT_KEYS[key], f"web{char}anon"))
    with pytest.raises(InputError) as caught:
        load_policies([path])
    found = [p for p in caught.value.problems if p.key == key]
    assert len(found) == 1 and found[0].file == str(path) and found[0].line, caught.value.problems
    assert f"it contains {char};" in found[0].message


@pytest.mark.parametrize("key", sorted(ACCOUNT_KEYS))
def test_validate_refuses_a_user_name_with_file_line_and_key(key, write_policy):
    path = write_policy(_fill(ACCOUNT_KEYS[key], "web[anon"))
    result = run_cli("validate", path)
    assert result.returncode == 2, result.stderr
    assert re.search(rf"^error: {re.escape(str(path))}:\d+: {re.escape(key)}: (CONTOSO\\)?web\[anon is not a Windows user name",
                     result.stderr, re.M), result.stderr


@pytest.mark.parametrize("key", sorted(ACCOUNT_KEYS))
def test_a_user_name_with_allowed_punctuation_passes(key, write_policy):
    assert load_policies([write_policy(_fill(ACCOUNT_KEYS[key], "web-anon.2_x"))])
