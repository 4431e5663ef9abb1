from remediate.core import accounts, sources
from remediate.core.poolsettings import copied_pool_settings, copied_pool_settings_summary
from remediate.core.versions import iis_at_least, uses_metabase
from remediate.diagnosis import process_identity
from remediate.operations import (
    Advisory,
    AssignAppPool,
    CreateAppPool,
    Operation,
    PoolIdentityType,
    RecycleAppPool,
    SetAppPoolIdentity,
)
from remediate.policy import Policy
from remediate.strategies._shared.base import Context, Outcome, Strategy
from remediate.strategies._shared.cautions import shared_pool
from remediate.strategies._shared.changes import grant_access, set_anonymous_account


class AppPoolIdentity(Strategy):
    """Modern IIS: the code (or the anonymous user) runs as a pool identity the server knows."""

    title = "Run the path in a dedicated application pool with a recognised identity"
    source = f"{sources.FACT_POOL}; {sources.FACT_EMPTY_ANON}; {sources.FACT_GMSA}"
    iis_versions = ("6.0", "10.0")
    needs = ("domain_accounts", "stored_credentials")
    risk = "medium"
    risk_why = "the path moves to a new pool and runs under another identity; other applications are untouched"

    def not_applicable(self, ctx: Context) -> list[str]:
        iis = ctx.policy.iis
        if iis.runs_as == "process":
            return []
        if iis.authentication == "anonymous" and iis_at_least(iis.version, "7.0"):
            return []
        if iis.authentication == "anonymous":
            return ["on IIS 6.0 anonymous requests impersonate the anonymous account, never the pool identity"]
        return [f"the code runs under the request's {iis.authentication} token, not the pool identity "
                "(runs_as: request)"]

    def _identity(self, ctx: Context) -> tuple[PoolIdentityType, str | None] | list[str]:
        """(identity type, account) for the pool: access.account when one is named, else the built-in
        identity that arrives as the computer account."""
        policy, account = ctx.policy, ctx.account
        server = policy.resource.server
        if account:
            if ctx.is_mirrored(account):
                return "SpecificUser", account
            if not policy.is_domain(account):
                return [f"{account} is a local account that {server} does not know: name a domain account, a "
                        "gMSA, or an account mirrored in resource.local_accounts"]
            if accounts.is_gmsa(account) and not iis_at_least(policy.iis.version, "8.0"):
                return [f"{account} is a gMSA, which needs IIS 8.0 or later"]
            return "SpecificUser", account
        if policy.iis.workgroup:
            return [f"the server is in a workgroup: a built-in pool identity reaches {server} as a null session; "
                    "needs a mirrored local account (access.account listed in resource.local_accounts)"]
        modern = iis_at_least(policy.iis.version, "7.5")
        builtin: PoolIdentityType = "ApplicationPoolIdentity" if modern else "NetworkService"
        return builtin, None

    def needs_for(self, ctx: Context) -> tuple[str, ...]:
        chosen = self._identity(ctx)
        if isinstance(chosen, list) or chosen[1] is None:
            return ()
        account = chosen[1]
        domain = ("domain_accounts",) if ctx.policy.is_domain(account) else ()
        return domain if accounts.is_gmsa(account) else (*domain, "stored_credentials")

    def build(self, ctx: Context) -> Outcome | list[str]:
        chosen = self._identity(ctx)
        if isinstance(chosen, list):
            return chosen
        identity_type, account = chosen
        policy = ctx.policy
        in_place = bool(policy.iis.app_pool_dedicated)
        pool = (policy.iis.app_pool or "") if in_place else policy.name
        password = None if account is None or accounts.is_gmsa(account) else ctx.password
        anonymous_to_pool = policy.iis.runs_as == "request"
        identity, _ = process_identity(policy, account or identity_type)
        steps: list[Operation] = []
        copied = copied_pool_settings(policy.iis.version)
        if in_place:
            steps.append(SetAppPoolIdentity("iis", pool, identity_type, account, password))
        elif uses_metabase(policy.iis.version):
            # IIS 6.0: the pool is created, copied and the path moved in one metabase task, then the identity set
            steps.append(AssignAppPool("iis", policy.iis.site, policy.iis.path, pool, copied_settings=copied))
            steps.append(SetAppPoolIdentity("iis", pool, identity_type, account, password))
        else:
            # the path moves only into a pool that already runs as the new identity
            steps.append(CreateAppPool("iis", policy.iis.site, policy.iis.path, pool, copied))
            steps.append(SetAppPoolIdentity("iis", pool, identity_type, account, password))
            steps.append(AssignAppPool("iis", policy.iis.site, policy.iis.path, pool))
        if anonymous_to_pool:
            steps += set_anonymous_account(policy, "", None)
        if account and accounts.is_gmsa(account):
            steps.append(Advisory("domain", f"allow the IIS computers to use {account} "
                                            "(PrincipalsAllowedToRetrieveManagedPassword) and run "
                                            f"Install-ADServiceAccount on each ({sources.FACT_GMSA})"))
        steps += grant_access(policy, identity, ctx.allows("file_server_changes"))
        steps.append(RecycleAppPool("iis", pool))
        after = self._after(ctx, pool, account or identity_type, anonymous_to_pool)
        who = account or f"{identity_type} (the computer account)"
        reasons = [f"the pool {pool} runs as {who}, which reaches {policy.resource.server} as {identity} "
                   f"({sources.FACT_POOL})"]
        if in_place:
            reasons.append(f"{pool} serves this path only (iis.app_pool_dedicated), so its identity changes "
                           "in place")
        else:
            reasons.append(f"the path moves into a new pool {pool}, which the script creates with the settings of the "
                           "pool the path runs in when the script runs, so only the identity differs; the script's "
                           "result lists the values it wrote "
                           f"({copied_pool_settings_summary(policy.iis.version)})")
        if anonymous_to_pool:
            reasons.append(f"anonymous requests run as the pool identity once the anonymous user name is "
                           f"empty ({sources.FACT_EMPTY_ANON})")
        warnings = [] if in_place else [shared_pool(pool, policy.iis.app_pool)]
        if account is None and policy.domain is None:
            warnings.append("the domain is not known: set iis.domain so the computer account can be named")
        return Outcome(steps, identity, after, reasons, warnings)

    @staticmethod
    def _after(ctx: Context, pool: str, identity: str, anonymous_to_pool: bool) -> Policy:
        changes: dict[str, object] = {"app_pool": pool, "app_pool_identity": identity}
        if anonymous_to_pool:
            changes["anonymous_account"] = ""
        return ctx.with_iis(**changes)
