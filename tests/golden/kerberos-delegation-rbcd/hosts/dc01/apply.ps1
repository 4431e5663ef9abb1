# remediate apply script for dc01 (domain; Windows 2008r2)
#
# Policies, in the order their tasks run:
#   sql-kerberos-delegation: strategy kerberos-delegation (medium risk)
#     follows Microsoft Learn, "Kerberos Constrained Delegation Overview" (constrained and resource-based delegation)
#
# Run elevated:
#   powershell.exe -NoProfile -ExecutionPolicy Bypass -File apply.ps1 -Check    (reports; changes nothing)
#   powershell.exe -NoProfile -ExecutionPolicy Bypass -File apply.ps1 [-Restart]
# Passwords are asked for when needed (never in check mode); no secret is stored in this file.
# The last line of output is REMEDIATE-RESULT and a JSON summary.
#
# Regenerate: remediate render sql-kerberos-delegation.yaml -i inventories/example/hosts.yml -o out
[CmdletBinding(SupportsShouldProcess = $true)]
param(
    [switch] $Check,
    [switch] $Restart
)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$script:CheckMode = $Check.IsPresent -or [bool]$WhatIfPreference
$script:HostName = 'dc01'
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

    # ---- Task 1: sql-kerberos-delegation.1 -- policy sql-kerberos-delegation, strategy kerberos-delegation, step 1
    # configure_delegation: CONTOSO\SQL01$ = resource-based: CONTOSO\WEB12$ may delegate to CONTOSO\SQL01$
    # Follows: Microsoft Learn, "Kerberos Constrained Delegation Overview" (constrained and resource-based delegation)
    $task = @{
        Id = 'sql-kerberos-delegation.1'
        Policy = 'sql-kerberos-delegation'
        Name = 'configure_delegation: CONTOSO\SQL01$ = resource-based: CONTOSO\WEB12$ may delegate to CONTOSO\SQL01$'
        Get = {
            Import-Module ActiveDirectory
            # PrincipalsAllowedToDelegateToAccount came with the ActiveDirectory module of Windows Server 2012 (U, own knowledge)
            if (-not (Get-Command -Name Set-ADComputer).Parameters.ContainsKey('PrincipalsAllowedToDelegateToAccount')) {
                throw 'resource-based delegation needs the ActiveDirectory module of Windows Server 2012 or later (RSAT): run this script where it is installed'
            }
            $sam = 'CONTOSO\SQL01$'.Split('\')[-1]
            $found = @(Get-ADObject -LDAPFilter ('(sAMAccountName=' + $sam.Replace('\', '\5c').Replace('*', '\2a').Replace('(', '\28').Replace(')', '\29') + ')') -Properties @('sAMAccountName'))
            if ($found.Count -ne 1) { throw (('expected one account ' + 'CONTOSO\SQL01$' + ' (by its sAMAccountName) in the domain of this computer, found ') + $found.Count) }
            $backEnd = $found[0]
            $allowed = & {
                switch ([string]$backEnd.ObjectClass) {
                    'computer' { Get-ADComputer -Identity $backEnd.DistinguishedName -Properties PrincipalsAllowedToDelegateToAccount }
                    'user' { Get-ADUser -Identity $backEnd.DistinguishedName -Properties PrincipalsAllowedToDelegateToAccount }
                    'msDS-GroupManagedServiceAccount' { Get-ADServiceAccount -Identity $backEnd.DistinguishedName -Properties PrincipalsAllowedToDelegateToAccount }
                    'msDS-ManagedServiceAccount' { Get-ADServiceAccount -Identity $backEnd.DistinguishedName -Properties PrincipalsAllowedToDelegateToAccount }
                    default { throw ('no delegation cmdlet for an object of class ' + $backEnd.ObjectClass + ': ' + $backEnd.DistinguishedName) }
                }
            }
            return ,([string[]]@($allowed.PrincipalsAllowedToDelegateToAccount | ForEach-Object { [string]$_ } | Sort-Object))
        }
        Set = {
            # read and merge again: the lists may have changed since Desired was computed
            $now = & {
                Import-Module ActiveDirectory
                # PrincipalsAllowedToDelegateToAccount came with the ActiveDirectory module of Windows Server 2012 (U, own knowledge)
                if (-not (Get-Command -Name Set-ADComputer).Parameters.ContainsKey('PrincipalsAllowedToDelegateToAccount')) {
                    throw 'resource-based delegation needs the ActiveDirectory module of Windows Server 2012 or later (RSAT): run this script where it is installed'
                }
                $sam = 'CONTOSO\SQL01$'.Split('\')[-1]
                $found = @(Get-ADObject -LDAPFilter ('(sAMAccountName=' + $sam.Replace('\', '\5c').Replace('*', '\2a').Replace('(', '\28').Replace(')', '\29') + ')') -Properties @('sAMAccountName'))
                if ($found.Count -ne 1) { throw (('expected one account ' + 'CONTOSO\SQL01$' + ' (by its sAMAccountName) in the domain of this computer, found ') + $found.Count) }
                $backEnd = $found[0]
                $allowed = & {
                    switch ([string]$backEnd.ObjectClass) {
                        'computer' { Get-ADComputer -Identity $backEnd.DistinguishedName -Properties PrincipalsAllowedToDelegateToAccount }
                        'user' { Get-ADUser -Identity $backEnd.DistinguishedName -Properties PrincipalsAllowedToDelegateToAccount }
                        'msDS-GroupManagedServiceAccount' { Get-ADServiceAccount -Identity $backEnd.DistinguishedName -Properties PrincipalsAllowedToDelegateToAccount }
                        'msDS-ManagedServiceAccount' { Get-ADServiceAccount -Identity $backEnd.DistinguishedName -Properties PrincipalsAllowedToDelegateToAccount }
                        default { throw ('no delegation cmdlet for an object of class ' + $backEnd.ObjectClass + ': ' + $backEnd.DistinguishedName) }
                    }
                }
                return ,([string[]]@($allowed.PrincipalsAllowedToDelegateToAccount | ForEach-Object { [string]$_ } | Sort-Object))
            }
            $want = & {
                $sam = 'CONTOSO\WEB12$'.Split('\')[-1]
                $found = @(Get-ADObject -LDAPFilter ('(sAMAccountName=' + $sam.Replace('\', '\5c').Replace('*', '\2a').Replace('(', '\28').Replace(')', '\29') + ')') -Properties @('sAMAccountName'))
                if ($found.Count -ne 1) { throw (('expected one account ' + 'CONTOSO\WEB12$' + ' (by its sAMAccountName) in the domain of this computer, found ') + $found.Count) }
                $frontEnd = $found[0]
                $list = @($now | Where-Object { $_ })
                foreach ($item in @($frontEnd.DistinguishedName)) { if ($list -notcontains $item) { $list += $item } }
                ,([string[]]@($list | Sort-Object))
            }
            $sam = 'CONTOSO\SQL01$'.Split('\')[-1]
            $found = @(Get-ADObject -LDAPFilter ('(sAMAccountName=' + $sam.Replace('\', '\5c').Replace('*', '\2a').Replace('(', '\28').Replace(')', '\29') + ')') -Properties @('sAMAccountName'))
            if ($found.Count -ne 1) { throw (('expected one account ' + 'CONTOSO\SQL01$' + ' (by its sAMAccountName) in the domain of this computer, found ') + $found.Count) }
            $backEnd = $found[0]
            switch ([string]$backEnd.ObjectClass) {
                'computer' { Set-ADComputer -Identity $backEnd.DistinguishedName -PrincipalsAllowedToDelegateToAccount $want }
                'user' { Set-ADUser -Identity $backEnd.DistinguishedName -PrincipalsAllowedToDelegateToAccount $want }
                'msDS-GroupManagedServiceAccount' { Set-ADServiceAccount -Identity $backEnd.DistinguishedName -PrincipalsAllowedToDelegateToAccount $want }
                'msDS-ManagedServiceAccount' { Set-ADServiceAccount -Identity $backEnd.DistinguishedName -PrincipalsAllowedToDelegateToAccount $want }
                default { throw ('no delegation cmdlet for an object of class ' + $backEnd.ObjectClass + ': ' + $backEnd.DistinguishedName) }
            }
        }
    }
    # Desired: the current lists merged with what this task adds (a failed read is reported by the task itself)
    try {
        $now = & $task.Get
        $task.Desired = & {
            $sam = 'CONTOSO\WEB12$'.Split('\')[-1]
            $found = @(Get-ADObject -LDAPFilter ('(sAMAccountName=' + $sam.Replace('\', '\5c').Replace('*', '\2a').Replace('(', '\28').Replace(')', '\29') + ')') -Properties @('sAMAccountName'))
            if ($found.Count -ne 1) { throw (('expected one account ' + 'CONTOSO\WEB12$' + ' (by its sAMAccountName) in the domain of this computer, found ') + $found.Count) }
            $frontEnd = $found[0]
            $list = @($now | Where-Object { $_ })
            foreach ($item in @($frontEnd.DistinguishedName)) { if ($list -notcontains $item) { $list += $item } }
            ,([string[]]@($list | Sort-Object))
        }
    } catch { $task.Desired = $null }
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
