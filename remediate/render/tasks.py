"""Which host runs which step: plans become one script per host (policy order), plus the
Active Directory script, each in the language that host's Windows has."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from ..operations import Advisory, Operation, RecycleAppPool, RestartService
from ..planner import Plan
from ..policy import SecretRef
from ..versions import IIS_WINDOWS, windows_at_least

RESTART_KINDS = (RecycleAppPool, RestartService)
DOMAIN = "domain"   # the folder of AD steps when the policy names no domain_host


@dataclass(frozen=True)
class Task:
    """One step of one policy, as it appears in one host's script."""

    number: int              # 1-based within the script
    policy: str
    strategy: str
    step: int                # 1-based within the policy's plan
    source: str              # the article passage or fact the strategy follows
    op: Operation

    @property
    def id(self) -> str:
        return f"{self.policy}.{self.step}"

    @property
    def kind(self) -> str:
        return self.op.kind

    @property
    def name(self) -> str:
        value = self.op.value()
        return f"{self.op.kind}: {self.op.target()}" + (f" = {value}" if value else "")


@dataclass
class HostScript:
    host: str
    language: str                                # powershell | vbscript
    windows: str                                 # the oldest Windows among the host's roles
    roles: list[str] = field(default_factory=list)
    policies: list[Plan] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)
    restarts: list[Task] = field(default_factory=list)
    restart_policies: dict[Operation, list[str]] = field(default_factory=dict)   # who asked for each

    @property
    def folder(self) -> str:
        return DOMAIN if self.host == DOMAIN else f"hosts/{self.host}"

    @property
    def secrets(self) -> list["SecretParameter"]:
        found: dict[str, SecretParameter] = {}
        for task in self.tasks:
            for ref in task.op.secrets():
                param = SecretParameter.of(task.policy, ref)
                found.setdefault(param.name, param)
        return list(found.values())

    @property
    def legacy_powershell(self) -> bool:
        """Server 2008 (IIS 7.0) cannot have WMF 5.1: the script warns, apply refuses it."""
        return self.language == "powershell" and not windows_at_least(self.windows, "2008r2")


@dataclass(frozen=True)
class SecretParameter:
    """A script parameter for one secret: named for the policy and where it comes from."""

    name: str
    policy: str
    ref: SecretRef

    @classmethod
    def of(cls, policy: str, ref: SecretRef) -> "SecretParameter":
        return cls(f"{policy.replace('-', '_')}_password", policy, ref)


def _windows_of(plan: Plan, role: str) -> str:
    if role == "iis":
        return IIS_WINDOWS[plan.policy.iis.version]
    if role == "file_server":
        return plan.policy.resource.os
    return "2008r2"


def _language(windows: str, role: str, plan: Plan) -> str:
    if role == "iis" and plan.policy.iis.version in ("4.0", "5.0", "5.1", "6.0"):
        return "vbscript"
    if role == "iis":
        return "powershell"
    return "powershell" if windows_at_least(windows, "2008r2") else "vbscript"


def host_scripts(plans: list[Plan]) -> list[HostScript]:
    """Scripts in a stable order: hosts by first appearance, tasks in policy order."""
    scripts: dict[str, HostScript] = {}
    for plan in plans:
        steps = plan.steps
        if not steps or plan.strategy is None:
            continue
        changing_roles = {op.role for op in steps if not op.advisory}
        for step_number, op in enumerate(steps, 1):
            if op.role not in changing_roles:
                continue                      # advice for a host that gets no changes: REVIEW.md only
            hosts = plan.hosts.get(op.role) or ([DOMAIN] if op.role == "domain" else [])
            for host in hosts:
                windows = _windows_of(plan, op.role)
                script = scripts.get(host)
                if script is None:
                    script = scripts[host] = HostScript(host, _language(windows, op.role, plan), windows)
                elif not windows_at_least(windows, script.windows):
                    script.windows = windows
                if _language(windows, op.role, plan) == "vbscript":
                    script.language = "vbscript"
                if op.role not in script.roles:
                    script.roles.append(op.role)
                if plan not in script.policies:
                    script.policies.append(plan)
                task = Task(0, plan.policy.name, plan.strategy.id, step_number, plan.strategy.source, op)
                if not isinstance(op, RESTART_KINDS):
                    script.tasks.append(task)
                    continue
                asked = script.restart_policies.setdefault(op, [])
                if not asked:
                    script.restarts.append(task)
                if plan.policy.name not in asked:
                    asked.append(plan.policy.name)
    for script in scripts.values():
        script.tasks = [replace(t, number=n) for n, t in enumerate(script.tasks, 1)]
        script.restarts = [replace(t, number=n) for n, t in enumerate(script.restarts, len(script.tasks) + 1)]
    return list(scripts.values())


def is_advice(op: Operation) -> bool:
    return isinstance(op, Advisory) or op.advisory
