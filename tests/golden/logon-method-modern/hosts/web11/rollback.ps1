# remediate rollback script for web11 (iis; Windows 2016)
#
# Policies, in the order their tasks run:
#   basic-logon-network: strategy logon-method (low risk)
#     follows KB 207671, "Token types" (Clear Text logon and LogonMethod); KB 207671, closing note: LogonMethod 2 (network) denies network access
#
# Run elevated:
#   powershell.exe -NoProfile -ExecutionPolicy Bypass -File rollback.ps1 -Check    (reports; changes nothing)
#   powershell.exe -NoProfile -ExecutionPolicy Bypass -File rollback.ps1 [-Restart]
# Passwords are asked for when needed (never in check mode); no secret is stored in this file.
# The last line of output is REMEDIATE-RESULT and a JSON summary.
#
# Regenerate: remediate render basic-logon-network.yaml -i inventories/example/hosts.yml -o out
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

function Get-RemediateSecret {
    param([string] $Name, $Bound)
    if ($null -ne $Bound) { return $Bound }
    return (Read-Host -AsSecureString -Prompt "Password for $Name")
}

function ConvertFrom-RemediateSecret {
    param([securestring] $Secret)
    return (New-Object System.Management.Automation.PSCredential('remediate', $Secret)).GetNetworkCredential().Password
}

function Compare-RemediatePassword {
    # IIS 7+ stores pool, Connect As and anonymous passwords encrypted and returns them decrypted to an
    # administrator (microsoft.iis virtual_directory, DSC_WebAppPool compare them): compared here with the
    # wanted one and never returned; $null as wanted (check mode without the secret) is not compared.
    param([string] $Live, [securestring] $Wanted)
    if ($null -eq $Wanted) { return '(not compared: check mode without the secret)' }
    if ($Live -ceq (ConvertFrom-RemediateSecret $Wanted)) { return '(as wanted)' }
    return '(another)'
}

function ConvertFrom-RemediateIisValue {
    # What WebAdministration returns for one attribute, as its value: enum attributes come back as strings,
    # others as ConfigurationAttribute objects whose .Value is the value.
    param($Found)
    if ($null -eq $Found -or $Found -is [string] -or $Found -is [bool] -or $Found -is [int]) { return $Found }
    if ($null -ne $Found.PSObject.Properties['Value']) { return $Found.Value }
    return [string]$Found
}

function Get-RemediateIisAttribute {
    param([string] $Location, [string] $Filter, [string] $Name)
    Import-Module WebAdministration
    return ConvertFrom-RemediateIisValue (Get-WebConfigurationProperty -PSPath 'MACHINE/WEBROOT/APPHOST' -Location $Location -Filter $Filter -Name $Name)
}

function Set-RemediateIisAttribute {
    param([string] $Location, [string] $Filter, [string] $Name, $Value)
    Import-Module WebAdministration
    Set-WebConfigurationProperty -PSPath 'MACHINE/WEBROOT/APPHOST' -Location $Location -Filter $Filter -Name $Name -Value $Value
}

function Get-RemediateIisParentAttribute {
    # The value a location would inherit: the effective value one path up (the server level above a site).
    param([string] $Location, [string] $Filter, [string] $Name)
    $cut = $Location.LastIndexOf('/')
    if ($cut -lt 0) {
        $found = Get-WebConfigurationProperty -PSPath 'MACHINE/WEBROOT/APPHOST' -Filter $Filter -Name $Name
    } else {
        $found = Get-WebConfigurationProperty -PSPath 'MACHINE/WEBROOT/APPHOST' -Location $Location.Substring(0, $cut) -Filter $Filter -Name $Name
    }
    return ConvertFrom-RemediateIisValue $found
}

function Restore-RemediateIisAttribute {
    # Puts back a value saved before apply: when it is what the location inherits, the attribute is cleared
    # at the location (Remove-WebConfigurationProperty) instead of pinned, so it follows its parent again.
    param([string] $Location, [string] $Filter, [string] $Name, $Value)
    Import-Module WebAdministration
    if (Test-RemediateEqual (Get-RemediateIisParentAttribute -Location $Location -Filter $Filter -Name $Name) $Value) {
        Remove-WebConfigurationProperty -PSPath 'MACHINE/WEBROOT/APPHOST' -Location $Location -Filter $Filter -Name $Name
        return
    }
    Set-RemediateIisAttribute -Location $Location -Filter $Filter -Name $Name -Value $Value
}

function Get-RemediateIisPasswordState {
    # A password attribute compared with the wanted one; another password that the location inherits is
    # told apart, so that rollback can clear it at the location again.
    param([string] $Location, [string] $Filter, [string] $Name, [securestring] $Wanted)
    $live = [string](Get-RemediateIisAttribute -Location $Location -Filter $Filter -Name $Name)
    $state = Compare-RemediatePassword -Live $live -Wanted $Wanted
    if ($state -eq '(another)' -and $live -ceq [string](Get-RemediateIisParentAttribute -Location $Location -Filter $Filter -Name $Name)) {
        return '(another, inherited)'
    }
    return $state
}

function ConvertTo-RemediateXPathLiteral {
    # A name as an XPath 1.0 string literal: '...' or "...", or concat() when it holds both quotes.
    param([string] $Text)
    if (-not $Text.Contains("'")) { return "'" + $Text + "'" }
    if (-not $Text.Contains('"')) { return '"' + $Text + '"' }
    return "concat('" + $Text.Replace("'", "', ""'"", '") + "')"
}

function Remove-RemediateUnusedAppPool {
    # Removes an application pool that apply.ps1 created, unless an application still runs in it; returns
    # what it did, for the result.
    param([string] $Name)
    Import-Module WebAdministration
    if (-not (Test-Path -LiteralPath ('IIS:\AppPools\' + $Name))) { return 'the application pool ' + $Name + ' is already gone' }
    $filter = 'system.applicationHost/sites/site/application[@applicationPool=' + (ConvertTo-RemediateXPathLiteral $Name) + ']'
    $users = @(Get-WebConfiguration -PSPath 'MACHINE/WEBROOT/APPHOST' -Filter $filter)
    if ($users.Count -gt 0) { return 'the application pool ' + $Name + ' that apply.ps1 created is left in place: ' + $users.Count + ' application(s) still run in it' }
    Remove-WebAppPool -Name $Name
    return 'removed the application pool ' + $Name + ' that apply.ps1 created'
}

function Invoke-RemediateIisCommit {
    # Runs IIS configuration changes that only work together as one commit: Start-WebCommitDelay, the
    # changes, Stop-WebCommitDelay -Commit $true (Microsoft Learn, "Stop-WebCommitDelay"). When a change
    # throws, the delay is closed with -Commit $false, which discards the group: left open, the next group's
    # commit would write the failed group's first changes too. Windows Server 2008 R2's WebAdministration
    # names them Begin-/End-WebCommitDelay (Microsoft Learn, "Begin-WebCommitDelay").
    param([Parameter(Mandatory = $true)] [scriptblock] $Change)
    Import-Module WebAdministration
    $modern = [bool](Get-Command -Name Start-WebCommitDelay -ErrorAction SilentlyContinue)
    if ($modern) { Start-WebCommitDelay } else { Begin-WebCommitDelay }
    try {
        & $Change
    } catch {
        if ($modern) { Stop-WebCommitDelay -Commit $false } else { End-WebCommitDelay -Commit $false }
        throw
    }
    if ($modern) { Stop-WebCommitDelay -Commit $true } else { End-WebCommitDelay -Commit $true }
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

    # ---- Undo task 1: basic-logon-network.1 -- policy basic-logon-network, strategy logon-method, step 1
    # set_iis_attribute: Default Web Site/home: system.webServer/security/authentication/basicAuthentication/@logonMethod = ClearText
    $task = @{
        Id = 'basic-logon-network.1'
        Policy = 'basic-logon-network'
        Name = 'set_iis_attribute: Default Web Site/home: system.webServer/security/authentication/basicAuthentication/@logonMethod = ClearText'
        Restore = { param($Before) Restore-RemediateIisAttribute -Location 'Default Web Site/home' -Filter 'system.webServer/security/authentication/basicAuthentication' -Name 'logonMethod' -Value $Before }
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
