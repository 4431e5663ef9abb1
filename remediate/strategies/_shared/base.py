"""What every strategy declares, and the one way each is judged.

A strategy says when it applies, which constraints it needs, and which operations it
produces; `assess` runs the same checks for all of them in the same order, gathers every
reason it is infeasible (not just the first), and only then asks whether the identity it
would produce satisfies the policy, by the diagnosis's own rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from remediate.core import accounts
from remediate.core.versions import iis_between
from remediate.diagnosis import Verdict, judge
from remediate.operations import Operation, Role
from remediate.policy import Policy, SecretRef

NEED_TEXT = {
    "domain_accounts": "a domain account as identity",
    "file_server_changes": "changes on the resource's server",
    "null_sessions": "null sessions",
    "stored_credentials": "IIS or COM+ storing an account's password",
    "code_changes": "changes to the application's code",
    "authentication_change": "changing how the requests authenticate",
    "domain_changes": "Active Directory changes",
}


@dataclass
class Outcome:
    """What a feasible build produces: the steps and the identity the server will then see."""

    steps: list[Operation]
    identity: str
    policy_after: Policy | None = None     # the policy as it would read after the change
    reasons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class Assessment:
    feasible: bool
    reasons: list[str]
    steps: list[Operation] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class Context:
    policy: Policy
    verdict: Verdict

    def allows(self, need: str) -> bool:
        return self.policy.constraints.allows(need)

    @property
    def account(self) -> str | None:
        return self.policy.access.account

    @property
    def password(self) -> SecretRef:
        """The access password reference; without one, the script prompts."""
        return self.policy.access.password or SecretRef(prompt=True)

    def with_iis(self, **changes: object) -> Policy:
        """The policy as it would read after a change on the IIS side (no re-validation)."""
        return self.policy.model_copy(update={"iis": self.policy.iis.model_copy(update=changes)})

    def with_resource(self, **changes: object) -> Policy:
        return self.policy.model_copy(update={"resource": self.policy.resource.model_copy(update=changes)})

    def is_mirrored(self, account: str) -> bool:
        """A local account with the same name (and password) on the resource's server."""
        if self.policy.is_domain(account):
            return False
        name = accounts.user_name(account).lower()
        return any(accounts.user_name(a).lower() == name for a in self.policy.resource.local_accounts)


class Strategy:
    id: str
    title: str
    source: str
    iis_versions: tuple[str, str] = ("4.0", "10.0")
    roles: tuple[Role, ...] = ("iis",)
    needs: tuple[str, ...] = ()        # constraints it may need (the catalogue listing)
    risk: str = "medium"
    risk_why: str = ""
    preferred_only = False             # keep-local, audit-logons: chosen only when preferred
    judged = True                      # False for advice that does not change the identity
    needs_account = False

    @property
    def versions_text(self) -> str:
        low, high = self.iis_versions
        if (low, high) == ("4.0", "10.0"):
            return "all"
        return f"{low}+" if high == "10.0" else f"{low}-{high}"

    # -- what a strategy says about itself
    def not_applicable(self, ctx: Context) -> list[str]:
        """Reasons the situation is not one this strategy is for ("applies when")."""
        return []

    def needs_for(self, ctx: Context) -> tuple[str, ...]:
        """The constraints this policy's case needs (some depend on the account)."""
        return self.needs

    def account_problems(self, ctx: Context, account: str) -> list[str]:
        """Reasons the given access.account cannot serve (wrong kind of account)."""
        return []

    def build(self, ctx: Context) -> Outcome | list[str]:
        raise NotImplementedError

    def warnings(self, ctx: Context) -> list[str]:
        return []

    # -- the one judgement
    def assess(self, ctx: Context) -> Assessment:
        policy = ctx.policy
        low, high = self.iis_versions
        blockers: list[str] = []
        if not iis_between(policy.iis.version, low, high):
            blockers.append(f"for IIS {self.versions_text}; this server runs IIS {policy.iis.version}")
        else:
            blockers.extend(self.not_applicable(ctx))
        if blockers:
            return Assessment(False, blockers)
        for need in self.needs_for(ctx):
            if not ctx.allows(need):
                blockers.append(f"needs {NEED_TEXT[need]}, but constraints.{need} is forbidden")
        if self.needs_account:
            if not ctx.account:
                blockers.append("needs an account: set access.account (and access.password)")
            else:
                blockers.extend(self.account_problems(ctx, ctx.account))
        if blockers:
            return Assessment(False, blockers)
        built = self.build(ctx)
        if isinstance(built, list):
            return Assessment(False, built)
        if not self.judged:
            return Assessment(True, built.reasons, built.steps, [*built.warnings, *self.warnings(ctx)])
        after = built.policy_after or policy
        found = judge(after, built.identity)
        # rights come from the strategy's own grant steps (or advice), so reachability and the
        # identity decide here; for none, only "not reachable" counts
        works = found.satisfied if policy.access.as_ == "none" else found.reachable and found.identity_ok
        if not works:
            return Assessment(False, [*built.reasons, f"afterwards the server would see {built.identity}: "
                                      + "; ".join(found.reasons)])
        reasons = [*built.reasons, f"afterwards {policy.resource.server} sees {built.identity}: {found.reasons[0]}"]
        return Assessment(True, reasons, built.steps, [*built.warnings, *self.warnings(ctx)])

    def describe(self) -> dict:
        return {"id": self.id, "title": self.title, "source": self.source,
                "iis_versions": self.versions_text, "roles": list(self.roles),
                "needs": list(self.needs), "risk": self.risk}
