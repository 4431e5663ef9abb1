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
