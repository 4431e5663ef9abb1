"""`remediate apply`: render as `render` does, pick the hosts, read the secrets, run the
scripts over WinRM in role order, and report (live view, plain lines or JSON) and journal."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from remediate.apply import framing
from remediate.apply.connection import connections
from remediate.apply.interrupt import Interruption
from remediate.apply.journal import DEFAULT, Journal
from remediate.apply.kinit import tickets
from remediate.apply.output import LiveView, PlainLines, Quiet
from remediate.apply.result import FAILED, REFUSED, UNREACHABLE, HostResult
from remediate.apply.runner import Job, Settings, run_host, unsupported
from remediate.apply.schedule import Reporter, Target, role_of, run_all
from remediate.apply.secrets import SecretReader, mask
from remediate.apply.workers import host_pool
from remediate.core.errors import InputError, Problem
from remediate.core.exitcodes import ExitStatus
from remediate.inventory import Inventory
from remediate.inventory.vault import VaultSecrets
from remediate.planner import Plan, forced_refusals, make_plan
from remediate.policy import Policy
from remediate.render.bundle import EXTENSIONS, bundle_files, write_bundle
from remediate.render.tasks import HostScript, host_scripts

Prompt = Callable[[str], str]


@dataclass(frozen=True)
class Options:
    policy_files: list[Path]
    inventory_path: Path
    check: bool = False
    restart: bool = False
    limit: str | None = None
    forks: int = 5
    output: Path | None = None
    operation_timeout: int = 20
    read_timeout: int = 30
    timeout: float = 900
    envelope_kb: int = 500
    ask_pass: bool = False
    allow_literal_secrets: bool = False
    journal: Path = Path(DEFAULT)
    format: str = "text"
    strategy: str | None = None      # --strategy: forced for every policy, as render does


@dataclass
class Prepared:
    """What a run needs, all read before the first host is contacted."""

    targets: list[Target]
    secrets: dict[str, str]          # parameter name -> value (empty in check mode)
    reader: SecretReader             # knows every value read, to mask them


def apply(policies: list[Policy], inventory: Inventory, vault: VaultSecrets, options: Options,
          prompt: Prompt | None) -> int:
    """Run it all; the exit status (docs/apply.md): 0 ok/changed, 4 failed, 5 unreachable or refused."""
    prepared = prepare(policies, inventory, vault, options, prompt)
    return prepared if isinstance(prepared, int) else execute(prepared, options)


def prepare(policies: list[Policy], inventory: Inventory, vault: VaultSecrets, options: Options,
            prompt: Prompt | None) -> Prepared | int:
    """Render (and write -o), pick the targets, resolve connections and secrets; an exit status
    instead when there is nothing to run. Input problems raise InputError (exit 2)."""
    plans = [make_plan(p, inventory, forced=options.strategy) for p in policies]
    refused = forced_refusals(plans, options.strategy)
    for message in refused:
        print(message, file=sys.stderr)
    if refused:
        return ExitStatus.INFEASIBLE
    files = bundle_files(plans, _render_command(options))
    if options.output is not None:
        write_bundle(files, options.output)
    infeasible = [p for p in plans if p.infeasible]
    for plan in infeasible:
        print(f"{plan.policy.name}: no feasible strategy (see remediate plan); nothing is applied", file=sys.stderr)
    if infeasible:
        return ExitStatus.INFEASIBLE
    targets = _targets(plans, files, inventory, options)
    if not targets:
        print("nothing to apply" + (" on the hosts --limit selects" if options.limit else ""), file=sys.stderr)
        return ExitStatus.OK
    runnable = [t for t in targets if t.refused is None]
    found = connections(inventory, [t.host for t in runnable], ask_pass=prompt if options.ask_pass else None,
                        secrets=vault, allow_literal_secrets=options.allow_literal_secrets,
                        operation_timeout=options.operation_timeout, read_timeout=options.read_timeout)
    missing = unsupported(found)
    if missing:
        raise InputError([Problem(str(options.inventory_path), None, "ansible_winrm_transport", m) for m in missing])
    for target, connection in zip(runnable, found, strict=True):
        target.connection = connection
        for warning in connection.warnings:
            print(f"warning: {warning}", file=sys.stderr)
    sources = {p.policy.name: (p.policy.source, p.policy.line_of("access.password")) for p in plans}
    reader = SecretReader(prompt=prompt, allow_literal=options.allow_literal_secrets, sources=sources)
    values = {} if options.check else reader.read_all(p for t in runnable for p in t.parameters)
    return Prepared(targets, values, reader)


def execute(prepared: Prepared, options: Options, reporter: Reporter | None = None) -> int:
    """Run the targets in role order, report and journal each host; the exit status."""
    import winrm  # noqa: F401 - once, here, rather than in every worker thread at once
    journal = Journal(options.journal, options.check, prepared.reader.values)
    settings = Settings(timeout=options.timeout, envelope_kb=options.envelope_kb, check=options.check,
                        restart=options.restart)
    masked = prepared.reader.values + [t.connection.password for t in prepared.targets
                                       if t.connection is not None and t.connection.password]

    def run(target: Target, cancel: threading.Event, on_step: Callable[[str, str], None]) -> HostResult:
        if target.host in no_ticket:
            return HostResult(target.host, target.role, UNREACHABLE, [], mask(no_ticket[target.host], masked))
        secrets = {p.name: prepared.secrets[p.name] for p in target.parameters} if not options.check else {}
        if target.connection is None:       # prepare() gave every runnable target its connection
            raise RuntimeError(f"no connection settings for {target.host}")
        job = Job(target.host, target.role, target.connection, target.script or "", secrets)
        result = run_host(job, settings, cancel, on_step=on_step)
        return dataclasses.replace(result, tasks=mask(result.tasks, masked), message=mask(result.message, masked))

    framing.command_line()   # rendered once here, before host_pool's workers would each render it
    cancel = threading.Event()
    runnable = [t for t in prepared.targets if t.refused is None]
    with contextlib.ExitStack() as cleanup:      # on every path: the hosts' pool, the tickets, the journal
        cleanup.callback(journal.close)
        no_ticket = cleanup.enter_context(tickets([t.connection for t in runnable if t.connection is not None]))
        hosts = host_pool(run, options.forks, runnable, cancel)
        stop = Interruption(cancel)
        cleanup.callback(lambda: hosts.close(wait=not stop.abandoned))
        reporter = reporter or _reporter(options, prepared.targets)   # after host_pool: it may fork
        with stop:
            results = run_all(prepared.targets, hosts, options.forks, _Journaled(reporter, journal), stop)
    reporter.close(results, options.check, str(options.journal))
    status = ExitStatus.UNREACHABLE if stop.interrupted else exit_status(results)
    if stop.abandoned:
        # hosts given up on still hold threads in requests that may last the read timeout: everything is
        # written, so end now rather than wait for them (worker processes delete their shells on their own)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)
    return status


class _Journaled(Reporter):
    """A reporter that also writes each finished host to the journal."""

    def __init__(self, reporter: Reporter, journal: Journal):
        self.reporter, self.journal = reporter, journal

    def started(self, target: Target) -> None:
        self.reporter.started(target)

    def step(self, host: str, step: str) -> None:
        self.reporter.step(host, step)

    def finished(self, result: HostResult, target: Target) -> None:
        self.journal.write(result, target.policies)
        self.reporter.finished(result, target)


def exit_status(results: list[HostResult]) -> int:
    statuses = {r.status for r in results}
    if statuses & {UNREACHABLE, REFUSED}:
        return ExitStatus.UNREACHABLE
    if FAILED in statuses:
        return ExitStatus.TASK_FAILED
    return ExitStatus.OK


def _render_command(options: Options) -> str:
    """The command line `render` writes into each script's header, so the scripts are the same."""
    output = str(options.output) if options.output is not None else "DIR"
    return " ".join(["remediate render", *map(str, options.policy_files), "-i", str(options.inventory_path),
                     "-o", output, *(["--strategy", options.strategy] if options.strategy else [])])


def _targets(plans: list[Plan], files: dict[str, bytes], inventory: Inventory, options: Options) -> list[Target]:
    """Every script to run or refuse; --limit selects inventory hosts (never the domain/ script)."""
    selected = set(inventory.match(options.limit)) if options.limit else None
    targets = []
    for script in host_scripts(plans):
        if selected is not None and script.host not in selected:
            continue
        path = f"{script.folder}/apply.{EXTENSIONS[script.language]}"
        target = Target(script.host, role_of(script.roles), [p.policy.name for p in script.policies],
                        parameters=script.secrets)
        target.refused = _refusal(script, path, options.output)
        if target.refused is None:
            target.script = files[path].decode("utf-8-sig")
        targets.append(target)
    return targets


def _refusal(script: HostScript, path: str, output: Path | None) -> str | None:
    where = f"{output}/{path}" if output is not None else f"{path} (write the bundle with -o DIR)"
    if script.ad_only:
        return (f"Active Directory steps are not applied over WinRM: run {where} by hand as a domain admin "
                "(the ActiveDirectory module needed), then apply the rest with --limit")
    if script.language == "vbscript":
        return (f"a legacy host (Windows {script.windows}): its script is VBScript, which apply does not run over "
                f"WinRM: run {where} with cscript //nologo on the host (with /check first to see what it would change)")
    if script.legacy_powershell:
        return (f"Windows {script.windows} cannot have Windows PowerShell 5.1, which the script needs: run the "
                f"steps of {where} by hand on the host")
    return None


def _reporter(options: Options, targets: list[Target]):
    if options.format == "json":
        return Quiet(sys.stdout)
    from rich.console import Console
    console = Console(highlight=False, soft_wrap=True)
    if console.is_interactive and sys.stdout.isatty():
        return LiveView(console, targets)
    return PlainLines(sys.stdout)
