from remediate.core import accounts, sources
from remediate.core.accounts import REQUESTING_USER
from remediate.core.versions import uses_metabase, windows_at_least
from remediate.diagnosis import pool_account
from remediate.operations import ConfigureDelegation, Operation, RegisterSpn, SetIisAttribute
from remediate.strategies._shared.base import Context, Outcome, Strategy
from remediate.strategies._shared.cautions import DELEGATION_ADMIN
from remediate.strategies._shared.changes import WINDOWS_SECTION


class KerberosDelegation(Strategy):
    """The user's Kerberos ticket is delegated to the back end: the modern end-user answer."""

    title = "Kerberos constrained delegation from the IIS front end to the server"
    source = sources.FACT_DELEGATION
    iis_versions = ("6.0", "10.0")
    roles = ("domain", "iis")
    needs = ("domain_changes",)
    risk = "medium"
    risk_why = "the front end may act as any user towards the named services; limited to those services"

    def not_applicable(self, ctx: Context) -> list[str]:
        policy, out = ctx.policy, []
        if policy.access.as_ != "end-user":
            out.append("only for access.as: end-user")
        if policy.iis.authentication not in ("negotiate", "ntlm"):
            out.append(f"for Windows authentication (negotiate, or ntlm with protocol transition); these "
                       f"requests use {policy.iis.authentication}")
        if policy.iis.workgroup:
            out.append("the server is in a workgroup: Kerberos needs a domain")
        elif policy.domain is None:
            out.append("the domain is not known: set iis.domain to name the accounts")
        return out

    def _services(self, ctx: Context) -> tuple[str, ...]:
        res = ctx.policy.resource
        if res.kind == "sql-server":
            return (f"MSSQLSvc/{res.server}:1433",)
        return (f"cifs/{res.server}",)

    def build(self, ctx: Context) -> Outcome:
        policy = ctx.policy
        domain = policy.domain or ""
        pool = pool_account(policy)
        front = pool if policy.is_domain(pool) else accounts.computer_account(domain, policy.host_name)
        back = accounts.computer_account(domain, policy.resource.server)
        transition = policy.iis.authentication == "ntlm"
        rbcd = windows_at_least(policy.resource.os, "2012")
        steps: list[Operation] = []
        reasons = []
        if policy.is_domain(pool):
            steps.append(RegisterSpn("domain", f"HTTP/{policy.iis.host}", pool))
            if not uses_metabase(policy.iis.version):
                steps.append(SetIisAttribute("iis", policy.iis.location, WINDOWS_SECTION,
                                             "useAppPoolCredentials", True))
            reasons.append(f"the pool runs as {pool}: the HTTP SPN goes on that account, and kernel-mode "
                           "authentication must decrypt tickets with its key (useAppPoolCredentials)")
        steps.append(ConfigureDelegation("domain", "rbcd" if rbcd else "kcd", front, back, self._services(ctx),
                                         transition and not rbcd))
        reasons.append(
            f"resource-based delegation, set on {back}, because {policy.resource.server} runs Windows "
            f"{policy.resource.os} (2012 or later) ({sources.FACT_DELEGATION})" if rbcd else
            f"classic constrained delegation on {front}, because {policy.resource.server} runs Windows "
            f"{policy.resource.os}, older than 2012, which resource-based delegation needs ({sources.FACT_DELEGATION})")
        if transition:
            reasons.append("NTLM requests need protocol transition (S4U2Self) before delegation"
                           + (" (inferred for resource-based delegation: verify)" if rbcd else ""))
        warnings = [DELEGATION_ADMIN,
                    "accounts marked \"sensitive and cannot be delegated\" and members of Protected Users are "
                    "never delegated",
                    "SPNs must match the name clients use (usually the FQDN): add those forms if the short "
                    "name is not what they use",
                    "Kerberos tickets are cached: users may need to log on again (klist purge) and the pool may "
                    "need a recycle"]
        if policy.resource.kind == "sql-server":
            warnings.append("if SQL Server runs as a domain service account, delegate to that account instead "
                            "and register the MSSQLSvc SPNs on it")
        return Outcome(steps, REQUESTING_USER, None, reasons, warnings)
