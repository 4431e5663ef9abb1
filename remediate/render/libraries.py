"""Which script libraries (templates/lib/<language>/<name>.<ext>) a rendered script includes.

The libraries are plain script text, by concern. A script includes the core (results and state)
and what its tasks' kinds need, each library after the ones it calls; nothing else. One table
says what each kind needs; tests/render/test_libraries.py checks it against the calls in
rendered scripts.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from remediate.operations import Operation
from remediate.render.features import windows_has

EXTENSIONS = {"powershell": "ps1", "vbscript": "vbs"}
CORE = ("results", "state")
# Every library of a language, in the order a script includes them.
ORDER = {
    "powershell": ("state", "results", "secrets", "native", "passwords", "accounts", "ntfs", "complus", "iis",
                   "apppools", "tasks"),
    "vbscript": ("results", "state", "secrets", "wmi", "registry", "services", "tools", "ntfs", "accounts",
                 "complus", "sql", "metabase", "apppools", "audit"),
}
# The libraries a library calls (included with it).
CALLS: dict[str, dict[str, tuple[str, ...]]] = {
    "powershell": {"tasks": ("results", "state"), "accounts": ("secrets",), "complus": ("secrets",),
                   "passwords": ("secrets",), "iis": ("passwords",), "secrets": ("results",),
                   "apppools": ("iis",)},
    "vbscript": {"apppools": ("metabase",), "audit": ("tools",), "ntfs": ("tools", "wmi"), "registry": ("wmi",),
                 "services": ("wmi",)},
}
# What apply scripts (and the Ansible export's step scripts) of a language always have.
APPLY: dict[str, tuple[str, ...]] = {"powershell": ("tasks",), "vbscript": ()}
# The libraries each operation kind's (apply, rollback) blocks call, beyond the core. WITH_SECRETS are
# included only for a step that has a secret; a library of FEATURES only on a Windows that has it; in
# PowerShell none for a step that is advice on its Windows.
KINDS: dict[str, dict[str, tuple[tuple[str, ...], tuple[str, ...]]]] = {
    "powershell": {"set_iis_attribute": (("iis", "secrets"), ("iis",)), "require_ssl": (("iis",), ("iis",)),
                   "create_local_account": (("accounts", "secrets"), ("accounts",)),
                   "grant_ntfs_access": (("accounts", "native"), ("accounts", "ntfs")),
                   "enable_logon_auditing": (("native",), ("native",)), "register_spn": (("native",), ("native",)),
                   "grant_share_access": (("accounts",), ("accounts",)),
                   "set_complus_identity": (("complus", "secrets"), ("complus",)),
                   "set_app_pool_identity": (("passwords", "secrets"), ("iis",)),
                   "create_app_pool": (("apppools",), ("iis",)), "assign_app_pool": ((), ("iis",)),
                   "set_virtual_directory": (("iis", "passwords", "secrets"), ("iis",)),
                   "set_anonymous_user": (("iis", "passwords", "secrets"), ("iis",))},
    "vbscript": {
        "append_registry_value": (("registry",), ("registry",)),
        "set_registry_value": (("registry",), ("registry",)),
        "assign_app_pool": (("apppools",), ("apppools",)), "recycle_app_pool": (("apppools",), ()),
        "set_app_pool_identity": (("apppools", "secrets"), ("apppools", "secrets")),
        "create_local_account": (("accounts", "secrets"), ()), "enable_logon_auditing": (("audit",), ("audit",)),
        "grant_ntfs_access": (("ntfs",), ("ntfs",)), "grant_sql_login": (("sql",), ("sql",)),
        "require_ssl": (("metabase",), ("metabase",)),
        "set_metabase_property": (("metabase", "secrets"), ("metabase", "secrets")),
        "set_virtual_directory": (("metabase", "secrets"), ("metabase", "secrets")),
        "restart_service": (("services",), ()),
        "set_complus_identity": (("complus", "secrets"), ("complus", "secrets")),
    },
}
# Libraries a step calls only when it has a secret.
WITH_SECRETS = ("secrets", "passwords")
# Libraries whose calls a template spells only on a Windows with this feature (render.tasks.WINDOWS_FEATURES).
FEATURES = {"audit": "auditpol", "complus": "complus"}


def libraries(language: str, windows: str, ops: list[Operation], script_kind: str) -> list[str]:
    """The library names a script of these operations includes, in ORDER."""
    wanted = set(CORE) | set(APPLY[language] if script_kind == "apply" else ())
    for op in ops:
        if language == "powershell" and op.gives_advice(windows):
            continue            # PowerShell advice for a person calls no library
        apply, rollback = KINDS[language].get(op.kind, ((), ()))
        for name in apply if script_kind == "apply" else rollback:
            if (name not in WITH_SECRETS or op.secrets()) and \
                    (name not in FEATURES or windows_has(windows, FEATURES[name])):
                wanted.add(name)
    calls = CALLS[language]
    while extra := {called for name in wanted for called in calls.get(name, ())} - wanted:
        wanted |= extra
    return [name for name in ORDER[language] if name in wanted]


@cache
def library_text(language: str, name: str) -> str:
    """One library file's text, without its final line break."""
    path = files("remediate.templates").joinpath("lib", language, f"{name}.{EXTENSIONS[language]}")
    return path.read_text(encoding="utf-8").rstrip("\n")


def included(language: str, names: list[str]) -> str:
    """The libraries' text as a script includes them: one blank line between two."""
    return "\n\n".join(library_text(language, name) for name in names)
