from remediate.core import sources
from remediate.core.accounts import ANONYMOUS_LOGON
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
        kind = ctx.policy.resource.kind
        return [] if kind == "unc-share" else [f"only for a UNC share; this resource is a {kind}"]

    def entry(self, ctx: Context) -> str:
        return ctx.policy.resource.share or ""

    def listed(self, ctx: Context) -> list[str] | None:
        return ctx.policy.resource.null_session_shares

    def grants(self, ctx: Context) -> list[Operation]:
        res = ctx.policy.resource
        share, sub = res.segments[0], "\\".join(res.segments[1:])
        return [GrantShareAccess("file_server", share, ANONYMOUS_LOGON, SHARE_RIGHTS[res.access]),
                GrantNtfsAccess("file_server", share, sub, ANONYMOUS_LOGON, NTFS_RIGHTS[res.access])]
