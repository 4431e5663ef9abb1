"""The intermediate list of changes: what strategies produce and renderers write out.

An operation says what to change and where, never how a script spells it. Each kind
names the oldest Windows it works on, so a renderer can refuse or fall back to an
advisory on older servers. Passwords are `SecretRef`s (where the secret comes from),
never values. Restarts are operations too, so a renderer can do each one once, at the end.

May import: remediate.core, remediate.policy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, Literal

from remediate.core.versions import windows_at_least
from remediate.policy import SecretRef

Role = Literal["iis", "file_server", "domain"]
ShareRight = Literal["Read", "Change", "Full"]
NtfsRight = Literal["RX", "M", "F"]
PoolIdentityType = Literal["LocalSystem", "LocalService", "NetworkService", "ApplicationPoolIdentity", "SpecificUser"]
Value = str | int | bool | SecretRef

LANMAN_PARAMETERS = "HKLM\\SYSTEM\\CurrentControlSet\\Services\\LanmanServer\\Parameters"


def show(value: Value) -> str:
    """A value as a plan shows it; a secret shows where it comes from."""
    if isinstance(value, SecretRef):
        return f"<secret from {value.describe()}>"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value) if value != "" else '""'


@dataclass(frozen=True)
class Operation:
    role: Role
    kind: ClassVar[str]
    oldest_windows: ClassVar[str]
    summary: ClassVar[str]
    advisory: bool = field(default=False, kw_only=True)
    # the script languages that can carry this kind (templates/<language>/ops/<kind>.j2 exists for each)
    languages: ClassVar[tuple[str, ...]] = ("powershell", "vbscript")
    # apply.ps1's -Restart switch lets the step itself restart what it changed (not a restart task)
    uses_restart_switch: ClassVar[bool] = False
    # it sets a password that cannot be read back (apply.ps1's -UpdatePassword sets it again)
    writes_password: ClassVar[bool] = False

    def target(self) -> str:
        raise NotImplementedError

    def state_key(self) -> str | None:
        """The setting it changes, as the scripts save its before-value: the same for every policy, strategy and
        step that changes it, so the first value saved (the one before remediate) is the one rollback restores.
        None for an operation that saves nothing (advice, restarts)."""
        return None

    def value(self) -> str:
        return ""

    def gives_advice(self, windows: str) -> bool:
        """True when, on this Windows, the step's script only tells a person what to do."""
        return False

    def secrets(self) -> list[SecretRef]:
        return [v for v in vars(self).values() if isinstance(v, SecretRef)]

    def as_step(self) -> dict:
        return {"role": self.role, "action": self.kind, "target": self.target(),
                "value": self.value(), "advisory": self.advisory}


@dataclass(frozen=True)
class RoleService:
    """An optional IIS 7+ role service, known on a server by the module its installer adds to
    system.webServer/globalModules (Microsoft Learn, "Global Modules <globalModules>")."""

    title: str          # as Server Manager shows it
    feature: str        # Install-WindowsFeature's name
    module: str         # its globalModules entry


@dataclass(frozen=True)
class SetIisAttribute(Operation):
    """IIS 7+ configuration in applicationHost.config, at a location (never a web.config). A
    role service the setting needs (Basic authentication's) is checked before the change."""

    location: str
    section: str
    attribute: str
    new: Value
    needs: RoleService | None = field(default=None, kw_only=True)
    kind: ClassVar[str] = "set_iis_attribute"
    languages: ClassVar[tuple[str, ...]] = ("powershell",)     # applicationHost.config has no WSH interface
    oldest_windows: ClassVar[str] = "2008"
    summary: ClassVar[str] = "set an IIS 7+ configuration attribute at a location"

    def state_key(self) -> str:
        return f"iis:{self.location}:{self.section}:{self.attribute}"

    def target(self) -> str:
        return f"{self.location}: {self.section}/@{self.attribute}"

    def value(self) -> str:
        return show(self.new)


@dataclass(frozen=True)
class SetAnonymousUser(Operation):
    """IIS 7+: a path's anonymous user and its password, in one commit (never the user without its password)."""

    location: str
    account: str
    password: SecretRef
    kind: ClassVar[str] = "set_anonymous_user"
    languages: ClassVar[tuple[str, ...]] = ("powershell",)     # applicationHost.config has no WSH interface
    oldest_windows: ClassVar[str] = "2008"
    summary: ClassVar[str] = "set an IIS 7+ path's anonymous user and its password together"

    def state_key(self) -> str:
        return f"iis:{self.location}:system.webServer/security/authentication/anonymousAuthentication:userName+password"

    def target(self) -> str:
        return f"{self.location}: anonymousAuthentication/@userName and @password"

    def value(self) -> str:
        return f"{show(self.account)}, password {show(self.password)}"


@dataclass(frozen=True)
class SetMetabaseProperty(Operation):
    """IIS 4.0-6.0 metabase property on a site path (the site may be a name or an id)."""

    site: str | int
    path: str
    name: str
    new: Value
    kind: ClassVar[str] = "set_metabase_property"
    languages: ClassVar[tuple[str, ...]] = ("vbscript",)       # IIS 4.0-6.0 hosts get VBScript
    oldest_windows: ClassVar[str] = "nt4"
    summary: ClassVar[str] = "set an IIS 4.0-6.0 metabase property"

    def state_key(self) -> str:
        return f"metabase:{self.site}{self.path.rstrip('/')}:{self.name}"

    def target(self) -> str:
        return f"IIS://localhost/W3SVC/<{self.site}>/Root{self.path.rstrip('/')}: {self.name}"

    def value(self) -> str:
        return show(self.new)


@dataclass(frozen=True)
class SetRegistryValue(Operation):
    key: str
    name: str
    type: Literal["dword", "string", "multi_string"]
    new: int | str | tuple[str, ...]
    kind: ClassVar[str] = "set_registry_value"
    oldest_windows: ClassVar[str] = "nt4"
    summary: ClassVar[str] = "set a registry value"

    def state_key(self) -> str:
        return f"registry:{self.key}:{self.name}"

    def target(self) -> str:
        return f"{self.key}\\{self.name} ({self.type})"

    def value(self) -> str:
        return ", ".join(self.new) if isinstance(self.new, tuple) else str(self.new)


@dataclass(frozen=True)
class AppendRegistryValue(Operation):
    """Add one entry to a REG_MULTI_SZ value, keeping the rest (read, append if missing, write)."""

    key: str
    name: str
    item: str
    known: tuple[str, ...] | None = None   # the current list, when the policy states it
    kind: ClassVar[str] = "append_registry_value"
    oldest_windows: ClassVar[str] = "nt4"
    summary: ClassVar[str] = "append an entry to a multi-string registry value"

    def state_key(self) -> str:
        return f"registry:{self.key}:{self.name}"

    def target(self) -> str:
        return f"{self.key}\\{self.name} (multi_string)"

    def value(self) -> str:
        return f"+ {self.item}"


@dataclass(frozen=True)
class GrantShareAccess(Operation):
    share: str
    account: str
    right: ShareRight
    kind: ClassVar[str] = "grant_share_access"
    oldest_windows: ClassVar[str] = "2012"   # Grant-SmbShareAccess; older servers get an advisory
    summary: ClassVar[str] = "grant an account access to a share"

    def state_key(self) -> str:
        return f"share:{self.share}:{self.account}"

    def target(self) -> str:
        return f"share {self.share}"

    def gives_advice(self, windows: str) -> bool:
        return not windows_at_least(windows, self.oldest_windows)

    def value(self) -> str:
        return f"{self.account}: {self.right}"


@dataclass(frozen=True)
class GrantNtfsAccess(Operation):
    """NTFS rights on the folder behind a share (resolved on the server from the share name)."""

    share: str
    subpath: str
    account: str
    rights: NtfsRight
    kind: ClassVar[str] = "grant_ntfs_access"
    oldest_windows: ClassVar[str] = "2003"   # icacls
    summary: ClassVar[str] = "grant an account NTFS rights on a shared folder"

    def state_key(self) -> str:
        return f"ntfs:{self.target()}:{self.account}"

    def target(self) -> str:
        sub = f"\\{self.subpath}" if self.subpath else ""
        return f"folder of share {self.share}{sub}"

    def value(self) -> str:
        return f"{self.account}: {self.rights}"


@dataclass(frozen=True)
class GrantSqlLogin(Operation):
    """A T-SQL script for the DBA: a Windows login and a database user."""

    server: str
    login: str
    access: Literal["read", "change", "full"]
    kind: ClassVar[str] = "grant_sql_login"
    oldest_windows: ClassVar[str] = "nt4"
    summary: ClassVar[str] = "grant a Windows login on SQL Server (T-SQL for the DBA)"

    def state_key(self) -> str:
        return f"sql:{self.server}:{self.login}"

    def target(self) -> str:
        return f"SQL Server on {self.server}"

    def gives_advice(self, windows: str) -> bool:
        return True      # remediate never connects to SQL Server

    def value(self) -> str:
        return f"login {self.login} ({self.access})"


@dataclass(frozen=True)
class CreateLocalAccount(Operation):
    name: str
    password: SecretRef
    kind: ClassVar[str] = "create_local_account"
    oldest_windows: ClassVar[str] = "nt4"    # ADSI WinNT provider
    writes_password: ClassVar[bool] = True
    summary: ClassVar[str] = "create or update a local account and its password"

    def state_key(self) -> str:
        return f"account:{self.name}"

    def target(self) -> str:
        return f"local account {self.name}"

    def value(self) -> str:
        return f"password {show(self.password)} (set when created: it cannot be read back)"


@dataclass(frozen=True)
class SetComPlusIdentity(Operation):
    """The identity of a COM+ server application, found by name or by a component's ProgID."""

    application: str | None
    component: str | None
    account: str
    password: SecretRef
    kind: ClassVar[str] = "set_complus_identity"
    oldest_windows: ClassVar[str] = "2000"   # COMAdmin; NT 4.0's MTS gets an advisory
    uses_restart_switch: ClassVar[bool] = True   # shuts the application down so it restarts as the identity
    writes_password: ClassVar[bool] = True
    summary: ClassVar[str] = "set a COM+ application's identity"

    def state_key(self) -> str:
        return f"complus:{self.application or self.component}:Identity"

    def target(self) -> str:
        if self.application:
            return f"COM+ application {self.application}"
        return f"COM+ server application holding {self.component}"

    def value(self) -> str:
        return f"{self.account} with {show(self.password)} (set with the identity: it cannot be read back)"


@dataclass(frozen=True)
class SetAppPoolIdentity(Operation):
    pool: str
    identity_type: PoolIdentityType
    account: str | None = None
    password: SecretRef | None = None        # None for built-in identities and gMSAs
    kind: ClassVar[str] = "set_app_pool_identity"
    oldest_windows: ClassVar[str] = "2003"
    summary: ClassVar[str] = "set an application pool's identity (built-in, account or gMSA)"

    def state_key(self) -> str:
        return f"pool:{self.pool}:processModel"

    def target(self) -> str:
        return f"application pool {self.pool}"

    def value(self) -> str:
        if self.identity_type != "SpecificUser":
            return self.identity_type
        secret = f" with {show(self.password)}" if self.password else " (gMSA: no password)"
        return f"{self.account}{secret}"


@dataclass(frozen=True)
class CreateAppPool(Operation):
    """IIS 7+: create the pool a path is about to move into, with copied_settings taken from the pool the path runs
    in when the script runs. It comes before the pool's identity is set and before the path moves, so the path
    never runs in a pool with IIS's defaults or a half-set identity."""

    site: str | int
    path: str
    pool: str
    copied_settings: tuple[str, ...]
    kind: ClassVar[str] = "create_app_pool"
    oldest_windows: ClassVar[str] = "2008"
    summary: ClassVar[str] = "create an application pool with the settings of the pool a path runs in"
    languages: ClassVar[tuple[str, ...]] = ("powershell",)     # IIS 6.0's assign_app_pool creates and copies itself

    def state_key(self) -> str:
        return f"pool:{self.pool}:exists"

    def target(self) -> str:
        return f"application pool {self.pool}"

    def value(self) -> str:
        return f"{len(self.copied_settings)} settings of the pool {self.site}{self.path} runs in"


@dataclass(frozen=True)
class AssignAppPool(Operation):
    """Run a path as an application in its own pool, creating the pool if missing. On IIS 6.0 a pool created here
    first takes copied_settings from the pool the path runs in (read on the host when the script runs), so that
    only its identity will differ; on IIS 7+ CreateAppPool does that before the identity is set."""

    site: str | int
    path: str
    pool: str
    copied_settings: tuple[str, ...] = ()
    kind: ClassVar[str] = "assign_app_pool"
    oldest_windows: ClassVar[str] = "2003"
    summary: ClassVar[str] = "assign a path to a dedicated application pool (created if missing)"

    def state_key(self) -> str:
        return f"application:{self.site}{self.path.rstrip('/')}:applicationPool"

    def target(self) -> str:
        return f"{self.site}{self.path}"

    def value(self) -> str:
        if not self.copied_settings:
            return f"application pool {self.pool}"
        return (f"application pool {self.pool} (if created: with {len(self.copied_settings)} settings of the pool "
                "the path runs in)")


@dataclass(frozen=True)
class SetVirtualDirectory(Operation):
    """Point a path at a share and set the Connect As account (metabase or applicationHost)."""

    site: str | int
    path: str
    physical_path: str
    account: str
    password: SecretRef
    kind: ClassVar[str] = "set_virtual_directory"
    oldest_windows: ClassVar[str] = "nt4"
    summary: ClassVar[str] = "point a virtual directory at a share with a Connect As account"

    def state_key(self) -> str:
        return f"vdir:{self.site}{self.path.rstrip('/')}"

    def target(self) -> str:
        return f"{self.site}{self.path}"

    def value(self) -> str:
        return f"{self.physical_path} as {self.account} with {show(self.password)}"


@dataclass(frozen=True)
class RequireSsl(Operation):
    site: str | int
    path: str
    kind: ClassVar[str] = "require_ssl"
    oldest_windows: ClassVar[str] = "nt4"
    summary: ClassVar[str] = "require SSL/TLS on a path"

    def state_key(self) -> str:
        return f"iis:{self.site}{self.path.rstrip('/')}:system.webServer/security/access:sslFlags"

    def target(self) -> str:
        return f"{self.site}{self.path}"

    def value(self) -> str:
        return "SSL required"


@dataclass(frozen=True)
class RegisterSpn(Operation):
    spn: str
    account: str
    kind: ClassVar[str] = "register_spn"
    oldest_windows: ClassVar[str] = "2008"   # setspn -S
    languages: ClassVar[tuple[str, ...]] = ("powershell",)     # domain/apply.ps1 only
    summary: ClassVar[str] = "register a service principal name on an account"

    def state_key(self) -> str:
        return f"spn:{self.account}:{self.spn}"

    def target(self) -> str:
        return f"account {self.account}"

    def value(self) -> str:
        return self.spn


@dataclass(frozen=True)
class ConfigureDelegation(Operation):
    """Kerberos constrained delegation from the IIS front end to the back end's services.

    `rbcd`: set on the back end (merging its existing list). `kcd`: msDS-AllowedToDelegateTo
    on the front end, plus "use any authentication protocol" when `protocol_transition`.
    """

    mode: Literal["rbcd", "kcd"]
    front_end: str
    back_end: str
    services: tuple[str, ...]
    protocol_transition: bool = False
    kind: ClassVar[str] = "configure_delegation"
    oldest_windows: ClassVar[str] = "2003"   # classic KCD; RBCD needs 2012 (checked by the strategy)
    languages: ClassVar[tuple[str, ...]] = ("powershell",)     # ActiveDirectory module: domain/apply.ps1 only
    summary: ClassVar[str] = "configure Kerberos constrained delegation (RBCD or classic KCD)"

    def state_key(self) -> str:
        return f"delegation:{self.mode}:{self.target()}"

    def target(self) -> str:
        return self.back_end if self.mode == "rbcd" else self.front_end

    def value(self) -> str:
        if self.mode == "rbcd":
            return f"resource-based: {self.front_end} may delegate to {self.back_end}"
        transition = ", any authentication protocol" if self.protocol_transition else ", Kerberos only"
        return f"constrained: {', '.join(self.services)}{transition}"


@dataclass(frozen=True)
class EnableLogonAuditing(Operation):
    kind: ClassVar[str] = "enable_logon_auditing"
    oldest_windows: ClassVar[str] = "nt4"    # auditpol from 2008; secedit / Local Security Policy before
    summary: ClassVar[str] = "audit logon success and failure (events 4624/4625, 528/529/540)"

    def state_key(self) -> str:
        return "audit:Logon"

    def target(self) -> str:
        return "audit policy: Logon"

    def value(self) -> str:
        return "success and failure"


@dataclass(frozen=True)
class RecycleAppPool(Operation):
    pool: str
    kind: ClassVar[str] = "recycle_app_pool"
    oldest_windows: ClassVar[str] = "2003"
    summary: ClassVar[str] = "recycle an application pool once, after the changes"

    def target(self) -> str:
        return f"application pool {self.pool}"


@dataclass(frozen=True)
class RestartService(Operation):
    """Done once at the end; a disruptive restart only when the script is told it may."""

    service: str
    disruptive: bool
    kind: ClassVar[str] = "restart_service"
    oldest_windows: ClassVar[str] = "nt4"
    summary: ClassVar[str] = "restart a service once, after the changes"

    def target(self) -> str:
        return f"service {self.service}"

    def value(self) -> str:
        return "disruptive: only with -Restart" if self.disruptive else ""


@dataclass(frozen=True)
class Advisory(Operation):
    """Something a person must do or decide; with a code sketch where code is involved."""

    text: str
    sketch: str = ""
    language: str = ""
    advisory: bool = field(default=True, kw_only=True)
    kind: ClassVar[str] = "advisory"
    oldest_windows: ClassVar[str] = "nt4"
    summary: ClassVar[str] = "advice for a person (text and a code sketch)"

    def target(self) -> str:
        return self.text

    def gives_advice(self, windows: str) -> bool:
        return True


OPERATION_KINDS: tuple[type[Operation], ...] = (
    SetIisAttribute, SetAnonymousUser, SetMetabaseProperty, SetRegistryValue, AppendRegistryValue, GrantShareAccess,
    GrantNtfsAccess, GrantSqlLogin, CreateLocalAccount, SetComPlusIdentity, SetAppPoolIdentity, CreateAppPool,
    AssignAppPool, SetVirtualDirectory, RequireSsl, RegisterSpn, ConfigureDelegation, EnableLogonAuditing,
    RecycleAppPool,
    RestartService, Advisory,
)
