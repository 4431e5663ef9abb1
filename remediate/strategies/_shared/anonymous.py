"""Making an account the path's anonymous user (shared by the anonymous-account strategies)."""

from remediate.core.versions import has_password_sync
from remediate.strategies._shared.base import Context
from remediate.strategies._shared.cautions import LOG_ON_LOCALLY
from remediate.strategies._shared.changes import set_anonymous_account, set_logon_method


def anonymous_only(ctx: Context) -> list[str]:
    """'applies when: anonymous, runs_as: request' (shared by the anonymous-account strategies)."""
    iis, out = ctx.policy.iis, []
    if iis.authentication != "anonymous":
        out.append(f"for anonymous requests; these authenticate with {iis.authentication}")
    if iis.runs_as != "request":
        out.append("the code runs as the process identity, not as the anonymous account")
    return out


def anonymous_change(ctx: Context, account: str) -> tuple[list, dict[str, object], list[str]]:
    """Steps and policy changes that make `account` the path's anonymous user with a clear-text logon."""
    policy = ctx.policy
    steps = set_anonymous_account(policy, account, ctx.password)
    changes: dict[str, object] = {"anonymous_account": account}
    if has_password_sync(policy.iis.version):
        changes["password_sync"] = False
    warnings = []
    if policy.iis.domain_controller and policy.logon_method == "interactive":
        steps.append(set_logon_method(policy, "batch"))
        changes["logon_method"] = "batch"
        warnings.append(LOG_ON_LOCALLY)
    return steps, changes, warnings
