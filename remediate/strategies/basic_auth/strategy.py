from remediate.core import sources
from remediate.core.accounts import REQUESTING_USER
from remediate.core.versions import iis_at_least
from remediate.operations import Advisory, Operation, RequireSsl
from remediate.strategies._shared.base import Context, Outcome, Strategy
from remediate.strategies._shared.cautions import LOG_ON_LOCALLY
from remediate.strategies._shared.changes import network_logon_method, set_logon_method, switch_to_basic


class BasicAuth(Strategy):
    """Basic gives IIS the user's password, so the user's own token can go on to the server."""

    title = "Authenticate with Basic over SSL (a clear-text logon as the user)"
    source = f"{sources.BASIC}; {sources.SSL}"
    needs = ("authentication_change",)
    risk = "medium"
    risk_why = "users' passwords travel to IIS in every request: safe only inside SSL/TLS"

    def not_applicable(self, ctx: Context) -> list[str]:
        if ctx.policy.access.as_ != "end-user":
            return ["only for access.as: end-user (the user's own identity)"]
        return []

    def needs_for(self, ctx: Context) -> tuple[str, ...]:
        return () if ctx.policy.iis.authentication == "basic" else self.needs

    def build(self, ctx: Context) -> Outcome:
        policy = ctx.policy
        # SSL first: Basic (and Windows authentication off) only once passwords can no longer travel in clear
        steps: list[Operation] = [RequireSsl("iis", policy.iis.site, policy.iis.path)]
        changes: dict[str, object] = {"authentication": "basic"}
        if policy.iis.authentication != "basic":
            steps += switch_to_basic(policy)
        if policy.logon_method == "network":
            method = network_logon_method(policy)
            steps.append(set_logon_method(policy.model_copy(update={"iis": policy.iis.model_copy(
                update={"authentication": "basic"})}), method))
            changes["logon_method"] = method
        steps.append(Advisory("file_server", f"make sure the users of {policy.scope} may "
                                             f"{policy.resource.access} {policy.resource.path}"))
        warnings = [f"Basic sends passwords readable in a network trace: SSL is required on the path "
                    f"({sources.SSL}; {sources.FACT_SSL})"]
        if not policy.iis.ssl:
            warnings.append("the path has no SSL binding yet (iis.ssl: false): add an https binding with a "
                            "certificate first, or requiring SSL makes the path unusable")
        if iis_at_least(policy.iis.version, "7.0"):
            warnings.append(f"Basic authentication is a role service that is not installed by default on IIS 7+ "
                            f"({sources.FACT_BASIC7}): the script checks that it is installed before it turns Basic on "
                            f"({sources.FACT_GLOBAL_MODULES})")
        if policy.iis.domain_controller and changes.get("logon_method", policy.logon_method) == "interactive":
            warnings.append(LOG_ON_LOCALLY)
        return Outcome(steps, REQUESTING_USER, ctx.with_iis(**changes), [
            f"with Basic, IIS holds the user's password and makes a clear-text logon whose token can reach the "
            f"network ({sources.BASIC})"], warnings)
