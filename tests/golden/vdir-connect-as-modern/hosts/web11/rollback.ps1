# remediate rollback script for web11 (iis; Windows 2016)
#
# Policies, in the order their tasks run:
#   content-share: strategy vdir-connect-as (medium risk)
#     follows KB 207671, "Problem avoidance": a share located on another computer, Connect As; KB 280383, "IIS Security Recommendations When You Use a UNC Share"; Microsoft Learn, "Virtual Directory" (Connect As credentials)
#
# Run elevated:
#   powershell.exe -NoProfile -ExecutionPolicy Bypass -File rollback.ps1 -Check    (reports; changes nothing)
#   powershell.exe -NoProfile -ExecutionPolicy Bypass -File rollback.ps1 [-Restart]
# Passwords are asked for before the first change (never in check mode); no secret is stored in this file.
# The last line of output is REMEDIATE-RESULT and a JSON summary.
#
# Regenerate: remediate render content-share.yaml -i inventories/example/hosts.yml -o out
[CmdletBinding(SupportsShouldProcess = $true)]
param(
    [switch] $Check
)
if ($PSVersionTable.PSVersion.Major -lt 5) {
    [Console]::Error.WriteLine('remediate: this script needs Windows PowerShell 5.1, and this is PowerShell ' + [string]$PSVersionTable.PSVersion + ': install WMF 5.1 (Windows Server 2012 R2 ships 4.0, 2008 R2 ships 2.0)')
    exit 1
}
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
# REMEDIATE-RESULT and native programs' output as UTF-8, so that non-ASCII names survive (as ansible's bootstrap
# wrapper does; a host without a console refuses the setting, and keeps its own)
try { [Console]::OutputEncoding = New-Object System.Text.UTF8Encoding($false) } catch { $null = $_ }
$script:CheckMode = $Check.IsPresent -or [bool]$WhatIfPreference
$script:HostName = 'web11'
$script:StateFile = Join-Path $env:ProgramData 'remediate\before-values.json'
$script:Results = New-Object System.Collections.ArrayList
$script:Current = $null
$script:Failed = $false
$script:ChangedPolicies = @{}
$script:IisBackedUp = $false
$script:Secrets = @{}
$script:Preflight = $false
$script:PreflightDone = $false
$script:Unmet = @{}
$script:RewritePasswords = $false

function ConvertTo-RemediateComparable {
    param($Value)
    if ($null -eq $Value) { return '' }
    if ($Value -is [System.Collections.IDictionary]) {
        # compound values (pool identity, ACL state): key=value lines in key order, nested values alike
        return (@($Value.Keys | Sort-Object | ForEach-Object { [string]$_ + '=' + (ConvertTo-RemediateComparable $Value[$_]) }) -join "`n")
    }
    if ($Value -is [array]) { return (@($Value) | ForEach-Object { [string]$_ }) -join "`n" }
    return [string]$Value
}

function Test-RemediateEqual {
    param($Current, $Desired)
    return (ConvertTo-RemediateComparable $Current) -eq (ConvertTo-RemediateComparable $Desired)
}

function Get-RemediateItemOwner {
    # The owner of a file or folder as a SID string (Microsoft Learn, "Get-Acl",
    # "ObjectSecurity.GetOwner(Type) Method").
    param([Parameter(Mandatory = $true)] [string] $Path)
    return (Get-Acl -LiteralPath $Path).GetOwner([System.Security.Principal.SecurityIdentifier]).Value
}

function Get-RemediateCurrentUserSid {
    # The SID of the account running this script (Microsoft Learn, "WindowsIdentity.GetCurrent Method").
    return [System.Security.Principal.WindowsIdentity]::GetCurrent().User.Value
}

function Protect-RemediateStateFolder {
    # The state folder, created when missing, owned by Administrators, with full control for SYSTEM and
    # Administrators only and the entries inherited from ProgramData removed, where Users may create files
    # (Microsoft Learn, "FileSystemAccessRule Class", "ObjectSecurity.SetAccessRuleProtection(Boolean, Boolean)
    # Method", "Set-Acl").
    param([Parameter(Mandatory = $true)] [string] $Path)
    if (-not (Test-Path -LiteralPath $Path)) { New-Item -ItemType Directory -Path $Path | Out-Null }
    $acl = New-Object System.Security.AccessControl.DirectorySecurity
    $acl.SetOwner((New-Object System.Security.Principal.SecurityIdentifier 'S-1-5-32-544'))
    $acl.SetAccessRuleProtection($true, $false)
    foreach ($sid in @('S-1-5-18', 'S-1-5-32-544')) {
        $acl.AddAccessRule((New-Object System.Security.AccessControl.FileSystemAccessRule(
            (New-Object System.Security.Principal.SecurityIdentifier $sid), 'FullControl', 'ContainerInherit, ObjectInherit', 'None', 'Allow')))
    }
    Set-Acl -LiteralPath $Path -AclObject $acl
}

function Assert-RemediateStateOwner {
    # Rollback trusts the saved values, so only SYSTEM (S-1-5-18), Administrators (S-1-5-32-544) or the administrator
    # running this script may own what holds them (Microsoft Learn, "Well-known SIDs"): a file an administrator writes
    # is owned by that account where the security option "System objects: Default owner for objects created by
    # members of the Administrators group" says "Object creator" (KB 318825). Any other owner made or changed it.
    param([Parameter(Mandatory = $true)] [string] $Path)
    $owner = Get-RemediateItemOwner -Path $Path
    if (@('S-1-5-18', 'S-1-5-32-544', (Get-RemediateCurrentUserSid)) -notcontains $owner) {
        throw ('refusing to use ' + $Path + ': it is owned by ' + $owner + ', not by SYSTEM, Administrators or the account running this script, so someone else may have made or changed it; check it, then delete it and run again')
    }
}

function Initialize-RemediateState {
    # Before the first read or write of the saved values: a folder or file that someone else owns is refused
    # before anything changes; outside check mode the folder is made (or kept) SYSTEM's and Administrators' only.
    param([switch] $Create)
    $folder = Split-Path -Parent $script:StateFile
    if (Test-Path -LiteralPath $folder) { Assert-RemediateStateOwner -Path $folder } elseif (-not $Create) { return }
    if (-not $script:CheckMode) { Protect-RemediateStateFolder -Path $folder }
    if (Test-Path -LiteralPath $script:StateFile) { Assert-RemediateStateOwner -Path $script:StateFile }
}

function Read-RemediateState {
    $state = @{}
    if (Test-Path -LiteralPath $script:StateFile) {
        $saved = Get-Content -LiteralPath $script:StateFile -Raw | ConvertFrom-Json
        if ($null -ne $saved) {
            foreach ($property in $saved.PSObject.Properties) { $state[$property.Name] = $property.Value }
        }
    }
    return $state
}

function Write-RemediateState {
    # Whole or not at all: a temporary file in the same folder, then [IO.File]::Replace over the old file, or
    # Move for the first (Microsoft Learn, "File.Replace Method"; [NullString]::Value: no backup file, where $null
    # would arrive as an empty path): a failure never leaves half a file.
    param([hashtable] $State)
    $temporary = $script:StateFile + '.tmp'
    Set-Content -LiteralPath $temporary -Value (ConvertTo-Json -InputObject $State -Depth 8) -Encoding UTF8
    if (Test-Path -LiteralPath $script:StateFile) { [System.IO.File]::Replace($temporary, $script:StateFile, [NullString]::Value) }
    else { [System.IO.File]::Move($temporary, $script:StateFile) }
}

function Add-RemediateTaskResult {
    # A task's entry in the result (REMEDIATE-RESULT), added to the list and returned for the task to fill in.
    param([string] $Id, [string] $Policy, [string] $Name)
    $script:Current = [ordered]@{ id = $Id; policy = $Policy; name = $Name; changed = $false; failed = $false;
                                  before = $null; after = $null; message = '' }
    [void]$script:Results.Add($script:Current)
    return $script:Current
}

function Get-RemediateSecret {
    # A password the script needs, read once before the first change: the parameter's value, or asked for. Check mode
    # asks for none: one not passed is $null there, and the result says apply will need it. Apply without it (no
    # console to ask on, or an empty answer) stops before the first change.
    param([string] $Policy, [string] $Parameter, [securestring] $Bound)
    if ($null -ne $Bound -and $Bound.Length -gt 0) { return $Bound }
    $what = 'the password of policy ' + $Policy + ' (-' + $Parameter + ')'
    if ($script:CheckMode) {
        $note = Add-RemediateTaskResult -Id 'preflight' -Policy $Policy -Name ('password -' + $Parameter)
        $note.message = $what + ' was not given: apply asks for it (check mode asks for no password)'
        return $null
    }
    try { $secret = Read-Host -AsSecureString -Prompt ('Password for policy ' + $Policy) } catch {
        throw ($what + ' is missing and cannot be asked for (' + $_.Exception.Message + '): nothing was changed')
    }
    if ($null -eq $secret -or $secret.Length -eq 0) { throw ($what + ' is empty: nothing was changed') }
    return $secret
}

function ConvertFrom-RemediateSecret {
    param([securestring] $Secret)
    return (New-Object System.Management.Automation.PSCredential('remediate', $Secret)).GetNetworkCredential().Password
}

function Compare-RemediatePassword {
    # IIS 7+ stores pool, Connect As and anonymous passwords encrypted and returns them decrypted to an
    # administrator (microsoft.iis virtual_directory, DSC_WebAppPool compare them): compared here with the
    # wanted one and never returned; $null as wanted (check mode without the secret) is not compared.
    param([string] $Live, [securestring] $Wanted)
    if ($null -eq $Wanted) { return '(not compared: check mode without the secret)' }
    if ($Live -ceq (ConvertFrom-RemediateSecret $Wanted)) { return '(as wanted)' }
    return '(another)'
}

function Test-RemediateCredential {
    # Whether the password is the account's, asked of its domain (DOMAIN\name) or of this computer (a local name)
    # without a logon: PrincipalContext.ValidateCredentials, which takes the bare user name (Microsoft Learn,
    # "PrincipalContext.ValidateCredentials Method").
    param([Parameter(Mandatory = $true)] [string] $Account, [Parameter(Mandatory = $true)] [securestring] $Password)
    Add-Type -AssemblyName System.DirectoryServices.AccountManagement
    $domain, $user = '.', $Account
    if ($Account.Contains('\')) { $domain, $user = $Account.Split('\', 2) }
    $type = [System.DirectoryServices.AccountManagement.ContextType]::Domain
    if ($domain -eq '.' -or $domain -eq $env:COMPUTERNAME) { $type = [System.DirectoryServices.AccountManagement.ContextType]::Machine; $domain = $env:COMPUTERNAME }
    $context = New-Object System.DirectoryServices.AccountManagement.PrincipalContext($type, $domain)
    try { return $context.ValidateCredentials($user, (ConvertFrom-RemediateSecret $Password)) } finally { $context.Dispose() }
}

function ConvertFrom-RemediateIisValue {
    # What WebAdministration returns for one attribute, as its value: enum attributes come back as strings,
    # others as ConfigurationAttribute objects whose .Value is the value.
    param($Found)
    if ($null -eq $Found -or $Found -is [string] -or $Found -is [bool] -or $Found -is [int]) { return $Found }
    if ($null -ne $Found.PSObject.Properties['Value']) { return $Found.Value }
    return [string]$Found
}

function Get-RemediateIisAttribute {
    param([string] $Location, [string] $Filter, [string] $Name)
    Import-Module WebAdministration
    return ConvertFrom-RemediateIisValue (Get-WebConfigurationProperty -PSPath 'MACHINE/WEBROOT/APPHOST' -Location $Location -Filter $Filter -Name $Name)
}

function Set-RemediateIisAttribute {
    [CmdletBinding(SupportsShouldProcess = $true)]
    param([string] $Location, [string] $Filter, [string] $Name, $Value)
    if (-not $PSCmdlet.ShouldProcess($Location + ': ' + $Filter + '/@' + $Name, 'set')) { return }
    Import-Module WebAdministration
    Set-WebConfigurationProperty -PSPath 'MACHINE/WEBROOT/APPHOST' -Location $Location -Filter $Filter -Name $Name -Value $Value
}

function Get-RemediateIisParentAttribute {
    # The value a location would inherit: the effective value one path up (the server level above a site).
    param([string] $Location, [string] $Filter, [string] $Name)
    $cut = $Location.LastIndexOf('/')
    if ($cut -lt 0) {
        $found = Get-WebConfigurationProperty -PSPath 'MACHINE/WEBROOT/APPHOST' -Filter $Filter -Name $Name
    } else {
        $found = Get-WebConfigurationProperty -PSPath 'MACHINE/WEBROOT/APPHOST' -Location $Location.Substring(0, $cut) -Filter $Filter -Name $Name
    }
    return ConvertFrom-RemediateIisValue $found
}

function Restore-RemediateIisAttribute {
    # Puts back a value saved before apply: when it is what the location inherits, the attribute is cleared
    # at the location (Remove-WebConfigurationProperty) instead of pinned, so it follows its parent again.
    param([string] $Location, [string] $Filter, [string] $Name, $Value)
    Import-Module WebAdministration
    if (Test-RemediateEqual (Get-RemediateIisParentAttribute -Location $Location -Filter $Filter -Name $Name) $Value) {
        Remove-WebConfigurationProperty -PSPath 'MACHINE/WEBROOT/APPHOST' -Location $Location -Filter $Filter -Name $Name
        return
    }
    Set-RemediateIisAttribute -Location $Location -Filter $Filter -Name $Name -Value $Value
}

function Get-RemediateIisPasswordState {
    # A password attribute compared with the wanted one; another password that the location inherits is
    # told apart, so that rollback can clear it at the location again.
    param([string] $Location, [string] $Filter, [string] $Name, [securestring] $Wanted)
    $live = [string](Get-RemediateIisAttribute -Location $Location -Filter $Filter -Name $Name)
    $state = Compare-RemediatePassword -Live $live -Wanted $Wanted
    if ($state -eq '(another)' -and $live -ceq [string](Get-RemediateIisParentAttribute -Location $Location -Filter $Filter -Name $Name)) {
        return '(another, inherited)'
    }
    return $state
}

function ConvertTo-RemediateXPathLiteral {
    # A name as an XPath 1.0 string literal: '...' or "...", or concat() when it holds both quotes.
    param([string] $Text)
    if (-not $Text.Contains("'")) { return "'" + $Text + "'" }
    if (-not $Text.Contains('"')) { return '"' + $Text + '"' }
    return "concat('" + $Text.Replace("'", "', ""'"", '") + "')"
}

function Test-RemediateIisModule {
    # Whether a native module is installed: a role service's installer adds it to system.webServer/globalModules
    # (Microsoft Learn, "Global Modules <globalModules>"), on Server and client Windows alike.
    param([Parameter(Mandatory = $true)] [string] $Name)
    Import-Module WebAdministration
    $filter = 'system.webServer/globalModules/add[@name=' + (ConvertTo-RemediateXPathLiteral $Name) + ']'
    return @(Get-WebConfiguration -PSPath 'MACHINE/WEBROOT/APPHOST' -Filter $filter).Count -gt 0
}

function Remove-RemediateUnusedAppPool {
    # Removes an application pool that apply.ps1 created, unless an application still runs in it; returns
    # what it did, for the result.
    [CmdletBinding(SupportsShouldProcess = $true)]
    param([string] $Name)
    if (-not $PSCmdlet.ShouldProcess($Name, 'remove the application pool')) { return 'the application pool ' + $Name + ' would be removed (check mode)' }
    Import-Module WebAdministration
    if (-not (Test-Path -LiteralPath ('IIS:\AppPools\' + $Name))) { return 'the application pool ' + $Name + ' is already gone' }
    $filter = 'system.applicationHost/sites/site/application[@applicationPool=' + (ConvertTo-RemediateXPathLiteral $Name) + ']'
    $users = @(Get-WebConfiguration -PSPath 'MACHINE/WEBROOT/APPHOST' -Filter $filter)
    if ($users.Count -gt 0) { return 'the application pool ' + $Name + ' that apply.ps1 created is left in place: ' + $users.Count + ' application(s) still run in it' }
    Remove-WebAppPool -Name $Name
    return 'removed the application pool ' + $Name + ' that apply.ps1 created'
}

function Invoke-RemediateIisCommit {
    # Runs IIS configuration changes that only work together as one commit: Start-WebCommitDelay, the
    # changes, Stop-WebCommitDelay -Commit $true (Microsoft Learn, "Stop-WebCommitDelay"). When a change
    # throws, the delay is closed with -Commit $false, which discards the group: left open, the next group's
    # commit would write the failed group's first changes too. Windows Server 2008 R2's WebAdministration
    # names them Begin-/End-WebCommitDelay (Microsoft Learn, "Begin-WebCommitDelay").
    param([Parameter(Mandatory = $true)] [scriptblock] $Change)
    Import-Module WebAdministration
    $modern = [bool](Get-Command -Name Start-WebCommitDelay -ErrorAction SilentlyContinue)
    if ($modern) { Start-WebCommitDelay } else { Begin-WebCommitDelay }
    try {
        & $Change
    } catch {
        if ($modern) { Stop-WebCommitDelay -Commit $false } else { End-WebCommitDelay -Commit $false }
        throw
    }
    if ($modern) { Stop-WebCommitDelay -Commit $true } else { End-WebCommitDelay -Commit $true }
}

function Invoke-RemediateRestore {
    # Put back the value saved under the setting's Key before apply changed it; nothing saved, nothing to undo. A
    # restore that fails is reported and the saved value kept (rollback can run again); the undos after it still
    # run, and the script exits 1 at the end. A restored value is removed from the saved ones. $Cannot: what a person
    # must undo instead (nothing was changed on this host).
    param([string] $Id, [string] $Policy, [string] $Name, [string] $Key, [scriptblock] $Restore, [string] $Cannot)
    $result = Add-RemediateTaskResult -Id $Id -Policy $Policy -Name $Name
    if ($Cannot) { $result.message = $Cannot; Write-Warning $Cannot; return }
    $state = Read-RemediateState
    if (-not $Key -or -not $state.ContainsKey($Key)) { $result.message = 'nothing to undo: apply.ps1 did not change it'; return }
    $before = $state[$Key].before
    $result.after = $before
    $result.changed = $true
    if ($script:CheckMode) { $result.message = 'would restore (check mode)'; return }
    try { & $Restore $before } catch {
        $result.failed = $true
        $result.message = 'not restored: ' + $_.Exception.Message + ' (the saved value is kept: run rollback again)'
        $script:Failed = $true
        return
    }
    $state = Read-RemediateState
    $state.Remove($Key)
    Write-RemediateState $state
}

try {
    Initialize-RemediateState

    # ---- Undo task 1: content-share.1 -- policy content-share, strategy vdir-connect-as, step 1
    # set_virtual_directory: Intranet/docs = \\fs01\docs as CONTOSO\svc-webcontent with <secret from environment variable SVC_WEBCONTENT_PASSWORD>
    $task = @{
        Id = 'content-share.1'
        Policy = 'content-share'
        Name = 'set_virtual_directory: Intranet/docs = \\fs01\docs as CONTOSO\svc-webcontent with <secret from environment variable SVC_WEBCONTENT_PASSWORD>'
        Key = 'vdir:Intranet/docs'
        Restore = {
            param($Before)
            $at = ('IIS:\Sites\' + 'Intranet' + '/docs'.Replace('/', '\'))
            Invoke-RemediateIisCommit {
                Set-ItemProperty -LiteralPath $at -Name physicalPath -Value ([string]$Before.physicalPath)
                Set-ItemProperty -LiteralPath $at -Name userName -Value ([string]$Before.userName)
                # no Connect As account before: clear the stored password too (pass-through, Microsoft Learn, "Virtual Directory")
                if (-not [string]$Before.userName) { Set-ItemProperty -LiteralPath $at -Name password -Value '' }
            }
            if ([string]$Before.userName) {
                $script:Current.message = 'physical path and Connect As user restored; the old password of ' + $Before.userName + ' is not kept by remediate: restore it from the IIS configuration backup apply.ps1 made (Restore-WebConfiguration), or set it again (IIS Manager, Basic Settings, Connect as)'
                Write-Warning $script:Current.message
            }
        }
    }
    Invoke-RemediateRestore @task
} catch {
    $script:Failed = $true
    if ($null -eq $script:Current) { $script:Current = Add-RemediateTaskResult -Id 'rollback' -Policy '' -Name 'before the first undo' }
    $script:Current.failed = $true
    $script:Current.message = $_.Exception.Message
} finally {
    $summary = [ordered]@{ host = $script:HostName; check = $script:CheckMode; tasks = $script:Results }
    Write-Output ('REMEDIATE-RESULT ' + (ConvertTo-Json -InputObject $summary -Compress -Depth 8))
}
if ($script:Failed) { exit 1 }
