"""NullSessionShares / NullSessionPipes on the resource's server (the last resort)."""

from .. import sources
from ..accounts import ANONYMOUS_LOGON
from ..operations import (LANMAN_PARAMETERS, AppendRegistryValue, GrantNtfsAccess, GrantShareAccess,
                          Operation, RestartService)
from .base import Context, Outcome, Strategy
from .cautions import LANMAN_RESTART, NULL_SESSION_OPEN, SMB_SIGNING, baseline_resets
from .changes import NTFS_RIGHTS, SHARE_RIGHTS


class NullSession(Strategy):
    """Shared by the share and pipe variants: the value, the entry and the resource kinds differ."""

    value_name: str
    value_name_field: str
    policy_name: str
    roles = ("file_server",)
    needs = ("null_sessions", "file_server_changes")
    risk = "high"
    risk_why = "anyone on the network can open the share or pipe without credentials"

    def kind_problems(self, ctx: Context) -> list[str]:
        raise NotImplementedError

    def entry(self, ctx: Context) -> str:
        raise NotImplementedError

    def listed(self, ctx: Context) -> list[str] | None:
        raise NotImplementedError

    def grants(self, ctx: Context) -> list[Operation]:
        return []

    def not_applicable(self, ctx: Context) -> list[str]:
        out = self.kind_problems(ctx)
        if ctx.policy.access.as_ != "anonymous":
            out.append("only for access.as: anonymous (a null session has no identity)")
        return out

    def build(self, ctx: Context) -> Outcome | list[str]:
        policy = ctx.policy
        if ctx.verdict.identity != ANONYMOUS_LOGON:
            return [f"the requests arrive as {ctx.verdict.identity}, not as a null session: {self.value_name} "
                    "admits only null sessions, and any other token gets normal Windows authentication "
                    f"({sources.NULL_SESSION})"]
        entry, listed = self.entry(ctx), self.listed(ctx)
        known = tuple(listed) if listed is not None else None
        steps: list[Operation] = [AppendRegistryValue("file_server", LANMAN_PARAMETERS, self.value_name, entry,
                                                      known)]
        steps += self.grants(ctx)
        steps.append(RestartService("file_server", "LanmanServer", disruptive=True))
        after = ctx.with_resource(**{self.value_name_field: [*(listed or []), entry]})
        warnings = [baseline_resets(self.policy_name), SMB_SIGNING, NULL_SESSION_OPEN, LANMAN_RESTART]
        if policy.resource.os == "2025":
            warnings.insert(0, f"{policy.resource.server} runs Windows Server 2025, where SMB signing is "
                               "required: expect this to fail")
        return Outcome(steps, ANONYMOUS_LOGON, after, [
            f"a null session may open what {self.value_name} lists on {policy.resource.server} "
            f"({sources.NULL_SESSION}; {sources.FACT_NULL_SESSION})"], warnings)


class NullSessionShare(NullSession):
    id = "null-session-share"
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


class NullSessionPipe(NullSession):
    id = "null-session-pipe"
    title = "List the pipe in NullSessionPipes on the server"
    source = f"{sources.NULL_SESSION}; {sources.FACT_NULL_SESSION}; {sources.FACT_SQL_PIPE}"
    value_name = "NullSessionPipes"
    value_name_field = "null_session_pipes"
    policy_name = "Named Pipes"

    def kind_problems(self, ctx: Context) -> list[str]:
        res = ctx.policy.resource
        if res.kind == "unc-share":
            return ["only for a named pipe, or SQL Server with a SQL login; this resource is a UNC share"]
        if res.kind == "sql-server" and (res.sql_login or "windows") == "windows":
            return ["the sql\\query pipe does not help Windows logins to SQL Server: SQL Server still sees "
                    f"ANONYMOUS LOGON and refuses it ({sources.FACT_SQL_PIPE})"]
        return []

    def entry(self, ctx: Context) -> str:
        return ctx.policy.resource.pipe or ""

    def listed(self, ctx: Context) -> list[str] | None:
        return ctx.policy.resource.null_session_pipes
