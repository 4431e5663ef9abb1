"""Generated PowerShell (artifacts.md, "Every generated PowerShell script" and "Values from policies
and inventories in scripts"): it parses, is Windows PowerShell 5.1, calls only documented
parameters, carries policy values only as single-quoted literals, and holds no secret."""

from __future__ import annotations

import dataclasses
import os
import re

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from remediate.operations import CreateLocalAccount
from remediate.planner import Plan, make_plan
from remediate.policy import load_policies
from remediate.render.bundle import bundle_files
from remediate.render.escape import UnsafeValue, ps_literal
from remediate.render.tasks import host_scripts

import support.scriptcheck as sc
from conftest import DATA, GOLDEN, merged, run_cli
from data.cmdlets import CMDLETS, NATIVE_PROGRAMS
from support.examplebundles import (
    BUNDLES,
    DATE_LIKE,
    EXAMPLE_FILES,
    INVENTORY,
    POLICIES,
    bundle,
    command_for,
    inventory,
    plan_of,
)

NATIVE = {name.lower() for name in NATIVE_PROGRAMS}


def powershell_scripts(name: str) -> dict[str, bytes]:
    return {path: data for path, data in bundle(name).items() if path.endswith(".ps1")}


def text_of(data: bytes) -> str:
    assert data.startswith(sc.BOM_UTF8)
    return data[len(sc.BOM_UTF8):].decode("utf-8")


def test_the_examples_give_powershell_scripts_to_check():
    assert len(powershell_scripts("all")) >= 8, "the examples should render .ps1 for several hosts"


# ---------------------------------------------------------------- syntax and form

@pytest.mark.parametrize("name", BUNDLES)
def test_every_rendered_powershell_script_parses(name):
    problems = {path: sc.syntax_problems(data) for path, data in powershell_scripts(name).items()}
    assert not {path: found for path, found in problems.items() if found}


@pytest.mark.parametrize("name", BUNDLES)
def test_powershell_scripts_are_utf8_with_bom_and_crlf_only(name):
    for path, data in powershell_scripts(name).items():
        assert data.startswith(sc.BOM_UTF8), path
        text = text_of(data)
        assert "\n" not in text.replace("\r\n", ""), f"{path}: a line ends with LF alone"
        assert "\r" not in text.replace("\r\n", ""), f"{path}: a line ends with CR alone"


@pytest.mark.parametrize("name", BUNDLES)
def test_powershell_scripts_start_with_a_comment_header_that_says_how_to_regenerate_and_no_date(name):
    for path, data in powershell_scripts(name).items():
        lines = text_of(data).split("\r\n")
        header = []
        for line in lines:
            if not line.startswith("#"):
                break
            header.append(line)
        assert header and header[0].startswith("# remediate "), f"{path}: no comment header"
        regenerate = [line for line in header if line.startswith("# Regenerate: ")]
        paths = EXAMPLE_FILES if name == "all" else [POLICIES / f"{name}.yaml"]
        assert regenerate == [f"# Regenerate: {command_for(paths)}"], path
        assert not DATE_LIKE.search("\n".join(header)), f"{path}: the header holds a date or time"
        assert not re.search(r"\b(19|20)\d\d-\d\d-\d\d", text_of(data)), f"{path}: a date in the script"


# ---------------------------------------------------------------- Windows PowerShell 5.1 only

PS7_SAMPLES = {
    "null-coalescing": "$a = $b ?? 'default'",
    "null-coalescing assignment": "$a ??= 'default'",
    "null-conditional member": "${a}?.Name",
    "null-conditional index": "${a}?[0]",
    "ternary": "$a = $b ? 'yes' : 'no'",
    "pipeline chain and": "Get-Item 'a' && Get-Item 'b'",
    "pipeline chain or": "Get-Item 'a' || Get-Item 'b'",
    "foreach parallel": "1, 2 | ForEach-Object -Parallel { $_ }",
    "foreach parallel abbreviated": "1, 2 | ForEach-Object -Par { $_ }",
    "clean block": "function f { process { $_ } clean { 'done' } }",
}


@pytest.mark.parametrize("construct", PS7_SAMPLES)
def test_the_powershell_7_check_catches_each_construct(construct):
    assert sc.ps7_syntax(PS7_SAMPLES[construct]), construct


def test_the_powershell_7_check_passes_windows_powershell_code_and_quoted_text():
    sample = ("# a ?? b && c || d ? e : f\r\n"
              "$x = 'a ?? b && c || d ?. e'\r\n"
              "$y = \"?? && ||\"\r\n"
              "if ($a -and $b -or -not $c) { $z = @($a | Where-Object { $_ } | ForEach-Object -Process { $_ }) }\r\n"
              "function f { begin { } process { $_ } end { } }\r\n")
    assert sc.syntax_problems(sample) == []
    assert sc.ps7_syntax(sample) == []


@pytest.mark.parametrize("name", BUNDLES)
def test_rendered_scripts_use_no_powershell_7_syntax(name):
    found = {path: sc.ps7_syntax(data) for path, data in powershell_scripts(name).items()}
    assert not {path: uses for path, uses in found.items() if uses}


# ---------------------------------------------------------------- documented commands and parameters

def test_the_parameter_check_catches_a_misspelled_cmdlet_parameter():
    assert sc.parameter_problems("Set-Content -LiteralPath 'x' -Value 1", CMDLETS, NATIVE) == []
    problems = sc.parameter_problems("Set-Content -LiteralPath 'x' -Nmae 1", CMDLETS, NATIVE)
    assert problems == ["1: cmdlet Set-Content has no parameter -Nmae"]


def test_the_parameter_check_holds_functions_to_their_param_blocks_and_splats_to_their_keys():
    script = ("function Set-Thing {\r\n    param([string] $Name, [switch] $Force)\r\n}\r\n"
              "Set-Thing -Name 'a' -Force\r\n"
              "Set-Thing -Nmae 'a'\r\n"
              "$task = @{ Name = 'a'; Nmae = 'b' }\r\n"
              "Set-Thing @task\r\n")
    assert sc.parameter_problems(script, CMDLETS, NATIVE) == [
        "5: function Set-Thing has no parameter -Nmae",
        "7: function Set-Thing has no parameter -Nmae",
    ]


def test_the_parameter_check_refuses_unknown_commands_and_skips_native_programs():
    script = "Set-Contnet -Value 1\r\n& icacls.exe 'C:\\x' /grant 'a:(OI)(CI)RX'\r\nsetspn -S 'HTTP/x' 'a'\r\n"
    assert [p.split(" (")[0] for p in sc.parameter_problems(script, CMDLETS, NATIVE)] == [
        "1: unknown command Set-Contnet"]


def test_every_table_entry_cites_its_documentation():
    source = (DATA / "cmdlets.py").read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(source):
        entry = re.match(r'\s+"([A-Za-z]+-[A-Za-z]+)": \{', line)
        if entry:
            assert "learn.microsoft.com" in source[number - 1] or "learn.microsoft.com" in source[number - 2], \
                f"{entry.group(1)}: no documentation URL above its entry"


@pytest.mark.parametrize("name", BUNDLES)
def test_every_command_and_parameter_in_the_scripts_is_documented_or_declared(name):
    found = {path: sc.parameter_problems(data, CMDLETS, NATIVE) for path, data in powershell_scripts(name).items()}
    assert not {path: problems for path, problems in found.items() if problems}


# ---------------------------------------------------------------- provider paths

# Cmdlets whose -Path reads wildcards ([, *, ?): scripts must give them -LiteralPath (artifacts.md).
PROVIDER_CMDLETS = {"get-item", "test-path", "get-itemproperty", "set-itemproperty", "new-itemproperty",
                    "remove-itemproperty", "clear-itemproperty", "get-itempropertyvalue", "get-acl", "set-acl",
                    "get-content", "set-content", "add-content", "remove-item", "copy-item", "move-item",
                    "get-childitem", "split-path"}


def wildcard_path_calls(data: bytes) -> list[str]:
    """Provider cmdlets called without -LiteralPath (Split-Path may take a variable's path)."""
    out = []
    for call in sc.commands(data):
        name = call.name.lower()
        if name in PROVIDER_CMDLETS and "literalpath" not in {p.lower() for p in call.parameters}:
            if name == "split-path" and call.parameters and call.parameters[0].lower() in ("parent", "leaf"):
                continue      # Split-Path -Parent $variable: no value of a policy, no wildcard read
            out.append(f"{call.line}: {call.name} {' '.join('-' + p for p in call.parameters)}")
    return out


def test_the_literal_path_check_catches_a_wildcard_path():
    assert wildcard_path_calls(b"Get-Item -Path 'IIS:\\Sites\\a[1]'\r\nTest-Path 'C:\\x*'\r\n") == [
        "1: Get-Item -Path", "2: Test-Path "]
    assert wildcard_path_calls(b"Get-Item -LiteralPath 'a[1]'\r\nSplit-Path -Parent $f\r\n") == []


@pytest.mark.parametrize("name", BUNDLES)
def test_provider_cmdlets_are_given_literal_paths(name):
    found = {path: wildcard_path_calls(data) for path, data in powershell_scripts(name).items()}
    assert not {path: calls for path, calls in found.items() if calls}


# ---------------------------------------------------------------- ps_literal and the decoder

@pytest.mark.parametrize("quote", list(sc.PS_SINGLE_QUOTES))
def test_ps_literal_doubles_every_single_quote_character(quote):
    value = f"a{quote}b{quote}"
    literal = ps_literal(value)
    assert literal == f"'a{quote}{quote}b{quote}{quote}'"
    assert sc.decode_single_quoted(literal[1:-1]) == value
    assert sc.syntax_problems(f"Write-Output {literal}") == []


@pytest.mark.parametrize("quote", list(sc.PS_SINGLE_QUOTES))
def test_the_decoder_refuses_a_lone_single_quote_character(quote):
    with pytest.raises(ValueError, match="lone single-quote"):
        sc.decode_single_quoted(f"a{quote}b")


@given(st.text(st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="\u0085\u2028\u2029")))
@settings(max_examples=200)
def test_ps_literal_round_trips_through_the_decoder(value):
    literal = ps_literal(value)
    assert literal[0] == literal[-1] == "'"
    assert sc.decode_single_quoted(literal[1:-1]) == value


@pytest.mark.parametrize("bad", ["a\nb", "a\rb", "a\x00b", "a\tb", "a\u2028b", "a\u2029b", "a\u0085b", "a\x7fb"])
def test_ps_literal_refuses_control_characters(bad):
    with pytest.raises(UnsafeValue, match="control character"):
        ps_literal(bad)


def basic_network_logon(site: str) -> dict:
    """Overrides of BASE_POLICY: IIS 10.0 Basic with LogonMethod network; the fix sets one attribute
    at the location `site/home`, so the site name reaches the script."""
    return {"iis": {"host": "web10", "version": "10.0", "site": site, "path": "/home", "authentication": "basic",
                    "logon_method": "network", "ssl": True},
            "access": {"as": "end-user", "account": None, "password": None}}


@pytest.mark.parametrize("bad", ["\u2028", "\u2029", "\u0085"])
def test_render_refuses_a_line_separator_in_a_site_name_with_exit_2(tmp_path, write_policy, bad):
    policy = write_policy(basic_network_logon(f"Default{bad}Site"))
    out = tmp_path / "bundle"
    result = run_cli("render", policy, "-i", INVENTORY, "-o", out)
    assert result.returncode == 2, result.stderr
    assert "control character" in result.stderr and "Default" in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists(), "nothing is written when a value is refused"


@pytest.mark.parametrize("bad", ["\n", "\x00"])
def test_render_refuses_a_newline_or_nul_in_a_name_with_exit_2(tmp_path, write_policy, bad):
    policy = write_policy(basic_network_logon(f"Default{bad}Site"))
    result = run_cli("render", policy, "-i", INVENTORY, "-o", tmp_path / "bundle")
    assert result.returncode == 2, result.stderr
    assert "control characters" in result.stderr and "iis.site" in result.stderr
    assert "Traceback" not in result.stderr


# ---------------------------------------------------------------- hostile values (property based)

IIS10 = ("web10", "10.0", "fs01", "2019")
PS_STRATEGIES = ["domain-anonymous-account", "vdir-connect-as", "app-pool-identity", "null-session-share",
                 "logon-method", "basic-auth", "thread-impersonation", "complus-identity", "mirrored-local-account",
                 "kerberos-delegation"]
FIELDS_USED = {"null-session-share": {"share"}, "logon-method": {"site", "path"}, "basic-auth": {"site", "path"},
               "thread-impersonation": {"account", "share"}, "complus-identity": {"site", "account", "share"},
               "kerberos-delegation": {"site", "path", "account"}}


def allowed_strings(values: sc.HostileValues, plan: Plan) -> set[str]:
    """The exact strings a policy value may appear in: the value itself, or the derived values the
    conventions document (the `Site/path` location, the UNC path, the task's label and the key of its
    before-value, Task.state_key)."""
    tasks = [task for script in host_scripts([plan]) for task in script.tasks + script.restarts]
    names = {task.name for task in tasks} | {task.state_key for task in tasks if task.state_key}
    account = plan.policy.access.account or ""
    if account and "\\" not in account:       # a local account, as each computer qualifies it
        names |= {account, *(f"{host.upper()}\\{account}" for host in (plan.policy.iis.host,
                                                                       plan.policy.resource.server))}
    return {*values.fields().values(), values.location, values.unc(plan.policy.resource.server), *names}


def native_fields(files: dict[str, bytes]) -> set[str]:
    """The fields that reach a native program's command line in the PowerShell scripts."""
    return {field for path, data in files.items() if path.endswith(".ps1")
            for _, literal in sc.native_arguments(data, NATIVE) for field in sc.field_of(literal.raw)}


def without_double_quotes(values: sc.HostileValues) -> sc.HostileValues:
    return sc.HostileValues(*(v.replace('"', "'") for v in values.fields().values()))


@pytest.mark.parametrize("strategy", PS_STRATEGIES)
@given(values=sc.hostile_values())
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_hostile_names_become_whole_single_quoted_literals_never_code(strategy, values):
    plan = plan_of(sc.hostile_policy(strategy, values, *IIS10))
    quoted = {field for field, value in values.fields().items() if '"' in value}
    try:
        files = bundle_files([plan], "remediate render hostile.yaml")
    except UnsafeValue as exc:
        # Refused only because a value with a double quote must go to a native program.
        message = " ".join(p.message for p in exc.problems)
        assert quoted and "double quote" in message, message
        safe = bundle_files([plan_of(sc.hostile_policy(strategy, without_double_quotes(values), *IIS10))], "x")
        assert quoted & native_fields(safe), "refused, but no value with a double quote reaches a native program"
        return
    scripts = {path: data for path, data in files.items() if path.endswith(".ps1")}
    assert scripts
    allowed = allowed_strings(values, plan)
    problems = []
    for path, data in scripts.items():
        problems += [f"{path}: {p}" for p in sc.syntax_problems(data)]
        problems += sc.ps_value_problems(data, allowed, path)
        problems += [f"{path}:{p} (a provider path without -LiteralPath)" for p in wildcard_path_calls(data)]
        for program, literal in sc.native_arguments(data, NATIVE):
            if '"' in (literal.value or ""):
                problems.append(f"{path}:{literal.where}: {program} gets an argument with a double quote")
    assert not problems, "\n".join(problems)
    # Every value made it into some script as data (none silently dropped).
    text = b"".join(scripts.values()).decode("utf-8", errors="replace")
    rendered = {field for field in values.fields() if any(m in text for m in sc.MARKERS[field])}
    expected = FIELDS_USED.get(strategy, set(values.fields()))
    assert expected <= rendered


# ---------------------------------------------------------------- no secret in any rendered file

MARKER_SECRET = "S3cr3t-Marker-\u00e9-7461"


def test_no_secret_appears_in_any_rendered_file(tmp_path, write_policy):
    passwords = [yaml.safe_load(p.read_text())["access"].get("password") or {} for p in EXAMPLE_FILES]
    env_names = {password["env"] for password in passwords if "env" in password}
    assert env_names, "the examples name environment secrets"
    secret_file = tmp_path / "secret.txt"
    secret_file.write_text(MARKER_SECRET, encoding="utf-8")
    base = yaml.safe_load((POLICIES / "iusr-gmsa-pool.yaml").read_text())
    base["access"] = {"as": "service-account", "account": "CONTOSO\\svc-gallery"}
    extra = [
        write_policy(text=yaml.safe_dump(merged(base, {"name": "file-secret", "iis": {"path": "/f"},
                                                       "access": {"password": {"file": str(secret_file)}}}))),
        write_policy(text=yaml.safe_dump(merged(base, {"name": "literal-secret", "iis": {"path": "/l"},
                                                       "access": {"password": MARKER_SECRET}}))),
        write_policy(text=yaml.safe_dump(merged(base, {"name": "env-secret", "iis": {"path": "/e"},
                                                       "access": {"password": {"env": "EXTRA_SECRET"}}}))),
    ]
    env = dict(os.environ, EXTRA_SECRET=MARKER_SECRET, **{name: MARKER_SECRET for name in env_names})
    out = tmp_path / "bundle"
    result = run_cli("render", *EXAMPLE_FILES, *extra, "-i", INVENTORY, "-o", out, "--allow-literal-secrets",
                     env=env)
    assert result.returncode == 0, result.stderr
    files = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert any(p.suffix == ".ps1" for p in files)
    forms = [MARKER_SECRET.encode(enc) for enc in ("utf-8", "utf-16-le")] + [b"S3cr3t-Marker"]
    leaks = [str(p) for p, data in files.items() for form in forms if form in data]
    assert not leaks, leaks
    assert "S3cr3t" not in result.stdout + result.stderr
    # The scripts that need a password take it as a parameter instead.
    web11 = (out / "hosts" / "web11" / "apply.ps1").read_bytes().decode("utf-8-sig")
    assert re.search(r"\[securestring\]\s*\$\w+_password|\[pscredential\]", web11, re.IGNORECASE)


@pytest.mark.parametrize("char", [c for c in sc.NOT_IN_USER_NAMES if c != "\\"])   # \ makes it DOMAIN\name
def test_a_local_account_name_windows_does_not_allow_is_refused_with_a_clear_error(char):
    """Policy validation refuses such a name first (tests/policy); render refuses it too, for a plan
    that did not come through validation."""
    values = sc.HostileValues("Zs9site9sZ", "/Zp9path9pZ", "CONTOSO\\Za9webanon9aZ", "Zh9share9hZ")
    plan = plan_of(sc.hostile_policy("mirrored-local-account", values, *IIS10))
    steps = plan.assessment.steps
    for i, op in enumerate(steps):
        if isinstance(op, CreateLocalAccount):
            steps[i] = dataclasses.replace(op, name=f"web{char}anon")
    with pytest.raises(UnsafeValue, match="does not allow in user names"):
        bundle_files([plan], "x")


# ---------------------------------------------------------------- script skeleton

def script_parameters(data: bytes) -> tuple[str, dict[str, str]]:
    """The script's own param block: its attribute text and {parameter: type text}."""
    text = text_of(data)
    match = re.search(r"^(\[CmdletBinding\([^)]*\)\])\s*param\((.*?)^\)", text, re.MULTILINE | re.DOTALL)
    assert match, "no script-level param block"
    params = dict((name, kind) for kind, name in re.findall(r"\[(\w+)\]\s*\$(\w+)", match.group(2)))
    return match.group(1), params


@pytest.mark.parametrize("name", BUNDLES)
def test_scripts_support_should_process_a_check_switch_and_report_a_result_last(name):
    for path, data in powershell_scripts(name).items():
        binding, params = script_parameters(data)
        assert binding == "[CmdletBinding(SupportsShouldProcess = $true)]", path
        assert params.get("Check") == "switch", path
        text = text_of(data)
        final = text[text.rindex("} finally {"):]
        assert "Write-Output ('REMEDIATE-RESULT ' + (ConvertTo-Json" in final, path
        assert sc.syntax_problems(text) == []


def test_a_script_that_sets_a_password_takes_it_as_a_securestring_parameter():
    plans = [make_plan(p, inventory()) for p in load_policies([POLICIES / "iusr-gmsa-pool.yaml"])]
    plan = plan_of(sc.hostile_policy("app-pool-identity", sc.HostileValues("Zs9S9sZ", "/Zp9p9pZ", "CONTOSO\\Za9a9aZ",
                                                                            "Zh9h9hZ"), *IIS10))
    files = bundle_files(plans + [plan], "x")
    for script in host_scripts(plans + [plan]):
        if script.language != "powershell":
            continue
        _, params = script_parameters(files[f"{script.folder}/apply.ps1"])
        for secret in script.secrets:
            assert params.get(secret.name) == "securestring", (script.host, secret.name, params)


def test_a_file_server_older_than_2012_gets_no_smb_share_cmdlets_but_advice():
    values = sc.HostileValues("Zs9S9sZ", "/Zp9p9pZ", "CONTOSO\\Za9a9aZ", "Zh9h9hZ")
    plan = plan_of(sc.hostile_policy("domain-anonymous-account", values, "web10", "10.0", "fs01", "2008r2"))
    data = bundle_files([plan], "x")["hosts/fs01/apply.ps1"]
    names = {call.name.lower() for call in sc.commands(data)}
    assert not {n for n in names if "smbshare" in n}, names
    assert "invoke-remediateadvice" in names
    assert sc.syntax_problems(data) == [] and sc.parameter_problems(data, CMDLETS, NATIVE) == []


def test_an_iis_7_0_host_gets_powershell_with_a_warning_header_not_vbscript():
    """artifacts.md: .vbs only for IIS 4.0-6.0 and resource servers before 2008 R2; IIS 7.0 on
    Server 2008 gets the PowerShell script with a header warning (and apply refuses it)."""
    values = sc.HostileValues("Default Web Site", "/home", "CONTOSO\\svc", "home")
    plan = plan_of(sc.hostile_policy("logon-method", values, "web10", "7.0", "fs01", "2019"))
    assert [(s.host, s.language) for s in host_scripts([plan])] == [("web10", "powershell")]
    data = bundle_files([plan], "x")["hosts/web10/apply.ps1"]
    header = [line for line in text_of(data).split("\r\n") if line.startswith("#")]
    assert any("WARNING" in line and "PowerShell 5.1" in line for line in header)
    assert sc.syntax_problems(data) == []


# ---------------------------------------------------------------- the golden bundles (every strategy)

GOLDEN_SCRIPTS = sorted(GOLDEN.rglob("*.ps1"))


@pytest.mark.parametrize("path", GOLDEN_SCRIPTS, ids=lambda p: f"{p.parent.parent.parent.name}/{p.parent.name}/{p.name}")
def test_golden_powershell_scripts_pass_the_same_checks(path):
    data = path.read_bytes()
    assert data.startswith(sc.BOM_UTF8)
    assert sc.syntax_problems(data) == []
    assert sc.ps7_syntax(data) == []
    assert sc.parameter_problems(data, CMDLETS, NATIVE) == []
    assert wildcard_path_calls(data) == []


def test_no_secret_reaches_a_native_program_command_line():
    """Secrets stay PowerShell values: no native program (icacls, setspn, auditpol...) gets one."""
    files = bundle("all")
    secret_names = {param.name.lower() for script in host_scripts(
        [make_plan(p, inventory()) for p in load_policies(EXAMPLE_FILES)]) for param in script.secrets}
    assert secret_names, "the examples have secrets"
    native = {name.lower() for name in NATIVE_PROGRAMS}
    checked = 0
    for path, data in files.items():
        if not path.endswith(".ps1"):
            continue
        lines = data.decode("utf-8-sig").splitlines()
        for call in sc.commands(data):
            if call.name.lower() != sc.NATIVE_RUNNER and call.name.lower().removesuffix(".exe") not in native:
                continue
            checked += 1
            text = lines[call.line - 1].lower()
            assert "secret" not in text and not any(f"${n}" in text for n in secret_names), (path, call.line)
    assert checked, "the examples call native programs"


def test_every_operation_that_saves_a_before_value_names_its_setting():
    """A task's Key is its operation's state_key(): one left at the base class's None would save every such
    operation's before-value under the same key."""
    from remediate.operations import OPERATION_KINDS, Advisory, Operation, RecycleAppPool, RestartService
    saving = [kind for kind in OPERATION_KINDS if kind not in (Advisory, RecycleAppPool, RestartService)]
    assert [kind.__name__ for kind in saving if kind.state_key is Operation.state_key] == []
