from remediate.core import sources
from remediate.diagnosis import qualify
from remediate.operations import Operation, SetComPlusIdentity
from remediate.strategies._shared.accounts_rule import NamedAccountStrategy
from remediate.strategies._shared.base import Context, Outcome
from remediate.strategies._shared.cautions import PASSWORD_WRITE_ONLY
from remediate.strategies._shared.changes import grant_access

POOLED_PACKAGE = "IIS Out-Of-Process Pooled Applications"


class ComPlusIdentity(NamedAccountStrategy):
    """The code that opens the resource runs in a COM+ (MTS) server application as a fixed account."""

    title = "Run the component in a COM+ server application with a specific identity"
    source = f"{sources.COMPLUS}; {sources.FACT_COMPLUS}"
    risk = "medium"
    risk_why = "COM+ stores the account's password; the component runs outside IIS in dllhost.exe"

    def _iis_package(self, ctx: Context) -> str | None:
        """On 4.0-5.1, out-of-process code runs in a package IIS created for it (KB 319067)."""
        policy = ctx.policy
        if policy.iis.runs_as != "process" or policy.isolation not in ("out-of-process", "pooled"):
            return None
        if policy.isolation == "pooled":
            return POOLED_PACKAGE
        return f"IIS-{{{policy.iis.site}//Root{policy.iis.path.rstrip('/')}}}"

    def not_applicable(self, ctx: Context) -> list[str]:
        if ctx.policy.resource.component or self._iis_package(ctx):
            return []
        return ["needs the COM component that opens the resource (resource.component), or on IIS 4.0-5.1 "
                "code that runs out of process (runs_as: process with out-of-process or pooled isolation)"]

    def build(self, ctx: Context) -> Outcome:
        policy, account = ctx.policy, ctx.account or ""
        component = policy.resource.component
        application = None if component else self._iis_package(ctx)
        identity = qualify(policy, account)
        steps: list[Operation] = [SetComPlusIdentity("iis", application, component, account, ctx.password)]
        steps += grant_access(policy, identity, ctx.allows("file_server_changes"))
        holder = f"the component {component}" if component else f"the package {application}"
        warnings = [PASSWORD_WRITE_ONLY, "the component runs in a separate dllhost.exe, outside IIS (the article)"]
        if component:
            warnings.append(f"{component} must be in a COM+ server application (Activation: server); the "
                            "script stops with a message if it is not")
        if application == POOLED_PACKAGE:
            warnings.append(f"{POOLED_PACKAGE} is shared by every pooled application on the server: all of "
                            "them get this identity; isolate the path (out-of-process) to limit it")
        if policy.iis.version == "4.0":
            warnings.append("IIS 4.0 uses MTS packages: set the identity in MTS Explorer (the script says how)")
        return Outcome(steps, identity, None, [
            f"{holder} runs as {account}, whose token can reach {policy.resource.server} "
            f"({sources.COMPLUS}; {sources.FACT_COMPLUS})"], warnings)
