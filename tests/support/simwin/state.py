"""The simulated Windows' starting state: one JSON document per host that every golden script may touch.

It holds what the goldens' example inventory assumes exists (shares, their folders and ACLs, IIS locations,
the domain accounts and their SIDs, the Logon audit subcategory), with IIS values inherited (set nowhere),
so a rollback that pins an inherited value instead of clearing it shows up as a difference.
"""

from __future__ import annotations

import copy
from typing import Any

SHARES = ("audit", "docs", "gallery", "invoices", "orders", "public", "reports", "scans")
LANMAN_PARAMETERS = r"HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services\LanmanServer\Parameters"
LOGON_SUBCATEGORY = "0CCE9215-69AE-11D9-BED3-505054503030"
AUTHENTICATION = "system.webServer/security/authentication/"
SITE_PATHS = ("Default Web Site/gallery", "Default Web Site/home", "Default Web Site/myfiles",
              "Default Web Site/reports", "Default Web Site/scans")
SECRET = "simwin-Secret-1"     # every password the harness passes, and the domain accounts' passwords
DOMAIN_ACCOUNTS = ("gmsa-gallery$", "svc-audit", "svc-billing", "svc-reports", "svc-webcontent")
# What every pool inherits on IIS 10 (the schema defaults: Microsoft Learn, "Adding Application Pools <add>",
# "Process Model Settings for an Application Pool <processModel>", "Recycling Settings for an Application Pool
# <recycling>", "Periodic Restart Settings for Application Pool Recycling <periodicRestart>").
POOL_DEFAULTS: dict[str, Any] = {
    "managedRuntimeVersion": "v4.0", "managedPipelineMode": "Integrated", "enable32BitAppOnWin64": False,
    "recycling.disallowOverlappingRotation": False, "recycling.disallowRotationOnConfigChange": False,
    "recycling.logEventOnRecycle": "Time, Memory, PrivateMemory",
    "recycling.periodicRestart.time": "1.05:00:00", "recycling.periodicRestart.requests": 0,
    "recycling.periodicRestart.memory": 0, "recycling.periodicRestart.privateMemory": 0,
    "recycling.periodicRestart.schedule": [],
    "processModel.idleTimeout": "00:20:00", "processModel.maxProcesses": 1, "processModel.pingingEnabled": True,
    "processModel.pingInterval": "00:00:30", "processModel.pingResponseTime": "00:01:30",
    "processModel.shutdownTimeLimit": "00:01:30", "processModel.startupTimeLimit": "00:01:30",
    "processModel.loadUserProfile": True, "processModel.logonType": "LogonBatch",
    "processModel.manualGroupMembership": False, "processModel.setProfileEnvironment": True,
    "processModel.logEventOnProcessModel": "IdleTimeout", "processModel.idleTimeoutAction": "Terminate",
}
# What an administrator set on DefaultAppPool itself, which a pool copying its settings must take (maxProcesses is
# set to the value it would inherit anyway, so the copy has nothing to write for it).
DEFAULT_APP_POOL_SETTINGS: dict[str, Any] = {
    "managedRuntimeVersion": "v2.0", "managedPipelineMode": "Classic", "enable32BitAppOnWin64": True,
    "recycling.periodicRestart.time": "00:00:00", "recycling.periodicRestart.schedule": ["03:00:00", "15:00:00"],
    "processModel.idleTimeout": "00:00:00", "processModel.loadUserProfile": False, "processModel.maxProcesses": 1,
}


def _folder_acl() -> dict[str, Any]:
    """Administrators full control, inherited from the volume root: nothing for the accounts the scripts grant."""
    return {"owner": "S-1-5-32-544",
            "access": [{"sid": "S-1-5-32-544", "type": "Allow", "rights": 2032127, "inheritance": 3,
                        "propagation": 0, "inherited": True}]}


def _without_https_binding(state: dict[str, Any]) -> None:
    site = state["iis"]["paths"]["Default Web Site"]
    site["bindings"]["Collection"] = [b for b in site["bindings"]["Collection"] if b["protocol"] != "https"]


def _without_basic_authentication(state: dict[str, Any]) -> None:
    state["iis"]["globalModules"].remove("BasicAuthenticationModule")


# Hosts other than the usual one, for the preconditions: what a script must refuse before its first change.
VARIANTS = {"no https binding": _without_https_binding, "no Basic role service": _without_basic_authentication}


def initial_state(host: str, variant: str = "") -> dict[str, Any]:
    """The state document a test writes before running a host's scripts (changed as VARIANTS[variant] says)."""
    state = _usual_state(host)
    if variant:
        VARIANTS[variant](state)
    return state


def _usual_state(host: str) -> dict[str, Any]:
    accounts = {r"NT AUTHORITY\ANONYMOUS LOGON": {"sid": "S-1-5-7", "local": False},
                r"BUILTIN\Administrators": {"sid": "S-1-5-32-544", "local": False}}
    for number, name in enumerate(DOMAIN_ACCOUNTS, start=1101):
        accounts["CONTOSO\\" + name] = {"sid": f"S-1-5-21-1004336348-1177238915-682003330-{number}", "local": False,
                                         "password": SECRET}
    accounts["CONTOSO\\WEB12$"] = {"sid": "S-1-5-21-1004336348-1177238915-682003330-1201", "local": False}
    return {
        "registry": {LANMAN_PARAMETERS: {"NullSessionShares": {"type": "MultiString", "value": ["COMCFG", "DFS$"]},
                                         "NullSessionPipes": {"type": "MultiString", "value": ["netlogon"]}}},
        "iis": {
            "defaults": {
                AUTHENTICATION + "anonymousAuthentication": {"enabled": True, "userName": "IUSR", "password": ""},
                AUTHENTICATION + "basicAuthentication": {"enabled": False, "logonMethod": "ClearText"},
                AUTHENTICATION + "windowsAuthentication": {"enabled": True},
                "system.webServer/security/access": {"sslFlags": "None"},
            },
            # one value an administrator set at a location (rollback must put it back there)
            "config": {"Default Web Site/home": {AUTHENTICATION + "basicAuthentication": {"logonMethod": "Network"}}},
            "paths": {path: {"ElementTagName": "application", "applicationPool": "DefaultAppPool",
                             "physicalPath": "C:\\inetpub\\wwwroot\\" + path.split("/")[-1]} for path in SITE_PATHS}
            | {"Default Web Site": {"ElementTagName": "site", "applicationPool": "DefaultAppPool",
                                    "physicalPath": "C:\\inetpub\\wwwroot",
                                    "bindings": {"Collection": [
                                        {"protocol": "http", "bindingInformation": "*:80:"},
                                        {"protocol": "https", "bindingInformation": "*:443:"}]}},
               "Intranet/docs": {"ElementTagName": "virtualDirectory", "physicalPath": "D:\\intranet\\docs",
                                 "userName": "", "password": ""}},
            "appPoolDefaults": copy.deepcopy(POOL_DEFAULTS),
            "appPools": {"DefaultAppPool": {"state": "Started", "recycles": 0,
                                            "processModel": {"identityType": "ApplicationPoolIdentity",
                                                             "userName": "", "password": ""},
                                            "settings": copy.deepcopy(DEFAULT_APP_POOL_SETTINGS)}},
            "backups": {},
            # the role services' modules installed (system.webServer/globalModules), Basic authentication's among them
            "globalModules": ["AnonymousAuthenticationModule", "BasicAuthenticationModule",
                              "WindowsAuthenticationModule"],
        },
        "smb": {"shares": {name: {"path": "D:\\shares\\" + name,
                                  "access": [{"AccountName": "BUILTIN\\Administrators", "AccessControlType": "Allow",
                                              "AccessRight": "Full"}]} for name in SHARES}},
        "ntfs": {"D:\\shares\\" + name: _folder_acl() for name in (*SHARES, "gallery\\images")},
        "accounts": accounts,
        "audit": {LOGON_SUBCATEGORY: {"name": "Logon", "success": True, "failure": False}},
        "complus": {"Billing": {"components": ["Billing.InvoiceWriter"], "Identity": "Interactive User"}},
        "services": {"LanmanServer": {"restarts": 0}, "W3SVC": {"restarts": 0}},
        "ad": {
            "CN=WEB12,CN=Computers,DC=contoso,DC=com": {
                "sAMAccountName": "WEB12$", "ObjectClass": "computer", "userAccountControl": 4096,
                "msDS-AllowedToDelegateTo": [], "PrincipalsAllowedToDelegateToAccount": []},
            "CN=SQL01,CN=Computers,DC=contoso,DC=com": {
                "sAMAccountName": "SQL01$", "ObjectClass": "computer", "userAccountControl": 4096,
                "msDS-AllowedToDelegateTo": [], "PrincipalsAllowedToDelegateToAccount": []},
        },
        "gmsaInstalled": ["gmsa-gallery"],     # Install-ADServiceAccount done on the IIS hosts
        "host": host,
    }
