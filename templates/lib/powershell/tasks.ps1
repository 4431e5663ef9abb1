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
