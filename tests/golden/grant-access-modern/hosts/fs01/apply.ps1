# remediate apply script for fs01 (file_server; Windows 2019)
#
# Policies, in the order their tasks run:
#   orders-pool-identity: strategy grant-access (low risk)
#     follows KB 207671, "Token types": you must also impersonate an account that has access to the resource
#
# Run elevated:
#   powershell.exe -NoProfile -ExecutionPolicy Bypass -File apply.ps1 -Check    (reports; changes nothing)
#   powershell.exe -NoProfile -ExecutionPolicy Bypass -File apply.ps1 [-Restart]
# Passwords are asked for before the first change (never in check mode); no secret is stored in this file.
# The last line of output is REMEDIATE-RESULT and a JSON summary.
#
# Regenerate: remediate render orders-pool-identity.yaml -i inventories/example/hosts.yml -o out
[CmdletBinding(SupportsShouldProcess = $true)]
param(
    [switch] $Check,
    [switch] $Restart
)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$script:CheckMode = $Check.IsPresent -or [bool]$WhatIfPreference
$script:HostName = 'fs01'
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
    param([hashtable] $State)
    $folder = Split-Path -Parent $script:StateFile
    if (-not (Test-Path -LiteralPath $folder)) { New-Item -ItemType Directory -Path $folder -Force | Out-Null }
    ConvertTo-Json -InputObject $State -Depth 8 | Set-Content -LiteralPath $script:StateFile -Encoding UTF8
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

function Resolve-RemediateSid {
    # An account name, or a SID string, to its SID string (Microsoft Learn, "NTAccount.Translate Method");
    # an unknown account throws IdentityNotMappedException.
    param([Parameter(Mandatory = $true)] [string] $Account)
    if ($Account -match '^S-1-[0-9-]+$') { return (New-Object System.Security.Principal.SecurityIdentifier $Account).Value }
    return (New-Object System.Security.Principal.NTAccount $Account).Translate([System.Security.Principal.SecurityIdentifier]).Value
}

function Resolve-RemediateAccountName {
    # A SID string to the account's name as this computer spells it (localized for well-known SIDs;
    # Microsoft Learn, "SecurityIdentifier.Translate(Type) Method").
    param([Parameter(Mandatory = $true)] [string] $Sid)
    return (New-Object System.Security.Principal.SecurityIdentifier $Sid).Translate([System.Security.Principal.NTAccount]).Value
}

function Get-RemediateLocalUserPath {
    param([string] $Name)
    return 'WinNT://' + $env:COMPUTERNAME + '/' + $Name + ',user'
}

function Test-RemediateLocalAccount {
    # Whether this computer has a local user of that name (the ADSI WinNT provider, every Windows).
    param([Parameter(Mandatory = $true)] [string] $Name)
    return [ADSI]::Exists((Get-RemediateLocalUserPath $Name))
}

function New-RemediateLocalAccount {
    # Create('user'), SetPassword and UserFlags through the WinNT provider. The default flags are
    # ADS_UF_SCRIPT 0x1 + ADS_UF_NORMAL_ACCOUNT 0x200 + ADS_UF_DONT_EXPIRE_PASSWD 0x10000: the
    # password never expires (Microsoft Learn, "Password Never Expires (WinNT Provider)").
    [CmdletBinding(SupportsShouldProcess = $true)]
    param([Parameter(Mandatory = $true)] [string] $Name, [Parameter(Mandatory = $true)] [securestring] $Password,
          [int] $Flags = 0x10201)
    if (-not $PSCmdlet.ShouldProcess($Name, 'create the local account')) { return }
    $computer = [ADSI]('WinNT://' + $env:COMPUTERNAME + ',computer')
    $user = $computer.Create('user', $Name)
    $user.SetPassword((ConvertFrom-RemediateSecret $Password))
    $user.SetInfo()
    $user.Put('UserFlags', $Flags)
    $user.SetInfo()
}

function Set-RemediateLocalAccountPassword {
    # SetPassword through the WinNT provider; a local password can never be read back.
    [CmdletBinding(SupportsShouldProcess = $true)]
    param([Parameter(Mandatory = $true)] [string] $Name, [Parameter(Mandatory = $true)] [securestring] $Password)
    if (-not $PSCmdlet.ShouldProcess($Name, 'set the password of the local account')) { return }
    $user = [ADSI](Get-RemediateLocalUserPath $Name)
    $user.SetPassword((ConvertFrom-RemediateSecret $Password))
    $user.SetInfo()
}

function Remove-RemediateLocalAccount {
    # The computer object's Delete('user', name) through the WinNT provider.
    [CmdletBinding(SupportsShouldProcess = $true)]
    param([Parameter(Mandatory = $true)] [string] $Name)
    if (-not $PSCmdlet.ShouldProcess($Name, 'remove the local account')) { return }
    $computer = [ADSI]('WinNT://' + $env:COMPUTERNAME + ',computer')
    $computer.Delete('user', $Name)
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

    # ---- Task 1: orders-pool-identity.1 -- policy orders-pool-identity, strategy grant-access, step 1
    # grant_share_access: share orders = CONTOSO\WEB12$: Change
    # Follows: KB 207671, "Token types": you must also impersonate an account that has access to the resource
    $task = @{
        Id = 'orders-pool-identity.1'
        Policy = 'orders-pool-identity'
        Name = 'grant_share_access: share orders = CONTOSO\WEB12$: Change'
        Key = 'share:orders:CONTOSO\WEB12$'
        Get = {
            try { $account = (Resolve-RemediateAccountName (Resolve-RemediateSid 'CONTOSO\WEB12$')) } catch {
                # in check mode an account that an earlier task creates does not exist yet
                if ($script:CheckMode) { return '(account not found)' }
                throw
            }
            $rights = @(Get-SmbShareAccess -Name 'orders' | Where-Object { $_.AccountName -eq $account -and [string]$_.AccessControlType -eq 'Allow' } | ForEach-Object { [string]$_.AccessRight })
            foreach ($right in @('Full', 'Change', 'Read', 'Custom')) { if ($rights -contains $right) { return $right } }
            return $null
        }
        Set = {
            $now = & {
                try { $account = (Resolve-RemediateAccountName (Resolve-RemediateSid 'CONTOSO\WEB12$')) } catch {
                    # in check mode an account that an earlier task creates does not exist yet
                    if ($script:CheckMode) { return '(account not found)' }
                    throw
                }
                $rights = @(Get-SmbShareAccess -Name 'orders' | Where-Object { $_.AccountName -eq $account -and [string]$_.AccessControlType -eq 'Allow' } | ForEach-Object { [string]$_.AccessRight })
                foreach ($right in @('Full', 'Change', 'Read', 'Custom')) { if ($rights -contains $right) { return $right } }
                return $null
            }
            if ((@('Change', 'Full') -contains $now)) { return }
            if ($now -eq 'Custom') { throw ('the account has custom rights on the share ' + 'orders' + ': change them by hand (Grant-SmbShareAccess would replace them)') }
            Grant-SmbShareAccess -Name 'orders' -AccountName ((Resolve-RemediateAccountName (Resolve-RemediateSid 'CONTOSO\WEB12$'))) -AccessRight Change -Force | Out-Null
        }
    }
    # Desired: the wanted right, or the current one when it is as high (a failed read is reported by the task)
    try {
        $now = & $task.Get
        if ((@('Change', 'Full') -contains $now)) { $task.Desired = $now } else { $task.Desired = 'Change' }
    } catch { $task.Desired = $null }
    Invoke-RemediateTask @task

    # ---- Task 2: orders-pool-identity.2 -- policy orders-pool-identity, strategy grant-access, step 2
    # grant_ntfs_access: folder of share orders = CONTOSO\WEB12$: M
    # Follows: KB 207671, "Token types": you must also impersonate an account that has access to the resource
    $task = @{
        Id = 'orders-pool-identity.2'
        Policy = 'orders-pool-identity'
        Name = 'grant_ntfs_access: folder of share orders = CONTOSO\WEB12$: M'
        Key = 'ntfs:folder of share orders:CONTOSO\WEB12$'
        Get = {
            $shares = @(Get-WmiObject -Class Win32_Share | Where-Object { $_.Name -eq 'orders' })
            if ($shares.Count -ne 1) { throw ('the share ' + 'orders' + ' was not found on this server (Win32_Share)') }
            $folder = [string]$shares[0].Path
            try { $sid = (Resolve-RemediateSid 'CONTOSO\WEB12$') } catch {
                if ($script:CheckMode) { return [ordered]@{ folder = $folder; access = '(account not found)'; explicit = @() } }
                throw (('the account ' + 'CONTOSO\WEB12$' + ' was not found: ') + $_.Exception.Message)
            }
            $mask = [long]0
            $explicit = @()
            foreach ($rule in (Get-Acl -LiteralPath $folder).GetAccessRules($true, $true, [Security.Principal.SecurityIdentifier])) {
                if ($rule.IdentityReference.Value -ne $sid) { continue }
                if (-not $rule.IsInherited) {
                    $explicit += ([string]$rule.AccessControlType + '|' + [long]$rule.FileSystemRights + '|' + [int]$rule.InheritanceFlags + '|' + [int]$rule.PropagationFlags)
                }
                # an allow entry for the folder itself and, by inheritance (ContainerInherit 1 + ObjectInherit 2), all below it
                if ([string]$rule.AccessControlType -eq 'Allow' -and ([int]$rule.InheritanceFlags -band 3) -eq 3 -and [int]$rule.PropagationFlags -eq 0) {
                    $mask = $mask -bor [long]$rule.FileSystemRights
                }
            }
            $access = ''
            foreach ($level in @(@('RX', 'ReadAndExecute'), @('M', 'Modify'), @('F', 'FullControl'))) {
                $needed = [long][Security.AccessControl.FileSystemRights]$level[1]
                if (($mask -band $needed) -eq $needed) { $access = $level[0] }
            }
            return [ordered]@{ folder = $folder; sid = $sid; access = $access; explicit = $explicit }
        }
        Set = {
            $now = & {
                $shares = @(Get-WmiObject -Class Win32_Share | Where-Object { $_.Name -eq 'orders' })
                if ($shares.Count -ne 1) { throw ('the share ' + 'orders' + ' was not found on this server (Win32_Share)') }
                $folder = [string]$shares[0].Path
                try { $sid = (Resolve-RemediateSid 'CONTOSO\WEB12$') } catch {
                    if ($script:CheckMode) { return [ordered]@{ folder = $folder; access = '(account not found)'; explicit = @() } }
                    throw (('the account ' + 'CONTOSO\WEB12$' + ' was not found: ') + $_.Exception.Message)
                }
                $mask = [long]0
                $explicit = @()
                foreach ($rule in (Get-Acl -LiteralPath $folder).GetAccessRules($true, $true, [Security.Principal.SecurityIdentifier])) {
                    if ($rule.IdentityReference.Value -ne $sid) { continue }
                    if (-not $rule.IsInherited) {
                        $explicit += ([string]$rule.AccessControlType + '|' + [long]$rule.FileSystemRights + '|' + [int]$rule.InheritanceFlags + '|' + [int]$rule.PropagationFlags)
                    }
                    # an allow entry for the folder itself and, by inheritance (ContainerInherit 1 + ObjectInherit 2), all below it
                    if ([string]$rule.AccessControlType -eq 'Allow' -and ([int]$rule.InheritanceFlags -band 3) -eq 3 -and [int]$rule.PropagationFlags -eq 0) {
                        $mask = $mask -bor [long]$rule.FileSystemRights
                    }
                }
                $access = ''
                foreach ($level in @(@('RX', 'ReadAndExecute'), @('M', 'Modify'), @('F', 'FullControl'))) {
                    $needed = [long][Security.AccessControl.FileSystemRights]$level[1]
                    if (($mask -band $needed) -eq $needed) { $access = $level[0] }
                }
                return [ordered]@{ folder = $folder; sid = $sid; access = $access; explicit = $explicit }
            }
            if ((@('M', 'F') -contains $now.access)) { return }
            $folder = [string]$now.folder
            $grant = '*' + (Resolve-RemediateSid 'CONTOSO\WEB12$') + ':(OI)(CI)M'
            & icacls $folder /grant $grant | Out-Null
            if ($LASTEXITCODE -ne 0) { throw ('icacls /grant failed with exit code ' + $LASTEXITCODE) }
        }
    }
    # Desired: the wanted rights, or what the account has when that is as much (a failed read is reported by the task)
    try {
        $now = & $task.Get
        if ((@('M', 'F') -contains $now.access)) { $task.Desired = $now } else { $task.Desired = [ordered]@{ folder = $now.folder; sid = $now.sid; access = 'M'; explicit = '(as icacls /grant leaves them)' } }
    } catch { $task.Desired = $null }
    Invoke-RemediateTask @task
}

try {
    Invoke-RemediatePreflight -Tasks $script:Tasks
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
