"""The access policy (format version 1): model, loading and validation (policy.md A and E).

Loading is two passes. Pydantic checks the shape (keys, types, enumerations); then the
rules that depend on the IIS version and on several fields at once are checked here.
Every problem of every file is collected, each with file, line and dotted key, and raised
as one InputError, so nothing is planned from a half-valid set of policies.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr, StrictBool, StrictStr,
                      ValidationError, field_validator)

from . import accounts
from .errors import InputError, Problem
from .versions import IIS_VERSIONS, WINDOWS_VERSIONS, has_app_pools, has_password_sync, iis_at_least
from .yamlsource import PathKey, YamlDocument, dotted, load_yaml

STRATEGY_IDS = (
    "keep-local", "audit-logons", "logon-method", "disable-password-sync", "app-pool-identity",
    "vdir-connect-as", "complus-identity", "domain-anonymous-account", "mirrored-local-account",
    "basic-auth", "kerberos-delegation", "thread-impersonation", "null-session-share",
    "null-session-pipe",
)

Authentication = Literal["anonymous", "basic", "ntlm", "negotiate", "digest", "client-certificate"]
LogonMethod = Literal["interactive", "batch", "network", "network-cleartext"]
Isolation = Literal["in-process", "out-of-process", "pooled"]
Allowance = Literal["allowed", "forbidden"]
BUILTIN_POOL_IDENTITIES = ("LocalSystem", "LocalService", "NetworkService", "ApplicationPoolIdentity")

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_DRIVE = re.compile(r"^[A-Za-z]:")


def _version_text(value: object) -> object:
    """`version: 7.5` written as a YAML number is read as the text "7.5" (policy.md E)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return f"{float(value):.1f}"
    return value


def _no_control(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("control characters (line breaks, tabs, NUL) are not allowed in names")
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SecretRef(_Strict):
    """Where a password comes from at apply time; the plan never reads it."""

    env: StrictStr | None = None
    file: StrictStr | None = None
    prompt: StrictBool | None = None
    literal: StrictStr | None = Field(default=None, exclude=True, repr=False)

    def describe(self) -> str:
        if self.env:
            return f"environment variable {self.env}"
        if self.file:
            return f"file {self.file}"
        if self.literal is not None:
            return "a literal value in the policy"
        return "a prompt when the script runs"


class Iis(_Strict):
    host: StrictStr
    version: Annotated[Literal[IIS_VERSIONS], BeforeValidator(_version_text)]  # type: ignore[valid-type]
    site: StrictStr | int = "Default Web Site"
    path: StrictStr = "/"
    authentication: Authentication
    runs_as: Literal["request", "process"] = "request"
    anonymous_account: StrictStr | None = None
    password_sync: StrictBool | None = None
    logon_method: LogonMethod | None = None
    isolation: Isolation | None = None
    app_pool: StrictStr | None = None
    app_pool_identity: StrictStr | None = None
    domain: StrictStr | None = None
    workgroup: StrictBool = False
    domain_controller: StrictBool = False
    ssl: StrictBool = False

    _names = field_validator("host", "path", "anonymous_account", "app_pool", "app_pool_identity",
                             "domain")(lambda v: v if v is None else _no_control(v))

    @field_validator("site")
    @classmethod
    def _site(cls, value: str | int) -> str | int:
        return _no_control(value) if isinstance(value, str) else value

    @field_validator("path")
    @classmethod
    def _path(cls, value: str) -> str:
        if not value.startswith("/") or "\\" in value or "//" in value:
            raise ValueError("a virtual path such as /reports or / (forward slashes, no empty segments)")
        return value

    @property
    def location(self) -> str:
        """IIS 7+ `-Location` form: `Default Web Site/reports` (no leading slash)."""
        return f"{self.site}{self.path.rstrip('/')}" if self.path != "/" else f"{self.site}"


class Resource(_Strict):
    kind: Literal["unc-share", "named-pipe", "sql-server"]
    path: StrictStr
    host: StrictStr | None = None
    os: Annotated[Literal[WINDOWS_VERSIONS], BeforeValidator(lambda v: str(v) if isinstance(v, int) else v)] = "2016"  # type: ignore[valid-type]
    used_for: Literal["application", "content"] = "application"
    access: Literal["read", "change", "full"] = "read"
    component: StrictStr | None = None
    sql_login: Literal["windows", "sql"] | None = None
    null_session_shares: list[StrictStr] | None = None
    null_session_pipes: list[StrictStr] | None = None
    local_accounts: list[StrictStr] = []

    _names = field_validator("host", "component")(lambda v: v if v is None else _no_control(v))

    @field_validator("null_session_shares", "null_session_pipes", "local_accounts")
    @classmethod
    def _entries(cls, value: list[str] | None) -> list[str] | None:
        for item in value or []:
            _no_control(item)
            if not item.strip():
                raise ValueError("empty entry; give share, pipe or account names")
        return value

    @field_validator("path")
    @classmethod
    def _unc(cls, value: str) -> str:
        if _DRIVE.match(value):
            raise ValueError("drive letters are not allowed (the article: use UNC names); "
                             "allowed: \\\\server\\share[\\dir...]")
        if "/" in value:
            raise ValueError("forward slashes are not allowed; allowed: \\\\server\\share[\\dir...]")
        _no_control(value)
        if not value.startswith("\\\\"):
            raise ValueError("not a UNC name; allowed: \\\\server\\share[\\dir...]")
        parts = value[2:].split("\\")
        if any(not p for p in parts):
            raise ValueError("empty path segment; allowed: \\\\server\\share[\\dir...]")
        return value

    @property
    def server(self) -> str:
        return self.path[2:].split("\\")[0]

    @property
    def segments(self) -> list[str]:
        return self.path[2:].split("\\")[1:]

    @property
    def share(self) -> str | None:
        """The share name of a unc-share (`\\\\fs01\\reports\\x` -> `reports`)."""
        return self.segments[0] if self.kind == "unc-share" else None

    @property
    def pipe(self) -> str | None:
        """The pipe name as NullSessionPipes lists it, without `\\pipe\\`; SQL's default is sql\\query."""
        if self.kind == "unc-share":
            return None
        segs = self.segments
        if not segs:
            return "sql\\query"
        return "\\".join(segs[1:])

    @property
    def server_host(self) -> str:
        """The inventory name of the resource's server: `host`, else the server in the path."""
        return self.host or self.server.lower()


class Access(_Strict):
    as_: Literal["end-user", "service-account", "anonymous", "none"] = Field(alias="as")
    account: StrictStr | None = None
    password: SecretRef | None = None

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    _names = field_validator("account")(lambda v: v if v is None else _no_control(v))

    @field_validator("password", mode="before")
    @classmethod
    def _secret(cls, value: object) -> object:
        if isinstance(value, str):
            return {"literal": value}
        if not isinstance(value, dict):
            raise ValueError("allowed: {env: NAME}, {file: PATH} or {prompt: true}")
        if isinstance(value, dict):
            if "literal" in value:
                raise ValueError("allowed: {env: NAME}, {file: PATH} or {prompt: true}")
            if len(value) != 1:
                raise ValueError("exactly one of {env: NAME}, {file: PATH} or {prompt: true}")
            if value.get("prompt") is False:
                raise ValueError("prompt must be true; allowed: {env: NAME}, {file: PATH} or {prompt: true}")
        return value


class Constraints(_Strict):
    domain_accounts: Allowance = "allowed"
    file_server_changes: Allowance = "allowed"
    null_sessions: Allowance = "forbidden"
    stored_credentials: Allowance = "allowed"
    code_changes: Allowance = "forbidden"
    authentication_change: Allowance = "forbidden"
    domain_changes: Allowance = "forbidden"

    def allows(self, need: str) -> bool:
        return getattr(self, need) == "allowed"


class Policy(_Strict):
    version: Literal[1]
    name: StrictStr
    iis: Iis
    resource: Resource
    access: Access
    constraints: Constraints = Constraints()
    domain_host: StrictStr | None = None
    prefer: list[Literal[STRATEGY_IDS]] = []  # type: ignore[valid-type]
    _source: str = PrivateAttr("")
    _lines: dict[str, int] = PrivateAttr(default_factory=dict)

    @property
    def source(self) -> str:
        """The file the policy came from."""
        return self._source

    _host = field_validator("domain_host")(lambda v: v if v is None else _no_control(v))

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError("lower-case letters, digits, '_' and '-', starting with a letter or digit")
        return value

    def line_of(self, key: str) -> int | None:
        """The line of a dotted key in the policy's file (for messages about it after loading)."""
        return self._lines.get(key)

    # Effective values (defaults that depend on the version and on other fields).
    @property
    def host_name(self) -> str:
        return self.iis.host.upper()

    @property
    def anonymous_account(self) -> str:
        if self.iis.anonymous_account is not None:
            return self.iis.anonymous_account
        return "IUSR" if iis_at_least(self.iis.version, "7.0") else f"IUSR_{self.host_name}"

    @property
    def password_sync(self) -> bool:
        """On by default on 4.0-5.1, except for a domain account, which cannot use it."""
        if not has_password_sync(self.iis.version):
            return False
        if self.iis.password_sync is not None:
            return self.iis.password_sync
        return not (self.is_domain(self.anonymous_account) and not self.iis.domain_controller)

    @property
    def logon_method(self) -> str:
        if self.iis.logon_method:
            return self.iis.logon_method
        return "network-cleartext" if iis_at_least(self.iis.version, "6.0") else "interactive"

    @property
    def isolation(self) -> str | None:
        if has_app_pools(self.iis.version):
            return None
        return self.iis.isolation or ("in-process" if self.iis.version == "4.0" else "pooled")

    @property
    def app_pool_identity(self) -> str | None:
        if not has_app_pools(self.iis.version):
            return None
        if self.iis.app_pool_identity:
            return self.iis.app_pool_identity
        return "ApplicationPoolIdentity" if iis_at_least(self.iis.version, "7.5") else "NetworkService"

    @property
    def domain(self) -> str | None:
        """The server's NetBIOS domain: given, or taken from the domain accounts the policy names."""
        if self.iis.workgroup:
            return None
        if self.iis.domain:
            return self.iis.domain
        for account in (self.iis.anonymous_account, self.iis.app_pool_identity, self.access.account):
            if account and self.is_domain(account):
                return accounts.split(account)[0]
        return None

    @property
    def scope(self) -> str:
        return f"{self.iis.site}{self.iis.path if self.iis.path != '/' else '/'}"

    def is_domain(self, account: str) -> bool:
        return accounts.is_domain_account(account, self.iis.host)


# ---------------------------------------------------------------- semantic rules (A, E)

def _rules(policy: Policy) -> list[tuple[PathKey, str]]:
    """Rules that depend on the IIS version or on several fields: (key path, message)."""
    iis, v = policy.iis, policy.iis.version
    out: list[tuple[PathKey, str]] = []
    if iis.authentication in ("digest", "negotiate") and v == "4.0":
        out.append((("iis", "authentication"),
                    f"{iis.authentication} is not available on IIS 4.0; allowed: anonymous, basic, ntlm, client-certificate"))
    if iis.password_sync is not None and not has_password_sync(v):
        out.append((("iis", "password_sync"),
                    f"not valid for IIS {v}: automatic password synchronisation exists on IIS 4.0-5.1 only "
                    "(no effect since 6.0, gone in 7.0); remove it"))
    if iis.logon_method == "network-cleartext" and not iis_at_least(v, "6.0"):
        out.append((("iis", "logon_method"),
                    f"network-cleartext needs IIS 6.0 or later; allowed on {v}: interactive, batch, network"))
    if iis.isolation is not None:
        if has_app_pools(v):
            out.append((("iis", "isolation"),
                        f"not valid for IIS {v}: application isolation modes are IIS 4.0-5.1; use app_pool"))
        elif iis.isolation == "pooled" and v == "4.0":
            out.append((("iis", "isolation"), "pooled needs IIS 5.0 or 5.1; allowed on 4.0: in-process, out-of-process"))
    if not has_app_pools(v):
        for key in ("app_pool", "app_pool_identity"):
            if getattr(iis, key) is not None:
                out.append((("iis", key), f"not valid for IIS {v}: application pools exist from IIS 6.0; "
                                          "use isolation on 4.0-5.1"))
    elif iis.app_pool_identity is not None:
        out.extend(_pool_identity_rules(policy))
    if isinstance(iis.site, int) and iis_at_least(v, "7.0"):
        out.append((("iis", "site"), f"IIS {v} takes the site's name, not its numeric id"))
    if iis.anonymous_account == "" and not iis_at_least(v, "7.0"):
        out.append((("iis", "anonymous_account"),
                    f"an empty anonymous account (use the pool identity) needs IIS 7.0 or later; on {v} give an account"))
    if (iis.password_sync is True and policy.is_domain(policy.anonymous_account)
            and not iis.domain_controller):
        out.append((("iis", "password_sync"),
                    f"{policy.anonymous_account} is a domain account: password synchronisation only works for "
                    "accounts local to the IIS computer (the article), unless IIS runs on the domain "
                    "controller; set password_sync: false or domain_controller: true"))
    if iis.workgroup:
        for key, account in (("anonymous_account", iis.anonymous_account),
                             ("app_pool_identity", iis.app_pool_identity)):
            if account and policy.is_domain(account):
                out.append((("iis", key), f"{account} is a domain account but workgroup is true"))
        if iis.domain_controller:
            out.append((("iis", "workgroup"), "a domain controller is never in a workgroup"))
        if policy.access.account and policy.is_domain(policy.access.account):
            out.append((("access", "account"),
                        f"{policy.access.account} is a domain account but iis.workgroup is true"))
    if iis.authentication == "anonymous" and policy.access.as_ == "end-user":
        out.append((("access", "as"), "end-user cannot apply to anonymous requests (there is no user); "
                                      "allowed with anonymous: service-account, anonymous, none"))
    out.extend(_resource_rules(policy.resource))
    seen: set[str] = set()
    for i, sid in enumerate(policy.prefer):
        if sid in seen:
            out.append((("prefer", i), f"{sid} is listed twice"))
        seen.add(sid)
    return out


def _pool_identity_rules(policy: Policy) -> list[tuple[PathKey, str]]:
    identity, v = policy.iis.app_pool_identity or "", policy.iis.version
    key: PathKey = ("iis", "app_pool_identity")
    if identity in BUILTIN_POOL_IDENTITIES:
        if identity == "ApplicationPoolIdentity" and not iis_at_least(v, "7.0"):
            return [(key, "ApplicationPoolIdentity needs IIS 7.0 or later; allowed on 6.0: LocalSystem, "
                          "LocalService, NetworkService, DOMAIN\\account")]
        return []
    if accounts.split(identity)[0] is None:
        return [(key, "allowed: LocalSystem, LocalService, NetworkService, ApplicationPoolIdentity (7.0+), "
                      "DOMAIN\\account, DOMAIN\\gmsa$ (8.0+)")]
    if accounts.is_gmsa(identity) and not iis_at_least(v, "8.0"):
        return [(key, f"a group managed service account needs IIS 8.0 or later (Windows Server 2012); "
                      f"on {v} use a DOMAIN\\account")]
    return []


def _resource_rules(resource: Resource) -> list[tuple[PathKey, str]]:
    out: list[tuple[PathKey, str]] = []
    segs, key = resource.segments, ("resource", "path")
    if resource.kind == "unc-share":
        if not segs:
            out.append((key, "\\\\server alone names no share; allowed: \\\\server\\share[\\dir...]"))
        elif segs[0].lower() == "pipe":
            out.append((key, "this names a pipe; use kind: named-pipe"))
    elif resource.kind == "named-pipe":
        if len(segs) < 2 or segs[0].lower() != "pipe":
            out.append((key, "allowed for a named pipe: \\\\server\\pipe\\name"))
    elif segs and (len(segs) < 2 or segs[0].lower() != "pipe"):
        out.append((key, "allowed for sql-server: \\\\server or \\\\server\\pipe\\name (e.g. \\pipe\\sql\\query)"))
    if resource.sql_login is not None and resource.kind != "sql-server":
        out.append((("resource", "sql_login"), "only for kind: sql-server"))
    if resource.component is not None and not resource.component.strip():
        out.append((("resource", "component"), "give the ProgID of the component, or leave the key out"))
    return out


# ---------------------------------------------------------------- loading

_PYDANTIC_MESSAGES = {
    "extra_forbidden": "unknown key",
    "missing": "required key is missing",
}


def _allowed_keys(model: type[BaseModel]) -> str:
    return ", ".join((f.alias or name) for name, f in model.model_fields.items() if name != "literal")


def _model_at(loc: tuple) -> type[BaseModel] | None:
    models: dict[str, type[BaseModel]] = {"iis": Iis, "resource": Resource, "access": Access,
                                          "constraints": Constraints, "password": SecretRef}
    model: type[BaseModel] = Policy
    for part in loc:
        if isinstance(part, str) and part in models:
            model = models[part]
    return model


def _pydantic_problems(exc: ValidationError, doc: YamlDocument, base: PathKey) -> list[Problem]:
    problems = []
    for err in exc.errors():
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and "[" in p))
        loc = tuple("as" if p == "as_" else p for p in loc)
        kind = err["type"]
        if kind == "extra_forbidden":
            model = _model_at(loc[:-1])
            message = f"unknown key; allowed: {_allowed_keys(model)}" if model else "unknown key"
        elif kind == "literal_error":
            expected = err.get("ctx", {}).get("expected", "")
            message = f"{err['input']!r} is not allowed; allowed: {expected.replace(chr(39), '')}"
        elif kind == "value_error":
            message = str(err["ctx"]["error"])
        else:
            message = _PYDANTIC_MESSAGES.get(kind, err["msg"])
        problems.append(Problem(doc.file, doc.line_of(base + loc), dotted(loc), message))
    return problems


def _policy_entries(doc: YamlDocument) -> tuple[list[tuple[PathKey, object]], list[Problem]]:
    data = doc.data
    if isinstance(data, dict) and "policies" in data and "version" not in data:
        extra = sorted(set(data) - {"policies"})
        if extra:
            return [], [Problem(doc.file, doc.line_of((extra[0],)), extra[0],
                                "unknown key beside policies; allowed: policies")]
        data, base = data["policies"], ("policies",)
    else:
        base = ()
    if isinstance(data, list):
        return [(base + (i,), item) for i, item in enumerate(data)], []
    if isinstance(data, dict):
        return [(base, data)], []
    return [], [Problem(doc.file, doc.line_of(base), "",
                        "expected a policy (a mapping), a list of policies, or policies: [...]")]


def _without(data: object, loc: tuple) -> bool:
    """Remove the value at `loc` from nested dicts/lists; False if it cannot be removed."""
    for part in loc[:-1]:
        try:
            data = data[part]  # type: ignore[index]
        except (KeyError, IndexError, TypeError):
            return False
    if isinstance(data, dict) and loc and loc[-1] in data:
        del data[loc[-1]]
        return True
    return False


def _validate(entry: dict, doc: YamlDocument, base: PathKey) -> tuple[Policy | None, list[Problem]]:
    """Validate the shape; on errors, drop the offending keys and try again, so the rules that
    need a whole policy still run and every problem is reported in one pass."""
    data = copy.deepcopy(entry)
    problems: list[Problem] = []
    for _ in range(5):
        try:
            return Policy.model_validate(data), problems
        except ValidationError as exc:
            problems.extend(_pydantic_problems(exc, doc, base))
            locs = [tuple("as" if p == "as_" else p for p in e["loc"] if not (isinstance(p, str) and "[" in p))
                    for e in exc.errors()]
            if not all(_without(data, loc) for loc in locs):
                return None, problems
    return None, problems


def _parse_one(doc: YamlDocument, base: PathKey, entry: object,
               allow_literal_secrets: bool) -> tuple[Policy | None, list[Problem]]:
    if not isinstance(entry, dict):
        return None, [Problem(doc.file, doc.line_of(base), dotted(base), "a policy must be a mapping")]
    policy, problems = _validate(entry, doc, base)
    if policy is None:
        return None, problems
    shape_errors = {p.key for p in problems}
    problems += [Problem(doc.file, doc.line_of(base + key), dotted(key), message)
                 for key, message in _rules(policy) if dotted(key) not in shape_errors]
    secret = policy.access.password
    if secret is not None and secret.literal is not None and not allow_literal_secrets:
        key = ("access", "password")
        problems.append(Problem(doc.file, doc.line_of(base + key), dotted(key),
                                "a literal password is refused (it would end up in files and shell history); "
                                "allowed: {env: NAME}, {file: PATH}, {prompt: true}, or run with "
                                "--allow-literal-secrets"))
    if problems:
        return None, problems
    policy._source = doc.file
    policy._lines = doc.lines_under(base)
    return policy, []


def load_policies(paths: list[str | Path], allow_literal_secrets: bool = False) -> list[Policy]:
    """Load every policy of every file, or raise one InputError listing every problem."""
    policies: list[Policy] = []
    problems: list[Problem] = []
    first_seen: dict[str, str] = {}
    for path in paths:
        try:
            doc = load_yaml(path)
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        entries, found = _policy_entries(doc)
        problems.extend(found)
        for base, entry in entries:
            policy, found = _parse_one(doc, base, entry, allow_literal_secrets)
            problems.extend(found)
            if policy is None:
                continue
            if policy.name in first_seen:
                problems.append(Problem(doc.file, doc.line_of(base + ("name",)), "name",
                                        f"{policy.name} is already the name of a policy in {first_seen[policy.name]}; "
                                        "names must be unique (they name the artifacts)"))
                continue
            first_seen[policy.name] = doc.file
            policies.append(policy)
    if not paths:
        problems.append(Problem("(command line)", None, "", "give at least one policy file"))
    if problems:
        raise InputError(problems)
    return policies
