# remediate apply script for fs01 (file_server; Windows 2019)
#
# Policies, in the order their tasks run:
#   reports-share: strategy domain-anonymous-account (medium risk)
#     follows KB 207671, "Problem avoidance": configure the anonymous account as a domain account; Microsoft Learn, "LogonMethod" (IIS 6.0 SDK; IIS 5.0 reference) and "Anonymous Authentication" (anonymousAuthentication logonMethod, default ClearText)
#
# Run elevated:
#   powershell.exe -NoProfile -ExecutionPolicy Bypass -File apply.ps1 -Check    (reports; changes nothing)
#   powershell.exe -NoProfile -ExecutionPolicy Bypass -File apply.ps1 [-Restart]
# Passwords are asked for before the first change (never in check mode); no secret is stored in this file.
# The last line of output is REMEDIATE-RESULT and a JSON summary.
#
# Regenerate: remediate render reports-share.yaml -i inventories/example/hosts.yml -o out
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

function Invoke-RemediateNative {
    # Runs a native program (icacls, auditpol, setspn) and returns its standard output lines. Under
    # $ErrorActionPreference 'Stop', Windows PowerShell 5.1 turns a program's first line on standard error
    # into a terminating error when it is redirected (Microsoft Learn, "about_Redirection"): here the
    # preference is 'Continue' for the call only, the error lines are kept apart, and the exit code decides
    # (Microsoft Learn, "about_Automatic_Variables", $LASTEXITCODE).
    # -AnyExitCode: for a program whose exit codes are not documented, only its output counts.
    param([Parameter(Mandatory = $true)] [string] $FilePath, [string[]] $ArgumentList, [switch] $AnyExitCode)
    $ErrorActionPreference = 'Continue'
    $output = @(& $FilePath @ArgumentList 2>&1)
    $code = $LASTEXITCODE
    $lines = @($output | Where-Object { $_ -isnot [System.Management.Automation.ErrorRecord] } | ForEach-Object { [string]$_ })
    $errors = @($output | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] } | ForEach-Object { [string]$_ })
    if ($code -ne 0 -and -not $AnyExitCode) {
        $said = @($errors + $lines | Where-Object { ([string]$_).Trim() }) -join ' | '
        throw ($FilePath + ' ' + ($ArgumentList -join ' ') + ' failed with exit code ' + $code + ': ' + $said)
    }
    return $lines
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

    # ---- Task 1: reports-share.4 -- policy reports-share, strategy domain-anonymous-account, step 4
    # grant_share_access: share reports = CONTOSO\svc-reports: Read
    # Follows: KB 207671, "Problem avoidance": configure the anonymous account as a domain account; Microsoft Learn, "LogonMethod" (IIS 6.0 SDK; IIS 5.0 reference) and "Anonymous Authentication" (anonymousAuthentication logonMethod, default ClearText)
    $task = @{
        Id = 'reports-share.4'
        Policy = 'reports-share'
        Name = 'grant_share_access: share reports = CONTOSO\svc-reports: Read'
        Key = 'share:reports:CONTOSO\svc-reports'
        Get = {
            try { $account = (Resolve-RemediateAccountName (Resolve-RemediateSid 'CONTOSO\svc-reports')) } catch {
                # in check mode an account that an earlier task creates does not exist yet
                if ($script:CheckMode) { return '(account not found)' }
                throw
            }
            $rights = @(Get-SmbShareAccess -Name 'reports' | Where-Object { $_.AccountName -eq $account -and [string]$_.AccessControlType -eq 'Allow' } | ForEach-Object { [string]$_.AccessRight })
            foreach ($right in @('Full', 'Change', 'Read', 'Custom')) { if ($rights -contains $right) { return $right } }
            return $null
        }
        Set = {
            $now = & {
                try { $account = (Resolve-RemediateAccountName (Resolve-RemediateSid 'CONTOSO\svc-reports')) } catch {
                    # in check mode an account that an earlier task creates does not exist yet
                    if ($script:CheckMode) { return '(account not found)' }
                    throw
                }
                $rights = @(Get-SmbShareAccess -Name 'reports' | Where-Object { $_.AccountName -eq $account -and [string]$_.AccessControlType -eq 'Allow' } | ForEach-Object { [string]$_.AccessRight })
                foreach ($right in @('Full', 'Change', 'Read', 'Custom')) { if ($rights -contains $right) { return $right } }
                return $null
            }
            if ((@('Read', 'Change', 'Full') -contains $now)) { return }
            if ($now -eq 'Custom') { throw ('the account has custom rights on the share ' + 'reports' + ': change them by hand (Grant-SmbShareAccess would replace them)') }
            Grant-SmbShareAccess -Name 'reports' -AccountName ((Resolve-RemediateAccountName (Resolve-RemediateSid 'CONTOSO\svc-reports'))) -AccessRight Read -Force | Out-Null
        }
    }
    # Desired: the wanted right, or the current one when it is as high (a failed read is reported by the task)
    try {
        $now = & $task.Get
        if ((@('Read', 'Change', 'Full') -contains $now)) { $task.Desired = $now } else { $task.Desired = 'Read' }
    } catch { $task.Desired = $null }
    Invoke-RemediateTask @task

    # ---- Task 2: reports-share.5 -- policy reports-share, strategy domain-anonymous-account, step 5
    # grant_ntfs_access: folder of share reports = CONTOSO\svc-reports: RX
    # Follows: KB 207671, "Problem avoidance": configure the anonymous account as a domain account; Microsoft Learn, "LogonMethod" (IIS 6.0 SDK; IIS 5.0 reference) and "Anonymous Authentication" (anonymousAuthentication logonMethod, default ClearText)
    $task = @{
        Id = 'reports-share.5'
        Policy = 'reports-share'
        Name = 'grant_ntfs_access: folder of share reports = CONTOSO\svc-reports: RX'
        Key = 'ntfs:folder of share reports:CONTOSO\svc-reports'
        Get = {
            $shares = @(Get-CimInstance -ClassName Win32_Share | Where-Object { $_.Name -eq 'reports' })
            if ($shares.Count -ne 1) { throw ('the share ' + 'reports' + ' was not found on this server (Win32_Share)') }
            $folder = [string]$shares[0].Path
            try { $sid = (Resolve-RemediateSid 'CONTOSO\svc-reports') } catch {
                if ($script:CheckMode) { return [ordered]@{ folder = $folder; access = '(account not found)'; explicit = @() } }
                throw (('the account ' + 'CONTOSO\svc-reports' + ' was not found: ') + $_.Exception.Message)
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
                $shares = @(Get-CimInstance -ClassName Win32_Share | Where-Object { $_.Name -eq 'reports' })
                if ($shares.Count -ne 1) { throw ('the share ' + 'reports' + ' was not found on this server (Win32_Share)') }
                $folder = [string]$shares[0].Path
                try { $sid = (Resolve-RemediateSid 'CONTOSO\svc-reports') } catch {
                    if ($script:CheckMode) { return [ordered]@{ folder = $folder; access = '(account not found)'; explicit = @() } }
                    throw (('the account ' + 'CONTOSO\svc-reports' + ' was not found: ') + $_.Exception.Message)
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
            if ((@('RX', 'M', 'F') -contains $now.access)) { return }
            $folder = [string]$now.folder
            $grant = '*' + (Resolve-RemediateSid 'CONTOSO\svc-reports') + ':(OI)(CI)RX'
            Invoke-RemediateNative -FilePath 'icacls' -ArgumentList $folder, '/grant', $grant | Out-Null
        }
    }
    # Desired: the wanted rights, or what the account has when that is as much (a failed read is reported by the task)
    try {
        $now = & $task.Get
        if ((@('RX', 'M', 'F') -contains $now.access)) { $task.Desired = $now } else { $task.Desired = [ordered]@{ folder = $now.folder; sid = $now.sid; access = 'RX'; explicit = '(as icacls /grant leaves them)' } }
    } catch { $task.Desired = $null }
    Invoke-RemediateTask @task
}

try {
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
