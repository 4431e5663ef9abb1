# remediate apply script for web11 (iis; Windows 2016)
#
# Policies, in the order their tasks run:
#   iusr-gmsa-pool: strategy app-pool-identity (medium risk)
#     follows Microsoft Learn, "Application Pool Identities" and "Process Model Settings for an Application Pool" (pool identities on the network); Microsoft Learn, "Anonymous Authentication" (userName "" uses the pool identity); Microsoft Learn, "Process Model Settings for an Application Pool" (managed service accounts as pool identity; the empty password is common practice, not documented there)
#
# Run elevated:
#   powershell.exe -NoProfile -ExecutionPolicy Bypass -File apply.ps1 -Check    (reports; changes nothing)
#   powershell.exe -NoProfile -ExecutionPolicy Bypass -File apply.ps1 [-Restart]
# Passwords are asked for before the first change (never in check mode); no secret is stored in this file.
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
$script:Secrets = @{}
$script:Preflight = $false
$script:PreflightDone = $false
$script:Unmet = @{}
$script:RewritePasswords = $false
$script:RestartAllowed = $Restart.IsPresent

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

function Get-RemediateAppPoolOfPath {
    # The application pool that serves a path of a site today: that of the path's own application, else of the
    # nearest application above it, else of the site's root application.
    param([string] $Site, [string] $Path)
    Import-Module WebAdministration
    $parts = @($Path.Split('/') | Where-Object { $_ })
    for ($count = $parts.Count; $count -gt 0; $count--) {
        $item = Get-Item -LiteralPath ('IIS:\Sites\' + $Site + '\' + ($parts[0..($count - 1)] -join '\')) -ErrorAction SilentlyContinue
        if ($null -ne $item -and [string]$item.ElementTagName -eq 'application') { return [string]$item.applicationPool }
    }
    return [string](Get-Item -LiteralPath ('IIS:\Sites\' + $Site)).applicationPool
}

function Copy-RemediateAppPoolSetting {
    # Gives pool $To the value pool $From has for each named setting (attribute paths under IIS:\AppPools, as
    # Set-ItemProperty takes them). A collection (recycling.periodicRestart.schedule) is cleared and refilled entry
    # by entry, as microsoft.iis's web_app_pool module does. Only values that differ are written, so what $From
    # inherits from applicationPoolDefaults stays inherited in $To. Returns "name=value" for each value written.
    param([string] $From, [string] $To, [string[]] $Name)
    $source = 'IIS:\AppPools\' + $From
    $target = 'IIS:\AppPools\' + $To
    foreach ($setting in $Name) {
        $have = Get-ItemProperty -LiteralPath $source -Name $setting
        $now = Get-ItemProperty -LiteralPath $target -Name $setting
        if ($null -ne $have -and $null -ne $have.PSObject.Properties['Collection']) {
            $values = @($have.Collection | ForEach-Object { [string]$_.value })
            if (Test-RemediateEqual $values @($now.Collection | ForEach-Object { [string]$_.value })) { continue }
            Clear-ItemProperty -LiteralPath $target -Name $setting
            foreach ($value in $values) { New-ItemProperty -LiteralPath $target -Name $setting -Value @{ value = $value } | Out-Null }
            $setting + '=' + ($values -join ',')
            continue
        }
        $value = ConvertFrom-RemediateIisValue $have
        if (Test-RemediateEqual $value (ConvertFrom-RemediateIisValue $now)) { continue }
        Set-ItemProperty -LiteralPath $target -Name $setting -Value $value
        $setting + '=' + [string]$value
    }
}

function Save-RemediateBefore {
    # The value before remediate changed a setting, saved under the setting's key (what it changes and where, not
    # which policy or step), with the task that saved it. The first one saved is kept: it is the value before
    # remediate, also when another bundle changes the same setting later. True when this call saved it.
    param([string] $Key, [string] $Id, $Value)
    $state = Read-RemediateState
    if ($state.ContainsKey($Key)) { return $false }
    $state[$Key] = @{ before = $Value; task = $Id }
    Write-RemediateState $state
    return $true
}

function Backup-RemediateWebConfiguration {
    # Once per run, before the first IIS change (Microsoft Learn, "Backup-WebConfiguration").
    if ($script:IisBackedUp) { return }
    Import-Module WebAdministration
    Backup-WebConfiguration -Name ('remediate-' + (Get-Date -Format 'yyyyMMdd-HHmmss')) | Out-Null
    $script:IisBackedUp = $true
}

function Invoke-RemediatePreflight {
    # Runs the tasks once before the first change, changing nothing: every task's Precondition (Invoke-RemediateTask
    # only checks it in this pass). An unmet one is kept by task; apply then refuses with every unmet precondition
    # and changes nothing, check mode reports each as its task's failure.
    param([Parameter(Mandatory = $true)] [scriptblock] $Tasks)
    $kept = $script:Results.Count
    $script:Preflight = $true
    try { . $Tasks } finally {
        $script:Preflight = $false
        $script:Results.RemoveRange($kept, $script:Results.Count - $kept)
        $script:Current = $null
    }
    $script:PreflightDone = $true
    if ($script:CheckMode -or $script:Unmet.Count -eq 0) { return }
    foreach ($unmet in $script:Unmet.Values) {
        $result = Add-RemediateTaskResult -Id $unmet.id -Policy $unmet.policy -Name $unmet.name
        $result.failed = $true
        $result.message = $unmet.message
    }
    $script:Current = $null
    throw ('preflight: ' + $script:Unmet.Count + ' task(s) cannot run here, so nothing was changed')
}

function Invoke-RemediateTask {
    # Read, compare, and set only when the value differs; in check mode only report. The before-value is saved
    # under the setting's Key before the change; a change that fails having changed nothing leaves nothing to undo.
    # $Password sets a write-only password (it cannot be read back, so it is not compared): only with
    # -UpdatePassword when the rest is already as wanted (as Ansible's win_user update_password: on_create).
    param([string] $Id, [string] $Policy, [string] $Name, [string] $Key, [scriptblock] $Get, $Desired,
          [scriptblock] $Set, [scriptblock] $Password, [switch] $Iis, [scriptblock] $Precondition)
    $result = Add-RemediateTaskResult -Id $Id -Policy $Policy -Name $Name
    if ($script:Preflight) {
        if ($null -eq $Precondition) { return }
        try { & $Precondition } catch {
            $script:Unmet[$Id] = @{ id = $Id; policy = $Policy; name = $Name; message = $_.Exception.Message }
        }
        return
    }
    if (-not $script:PreflightDone -and $null -ne $Precondition) { & $Precondition }
    $before = & $Get
    $result.before = $before
    $result.after = $Desired
    if ($script:Unmet.ContainsKey($Id)) {
        # check mode: apply refuses to start while this is unmet
        $result.failed = $true
        $result.message = 'apply would refuse: ' + $script:Unmet[$Id].message
        $script:Failed = $true
        return
    }
    if (Test-RemediateEqual $before $Desired) {
        if ($null -eq $Password) { return }
        if (-not $script:RewritePasswords) { $result.message = 'password not rewritten (run with -UpdatePassword to set it)'; return }
        $result.changed = $true
        $result.message = 'password set (-UpdatePassword)'
        if ($script:CheckMode) { $result.message = 'would set the password (-UpdatePassword, check mode)'; return }
        & $Password
        return
    }
    $result.changed = $true
    if ($script:CheckMode) {
        # what apply would change decides its restarts and recycles, which check mode reports too
        $script:ChangedPolicies[$Policy] = $true
        $result.message = 'would change (check mode)'
        return
    }
    $saved = Save-RemediateBefore -Key $Key -Id $Id -Value $before
    try {
        if ($Iis) { Backup-RemediateWebConfiguration }
        & $Set $Desired
    } catch {
        # undo exactly what was done: when the failed change left the setting as it was, rollback has nothing to undo
        $failure = $_
        try { $unchanged = $saved -and (Test-RemediateEqual (& $Get) $before) } catch { $unchanged = $false }
        if ($unchanged) {
            $state = Read-RemediateState
            $state.Remove($Key)
            Write-RemediateState $state
        }
        throw $failure
    }
    $script:ChangedPolicies[$Policy] = $true
    $result.after = & $Get
}

function Invoke-RemediateAdvice {
    param([string] $Id, [string] $Policy, [string] $Name, [string] $Text)
    $result = Add-RemediateTaskResult -Id $Id -Policy $Policy -Name $Name
    $result.message = $Text
    Write-Warning $Text
}

function Invoke-RemediateRestart {
    # Once, at the end, and only for policies whose tasks changed something in this run (in check mode: would
    # change). $Does says what it does ("recycle the application pool X"), for check mode's report.
    param([string] $Id, [string] $Policy, [string] $Name, [string[]] $Policies, [switch] $Disruptive,
          [string] $Does, [scriptblock] $Action)
    $result = Add-RemediateTaskResult -Id $Id -Policy $Policy -Name $Name
    $needed = @($Policies | Where-Object { $script:ChangedPolicies.ContainsKey($_) }).Count -gt 0
    if (-not $needed) { $result.message = 'not needed: nothing changed'; return }
    if ($Disruptive -and -not $script:RestartAllowed) {
        $result.message = 'needed: run again with -Restart to ' + $Does + ', or do it in a maintenance window'
        if ($script:CheckMode) { $result.message = 'would need to ' + $Does + ': run with -Restart' }
        return
    }
    $result.changed = $true
    if ($script:CheckMode) { $result.message = 'would ' + $Does + ' (check mode)'; return }
    & $Action
}

# The tasks, in order: run once by the preflight (their preconditions only, nothing changed), then for real.
$script:Tasks = {

    # ---- Task 1: iusr-gmsa-pool.1 -- policy iusr-gmsa-pool, strategy app-pool-identity, step 1
    # create_app_pool: application pool iusr-gmsa-pool = 24 settings of the pool Default Web Site/gallery runs in
    # Follows: Microsoft Learn, "Application Pool Identities" and "Process Model Settings for an Application Pool" (pool identities on the network); Microsoft Learn, "Anonymous Authentication" (userName "" uses the pool identity); Microsoft Learn, "Process Model Settings for an Application Pool" (managed service accounts as pool identity; the empty password is common practice, not documented there)
    $task = @{
        Id = 'iusr-gmsa-pool.1'
        Policy = 'iusr-gmsa-pool'
        Name = 'create_app_pool: application pool iusr-gmsa-pool = 24 settings of the pool Default Web Site/gallery runs in'
        Key = 'pool:iusr-gmsa-pool:exists'
        Iis = $true
        Get = {
            Import-Module WebAdministration
            return [ordered]@{ exists = (Test-Path -LiteralPath ('IIS:\AppPools\' + 'iusr-gmsa-pool')) }
        }
        Desired = [ordered]@{ exists = $true }
        Set = {
            $from = Get-RemediateAppPoolOfPath -Site 'Default Web Site' -Path '/gallery'
            if (-not (Test-Path -LiteralPath ('IIS:\AppPools\' + $from))) { throw ('the application pool ' + $from + ' that ' + 'Default Web Site/gallery' + ' runs in does not exist, so its settings cannot be copied') }
            New-WebAppPool -Name 'iusr-gmsa-pool' | Out-Null
            $copied = @(Copy-RemediateAppPoolSetting -From $from -To 'iusr-gmsa-pool' -Name @('managedRuntimeVersion', 'managedPipelineMode', 'enable32BitAppOnWin64', 'recycling.disallowOverlappingRotation', 'recycling.disallowRotationOnConfigChange', 'recycling.logEventOnRecycle', 'recycling.periodicRestart.time', 'recycling.periodicRestart.requests', 'recycling.periodicRestart.memory', 'recycling.periodicRestart.privateMemory', 'recycling.periodicRestart.schedule', 'processModel.idleTimeout', 'processModel.maxProcesses', 'processModel.pingingEnabled', 'processModel.pingInterval', 'processModel.pingResponseTime', 'processModel.shutdownTimeLimit', 'processModel.startupTimeLimit', 'processModel.loadUserProfile', 'processModel.logonType', 'processModel.manualGroupMembership', 'processModel.setProfileEnvironment', 'processModel.logEventOnProcessModel', 'processModel.idleTimeoutAction'))
            $script:Current.message = 'created ' + 'iusr-gmsa-pool' + ' with the settings of ' + $from + ': ' + $(if ($copied.Count) { $copied -join '; ' } else { 'it inherits the same values' })
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
        Key = 'pool:iusr-gmsa-pool:processModel'
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
    # assign_app_pool: Default Web Site/gallery = application pool iusr-gmsa-pool
    # Follows: Microsoft Learn, "Application Pool Identities" and "Process Model Settings for an Application Pool" (pool identities on the network); Microsoft Learn, "Anonymous Authentication" (userName "" uses the pool identity); Microsoft Learn, "Process Model Settings for an Application Pool" (managed service accounts as pool identity; the empty password is common practice, not documented there)
    $task = @{
        Id = 'iusr-gmsa-pool.3'
        Policy = 'iusr-gmsa-pool'
        Name = 'assign_app_pool: Default Web Site/gallery = application pool iusr-gmsa-pool'
        Key = 'application:Default Web Site/gallery:applicationPool'
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

    # ---- Task 4: iusr-gmsa-pool.4 -- policy iusr-gmsa-pool, strategy app-pool-identity, step 4
    # set_iis_attribute: Default Web Site/gallery: system.webServer/security/authentication/anonymousAuthentication/@userName = ""
    # Follows: Microsoft Learn, "Application Pool Identities" and "Process Model Settings for an Application Pool" (pool identities on the network); Microsoft Learn, "Anonymous Authentication" (userName "" uses the pool identity); Microsoft Learn, "Process Model Settings for an Application Pool" (managed service accounts as pool identity; the empty password is common practice, not documented there)
    $task = @{
        Id = 'iusr-gmsa-pool.4'
        Policy = 'iusr-gmsa-pool'
        Name = 'set_iis_attribute: Default Web Site/gallery: system.webServer/security/authentication/anonymousAuthentication/@userName = ""'
        Key = 'iis:Default Web Site/gallery:system.webServer/security/authentication/anonymousAuthentication:userName'
        Iis = $true
        Get = { Get-RemediateIisAttribute -Location 'Default Web Site/gallery' -Filter 'system.webServer/security/authentication/anonymousAuthentication' -Name 'userName' }
        Desired = ''
        Set = { param($Value) Set-RemediateIisAttribute -Location 'Default Web Site/gallery' -Filter 'system.webServer/security/authentication/anonymousAuthentication' -Name 'userName' -Value $Value }
    }
    Invoke-RemediateTask @task
}

try {
    Invoke-RemediatePreflight -Tasks $script:Tasks
    Initialize-RemediateState -Create
    . $script:Tasks

    # ---- Task 5: iusr-gmsa-pool.8 -- done once, after the changes
    # recycle_app_pool: application pool iusr-gmsa-pool
    $task = @{
        Id = 'iusr-gmsa-pool.8'
        Policy = 'iusr-gmsa-pool'
        Name = 'recycle_app_pool: application pool iusr-gmsa-pool'
        Policies = @('iusr-gmsa-pool')
        Does = ('recycle the application pool ' + 'iusr-gmsa-pool')
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
    if ($null -eq $script:Current) { $script:Current = Add-RemediateTaskResult -Id 'preflight' -Policy '' -Name 'before the first task' }
    $script:Current.failed = $true
    $script:Current.message = $_.Exception.Message
} finally {
    $summary = [ordered]@{ host = $script:HostName; check = $script:CheckMode; tasks = $script:Results }
    Write-Output ('REMEDIATE-RESULT ' + (ConvertTo-Json -InputObject $summary -Compress -Depth 8))
}
if ($script:Failed) { exit 1 }
