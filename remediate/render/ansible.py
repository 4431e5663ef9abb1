"""The Ansible export (`remediate render ... --format ansible`): the same remediation as a playbook,
under `DIR/ansible/` of the bundle.

- `site.yml`: a play per role, in the order `apply` runs them (domain hosts, resource servers, IIS
  hosts), `serial` from `remediate_serial`; first, when a step needs a password, a play that checks
  the password variables are set. Each task is one step, named by its review line and tagged with
  its policy, strategy and `step<N>`. Native modules where they are exact and idempotent
  (`ansible.windows.win_regedit` for a single registry value, `microsoft.iis.web_app_pool` for a
  built-in pool identity, `ansible.windows.win_service` for service restarts); everything else is
  `ansible.windows.win_powershell` running the step's own PowerShell (the op template's `apply`
  block and apply.ps1's helper functions: one source of truth). Restarts are handlers, run once.
- `files/<policy>/step<N>.ps1`: those scripts (`step<N>.record.ps1` saves the value a native module
  replaces, so that the bundle's rollback.ps1 still puts it back).
- `group_vars/all/remediate_secrets.yml`: one placeholder per password variable, for ansible-vault.
- `README.md`: how to run it, and the hosts left to run by hand (VBScript hosts, Server 2008, a
  policy's Active Directory steps without a domain host).

The user's inventory is referred to (by the path given on the command line), never copied; no
secret is ever written.
"""

from __future__ import annotations

import json
import re
import shlex
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field

import yaml

from remediate.core.errors import Problem
from remediate.operations import RecycleAppPool, RestartService, SetAppPoolIdentity, SetRegistryValue
from remediate.planner import Plan
from remediate.render.escape import UnsafeValue
from remediate.render.features import windows_has
from remediate.render.libraries import APPLY, included, libraries
from remediate.render.tasks import HostScript, SecretParameter, Task, host_scripts
from remediate.render.templating import environment, render

FOLDER = "ansible"
PLAYS = (("domain", "Active Directory (domain hosts)"), ("file_server", "resource servers"), ("iis", "IIS hosts"))
SERIAL_DEFAULT = 5
ALLOW_RESTART = "remediate_allow_restart | default(false) | bool"
SECRETS_FILE = "group_vars/all/remediate_secrets.yml"
ADVICE_VAR = "remediate_advice"
REG_TYPES = {"dword": "dword", "string": "string", "multi_string": "multistring"}
REG_HIVES = {"HKLM": "HKLM", "HKEY_LOCAL_MACHINE": "HKLM", "HKCU": "HKCU", "HKEY_CURRENT_USER": "HKCU",
             "HKU": "HKU", "HKEY_USERS": "HKU", "HKCR": "HKCR", "HKEY_CLASSES_ROOT": "HKCR",
             "HKCC": "HKCC", "HKEY_CURRENT_CONFIG": "HKCC"}
# Host names go into play host lists and `when` conditions: only names that need no quoting there.
_HOST = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
WINDOWS_NAMES = {"nt4": "Windows NT 4.0", "2000": "Windows 2000", "2003": "Windows Server 2003",
                 "2008": "Windows Server 2008", "2008r2": "Windows Server 2008 R2"}


def secret_variable(param: SecretParameter) -> str:
    """`remediate_<policy>_<purpose>`, `-` turned into `_` (the script parameter with the prefix)."""
    return f"remediate_{param.name}"


def windows_name(windows: str) -> str:
    return WINDOWS_NAMES.get(windows, f"Windows Server {windows}")


# ---------------------------------------------------------------------------------------- scripts

@dataclass(frozen=True)
class View:
    """What the op templates read of a host's script, without the host: the script runs as
    whichever inventory host Ansible gives it (`$script:HostName` is set from the computer)."""

    windows: str
    restart_policies: dict
    host: str = ""

    def has(self, feature: str) -> bool:
        return windows_has(self.windows, feature)


def op_body(task: Task, view: View) -> str:
    """The op template's apply block for one step, exactly as apply.ps1 has it."""
    return environment().get_template("ansible/op_apply.j2").render(task=task, script=view)


def _secrets(task: Task) -> list[SecretParameter]:
    found: dict[str, SecretParameter] = {}
    for ref in task.op.secrets():
        param = SecretParameter.of(task.policy, ref)
        found.setdefault(param.name, param)
    return list(found.values())


def _script(template: str, task: Task, view: View, file_name: str, hosts: list[str], command: str,
            what: str, notified: Sequence[str] = ()) -> str:
    """One step's script (task_script or record_before) for the hosts that share it."""
    body = op_body(task, view) if template == "task_script" else ""
    names = libraries("powershell", view.windows, [task.op], "apply")
    base = included("powershell", [name for name in names if name not in APPLY["powershell"]])
    helpers = included("powershell", list(APPLY["powershell"]))
    text = render(f"ansible/{template}.ps1.j2", task=task, script=view, body=body, base=base, helpers=helpers,
                  secrets=_secrets(task), file_name=file_name, hosts=hosts, command=command, what=what,
                  notified=list(notified))
    return text


# ---------------------------------------------------------------------------------------- YAML

class Unsafe(str):
    """Text from a policy or inventory that Ansible must not read as a template: `!unsafe`."""


class Comment(str):
    """A comment line: a list item, or a mapping key (its value is ignored)."""


class Flow(list):
    """A short list of simple scalars, written `[a, b]`."""


WIDTH = 110          # strings longer than this are folded
LIMIT = 130          # columns of a folded string's lines (yamllint, as ansible-lint runs it, allows 160)
_TOKEN = re.compile(r"[A-Za-z0-9_.-]+( [A-Za-z0-9_.-]+)*")
_PLAIN_START = re.compile(r"[A-Za-z0-9_/\\$(]")
_ESCAPE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff\"\\\\]")


def untemplated(text: str) -> str:
    """A policy value as a playbook string: `!unsafe` when Ansible would template it."""
    return Unsafe(text) if "{" in text or "%}" in text or "#}" in text else text


def _escape(text: str) -> str:
    def one(match: re.Match) -> str:
        char = match.group()
        return {'"': '\\"', "\\": "\\\\"}.get(char) or f"\\u{ord(char):04x}"
    return _ESCAPE.sub(one, text)


def _plain_ok(text: str) -> bool:
    if (not text or len(text) > WIDTH or not _PLAIN_START.match(text) or text != text.strip()
            or any(c in text for c in "\"#{}`") or ": " in text or text.endswith(":")
            or _ESCAPE.search(text.replace("\\", "").replace('"', ""))):
        return False
    try:
        return yaml.safe_load(f"k: {text}") == {"k": text}
    except yaml.YAMLError:
        return False


def _pieces(text: str, first: int, rest: int) -> list[str]:
    """A long string cut where a folded double-quoted scalar may break: a continuation line loses its
    leading spaces, so every cut falls after a run of spaces (kept, before the escaped line break).
    Widths count the escaped text. Returns the escaped pieces."""
    out: list[str] = []
    piece, space_at, width = "", -1, first
    for char in text:
        if len(piece) >= width and char != " ":
            cut = space_at if space_at > width // 3 else len(piece)
            out.append(piece[:cut])
            piece, width = piece[cut:], rest
            space_at = -1
        piece += _escape(char)
        if char == " ":
            space_at = len(piece)
    out.append(piece)
    return [p for p in out if p] or [""]


def _quoted(text: str, indent: int, column: int) -> str:
    if len(text) <= WIDTH and column + len(_escape(text)) + 2 <= LIMIT + 20:
        return '"' + _escape(text) + '"'
    first = max(30, LIMIT - column - 10)
    rest = max(30, LIMIT - indent - 12)
    return '"' + ("\\\n" + " " * (indent + 2)).join(_pieces(text, first, rest)) + '"'


def _scalar(value: object, indent: int, column: int = 0) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if isinstance(value, Unsafe):
        return "!unsafe " + _quoted(text, indent, column + 8)
    return text if _plain_ok(text) else _quoted(text, indent, column)


def _flow(items: list) -> str:
    return "[" + ", ".join(item if isinstance(item, str) and not isinstance(item, Unsafe) and _TOKEN.fullmatch(item)
                           and _plain_ok(item) else _scalar(item, 0) for item in items) + "]"


def _mapping(data: dict, indent: int) -> list[str]:
    pad = " " * indent
    lines = []
    for key, value in data.items():
        if isinstance(key, Comment):
            lines += [pad + piece for piece in _comment(key)]
        elif isinstance(value, Flow):
            lines.append(f"{pad}{key}: {_flow(value)}")
        elif isinstance(value, dict):
            lines += [f"{pad}{key}:" + ("" if value else " {}"), *_mapping(value, indent + 2)]
        elif isinstance(value, list):
            lines += [f"{pad}{key}:" + ("" if value else " []"), *_sequence(value, indent + 2)]
        else:
            lines.append(f"{pad}{key}: {_scalar(value, indent, indent + len(key) + 2)}")
    return lines


def _sequence(items: list, indent: int) -> list[str]:
    pad = " " * indent
    lines = []
    for item in items:
        if isinstance(item, Comment):
            lines += [pad + piece for piece in _comment(item)] if item else [""]
        elif isinstance(item, dict):
            comments = [pad + piece for key in item if isinstance(key, Comment) for piece in _comment(key)]
            inner = _mapping({k: v for k, v in item.items() if not isinstance(k, Comment)}, indent + 2)
            lines += [*comments, f"{pad}- {inner[0][indent + 2:]}", *inner[1:]]
        else:
            lines.append(f"{pad}- {_scalar(item, indent, indent + 2)}")
    return lines


def _comment(line: str) -> list[str]:
    """A comment, wrapped at spaces to stay within the line length ansible-lint allows."""
    indent = " " * (len(line) - len(line.lstrip()))
    wrapped = textwrap.wrap(line, WIDTH, initial_indent="", subsequent_indent=indent + "    ",
                            break_long_words=False, break_on_hyphens=False) or [""]
    return [f"# {piece}".rstrip() for piece in wrapped]


def dump_yaml(data: dict | list, header: Sequence[str] = ()) -> str:
    """A YAML document: `---`, header comments, the data; LF line ends and a final newline."""
    lines = ["---", *(piece for line in header for piece in _comment(line))]
    lines += _mapping(data, 0) if isinstance(data, dict) else _sequence(data, 0)
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------- the playbook

@dataclass
class LeftOut:
    """A host (or the Active Directory steps) whose steps are run by hand, not by the playbook."""

    host: str
    why: str
    file: str          # relative to the bundle
    how: str
    policies: list[str]


@dataclass
class Export:
    files: dict[str, bytes] = field(default_factory=dict)
    plays: list[dict] = field(default_factory=list)
    play_hosts: dict[str, list[str]] = field(default_factory=dict)
    secrets: dict[str, tuple[SecretParameter, list[str], list[str]]] = field(default_factory=dict)
    left_out: list[LeftOut] = field(default_factory=list)
    modules: set[str] = field(default_factory=set)
    handlers: list[tuple[str, str, bool]] = field(default_factory=list)   # (host list, name, gated)


def _left_out(script: HostScript) -> LeftOut | None:
    policies = [plan.policy.name for plan in script.policies]
    if script.ad_only:
        return LeftOut("(Active Directory)", "the policy names no domain_host, so no inventory host runs its "
                       "Active Directory steps", "domain/apply.ps1",
                       "as a domain admin, with the ActiveDirectory module: "
                       "`powershell.exe -NoProfile -ExecutionPolicy Bypass -File apply.ps1 -Check`, then without "
                       "`-Check` (or name `domain_host` in the policy and render again)", policies)
    if script.language == "vbscript":
        return LeftOut(script.host, f"{', '.join(script.roles)} on {windows_name(script.windows)}, which has no "
                       "Windows PowerShell 5.1 for Ansible's Windows modules (a VBScript host)",
                       f"hosts/{script.host}/apply.vbs",
                       "on the host, elevated: `cscript //nologo apply.vbs /check`, then `cscript //nologo apply.vbs`",
                       policies)
    if script.legacy_powershell:
        return LeftOut(script.host, "Windows Server 2008 (IIS 7.0) cannot have Windows PowerShell 5.1, which "
                       "Ansible's Windows modules need", f"hosts/{script.host}/apply.ps1",
                       "step by step, by hand (its header says why)", policies)
    return None


def _check_hosts(scripts: list[HostScript]) -> None:
    bad = [s.host for s in scripts if not _HOST.fullmatch(s.host)]
    if bad:
        raise UnsafeValue([Problem("(render)", None, "", f"host {host!r} cannot be written into a playbook's host "
                                   "list and conditions without quoting (letters, digits, '.', '_' and '-' only); "
                                   "render the bundle instead, or rename it in the inventory") for host in bad])


def _when(hosts: list[str], play_hosts: list[str]) -> str | None:
    if hosts == play_hosts:
        return None
    if len(hosts) == 1:
        return f"inventory_hostname == '{hosts[0]}'"
    return "inventory_hostname in [" + ", ".join(f"'{h}'" for h in hosts) + "]"


def _tags(task: Task) -> Flow:
    return Flow([task.policy, task.strategy, f"step{task.step}"])


def _step_name(task: Task, note: str = "") -> str:
    return untemplated(f"Step {task.id}{note}: {task.name}")


def _task_entry(name: str, module: str, args: dict, task: Task, hosts: list[str], play_hosts: list[str],
                secrets: Sequence[SecretParameter] = (), notify: Sequence[str] = (),
                register: str | None = None) -> dict:
    entry: dict = {"name": name, module: args}
    when = _when(hosts, play_hosts)
    if when:
        entry["when"] = when
    if register:
        entry["register"] = register
    if secrets:
        entry["no_log"] = True
    if notify:
        entry["notify"] = Flow(notify)
    entry["tags"] = _tags(task)
    return entry


def _powershell_args(path: str, secrets: list[SecretParameter], restart: bool) -> dict:
    args: dict = {"path": path}
    if restart:
        args["parameters"] = {"Restart": "{{ " + ALLOW_RESTART + " }}"}
    if secrets:
        # check mode never reads a password (the scripts ask for none in check mode): none is needed then
        args["sensitive_parameters"] = [
            {"name": p.name, "value": "{{ '' if ansible_check_mode else " + secret_variable(p) + " }}"}
            for p in secrets]
    return args


def _registry_path(key: str) -> str:
    root, _, rest = key.partition("\\")
    if root.upper() not in REG_HIVES:
        raise UnsafeValue([Problem("(render)", None, "", f"registry key {key!r}: win_regedit knows the hives "
                                   f"{', '.join(sorted(set(REG_HIVES.values())))} only")])
    return f"{REG_HIVES[root.upper()]}:\\{rest}"


def _native(task: Task) -> tuple[str, dict] | None:
    """The native module and its options for a step it does exactly and idempotently, else None."""
    op = task.op
    if isinstance(op, SetRegistryValue):
        data = list(op.new) if isinstance(op.new, tuple) else op.new
        if isinstance(data, list):
            data = [untemplated(item) for item in data]
        elif isinstance(data, str):
            data = untemplated(data)
        return "ansible.windows.win_regedit", {"path": untemplated(_registry_path(op.key)),
                                               "name": untemplated(op.name), "data": data,
                                               "type": REG_TYPES[op.type], "state": "present"}
    if isinstance(op, SetAppPoolIdentity) and op.identity_type != "SpecificUser":
        # New-WebAppPool when missing and Set-ItemProperty processModel.identityType, as the op template
        return "microsoft.iis.web_app_pool", {"name": untemplated(op.pool), "state": "present",
                                              "attributes": {"processModel.identityType": op.identity_type}}
    return None


class Builder:
    def __init__(self, plans: list[Plan], command: str):
        self.plans = plans
        self.command = command
        self.out = Export()
        self.order = {plan.policy.name: n for n, plan in enumerate(plans)}

    def build(self) -> Export:
        scripts = host_scripts(self.plans)
        for script in scripts:
            left = _left_out(script)
            if left:
                self.out.left_out.append(left)
        ansible = [s for s in scripts if _left_out(s) is None]
        _check_hosts(ansible)
        for role, label in PLAYS:
            play = self._play(role, label, ansible)
            if play:
                self.out.plays.append(play)
        if self.out.secrets:
            self.out.plays.insert(0, self._secrets_play())
        return self.out

    # -- one play per role
    def _play(self, role: str, label: str, scripts: list[HostScript]) -> dict | None:
        steps: dict[tuple[str, int], list[tuple[HostScript, Task]]] = {}
        for script in scripts:
            for task in script.tasks:
                if task.op.role == role:
                    steps.setdefault((task.policy, task.step), []).append((script, task))
        if not steps:
            return None
        hosts = [s.host for s in scripts if any(task.op.role == role for task in s.tasks)]
        self.out.play_hosts[role] = hosts
        topics, handlers = self._handlers(role, scripts, hosts)
        tasks: list = []
        for key in sorted(steps, key=lambda k: (self.order[k[0]], k[1])):
            tasks += self._step(steps[key], topics, hosts)
        play = {"name": f"Remediate: {label}", "hosts": Flow(hosts), "gather_facts": False,
                "serial": "{{ remediate_serial | default(%d) }}" % SERIAL_DEFAULT, "tasks": tasks}
        if handlers:
            play["handlers"] = handlers
        return play

    def _step(self, pairs: list[tuple[HostScript, Task]], topics: dict, play_hosts: list[str]) -> list[dict]:
        """The tasks of one step of one policy: hosts whose scripts are the same share them."""
        task = pairs[0][1]
        groups: dict[tuple, list[str]] = {}
        views: dict[tuple, View] = {}
        for script, host_task in pairs:
            view = View(script.windows, {})
            notify = tuple(topics[op] for op, asked in script.restart_policies.items()
                           if op in topics and host_task.policy in asked)
            probe = _script("task_script", task, view, "", [], self.command, "")
            key = (probe, notify)
            groups.setdefault(key, []).append(script.host)
            views.setdefault(key, view)
        entries = []
        for key, hosts in groups.items():
            suffix = "" if len(groups) == 1 else f".{hosts[0]}"
            entries += self._entries(task, views[key], hosts, list(key[1]), suffix, play_hosts)
        return entries

    def _entries(self, task: Task, view: View, hosts: list[str], notify: list[str], suffix: str,
                 play_hosts: list[str]) -> list[dict]:
        stem = f"{task.policy}/step{task.step}{suffix}"
        secrets = _secrets(task)
        native = _native(task)
        if native:
            module, args = native
            record = f"{stem}.record.ps1"
            self._file(record, _script("record_before", task, view, record.split("/")[-1], hosts, self.command,
                                       "the before-value record"))
            self.out.modules.update({"ansible.windows.win_powershell", module})
            return [
                _task_entry(_step_name(task, " (before-value for rollback.ps1)"), "ansible.windows.win_powershell",
                            _powershell_args(record, [], False), task, hosts, play_hosts),
                _task_entry(_step_name(task), module, args, task, hosts, play_hosts, notify=notify),
            ]
        path = f"{stem}.ps1"
        text = _script("task_script", task, view, path.split("/")[-1], hosts, self.command, "the task")
        self._file(path, text)
        self.out.modules.add("ansible.windows.win_powershell")
        advice = task.op.gives_advice(view.windows)
        for param in secrets:
            _, users, tags = self.out.secrets.setdefault(secret_variable(param), (param, [], []))
            users += [h for h in hosts if h not in users]
            tags += [t for t in _tags(task) if t not in tags]
        entries = [_task_entry(_step_name(task), "ansible.windows.win_powershell",
                               _powershell_args(path, secrets, task.op.uses_restart_switch), task, hosts, play_hosts,
                               secrets=secrets, notify=notify, register=ADVICE_VAR if advice else None)]
        if advice:
            self.out.modules.add("ansible.builtin.debug")
            entries.append(_task_entry(_step_name(task, " (the advice, to read)"), "ansible.builtin.debug",
                                       {"msg": "{{ %s['result']['message'] }}" % ADVICE_VAR}, task, hosts, play_hosts))
        return entries

    # -- restarts: handlers, once per host, after the tasks of the play (of each serial batch)
    def _handlers(self, role: str, scripts: list[HostScript], play_hosts: list[str]) -> tuple[dict, list]:
        found: dict = {}          # op -> (first task, policies, hosts)
        for script in scripts:
            for restart in script.restarts:
                if restart.op.role != role:
                    continue
                _, policies, hosts = found.setdefault(restart.op, (restart, [], []))
                policies += [p for p in script.restart_policies[restart.op] if p not in policies]
                hosts.append(script.host)
        topics, handlers = {}, []
        for n, (op, (task, policies, hosts)) in enumerate(found.items(), 1):
            topic = f"remediate {op.kind} {n}"
            topics[op] = topic
            handlers += self._handler(op, task, policies, hosts, topic)
        return topics, handlers

    def _handler(self, op, task: Task, policies: list[str], hosts: list[str], topic: str) -> list[dict]:
        if isinstance(op, RestartService):
            if not _HOST.fullmatch(op.service):
                raise UnsafeValue([Problem("(render)", None, "", f"service name {op.service!r}: not a service name")])
            # Restart-Service -Force, as the op template: dependent services are restarted too
            self.out.modules.add("ansible.windows.win_service")
            restart = {"name": _step_name(task), "ansible.windows.win_service": {
                "name": untemplated(op.service), "state": "restarted", "force_dependent_services": True}}
            self.out.handlers.append((", ".join(hosts), task.name, op.disruptive))
            if not op.disruptive:
                return [{**restart, "listen": topic}]
            self.out.modules.add("ansible.builtin.debug")
            message = (f"{task.name}: needed for the changes of policies {', '.join(policies)}, but not done: "
                       "it drops users' "
                       "sessions, so this playbook does it only with -e remediate_allow_restart=true. Running the "
                       "playbook again will not do it (nothing changes any more): restart it in a maintenance window, "
                       "e.g. ansible {{ inventory_hostname }} -i INVENTORY -m ansible.windows.win_service -a "
                       f"'name={op.service} state=restarted force_dependent_services=true'")
            return [{**restart, "when": ALLOW_RESTART, "listen": topic},
                    {"name": _step_name(task, " (restart not allowed)"),
                     "ansible.builtin.debug": {"msg": message},
                     "when": f"not ({ALLOW_RESTART})", "listen": topic}]
        if isinstance(op, RecycleAppPool):
            # Not microsoft.iis.web_app_pool state=restarted: it would start a stopped pool (and create a
            # missing one). The op template's own block recycles a started pool only.
            view = View("", {op: policies})
            path = f"{task.policy}/step{task.step}.ps1"
            text = _script("task_script", task, view, path.split("/")[-1], hosts, self.command, "the handler",
                              notified=policies)
            self._file(path, text)
            self.out.handlers.append((", ".join(hosts), task.name, False))
            return [{"name": _step_name(task), "ansible.windows.win_powershell": _powershell_args(path, [], False),
                     "listen": topic}]
        raise RuntimeError(f"no handler for {op.kind}")

    # -- passwords: checked before any play changes anything
    def _secrets_play(self) -> dict:
        users_all = {h for _, users, _ in self.out.secrets.values() for h in users}
        hosts = [h for h in dict.fromkeys(h for role, _ in PLAYS for h in self.out.play_hosts.get(role, []))
                 if h in users_all]
        tasks = []
        for variable, (param, users, tags) in sorted(self.out.secrets.items()):
            when = _when([h for h in hosts if h in users], hosts)
            tasks.append({
                "name": f"Check that {variable} is set (policy {param.policy})",
                "ansible.builtin.assert": {
                    "that": Flow([f"{variable} is defined"]),
                    "fail_msg": f"{variable} is not set: put the password of policy {param.policy}, encrypted with "
                                f"ansible-vault, in {SECRETS_FILE} next to site.yml, or in your inventory "
                                "(README.md says how)",
                    "quiet": True},
                "when": ["not ansible_check_mode", *([when] if when else [])],
                "tags": Flow(tags)})
        self.out.modules.add("ansible.builtin.assert")
        return {"name": "Check that the passwords the steps need are set (not needed in check mode)",
                "hosts": Flow(hosts), "gather_facts": False, "tasks": tasks}

    def _file(self, path: str, text: str) -> None:
        self.out.files[f"{FOLDER}/files/{path}"] = text.encode("utf-8")


def _site(export: Export, plans: list[Plan], command: str, inventory: str) -> str:
    header = ["remediate: the Ansible export of the plans (generated: render again rather than edit it)",
              f"Regenerate: {command}",
              f"Inventory: {inventory} (yours, not copied): ansible-playbook -i {inventory} ... (README.md)",
              "Plays: domain hosts, then resource servers, then IIS hosts; serial: -e remediate_serial=N "
              f"(default {SERIAL_DEFAULT}); disruptive restarts only with -e remediate_allow_restart=true.",
              "Tasks are tagged with their policy, strategy and step<N>."]
    for plan in plans:
        state = (f"strategy {plan.strategy.id}" if plan.strategy else
                 "satisfied: nothing to change" if plan.verdict.satisfied else "infeasible: nothing to run")
        header.append(f"  policy {plan.policy.name}: {state}")
    if export.left_out:
        header += ["", "Left out of this playbook: run these by hand (README.md says how):"]
        header += [f"  {left.host}: ../{left.file}: {left.why}" for left in export.left_out]
    plays = export.plays or [{
        "name": "Nothing for Ansible to run here (README.md)", "hosts": "localhost", "gather_facts": False,
        "tasks": [{"name": "Say that no step runs on a host with Windows PowerShell 5.1",
                   "ansible.builtin.debug": {"msg": "Nothing for Ansible to run: see README.md next to site.yml"}}]}]
    spaced: list = []
    for play in plays:
        spaced += [Comment(""), play]
    return dump_yaml(spaced, header)


def _secrets_stub(export: Export) -> str:
    header = ["Passwords for site.yml, one variable per policy that sets one. No secret is written here: each",
              "value is a placeholder that fails the run until it is replaced. Replace it with the output of",
              "  ansible-vault encrypt_string --vault-id remediate@prompt --stdin-name VARIABLE",
              "(or define the variable, encrypted, in your inventory and delete it here: variables in this file",
              "take precedence over your inventory's group_vars/all, not over its other group_vars or host_vars)."]
    data: dict = {}
    for variable, (param, hosts, _) in sorted(export.secrets.items()):
        data[Comment(f"policy {param.policy}, hosts {', '.join(hosts)}; remediate apply reads it from "
                     f"{param.ref.describe()}")] = None
        hint = f"{variable} is a placeholder: replace it with the password encrypted by ansible-vault ({SECRETS_FILE})"
        data[variable] = "{{ undef(hint=%s) }}" % json.dumps(hint).replace('"', "'")
    return dump_yaml(data, header)


def ansible_files(plans: list[Plan], command: str, inventory: str, output: str) -> dict[str, bytes]:
    """Every file of `DIR/ansible/`, by path relative to DIR (rendered in memory: a bad value stops
    the run before anything is written)."""
    export = Builder(plans, command).build()
    files = dict(sorted(export.files.items()))
    files[f"{FOLDER}/site.yml"] = _site(export, plans, command, inventory).encode("utf-8")
    if export.secrets:
        files[f"{FOLDER}/{SECRETS_FILE}"] = _secrets_stub(export).encode("utf-8")
    playbook = f"{output.rstrip('/')}/{FOLDER}/site.yml"
    vault = " --vault-id remediate@prompt" if export.secrets else ""
    base = f"ansible-playbook -i {shlex.quote(inventory)} {shlex.quote(playbook)}{vault}"
    readme = render("ansible/README.md.j2", export=export, plans=plans, command=command, inventory=inventory,
                    playbook=playbook, check=f"{base} --check --diff", run=f"{base} --diff",
                    secrets_file=SECRETS_FILE, serial=SERIAL_DEFAULT, plays=PLAYS,
                    variables=sorted(export.secrets.items()))
    files[f"{FOLDER}/README.md"] = readme.encode("utf-8")
    return files
