"""The article's token model (docs/policy.md, how the diagnosis works): which token the code gets, who the remote
server sees, whether it is recognised there, and whether the policy is satisfied.

`diagnose` answers for the policy as it stands; strategies call `judge` with the token and
identity they would produce, so "does this fix work" is decided by the same rules as
"does it work today".

May import: remediate.core, remediate.policy.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from remediate.core import accounts, sources
from remediate.core.accounts import ANONYMOUS_LOGON, REQUESTING_USER
from remediate.core.versions import has_app_pools, iis_at_least
from remediate.policy import Policy

LOGON_TOKENS = {"interactive": "interactive", "batch": "batch", "network": "network",
                "network-cleartext": "network-cleartext"}


Authorized = bool | None     # None: not known ("unknown" in the JSON)


@dataclass(frozen=True)
class Verdict:
    reachable: bool
    identity_ok: bool
    authorized: Authorized
    satisfied: bool
    token: str
    identity: str
    reasons: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        return {"reachable": self.reachable, "identity_ok": self.identity_ok,
                "authorized": "unknown" if self.authorized is None else self.authorized,
                "satisfied": self.satisfied, "token": self.token, "identity": self.identity,
                "reasons": list(self.reasons)}


@dataclass(frozen=True)
class Judgement:
    """Steps 3-6 of the model for one arriving identity."""

    reachable: bool
    identity_ok: bool
    authorized: Authorized
    satisfied: bool
    reasons: list[str]


@dataclass(frozen=True)
class Token:
    """The impersonation token of the code touching the resource, and the account behind it."""

    kind: str            # network | interactive | batch | network-cleartext | null-session | process
    account: str | None  # the logged-on account, or the process account; None for network tokens
    reason: str


def is_clear_text_logon(policy: Policy) -> bool:
    """Whether IIS logs the request on with a password it holds, so LogonMethod picks the token."""
    iis = policy.iis
    if iis.runs_as != "request":
        return False
    if iis.authentication == "basic":
        return True
    if iis.authentication != "anonymous":
        return False
    account = policy.anonymous_account
    if iis_at_least(iis.version, "7.0"):
        return account != "" and not accounts.is_builtin_iusr(account)
    return not policy.password_sync


def request_token(policy: Policy) -> Token:
    """Step 1 of the model for `runs_as: request`."""
    iis, v = policy.iis, policy.iis.version
    auth = iis.authentication
    table = sources.TOKEN_TABLE if v == "4.0" else sources.FACT_IIS5_TOKENS
    if auth == "anonymous":
        account = policy.anonymous_account
        if policy.password_sync:
            where = "a domain account on the domain controller" if iis.domain_controller else "a local account"
            return Token("network", None,
                         f"anonymous requests with automatic password synchronization on ({where}) get a "
                         f"network token made by the IIS sub-authenticator ({sources.PASSWORD_SYNC})")
        if iis_at_least(v, "7.0") and account == "":
            return Token("process", pool_account(policy),
                         f"anonymous_account is empty: anonymous requests run as the application pool "
                         f"identity ({sources.FACT_EMPTY_ANON})")
        if iis_at_least(v, "7.0") and accounts.is_builtin_iusr(account):
            return Token("null-session", "IUSR",
                         f"anonymous requests impersonate the built-in IUSR, which has no password and "
                         f"acts anonymously on the network ({sources.FACT_IUSR})")
        why = ("with password synchronization off IIS logs" if v in ("4.0", "5.0", "5.1")
               else "IIS logs")
        return _clear_text(policy, account, f"{why} the anonymous account {account} on with its password")
    if auth == "basic":
        return _clear_text(policy, REQUESTING_USER, "with Basic authentication IIS logs the user on with the "
                                                    "password the browser sent")
    if auth == "client-certificate":
        return Token("interactive", REQUESTING_USER,
                     f"client certificate mapping logs the mapped account on interactively ({table})")
    name = {"ntlm": "NT Challenge/Response (NTLM)", "negotiate": "Negotiate (without delegation)",
            "digest": "Digest"}[auth]
    return Token("network", None, f"{name} gives a network token: IIS holds no password to "
                                  f"authenticate onward ({table})")


def _clear_text(policy: Policy, account: str, what: str) -> Token:
    method = policy.logon_method
    source = f"{sources.CLEAR_TEXT}; {sources.FACT_LOGON_DEFAULT}"
    return Token(LOGON_TOKENS[method], account,
                 f"{what}: a clear-text logon, and LogonMethod {method} gives it a "
                 f"{LOGON_TOKENS[method]} token ({source})")


def pool_account(policy: Policy) -> str:
    """The process identity: pool identity (6.0+), IWAM_<host> or LocalSystem (4.0-5.1)."""
    if has_app_pools(policy.iis.version):
        return policy.app_pool_identity or "NetworkService"
    if policy.isolation == "in-process":
        return "LocalSystem"
    return f"IWAM_{policy.host_name}"


def process_token(policy: Policy) -> Token:
    account = pool_account(policy)
    if has_app_pools(policy.iis.version):
        why = f"the code runs as the application pool identity {account} ({sources.FACT_POOL})"
    elif account == "LocalSystem":
        why = f"in-process applications run inside inetinfo as LocalSystem ({sources.FACT_WAM})"
    else:
        why = f"{policy.isolation} applications run in a COM+ / MTS package as {account} ({sources.FACT_WAM})"
    return Token("process", account, why)


def token_of(policy: Policy) -> Token:
    return process_token(policy) if policy.iis.runs_as == "process" else request_token(policy)


def wire_identity(policy: Policy, token: Token) -> tuple[str, str]:
    """Step 2: who the resource's server sees, with the reason."""
    if token.kind == "network":
        return ANONYMOUS_LOGON, (f"a network token cannot be used to authenticate to another computer, so the "
                                 f"connection is made as a null session ({sources.TOKEN_TYPES})")
    if token.kind == "null-session":
        return ANONYMOUS_LOGON, f"IUSR arrives as a null session ({sources.FACT_IUSR})"
    account = token.account or ""
    if token.kind == "process":
        return process_identity(policy, account)
    article = "an" if token.kind[0] in "aeiou" else "a"
    return qualify(policy, account), (f"{article} {token.kind} token authenticates to {policy.resource.server} as its "
                                      f"account ({sources.TOKEN_TYPES})")


def process_identity(policy: Policy, account: str) -> tuple[str, str]:
    host = policy.host_name
    if account == "LocalService":
        return ANONYMOUS_LOGON, f"LocalService arrives as a null session ({sources.FACT_POOL})"
    if account == "LocalSystem" and policy.iis.version == "4.0":
        return ANONYMOUS_LOGON, f"LocalSystem on Windows NT 4.0 arrives as a null session ({sources.FACT_LOCALSYSTEM})"
    if account in ("LocalSystem", "NetworkService", "ApplicationPoolIdentity"):
        if policy.iis.workgroup:
            return ANONYMOUS_LOGON, (f"{account} arrives as the computer account, which a workgroup computer "
                                     f"does not have on the network: a null session ({sources.FACT_POOL})")
        return (accounts.computer_account(policy.domain or "<domain>", host),
                f"{account} arrives as the computer account ({sources.FACT_POOL}; {sources.FACT_LOCALSYSTEM})")
    return qualify(policy, account), f"the process authenticates as {account} ({sources.FACT_POOL})"


def qualify(policy: Policy, account: str) -> str:
    """The account as the remote server names it."""
    if account == REQUESTING_USER or policy.is_domain(account):
        return account
    if policy.iis.domain_controller:
        return f"{policy.domain or '<domain>'}\\{accounts.user_name(account)}"
    return accounts.qualify_local(account, policy.host_name)


def is_recognised(policy: Policy, identity: str) -> tuple[bool, str]:
    """Step 3: whether the resource's server knows the identity."""
    server = policy.resource.server
    if identity == ANONYMOUS_LOGON:
        return False, "a null session carries no account"
    if identity == REQUESTING_USER:
        return True, "the requesting user's own (domain) account is recognised"
    prefix, name = accounts.split(identity)
    if policy.iis.domain_controller and (prefix or "").upper() != policy.host_name:
        return True, (f"IIS runs on a domain controller, whose accounts are domain accounts: {identity} is "
                      f"recognised on {server} ({sources.RECOGNISED})")
    if policy.is_domain(identity) and not (prefix or "").upper() == policy.host_name:
        kind = "the computer account" if name.upper() == f"{policy.host_name}$" else "a domain account"
        return True, f"{identity} is {kind}, recognised on {server} ({sources.RECOGNISED})"
    if any(accounts.user_name(a).lower() == name.lower() for a in policy.resource.local_accounts):
        return True, (f"{identity} is local, but {server} has a mirrored account {name} with the same "
                      f"password ({sources.MIRRORED})")
    return False, (f"{identity} is a local account of the IIS computer, unknown to {server} "
                   f"({sources.RECOGNISED})")


def null_session_open(policy: Policy) -> tuple[bool, str]:
    """Whether a null session gets through to the resource (step 4's exception)."""
    res = policy.resource
    if res.kind == "sql-server" and (res.sql_login or "windows") == "windows":
        return False, (f"SQL Server refuses ANONYMOUS LOGON for a Windows login, whatever NullSessionPipes "
                       f"says ({sources.FACT_SQL_PIPE})")
    if res.kind == "unc-share":
        listed, value, name = res.null_session_shares, "NullSessionShares", res.share or ""
    else:
        listed, value, name = res.null_session_pipes, "NullSessionPipes", res.pipe or ""
    if listed is None:
        return False, f"{value} on {res.server} is not known, so {name} is taken as not listed"
    if any(item.lower() == name.lower() for item in listed):
        return True, f"{name} is in {res.server}'s {value}, which admits null sessions ({sources.NULL_SESSION})"
    return False, f"{name} is not in {res.server}'s {value} ({sources.NULL_SESSION})"


def wanted_account(policy: Policy) -> str | None:
    """access.account as the resource's server must see it (B.5), or None when any account will do."""
    account = policy.access.account
    return qualify(policy, account) if account else None


def identity_matches(policy: Policy, identity: str) -> tuple[bool, str]:
    """Step 5: whether the arriving identity is the one access.as asks for, and why."""
    wanted, named = policy.access.as_, wanted_account(policy)
    if wanted == "none":
        return True, "access.as is none: no identity is asked for"
    if wanted == "end-user":
        if identity == REQUESTING_USER:
            return True, "the requesting user's own account arrives, as access.as end-user asks"
        return False, f"access.as is end-user: it needs the requesting user's own account, but {identity} arrives"
    if identity == REQUESTING_USER:
        return False, (f"access.as is {wanted}: it needs a fixed account, but each request arrives as its own user")
    if identity == ANONYMOUS_LOGON:
        if wanted == "anonymous":
            return True, "access.as is anonymous: a null session is an accepted identity"
        return False, "access.as is service-account: a null session carries no account"
    if named is None:
        return True, f"access.as is {wanted} without access.account: {identity} is a fixed account, which will do"
    if identity.lower() == named.lower():
        return True, f"{identity} arrives, the account access.account names"
    return False, f"{identity} arrives, but access.account asks for {named}"


AUTHENTICATED_USERS = ("authenticated users", "nt authority\\authenticated users")


def _principal(name: str) -> str:
    """An account in a comparable form (case-insensitive; `Everyone` with or without a prefix)."""
    lowered = name.lower()
    return lowered.split("\\", 1)[1] if lowered.startswith(("\\", "builtin\\")) else lowered


def _granted(policy: Policy, account: str) -> str:
    """A grant's account, comparable: a bare name is the resource server's own local account."""
    who = _principal(account)
    if "\\" in who or who in WELL_KNOWN_PRINCIPALS:
        return who
    return f"{policy.resource.server.lower()}\\{who}"


def server_side_name(policy: Policy, identity: str) -> str:
    """How the resource's server names an arriving identity in its ACLs: a mirrored local account of
    the IIS host is that server's own local account `<server>\\name` (B.5)."""
    prefix, name = accounts.split(identity)
    if prefix and prefix.upper() == policy.host_name and not policy.iis.domain_controller and any(
            accounts.user_name(a).lower() == name.lower() for a in policy.resource.local_accounts):
        return f"{policy.resource.server.upper()}\\{name}"
    return identity


def covering_groups(policy: Policy, identity: str) -> tuple[str, ...]:
    """The well-known principals a grant may name to cover `identity` (B.6)."""
    if identity == ANONYMOUS_LOGON:
        everyone = ("everyone",) if policy.resource.everyone_includes_anonymous else ()
        return ("anonymous logon", "nt authority\\anonymous logon", *everyone)
    groups = ["everyone", *AUTHENTICATED_USERS]
    prefix, name = accounts.split(identity)
    if prefix and name.endswith("$") and policy.is_domain(identity):   # computer account or gMSA
        groups.append(f"{prefix.lower()}\\domain computers")
    return tuple(groups)


def authorization(policy: Policy, identity: str) -> tuple[Authorized, str]:
    """Step 6: whether resource.grants give the identity resource.access, and why."""
    grants, level, server = policy.resource.grants, policy.resource.access, policy.resource.server
    if grants is None:
        return None, f"no grants known on {server} (resource.grants is not given): rights unknown"
    if identity == REQUESTING_USER:
        for grant in grants:
            if grant.covers(level) and _principal(grant.account) in ("everyone", *AUTHENTICATED_USERS):
                return True, f"{grant.account} may {grant.access} on {server}, which covers every user"
        return None, "each user's own rights decide (end-user): not known from resource.grants"
    names = {_principal(server_side_name(policy, identity)), _principal(identity)}
    groups = covering_groups(policy, identity)
    for grant in grants:
        who = _granted(policy, grant.account)
        if who in names or who in groups:
            if grant.covers(level):
                via = "" if who in names else f", which includes {identity}"
                return True, f"granted to {grant.account} ({grant.access}){via} on {server}: covers {level}"
    # a null session belongs to no group but the well-known ones; an account may belong to any group
    unresolved = [] if identity == ANONYMOUS_LOGON else [
        g.account for g in grants if g.covers(level) and _granted(policy, g.account) not in names
        and not g.account.endswith("$") and _granted(policy, g.account) not in WELL_KNOWN_PRINCIPALS]
    if unresolved:
        return None, (f"granted to {', '.join(unresolved)}, whose members are not known: whether {identity} "
                      "is one of them is not resolved")
    short = [f"{g.account} ({g.access})" for g in grants if _granted(policy, g.account) in names or
             _granted(policy, g.account) in groups]
    if short:
        return False, f"{identity} has only {', '.join(short)} on {server}; {level} is needed"
    return False, (f"no grant on {server} names {identity} or a group known to include it "
                   f"(grants: {', '.join(g.account for g in grants) or 'none'})")


WELL_KNOWN_PRINCIPALS = ("everyone", "anonymous logon", "nt authority\\anonymous logon", *AUTHENTICATED_USERS)


def judge(policy: Policy, identity: str) -> Judgement:
    """Steps 3-6 for an identity: reachable, identity right, authorized, satisfied, with reasons."""
    recognised, why = is_recognised(policy, identity)
    reasons = [why]
    reachable = recognised
    if identity == ANONYMOUS_LOGON:
        reachable, why = null_session_open(policy)
        reasons.append(why)
    identity_ok, why = identity_matches(policy, identity)
    reasons.append(why)
    wanted = policy.access.as_
    if wanted == "none":
        satisfied = not reachable
        reasons.append("access.as is none: satisfied only while the resource is not reachable"
                       if satisfied else "access.as is none, but the requests reach the resource")
        return Judgement(reachable, identity_ok, None, satisfied, reasons)
    authorized, why = authorization(policy, identity)
    reasons.append(why)
    if wanted == "end-user":
        return Judgement(reachable, identity_ok, authorized, reachable and identity_ok, reasons)
    return Judgement(reachable, identity_ok, authorized, reachable and identity_ok and authorized is True, reasons)


def diagnose(policy: Policy) -> Verdict:
    token = token_of(policy)
    identity, arrives = wire_identity(policy, token)
    found = judge(policy, identity)
    res = policy.resource
    if res.dfs_target:
        arrives += (f"; {res.path} is a DFS path whose folder target is {res.dfs_target}, so the connection, "
                    f"its rights and NullSessionShares are {res.server}'s")
    return Verdict(found.reachable, found.identity_ok, found.authorized, found.satisfied, token.kind, identity,
                   [token.reason, arrives, *found.reasons])
