"""Operations that several strategies share, written once for both IIS families.

IIS 4.0-6.0 keep settings in the metabase; 7.0+ in applicationHost.config at a location.
Strategies call these helpers and never pick property names themselves.
"""

from __future__ import annotations

from remediate.core.accounts import ANONYMOUS_LOGON
from remediate.core.versions import has_password_sync, uses_metabase
from remediate.diagnosis import authorization, server_side_name
from remediate.operations import (
    Advisory,
    GrantNtfsAccess,
    GrantShareAccess,
    GrantSqlLogin,
    NtfsRight,
    Operation,
    RoleService,
    SetAnonymousUser,
    SetIisAttribute,
    SetMetabaseProperty,
    ShareRight,
)
from remediate.policy import Policy, SecretRef

ANONYMOUS_SECTION = "system.webServer/security/authentication/anonymousAuthentication"
BASIC_SECTION = "system.webServer/security/authentication/basicAuthentication"
WINDOWS_SECTION = "system.webServer/security/authentication/windowsAuthentication"
DIGEST_SECTION = "system.webServer/security/authentication/digestAuthentication"

# The metabase numbers and IIS 7+ names of LogonMethod (Microsoft Learn, "LogonMethod" and "Anonymous Authentication").
METABASE_LOGON = {"interactive": 0, "batch": 1, "network": 2, "network-cleartext": 3}
IIS7_LOGON = {"interactive": "Interactive", "batch": "Batch", "network": "Network",
              "network-cleartext": "ClearText"}
AUTH_FLAG_BASIC = 2
# Not installed by default on IIS 7+ (Microsoft Learn, "Basic Authentication"; "Global Modules <globalModules>").
BASIC_ROLE_SERVICE = RoleService("Basic Authentication", "Web-Basic-Auth", "BasicAuthenticationModule")
SHARE_RIGHTS: dict[str, ShareRight] = {"read": "Read", "change": "Change", "full": "Full"}
NTFS_RIGHTS: dict[str, NtfsRight] = {"read": "RX", "change": "M", "full": "F"}


def _set(policy: Policy, section: str, attribute: str, metabase_name: str, value) -> Operation:
    iis = policy.iis
    if uses_metabase(iis.version):
        return SetMetabaseProperty("iis", iis.site, iis.path, metabase_name, value)
    return SetIisAttribute("iis", iis.location, section, attribute, value)


def set_anonymous_account(policy: Policy, account: str, password: SecretRef | None) -> list[Operation]:
    """The anonymous user of the policy's path only (the article: only where access is needed); on IIS 7+ the
    user and its password in one step, so that they change in one commit."""
    iis = policy.iis
    if password is not None and not uses_metabase(iis.version):
        return [SetAnonymousUser("iis", iis.location, account, password)]
    ops = [_set(policy, ANONYMOUS_SECTION, "userName", "AnonymousUserName", account)]
    if password is not None:
        ops.append(set_anonymous_password(policy, password))
    if has_password_sync(policy.iis.version):
        ops.append(disable_password_sync(policy))
    return ops


def set_anonymous_password(policy: Policy, password: SecretRef) -> Operation:
    return _set(policy, ANONYMOUS_SECTION, "password", "AnonymousUserPass", password)


def disable_password_sync(policy: Policy) -> Operation:
    iis = policy.iis
    return SetMetabaseProperty("iis", iis.site, iis.path, "AnonymousPasswordSync", False)


def set_logon_method(policy: Policy, method: str) -> Operation:
    section = BASIC_SECTION if policy.iis.authentication == "basic" else ANONYMOUS_SECTION
    if uses_metabase(policy.iis.version):
        return _set(policy, section, "logonMethod", "LogonMethod", METABASE_LOGON[method])
    return _set(policy, section, "logonMethod", "LogonMethod", IIS7_LOGON[method])


def network_logon_method(policy: Policy) -> str:
    """The clear-text LogonMethod that reaches the network: the version's default, except
    interactive on a domain controller, where ordinary accounts may not log on locally."""
    if policy.iis.version in ("4.0", "5.0", "5.1"):
        return "batch" if policy.iis.domain_controller else "interactive"
    return "network-cleartext"


def switch_to_basic(policy: Policy) -> list[Operation]:
    """Enable Basic on the path and turn off the method it replaces (browsers pick the strongest); on IIS 7+
    only where its role service is installed."""
    iis = policy.iis
    if uses_metabase(iis.version):
        return [SetMetabaseProperty("iis", iis.site, iis.path, "AuthFlags", AUTH_FLAG_BASIC)]
    ops: list[Operation] = [SetIisAttribute("iis", iis.location, BASIC_SECTION, "enabled", True,
                                            needs=BASIC_ROLE_SERVICE)]
    replaced = {"ntlm": WINDOWS_SECTION, "negotiate": WINDOWS_SECTION,
                "digest": DIGEST_SECTION}.get(iis.authentication)
    if replaced:
        ops.append(SetIisAttribute("iis", iis.location, replaced, "enabled", False))
    return ops


def grant_access(policy: Policy, identity: str, allowed: bool) -> list[Operation]:
    """Rights for the identity on the resource (a DFS path's target); advisory when the server may not
    be changed; nothing when resource.grants already covers the identity."""
    res = policy.resource
    server = res.server_host
    if res.kind == "sql-server" and (res.sql_login or "windows") == "sql":
        return []
    if authorization(policy, identity)[0] is True:
        return []
    identity = server_side_name(policy, identity)
    if not allowed:
        what = {"unc-share": f"read {res.target} (share and NTFS rights)" if res.access == "read"
                else f"{res.access} {res.target} (share and NTFS rights)",
                "named-pipe": f"open the pipe {res.path}",
                "sql-server": f"log on to SQL Server on {res.server} ({res.access})"}[res.kind]
        return [Advisory("file_server", f"make sure {identity} may {what}: constraints.file_server_changes "
                                        "is forbidden, so remediate does not grant it")]
    if res.kind == "unc-share":
        share, sub = res.segments[0], "\\".join(res.segments[1:])
        return [GrantShareAccess("file_server", share, identity, SHARE_RIGHTS[res.access]),
                GrantNtfsAccess("file_server", share, sub, identity, NTFS_RIGHTS[res.access])]
    if res.kind == "sql-server":
        if identity == ANONYMOUS_LOGON:
            return []
        return [GrantSqlLogin("file_server", server, identity, res.access)]
    return [Advisory("file_server", f"make sure {identity} may open the pipe {res.path}: a pipe's "
                                    "permissions are set by the service that creates it")]
