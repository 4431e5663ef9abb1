# remediate rollback script for fs01 (file_server; Windows 2019)
#
# Policies, in the order their tasks run:
#   workgroup-mirrored: strategy mirrored-local-account (medium risk)
#     follows KB 207671, "Problem avoidance": the same user name and password on the computer sharing the resource
#
# Run elevated:
#   powershell.exe -NoProfile -ExecutionPolicy Bypass -File rollback.ps1 -Check    (reports; changes nothing)
#   powershell.exe -NoProfile -ExecutionPolicy Bypass -File rollback.ps1 [-Restart]
# Passwords are asked for when needed (never in check mode); no secret is stored in this file.
# The last line of output is REMEDIATE-RESULT and a JSON summary.
#
# Regenerate: remediate render workgroup-mirrored.yaml -i inventories/example/hosts.yml -o out
[CmdletBinding(SupportsShouldProcess = $true)]
param(
    [switch] $Check
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

function Start-RemediateTask {
    param([string] $Id, [string] $Policy, [string] $Name)
    $script:Current = [ordered]@{ id = $Id; policy = $Policy; name = $Name; changed = $false; failed = $false;
                                  before = $null; after = $null; message = '' }
    [void]$script:Results.Add($script:Current)
    return $script:Current
}

function Invoke-RemediateRestore {
    # Put back the value saved before the first change of a task; nothing saved, nothing to do.
    param([string] $Id, [string] $Policy, [string] $Name, [scriptblock] $Restore, [string] $Cannot)
    $result = Start-RemediateTask -Id $Id -Policy $Policy -Name $Name
    if ($Cannot) { $result.message = $Cannot; Write-Warning $Cannot; return }
    $state = Read-RemediateState
    if (-not $state.ContainsKey($Id)) { $result.message = 'nothing to undo: apply.ps1 did not change it'; return }
    $before = $state[$Id].before
    $result.after = $before
    $result.changed = $true
    if ($script:CheckMode) { $result.message = 'would restore (check mode)'; return }
    & $Restore $before
    $state.Remove($Id)
    Write-RemediateState $state
}

try {

    # ---- Undo task 3: workgroup-mirrored.6 -- policy workgroup-mirrored, strategy mirrored-local-account, step 6
    # grant_ntfs_access: folder of share scans = FS01\webanon: RX
    $task = @{
        Id = 'workgroup-mirrored.6'
        Policy = 'workgroup-mirrored'
        Name = 'grant_ntfs_access: folder of share scans = FS01\webanon: RX'
        Restore = {
            param($Before)
            # the account's explicit entries on the folder, exactly as they were (none: all removed)
            $sid = (([Security.Principal.NTAccount]'FS01\webanon').Translate([Security.Principal.SecurityIdentifier]))
            $dir = Get-Item -LiteralPath ([string]$Before.folder)
            $acl = $dir.GetAccessControl('Access')
            $acl.PurgeAccessRules($sid)
            foreach ($saved in @($Before.explicit)) {
                if (-not $saved) { continue }
                $part = ([string]$saved).Split('|')
                $acl.AddAccessRule([Security.AccessControl.FileSystemAccessRule]::new($sid, [Security.AccessControl.FileSystemRights][long]$part[1], [Security.AccessControl.InheritanceFlags][int]$part[2], [Security.AccessControl.PropagationFlags][int]$part[3], [Security.AccessControl.AccessControlType]$part[0]))
            }
            $dir.SetAccessControl($acl)
        }
    }
    Invoke-RemediateRestore @task

    # ---- Undo task 2: workgroup-mirrored.5 -- policy workgroup-mirrored, strategy mirrored-local-account, step 5
    # grant_share_access: share scans = FS01\webanon: Read
    $task = @{
        Id = 'workgroup-mirrored.5'
        Policy = 'workgroup-mirrored'
        Name = 'grant_share_access: share scans = FS01\webanon: Read'
        Restore = {
            param($Before)
            $account = 'FS01\webanon'
            if ($null -eq $Before) {
                # the account had no allow entry on the share before apply.ps1
                Revoke-SmbShareAccess -Name 'scans' -AccountName $account -Force | Out-Null
                return
            }
            Grant-SmbShareAccess -Name 'scans' -AccountName $account -AccessRight $Before -Force | Out-Null
        }
    }
    Invoke-RemediateRestore @task

    # ---- Undo task 1: workgroup-mirrored.4 -- policy workgroup-mirrored, strategy mirrored-local-account, step 4
    # create_local_account: local account webanon = password <secret from environment variable WEBANON_PASSWORD> (set on every run: it cannot be read back)
    $task = @{
        Id = 'workgroup-mirrored.4'
        Policy = 'workgroup-mirrored'
        Name = 'create_local_account: local account webanon = password <secret from environment variable WEBANON_PASSWORD> (set on every run: it cannot be read back)'
        Restore = {
            param($Before)
            if ($Before) { $script:Current.message = 'the account existed before apply.ps1: its old password was never read, so it cannot be put back'; Write-Warning $script:Current.message; return }
            ([ADSI]('WinNT://' + $env:COMPUTERNAME + ',computer')).Delete('user', 'webanon')
            $script:Current.message = 'removed the local account that apply.ps1 created'
        }
    }
    Invoke-RemediateRestore @task
} catch {
    $script:Failed = $true
    if ($null -ne $script:Current) {
        $script:Current.failed = $true
        $script:Current.message = $_.Exception.Message
    }
} finally {
    $summary = [ordered]@{ host = $script:HostName; check = $script:CheckMode; tasks = $script:Results }
    Write-Output ('REMEDIATE-RESULT ' + (ConvertTo-Json -InputObject $summary -Compress -Depth 8))
}
if ($script:Failed) { exit 1 }
