"""The rules of input that depend on the IIS version or on several fields at once (docs/policy.md,
and E): each gives the dotted key it is about and a message saying what is allowed."""

from __future__ import annotations

from remediate.core import accounts
from remediate.core.versions import IIS_HOST_WINDOWS, has_app_pools, has_password_sync, iis_at_least
from remediate.core.yamlsource import PathKey
from remediate.policy.model import BUILTIN_POOL_IDENTITIES, Policy, Resource


def rules(policy: Policy) -> list[tuple[PathKey, str]]:
    """Rules that depend on the IIS version or on several fields: (key path, message)."""
    iis, v = policy.iis, policy.iis.version
    out: list[tuple[PathKey, str]] = []
    if iis.authentication in ("digest", "negotiate") and v == "4.0":
        out.append((("iis", "authentication"),
                    f"{iis.authentication} is not available on IIS 4.0; allowed: anonymous, basic, ntlm, "
                    "client-certificate"))
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
            out.append((("iis", "isolation"),
                        "pooled needs IIS 5.0 or 5.1; allowed on 4.0: in-process, out-of-process"))
    if not has_app_pools(v):
        for key in ("app_pool", "app_pool_identity"):
            if getattr(iis, key) is not None:
                out.append((("iis", key), f"not valid for IIS {v}: application pools exist from IIS 6.0; "
                                          "use isolation on 4.0-5.1"))
    elif iis.app_pool_identity is not None:
        out.extend(pool_identity_rules(policy))
    if isinstance(iis.site, int) and iis_at_least(v, "7.0"):
        out.append((("iis", "site"), f"IIS {v} takes the site's name, not its numeric id"))
    if iis.anonymous_account == "" and not iis_at_least(v, "7.0"):
        out.append((("iis", "anonymous_account"),
                    f"an empty anonymous account (use the pool identity) needs IIS 7.0 or later; on {v} give "
                    "an account"))
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
    if iis.os is not None and iis.os not in IIS_HOST_WINDOWS[v]:
        out.append((("iis", "os"), f"IIS {v} does not run on Windows {iis.os}; allowed for IIS {v}: "
                                   f"{', '.join(IIS_HOST_WINDOWS[v])}"))
    if iis.app_pool_dedicated is not None and not has_app_pools(v):
        out.append((("iis", "app_pool_dedicated"), f"not valid for IIS {v}: application pools exist from IIS 6.0"))
    elif iis.app_pool_dedicated and iis.app_pool is None:
        out.append((("iis", "app_pool_dedicated"), "name the pool that serves this path only (iis.app_pool)"))
    out.extend(resource_rules(policy.resource))
    out.extend(dfs_rules(policy))
    out.extend(account_name_rules(policy))
    seen: set[str] = set()
    for i, sid in enumerate(policy.prefer):
        if sid in seen:
            out.append((("prefer", i), f"{sid} is listed twice"))
        seen.add(sid)
    return out


def pool_identity_rules(policy: Policy) -> list[tuple[PathKey, str]]:
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


def account_name_rules(policy: Policy) -> list[tuple[PathKey, str]]:
    """Every account the policy names must be one Windows can have: a renderer could not write it."""
    named: list[tuple[PathKey, str | None]] = [
        (("iis", "anonymous_account"), policy.iis.anonymous_account),
        (("iis", "app_pool_identity"), policy.iis.app_pool_identity),
        (("access", "account"), policy.access.account),
        *((("resource", "local_accounts", i), name) for i, name in enumerate(policy.resource.local_accounts)),
        *((("resource", "grants", i, "account"), grant.account)
          for i, grant in enumerate(policy.resource.grants or [])),
    ]
    out: list[tuple[PathKey, str]] = []
    for key, account in named:
        if not account or account in BUILTIN_POOL_IDENTITIES:
            continue
        bad = accounts.forbidden_in_user_name(account)
        if bad:
            out.append((key, f"{account} is not a Windows user name: it contains {' '.join(bad)}; "
                             f"user names may not contain {' '.join(accounts.NOT_IN_USER_NAMES)}"))
    return out


def is_domain_path(policy: Policy) -> bool:
    """A domain-based DFS path names the domain as its server: the NetBIOS name, or a DNS name whose
    first label is it (contoso.com for CONTOSO)."""
    domain, server = policy.domain, policy.resource.path_server
    return bool(domain) and server.split(".")[0].upper() == (domain or "").upper()


def dfs_rules(policy: Policy) -> list[tuple[PathKey, str]]:
    resource = policy.resource
    if resource.dfs_target is not None and resource.kind != "unc-share":
        return [(("resource", "dfs_target"), "only for kind: unc-share (a DFS path leads to a shared folder)")]
    if resource.dfs_target is None and resource.kind == "unc-share" and is_domain_path(policy):
        return [(("resource", "path"), f"{resource.path} is a domain-based DFS path ({resource.path_server} is the "
                                       "domain): give resource.dfs_target, the folder target it leads to "
                                       "(\\\\server\\share[\\dir...]), where rights and null-session settings apply")]
    if resource.dfs_target is not None and len(resource.dfs_target[2:].split("\\")) < 2:
        return [(("resource", "dfs_target"), "\\\\server alone names no share; allowed: \\\\server\\share[\\dir...]")]
    return []


def resource_rules(resource: Resource) -> list[tuple[PathKey, str]]:
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
