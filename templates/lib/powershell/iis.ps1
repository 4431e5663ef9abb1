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
    [CmdletBinding(SupportsShouldProcess = $true)]
    param([string] $Location, [string] $Filter, [string] $Name, $Value)
    if (-not $PSCmdlet.ShouldProcess($Location + ': ' + $Filter + '/@' + $Name, 'set')) { return }
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

function Test-RemediateIisModule {
    # Whether a native module is installed: a role service's installer adds it to system.webServer/globalModules
    # (Microsoft Learn, "Global Modules <globalModules>"), on Server and client Windows alike.
    param([Parameter(Mandatory = $true)] [string] $Name)
    Import-Module WebAdministration
    $filter = 'system.webServer/globalModules/add[@name=' + (ConvertTo-RemediateXPathLiteral $Name) + ']'
    return @(Get-WebConfiguration -PSPath 'MACHINE/WEBROOT/APPHOST' -Filter $filter).Count -gt 0
}

function Remove-RemediateUnusedAppPool {
    # Removes an application pool that apply.ps1 created, unless an application still runs in it; returns
    # what it did, for the result.
    [CmdletBinding(SupportsShouldProcess = $true)]
    param([string] $Name)
    if (-not $PSCmdlet.ShouldProcess($Name, 'remove the application pool')) { return 'the application pool ' + $Name + ' would be removed (check mode)' }
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
