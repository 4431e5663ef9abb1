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


@dataclass(frozen=True)
class Verdict:
    reachable: bool
    satisfied: bool
    token: str
    identity: str
    reasons: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        return {"reachable": self.reachable, "satisfied": self.satisfied, "token": self.token,
                "identity": self.identity, "reasons": list(self.reasons)}


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


def judge(policy: Policy, identity: str) -> tuple[bool, bool, list[str]]:
    """Steps 3-5 for an identity: (reachable, satisfied, reasons)."""
    recognised, why = is_recognised(policy, identity)
    reasons = [why]
    reachable = recognised
    if identity == ANONYMOUS_LOGON:
        reachable, why = null_session_open(policy)
        reasons.append(why)
    wanted = policy.access.as_
    if wanted == "none":
        satisfied = not reachable
        reasons.append("access.as is none: satisfied only while the resource is not reachable"
                       if satisfied else "access.as is none, but the requests reach the resource")
        return reachable, satisfied, reasons
    if wanted == "end-user":
        satisfied = reachable and identity == REQUESTING_USER
        need = "the requesting user's own identity"
    elif wanted == "service-account":
        satisfied = reachable and identity not in (ANONYMOUS_LOGON, REQUESTING_USER)
        need = "a fixed account recognised on the server"
    else:
        satisfied = reachable and identity != REQUESTING_USER
        need = "a fixed recognised account or a permitted null session"
    if not satisfied:
        reasons.append(f"access.as is {wanted}: it needs {need}, and {identity} "
                       f"{'does not reach' if not reachable else 'is not that'}")
    return reachable, satisfied, reasons


def diagnose(policy: Policy) -> Verdict:
    token = token_of(policy)
    identity, arrives = wire_identity(policy, token)
    reachable, satisfied, reasons = judge(policy, identity)
    return Verdict(reachable, satisfied, token.kind, identity, [token.reason, arrives, *reasons])
