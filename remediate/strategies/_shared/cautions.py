"""Warnings several strategies give, each worded once."""

from remediate.core import sources


def baseline_resets(value: str) -> str:
    return (f"a GPO or a CIS/STIG baseline that sets \"Network access: {value} that can be accessed "
            "anonymously\" rewrites this value at its next refresh and undoes the change: add the entry "
            f"to that policy instead, or exempt the server ({sources.FACT_NULL_SESSION})")


SMB_SIGNING = ("a client that requires SMB signing (Windows Server 2025 and Windows 11 24H2 by default, or any "
               "host where the policy \"Digitally sign communications (always)\" is on) cannot use a null session, "
               "which has no session key to sign with (inferred, not verified on a real host: "
               f"{sources.SMB_SIGNING_2025})")

PASSWORD_WRITE_ONLY = ("the password cannot be read back: the PowerShell scripts set it when they create the account "
                       "or change the identity, and again only when run with -UpdatePassword; the VBScript scripts "
                       "(IIS 4.0-6.0, Windows before 2008 R2) set it on every run and report the task as changed")

DELEGATION_ADMIN = ("delegation changes need a domain administrator (classic constrained delegation needs "
                    "SeEnableDelegationPrivilege; resource-based needs write access to the back end's "
                    f"account) ({sources.FACT_DELEGATION})")

LOG_ON_LOCALLY = ("interactive logons need the \"Log on locally\" right, which domain controllers deny to "
                  f"ordinary accounts: remediate uses a batch or clear-text logon there ({sources.FACT_LOGON_RIGHTS})")

NULL_SESSION_OPEN = ("any client on the network can open it without credentials, not only this IIS server; "
                     "rights are granted to ANONYMOUS LOGON (S-1-5-7) explicitly, since Everyone does not "
                     "include anonymous users")

LANMAN_RESTART = ("the Server service (LanmanServer) is restarted only when the script runs with -Restart; "
                  "restarting it drops every open SMB session on the server")


def shared_pool(pool: str, current: str | None) -> str:
    was = f" (it is in {current} now)" if current else ""
    return (f"changing a shared pool's identity affects every application in it: remediate moves the path "
            f"into its own pool {pool}{was} and changes only that pool")
