"""What a Windows version has that changes how a script spells a step: decided in Python, so that
templates only test a named feature (`script.has("auditpol")`), never compare versions."""

from __future__ import annotations

from remediate.core.versions import windows_at_least
from remediate.operations import SetAppPoolIdentity, SetComPlusIdentity

# Each feature, by the oldest Windows that has it.
WINDOWS_FEATURES = {
    "admin_consoles": "2000",                 # Computer Management, Local Security Policy (NT 4.0: User Manager)
    "complus": SetComPlusIdentity.oldest_windows,       # COMAdmin (NT 4.0 has MTS)
    "app_pools": SetAppPoolIdentity.oldest_windows,     # IIS 6.0 application pools
    "everyone_excludes_anonymous": "2003",    # Everyone no longer includes ANONYMOUS LOGON
    "auditpol": "2008",                       # auditpol.exe with subcategories
}


def windows_has(windows: str, feature: str) -> bool:
    return windows_at_least(windows, WINDOWS_FEATURES[feature])
