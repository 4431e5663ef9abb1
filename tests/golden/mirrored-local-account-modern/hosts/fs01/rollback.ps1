# remediate rollback script for fs01 (file_server; Windows 2019)
#
# Policies, in the order their tasks run:
#   workgroup-mirrored: strategy mirrored-local-account (medium risk)
#     follows KB 207671, "Problem avoidance": the same user name and password on the computer sharing the resource
#
# Run elevated:
#   powershell.exe -NoProfile -ExecutionPolicy Bypass -File rollback.ps1 -Check    (reports; changes nothing)
#   powershell.exe -NoProfile -ExecutionPolicy Bypass -File rollback.ps1 [-Restart]
# Passwords are asked for before the first change (never in check mode); no secret is stored in this file.
# The last line of output is REMEDIATE-RESULT and a JSON summary.
#
# Regenerate: remediate render workgroup-mirrored.yaml -i inventories/example/hosts.yml -o out
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

function Restore-RemediateFolderAccess {
    # Replaces a SID's explicit entries on a folder with saved ones ("type|rights|inheritance|propagation"),
    # inherited entries untouched: PurgeAccessRules, AddAccessRule and SetAccessControl on the 'Access'
    # section only, so the owner is not rewritten (Microsoft Learn, "FileSystemSecurity Class").
    param([Parameter(Mandatory = $true)] [string] $Folder, [Parameter(Mandatory = $true)] [string] $Sid,
          [string[]] $Explicit = @())
    $identity = New-Object System.Security.Principal.SecurityIdentifier $Sid
    $dir = Get-Item -LiteralPath $Folder
    $acl = $dir.GetAccessControl('Access')
    $acl.PurgeAccessRules($identity)
    foreach ($saved in @($Explicit | Where-Object { $_ })) {
        $part = ([string]$saved).Split('|')
        $rule = New-Object System.Security.AccessControl.FileSystemAccessRule($identity,
            [System.Security.AccessControl.FileSystemRights][long]$part[1], [System.Security.AccessControl.InheritanceFlags][int]$part[2],
            [System.Security.AccessControl.PropagationFlags][int]$part[3], [System.Security.AccessControl.AccessControlType]$part[0])
        $acl.AddAccessRule($rule)
    }
    $dir.SetAccessControl($acl)
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

    # ---- Undo task 3: workgroup-mirrored.5 -- policy workgroup-mirrored, strategy mirrored-local-account, step 5
    # grant_ntfs_access: folder of share scans = FS01\webanon: RX
    $task = @{
        Id = 'workgroup-mirrored.5'
        Policy = 'workgroup-mirrored'
        Name = 'grant_ntfs_access: folder of share scans = FS01\webanon: RX'
        Key = 'ntfs:folder of share scans:FS01\webanon'
        Restore = {
            param($Before)
            # the account's explicit entries on the folder, exactly as they were (none: all removed), by the SID saved
            # (an account that a later undo removed no longer resolves by its name)
            Restore-RemediateFolderAccess -Folder ([string]$Before.folder) -Sid ([string]$Before.sid) -Explicit @($Before.explicit)
        }
    }
    Invoke-RemediateRestore @task

    # ---- Undo task 2: workgroup-mirrored.4 -- policy workgroup-mirrored, strategy mirrored-local-account, step 4
    # grant_share_access: share scans = FS01\webanon: Read
    $task = @{
        Id = 'workgroup-mirrored.4'
        Policy = 'workgroup-mirrored'
        Name = 'grant_share_access: share scans = FS01\webanon: Read'
        Key = 'share:scans:FS01\webanon'
        Restore = {
            param($Before)
            $account = (Resolve-RemediateAccountName (Resolve-RemediateSid 'FS01\webanon'))
            if ($null -eq $Before) {
                # the account had no allow entry on the share before apply.ps1
                Revoke-SmbShareAccess -Name 'scans' -AccountName $account -Force | Out-Null
                return
            }
            Grant-SmbShareAccess -Name 'scans' -AccountName $account -AccessRight $Before -Force | Out-Null
        }
    }
    Invoke-RemediateRestore @task

    # ---- Undo task 1: workgroup-mirrored.3 -- policy workgroup-mirrored, strategy mirrored-local-account, step 3
    # create_local_account: local account webanon = password <secret from environment variable WEBANON_PASSWORD> (set when created: it cannot be read back)
    $task = @{
        Id = 'workgroup-mirrored.3'
        Policy = 'workgroup-mirrored'
        Name = 'create_local_account: local account webanon = password <secret from environment variable WEBANON_PASSWORD> (set when created: it cannot be read back)'
        Key = 'account:webanon'
        Restore = {
            param($Before)
            if ($Before) { return }
            if (-not (Test-RemediateLocalAccount -Name 'webanon')) { $script:Current.message = 'the account apply.ps1 was to create does not exist: nothing to remove'; Write-Warning $script:Current.message; return }
            Remove-RemediateLocalAccount -Name 'webanon'
            $script:Current.message = 'removed the local account that apply.ps1 created'
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
