# remediate apply script for web11 (iis; Windows 2016)
#
# Policies, in the order their tasks run:
#   complus-component: strategy complus-identity (medium risk)
#     follows KB 207671, "Problem avoidance": MTS package or COM+ server application with a specific identity; Microsoft Learn, "Applications" (COM+ Administration Collections: Identity, Password); KB 319067
#
# Run elevated:
#   powershell.exe -NoProfile -ExecutionPolicy Bypass -File apply.ps1 -Check    (reports; changes nothing)
#   powershell.exe -NoProfile -ExecutionPolicy Bypass -File apply.ps1 [-Restart]
# Passwords are asked for before the first change (never in check mode); no secret is stored in this file.
# The last line of output is REMEDIATE-RESULT and a JSON summary.
#
# Regenerate: remediate render complus-component.yaml -i inventories/example/hosts.yml -o out
[CmdletBinding(SupportsShouldProcess = $true)]
param(
    [switch] $Check,
    [switch] $Restart,
    [switch] $UpdatePassword,
    [securestring] $complus_component_password
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
$script:RewritePasswords = $UpdatePassword.IsPresent

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

function Find-RemediateComPlusApplication {
    # The one COM+ server application by its name, or the one holding a component whose Name in the
    # Components collection is its ProgID (Microsoft Learn, "COMAdminCatalog object", "Applications").
    param([string] $ProgId, [string] $Application)
    $catalog = New-Object -ComObject COMAdmin.COMAdminCatalog
    $apps = $catalog.GetCollection('Applications')
    [void]$apps.Populate()
    $found = @()
    foreach ($candidate in $apps) {
        if ($Application) {
            if ($candidate.Name -eq $Application) { $found += $candidate }
            continue
        }
        $components = $apps.GetCollection('Components', $candidate.Key)
        [void]$components.Populate()
        foreach ($component in $components) { if ($component.Name -eq $ProgId) { $found += $candidate } }
    }
    $what = 'the COM+ application named ' + $Application
    if (-not $Application) { $what = 'the COM+ application holding the component ' + $ProgId }
    if ($found.Count -ne 1) { throw ('expected one of ' + $what + ', found ' + $found.Count) }
    # Activation 1 = server application (dllhost); a library application (0) has no identity
    if ($found[0].Value('Activation') -ne 1) { throw ($what + ' is a library application: only a server application has an identity (make it a server application first)') }
    return @{ catalog = $catalog; applications = $apps; application = $found[0] }
}

function Get-RemediateComPlusIdentity {
    # The application's name and Identity; its Password is write-only in the catalogue, never returned.
    param([string] $ProgId, [string] $Application)
    $found = Find-RemediateComPlusApplication -ProgId $ProgId -Application $Application
    return [ordered]@{ application = [string]$found.application.Name; identity = [string]$found.application.Value('Identity') }
}

function Set-RemediateComPlusIdentity {
    # Identity and Password together, then SaveChanges; -Shutdown stops the running application so that its
    # next activation runs as the new identity (ShutdownApplication, Microsoft Learn, "COMAdminCatalog object").
    [CmdletBinding(SupportsShouldProcess = $true)]
    param([string] $ProgId, [string] $Application, [Parameter(Mandatory = $true)] [string] $Identity,
          [securestring] $Password, [switch] $Shutdown)
    $found = Find-RemediateComPlusApplication -ProgId $ProgId -Application $Application
    if (-not $PSCmdlet.ShouldProcess([string]$found.application.Name, 'set the identity to ' + $Identity)) { return }
    $found.application.Value('Identity') = $Identity
    $plain = ''
    if ($null -ne $Password) { $plain = ConvertFrom-RemediateSecret $Password }
    $found.application.Value('Password') = $plain
    [void]$found.applications.SaveChanges()
    if ($Shutdown) { $found.catalog.ShutdownApplication([string]$found.application.Key) }
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

    # ---- Task 1: complus-component.1 -- policy complus-component, strategy complus-identity, step 1
    # set_complus_identity: COM+ server application holding Billing.InvoiceWriter = CONTOSO\svc-billing with <secret from environment variable SVC_BILLING_PASSWORD> (set with the identity: it cannot be read back)
    # Follows: KB 207671, "Problem avoidance": MTS package or COM+ server application with a specific identity; Microsoft Learn, "Applications" (COM+ Administration Collections: Identity, Password); KB 319067
    $task = @{
        Id = 'complus-component.1'
        Policy = 'complus-component'
        Name = 'set_complus_identity: COM+ server application holding Billing.InvoiceWriter = CONTOSO\svc-billing with <secret from environment variable SVC_BILLING_PASSWORD> (set with the identity: it cannot be read back)'
        Key = 'complus:Billing.InvoiceWriter:Identity'
        Get = { [string](Get-RemediateComPlusIdentity -ProgId 'Billing.InvoiceWriter').identity }
        Desired = 'CONTOSO\svc-billing'
        Set = {
            param($Value)
            Set-RemediateComPlusIdentity -ProgId 'Billing.InvoiceWriter' -Identity $Value -Password $script:Secrets['complus_component_password'] -Shutdown:$script:RestartAllowed
            $script:Current.message = 'identity and password set'
            if (-not $script:RestartAllowed) { $script:Current.message += '; it takes effect when the application next starts (run with -Restart to shut it down now)' }
        }
        Password = {
            Set-RemediateComPlusIdentity -ProgId 'Billing.InvoiceWriter' -Identity 'CONTOSO\svc-billing' -Password $script:Secrets['complus_component_password']
        }
    }
    Invoke-RemediateTask @task
}

try {
    # Every password first: a missing one stops the script before the first change
    $script:Secrets['complus_component_password'] = Get-RemediateSecret -Policy 'complus-component' -Parameter 'complus_component_password' -Bound $complus_component_password
    Invoke-RemediatePreflight -Tasks $script:Tasks
    Initialize-RemediateState -Create
    . $script:Tasks
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
