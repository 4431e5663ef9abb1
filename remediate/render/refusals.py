"""What a host's script language or Windows cannot do, refused before any template renders (exit 2).

Templates only spell: every "this host cannot run that step" decision lives here, so a refused
bundle stops the run before any text is produced, with the same message whichever file would
have carried the step.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from remediate.core.errors import Problem
from remediate.operations import (
    AssignAppPool,
    ConfigureDelegation,
    CreateLocalAccount,
    GrantNtfsAccess,
    RecycleAppPool,
    RegisterSpn,
    SetAnonymousUser,
    SetAppPoolIdentity,
    SetIisAttribute,
    SetMetabaseProperty,
)
from remediate.render.escape import USER_NAME_FORBIDDEN, UnsafeValue, forbidden_in_user_name
from remediate.render.tasks import HostScript, Task

# IIS 6.0 AppPoolIdentityType values (Microsoft Learn, "AppPoolIdentityType"): the identities IIS 6.0 has.
IIS6_IDENTITY_TYPES = ("LocalSystem", "LocalService", "NetworkService", "SpecificUser")
_DOMAIN_STEP = ("give the policy a domain_host that runs 2008 R2 or later, or none")


def _vbscript(task: Task, script: HostScript) -> str | None:
    """Why a VBScript (Windows Script Host) host cannot carry this step, or None."""
    op, where = task.op, f"{script.host} (Windows {script.windows})"
    if isinstance(op, (SetIisAttribute, SetAnonymousUser)):
        return (f"{task.kind} for {task.id}: IIS 7+ configuration (applicationHost.config) cannot be set "
                f"from a Windows Script Host script; {script.host} runs Windows {script.windows} and gets "
                "apply.vbs: check iis.version in the policy")
    if isinstance(op, RegisterSpn):
        return (f"register_spn for {task.id}: SPNs are registered from domain/apply.ps1 (setspn -S, Windows "
                f"Server 2008 R2 or later with PowerShell 5.1), not from apply.vbs on {where}: {_DOMAIN_STEP}")
    if isinstance(op, ConfigureDelegation):
        return (f"configure_delegation for {task.id}: Kerberos delegation is configured from domain/apply.ps1 "
                "(ActiveDirectory module, Windows Server 2008 R2 or later), not from apply.vbs on "
                f"{where}: {_DOMAIN_STEP}")
    if isinstance(op, (SetAppPoolIdentity, AssignAppPool, RecycleAppPool)) and not script.has("app_pools"):
        return (f"{task.kind} for {task.id}: application pools need IIS 6.0 (Windows Server 2003); "
                f"{script.host} runs Windows {script.windows}")
    if isinstance(op, SetAppPoolIdentity):
        if op.identity_type not in IIS6_IDENTITY_TYPES:
            return (f"set_app_pool_identity for {task.id}: IIS 6.0 has no {op.identity_type} identity "
                    "(AppPoolIdentityType 0-3)")
        if op.identity_type == "SpecificUser" and op.password is None:
            return (f"set_app_pool_identity for {task.id}: {op.account} has no password (a gMSA?), "
                    "which IIS 6.0 cannot use")
    if isinstance(op, GrantNtfsAccess) and ('"' in op.account or '"' in op.subpath):
        return f"grant_ntfs_access for {task.id}: a double quote in an account or path cannot be passed to icacls/cacls"
    if isinstance(op, CreateLocalAccount) and forbidden_in_user_name(op.name):
        return (f"create_local_account for {task.id}: {op.name} is not a valid Windows account name "
                f"(it may not contain {' '.join(USER_NAME_FORBIDDEN)})")
    return None


def _powershell(task: Task, script: HostScript) -> str | None:
    """Why a PowerShell host cannot carry this step, or None."""
    op = task.op
    if isinstance(op, SetMetabaseProperty):
        return ("set_metabase_property is for IIS 4.0-6.0, whose hosts get VBScript (apply.vbs), not PowerShell: "
                f"{task.name} on {script.host}")
    if isinstance(op, AssignAppPool) and op.copied_settings:
        return (f"assign_app_pool for {task.id}: on IIS 7+ a pool with copied settings is made by create_app_pool, "
                "before its identity is set and the path moves")
    if isinstance(op, SetAppPoolIdentity) and op.identity_type == "SpecificUser":
        if not op.account:
            return f"set_app_pool_identity: SpecificUser needs an account ({task.name})"
        if op.password is None and not op.account.endswith("$"):
            return f"set_app_pool_identity: {op.account} has no password and is not a gMSA (DOMAIN\\name$)"
    if isinstance(op, CreateLocalAccount):
        bad = forbidden_in_user_name(op.name)
        if bad:
            return f"the local account name {op.name} contains {bad}, which Windows does not allow in user names"
    return None


def _language(task: Task, script: HostScript) -> str | None:
    """A kind with no template in this host's language (the messages above say why for the known ones)."""
    if script.language in task.op.languages:
        return None
    return f"{task.kind} for {task.id}: {script.host} gets a {script.language} script, which cannot carry it"


REFUSALS: dict[str, Callable[[Task, HostScript], str | None]] = {"vbscript": _vbscript, "powershell": _powershell}


def check_scripts(scripts: Iterable[HostScript]) -> None:
    """Raise every refusal of every script at once, before anything is rendered."""
    problems = [Problem("(render)", None, "", why) for script in scripts for task in script.tasks + script.restarts
                if (why := REFUSALS[script.language](task, script) or _language(task, script))]
    if problems:
        raise UnsafeValue(problems)
