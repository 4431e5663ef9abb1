from remediate.core import sources
from remediate.strategies._shared.base import Context, Outcome, Strategy
from remediate.strategies._shared.changes import grant_access


class GrantAccess(Strategy):
    """The right account already arrives; what is missing is its rights on the resource (B.6)."""

    title = "Grant the arriving account its rights on the resource"
    source = sources.RIGHTS
    roles = ("file_server",)
    risk = "low"
    risk_why = "one account gets the access the policy asks for on one share and folder, login or pipe"

    def not_applicable(self, ctx: Context) -> list[str]:
        wanted, verdict = ctx.policy.access.as_, ctx.verdict
        if wanted == "end-user":
            return ["rights are each user's own (access.as end-user): they are granted to the users, "
                    "not to one account"]
        if wanted == "none":
            return ["access.as is none: nothing is to be granted"]
        out = []
        if not verdict.reachable:
            out.append(f"{verdict.identity} does not reach {ctx.policy.resource.server}: rights do not help "
                       "until a recognised identity arrives")
        if not verdict.identity_ok:
            out.append(f"{verdict.identity} is not the identity access.as asks for: granting it rights would "
                       "give them to the wrong account")
        if verdict.authorized is True:
            out.append("resource.grants already give the arriving identity its rights")
        return out

    def build(self, ctx: Context) -> Outcome:
        policy, identity = ctx.policy, ctx.verdict.identity
        steps = grant_access(policy, identity, ctx.allows("file_server_changes"))
        rights = "unknown" if ctx.verdict.authorized is None else "missing"
        return Outcome(steps, identity, reasons=[
            f"{identity} already arrives and is the identity asked for; its rights on "
            f"{policy.resource.server} are {rights}, so they are granted ({sources.RIGHTS})"])
