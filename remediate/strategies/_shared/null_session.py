"""NullSessionShares / NullSessionPipes on the resource's server (the last resort)."""

from remediate.core import sources
from remediate.core.accounts import ANONYMOUS_LOGON
from remediate.operations import LANMAN_PARAMETERS, AppendRegistryValue, Operation, RestartService
from remediate.strategies._shared.base import Context, Outcome, Strategy
from remediate.strategies._shared.cautions import LANMAN_RESTART, NULL_SESSION_OPEN, SMB_SIGNING, baseline_resets


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
        policy = ctx.policy
        out = self.kind_problems(ctx)
        if policy.access.as_ != "anonymous":
            out.append("only for access.as: anonymous (a null session has no identity)")
        if policy.iis_os == "2025":
            out.append(f"{policy.iis.host} runs Windows Server 2025, whose SMB client requires signing for its "
                       "outgoing connections by default; a null session has no session key to sign with, so its "
                       f"connection is expected to fail (inferred from {sources.SMB_SIGNING_2025})")
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
        return Outcome(steps, ANONYMOUS_LOGON, after, [
            f"a null session may open what {self.value_name} lists on {policy.resource.server} "
            f"({sources.NULL_SESSION}; {sources.FACT_NULL_SESSION})"], warnings)
