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

# Checked Windows facts, each with the public page it comes from (docs/windows-facts.md lists them
# with their addresses and how sure each one is).
LEARN = "Microsoft Learn"
FACT_IIS5_TOKENS = ("KB 216828 and the IIS 5.0 reference (LogonMethod, AnonymousPasswordSync); Digest as a network "
                    "token and mapped client certificates as clear-text logons are inferred, not documented")
FACT_IIS6_SYNC = f'{LEARN}, "AnonymousPasswordSync Metabase Property" and "Configuring Subauthentication" (IIS 6.0)'
FACT_LOGON_DEFAULT = (f'{LEARN}, "LogonMethod" (IIS 6.0 SDK; IIS 5.0 reference) and "Anonymous Authentication" '
                      '(anonymousAuthentication logonMethod, default ClearText)')
FACT_IUSR = f'{LEARN}, "Understanding Built-In User and Group Accounts in IIS 7" (IUSR acts anonymously on the network)'
FACT_EMPTY_ANON = f'{LEARN}, "Anonymous Authentication" (userName "" uses the pool identity)'
FACT_POOL = (f'{LEARN}, "Application Pool Identities" and "Process Model Settings for an '
             'Application Pool" (pool identities on the network)')
FACT_WAM = ('KB 319067, "How to run applications not in the context of the System account" (IWAM and in-process '
            'LocalSystem)')
FACT_LOCALSYSTEM = (f'KB 124184, cited by {KB} (LocalSystem: a null session on NT 4.0); {LEARN}, "Application Pool '
                    'Identities" (the computer account)')
FACT_SQL_PIPE = ('KB 2443455; MSSQLTips, "Understanding When SQL Server Kerberos Delegation is Needed" (SQL Server '
                 'refuses ANONYMOUS LOGON for Windows logins)')
FACT_NULL_SESSION = (f'{LEARN}, "Network access: Shares that can be accessed anonymously" and "Network access: '
                     'Named Pipes that can be accessed anonymously"')
FACT_LOGON_RIGHTS = ('KB 218756, "Logon Privileges Required for Anonymous Access" (interactive logons need "Log on '
                     'locally")')
FACT_DELEGATION = f'{LEARN}, "Kerberos Constrained Delegation Overview" (constrained and resource-based delegation)'
FACT_GMSA = (f'{LEARN}, "Process Model Settings for an Application Pool" (managed service accounts as '
             'pool identity; the empty password is common practice, not documented there)')
FACT_COMPLUS = f'{LEARN}, "Applications" (COM+ Administration Collections: Identity, Password); KB 319067'
FACT_SSL = f'{LEARN}, "Access Security" (sslFlags); the IIS 6.0 metabase AccessSSL is unverified'
FACT_LOGONUSER = f'{LEARN}, "LogonUserW function (winbase.h)" (on Windows 2000 the caller needs SE_TCB_NAME)'
FACT_AUDIT = f'{LEARN}, "auditpol set" and "4624(S): An account was successfully logged on"; KB 174073 (528 / 540)'
FACT_UNC_VDIR = (f'KB 280383, "IIS Security Recommendations When You Use a UNC Share"; {LEARN}, "Virtual Directory" '
                 '(Connect As credentials)')
FACT_BASIC7 = f'{LEARN}, "Basic Authentication" (an optional role service on IIS 7+)'
FACT_GLOBAL_MODULES = f'{LEARN}, "Global Modules <globalModules>" (a role service\'s installer adds its module there)'
