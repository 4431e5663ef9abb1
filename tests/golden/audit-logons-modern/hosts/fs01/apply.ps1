# remediate apply script for fs01 (file_server; Windows 2016)
#
# Policies, in the order their tasks run:
#   audit-first: strategy audit-logons (low risk)
#     follows KB 207671, closing steps: audit logon events to see the logon type
#
# Run elevated:
#   powershell.exe -NoProfile -ExecutionPolicy Bypass -File apply.ps1 -Check    (reports; changes nothing)
#   powershell.exe -NoProfile -ExecutionPolicy Bypass -File apply.ps1 [-Restart]
# Passwords are asked for when needed (never in check mode); no secret is stored in this file.
# The last line of output is REMEDIATE-RESULT and a JSON summary.
#
# Regenerate: remediate render audit-first.yaml -i inventories/example/hosts.yml -o out
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
        if ($script:CheckMode) {
            # what apply would change decides its restarts and recycles, which check mode reports too
            $script:ChangedPolicies[$Policy] = $true
            $result.message = 'would change (check mode)'
            return
        }
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
    # Once, at the end, and only for policies whose tasks changed something in this run (in check mode: would
    # change). $Does says what it does ("recycle the application pool X"), for check mode's report.
    param([string] $Id, [string] $Policy, [string] $Name, [string[]] $Policies, [switch] $Disruptive,
          [string] $Does, [scriptblock] $Action)
    $result = Start-RemediateTask -Id $Id -Policy $Policy -Name $Name
    $needed = @($Policies | Where-Object { $script:ChangedPolicies.ContainsKey($_) }).Count -gt 0
    if (-not $needed) { $result.message = 'not needed: nothing changed'; return }
    if ($Disruptive -and -not $Restart) {
        $result.message = 'needed: run again with -Restart to ' + $Does + ', or do it in a maintenance window'
        if ($script:CheckMode) { $result.message = 'would need to ' + $Does + ': run with -Restart' }
        return
    }
    $result.changed = $true
    if ($script:CheckMode) { $result.message = 'would ' + $Does + ' (check mode)'; return }
    & $Action
}

try {

    # ---- Task 1: audit-first.2 -- policy audit-first, strategy audit-logons, step 2
    # enable_logon_auditing: audit policy: Logon = success and failure
    # Follows: KB 207671, closing steps: audit logon events to see the logon type
    $task = @{
        Id = 'audit-first.2'
        Policy = 'audit-first'
        Name = 'enable_logon_auditing: audit policy: Logon = success and failure'
        Get = {
            $csv = @(& auditpol /get '/subcategory:{0CCE9215-69AE-11D9-BED3-505054503030}' /r)
            if ($LASTEXITCODE -ne 0) { throw ('auditpol /get failed with exit code ' + $LASTEXITCODE) }
            $rows = @($csv | Where-Object { $_.Trim() } | ConvertFrom-Csv -Header 'Machine', 'Target', 'Subcategory', 'Guid', 'Inclusion', 'Exclusion')
            $row = @($rows | Where-Object { ([string]$_.Guid).Trim().Trim('{', '}') -eq '0CCE9215-69AE-11D9-BED3-505054503030' })
            if ($row.Count -ne 1) { throw 'auditpol /get /r: no line for the Logon subcategory {0CCE9215-69AE-11D9-BED3-505054503030}' }
            [string]$row[0].Inclusion
        }
        Desired = 'Success and Failure'
        Set = {
            & auditpol /set '/subcategory:{0CCE9215-69AE-11D9-BED3-505054503030}' /success:enable /failure:enable | Out-Null
            if ($LASTEXITCODE -ne 0) { throw ('auditpol /set failed with exit code ' + $LASTEXITCODE) }
        }
    }
    Invoke-RemediateTask @task
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
