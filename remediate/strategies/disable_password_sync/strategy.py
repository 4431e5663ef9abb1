from remediate.core import accounts, sources
from remediate.diagnosis import diagnose, is_recognised, qualify
from remediate.policy import SecretRef
from remediate.strategies._shared.base import Context, Outcome, Strategy
from remediate.strategies._shared.cautions import LOG_ON_LOCALLY
from remediate.strategies._shared.changes import (
    disable_password_sync,
    grant_access,
    set_anonymous_password,
    set_logon_method,
)


class DisablePasswordSync(Strategy):
    """Sync off: IIS logs the anonymous account on itself, with a token that can leave the computer."""

    title = "Disable automatic password synchronization for the anonymous account"
    source = sources.BASIC
    iis_versions = ("4.0", "5.1")
    needs = ("stored_credentials",)
    risk = "low"
    risk_why = "one path's anonymous logon changes; the account stays the same"

    def not_applicable(self, ctx: Context) -> list[str]:
        policy = ctx.policy
        if policy.iis.authentication != "anonymous":
            return [f"for anonymous requests; these authenticate with {policy.iis.authentication}"]
        if policy.iis.runs_as != "request":
            return ["the code runs as the process identity, not as the anonymous account"]
        if not policy.password_sync:
            return ["automatic password synchronization is already off"]
        return []

    def _password(self, ctx: Context) -> SecretRef | list[str]:
        anonymous = ctx.policy.anonymous_account
        if ctx.account and accounts.user_name(ctx.account).lower() != accounts.user_name(anonymous).lower():
            return [f"IIS must be given the password of the anonymous account {anonymous}, but access.account "
                    f"names {ctx.account}"]
        return ctx.password

    def build(self, ctx: Context) -> Outcome | list[str]:
        policy = ctx.policy
        changes: dict[str, object] = {"password_sync": False}
        if policy.iis.domain_controller and policy.logon_method == "interactive":
            changes["logon_method"] = "batch"
        after = ctx.with_iis(**changes)
        identity = diagnose(after).identity
        password = self._password(ctx)
        if isinstance(password, list):
            recognised, why = is_recognised(after, identity)
            return password if recognised else [*password, why]
        steps = [disable_password_sync(policy), set_anonymous_password(policy, password)]
        if "logon_method" in changes:
            steps.append(set_logon_method(policy, "batch"))
        steps += grant_access(policy, identity, ctx.allows("file_server_changes"))
        return Outcome(steps, identity, after, [
            f"without synchronization IIS logs {policy.anonymous_account} on with its password, a clear-text "
            f"logon whose token can reach the network ({sources.PASSWORD_SYNC})",
            "after toggling synchronization the password must be entered again (KB 259353): the script sets it",
        ], [LOG_ON_LOCALLY] if "logon_method" in changes else [])

    def warnings(self, ctx: Context) -> list[str]:
        identity = qualify(ctx.policy, ctx.policy.anonymous_account)
        return [f"every anonymous request to this path reaches the network as {identity}"]
