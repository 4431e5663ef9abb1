"""Account names as IIS and Windows write them, and how the policy's accounts are classed.

An account is `DOMAIN\\name`, `HOST\\name` (local to HOST) or a bare `name` (local to the
machine that uses it). Built-in principals (`NT AUTHORITY\\...`, `BUILTIN\\...`,
`IIS APPPOOL\\...`) are never domain accounts.
"""

from __future__ import annotations

ANONYMOUS_LOGON = "NT AUTHORITY\\ANONYMOUS LOGON"
REQUESTING_USER = "<requesting user>"
BUILTIN_PREFIXES = frozenset({"NT AUTHORITY", "BUILTIN", "IIS APPPOOL", "NT SERVICE", "."})
# Characters no Windows user name may hold: Microsoft Learn, "SAM-Account-Name attribute", and "@"
# from the logon-name rules of "Naming conventions in Active Directory for computers, domains,
# sites, and OUs". A name with one cannot be created, looked up or written into an ADSI path.
NOT_IN_USER_NAMES = '"/\\[]:;|=,+*?<>@'


def split(account: str) -> tuple[str | None, str]:
    """`CONTOSO\\svc` -> ('CONTOSO', 'svc'); `svc` -> (None, 'svc')."""
    if "\\" in account:
        prefix, _, name = account.partition("\\")
        return prefix, name
    return None, account


def user_name(account: str) -> str:
    return split(account)[1]


def forbidden_in_user_name(account: str) -> str:
    """The characters of the account's user name (the part after `DOMAIN\\`) that Windows refuses."""
    return "".join(dict.fromkeys(c for c in user_name(account) if c in NOT_IN_USER_NAMES))


def is_builtin_iusr(account: str) -> bool:
    """IIS 7.0+'s built-in anonymous account, which acts as LocalService on the network."""
    return account.upper() in ("IUSR", "NT AUTHORITY\\IUSR")


def is_gmsa(account: str) -> bool:
    """Group managed service accounts are written `DOMAIN\\name$`."""
    prefix, name = split(account)
    return prefix is not None and name.endswith("$") and len(name) > 1


def is_domain_account(account: str, local_host: str | None) -> bool:
    """True for `DOMAIN\\name` unless the prefix is a built-in authority or the local host."""
    prefix, _ = split(account)
    if prefix is None:
        return False
    upper = prefix.upper()
    if upper in BUILTIN_PREFIXES:
        return False
    return local_host is None or upper != local_host.upper()


def qualify_local(account: str, host: str) -> str:
    """A local account as the remote server sees it: `HOST\\name` with the host upper case."""
    return f"{host.upper()}\\{user_name(account)}"


def computer_account(domain: str, host: str) -> str:
    return f"{domain}\\{host.upper()}$"
