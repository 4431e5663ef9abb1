# remediate apply script for web11 (iis; Windows 2016)
#
# Policies, in the order their tasks run:
#   iusr-gmsa-pool: strategy app-pool-identity (medium risk)
#     follows Microsoft Learn, "Application Pool Identities" and "Process Model Settings for an Application Pool" (pool identities on the network); Microsoft Learn, "Anonymous Authentication" (userName "" uses the pool identity); Microsoft Learn, "Process Model Settings for an Application Pool" (managed service accounts as pool identity; the empty password is common practice, not documented there)
#
# Run elevated:
#   powershell.exe -NoProfile -ExecutionPolicy Bypass -File apply.ps1 -Check    (reports; changes nothing)
#   powershell.exe -NoProfile -ExecutionPolicy Bypass -File apply.ps1 [-Restart]
# Passwords are asked for when needed (never in check mode); no secret is stored in this file.
# The last line of output is REMEDIATE-RESULT and a JSON summary.
#
# Regenerate: remediate render iusr-gmsa-pool.yaml -i inventories/example/hosts.yml -o out
[CmdletBinding(SupportsShouldProcess = $true)]
param(
    [switch] $Check,
    [switch] $Restart
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
$script:Mask = '********'

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

function Start-RemediateTask {
    param([string] $Id, [string] $Policy, [string] $Name)
    $script:Current = [ordered]@{ id = $Id; policy = $Policy; name = $Name; changed = $false; failed = $false;
                                  before = $null; after = $null; message = '' }
    [void]$script:Results.Add($script:Current)
    return $script:Current
}

function Get-RemediateSecret {
    param([string] $Name, $Bound)
    if ($null -ne $Bound) { return $Bound }
    return (Read-Host -AsSecureString -Prompt "Password for $Name")
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

function Get-RemediateIisAttribute {
    # Enum attributes come back as strings, others as ConfigurationAttribute objects.
    param([string] $Location, [string] $Filter, [string] $Name)
    Import-Module WebAdministration
    $found = Get-WebConfigurationProperty -PSPath 'MACHINE/WEBROOT/APPHOST' -Location $Location -Filter $Filter -Name $Name
    if ($null -eq $found -or $found -is [string] -or $found -is [bool] -or $found -is [int]) { return $found }
    if ($null -ne $found.PSObject.Properties['Value']) { return $found.Value }
    return [string]$found
}

function Set-RemediateIisAttribute {
    param([string] $Location, [string] $Filter, [string] $Name, $Value)
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
    if ($null -eq $found -or $found -is [string] -or $found -is [bool] -or $found -is [int]) { return $found }
    if ($null -ne $found.PSObject.Properties['Value']) { return $found.Value }
    return [string]$found
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
    param([string] $Name)
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
    # changes, Stop-WebCommitDelay -Commit $true (Microsoft Learn, "Stop-WebCommitDelay"); a change that
    # throws leaves the delay uncommitted, so none of them is written. Windows Server 2008 R2's
    # WebAdministration names them Begin-/End-WebCommitDelay (Microsoft Learn, "Begin-WebCommitDelay").
    param([Parameter(Mandatory = $true)] [scriptblock] $Change)
    Import-Module WebAdministration
    if (Get-Command -Name Start-WebCommitDelay -ErrorAction SilentlyContinue) {
        Start-WebCommitDelay
        & $Change
        Stop-WebCommitDelay -Commit $true
        return
    }
    Begin-WebCommitDelay
    & $Change
    End-WebCommitDelay -Commit $true
}

function Save-RemediateBefore {
    param([string] $Id, $Value)
    $state = Read-RemediateState
    if ($state.ContainsKey($Id)) { return }        # keep the first: it is the value before remediate
    $state[$Id] = @{ before = $Value }
    Write-RemediateState $state
}

function Backup-RemediateIis {
    if ($script:IisBackedUp) { return }
    Import-Module WebAdministration
    Backup-WebConfiguration -Name ('remediate-' + (Get-Date -Format 'yyyyMMdd-HHmmss')) | Out-Null
    $script:IisBackedUp = $true
}

function Invoke-RemediateTask {
    # Read, compare, and set only when the value differs; in check mode only report.
    param([string] $Id, [string] $Policy, [string] $Name, [scriptblock] $Get, $Desired, [scriptblock] $Set,
          [switch] $Secret, [switch] $Iis, [scriptblock] $Precondition)
    $result = Start-RemediateTask -Id $Id -Policy $Policy -Name $Name
    if ($Precondition) { & $Precondition }      # throws when unmet (also in check mode, which reports it)
    $before = & $Get
    if ($Secret) {
        $result.before = $script:Mask
        $result.after = $script:Mask
        $result.changed = $true
        $result.message = 'the password cannot be read back: it is set on every run'
        if ($script:CheckMode) { $result.message = 'would set the password (check mode)'; return }
    } else {
        $result.before = $before
        $result.after = $Desired
        if (Test-RemediateEqual $before $Desired) { return }
        $result.changed = $true
        if ($script:CheckMode) { $result.message = 'would change (check mode)'; return }
        Save-RemediateBefore -Id $Id -Value $before
    }
    if ($Iis) { Backup-RemediateIis }
    & $Set $Desired
    $script:ChangedPolicies[$Policy] = $true
    if (-not $Secret) { $result.after = & $Get }
}

function Invoke-RemediateAdvice {
    param([string] $Id, [string] $Policy, [string] $Name, [string] $Text)
    $result = Start-RemediateTask -Id $Id -Policy $Policy -Name $Name
    $result.message = $Text
    Write-Warning $Text
}

function Invoke-RemediateRestart {
    # Once, at the end, and only for policies whose tasks changed something in this run.
    param([string] $Id, [string] $Policy, [string] $Name, [string[]] $Policies, [switch] $Disruptive,
          [scriptblock] $Action)
    $result = Start-RemediateTask -Id $Id -Policy $Policy -Name $Name
    $needed = @($Policies | Where-Object { $script:ChangedPolicies.ContainsKey($_) }).Count -gt 0
    if (-not $needed) { $result.message = 'not needed: nothing changed'; return }
    if ($script:CheckMode) { $result.changed = $true; $result.message = 'would restart (check mode)'; return }
    if ($Disruptive -and -not $Restart) {
        $result.message = 'restart needed: run again with -Restart, or restart it in a maintenance window'
        return
    }
    & $Action
    $result.changed = $true
}

try {
    Initialize-RemediateState -Create

    # ---- Task 1: iusr-gmsa-pool.1 -- policy iusr-gmsa-pool, strategy app-pool-identity, step 1
    # assign_app_pool: Default Web Site/gallery = application pool iusr-gmsa-pool
    # Follows: Microsoft Learn, "Application Pool Identities" and "Process Model Settings for an Application Pool" (pool identities on the network); Microsoft Learn, "Anonymous Authentication" (userName "" uses the pool identity); Microsoft Learn, "Process Model Settings for an Application Pool" (managed service accounts as pool identity; the empty password is common practice, not documented there)
    $task = @{
        Id = 'iusr-gmsa-pool.1'
        Policy = 'iusr-gmsa-pool'
        Name = 'assign_app_pool: Default Web Site/gallery = application pool iusr-gmsa-pool'
        Iis = $true
        Get = {
            Import-Module WebAdministration
            $at = ('IIS:\Sites\' + 'Default Web Site' + '/gallery'.Replace('/', '\'))
            $item = Get-Item -LiteralPath $at -ErrorAction SilentlyContinue
            if ($null -eq $item) { throw ('Default Web Site/gallery' + ' was not found in IIS (not a site, application, virtual directory or folder of the site)') }
            $poolExists = Test-Path -LiteralPath ('IIS:\AppPools\' + 'iusr-gmsa-pool')
            $type = [string]$item.ElementTagName
            if ($type -eq 'site' -or $type -eq 'application') { return [ordered]@{ type = 'application'; applicationPool = [string]$item.applicationPool; poolExists = $poolExists } }
            if ($type -eq 'virtualDirectory') {
                $attr = {
                    param($Name)
                    $found = Get-ItemProperty -LiteralPath $at -Name $Name
                    if ($null -ne $found -and $null -ne $found.PSObject.Properties['Value']) { $found = $found.Value }
                    [string]$found
                }
                return [ordered]@{ type = $type; physicalPath = (& $attr 'physicalPath'); userName = (& $attr 'userName'); poolExists = $poolExists }
            }
            return [ordered]@{ type = 'folder'; poolExists = $poolExists }
        }
        Desired = [ordered]@{ type = 'application'; applicationPool = 'iusr-gmsa-pool'; poolExists = $true }
        Set = {
            $now = & {
                Import-Module WebAdministration
                $at = ('IIS:\Sites\' + 'Default Web Site' + '/gallery'.Replace('/', '\'))
                $item = Get-Item -LiteralPath $at -ErrorAction SilentlyContinue
                if ($null -eq $item) { throw ('Default Web Site/gallery' + ' was not found in IIS (not a site, application, virtual directory or folder of the site)') }
                $poolExists = Test-Path -LiteralPath ('IIS:\AppPools\' + 'iusr-gmsa-pool')
                $type = [string]$item.ElementTagName
                if ($type -eq 'site' -or $type -eq 'application') { return [ordered]@{ type = 'application'; applicationPool = [string]$item.applicationPool; poolExists = $poolExists } }
                if ($type -eq 'virtualDirectory') {
                    $attr = {
                        param($Name)
                        $found = Get-ItemProperty -LiteralPath $at -Name $Name
                        if ($null -ne $found -and $null -ne $found.PSObject.Properties['Value']) { $found = $found.Value }
                        [string]$found
                    }
                    return [ordered]@{ type = $type; physicalPath = (& $attr 'physicalPath'); userName = (& $attr 'userName'); poolExists = $poolExists }
                }
                return [ordered]@{ type = 'folder'; poolExists = $poolExists }
            }
            if (-not (Test-Path -LiteralPath ('IIS:\AppPools\' + 'iusr-gmsa-pool'))) { New-WebAppPool -Name 'iusr-gmsa-pool' | Out-Null }
            $at = ('IIS:\Sites\' + 'Default Web Site' + '/gallery'.Replace('/', '\'))
            if ($now.type -eq 'application') {
                Set-ItemProperty -LiteralPath $at -Name applicationPool -Value 'iusr-gmsa-pool'
            } elseif ($now.type -eq 'virtualDirectory') {
                ConvertTo-WebApplication -PSPath $at -ApplicationPool 'iusr-gmsa-pool' -Force | Out-Null
            } else {
                # a folder of the site: an application over the same physical folder
                $folder = (Get-WebFilePath -PSPath $at).FullName
                New-WebApplication -Site 'Default Web Site' -Name ('/gallery'.TrimStart('/')) -PhysicalPath $folder -ApplicationPool 'iusr-gmsa-pool' | Out-Null
            }
        }
    }
    Invoke-RemediateTask @task

    # ---- Task 2: iusr-gmsa-pool.2 -- policy iusr-gmsa-pool, strategy app-pool-identity, step 2
    # set_app_pool_identity: application pool iusr-gmsa-pool = CONTOSO\gmsa-gallery$ (gMSA: no password)
    # Follows: Microsoft Learn, "Application Pool Identities" and "Process Model Settings for an Application Pool" (pool identities on the network); Microsoft Learn, "Anonymous Authentication" (userName "" uses the pool identity); Microsoft Learn, "Process Model Settings for an Application Pool" (managed service accounts as pool identity; the empty password is common practice, not documented there)
    $task = @{
        Id = 'iusr-gmsa-pool.2'
        Policy = 'iusr-gmsa-pool'
        Name = 'set_app_pool_identity: application pool iusr-gmsa-pool = CONTOSO\gmsa-gallery$ (gMSA: no password)'
        Iis = $true
        Get = {
            Import-Module WebAdministration
            if (-not (Test-Path -LiteralPath ('IIS:\AppPools\' + 'iusr-gmsa-pool'))) { return $null }
            $model = Get-ItemProperty -LiteralPath ('IIS:\AppPools\' + 'iusr-gmsa-pool') -Name processModel
            return [ordered]@{ identityType = [string]$model.identityType; userName = [string]$model.userName }
        }
        # gMSA: SpecificUser, the name ending in $, an empty password (common practice, not on Microsoft's IIS page: U)
        Desired = [ordered]@{ identityType = 'SpecificUser'; userName = 'CONTOSO\gmsa-gallery$' }
        # the pool can run as the gMSA only where it is installed (Microsoft Learn, "Test-ADServiceAccount")
        Precondition = {
            Import-Module ActiveDirectory
            $sam = 'CONTOSO\gmsa-gallery$'.Split('\')[-1]
            if (-not (Test-ADServiceAccount -Identity $sam)) {
                throw (('this computer cannot use the group managed service account ' + 'CONTOSO\gmsa-gallery$' + ': a domain admin allows it (Set-ADServiceAccount -PrincipalsAllowedToRetrieveManagedPassword), then run Install-ADServiceAccount ') + $sam + ' here')
            }
        }
        Set = {
            if (-not (Test-Path -LiteralPath ('IIS:\AppPools\' + 'iusr-gmsa-pool'))) { New-WebAppPool -Name 'iusr-gmsa-pool' | Out-Null }
            Set-ItemProperty -LiteralPath ('IIS:\AppPools\' + 'iusr-gmsa-pool') -Name processModel -Value @{ userName = 'CONTOSO\gmsa-gallery$'; password = ''; identityType = 'SpecificUser' }
        }
    }
    Invoke-RemediateTask @task

    # ---- Task 3: iusr-gmsa-pool.3 -- policy iusr-gmsa-pool, strategy app-pool-identity, step 3
    # set_iis_attribute: Default Web Site/gallery: system.webServer/security/authentication/anonymousAuthentication/@userName = ""
    # Follows: Microsoft Learn, "Application Pool Identities" and "Process Model Settings for an Application Pool" (pool identities on the network); Microsoft Learn, "Anonymous Authentication" (userName "" uses the pool identity); Microsoft Learn, "Process Model Settings for an Application Pool" (managed service accounts as pool identity; the empty password is common practice, not documented there)
    $task = @{
        Id = 'iusr-gmsa-pool.3'
        Policy = 'iusr-gmsa-pool'
        Name = 'set_iis_attribute: Default Web Site/gallery: system.webServer/security/authentication/anonymousAuthentication/@userName = ""'
        Iis = $true
        Get = { Get-RemediateIisAttribute -Location 'Default Web Site/gallery' -Filter 'system.webServer/security/authentication/anonymousAuthentication' -Name 'userName' }
        Desired = ''
        Set = { param($Value) Set-RemediateIisAttribute -Location 'Default Web Site/gallery' -Filter 'system.webServer/security/authentication/anonymousAuthentication' -Name 'userName' -Value $Value }
    }
    Invoke-RemediateTask @task

    # ---- Task 4: iusr-gmsa-pool.7 -- done once, after the changes
    # recycle_app_pool: application pool iusr-gmsa-pool
    $task = @{
        Id = 'iusr-gmsa-pool.7'
        Policy = 'iusr-gmsa-pool'
        Name = 'recycle_app_pool: application pool iusr-gmsa-pool'
        Policies = @('iusr-gmsa-pool')
        Action = {
            Import-Module WebAdministration
            if ([string](Get-WebAppPoolState -Name 'iusr-gmsa-pool').Value -eq 'Started') {
                Restart-WebAppPool -Name 'iusr-gmsa-pool'
            } else {
                $script:Current.message = 'the application pool iusr-gmsa-pool is not started: it picks up the changes when it starts'
            }
        }
    }
    Invoke-RemediateRestart @task
} catch {
    $script:Failed = $true
    # a failure before the first task (the state folder) is reported as a task of its own
    if ($null -eq $script:Current) { $script:Current = Start-RemediateTask -Id 'start' -Policy '' -Name 'before the first task' }
    $script:Current.failed = $true
    $script:Current.message = $_.Exception.Message
} finally {
    $summary = [ordered]@{ host = $script:HostName; check = $script:CheckMode; tasks = $script:Results }
    Write-Output ('REMEDIATE-RESULT ' + (ConvertTo-Json -InputObject $summary -Compress -Depth 8))
}
if ($script:Failed) { exit 1 }
