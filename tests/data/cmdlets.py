"""The cmdlets generated scripts may call, with the parameters Microsoft documents for them.

Each entry was read from Microsoft's reference pages (the MicrosoftDocs sources of
learn.microsoft.com: PowerShell-Docs reference/5.1 for Windows PowerShell 5.1, and
windows-powershell-docs for the Windows Server modules); the URL is next to it. Only the
parameters in the page's SYNTAX are listed (the common parameters are in
tests/scriptcheck.COMMON_PARAMETERS). A script must spell parameters in full: aliases and
abbreviations are not accepted here, on purpose.
"""

from __future__ import annotations

CMDLETS: dict[str, set[str]] = {
    # ---------------------------------------------------------- Microsoft.PowerShell.Management (5.1)
    # https://learn.microsoft.com/powershell/module/microsoft.powershell.management/join-path?view=powershell-5.1
    "Join-Path": {"Path", "ChildPath", "Resolve", "Credential", "UseTransaction"},
    # https://learn.microsoft.com/powershell/module/microsoft.powershell.management/test-path?view=powershell-5.1
    "Test-Path": {"Path", "LiteralPath", "Filter", "Include", "Exclude", "PathType", "IsValid", "Credential",
                  "UseTransaction", "OlderThan", "NewerThan"},
    # https://learn.microsoft.com/powershell/module/microsoft.powershell.management/get-content?view=powershell-5.1
    "Get-Content": {"ReadCount", "TotalCount", "Tail", "Path", "LiteralPath", "Filter", "Include", "Exclude",
                    "Force", "Credential", "UseTransaction", "Delimiter", "Wait", "Raw", "Encoding", "Stream"},
    # https://learn.microsoft.com/powershell/module/microsoft.powershell.management/split-path?view=powershell-5.1
    "Split-Path": {"Path", "LiteralPath", "Parent", "NoQualifier", "Leaf", "Qualifier", "IsAbsolute", "Resolve",
                   "Credential", "UseTransaction"},
    # https://learn.microsoft.com/powershell/module/microsoft.powershell.management/new-item?view=powershell-5.1
    "New-Item": {"Path", "Name", "ItemType", "Value", "Force", "Credential", "WhatIf", "Confirm",
                 "UseTransaction"},
    # https://learn.microsoft.com/powershell/module/microsoft.powershell.management/set-content?view=powershell-5.1
    "Set-Content": {"Value", "PassThru", "Path", "LiteralPath", "Filter", "Include", "Exclude", "Force",
                    "Credential", "WhatIf", "Confirm", "UseTransaction", "NoNewline", "Encoding", "Stream"},
    # https://learn.microsoft.com/powershell/module/microsoft.powershell.management/get-itemproperty?view=powershell-5.1
    "Get-ItemProperty": {"Path", "LiteralPath", "Name", "Filter", "Include", "Exclude", "Credential",
                         "UseTransaction"},
    # https://learn.microsoft.com/powershell/module/microsoft.powershell.management/new-itemproperty?view=powershell-5.1
    "New-ItemProperty": {"Path", "LiteralPath", "Name", "PropertyType", "Value", "Force", "Filter", "Include",
                         "Exclude", "Credential", "WhatIf", "Confirm", "UseTransaction"},
    # https://learn.microsoft.com/powershell/module/microsoft.powershell.management/set-itemproperty?view=powershell-5.1
    "Set-ItemProperty": {"Path", "LiteralPath", "Name", "Value", "InputObject", "PassThru", "Force", "Filter",
                         "Include", "Exclude", "Credential", "WhatIf", "Confirm", "UseTransaction"},
    # https://learn.microsoft.com/powershell/module/cimcmdlets/get-ciminstance?view=powershell-5.1
    "Get-CimInstance": {"ClassName", "ComputerName", "KeyOnly", "Namespace", "OperationTimeoutSec", "QueryDialect",
                        "Shallow", "Filter", "Property", "CimSession", "ResourceUri", "Query", "InputObject"},
    # https://learn.microsoft.com/powershell/module/microsoft.powershell.management/restart-service?view=powershell-5.1
    "Restart-Service": {"Force", "InputObject", "Name", "DisplayName", "PassThru", "Include", "Exclude", "WhatIf",
                        "Confirm"},

    # https://learn.microsoft.com/powershell/module/microsoft.powershell.management/get-item?view=powershell-5.1
    # (the Certificate provider's dynamic parameters are left out: the scripts never read Cert:)
    "Get-Item": {"Path", "LiteralPath", "Filter", "Include", "Exclude", "Force", "Credential", "UseTransaction",
                 "Stream"},
    # https://learn.microsoft.com/powershell/module/microsoft.powershell.management/clear-itemproperty?view=powershell-5.1
    "Clear-ItemProperty": {"Path", "LiteralPath", "Name", "PassThru", "Force", "Filter", "Include", "Exclude",
                           "Credential", "WhatIf", "Confirm", "UseTransaction"},
    # https://learn.microsoft.com/powershell/module/microsoft.powershell.management/remove-itemproperty?view=powershell-5.1
    "Remove-ItemProperty": {"Path", "LiteralPath", "Name", "Force", "Filter", "Include", "Exclude", "Credential",
                            "WhatIf", "Confirm", "UseTransaction"},

    # ---------------------------------------------------------- Microsoft.PowerShell.Security (5.1)
    # https://learn.microsoft.com/powershell/module/microsoft.powershell.security/get-acl?view=powershell-5.1
    "Get-Acl": {"Path", "InputObject", "LiteralPath", "Audit", "AllCentralAccessPolicies", "Filter", "Include",
                "Exclude", "UseTransaction"},
    # https://learn.microsoft.com/powershell/module/microsoft.powershell.security/set-acl?view=powershell-5.1
    "Set-Acl": {"Path", "InputObject", "LiteralPath", "AclObject", "CentralAccessPolicy", "ClearCentralAccessPolicy",
                "Passthru", "Filter", "Include", "Exclude", "WhatIf", "Confirm", "UseTransaction"},

    # ---------------------------------------------------------- Microsoft.PowerShell.Utility (5.1)
    # https://learn.microsoft.com/powershell/module/microsoft.powershell.utility/new-object?view=powershell-5.1
    "New-Object": {"TypeName", "ArgumentList", "Property", "ComObject", "Strict"},
    # https://learn.microsoft.com/powershell/module/microsoft.powershell.utility/convertto-json?view=powershell-5.1
    "ConvertTo-Json": {"InputObject", "Depth", "Compress"},
    # https://learn.microsoft.com/powershell/module/microsoft.powershell.utility/convertfrom-json?view=powershell-5.1
    "ConvertFrom-Json": {"InputObject"},
    # https://learn.microsoft.com/powershell/module/microsoft.powershell.utility/add-type?view=powershell-5.1
    "Add-Type": {"TypeDefinition", "Language", "ReferencedAssemblies", "CodeDomProvider", "CompilerParameters",
                 "OutputAssembly", "OutputType", "PassThru", "IgnoreWarnings", "Name", "Namespace", "MemberDefinition",
                 "UsingNamespace", "Path", "LiteralPath", "AssemblyName"},
    # https://learn.microsoft.com/powershell/module/microsoft.powershell.utility/read-host?view=powershell-5.1
    "Read-Host": {"Prompt", "AsSecureString"},
    # https://learn.microsoft.com/powershell/module/microsoft.powershell.utility/get-date?view=powershell-5.1
    "Get-Date": {"Date", "Year", "Month", "Day", "Hour", "Minute", "Second", "Millisecond", "DisplayHint", "Format",
                 "UFormat"},
    # https://learn.microsoft.com/powershell/module/microsoft.powershell.utility/write-warning?view=powershell-5.1
    "Write-Warning": {"Message"},
    # https://learn.microsoft.com/powershell/module/microsoft.powershell.utility/write-output?view=powershell-5.1
    "Write-Output": {"InputObject", "NoEnumerate"},

    # https://learn.microsoft.com/previous-versions/dd347688(v=technet.10) (Windows PowerShell; -Stable, -Top
    # and -Bottom of https://learn.microsoft.com/powershell/module/microsoft.powershell.utility/sort-object are 6+)
    "Sort-Object": {"Property", "CaseSensitive", "Culture", "Descending", "InputObject", "Unique"},
    # https://learn.microsoft.com/powershell/module/microsoft.powershell.utility/convertfrom-csv
    "ConvertFrom-Csv": {"Delimiter", "InputObject", "Header", "UseCulture"},

    # ---------------------------------------------------------- Microsoft.PowerShell.Core (5.1)
    # https://learn.microsoft.com/powershell/module/microsoft.powershell.core/foreach-object?view=powershell-5.1
    # (no -Parallel: that is PowerShell 7)
    "ForEach-Object": {"InputObject", "Begin", "Process", "End", "RemainingScripts", "MemberName", "ArgumentList",
                       "WhatIf", "Confirm"},
    # https://learn.microsoft.com/powershell/module/microsoft.powershell.core/where-object?view=powershell-5.1
    "Where-Object": {"InputObject", "Property", "Value", "FilterScript", "EQ", "CEQ", "NE", "CNE", "GT", "CGT", "LT",
                     "CLT", "GE", "CGE", "LE", "CLE", "Like", "CLike", "NotLike", "CNotLike", "Match", "CMatch",
                     "NotMatch", "CNotMatch", "Contains", "CContains", "NotContains", "CNotContains", "In", "CIn",
                     "NotIn", "CNotIn", "Is", "IsNot"},
    # https://learn.microsoft.com/powershell/module/microsoft.powershell.core/get-command?view=powershell-5.1
    "Get-Command": {"ArgumentList", "Verb", "Noun", "Module", "FullyQualifiedModule", "TotalCount", "Syntax",
                    "ShowCommandInfo", "All", "ListImported", "ParameterName", "ParameterType", "Name", "CommandType"},
    # https://learn.microsoft.com/powershell/module/microsoft.powershell.core/out-null?view=powershell-5.1
    "Out-Null": {"InputObject"},
    # https://learn.microsoft.com/powershell/module/microsoft.powershell.core/import-module?view=powershell-5.1
    "Import-Module": {"Global", "Prefix", "Name", "Function", "Cmdlet", "Variable", "Alias", "Force", "PassThru",
                      "AsCustomObject", "MinimumVersion", "MaximumVersion", "RequiredVersion", "ArgumentList",
                      "DisableNameChecking", "NoClobber", "Scope", "PSSession", "CimSession", "CimResourceUri",
                      "CimNamespace", "FullyQualifiedName", "Assembly", "ModuleInfo"},

    # ---------------------------------------------------------- WebAdministration (IIS 7.5+)
    # https://learn.microsoft.com/powershell/module/webadministration/get-webconfigurationproperty
    "Get-WebConfigurationProperty": {"Name", "Recurse", "Clr", "Location", "Filter", "PSPath"},
    # https://learn.microsoft.com/powershell/module/webadministration/set-webconfigurationproperty
    "Set-WebConfigurationProperty": {"Filter", "PSPath", "Name", "Value", "InputObject", "Clr", "AtElement",
                                     "AtIndex", "AtName", "Force", "Location", "WhatIf", "Confirm"},
    # https://learn.microsoft.com/powershell/module/webadministration/remove-webconfigurationproperty
    "Remove-WebConfigurationProperty": {"Name", "Clr", "AtElement", "AtIndex", "AtName", "Force", "Location",
                                        "Filter", "PSPath", "WhatIf", "Confirm"},
    # https://learn.microsoft.com/powershell/module/webadministration/get-webconfiguration
    "Get-WebConfiguration": {"Recurse", "Metadata", "Clr", "Location", "Filter", "PSPath"},
    # https://learn.microsoft.com/powershell/module/webadministration/remove-webapppool
    "Remove-WebAppPool": {"Name", "WhatIf", "Confirm"},
    # https://learn.microsoft.com/powershell/module/webadministration/start-webcommitdelay
    "Start-WebCommitDelay": set(),
    # https://learn.microsoft.com/powershell/module/webadministration/stop-webcommitdelay
    "Stop-WebCommitDelay": {"Commit", "PSPath"},
    # Windows Server 2008 R2's names for the two above:
    # https://learn.microsoft.com/previous-versions/windows/it-pro/windows-server-2008-R2-and-2008/ee790562(v=technet.10)
    "Begin-WebCommitDelay": set(),
    # https://learn.microsoft.com/previous-versions/windows/it-pro/windows-server-2008-R2-and-2008/ee790600(v=technet.10)
    "End-WebCommitDelay": {"Commit", "PSPath"},
    # https://learn.microsoft.com/powershell/module/webadministration/backup-webconfiguration
    "Backup-WebConfiguration": {"Name"},
    # https://learn.microsoft.com/powershell/module/webadministration/new-webapppool
    "New-WebAppPool": {"Name", "Force"},
    # https://learn.microsoft.com/powershell/module/webadministration/new-webapplication
    "New-WebApplication": {"Site", "Name", "PhysicalPath", "ApplicationPool", "Force"},
    # https://learn.microsoft.com/powershell/module/webadministration/convertto-webapplication
    "ConvertTo-WebApplication": {"ApplicationPool", "Force", "PSPath", "WhatIf", "Confirm"},
    # https://learn.microsoft.com/powershell/module/webadministration/remove-webapplication
    "Remove-WebApplication": {"Site", "Name", "WhatIf", "Confirm"},
    # https://learn.microsoft.com/powershell/module/webadministration/new-webvirtualdirectory
    "New-WebVirtualDirectory": {"Site", "Application", "Name", "PhysicalPath", "Force"},
    # https://learn.microsoft.com/powershell/module/webadministration/get-webapppoolstate
    "Get-WebAppPoolState": {"Name"},
    # https://learn.microsoft.com/powershell/module/webadministration/restart-webapppool
    "Restart-WebAppPool": {"Name"},
    # https://learn.microsoft.com/powershell/module/webadministration/get-webfilepath
    "Get-WebFilePath": {"PSPath"},

    # ---------------------------------------------------------- SmbShare (Server 2012+)
    # https://learn.microsoft.com/powershell/module/smbshare/grant-smbshareaccess
    "Grant-SmbShareAccess": {"Name", "ScopeName", "SmbInstance", "AccountName", "AccessRight", "Force", "InputObject",
                             "CimSession", "ThrottleLimit", "AsJob", "WhatIf", "Confirm"},
    # https://learn.microsoft.com/powershell/module/smbshare/revoke-smbshareaccess
    "Revoke-SmbShareAccess": {"Name", "ScopeName", "SmbInstance", "AccountName", "Force", "InputObject",
                              "CimSession", "ThrottleLimit", "AsJob", "WhatIf", "Confirm"},
    # https://learn.microsoft.com/powershell/module/smbshare/get-smbshareaccess
    "Get-SmbShareAccess": {"Name", "ScopeName", "SmbInstance", "InputObject", "CimSession", "ThrottleLimit", "AsJob",
                           "WhatIf", "Confirm"},
    # https://learn.microsoft.com/powershell/module/smbshare/get-smbshare
    "Get-SmbShare": {"Name", "ScopeName", "Scoped", "Special", "ContinuouslyAvailable", "ShareState",
                     "FolderEnumerationMode", "CachingMode", "LeasingMode", "ConcurrentUserLimit", "AvailabilityType",
                     "CaTimeout", "EncryptData", "CompressData", "IncludeHidden", "SmbInstance", "CimSession",
                     "ThrottleLimit", "AsJob"},

    # ---------------------------------------------------------- ActiveDirectory (RSAT)
    # https://learn.microsoft.com/powershell/module/activedirectory/test-adserviceaccount
    "Test-ADServiceAccount": {"AuthType", "Identity"},
    # https://learn.microsoft.com/powershell/module/activedirectory/get-adobject
    "Get-ADObject": {"AuthType", "Credential", "Filter", "IncludeDeletedObjects", "Properties", "ResultPageSize",
                     "ResultSetSize", "SearchBase", "SearchScope", "Server", "Identity", "Partition", "LDAPFilter"},
    # https://learn.microsoft.com/powershell/module/activedirectory/get-adcomputer
    "Get-ADComputer": {"AuthType", "Credential", "Filter", "Properties", "ResultPageSize", "ResultSetSize",
                       "SearchBase", "SearchScope", "Server", "Identity", "Partition", "LDAPFilter"},
    # https://learn.microsoft.com/powershell/module/activedirectory/get-aduser
    "Get-ADUser": {"AuthType", "Credential", "Filter", "Properties", "ResultPageSize", "ResultSetSize", "SearchBase",
                   "SearchScope", "Server", "Identity", "Partition", "LDAPFilter"},
    # https://learn.microsoft.com/powershell/module/activedirectory/get-adserviceaccount
    "Get-ADServiceAccount": {"AuthType", "Credential", "Filter", "Properties", "ResultPageSize", "ResultSetSize",
                             "SearchBase", "SearchScope", "Server", "Identity", "Partition", "LDAPFilter"},
    # https://learn.microsoft.com/powershell/module/activedirectory/set-adobject
    "Set-ADObject": {"WhatIf", "Confirm", "Add", "AuthType", "Clear", "Credential", "Description", "DisplayName",
                     "Identity", "Partition", "PassThru", "ProtectedFromAccidentalDeletion", "Remove", "Replace",
                     "Server", "Instance"},
    # https://learn.microsoft.com/powershell/module/activedirectory/set-adcomputer
    "Set-ADComputer": {"WhatIf", "Confirm", "AccountExpirationDate", "AccountNotDelegated", "Add",
                       "AllowReversiblePasswordEncryption", "AuthenticationPolicy", "AuthenticationPolicySilo",
                       "AuthType", "CannotChangePassword", "Certificates", "ChangePasswordAtLogon", "Clear",
                       "CompoundIdentitySupported", "Credential", "Description", "DisplayName", "DNSHostName",
                       "Enabled", "HomePage", "Identity", "KerberosEncryptionType", "Location", "ManagedBy",
                       "OperatingSystem", "OperatingSystemHotfix", "OperatingSystemServicePack",
                       "OperatingSystemVersion", "Partition", "PassThru", "PasswordNeverExpires",
                       "PasswordNotRequired", "PrincipalsAllowedToDelegateToAccount", "Remove", "Replace",
                       "SAMAccountName", "Server", "ServicePrincipalNames", "TrustedForDelegation",
                       "UserPrincipalName", "Instance"},
    # https://learn.microsoft.com/powershell/module/activedirectory/set-aduser
    "Set-ADUser": {"WhatIf", "Confirm", "AccountExpirationDate", "AccountNotDelegated", "Add",
                   "AllowReversiblePasswordEncryption", "AuthenticationPolicy", "AuthenticationPolicySilo", "AuthType",
                   "CannotChangePassword", "Certificates", "ChangePasswordAtLogon", "City", "Clear", "Company",
                   "CompoundIdentitySupported", "Country", "Credential", "Department", "Description", "DisplayName",
                   "Division", "EmailAddress", "EmployeeID", "EmployeeNumber", "Enabled", "Fax", "GivenName",
                   "HomeDirectory", "HomeDrive", "HomePage", "HomePhone", "Identity", "Initials",
                   "KerberosEncryptionType", "LogonWorkstations", "Manager", "MobilePhone", "Office", "OfficePhone",
                   "Organization", "OtherName", "Partition", "PassThru", "PasswordNeverExpires",
                   "PasswordNotRequired", "POBox", "PostalCode", "PrincipalsAllowedToDelegateToAccount",
                   "ProfilePath", "Remove", "Replace", "SamAccountName", "ScriptPath", "Server",
                   "ServicePrincipalNames", "SmartcardLogonRequired", "State", "StreetAddress", "Surname", "Title",
                   "TrustedForDelegation", "UserPrincipalName", "Instance"},
    # https://learn.microsoft.com/powershell/module/activedirectory/set-adserviceaccount
    "Set-ADServiceAccount": {"WhatIf", "Confirm", "AccountExpirationDate", "AccountNotDelegated", "Add",
                             "AuthenticationPolicy", "AuthenticationPolicySilo", "AuthType", "Certificates", "Clear",
                             "CompoundIdentitySupported", "Credential", "Description", "DisplayName", "DNSHostName",
                             "Enabled", "HomePage", "Identity", "KerberosEncryptionType", "Partition", "PassThru",
                             "PrincipalsAllowedToDelegateToAccount", "PrincipalsAllowedToRetrieveManagedPassword",
                             "Remove", "Replace", "SamAccountName", "Server", "ServicePrincipalNames",
                             "TrustedForDelegation", "Instance"},
    # https://learn.microsoft.com/powershell/module/activedirectory/set-adaccountcontrol
    "Set-ADAccountControl": {"WhatIf", "Confirm", "AccountNotDelegated", "AllowReversiblePasswordEncryption",
                             "AuthType", "CannotChangePassword", "Credential", "DoesNotRequirePreAuth", "Enabled",
                             "HomedirRequired", "Identity", "MNSLogonAccount", "Partition", "PassThru",
                             "PasswordNeverExpires", "PasswordNotRequired", "Server", "TrustedForDelegation",
                             "TrustedToAuthForDelegation", "UseDESKeyOnly"},
}

# Native programs the scripts may run (their arguments are not PowerShell parameters; artifacts.md
# requires their $LASTEXITCODE to be checked instead).
NATIVE_PROGRAMS: set[str] = {"icacls", "setspn", "auditpol", "reg", "sc", "net", "secedit", "cmd", "cscript",
                             "appcmd", "whoami", "klist"}
