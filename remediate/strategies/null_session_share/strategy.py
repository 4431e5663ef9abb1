from remediate.core import sources
from remediate.core.accounts import ANONYMOUS_LOGON
from remediate.diagnosis import authorization
from remediate.operations import GrantNtfsAccess, GrantShareAccess, Operation
from remediate.strategies._shared.base import Context
from remediate.strategies._shared.changes import NTFS_RIGHTS, SHARE_RIGHTS
from remediate.strategies._shared.null_session import NullSession


class NullSessionShare(NullSession):
    title = "List the share in NullSessionShares on the file server"
    source = f"{sources.NULL_SESSION}; {sources.FACT_NULL_SESSION}"
    value_name = "NullSessionShares"
    value_name_field = "null_session_shares"
    policy_name = "Shares"

    def kind_problems(self, ctx: Context) -> list[str]:
        res = ctx.policy.resource
        if res.kind != "unc-share":
            return [f"only for a UNC share; this resource is a {res.kind}"]
        if res.dfs_target:
            return [f"{res.path} is a DFS path: a null session would first have to open the namespace on "
                    f"{res.path_server}, which NullSessionShares on {res.server} does not open"]
        return []

    def entry(self, ctx: Context) -> str:
        return ctx.policy.resource.share or ""

    def listed(self, ctx: Context) -> list[str] | None:
        return ctx.policy.resource.null_session_shares

    def grants(self, ctx: Context) -> list[Operation]:
        res = ctx.policy.resource
        if authorization(ctx.policy, ANONYMOUS_LOGON)[0] is True:
            return []                                 # resource.grants already admit a null session
        share, sub = res.segments[0], "\\".join(res.segments[1:])
        return [GrantShareAccess("file_server", share, ANONYMOUS_LOGON, SHARE_RIGHTS[res.access]),
                GrantNtfsAccess("file_server", share, sub, ANONYMOUS_LOGON, NTFS_RIGHTS[res.access])]
