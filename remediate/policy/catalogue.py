"""The one strategy catalogue: every strategy id, in catalogue order (docs/policy.md), and the order
in which the planner tries them for each `access.as`.

A strategy's id is written here and nowhere else: its code lives in
`remediate/strategies/<id with underscores>/`, the JSON schema's enumeration, the planner's orders
and the documentation tables are derived from or tested against these tuples.
"""

STRATEGY_IDS = (
    "grant-access", "keep-local", "audit-logons", "logon-method", "disable-password-sync", "app-pool-identity",
    "vdir-connect-as", "complus-identity", "domain-anonymous-account", "mirrored-local-account",
    "basic-auth", "kerberos-delegation", "thread-impersonation", "null-session-share",
    "null-session-pipe",
)

# Strategies that only advise; chosen only when a policy prefers them.
ADVISORY_IDS = ("keep-local", "audit-logons")

_SERVICE_ORDER = ("logon-method", "disable-password-sync", "app-pool-identity", "vdir-connect-as",
                  "complus-identity", "domain-anonymous-account", "mirrored-local-account",
                  "thread-impersonation")
# grant-access comes first wherever it can apply: it fixes only rights, when the identity is right.
ORDERS: dict[str, tuple[str, ...]] = {
    "end-user": ("grant-access", "logon-method", "kerberos-delegation", "basic-auth"),
    "service-account": ("grant-access", *_SERVICE_ORDER),
    "anonymous": ("grant-access", *_SERVICE_ORDER, "null-session-share", "null-session-pipe"),
    "none": ("logon-method",),
}


def module_name(strategy_id: str) -> str:
    """The folder (Python package) of a strategy under remediate/strategies."""
    return strategy_id.replace("-", "_")
