"""The access policy (format version 1) as typed models, with the effective values that
depend on the IIS version and on other fields (docs/policy.md, every field)."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr, StrictBool, StrictStr, field_validator

from remediate.core import accounts
from remediate.core.scriptable import unscriptable_problem
from remediate.core.versions import (
    HOST_WINDOWS_VERSIONS,
    IIS_VERSIONS,
    IIS_WINDOWS,
    WINDOWS_VERSIONS,
    has_app_pools,
    has_password_sync,
    iis_at_least,
)
from remediate.policy.catalogue import STRATEGY_IDS

Authentication = Literal["anonymous", "basic", "ntlm", "negotiate", "digest", "client-certificate"]
LogonMethod = Literal["interactive", "batch", "network", "network-cleartext"]
Isolation = Literal["in-process", "out-of-process", "pooled"]
Allowance = Literal["allowed", "forbidden"]
BUILTIN_POOL_IDENTITIES = ("LocalSystem", "LocalService", "NetworkService", "ApplicationPoolIdentity")

_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_DRIVE = re.compile(r"^[A-Za-z]:")
# Reserved in file and folder names (Microsoft Learn, "Naming Files, Paths, and Namespaces"); a share,
# folder or pipe name with one could not reach icacls or a script's arguments either.
NOT_IN_PATHS = '"<>|?*:'


def _version_text(value: object) -> object:
    """`version: 7.5` written as a YAML number is read as the text "7.5" (docs/policy.md)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return f"{float(value):.1f}"
    return value


def _no_control(value: str) -> str:
    problem = unscriptable_problem(value)
    if problem:
        raise ValueError(problem)
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
    os: Annotated[Literal[HOST_WINDOWS_VERSIONS],  # type: ignore[valid-type]
                  BeforeValidator(lambda v: str(v) if isinstance(v, int) else v)] | None = None
    app_pool_dedicated: StrictBool | None = None

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


Level = Literal["read", "change", "full"]
LEVELS: tuple[str, ...] = ("read", "change", "full")     # each includes the ones before it


class Grant(_Strict):
    """A known right on the share and its folder (or a SQL login, a pipe's ACL): who, how much."""

    account: StrictStr
    access: Level

    _names = field_validator("account")(lambda v: _no_control(v))

    def covers(self, level: str) -> bool:
        return LEVELS.index(self.access) >= LEVELS.index(level)


def _unc_path(value: str) -> str:
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
    bad = "".join(dict.fromkeys(c for c in value[2:] if c in NOT_IN_PATHS))
    if bad:
        raise ValueError(f"{' '.join(bad)} cannot be part of a server, share, folder or pipe name (Microsoft Learn, "
                         f'"Naming Files, Paths, and Namespaces"); not allowed: {" ".join(NOT_IN_PATHS)}')
    return value


class Resource(_Strict):
    kind: Literal["unc-share", "named-pipe", "sql-server"]
    path: StrictStr
    host: StrictStr | None = None
    os: Annotated[Literal[WINDOWS_VERSIONS], BeforeValidator(lambda v: str(v) if isinstance(v, int) else v)] = "2016"  # type: ignore[valid-type]
    used_for: Literal["application", "content"] = "application"
    access: Level = "read"
    component: StrictStr | None = None
    sql_login: Literal["windows", "sql"] | None = None
    null_session_shares: list[StrictStr] | None = None
    null_session_pipes: list[StrictStr] | None = None
    local_accounts: list[StrictStr] = []
    grants: list[Grant] | None = None              # None: not known; []: known, nobody
    dfs_target: StrictStr | None = None            # the folder target a DFS path leads to
    everyone_includes_anonymous: StrictBool | None = None   # the server's EveryoneIncludesAnonymous, if known

    _names = field_validator("host", "component")(lambda v: v if v is None else _no_control(v))
    _target = field_validator("dfs_target")(lambda v: v if v is None else _unc_path(v))

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
        return _unc_path(value)

    @property
    def target(self) -> str:
        """Where the connection lands: the DFS folder target when one is given, else the path."""
        return self.dfs_target or self.path

    @property
    def server(self) -> str:
        """The server that sees the identity (a DFS path's target server)."""
        return self.target[2:].split("\\")[0]

    @property
    def segments(self) -> list[str]:
        return self.target[2:].split("\\")[1:]

    @property
    def path_server(self) -> str:
        """The server part of `path` as written (a DFS path's domain or namespace server)."""
        return self.path[2:].split("\\")[0]

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
    def iis_os(self) -> str:
        """The IIS host's Windows: given, or the oldest that ships this IIS version."""
        return self.iis.os or IIS_WINDOWS[self.iis.version]

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
