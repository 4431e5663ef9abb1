"""Where each rule comes from: the article's passages and the checked Windows facts.

Reasons in a plan end with one of these, so a reviewer can look the rule up.
"""

KB = "KB 207671"
TOKEN_TABLE = f'{KB}, "Authentication and impersonation types"'
TOKEN_TYPES = f'{KB}, "Token types"'
CLEAR_TEXT = f'{KB}, "Token types" (Clear Text logon and LogonMethod)'
PASSWORD_SYNC = f'{KB}, "Token types" (Automatic Password Synchronization)'
RECOGNISED = f'{KB}, "Token types" (an account that is recognised on the other computers)'
SMB_SIGNING_2025 = ('Microsoft Learn, "Control SMB signing behavior"; Microsoft storage blog, "SMB security '
                    'hardening in Windows Server 2025 & Windows 11"')
RIGHTS = f'{KB}, "Token types": you must also impersonate an account that has access to the resource'
KEEP_LOCAL = f'{KB}, "Problem avoidance": keep files on the local computer'
CONNECT_AS = f'{KB}, "Problem avoidance": a share located on another computer, Connect As'
BASIC = f'{KB}, "Problem avoidance": use Basic authentication or anonymous without password synchronization'
DOMAIN_ANONYMOUS = f'{KB}, "Problem avoidance": configure the anonymous account as a domain account'
MIRRORED = f'{KB}, "Problem avoidance": the same user name and password on the computer sharing the resource'
NULL_SESSION = f'{KB}, "Problem avoidance": NullSessionShares and NullSessionPipes'
THREAD = f'{KB}, "Problem avoidance": perform your own impersonation (LogonUser)'
COMPLUS = f'{KB}, "Problem avoidance": MTS package or COM+ server application with a specific identity'
SSL = f'{KB}, "Problem avoidance": encrypt Basic/clear-text logons with SSL'
LOGON_METHOD_NOTE = f'{KB}, closing note: LogonMethod 2 (network) denies network access'
AUDIT = f'{KB}, closing steps: audit logon events to see the logon type'
IIS5_NOTE = f'{KB}, closing note: the token details apply strictly to IIS 4.0'

FACT_IIS5_TOKENS = "windows-facts A.4, J (IIS 5.0+ tokens: digest, client certificates)"
FACT_IIS6_SYNC = "windows-facts A.4 [MB-APS] (password sync has no effect from IIS 6.0)"
FACT_LOGON_DEFAULT = "windows-facts A.2 [MB-LM6], B.1 (LogonMethod defaults)"
FACT_IUSR = "windows-facts B.1 [IIS-BUILTIN] (IUSR acts anonymously on the network)"
FACT_EMPTY_ANON = "windows-facts B.1 [CFG-ANON] (userName \"\" uses the pool identity)"
FACT_POOL = "windows-facts B.1 [CFG-PM] [IIS-APID] (pool identities on the network)"
FACT_WAM = "windows-facts A.2, A.4 [KB319067] (IWAM and in-process LocalSystem on IIS 4.0-5.1)"
FACT_LOCALSYSTEM = "windows-facts J (LocalSystem: null session on NT 4.0, computer account from 2000)"
FACT_SQL_PIPE = "windows-facts G (SQL Server refuses ANONYMOUS LOGON for Windows logins)"
FACT_NULL_SESSION = "windows-facts C.1 (NullSessionShares / NullSessionPipes)"
FACT_SMB_HARDENING = "windows-facts C.3 [SMB-HARDEN] (SMB signing on Server 2025 / Windows 11 24H2)"
FACT_LOGON_RIGHTS = "windows-facts J (interactive logons need \"Log on locally\")"
FACT_DELEGATION = "windows-facts F.1, F.3, J [KCD-OV] (Kerberos constrained delegation, RBCD)"
FACT_GMSA = "windows-facts F.4 (gMSA as application pool identity)"
FACT_COMPLUS = "windows-facts D [COM-APPS] [KB319067] (COM+ application identity)"
FACT_SSL = "windows-facts J (require SSL: sslFlags / AccessSSL)"
FACT_LOGONUSER = "windows-facts J (LogonUser needs SeTcbPrivilege on Windows 2000 and earlier)"
FACT_AUDIT = "windows-facts E (auditpol, events 4624 / 528 / 540)"
FACT_UNC_VDIR = "windows-facts A.5, B.1 [KB280383] (Connect As credentials)"
FACT_BASIC7 = "windows-facts B.1 [CFG-BASIC] (Basic is an optional role service on IIS 7+)"
