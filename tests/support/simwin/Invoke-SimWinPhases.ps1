# Runs one bundle's host scripts through the phases in one pwsh process (a start costs ~0.5 s):
# check, apply, apply again, rollback, then per fault point k: apply failing at its k-th change,
# and rollback; then apply, a rollback whose first change fails, and rollback again; then apply with
# a state folder a user made, and rollback with a state file a user made. Reads a JSON
# request on the path given, writes the JSON answer to stdout: per host and phase the state
# document after the phase, the exit code, the REMEDIATE-RESULT object (or null) and the script's
# other output. A request with `runs` instead of `hosts` runs each run's steps in order on one
# state (a script, with check mode, switches, no secrets or a fault at a change) and answers
# the records per run.
param([Parameter(Mandatory)] [string] $Request)
$ErrorActionPreference = 'Stop'
. (Join-Path $PSScriptRoot 'SimWin.ps1')
$SimWinUserSid = 'S-1-5-21-1004336348-1177238915-682003330-2001'    # CONTOSO\someone: a user, not an administrator

function ConvertTo-SimWinJson { param($Value) return (ConvertTo-Json -InputObject $Value -Depth 30 -Compress) }

function Invoke-SimWinScript {
    # Runs one script with the simulated secrets its parameters ask for; returns the phase record.
    param([string] $Path, [switch] $Check, [string[]] $Switches = @(), [switch] $WithoutSecrets)
    $Path = ConvertTo-SimWinRunnable $Path
    $arguments = @{}
    if ($Check) { $arguments['Check'] = $true }
    foreach ($switch in $Switches) { $arguments[$switch] = $true }
    foreach ($parameter in (Get-Command -Name $Path).Parameters.Values) {
        if ($parameter.ParameterType -eq [securestring] -and -not $WithoutSecrets) {
            $arguments[$parameter.Name] = ConvertTo-SecureString 'simwin-Secret-1' -AsPlainText -Force
        }
    }
    $global:LASTEXITCODE = 0
    $global:SimWinWrites = 0
    $lines = @()
    $errorText = $null
    try {
        $lines = @(& $Path @arguments 2>&1 3>&1 | ForEach-Object { [string]$_ })
    } catch {
        $errorText = [string]$_.Exception.Message
    }
    Close-SimWinSession
    $result = $null
    $marker = @($lines | Where-Object { $_.StartsWith('REMEDIATE-RESULT ') })
    if ($marker.Count -gt 0) { $result = $marker[-1].Substring(17) | ConvertFrom-Json -AsHashtable }
    return [ordered]@{ exit = $global:LASTEXITCODE; result = $result; output = $lines; error = $errorText;
                       writes = $global:SimWinWrites; state = (ConvertTo-SimWinJson $global:SimWin | ConvertFrom-Json -AsHashtable) }
}

$spec = Get-Content -LiteralPath $Request -Raw | ConvertFrom-Json -AsHashtable
$answer = [ordered]@{}
foreach ($run in @($spec.runs)) {
    if ($null -eq $run) { continue }
    $data = Join-Path $spec.work $run.name
    New-Item -ItemType Directory -Force -Path $data | Out-Null
    Initialize-SimWin -State $run.state -ProgramData $data -ComputerName $run.host
    $records = @()
    foreach ($step in $run.steps) {
        $global:SimWinFaultAt = [int]$step.fault
        $records += Invoke-SimWinScript -Path $step.path -Check:([bool]$step.check) -Switches @($step.switches) -WithoutSecrets:([bool]$step.without_secrets)
        $global:SimWinFaultAt = 0
    }
    $answer[$run.name] = $records
}
foreach ($hostSpec in @($spec.hosts)) {
    if ($null -eq $hostSpec) { continue }
    $initial = ConvertTo-SimWinJson $hostSpec.state
    $phases = [ordered]@{}
    $fresh = {
        param([string] $Tag)
        $data = Join-Path $spec.work ($hostSpec.name + '-' + $Tag)
        New-Item -ItemType Directory -Force -Path $data | Out-Null
        Initialize-SimWin -State ($initial | ConvertFrom-Json -AsHashtable) -ProgramData $data -ComputerName $hostSpec.name
    }
    & $fresh 'main'
    $phases['check'] = Invoke-SimWinScript -Path $hostSpec.apply -Check
    $phases['apply'] = Invoke-SimWinScript -Path $hostSpec.apply
    $phases['apply_again'] = Invoke-SimWinScript -Path $hostSpec.apply
    $phases['rollback'] = Invoke-SimWinScript -Path $hostSpec.rollback
    $changes = [int]$phases['apply'].writes
    for ($k = 1; $k -le $changes; $k++) {
        & $fresh ('fault' + $k)
        $global:SimWinFaultAt = $k
        $phases['fault' + $k] = Invoke-SimWinScript -Path $hostSpec.apply
        $global:SimWinFaultAt = 0
        $phases['fault' + $k + '_rollback'] = Invoke-SimWinScript -Path $hostSpec.rollback
    }
    if ([int]$phases['rollback'].writes -gt 1) {
        # an undo that fails: the undos after it still run, and rollback run again finishes the job
        & $fresh 'undo_fault'
        $phases['undo_fault_apply'] = Invoke-SimWinScript -Path $hostSpec.apply
        $global:SimWinFaultAt = 1
        $phases['undo_fault'] = Invoke-SimWinScript -Path $hostSpec.rollback
        $global:SimWinFaultAt = 0
        $phases['undo_fault_again'] = Invoke-SimWinScript -Path $hostSpec.rollback
    }
    # the state folder made by a user before apply ever ran: apply refuses it and changes nothing
    & $fresh 'planted'
    New-Item -ItemType Directory -Path (Join-Path $env:ProgramData 'remediate') | Out-Null
    $global:SimWin['programData'] = @{ 'remediate' = @{ owner = $SimWinUserSid; protected = $false; access = @() } }
    $phases['planted_apply'] = Invoke-SimWinScript -Path $hostSpec.apply
    # the saved values owned by the administrator who ran apply ("Object creator" as the default owner): trusted
    & $fresh 'creator'
    $phases['creator_apply'] = Invoke-SimWinScript -Path $hostSpec.apply
    if (Test-Path -LiteralPath (Join-Path $env:ProgramData 'remediate\before-values.json')) {
        (Get-SimWinSection @('programData'))['remediate\before-values.json'] = @{ owner = (Get-RemediateCurrentUserSid) }
        $phases['creator_rollback'] = Invoke-SimWinScript -Path $hostSpec.rollback
    }
    # the saved values replaced by a user's file after apply: rollback refuses it and changes nothing
    & $fresh 'taken'
    $phases['taken_apply'] = Invoke-SimWinScript -Path $hostSpec.apply
    if (Test-Path -LiteralPath (Join-Path $env:ProgramData 'remediate\before-values.json')) {
        (Get-SimWinSection @('programData'))['remediate\before-values.json'] = @{ owner = $SimWinUserSid }
        $phases['taken_rollback'] = Invoke-SimWinScript -Path $hostSpec.rollback
    }
    $answer[$hostSpec.name] = $phases
}
ConvertTo-SimWinJson $answer
