from remediate.core import sources
from remediate.diagnosis import qualify
from remediate.operations import Operation, SetVirtualDirectory
from remediate.strategies._shared.accounts_rule import NamedAccountStrategy
from remediate.strategies._shared.base import Context, Outcome
from remediate.strategies._shared.changes import grant_access


class VdirConnectAs(NamedAccountStrategy):
    """IIS itself opens the share's content as a fixed account, whatever the request's token."""

    title = "Serve the content from the share with a Connect As account"
    source = f"{sources.CONNECT_AS}; {sources.FACT_UNC_VDIR}"
    risk = "medium"
    risk_why = "IIS stores the account's password, and every file on the share becomes reachable through the path"

    def not_applicable(self, ctx: Context) -> list[str]:
        res = ctx.policy.resource
        out = []
        if res.kind != "unc-share":
            out.append(f"only for a UNC share; this resource is a {res.kind}")
        if res.used_for != "content":
            out.append("only for content IIS serves from the share (used_for: content); here the application "
                       "code opens the resource")
        return out

    def build(self, ctx: Context) -> Outcome:
        policy, account = ctx.policy, ctx.account or ""
        identity = qualify(policy, account)
        steps: list[Operation] = [SetVirtualDirectory("iis", policy.iis.site, policy.iis.path, policy.resource.path,
                                                      account, ctx.password)]
        steps += grant_access(policy, identity, ctx.allows("file_server_changes"))
        return Outcome(steps, identity, None, [
            f"IIS opens {policy.resource.path} as {account} for every request, whatever its authentication "
            f"({sources.CONNECT_AS})"],
            ["use an account with read rights only, never an administrator: its password is kept in the IIS "
             f"configuration, encrypted but readable by administrators ({sources.FACT_UNC_VDIR})",
             "every file on the share becomes available to browsers through this path"])
