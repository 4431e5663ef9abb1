"""Which host runs which step: plans become one script per host (policy order), plus the
Active Directory script, each in the language that host's Windows has."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from remediate.core.errors import InputError, Problem
from remediate.core.versions import IIS_WINDOWS, windows_at_least
from remediate.inventory.names import folder_name_problem, shown
from remediate.operations import Operation, RecycleAppPool, RestartService
from remediate.planner import Plan
from remediate.policy import SecretRef
from remediate.render.features import windows_has
from remediate.render.libraries import libraries

RESTART_KINDS = (RecycleAppPool, RestartService)
DOMAIN = "domain"   # the folder (and shown name) of AD steps when the policy names no domain_host


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
    def state_key(self) -> str | None:
        """The key its before-value is saved under (Operation.state_key)."""
        return self.op.state_key()

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
    ad_only: bool = False        # the Active Directory steps of policies naming no domain_host: no inventory host

    @property
    def folder(self) -> str:
        return DOMAIN if self.ad_only else f"hosts/{self.host}"

    @property
    def secrets(self) -> list[SecretParameter]:
        found: dict[str, SecretParameter] = {}
        for task in self.tasks:
            for ref in task.op.secrets():
                param = SecretParameter.of(task.policy, ref)
                found.setdefault(param.name, param)
        return list(found.values())

    @property
    def writes_passwords(self) -> bool:
        """A task sets a password that cannot be read back: apply.ps1 takes -UpdatePassword to set it again."""
        return any(t.op.writes_password and not t.op.gives_advice(self.windows) for t in self.tasks)

    def libraries(self, script_kind: str) -> list[str]:
        """The script libraries its apply or rollback script includes (remediate.render.libraries)."""
        tasks = self.tasks + self.restarts if script_kind == "apply" else self.tasks   # rollback undoes no restart
        return libraries(self.language, self.windows, [t.op for t in tasks], script_kind)

    def has(self, feature: str) -> bool:
        """Whether this host's Windows has a feature of WINDOWS_FEATURES."""
        return windows_has(self.windows, feature)

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
    def of(cls, policy: str, ref: SecretRef) -> SecretParameter:
        return cls(f"{policy.replace('-', '_')}_password", policy, ref)


@dataclass
class HostFacts:
    """What the policies say about one host's Windows, and which policy said it."""

    iis: tuple[str, str] | None = None       # (IIS version, policy)
    os: tuple[str, str] | None = None        # (iis.os or resource.os written in a policy, policy)
    default_os: str | None = None            # resource.os left at its default

    def windows(self) -> str:
        if self.os:
            return self.os[0]
        if self.iis:
            return IIS_WINDOWS[self.iis[0]]
        return self.default_os or "2008r2"

    def language(self) -> str:
        """VBScript for IIS 4.0-6.0 and servers before 2008 R2; PowerShell for IIS 7.0+ (on Server
        2008, IIS 7.0's scripts are PowerShell with a warning: its settings have no WSH interface)."""
        if self.iis is not None:
            return "vbscript" if self.iis[0] in ("4.0", "5.0", "5.1", "6.0") else "powershell"
        return "powershell" if windows_at_least(self.windows(), "2008r2") else "vbscript"


def _claim(facts: HostFacts, host: str, plan: Plan, role: str) -> None:
    """Record what a policy implies; two policies must not disagree (it decides the language)."""
    policy = plan.policy
    claims: list[tuple[str, tuple[str, str]]] = []
    if role == "iis":
        claims.append(("iis", (policy.iis.version, policy.name)))
        if "os" in policy.iis.model_fields_set and policy.iis.os:      # the IIS host's Windows, given
            claims.append(("os", (policy.iis.os, policy.name)))
    elif role == "file_server" and "os" in policy.resource.model_fields_set:
        claims.append(("os", (policy.resource.os, policy.name)))
    elif role == "file_server":
        facts.default_os = facts.default_os or policy.resource.os
    for slot, claim in claims:
        first = getattr(facts, slot)
        if first is None:
            setattr(facts, slot, claim)
        elif first[0] != claim[0]:
            what = "IIS" if slot == "iis" else "Windows"
            raise InputError([Problem(policy.source, None, "", f"policy {policy.name} says {host} runs {what} "
                                      f"{claim[0]}, policy {first[1]} says {what} {first[0]}: make them agree")])
    if facts.iis and facts.os and facts.iis[0] in ("4.0", "5.0", "5.1", "6.0") and windows_at_least(
            facts.os[0], "2008"):
        raise InputError([Problem(policy.source, None, "", f"{host} cannot run IIS {facts.iis[0]} "
                                  f"(policy {facts.iis[1]}) on Windows {facts.os[0]} (policy {facts.os[1]})")])


def _targets(plan: Plan) -> list[tuple[int, Operation, list[str | None]]]:
    """(step number, operation, hosts) for the steps that go into scripts; None for the domain/ folder."""
    steps = plan.steps if plan.strategy else []
    changing_roles = {op.role for op in steps if not op.advisory}
    out = []
    for number, op in enumerate(steps, 1):
        if op.role in changing_roles:          # advice for a host that gets no changes: REVIEW.md only
            hosts: list[str | None] = list(plan.hosts.get(op.role) or [])
            out.append((number, op, hosts or ([None] if op.role == "domain" else [])))
    return out


def _folder_name(host: str, plan: Plan) -> None:
    """A host's name becomes its folder only when it is a host name Windows can use as one."""
    problem = folder_name_problem(host)
    if problem:
        raise InputError([Problem(plan.policy.source, None, "", f"host {shown(host)} (policy {plan.policy.name}) "
                                  f"{problem}")])


def host_scripts(plans: list[Plan]) -> list[HostScript]:
    """Scripts in a stable order: hosts by first appearance, tasks in policy order."""
    facts: dict[str | None, HostFacts] = {}
    for plan in plans:
        for _, op, hosts in _targets(plan):
            for host in hosts:
                if host is not None:
                    _folder_name(host, plan)
                    _claim(facts.setdefault(host, HostFacts()), host, plan, op.role)
    scripts: dict[str | None, HostScript] = {}
    for plan in plans:
        strategy = plan.strategy
        if strategy is None:
            continue                                # satisfied or infeasible: no steps to place
        for number, op, hosts in _targets(plan):
            for host in hosts:
                host_facts = facts.get(host, HostFacts())
                script = scripts.setdefault(host, HostScript(host or DOMAIN, host_facts.language(),
                                                             host_facts.windows(), ad_only=host is None))
                if op.role not in script.roles:
                    script.roles.append(op.role)
                if plan not in script.policies:
                    script.policies.append(plan)
                task = Task(0, plan.policy.name, strategy.id, number, strategy.source, op)
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

