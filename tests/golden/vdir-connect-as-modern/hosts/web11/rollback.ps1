# remediate rollback script for web11 (iis; Windows 2016)
#
# Policies, in the order their tasks run:
#   content-share: strategy vdir-connect-as (medium risk)
#     follows KB 207671, "Problem avoidance": a share located on another computer, Connect As; KB 280383, "IIS Security Recommendations When You Use a UNC Share"; Microsoft Learn, "Virtual Directory" (Connect As credentials)
#
# Run elevated:
#   powershell.exe -NoProfile -ExecutionPolicy Bypass -File rollback.ps1 -Check    (reports; changes nothing)
#   powershell.exe -NoProfile -ExecutionPolicy Bypass -File rollback.ps1 [-Restart]
# Passwords are asked for when needed (never in check mode); no secret is stored in this file.
# The last line of output is REMEDIATE-RESULT and a JSON summary.
#
# Regenerate: remediate render content-share.yaml -i inventories/example/hosts.yml -o out
[CmdletBinding(SupportsShouldProcess = $true)]
param(
    [switch] $Check
)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
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

    # ---- Undo task 1: content-share.1 -- policy content-share, strategy vdir-connect-as, step 1
    # set_virtual_directory: Intranet/docs = \\fs01\docs as CONTOSO\svc-webcontent with <secret from environment variable SVC_WEBCONTENT_PASSWORD>
    $task = @{
        Id = 'content-share.1'
        Policy = 'content-share'
        Name = 'set_virtual_directory: Intranet/docs = \\fs01\docs as CONTOSO\svc-webcontent with <secret from environment variable SVC_WEBCONTENT_PASSWORD>'
        Restore = {
            param($Before)
            Import-Module WebAdministration
            $at = ('IIS:\Sites\' + 'Intranet' + '/docs'.Replace('/', '\'))
            Set-ItemProperty -LiteralPath $at -Name physicalPath -Value ([string]$Before.physicalPath)
            Set-ItemProperty -LiteralPath $at -Name userName -Value ([string]$Before.userName)
            if ([string]$Before.userName) {
                $script:Current.message = 'physical path and Connect As user restored; the old password of ' + $Before.userName + ' was never read: set it again (IIS Manager, Basic Settings, Connect as)'
                Write-Warning $script:Current.message
            } else {
                # no Connect As account before: clear the stored password too (pass-through, Microsoft Learn, "Virtual Directory")
                Set-ItemProperty -LiteralPath $at -Name password -Value ''
            }
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
