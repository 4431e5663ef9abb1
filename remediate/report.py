"""Plans as the JSON contract (docs/policy.md, the plan as JSON), as Markdown, and as text for a terminal.

The JSON document is the one source: Markdown and text are views of it, so the three can
never disagree about a verdict or a step.

May import: the layers below it and remediate.render.templating (for Markdown).
"""

from __future__ import annotations

from collections.abc import Iterable

from remediate.operations import Advisory
from remediate.planner import Plan
from remediate.strategies import CATALOGUE

ROLE_ORDER = ("domain", "file_server", "iis")


def plan_json(plan: Plan) -> dict:
    strategy = None
    if plan.strategy and plan.assessment:
        strategy = {"id": plan.strategy.id, "title": plan.strategy.title, "source": plan.strategy.source,
                    "risk": plan.strategy.risk, "risk_why": plan.strategy.risk_why, "scope": plan.policy.scope,
                    "hosts": plan.hosts, "steps": [op.as_step() for op in plan.steps],
                    "reasons": list(plan.assessment.reasons)}
    return {"policy": plan.policy.name, "verdict": plan.verdict.as_json(), "strategy": strategy,
            "alternatives": [{"id": alt.strategy.id, "feasible": alt.assessment.feasible,
                              "reasons": list(alt.assessment.reasons)} for alt in plan.alternatives],
            "warnings": list(plan.warnings)}


def plans_document(plans: Iterable[Plan]) -> dict:
    return {"version": 1, "plans": [plan_json(p) for p in plans]}


def strategies_document() -> dict:
    from remediate.operations import OPERATION_KINDS
    return {"version": 1, "strategies": [s.describe() for s in CATALOGUE],
            "actions": [{"action": k.kind, "summary": k.summary, "oldest_windows": k.oldest_windows}
                        for k in OPERATION_KINDS]}


def verdict_facts(verdict: dict) -> str:
    """reachable, identity and rights in words: `reachable, the account asked for, rights unknown`."""
    rights = {True: "rights granted", False: "rights missing", "unknown": "rights unknown"}[verdict["authorized"]]
    return ", ".join(["reachable" if verdict["reachable"] else "not reachable",
                      "the identity asked for" if verdict["identity_ok"] else "not the identity asked for", rights])


def step_hosts(plan: Plan) -> list[str]:
    """For each step, where it runs: the role's hosts, or 'by hand' for advice and unnamed hosts."""
    out = []
    for op in plan.steps:
        hosts = plan.hosts.get(op.role) or []
        out.append(", ".join(hosts) if hosts and not op.advisory else "by hand")
    return out


def _sketches(plan: Plan) -> list[dict]:
    from remediate.render.templating import render
    out = []
    for op in plan.steps:
        if isinstance(op, Advisory) and op.sketch:
            text = render(f"sketches/{op.sketch}.j2", account=plan.policy.access.account or "",
                          path=plan.policy.resource.path)
            out.append({"language": op.language, "text": text})
    return out


def markdown_views(plans: list[Plan]) -> list[dict]:
    """The JSON of each plan plus what the Markdown adds: hosts per step, code sketches."""
    return [{**doc, "scope_line": _scope_line(plan), "step_hosts": step_hosts(plan),
             "sketches": _sketches(plan), "access_as": plan.policy.access.as_,
             "verdict_facts": verdict_facts(doc["verdict"])}
            for plan, doc in zip(plans, plans_document(plans)["plans"], strict=True)]


def markdown(plans: list[Plan]) -> str:
    from remediate.render.templating import render
    return render("plan.md.j2", plans=markdown_views(plans))


def _scope_line(plan: Plan) -> str:
    p = plan.policy
    return (f"IIS {p.iis.version} on {p.iis.host}, {p.scope}, {p.iis.authentication} requests "
            f"(runs_as {p.iis.runs_as}) to {p.resource.kind} {p.resource.path}, access as {p.access.as_}; "
            f"from {p.source}")


def print_text(plans: list[Plan], console) -> None:
    """A terminal view; colour comes from rich only when the output is a terminal."""
    from rich.markup import escape
    for plan, doc in zip(plans, plans_document(plans)["plans"], strict=True):
        verdict = doc["verdict"]
        state = "[green]satisfied[/]" if verdict["satisfied"] else "[red]not satisfied[/]"
        console.print(f"[bold]{escape(plan.policy.name)}[/]  {escape(_scope_line(plan))}")
        console.print(f"  verdict: {state}: token {verdict['token']}, the server sees "
                      f"{escape(verdict['identity'])}, {verdict_facts(verdict)}")
        for reason in verdict["reasons"]:
            console.print(f"    - {escape(reason)}")
        strategy = doc["strategy"]
        if strategy:
            console.print(f"  strategy: [bold]{strategy['id']}[/] ({strategy['risk']} risk): "
                          f"{escape(strategy['title'])}")
            for reason in strategy["reasons"]:
                console.print(f"    - {escape(reason)}")
            console.print("  steps:")
            for n, (step, hosts) in enumerate(zip(strategy["steps"], step_hosts(plan), strict=True), 1):
                advisory = " (advisory)" if step["advisory"] else ""
                value = f" = {step['value']}" if step["value"] else ""
                where = escape(f"[{step['role']}: {hosts}]")
                console.print(f"    {n}. {where} {step['action']}{advisory}: "
                              f"{escape(step['target'])}{escape(value)}")
        elif not verdict["satisfied"]:
            console.print(f"  strategy: [red]none feasible[/] for access.as {plan.policy.access.as_}")
        console.print("  alternatives:")
        for alt in doc["alternatives"]:
            mark = "feasible" if alt["feasible"] else "no"
            console.print(f"    - {alt['id']} ({mark}): {escape('; '.join(alt['reasons']))}")
        if doc["warnings"]:
            console.print("  warnings:")
            for warning in doc["warnings"]:
                console.print(f"    [yellow]![/] {escape(warning)}")
        console.print()
