from remediate.core import accounts, sources
from remediate.diagnosis import diagnose
from remediate.operations import CreateLocalAccount
from remediate.strategies._shared.anonymous import anonymous_change, anonymous_only
from remediate.strategies._shared.base import Context, Outcome, Strategy
from remediate.strategies._shared.cautions import PASSWORD_WRITE_ONLY
from remediate.strategies._shared.changes import grant_access


class MirroredLocalAccount(Strategy):
    """Same name, same password on both computers: NTLM then matches the local account remotely."""

    title = "Use a local anonymous account mirrored on the resource's server"
    source = sources.MIRRORED
    roles = ("iis", "file_server")
    needs = ("file_server_changes", "stored_credentials")
    needs_account = True
    risk = "medium"
    risk_why = "two copies of one password must be kept equal by hand; both servers change"

    def not_applicable(self, ctx: Context) -> list[str]:
        return anonymous_only(ctx)

    def account_problems(self, ctx: Context, account: str) -> list[str]:
        if ctx.policy.is_domain(account):
            return [f"{account} is a domain account; a mirrored account is local: give a bare name such as "
                    "webanon"]
        if accounts.is_builtin_iusr(account):
            return ["the built-in IUSR has no password to mirror"]
        return []

    def build(self, ctx: Context) -> Outcome:
        policy = ctx.policy
        name = accounts.user_name(ctx.account or "")
        server = policy.resource.server
        steps: list = [CreateLocalAccount("iis", name, ctx.password)]
        more, changes, warnings = anonymous_change(ctx, name)
        steps += more
        steps.append(CreateLocalAccount("file_server", name, ctx.password))
        mirrored = [*policy.resource.local_accounts, name]
        after = ctx.with_iis(**changes).model_copy(update={
            "resource": policy.resource.model_copy(update={"local_accounts": mirrored})})
        identity = diagnose(after).identity
        steps += grant_access(policy, f"{server.upper()}\\{name}", True)
        return Outcome(steps, identity, after, [
            f"{name} exists on both computers with the same password, so {server} matches the logon to its own "
            f"{name} ({sources.MIRRORED})"],
            ["the article: use this only when a domain anonymous account is not an option",
             "the two passwords must match exactly: change them together, on both computers",
             PASSWORD_WRITE_ONLY, *warnings])
