"""Choosing one strategy per policy (docs/policy.md): every strategy is assessed, so the plan can
say why each alternative was or was not taken.

May import: remediate.core, remediate.policy, remediate.inventory, remediate.diagnosis,
remediate.operations, remediate.strategies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from remediate.diagnosis import Verdict, diagnose
from remediate.operations import Operation
from remediate.policy import ORDERS, Policy
from remediate.strategies import BY_ID, CATALOGUE, Assessment, Context, Strategy

if TYPE_CHECKING:
    from remediate.inventory import Inventory



@dataclass
class Alternative:
    strategy: Strategy
    assessment: Assessment


@dataclass
class Plan:
    policy: Policy
    verdict: Verdict
    strategy: Strategy | None
    assessment: Assessment | None
    alternatives: list[Alternative]
    hosts: dict[str, list[str]]
    warnings: list[str] = field(default_factory=list)
    order_feasible: bool = True

    @property
    def steps(self) -> list[Operation]:
        return self.assessment.steps if self.assessment else []

    @property
    def infeasible(self) -> bool:
        """Not satisfied, and nothing in the order for its access.as can be done (exit 3)."""
        return not self.verdict.satisfied and not self.order_feasible


def candidates(policy: Policy) -> list[str]:
    """`prefer` first, in its order, then the order for access.as; advisory ids only when preferred."""
    order = [sid for sid in policy.prefer]
    order += [sid for sid in ORDERS[policy.access.as_] if sid not in order]
    return order


def _host_names(name: str | None, inventory: Inventory | None) -> list[str]:
    if not name:
        return []
    return inventory.expand(name) if inventory else [name]


def _hosts(policy: Policy, steps: list[Operation], inventory: Inventory | None) -> dict[str, list[str]]:
    """The hosts the steps change, by role; advisory steps change nothing."""
    roles = {op.role for op in steps if not op.advisory}
    names = {"iis": policy.iis.host, "file_server": policy.resource.server_host, "domain": policy.domain_host}
    return {role: _host_names(names[role], inventory) if role in roles else [] for role in names}


def make_plan(policy: Policy, inventory: Inventory | None = None, forced: str | None = None) -> Plan:
    """The plan for one policy; `forced` (render --strategy) replaces the order with one id and is
    planned even for a satisfied policy (a deliberate move to another identity)."""
    verdict = diagnose(policy)
    ctx = Context(policy, verdict)
    assessed = {s.id: s.assess(ctx) for s in CATALOGUE}
    order = [forced] if forced else candidates(policy)
    chosen: str | None = None
    if forced or not verdict.satisfied:
        chosen = next((sid for sid in order if assessed[sid].feasible), None)
    order_feasible = any(assessed[sid].feasible for sid in ORDERS[policy.access.as_])
    alternatives = []
    for strategy in CATALOGUE:
        if strategy.id == chosen:
            continue
        assessment = assessed[strategy.id]
        if assessment.feasible:
            note = ("not needed: the policy is already satisfied" if verdict.satisfied and not forced else
                    _why_not_chosen_text(strategy, chosen, policy, order))
            assessment = Assessment(True, [note, *assessment.reasons], assessment.steps, assessment.warnings)
        alternatives.append(Alternative(strategy, assessment))
    picked = assessed[chosen] if chosen else None
    steps = picked.steps if picked else []
    warnings = [*input_warnings(policy), *(picked.warnings if picked else [])]
    return Plan(policy, verdict, BY_ID[chosen] if chosen else None, picked, alternatives,
                _hosts(policy, steps, inventory), warnings, order_feasible)


def forced_refusals(plans: list[Plan], forced: str | None) -> list[str]:
    """For `--strategy ID`: one message per policy where ID cannot apply, with its reasons (exit 3)."""
    if forced is None:
        return []
    return [f"{plan.policy.name}: {forced} is not feasible: "
            + "; ".join(next(a.assessment.reasons for a in plan.alternatives if a.strategy.id == forced))
            for plan in plans if plan.strategy is None]


def input_warnings(policy: Policy) -> list[str]:
    """What the policy may mean but does not say."""
    res = policy.resource
    if res.kind == "unc-share" and not res.dfs_target and "." in res.path_server and not res.path_server[0].isdigit():
        return [f"{res.path_server} is taken as a server name; if {res.path} is a DFS path, give "
                "resource.dfs_target (rights and NullSessionShares apply at its folder target)"]
    return []


def _why_not_chosen_text(strategy: Strategy, chosen: str | None, policy: Policy, order: list[str]) -> str:
    if strategy.id not in order:
        if strategy.preferred_only:
            return "feasible, but advice only: chosen only when listed in prefer"
        return f"feasible, but not in the order for access.as: {policy.access.as_}"
    return f"feasible, but {chosen} comes first in the order"
