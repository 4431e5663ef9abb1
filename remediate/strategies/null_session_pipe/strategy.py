from remediate.core import sources
from remediate.strategies._shared.base import Context
from remediate.strategies._shared.null_session import NullSession


class NullSessionPipe(NullSession):
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
