"""The command line: one definition of every command, thin over the library.

Heavy imports (jinja2, pywinrm) happen inside the commands that need them, so
`remediate --help` stays fast. Every failure becomes an exit status (docs/policy.md, exit codes) and a
short message; a traceback only with --debug.
"""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from remediate import __version__
from remediate.core.errors import InputError
from remediate.core.exitcodes import ExitStatus

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Plan, render and apply fixes for IIS applications that cannot reach network "
                       "files, named pipes or SQL Server.")
_state = {"debug": False}


class PlanFormat(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"


class ListFormat(str, Enum):
    text = "text"
    json = "json"


PolicyArgs = Annotated[list[Path], typer.Argument(help="Policy files (YAML).", show_default=False)]
InventoryOpt = Annotated[Path | None, typer.Option("-i", "--inventory", help="Ansible inventory (file or folder).")]
LiteralOpt = Annotated[bool, typer.Option("--allow-literal-secrets",
                                          help="Accept passwords written in the policy (not recommended).")]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"remediate {__version__}")
        raise typer.Exit(ExitStatus.OK)


@app.callback()
def main_options(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of internal errors.")] = False,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    _state["debug"] = debug


def _inventory(path: Path, decrypt=None):
    """The inventory, its warnings printed (an empty one is legal but rarely meant)."""
    from remediate.inventory import load_inventory
    inv = load_inventory(path, decrypt)
    for warning in inv.warnings:
        typer.echo(f"warning: {warning}", err=True)
    return inv


def _load(policies: list[Path], inventory: Path | None, allow_literal: bool):
    from remediate.policy import load_policies
    loaded = load_policies(policies, allow_literal_secrets=allow_literal)
    inv = _inventory(inventory) if inventory else None
    if inv is not None:
        _check_hosts(loaded, inv)
    return loaded, inv


def _check_hosts(policies, inventory) -> None:
    """Every host or group a policy names must be in the inventory (a typo is bad input)."""
    from remediate.core.errors import Problem
    problems = []
    for policy in policies:
        for key, name in (("iis.host", policy.iis.host), ("resource.host", policy.resource.host),
                          ("domain_host", policy.domain_host)):
            if name:
                try:
                    inventory.expand(name)
                except InputError as exc:
                    problems += [Problem(policy.source, policy.line_of(key), key,
                                         f"{name} (policy {policy.name}): {p.message}") for p in exc.problems]
    if problems:
        raise InputError(problems)


def _console():
    from rich.console import Console
    return Console(highlight=False, soft_wrap=True)


@app.command()
def plan(policies: PolicyArgs, inventory: InventoryOpt = None,
         format: Annotated[PlanFormat, typer.Option("--format", "-f")] = PlanFormat.text,
         allow_literal_secrets: LiteralOpt = False) -> None:
    """Diagnose each policy and choose a strategy: the verdict, the steps and why."""
    from remediate.planner import make_plan
    from remediate.report import markdown, plans_document, print_text
    loaded, inv = _load(policies, inventory, allow_literal_secrets)
    plans = [make_plan(p, inv) for p in loaded]
    if format is PlanFormat.json:
        typer.echo(json.dumps(plans_document(plans), indent=2))
    elif format is PlanFormat.markdown:
        typer.echo(markdown(plans), nl=False)
    else:
        print_text(plans, _console())
    raise typer.Exit(ExitStatus.INFEASIBLE if any(p.infeasible for p in plans) else ExitStatus.OK)


class BundleFormat(str, Enum):
    bundle = "bundle"
    ansible = "ansible"


StrategyOpt = Annotated[str | None, typer.Option(
    "--strategy", help="Use this strategy for every policy, even a satisfied one (refused where infeasible).")]


def _check_strategy(strategy: str | None) -> None:
    from remediate.policy import STRATEGY_IDS
    if strategy is not None and strategy not in STRATEGY_IDS:
        raise typer.BadParameter(f"unknown strategy {strategy}; allowed: {', '.join(STRATEGY_IDS)}",
                                 param_hint="--strategy")


@app.command()
def render(policies: PolicyArgs,
           inventory: Annotated[Path, typer.Option("-i", "--inventory", help="Ansible inventory (file or folder).")],
           output: Annotated[Path, typer.Option(
               "-o", "--output", help="The bundle's folder: new, empty, or a previous bundle (replaced).")],
           strategy: StrategyOpt = None,
           format: Annotated[BundleFormat, typer.Option("--format", "-f")] = BundleFormat.bundle,
           allow_literal_secrets: LiteralOpt = False) -> None:
    """Write the reviewable bundle: scripts per host, rollback, .reg files, plan.json, REVIEW.md."""
    from remediate.planner import forced_refusals, make_plan
    from remediate.render.bundle import bundle_files, write_bundle
    _check_strategy(strategy)
    loaded, inv = _load(policies, inventory, allow_literal_secrets)
    plans = [make_plan(p, inv, forced=strategy) for p in loaded]
    refused = forced_refusals(plans, strategy)
    for message in refused:
        typer.echo(message, err=True)
    if refused:
        raise typer.Exit(ExitStatus.INFEASIBLE)
    command = " ".join(["remediate render", *map(str, policies), "-i", str(inventory), "-o", str(output),
                        *(["--strategy", strategy] if strategy else [])])
    if format is BundleFormat.ansible:
        # the bundle (REVIEW.md, the scripts the playbook leaves to run by hand) plus ansible/
        from remediate.render.ansible import ansible_files
        command += " --format ansible"
        files = bundle_files(plans, command)
        files.update(ansible_files(plans, command, inventory=str(inventory), output=str(output)))
        write_bundle(files, output)
        typer.echo(f"wrote {output} and the playbook {output / 'ansible' / 'site.yml'}")
        raise typer.Exit(ExitStatus.INFEASIBLE if any(p.infeasible for p in plans) else ExitStatus.OK)
    write_bundle(bundle_files(plans, command), output)
    typer.echo(f"wrote {output}")
    raise typer.Exit(ExitStatus.INFEASIBLE if any(p.infeasible for p in plans) else ExitStatus.OK)


@app.command()
def apply(
    policies: PolicyArgs,
    inventory: Annotated[Path, typer.Option("-i", "--inventory", help="Ansible inventory (file or folder).")],
    check: Annotated[bool, typer.Option("--check", help="Check mode: the scripts report, change nothing.")] = False,
    limit: Annotated[str | None, typer.Option("--limit", "-l", help="Ansible host pattern: only these.")] = None,
    forks: Annotated[int, typer.Option(
        "--forks", min=1, help="Hosts of a role at once; beyond 16, in worker processes (Linux).")] = 5,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Also write the bundle here.")] = None,
    operation_timeout: Annotated[int, typer.Option(
        "--operation-timeout", min=1, help="WS-Man OperationTimeout, seconds (the inventory's wins).")] = 20,
    read_timeout: Annotated[int, typer.Option(
        "--read-timeout", min=2, help="HTTP read timeout, seconds, above the operation timeout.")] = 30,
    timeout: Annotated[float, typer.Option("--timeout", min=1, help="Seconds for a host's whole run.")] = 900,
    max_envelope_kb: Annotated[int, typer.Option(
        "--max-envelope-kb", min=32, help="The hosts' MaxEnvelopeSizekb (150 on WinRM 2.0).")] = 500,
    vault_password_file: Annotated[list[str] | None, typer.Option(
        "--vault-password-file", help="ansible-vault password file (PATH or ID@PATH).")] = None,
    ask_vault_pass: Annotated[bool, typer.Option("--ask-vault-pass", help="Prompt for the vault password.")] = False,
    ask_pass: Annotated[bool, typer.Option("--ask-pass", "-k", help="Prompt for hosts with no password.")] = False,
    allow_literal_secrets: LiteralOpt = False,
    journal: Annotated[Path | None, typer.Option(
        "--journal", help="JSON lines appended, one per host (default: remediate-journal.jsonl here).")] = None,
    format: Annotated[ListFormat, typer.Option("--format", "-f")] = ListFormat.text,
    restart: Annotated[bool, typer.Option("--restart", help="Allow restarts that drop users' sessions.")] = False,
    strategy: StrategyOpt = None,
) -> None:
    """Render as render does, then run each host's script over WinRM (domain, resource servers, IIS)."""
    from getpass import getpass

    from remediate.apply.command import Options
    from remediate.apply.command import apply as run_apply
    from remediate.apply.journal import DEFAULT
    from remediate.inventory.vault import VaultSecrets
    from remediate.policy import load_policies
    _check_strategy(strategy)
    vault = VaultSecrets.from_options(vault_password_file or [], ask_vault_pass, prompt=getpass)
    loaded = load_policies(policies, allow_literal_secrets=allow_literal_secrets)
    inv = _inventory(inventory, vault.decrypt)
    _check_hosts(loaded, inv)
    options = Options(policies, inventory, check=check, restart=restart, limit=limit, forks=forks, output=output,
                      operation_timeout=operation_timeout, read_timeout=read_timeout, timeout=timeout,
                      envelope_kb=max_envelope_kb, ask_pass=ask_pass, allow_literal_secrets=allow_literal_secrets,
                      journal=journal or Path.cwd() / DEFAULT, format=format.value, strategy=strategy)
    raise typer.Exit(run_apply(loaded, inv, vault, options, prompt=getpass))


@app.command()
def validate(policies: PolicyArgs, inventory: InventoryOpt = None,
             allow_literal_secrets: LiteralOpt = False) -> None:
    """Check policy files (and that their hosts are in the inventory) without planning."""
    loaded, _ = _load(policies, inventory, allow_literal_secrets)
    for policy in loaded:
        typer.echo(f"{policy.source}: {policy.name}: valid")


@app.command()
def strategies(format: Annotated[ListFormat, typer.Option("--format", "-f")] = ListFormat.text) -> None:
    """List the strategy catalogue and the operation kinds its steps use."""
    from remediate.report import strategies_document
    doc = strategies_document()
    if format is ListFormat.json:
        typer.echo(json.dumps(doc, indent=2))
        return
    typer.echo(f"{'id':26} {'IIS':8} {'risk':7} {'needs':48} title")
    for s in doc["strategies"]:
        needs = ", ".join(s["needs"]) or "-"
        typer.echo(f"{s['id']:26} {s['iis_versions']:8} {s['risk']:7} {needs:48} {s['title']}")
    typer.echo("\nactions (the operation kinds of plan steps):")
    for a in doc["actions"]:
        typer.echo(f"  {a['action']:24} from Windows {a['oldest_windows']:6} {a['summary']}")


@app.command("inventory")
def inventory_cmd(
    inventory: Annotated[Path, typer.Option("-i", "--inventory", help="Ansible inventory (file or folder).")],
    graph: Annotated[bool, typer.Option("--graph", help="Groups and hosts as a tree.")] = False,
    list_: Annotated[bool, typer.Option("--list", help="Everything, as ansible-inventory --list.")] = False,
    host: Annotated[str | None, typer.Option("--host", help="One host's variables.")] = None,
) -> None:
    """Show what was understood of an inventory, secrets masked (like ansible-inventory)."""
    from remediate.inventory.view import graph as graph_view
    from remediate.inventory.view import host as host_view
    from remediate.inventory.view import to_list
    if sum([graph, list_, host is not None]) > 1:
        raise typer.BadParameter("give one of --graph, --list, --host")
    inv = _inventory(inventory)
    if host is not None:
        typer.echo(json.dumps(host_view(inv, host), indent=2, sort_keys=True))
    elif list_:
        typer.echo(json.dumps(to_list(inv), indent=2, sort_keys=True))
    else:
        typer.echo(graph_view(inv))


def main() -> None:
    """Entry point: exit statuses for every kind of failure, never a bare traceback."""
    from remediate.core.runtime import tune_for_batch
    tune_for_batch()
    try:
        code = app(standalone_mode=False)
        sys.exit(code if isinstance(code, int) else ExitStatus.OK)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except InputError as exc:
        for problem in exc.problems:
            typer.echo(f"error: {problem}", err=True)
        sys.exit(ExitStatus.BAD_INPUT)
    except typer.Abort:
        typer.echo("aborted", err=True)
        sys.exit(ExitStatus.BAD_INPUT)
    except typer.TyperException as exc:     # usage errors: unknown option, bad choice, missing file
        show = getattr(exc, "show", None)    # click's exceptions print themselves with the usage line
        if callable(show):
            show()
        else:
            typer.echo(f"error: {exc}", err=True)
        sys.exit(ExitStatus.BAD_INPUT)
    except Exception as exc:  # noqa: BLE001 - the last line of defence
        if _state["debug"]:
            raise
        typer.echo(f"remediate: internal error: {type(exc).__name__}: {exc} (run with --debug for details)",
                   err=True)
        sys.exit(ExitStatus.INTERNAL_ERROR)
