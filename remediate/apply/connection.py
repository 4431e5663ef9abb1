"""WinRM connection settings per host, read from its inventory variables as Ansible reads them.

Names, defaults and choices follow ansible-core's winrm connection plugin
(`lib/ansible/plugins/connection/winrm.py`, DOCUMENTATION and `_build_winrm_kwargs`) and
pywinrm's `Protocol`/`Transport`, so an inventory that works with `ansible -m win_ping`
means the same here:

- an option read from several variables takes the LAST one set (`ConfigManager._loop_entries`):
  address from the inventory name, `ansible_host`, `ansible_winrm_host`; user from
  `ansible_user`, `ansible_winrm_user`; password from `ansible_password`,
  `ansible_winrm_pass`, `ansible_winrm_password`; port from `ansible_port`,
  `ansible_winrm_port` (default 5986);
- scheme: `ansible_winrm_scheme`, else http when the port is 5985 and https otherwise;
- transport: `ansible_winrm_transport`, a list or a comma-separated text, tried in order;
  unset means kerberos for a `user@domain` name, else Basic (pywinrm's `ssl`/`plaintext`);
  `ssl` is certificate auth when a client certificate is given, else Basic;
- `ansible_winrm_connection_timeout` sets operation = T and read = T + 10, over the
  `_sec` variables; pywinrm requires read > operation >= 1;
- `ansible_winrm_*` names that pywinrm's Protocol takes but remediate does not apply, and
  unknown ones, are warned about (Ansible warns about the unknown ones).

Templating: only Ansible's secret forms are evaluated, `{{ lookup('env', 'NAME') }}`,
`{{ lookup('file', 'PATH') }}` and `{{ variable }}` (recursively, loops refused); any
other `{{ }}`, `{% %}` or `{# #}` is an input error, never a literal. As Ansible's env
lookup, the name is the first word; unlike it (it gives ''), an unset variable is an
error. As Ansible's file lookup (`find_file_in_search_path` -> `path_dwim_relative_stack`),
a relative PATH is found in `<base>/files/PATH`, then `<base>/PATH`, where base is the
playbook folder for `ansible-playbook` and the current folder for ad-hoc `ansible`; it is
never the inventory's folder. remediate has no playbook, so base is the current folder
(or `base_dir`). Trailing whitespace is stripped (the lookup's `rstrip` default). Values
that come out of env, file or vault are data and are not templated again.

A password written in clear in an unencrypted inventory file is refused unless
`allow_literal_secrets`: it must come from ansible-vault (inline or a whole vaulted
file), an env or file lookup, or `--ask-pass`.
"""

from __future__ import annotations

import dataclasses
import difflib
import ipaddress
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Literal, cast

from remediate.core.errors import InputError, Problem
from remediate.core.yamlsource import VaultText, YamlDocument, parse_yaml
from remediate.inventory import Inventory, inventory_files, vars_files
from remediate.inventory.vault import HEADER, VaultSecrets

Transport = Literal["ntlm", "kerberos", "credssp", "basic", "certificate"]
TRANSPORTS: tuple[Transport, ...] = ("ntlm", "kerberos", "credssp", "basic", "certificate")
SCHEMES = ("http", "https")
CertValidation = Literal["validate", "ignore"]
MessageEncryption = Literal["auto", "always", "never"]
CERT_VALIDATION: tuple[CertValidation, ...] = ("validate", "ignore")
MESSAGE_ENCRYPTION: tuple[MessageEncryption, ...] = ("auto", "always", "never")
DEFAULT_PORT, HTTP_PORT = 5986, 5985
DEFAULT_OPERATION_TIMEOUT, DEFAULT_READ_TIMEOUT = 20, 30  # pywinrm's Protocol defaults
_PASSWORD_TRANSPORTS = ("basic", "ntlm", "credssp")

_VARS: dict[str, tuple[str, ...]] = {
    "address": ("ansible_host", "ansible_winrm_host"),
    "user": ("ansible_user", "ansible_winrm_user"),
    "password": ("ansible_password", "ansible_winrm_pass", "ansible_winrm_password"),
    "port": ("ansible_port", "ansible_winrm_port"),
    "scheme": ("ansible_winrm_scheme",),
    "path": ("ansible_winrm_path",),
    "transport": ("ansible_winrm_transport",),
    "cert_validation": ("ansible_winrm_server_cert_validation",),
    "ca_trust_path": ("ansible_winrm_ca_trust_path",),
    "cert_pem": ("ansible_winrm_cert_pem",),
    "cert_key_pem": ("ansible_winrm_cert_key_pem",),
    "operation_timeout": ("ansible_winrm_operation_timeout_sec",),
    "read_timeout": ("ansible_winrm_read_timeout_sec",),
    "connection_timeout": ("ansible_winrm_connection_timeout",),
    "message_encryption": ("ansible_winrm_message_encryption",),
    "kinit_mode": ("ansible_winrm_kinit_mode",),
    "kinit_cmd": ("ansible_winrm_kinit_cmd",),
    "kinit_args": ("ansible_winrm_kinit_args",),
    "kinit_env_vars": ("ansible_winrm_kinit_env_vars",),
}
_KNOWN = {name for names in _VARS.values() for name in names if name.startswith("ansible_winrm_")}
# Valid for Ansible (plugin options, pywinrm Protocol arguments) but not applied by remediate.
_NOT_APPLIED = {f"ansible_winrm_{name}" for name in (
    "realm", "service", "keytab", "kerberos_delegation", "kerberos_hostname_override", "credssp_disable_tlsv1_2",
    "send_cbt", "proxy")}

_EXPRESSION = re.compile(r"{{(.*?)}}", re.S)
_VARIABLE = re.compile(r"\s*([A-Za-z_]\w*)\s*")
_LOOKUP = re.compile(r"""\s*lookup\(\s*(['"])(?:ansible\.builtin\.)?(env|file)\1\s*,"""
                     r"""\s*(?:'([^']*)'|"([^"]*)")\s*\)\s*""")
_FORMS = "only {{ lookup('env', 'NAME') }}, {{ lookup('file', 'PATH') }} and {{ variable }} are evaluated"

Prompt = Callable[[str], str]


@dataclass(frozen=True, repr=False)
class Connection:
    """How to reach one host over WinRM; `password` never shows in repr."""

    host: str
    address: str
    port: int
    scheme: str
    transport: Transport
    """The first of `transports`, the one to use."""
    user: str | None
    password: str | None
    cert_validation: CertValidation
    ca_trust_path: str | None
    cert_pem: str | None
    cert_key_pem: str | None
    operation_timeout: int
    read_timeout: int
    message_encryption: MessageEncryption
    path: str
    warnings: tuple[str, ...] = ()
    transports: tuple[Transport, ...] = ()
    """Every transport listed, in the order Ansible tries them."""
    kinit_mode: str | None = None
    kinit_cmd: str = "kinit"
    kinit_args: str | None = None
    kinit_env_vars: tuple[str, ...] = ()

    @property
    def kinit_managed(self) -> bool:
        """Remediate gets the Kerberos ticket (Ansible's kinit_mode managed: the default with a password)."""
        return self.transport == "kerberos" and (
            self.kinit_mode == "managed" or (self.kinit_mode is None and bool(self.password)))

    @property
    def url(self) -> str:
        """The WS-Man endpoint, an IPv6 address in brackets (as Ansible's `_winrm_connect`)."""
        try:
            address = f"[{ipaddress.IPv6Address(self.address)}]"
        except ValueError:
            address = self.address
        return f"{self.scheme}://{address}:{self.port}{self.path}"

    def __repr__(self) -> str:
        shown = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        if shown["password"] is not None:
            shown["password"] = "********"
        return "Connection(" + ", ".join(f"{k}={v!r}" for k, v in shown.items()) + ")"


def connections(inventory: Inventory, hosts: Sequence[str], *, ask_pass: Prompt | None = None,
                secrets: VaultSecrets | None = None, allow_literal_secrets: bool = False,
                operation_timeout: int = DEFAULT_OPERATION_TIMEOUT, read_timeout: int = DEFAULT_READ_TIMEOUT,
                base_dir: Path | None = None, environ: Mapping[str, str] | None = None) -> list[Connection]:
    """Every host's Connection; all problems raised together, then `ask_pass` asked once (`--ask-pass`)
    for the hosts without a password, so one bad host never costs the user a prompt."""
    origins = _Origins(inventory, secrets)
    problems: list[Problem] = []
    result: list[Connection] = []
    for host in hosts:
        try:
            result.append(connection_for(inventory, host, secrets=secrets, allow_literal_secrets=allow_literal_secrets,
                                         operation_timeout=operation_timeout, read_timeout=read_timeout,
                                         base_dir=base_dir, environ=environ, _origins=origins))
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError(list(dict.fromkeys(problems)))  # a group's bad variable once, not per host
    lacking = [i for i, c in enumerate(result) if c.password is None and c.transport != "certificate"
               and not (c.transport == "kerberos" and c.kinit_mode == "manual")]
    if lacking and ask_pass is not None:
        password = ask_pass("WinRM password: ")
        for i in lacking:
            result[i] = dataclasses.replace(result[i], password=password)
    missing = [c.host for c in result if (c.password is None and c.transport in _PASSWORD_TRANSPORTS)
               or (c.transport == "kerberos" and c.kinit_mode == "managed" and not c.password)]
    if missing:
        raise InputError([Problem(inventory.source, None, "ansible_password",
                                  f"no password for {', '.join(missing)} ({'/'.join(_PASSWORD_TRANSPORTS)} and "
                                  "kerberos with kinit_mode managed need one): set ansible_password from ansible-vault "
                                  "or a lookup, or use --ask-pass")])
    nameless = [c.host for c in result if c.kinit_managed and not c.user]
    if nameless:
        raise InputError([Problem(inventory.source, None, "ansible_user", (
            f"is not set for {', '.join(nameless)}: with a password, remediate runs kinit for ansible_user "
            "(user@REALM)"))])
    kerberos = [c for c in result if c.transport == "kerberos"]
    if any(c.kinit_managed for c in kerberos) and not all(c.kinit_managed for c in kerberos):
        mine = ", ".join(c.host for c in kerberos if not c.kinit_managed)
        raise InputError([Problem(inventory.source, None, "ansible_winrm_kinit_mode", (
            f"in one run, remediate gets the Kerberos tickets of every kerberos host or of none: {mine} would use "
            "your own tickets (no password, or kinit_mode manual) while others have a password; give them all a "
            "password, or set ansible_winrm_kinit_mode: manual for all and run kinit first"))])
    return result


def connection_for(inventory: Inventory, host: str, *, secrets: VaultSecrets | None = None,
                   allow_literal_secrets: bool = False, operation_timeout: int = DEFAULT_OPERATION_TIMEOUT,
                   read_timeout: int = DEFAULT_READ_TIMEOUT, base_dir: Path | None = None,
                   environ: Mapping[str, str] | None = None, _origins: _Origins | None = None) -> Connection:
    """One host's Connection (password None when it has none); every problem found raised together."""
    r = _Resolver(inventory, host, secrets, _origins or _Origins(inventory, secrets),
                  base_dir or Path.cwd(), os.environ if environ is None else environ)
    address = r.text("address") or host
    port = r.integer("port", DEFAULT_PORT, low=1, high=65535)
    scheme = r.choice("scheme", SCHEMES, "http" if port == HTTP_PORT else "https")
    user = r.text("user")
    password = r.password(allow_literal_secrets)
    cert_pem, cert_key_pem = r.text("cert_pem"), r.text("cert_key_pem")
    transports = r.transports(user, bool(cert_pem or cert_key_pem))
    timeouts = r.timeouts(operation_timeout, read_timeout)
    # choice() returns one of the given values (or the default), so the casts only name the type
    cert_validation = cast(CertValidation, r.choice("cert_validation", CERT_VALIDATION, "validate"))
    message_encryption = cast(MessageEncryption, r.choice("message_encryption", MESSAGE_ENCRYPTION, "auto"))
    path = r.text("path") or "/wsman"
    ca_trust_path = r.text("ca_trust_path")
    r.check(scheme, transports, user, cert_pem, cert_key_pem, message_encryption)
    kinit_mode = r.choice("kinit_mode", ("managed", "manual"), "") or None
    if transports[0] == "kerberos" and password and kinit_mode == "manual":
        r.warnings.append(str(r.problem("ansible_password", (
            "is not used with ansible_winrm_kinit_mode manual: pywinrm takes the ticket for ansible_user from your "
            "Kerberos credential cache (run kinit first)"))))
    kinit_cmd, kinit_args = r.text("kinit_cmd") or "kinit", r.text("kinit_args")
    kinit_env_vars = r.names("kinit_env_vars")
    r.warn_names()
    r.raise_problems()
    return Connection(host=host, address=address, port=port, scheme=scheme, transport=transports[0],
                      transports=tuple(transports), user=user, password=password, ca_trust_path=ca_trust_path,
                      cert_pem=cert_pem, cert_key_pem=cert_key_pem, operation_timeout=timeouts[0],
                      read_timeout=timeouts[1], path=path if path.startswith("/") else "/" + path,
                      warnings=tuple(r.warnings), cert_validation=cert_validation,
                      message_encryption=message_encryption, kinit_mode=kinit_mode, kinit_cmd=kinit_cmd,
                      kinit_args=kinit_args, kinit_env_vars=kinit_env_vars)


def _last_line_ending(doc: YamlDocument, tail: tuple) -> int | None:
    """The line of the last key path in `doc` that ends with `tail` (an inventory file's host var)."""
    return next((line for path, line in reversed(doc.lines.items()) if path[-3:] == tail), None)


@dataclass(frozen=True)
class _Origin:
    file: str
    line: int | None
    vaulted: bool


class _Origins:
    """Where a host's variable was written, so messages point at the file and line and a
    password from a vaulted file is told apart from one written in clear.

    Walks the layers of `Inventory.host_vars` from the highest precedence down."""

    def __init__(self, inventory: Inventory, secrets: VaultSecrets | None):
        self.inventory, self.secrets = inventory, secrets
        root = Path(inventory.source)
        self.base = root if root.is_dir() else root.parent
        self.files = [root] if not root.is_dir() else list(inventory_files(root))
        self._parsed: dict[Path, tuple[str, YamlDocument | None, bool]] = {}

    def of(self, host: str, key: str) -> _Origin:
        inv = self.inventory
        groups = sorted((inv.groups[g] for g in inv.groups_of(host) if g != "all"),
                        key=lambda g: (g.depth, g.priority, g.name))
        top, everyone = inv.host_data[host], inv.groups["all"]
        layers: list[tuple[dict[str, object], Path | None, tuple[str, ...]]] = [
            (top.file_vars, self.base / "host_vars" / host, ()), (top.vars, None, ("hosts", host, key)),
            *((g.file_vars, self.base / "group_vars" / g.name, ()) for g in reversed(groups)),
            (everyone.file_vars, self.base / "group_vars" / "all", ()),
            *((g.vars, None, (g.name, "vars", key)) for g in reversed(groups)),
            (everyone.vars, None, ("all", "vars", key))]
        for variables, folder, tail in layers:
            if key not in variables:
                continue
            if folder is not None:
                files = vars_files(folder.parent, folder.name)
                return self._find(files, key, lambda doc: doc.lines.get((key,)) if _has(doc, key) else None)
            return self._find(self.files, key, partial(_last_line_ending, tail=tail))
        return _Origin(inv.source, None, False)

    def _find(self, files: list[Path], key: str, line_in: Callable[[YamlDocument], int | None]) -> _Origin:
        """The last file defining `key` (later files win); INI by a `key=` text search."""
        for path in reversed(files):
            text, doc, vaulted = self._parse(path)
            if doc is not None and isinstance(doc.data, dict):
                line = line_in(doc)
                if line is not None:
                    return _Origin(str(path), line, vaulted)
            else:
                lines = [n for n, row in enumerate(text.splitlines(), 1)
                         if re.search(rf"(?:^|\s){re.escape(key)}\s*=", row)]
                if lines:
                    return _Origin(str(path), lines[0] if len(lines) == 1 else None, vaulted)
        return _Origin(str(files[-1]) if files else self.inventory.source, None,
                       bool(files) and self._parse(files[-1])[2])

    def _parse(self, path: Path) -> tuple[str, YamlDocument | None, bool]:
        if path not in self._parsed:
            try:
                text = path.read_text(encoding="utf-8-sig")
            except (OSError, UnicodeDecodeError):
                text = ""
            vaulted = text.startswith(HEADER)
            if vaulted and self.secrets:
                text = self.secrets.decrypt(text, str(path))
            try:
                doc: YamlDocument | None = parse_yaml(text, str(path))
            except InputError:
                doc = None
            self._parsed[path] = (text, doc, vaulted)
        return self._parsed[path]


def _has(doc: YamlDocument, key: str) -> bool:
    return isinstance(doc.data, dict) and key in doc.data


class _Resolver:
    """One host's variables resolved and converted; problems gathered, not raised one by one."""

    def __init__(self, inventory: Inventory, host: str, secrets: VaultSecrets | None, origins: _Origins,
                 base_dir: Path, environ: Mapping[str, str]):
        self.host, self.secrets, self.origins = host, secrets, origins
        self.base_dir, self.environ = base_dir, environ
        self.vars = inventory.host_vars(host)
        self.magic = {"inventory_hostname": host, "inventory_hostname_short": host.split(".")[0]}
        self.problems: list[Problem] = []
        self.warnings: list[str] = []
        self.failed: set[str] = set()
        """Fields whose variable could not be resolved, so no second problem is made of them."""

    def problem(self, key: str, message: str) -> Problem:
        """Located at the variable's file and line; a command-line option at "command line"."""
        if key.startswith("--"):
            return Problem("command line", None, key, message)
        origin = (self.origins.of(self.host, key) if key in self.vars
                  else _Origin(self.origins.inventory.source, None, False))
        return Problem(origin.file, origin.line, key, message)

    def has(self, field: str) -> bool:
        return any(self.vars.get(name) is not None for name in _VARS[field])

    def fail(self, key: str, message: str) -> InputError:
        return InputError([self.problem(key, message)])

    def raise_problems(self) -> None:
        if self.problems:
            raise InputError(self.problems)

    # -- reading -----------------------------------------------------------------------

    def setting(self, field: str) -> tuple[str | None, object, str | None]:
        """(variable name, resolved value, key holding clear text) of the last variable set for `field`."""
        names = [n for n in _VARS[field] if self.vars.get(n) is not None]
        if not names:
            return None, None, None
        try:
            value, plain = self.resolve(names[-1])
        except InputError as exc:
            self.problems.extend(exc.problems)
            self.failed.add(field)
            return names[-1], None, None
        return names[-1], value, plain

    def resolve(self, key: str, chain: tuple[str, ...] = ()) -> tuple[object, str | None]:
        """A variable's value with its templates evaluated, and the key of any clear text in it."""
        if key in chain:
            raise self.fail(chain[0], "variables refer to each other in a loop: " + " -> ".join((*chain, key)))
        if key not in self.vars:
            if key in self.magic:
                return self.magic[key], None
            raise self.fail(chain[-1], f"refers to {key!r}, which is not defined for host {self.host}")
        return self._value(self.vars[key], key, (*chain, key))

    def _value(self, value: object, key: str, chain: tuple[str, ...]) -> tuple[object, str | None]:
        if isinstance(value, VaultText):
            origin = self.origins.of(self.host, key)
            if not self.secrets:
                raise InputError([Problem(origin.file, origin.line, key, "this value is encrypted with "
                                          "ansible-vault; give --vault-password-file or --ask-vault-pass")])
            return self.secrets.decrypt(value, origin.file, origin.line, key), None
        if isinstance(value, list):
            items = [self._value(item, key, chain) for item in value]
            return [v for v, _ in items], next((p for _, p in items if p), None)
        literal = None if self.origins.of(self.host, key).vaulted else key
        if not isinstance(value, str):
            return value, literal
        if "{%" in value or "{#" in value:
            raise self.fail(key, f"Jinja statements and comments are not evaluated; {_FORMS}")
        parts = _EXPRESSION.split(value)
        if len(parts) == 3 and parts[0] == parts[2] == "":
            return self._expression(parts[1], key, chain)  # keeps the referenced value's type
        pieces: list[str] = []
        plain: str | None = None
        for i, part in enumerate(parts):
            if i % 2 == 0:
                pieces.append(part)
                plain = plain or (literal if part else None)
            else:
                resolved, part_plain = self._expression(part, key, chain)
                pieces.append(str(resolved))
                plain = plain or part_plain
        return "".join(pieces), plain

    def _expression(self, expression: str, key: str, chain: tuple[str, ...]) -> tuple[object, str | None]:
        if match := _VARIABLE.fullmatch(expression):
            return self.resolve(match.group(1), chain)
        lookup = _LOOKUP.fullmatch(expression)
        if lookup is None:
            raise self.fail(key, f"`{{{{{expression}}}}}` is not evaluated and is never used as text; {_FORMS}")
        kind, term = lookup.group(2), lookup.group(3) if lookup.group(3) is not None else lookup.group(4)
        if kind == "env":
            name = term.split()[0] if term.split() else ""
            if name not in self.environ:
                raise self.fail(key, f"environment variable {name!r} is not set (Ansible would use '')")
            return self.environ[name], None
        return self._file(term, key), None

    def _file(self, term: str, key: str) -> str:
        path = Path(os.path.expanduser(term))
        if path.is_absolute():
            candidates = [path]
        else:
            candidates = [] if term.split("/")[0] == "files" else [self.base_dir / "files" / term]
            candidates.append(self.base_dir / term)
        for candidate in candidates:
            if candidate.is_file():
                try:
                    return candidate.read_text(encoding="utf-8").rstrip()
                except (OSError, UnicodeDecodeError) as exc:
                    raise self.fail(key, f"lookup('file', {term!r}): cannot read {candidate}: {exc}") from None
        raise self.fail(key, f"lookup('file', {term!r}) found no file; looked at "
                             f"{', '.join(str(c) for c in candidates)} (relative paths are found from "
                             "the current folder, as Ansible's ad-hoc commands find them)")

    # -- converting --------------------------------------------------------------------

    def text(self, field: str) -> str | None:
        name, value, _ = self.setting(field)
        if value is None or isinstance(value, str):
            return value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
        self.problems.append(self.problem(name or field, f"must be text, not {type(value).__name__}"))
        return None

    def password(self, allow_literal: bool) -> str | None:
        name, value, plain = self.setting("password")
        if value is not None and plain and not allow_literal:
            self.problems.append(self.problem(plain, (
                "a password written in clear in the inventory is refused: encrypt it with ansible-vault "
                "(ansible-vault encrypt_string, or a vaulted group_vars/host_vars file), read it with "
                "{{ lookup('env', 'NAME') }}, use --ask-pass, or pass --allow-literal-secrets")))
            return None
        if value is None or isinstance(value, str):
            return value
        return self.text("password")

    def names(self, field: str) -> tuple[str, ...]:
        """Ansible's `list` of names: a list, or comma-separated text."""
        name, value, _ = self.setting(field)
        items = value.split(",") if isinstance(value, str) else value if isinstance(value, list) else []
        if value is not None and not (isinstance(value, (str, list)) and all(isinstance(i, str) for i in items)):
            self.problems.append(self.problem(name or field, "must be a list of names, or names separated by commas"))
            return ()
        return tuple(i.strip() for i in items if i.strip())

    def integer(self, field: str, default: int, low: int, high: int | None = None) -> int:
        name, value, _ = self.setting(field)
        if value is None:
            return default
        number = _as_int(value)
        if number is None or number < low or (high is not None and number > high):
            limits = f"from {low} to {high}" if high else f"{low} or more"
            self.problems.append(self.problem(name or field, f"must be a whole number {limits}, not {value!r}"))
            return default
        return number

    def choice(self, field: str, allowed: tuple[str, ...], default: str) -> str:
        name, value, _ = self.setting(field)
        if value is None:
            return default
        if value not in allowed:
            self.problems.append(self.problem(name or field, f"{value!r} is not one of {', '.join(allowed)}"))
            return default
        return str(value)

    def transports(self, user: str | None, client_cert: bool) -> list[Transport]:
        """As Ansible: a list or comma-separated text; unset -> kerberos for user@domain, else Basic."""
        name, value, _ = self.setting("transport")
        if value is None:
            return ["kerberos"] if user and "@" in user else ["certificate" if client_cert else "basic"]
        known: dict[str, Transport] = {t: t for t in TRANSPORTS}
        items = [item.strip() for item in value.split(",")] if isinstance(value, str) else value
        if not isinstance(items, list) or not items:
            self.problems.append(self.problem(name or "transport",
                                              f"must be one of {', '.join(TRANSPORTS)} or a list of them"))
            return ["basic"]
        aliases = {"plaintext": "basic", "ssl": "certificate" if client_cert else "basic"}
        result = [aliases.get(item, item) for item in items if isinstance(item, str)]
        bad = [item for item in items if not isinstance(item, str) or aliases.get(item, item) not in TRANSPORTS]
        if bad:
            self.problems.append(self.problem(name or "transport", f"unknown transport {', '.join(map(repr, bad))}; "
                                              f"use {', '.join(TRANSPORTS)} (or pywinrm's ssl, plaintext)"))
        return [known[t] for t in result if t in known] or ["basic"]

    def timeouts(self, operation: int, read: int) -> tuple[int, int]:
        """(operation, read); `ansible_winrm_connection_timeout` T wins with (T, T + 10), as in Ansible."""
        op_name, read_name = "--operation-timeout", "--read-timeout"
        if self.has("connection_timeout"):
            operation = self.integer("connection_timeout", operation, low=1)
            return operation, operation + 10
        if self.has("operation_timeout"):
            op_name, operation = _VARS["operation_timeout"][0], self.integer("operation_timeout", operation, low=1)
        if self.has("read_timeout"):
            read_name, read = _VARS["read_timeout"][0], self.integer("read_timeout", read, low=1)
        if operation < 1:
            self.problems.append(self.problem(op_name, "must be 1 second or more"))
        elif read <= operation:
            blame = read_name if read_name.startswith("ansible_") else op_name
            self.problems.append(self.problem(blame, f"the read timeout ({read}s, {read_name}) must be longer than "
                                                     f"the operation timeout ({operation}s, {op_name}), as pywinrm "
                                                     "requires"))
        return operation, read

    def check(self, scheme: str, transports: Sequence[str], user: str | None, cert_pem: str | None,
              cert_key_pem: str | None, encryption: str) -> None:
        """Refuse what would be insecure or cannot work, before any connection is tried."""
        key = "ansible_winrm_transport"
        chosen = "" if self.has("transport") else (
            " (ansible_winrm_transport is not set, and Ansible then chooses Basic for a user without @domain)")
        if scheme == "http" and "basic" in transports:
            self.problems.append(self.problem(key, "Basic over HTTP is refused: credentials would cross the network "
                                                   f"in clear; use https or ntlm/kerberos{chosen}"))
        if "certificate" in transports:
            if scheme != "https":
                self.problems.append(self.problem(key, "certificate authentication needs https: the client "
                                                       "certificate is presented in the TLS handshake"))
            if not (cert_pem and cert_key_pem):
                self.problems.append(self.problem(key, "certificate authentication needs both "
                                                       "ansible_winrm_cert_pem and ansible_winrm_cert_key_pem"))
        if not user and "user" not in self.failed and any(t in _PASSWORD_TRANSPORTS for t in transports):
            self.problems.append(self.problem("ansible_user", f"is not set for host {self.host}; "
                                                              f"{'/'.join(_PASSWORD_TRANSPORTS)} need a user"))
        if encryption == "always" and any(t in ("basic", "certificate") for t in transports):
            self.problems.append(self.problem("ansible_winrm_message_encryption", "'always' needs ntlm, kerberos or "
                                              "credssp; Basic and certificate cannot encrypt messages (use https)"))
        if encryption == "never" and scheme == "http":
            self.warnings.append(str(self.problem("ansible_winrm_message_encryption", (
                "'never' over http: scripts and the secrets sent to them cross the network in clear"))))

    def warn_names(self) -> None:
        """Ansible warns about ansible_winrm_* names pywinrm does not take; so do we, and about those not applied."""
        connection = self.vars.get("ansible_connection")
        if connection not in (None, "winrm"):
            self.warnings.append(str(self.problem("ansible_connection", (
                f"is {connection!r}; remediate always connects with WinRM and reads only the ansible_winrm_* "
                "settings"))))
        for name in sorted(n for n in self.vars if n.startswith("ansible_winrm_") and n not in _KNOWN):
            if name in _NOT_APPLIED:
                message = "is valid for Ansible but not applied by remediate"
            else:
                close = difflib.get_close_matches(name, sorted(_KNOWN | _NOT_APPLIED), n=1)
                message = "is not a WinRM setting Ansible knows" + (f"; did you mean {close[0]}?" if close else "")
            self.warnings.append(str(self.problem(name, message)))


def _as_int(value: object) -> int | None:
    """Ansible's `int` option type: an int, or text of a whole number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None
