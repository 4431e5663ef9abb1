"""`remediate render --format ansible` (issue 5): the same remediation as a playbook.

The export of every example policy (and of all of them together, and of a set that uses every
operation kind a PowerShell host can get) must pass `ansible-playbook --syntax-check` and
`ansible-lint --offline` (production profile); every task's module options are checked against
`ansible-doc --json` (syntax-check does not); and the tests check the task list per strategy, the
tags, `no_log` wherever a password is used, that no secret value is written, and that the task
scripts are the bundle's own PowerShell. The Ansible tools come from the test extras (next to this
interpreter); the tests that need them are skipped, saying so, when they are not installed.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from remediate.inventory import load_inventory
from remediate.operations import SetRegistryValue
from remediate.planner import make_plan
from remediate.policy import load_policies
from remediate.render import ansible as export
from remediate.render.bundle import bundle_files, write_bundle
from remediate.render.tasks import host_scripts

from conftest import EXAMPLES, ROOT, run_cli

POLICIES = EXAMPLES / "policies"
INVENTORY = EXAMPLES / "example" / "hosts.yml"
EXAMPLE_FILES = sorted(POLICIES.glob("*.yaml"))
BIN = Path(sys.executable).parent
MARKER = "S3cr3t-Ansible-\u00e9-9051"
TASK_KEYWORDS = {"name", "when", "tags", "no_log", "notify", "register", "listen"}


# ---------------------------------------------------------------------------------------- inputs

def modern_policy(strategy: str, **changes) -> dict:
    """A policy on IIS 10.0 (web10) and a Windows Server 2019 file server (fs01) that `strategy` fixes."""
    name = changes.pop("name", f"m-{strategy}")
    policy = {
        "version": 1, "name": name,
        "iis": {"host": "web10", "version": "10.0", "site": "Default Web Site", "path": f"/{name}",
                "authentication": "anonymous", "domain": "CONTOSO"},
        "resource": {"kind": "unc-share", "path": f"\\\\fs01\\{name}", "host": "fs01", "os": "2019"},
        "access": {"as": "service-account", "account": f"CONTOSO\\svc-{name}", "password": {"env": "M_PASSWORD"}},
        "prefer": [strategy],
    }
    end_user = {"as": "end-user"}
    if strategy == "vdir-connect-as":
        policy["resource"]["used_for"] = "content"
    if strategy == "logon-method":
        policy["iis"].update(authentication="basic", logon_method="network", ssl=True)
        policy["access"] = end_user
    if strategy == "basic-auth":
        policy["iis"].update(authentication="ntlm", ssl=False)
        policy["access"] = end_user
        policy["constraints"] = {"authentication_change": "allowed"}
    if strategy == "thread-impersonation":
        policy["iis"]["authentication"] = "ntlm"
        policy["constraints"] = {"code_changes": "allowed"}
    if strategy == "complus-identity":
        policy["resource"]["component"] = "Billing.Writer"
    if strategy == "mirrored-local-account":
        policy["iis"].update(host="web12", workgroup=True)
        del policy["iis"]["domain"]
        policy["access"]["account"] = "webanon"
        policy["resource"]["local_accounts"] = ["webanon"]
    if strategy == "kerberos-delegation":
        policy["iis"].update(authentication="negotiate", app_pool_identity="CONTOSO\\svc-pool")
        policy["resource"] = {"kind": "sql-server", "path": "\\\\sql01", "host": "sql01", "os": "2019"}
        policy["access"] = end_user
        policy["constraints"] = {"domain_changes": "allowed"}
        policy["domain_host"] = "dc01"
    if strategy in ("null-session-share", "null-session-pipe"):
        policy["access"] = {"as": "anonymous"}
        policy["constraints"] = {"null_sessions": "allowed", "stored_credentials": "forbidden"}
    if strategy == "null-session-pipe":
        policy["resource"] = {"kind": "named-pipe", "path": "\\\\fs01\\pipe\\m\\query", "host": "fs01", "os": "2019"}
    for key, value in changes.items():
        if isinstance(value, dict):
            policy[key].update(value)
        else:
            policy[key] = value
    return policy


MODERN = [modern_policy(s) for s in (
    "domain-anonymous-account", "vdir-connect-as", "app-pool-identity", "null-session-share", "null-session-pipe",
    "logon-method", "basic-auth", "thread-impersonation", "complus-identity", "mirrored-local-account",
    "kerberos-delegation", "audit-logons", "keep-local")] + [
    # a group of hosts (web10-web13): one task for all of them
    modern_policy("logon-method", name="m-group", iis={"host": "iis"}),
    # a Windows Server 2008 R2 file server: no Grant-SmbShareAccess, advice instead
    modern_policy("domain-anonymous-account", name="m-share-2008r2",
                  resource={"path": "\\\\app01\\old", "host": "app01", "os": "2008r2"}),
]
# Hosts the playbook leaves out: IIS 7.0 (Server 2008, no PowerShell 5.1), a domain step without
# domain_host, and a VBScript host (IIS 6.0).
LEFT_OUT = [modern_policy("logon-method", name="l-iis70", iis={"host": "web11", "version": "7.0"}),
            modern_policy("kerberos-delegation", name="l-no-domain-host", domain_host=None),
            modern_policy("logon-method", name="l-iis6", iis={"host": "web06", "version": "6.0"})]


def write_policies(folder: Path, policies: list[dict]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for policy in policies:
        policy = {k: v for k, v in policy.items() if v is not None}
        path = folder / f"{policy['name']}.yaml"
        path.write_text(yaml.safe_dump(policy, sort_keys=False), encoding="utf-8")
        paths.append(path)
    return paths


def render_export(out: Path, policies: list[Path], *extra: str, env: dict | None = None) -> Path:
    result = run_cli("render", *policies, "-i", INVENTORY, "-o", out, "--format", "ansible", *extra, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    return out / "ansible"


def synthetic_export(out: Path, folder: Path) -> Path:
    """Registry values set whole (no strategy makes one yet): win_regedit, a policy value Ansible would
    template, and a Connect As password; rendered in process."""
    paths = write_policies(folder, [modern_policy("null-session-share", name="s-registry"),
                                    modern_policy("vdir-connect-as", name="s-vdir", iis={"site": "Sales {{ x }}"})])
    inventory = load_inventory(INVENTORY)
    plans = [make_plan(p, inventory, forced=p.prefer[0]) for p in load_policies(paths)]
    extra = [SetRegistryValue("file_server", "HKLM\\SOFTWARE\\Contoso\\Remediate", "Level", "dword", 3),
             SetRegistryValue("file_server", "HKEY_LOCAL_MACHINE\\SOFTWARE\\Contoso", "Hosts", "multi_string",
                              ("a", "b{{ c }}")),
             SetRegistryValue("file_server", "HKLM\\SOFTWARE\\Contoso", "Name", "string", "x")]
    plan = plans[0]
    plans[0] = dataclasses.replace(plan, assessment=dataclasses.replace(plan.assessment, steps=plan.steps + extra))
    files = bundle_files(plans, "synthetic")
    files.update(export.ansible_files(plans, "synthetic", str(INVENTORY), str(out)))
    write_bundle(files, out)
    return out / "ansible"


@pytest.fixture(scope="module")
def exports(tmp_path_factory) -> dict[str, Path]:
    """name -> DIR/ansible of each export (every example alone, all examples, the modern sets)."""
    base = tmp_path_factory.mktemp("exports")
    jobs = {p.stem: (base / p.stem, [p]) for p in EXAMPLE_FILES}
    jobs["all"] = (base / "all", EXAMPLE_FILES)
    jobs["modern"] = (base / "modern", write_policies(base / "modern-policies", MODERN))
    jobs["left-out"] = (base / "left-out", write_policies(base / "left-out-policies", LEFT_OUT))
    with ThreadPoolExecutor(8) as pool:
        done = {name: pool.submit(render_export, out, paths) for name, (out, paths) in jobs.items()}
        found = {name: future.result() for name, future in done.items()}
    found["synthetic"] = synthetic_export(base / "synthetic", base / "synthetic-policies")
    return found


class Untemplated(str):
    """A `!unsafe` string as the tests read it."""


class PlaybookLoader(yaml.SafeLoader):
    pass


PlaybookLoader.add_constructor("!unsafe", lambda loader, node: Untemplated(loader.construct_scalar(node)))


def playbook(folder: Path) -> list[dict]:
    return yaml.load((folder / "site.yml").read_text(encoding="utf-8"), Loader=PlaybookLoader)


def module_of(task: dict) -> str:
    modules = [key for key in task if "." in key]
    assert len(modules) == 1, task
    return modules[0]


def all_tasks(plays: list[dict]) -> list[tuple[dict, dict, str]]:
    """(play, task or handler, 'task' | 'handler') for every entry of the playbook."""
    return [(play, task, kind) for play in plays for kind in ("task", "handler")
            for task in play.get(kind + "s", [])]


def remediation_plays(plays: list[dict]) -> list[dict]:
    return [play for play in plays if play["name"].startswith("Remediate: ")]


# ---------------------------------------------------------------------------------------- the tools

def tool(name: str) -> str:
    path = BIN / name
    if not path.exists():
        pytest.skip(f"{name} is not installed next to {sys.executable}: the test extras install it "
                    f"(pip install '.[test]' pulls ansible and ansible-lint)")
    return str(path)


@pytest.fixture(scope="module")
def ansible_env(tmp_path_factory) -> dict[str, str]:
    """Ansible and ansible-lint write only below a temporary folder (caches, temp files, lint's HOME)."""
    home = tmp_path_factory.mktemp("ansible-home")
    env = dict(os.environ)
    env.update(HOME=str(home), ANSIBLE_HOME=str(home / ".ansible"), ANSIBLE_LOCAL_TEMP=str(home / "tmp"),
               ANSIBLE_REMOTE_TEMP=str(home / "remote-tmp"), XDG_CACHE_HOME=str(home / ".cache"),
               XDG_CONFIG_HOME=str(home / ".config"), ANSIBLE_CONFIG=str(home / "ansible.cfg"),
               ANSIBLE_NOCOLOR="1", NO_COLOR="1", ANSIBLE_FORCE_COLOR="0", ANSIBLE_RETRY_FILES_ENABLED="0",
               ANSIBLE_LINT_SKIP_SCHEMA_UPDATE="1", PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}")
    (home / "ansible.cfg").write_text("[defaults]\n", encoding="utf-8")
    return env


def run_tool(args: list[str], env: dict, cwd: Path, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, env=env, cwd=cwd, timeout=timeout)


@pytest.fixture(scope="module")
def module_docs(exports, ansible_env, tmp_path_factory) -> dict[str, dict]:
    """`ansible-doc --json` of every module the exports use (one call)."""
    doc = tool("ansible-doc")
    modules = sorted({module_of(task) for folder in exports.values() for _, task, _ in all_tasks(playbook(folder))})
    result = run_tool([doc, "--json", *modules], ansible_env, tmp_path_factory.mktemp("doc"))
    assert result.returncode == 0, result.stderr
    docs = json.loads(result.stdout)
    assert set(docs) == set(modules), f"ansible-doc knows none of {set(modules) - set(docs)}"
    return {name: value["doc"] for name, value in docs.items()}


# ---------------------------------------------------------------------------------------- Ansible's own checks

LINTED = [name for name in ["all", "modern", "left-out", *(p.stem for p in EXAMPLE_FILES)]]


def test_every_export_passes_ansible_playbook_syntax_check(exports, ansible_env, tmp_path):
    playbook_bin = tool("ansible-playbook")

    def check(folder: Path) -> subprocess.CompletedProcess:
        return run_tool([playbook_bin, "--syntax-check", "-i", str(INVENTORY), str(folder / "site.yml")],
                        ansible_env, tmp_path)
    with ThreadPoolExecutor(8) as pool:
        results = dict(zip(sorted(exports), pool.map(check, [exports[name] for name in sorted(exports)]), strict=False))
    failed = {name: r.stdout + r.stderr for name, r in results.items() if r.returncode != 0}
    assert not failed, failed


def test_every_export_passes_ansible_lint_production_profile_offline(exports, ansible_env, tmp_path):
    lint = tool("ansible-lint")
    # every export in one run, from the folder that holds them (lint keeps its caches in the project)
    project = exports["all"].parent.parent
    result = run_tool([lint, "--offline", "--profile", "production", "--nocolor", "-f", "pep8",
                       *(str(exports[name].relative_to(project)) for name in LINTED)], ansible_env, project,
                      timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    summary = result.stderr + result.stdout
    assert "0 failure(s), 0 warning(s)" in summary and "production" in summary, summary


def test_a_password_play_fails_on_a_placeholder_and_passes_with_the_password(exports, ansible_env, tmp_path):
    """Run the generated password check (local connection: it needs no Windows host) with the
    group_vars stub as written, in check mode, and with the passwords given."""
    playbook_bin = tool("ansible-playbook")
    folder = exports["modern"]
    first = playbook(folder)[0]
    assert first["name"].startswith("Check that the passwords")
    check = folder / "check-only.yml"
    check.write_text(yaml.safe_dump([first], sort_keys=False), encoding="utf-8")
    base = [playbook_bin, "-i", str(INVENTORY), str(check), "-e", "ansible_connection=local"]
    try:
        placeholder = run_tool(base, ansible_env, tmp_path)
        assert placeholder.returncode != 0
        assert "remediate_m_app_pool_identity_password is not set: put the password" in placeholder.stdout
        checking = run_tool(base + ["--check"], ansible_env, tmp_path)
        assert checking.returncode == 0, checking.stdout
        variables = sorted(yaml.safe_load((folder / export.SECRETS_FILE).read_text()))
        given_all = run_tool(base + [a for v in variables for a in ("-e", f"{v}=x")], ansible_env, tmp_path)
        assert given_all.returncode == 0, given_all.stdout
    finally:
        check.unlink()


# ---------------------------------------------------------------------------------------- module options

def option_problems(where: str, args: object, options: dict) -> list[str]:
    """Options not documented, bad choices, wrong types, missing required ones (recursing into suboptions)."""
    if not isinstance(args, dict):
        return [f"{where}: options are not a mapping"]
    problems = [f"{where}: unknown option {key!r}" for key in args if key not in options]
    for key, spec in options.items():
        if key not in args:
            if spec.get("required"):
                problems.append(f"{where}: required option {key!r} missing")
            continue
        value = args[key]
        templated = isinstance(value, str) and "{{" in value and not isinstance(value, Untemplated)
        kind = spec.get("type", "str")
        expected = {"str": str, "path": str, "bool": bool, "int": int, "list": list, "dict": dict}.get(kind)
        if expected and not templated and not isinstance(value, expected):
            problems.append(f"{where}: option {key!r} is {type(value).__name__}, documented as {kind}")
        if spec.get("choices") and not templated and value not in spec["choices"]:
            problems.append(f"{where}: option {key!r} = {value!r}, not one of {spec['choices']}")
        if kind == "list" and isinstance(value, list) and spec.get("suboptions"):
            for n, item in enumerate(value):
                problems += option_problems(f"{where}.{key}[{n}]", item, spec["suboptions"])
        if kind == "dict" and isinstance(value, dict) and spec.get("suboptions"):
            problems += option_problems(f"{where}.{key}", value, spec["suboptions"])
    return problems


def test_every_task_uses_only_documented_module_options(exports, module_docs):
    problems = []
    for name, folder in sorted(exports.items()):
        for _play, task, kind in all_tasks(playbook(folder)):
            module = module_of(task)
            where = f"{name}: {kind} {task['name']!r}"
            problems += option_problems(where, task[module], module_docs[module]["options"])
            problems += [f"{where}: unknown keyword {key!r}" for key in task
                         if key != module and key not in TASK_KEYWORDS]
    assert not problems, "\n".join(problems)


def test_the_option_check_catches_a_misspelled_option_and_a_bad_choice(module_docs, exports):
    options = module_docs["ansible.windows.win_powershell"]["options"]
    assert option_problems("t", {"path": "x.ps1", "parameter": {}}, options) == ["t: unknown option 'parameter'"]
    assert option_problems("t", {"path": "x.ps1", "error_action": "halt"}, options)
    assert option_problems("t", {"path": "x.ps1", "sensitive_parameters": [{"name": "a", "vale": "b"}]}, options)
    if "ansible.windows.win_regedit" in module_docs:
        assert option_problems("t", {"path": "HKLM:\\x", "type": "multi_string"},
                               module_docs["ansible.windows.win_regedit"]["options"])


def test_module_choices_per_operation_kind(exports):
    """Native modules where they are exact and idempotent; win_powershell for the rest."""
    seen: dict[str, set[str]] = {}
    for folder in exports.values():
        for _, task, _kind in all_tasks(playbook(folder)):
            match = re.match(r"Step [a-z0-9_-]+\.\d+( \(([^)]*)\))?: ([a-z_]+):", task["name"])
            if match and match.group(2) is None:
                seen.setdefault(match.group(3), set()).add(module_of(task))
    assert seen["set_registry_value"] == {"ansible.windows.win_regedit"}
    assert seen["restart_service"] == {"ansible.windows.win_service"}
    assert seen["recycle_app_pool"] == {"ansible.windows.win_powershell"}   # web_app_pool would start a stopped pool
    assert seen["set_app_pool_identity"] == {"microsoft.iis.web_app_pool", "ansible.windows.win_powershell"}
    for kind in ("append_registry_value", "set_complus_identity", "set_iis_attribute", "assign_app_pool",
                 "create_app_pool", "set_virtual_directory", "create_local_account", "grant_share_access", "grant_ntfs_access",
                 "require_ssl", "register_spn", "configure_delegation", "enable_logon_auditing", "grant_sql_login"):
        assert seen[kind] == {"ansible.windows.win_powershell"}, kind


def test_native_module_options_carry_the_operation(exports):
    plays = playbook(exports["synthetic"])
    regedit = [task["ansible.windows.win_regedit"] for _, task, _ in all_tasks(plays)
               if "ansible.windows.win_regedit" in task]
    assert regedit == [
        {"path": "HKLM:\\SOFTWARE\\Contoso\\Remediate", "name": "Level", "data": 3, "type": "dword", "state": "present"},
        {"path": "HKLM:\\SOFTWARE\\Contoso", "name": "Hosts", "data": ["a", "b{{ c }}"], "type": "multistring",
         "state": "present"},
        {"path": "HKLM:\\SOFTWARE\\Contoso", "name": "Name", "data": "x", "type": "string", "state": "present"}]
    assert isinstance(regedit[1]["data"][1], Untemplated), "a value with {{ must not be templated by Ansible"
    pools = [task["microsoft.iis.web_app_pool"] for _, task, _ in all_tasks(playbook(exports["all"]))
             if "microsoft.iis.web_app_pool" in task]
    assert pools == [{"name": "sql-apppool-localservice", "state": "present",
                      "attributes": {"processModel.identityType": "ApplicationPoolIdentity"}}]


# ---------------------------------------------------------------------------------------- tasks, tags, handlers

# The task list per strategy (the modern set): (play, step, module, operation kind), in playbook order.
PS = "ansible.windows.win_powershell"
EXPECTED_STEPS = {
    "m-domain-anonymous-account": [("resource", 2, PS, "grant_share_access"), ("resource", 3, PS, "grant_ntfs_access"),
                                   ("IIS", 1, PS, "set_anonymous_user")],
    "m-vdir-connect-as": [("resource", 2, PS, "grant_share_access"), ("resource", 3, PS, "grant_ntfs_access"),
                          ("IIS", 1, PS, "set_virtual_directory")],
    "m-app-pool-identity": [("resource", 5, PS, "grant_share_access"), ("resource", 6, PS, "grant_ntfs_access"),
                            ("IIS", 1, PS, "create_app_pool"), ("IIS", 2, PS, "set_app_pool_identity"),
                            ("IIS", 3, PS, "assign_app_pool"), ("IIS", 4, PS, "set_iis_attribute")],
    "m-null-session-share": [("resource", 1, PS, "append_registry_value"), ("resource", 2, PS, "grant_share_access"),
                             ("resource", 3, PS, "grant_ntfs_access")],
    "m-null-session-pipe": [("resource", 1, PS, "append_registry_value")],
    "m-logon-method": [("IIS", 1, PS, "set_iis_attribute")],
    "m-basic-auth": [("IIS", 1, PS, "require_ssl"), ("IIS", 2, PS, "set_iis_attribute"),
                     ("IIS", 3, PS, "set_iis_attribute")],
    "m-thread-impersonation": [("resource", 2, PS, "grant_share_access"), ("resource", 3, PS, "grant_ntfs_access")],
    "m-complus-identity": [("resource", 2, PS, "grant_share_access"), ("resource", 3, PS, "grant_ntfs_access"),
                           ("IIS", 1, PS, "set_complus_identity")],
    "m-mirrored-local-account": [("resource", 3, PS, "create_local_account"), ("resource", 4, PS, "grant_share_access"),
                                 ("resource", 5, PS, "grant_ntfs_access"), ("IIS", 1, PS, "create_local_account"),
                                 ("IIS", 2, PS, "set_anonymous_user")],
    "m-kerberos-delegation": [("Active", 1, PS, "register_spn"), ("Active", 3, PS, "configure_delegation"),
                              ("IIS", 2, PS, "set_iis_attribute")],
    "m-audit-logons": [("resource", 2, PS, "enable_logon_auditing"), ("IIS", 1, PS, "enable_logon_auditing")],
    "m-group": [("IIS", 1, PS, "set_iis_attribute")],
    "m-share-2008r2": [("resource", 2, PS, "grant_share_access"),
                       ("resource", 2, "ansible.builtin.debug", "grant_share_access"),
                       ("resource", 3, PS, "grant_ntfs_access"), ("IIS", 1, PS, "set_anonymous_user")],
}
EXPECTED_HANDLERS = {   # (play, policy.step, module, when)
    ("resource", "m-null-session-share.4", "ansible.windows.win_service", "remediate_allow_restart | default(false) | bool"),
    ("resource", "m-null-session-share.4", "ansible.builtin.debug",
     "not (remediate_allow_restart | default(false) | bool)"),
    ("IIS", "m-app-pool-identity.7", PS, None),
}


def steps_by_policy(plays: list[dict]) -> dict[str, list[tuple]]:
    found: dict[str, list[tuple]] = {}
    for play in remediation_plays(plays):
        word = play["name"].split(": ", 1)[1].split(" ")[0]
        for task in play["tasks"]:
            match = re.match(r"Step ([a-z0-9_-]+)\.(\d+)( \(([^)]*)\))?: ([a-z_]+):", task["name"])
            assert match, task["name"]
            if match.group(4) and "rollback" in match.group(4):
                continue
            found.setdefault(match.group(1), []).append((word, int(match.group(2)), module_of(task), match.group(5)))
    return found


def test_the_task_list_per_strategy(exports):
    found = steps_by_policy(playbook(exports["modern"]))
    assert found == EXPECTED_STEPS
    assert "m-keep-local" not in found     # advice for a host that gets no change: REVIEW.md only


def test_handlers_for_the_restarts_the_operations_declare(exports):
    plays = playbook(exports["modern"])
    handlers = {(play["name"].split(": ", 1)[1].split(" ")[0], re.match(r"Step (\S+?)[: ]", task["name"]).group(1),
                 module_of(task), task.get("when")) for play, task, kind in all_tasks(plays) if kind == "handler"}
    # the LanmanServer restart is asked for by two policies on fs01: one handler, run once
    assert handlers == EXPECTED_HANDLERS
    for play in remediation_plays(plays):
        listened = {task["listen"] for task in play.get("handlers", [])}
        notified = {topic for task in play["tasks"] for topic in task.get("notify", [])}
        assert notified == listened, play["name"]
        names = [task["name"] for task in play.get("handlers", [])]
        assert len(names) == len(set(names))
    lanman = [task for _, task, kind in all_tasks(plays) if kind == "handler" and "win_service" in module_of(task)]
    assert lanman[0]["ansible.windows.win_service"] == {"name": "LanmanServer", "state": "restarted",
                                                        "force_dependent_services": True}


def expected_entries(policies: list[Path]) -> dict[str, list[tuple]]:
    """From the bundle's own host scripts: per play, the (step name, tags, hosts) of every task."""
    inventory = load_inventory(INVENTORY)
    plans = [make_plan(p, inventory, forced=None) for p in load_policies(policies)]
    out: dict[str, list[tuple]] = {}
    scripts = [s for s in host_scripts(plans) if s.host != "domain" and s.language == "powershell"
               and not s.legacy_powershell]
    for role, label in export.PLAYS:
        entries: dict[tuple, list[str]] = {}
        for script in scripts:
            for task in script.tasks:
                if task.op.role == role:
                    entries.setdefault((task.policy, task.step, task.name, task.strategy), []).append(script.host)
        order = {plan.policy.name: n for n, plan in enumerate(plans)}
        out[label] = [(f"Step {p}.{n}: {name}", [p, strategy, f"step{n}"], hosts)
                      for (p, n, name, strategy), hosts in sorted(entries.items(), key=lambda e: (order[e[0][0]], e[0][1]))]
    return {label: entries for label, entries in out.items() if entries}


@pytest.mark.parametrize("name", ["all", *(p.stem for p in EXAMPLE_FILES)])
def test_every_step_of_every_example_is_one_named_tagged_task_on_its_hosts(exports, name):
    plays = playbook(exports[name])
    found: dict[str, list[tuple]] = {}
    for play in remediation_plays(plays):
        for task in play["tasks"]:
            if " (" in task["name"].split(":")[0]:
                continue                           # the before-value record and the advice display
            when = task.get("when")
            hosts = (play["hosts"] if when is None else [when.split("'")[1]] if "==" in when
                     else re.findall(r"'([^']+)'", when))
            found.setdefault(play["name"].split(": ", 1)[1], []).append((task["name"], task["tags"], hosts))
    assert found == expected_entries(EXAMPLE_FILES if name == "all" else [POLICIES / f"{name}.yaml"])


def test_every_task_is_tagged_with_its_policy_strategy_and_step(exports):
    for name, folder in exports.items():
        for play in playbook(folder):
            for task in play["tasks"]:
                match = re.match(r"Step ([a-z0-9_-]+)\.(\d+)[: ]", task["name"])
                if match:
                    assert task["tags"][0] == match.group(1) and task["tags"][2] == f"step{match.group(2)}", task
                    assert len(task["tags"]) == 3
                elif play["name"].startswith("Check that the passwords"):
                    assert any(t.startswith("step") for t in task["tags"]), task
                else:
                    assert play["name"].startswith("Nothing for Ansible"), (name, task["name"])


def test_serial_and_play_order(exports):
    plays = remediation_plays(playbook(exports["modern"]))
    assert [p["name"] for p in plays] == ["Remediate: Active Directory (domain hosts)", "Remediate: resource servers",
                                          "Remediate: IIS hosts"]
    for play in plays:
        assert play["serial"] == "{{ remediate_serial | default(5) }}"
        assert play["gather_facts"] is False


def test_a_group_target_gives_one_task_and_one_script_for_all_its_hosts(exports):
    plays = playbook(exports["modern"])
    iis = next(p for p in plays if p["name"] == "Remediate: IIS hosts")
    group = [t for t in iis["tasks"] if t["tags"][0] == "m-group"]
    assert len(group) == 1
    assert "when" not in group[0] and sorted(iis["hosts"]) == ["web10", "web11", "web12", "web13"]
    others = [t for t in iis["tasks"] if t["tags"][0] != "m-group"]
    assert all(re.findall(r"'([^']+)'", t["when"]) == ["web12" if "mirrored" in t["name"] else "web10"]
               for t in others)
    assert sorted(p.name for p in (exports["modern"] / "files" / "m-group").iterdir()) == ["step1.ps1"]


# ---------------------------------------------------------------------------------------- secrets

def uses_secret(value: object) -> bool:
    if isinstance(value, dict):
        return "sensitive_parameters" in value or any(uses_secret(v) for v in value.values())
    if isinstance(value, list):
        return any(uses_secret(v) for v in value)
    return isinstance(value, str) and bool(re.search(r"\bremediate_\w+_password\b", value))


def test_no_log_on_every_task_that_carries_a_password_and_only_there(exports):
    carried = 0
    for name, folder in exports.items():
        for _, task, _ in all_tasks(playbook(folder)):
            module = module_of(task)
            if module == "ansible.builtin.assert":
                continue                           # checks that the variable is defined; prints no value
            if uses_secret(task[module]):
                carried += 1
                assert task.get("no_log") is True, (name, task["name"])
            else:
                assert "no_log" not in task, (name, task["name"])
    assert carried >= 6


def test_password_variables_are_named_for_the_policy_and_passed_as_securestrings(exports):
    plays = playbook(exports["modern"])
    for _, task, _ in all_tasks(plays):
        args = task[module_of(task)]
        for param in args.get("sensitive_parameters", []) if isinstance(args, dict) else []:
            policy = task["tags"][0]
            assert param["name"] == f"{policy.replace('-', '_')}_password"
            assert param["value"] == "{{ '' if ansible_check_mode else remediate_" + param["name"] + " }}"
            script = (exports["modern"] / "files" / args["path"]).read_text(encoding="utf-8")
            assert f"[securestring] ${param['name']}" in script
    stub = yaml.safe_load((exports["modern"] / export.SECRETS_FILE).read_text(encoding="utf-8"))
    assert set(stub) == {"remediate_m_domain_anonymous_account_password", "remediate_m_vdir_connect_as_password",
                         "remediate_m_app_pool_identity_password", "remediate_m_complus_identity_password",
                         "remediate_m_mirrored_local_account_password", "remediate_m_share_2008r2_password"}
    for variable, value in stub.items():
        assert value.startswith("{{ undef(hint=") and variable in value, "a placeholder that fails, never a value"
    checks = [t["ansible.builtin.assert"]["that"] for t in plays[0]["tasks"]]
    assert sorted(checks) == sorted([f"{v} is defined"] for v in stub)


def test_no_secret_value_is_written_into_the_export(tmp_path):
    secret_file = tmp_path / "secret.txt"
    secret_file.write_text(MARKER, encoding="utf-8")
    policies = [modern_policy("vdir-connect-as", name="env-secret", access={"password": {"env": "MARKER_SECRET"}}),
                modern_policy("complus-identity", name="file-secret", access={"password": {"file": str(secret_file)}}),
                modern_policy("mirrored-local-account", name="literal-secret", access={"password": MARKER})]
    paths = write_policies(tmp_path / "policies", policies)
    env = dict(os.environ, MARKER_SECRET=MARKER, M_PASSWORD=MARKER)
    out = tmp_path / "bundle"
    folder = render_export(out, paths, "--allow-literal-secrets", env=env)
    assert (folder / export.SECRETS_FILE).exists()
    forms = [MARKER.encode("utf-8"), MARKER.encode("utf-16-le"), b"S3cr3t-Ansible"]
    files = [p for p in out.rglob("*") if p.is_file()]
    assert len([p for p in files if p.is_relative_to(folder)]) > 5
    leaks = [str(p) for p in files for form in forms if form in p.read_bytes()]
    assert not leaks, leaks


def test_the_inventory_is_referred_to_never_copied(exports):
    inventory_text = INVENTORY.read_text()
    group_vars = (INVENTORY.parent / "group_vars" / "windows.yml").read_text()
    for _name, folder in exports.items():
        for path in folder.rglob("*"):
            if path.is_file():
                text = path.read_text(encoding="utf-8")
                assert "192.0.2." not in text and "REMEDIATE_WINRM_PASSWORD" not in text, path
                assert inventory_text not in text and group_vars not in text
        assert not (folder / "group_vars" / "windows.yml").exists()
        readme = (folder / "README.md").read_text(encoding="utf-8")
        assert f"ansible-playbook -i {INVENTORY} " in readme


# ---------------------------------------------------------------------------------------- scripts

def test_every_script_the_playbook_runs_exists_and_every_script_is_run(exports):
    for name, folder in exports.items():
        referenced = {task[module_of(task)]["path"] for _, task, _ in all_tasks(playbook(folder))
                      if module_of(task) == PS}
        written = {str(p.relative_to(folder / "files")) for p in (folder / "files").rglob("*.ps1")} \
            if (folder / "files").exists() else set()
        assert referenced == written, name


def test_task_scripts_are_the_bundle_s_own_powershell(exports):
    """Each script's op block is byte for byte the block apply.ps1 has for that step on that host, with
    the same helper functions; $Ansible.Changed and $Ansible.Diff come from the step's result."""
    checked = 0
    for name in ("all", "modern", "synthetic"):
        folder = exports[name]
        bundle = folder.parent
        for play in remediation_plays(playbook(folder)):
            for task in play["tasks"]:
                if module_of(task) != PS or "rollback" in task["name"].split(":")[0]:
                    continue
                script = (folder / "files" / task[PS]["path"]).read_text(encoding="utf-8")
                host = play["hosts"][0] if "when" not in task else re.findall(r"'([^']+)'", task["when"])[0]
                apply_ps1 = (bundle / "hosts" / host / "apply.ps1").read_bytes().decode("utf-8-sig")
                apply_ps1 = apply_ps1.replace("\r\n", "\n")
                body = script[script.index("\ntry {\n") + 7:script.index("\n} catch {")]
                body = body[body.index("    # ---- "):]
                block = body.split("\n", 2)[2]             # after the two comment lines
                assert block in apply_ps1, (name, task["name"])
                helpers = script[script.index("function Save-RemediateBefore"):
                                 script.index("function Set-RemediateAnsibleResult")]
                assert helpers.strip() in apply_ps1
                assert "[CmdletBinding(SupportsShouldProcess = $true)]\nparam(" in script
                assert "$Ansible.Changed = " in script and "$Ansible.Diff = " in script
                checked += 1
    assert checked > 40


def test_task_scripts_parse_as_windows_powershell_5_1_with_documented_commands(exports):
    sc = pytest.importorskip("support.scriptcheck")
    cmdlets = pytest.importorskip("data.cmdlets")
    native = {name.lower() for name in cmdlets.NATIVE_PROGRAMS}
    problems = {}
    for name, folder in exports.items():
        for path in sorted((folder / "files").rglob("*.ps1")) if (folder / "files").exists() else []:
            data = path.read_bytes()
            found = sc.syntax_problems(data) + sc.ps7_syntax(data) + sc.parameter_problems(data, cmdlets.CMDLETS, native)
            if found:
                problems[f"{name}/{path.relative_to(folder)}"] = found
    assert not problems


def test_check_mode_and_restart_reach_the_scripts(exports):
    plays = playbook(exports["modern"])
    complus = next(t for _, t, _ in all_tasks(plays) if t["name"].startswith("Step m-complus-identity.1:"))
    # ShutdownApplication (a restart of the COM+ application) only when restarts are allowed
    assert complus[PS]["parameters"] == {"Restart": "{{ remediate_allow_restart | default(false) | bool }}"}
    script = (exports["modern"] / "files" / complus[PS]["path"]).read_text()
    assert "$Check = [switch]($null -ne $Ansible -and [bool]$Ansible.CheckMode)" in script
    assert "$script:CheckMode = $Check.IsPresent -or [bool]$WhatIfPreference" in script


# ---------------------------------------------------------------------------------------- left out

def test_legacy_hosts_are_left_out_with_a_comment_and_a_readme_line(exports):
    site = (exports["all"] / "site.yml").read_text()
    readme = (exports["all"] / "README.md").read_text()
    hosts = {h for play in playbook(exports["all"]) for h in play["hosts"]}
    for host in ("web01", "web04", "web06", "web07", "fs02", "sql02"):
        assert host not in hosts
        assert re.search(rf"^#\s+{host}: \.\./hosts/{host}/apply\.vbs: ", site, re.M), host
        assert f"- {host}: `../hosts/{host}/apply.vbs`" in readme
    assert "cscript //nologo apply.vbs /check" in readme
    for host in ("fs01", "sql01", "dc01", "web11", "web13"):
        assert host in hosts


def test_server_2008_and_domain_steps_without_a_domain_host_are_left_out_too(exports):
    folder = exports["left-out"]
    readme = (folder / "README.md").read_text()
    assert "- web11: `../hosts/web11/apply.ps1`" in readme and "Windows Server 2008 (IIS 7.0)" in readme
    assert "- (Active Directory): `../domain/apply.ps1`" in readme
    assert "- web06: `../hosts/web06/apply.vbs`" in readme
    hosts = {h for play in playbook(folder) for h in play["hosts"]}
    assert hosts == {"web10"}             # only the Kerberos policy's IIS step remains


def test_an_export_with_nothing_for_ansible_is_still_a_valid_playbook(exports):
    plays = playbook(exports["aspnet-pool-satisfied"])
    assert [p["name"] for p in plays] == ["Nothing for Ansible to run here (README.md)"]
    assert plays[0]["hosts"] == "localhost"


# ---------------------------------------------------------------------------------------- README, determinism, YAML

def test_the_export_readme_gives_the_exact_commands(exports):
    readme = (exports["modern"] / "README.md").read_text()
    base = f"ansible-playbook -i {INVENTORY} {exports['modern']}/site.yml --vault-id remediate@prompt"
    assert f"{base} --check --diff\n" in readme
    assert f"{base} --diff\n" in readme
    assert "remediate_allow_restart" in readme and "remediate_serial" in readme
    assert "ansible-vault encrypt_string --vault-id remediate@prompt --stdin-name" in readme
    no_secrets = (exports["all"] / "README.md").read_text()
    assert f"ansible-playbook -i {INVENTORY} {exports['all']}/site.yml --diff\n" in no_secrets


def test_rendering_twice_gives_byte_identical_exports(tmp_path):
    paths = write_policies(tmp_path / "p", MODERN[:4])
    out = tmp_path / "bundle"
    runs = []
    for _ in range(2):                         # the same command again replaces the bundle
        folder = render_export(out, paths)
        runs.append({str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()})
    assert runs[0] == runs[1]


def test_a_host_name_that_needs_quoting_is_refused():
    with pytest.raises(export.UnsafeValue, match="cannot be written into a playbook"):
        export._check_hosts([type("S", (), {"host": "web 01"})()])


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=400))
@settings(max_examples=300, deadline=None)
def test_yaml_strings_round_trip_and_fit_the_line_length(text):
    for value, expected in ((text, text), (export.Unsafe(text), text)):
        document = export.dump_yaml([{"name": value, "k": {"deeper": [value]}}])
        data = yaml.load(document, Loader=PlaybookLoader)
        assert data == [{"name": expected, "k": {"deeper": [expected]}}]
        assert isinstance(data[0]["name"], Untemplated) == isinstance(value, export.Unsafe)
        assert max(len(line) for line in document.splitlines()) <= 160


def test_policy_text_ansible_would_template_is_marked_unsafe(exports):
    plays = playbook(exports["synthetic"])
    names = [task["name"] for _, task, _ in all_tasks(plays) if "{{" in task["name"]]
    assert names and all(isinstance(n, Untemplated) for n in names)


def test_the_project_readme_has_the_fleet_section_and_the_test_extras_install_the_tools():
    readme = (ROOT / "README.md").read_text()
    assert "## Running at fleet scale with Ansible" in readme
    pyproject = (ROOT / "pyproject.toml").read_text()
    extras = pyproject.split("[project.optional-dependencies]")[1].split("]")[0]
    assert '"ansible>=' in extras and '"ansible-lint>=' in extras
