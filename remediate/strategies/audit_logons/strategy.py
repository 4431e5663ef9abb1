from remediate.core import sources
from remediate.operations import Advisory, EnableLogonAuditing, Operation
from remediate.strategies._shared.base import Context, Outcome, Strategy


class AuditLogons(Strategy):
    """Diagnostic: the security log shows which logon type IIS really produced."""

    title = "Audit logon events to see the logon type"
    source = sources.AUDIT
    roles = ("iis", "file_server")
    risk = "low"
    risk_why = "more events in the Security log; nothing else changes"
    preferred_only = True
    judged = False

    def build(self, ctx: Context) -> Outcome:
        steps: list[Operation] = [EnableLogonAuditing("iis")]
        if ctx.allows("file_server_changes"):
            steps.append(EnableLogonAuditing("file_server"))
        else:
            steps.append(Advisory("file_server", f"ask the owner of {ctx.policy.resource.server} to audit logons "
                                                 "there too: it shows whether requests arrive as ANONYMOUS LOGON"))
        return Outcome(steps, "", reasons=[
            "Logon Type in events 4624/4625 (528/529/540 before Vista) tells 2 interactive, 3 network, 4 batch, "
            f"8 clear text ({sources.AUDIT}; {sources.FACT_AUDIT})"])
