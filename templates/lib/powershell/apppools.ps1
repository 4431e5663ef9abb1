function Get-RemediateAppPoolOfPath {
    # The application pool that serves a path of a site today: that of the path's own application, else of the
    # nearest application above it, else of the site's root application.
    param([string] $Site, [string] $Path)
    Import-Module WebAdministration
    $parts = @($Path.Split('/') | Where-Object { $_ })
    for ($count = $parts.Count; $count -gt 0; $count--) {
        $item = Get-Item -LiteralPath ('IIS:\Sites\' + $Site + '\' + ($parts[0..($count - 1)] -join '\')) -ErrorAction SilentlyContinue
        if ($null -ne $item -and [string]$item.ElementTagName -eq 'application') { return [string]$item.applicationPool }
    }
    return [string](Get-Item -LiteralPath ('IIS:\Sites\' + $Site)).applicationPool
}

function Copy-RemediateAppPoolSetting {
    # Gives pool $To the value pool $From has for each named setting (attribute paths under IIS:\AppPools, as
    # Set-ItemProperty takes them). A collection (recycling.periodicRestart.schedule) is cleared and refilled entry
    # by entry, as microsoft.iis's web_app_pool module does. Only values that differ are written, so what $From
    # inherits from applicationPoolDefaults stays inherited in $To. Returns "name=value" for each value written.
    param([string] $From, [string] $To, [string[]] $Name)
    $source = 'IIS:\AppPools\' + $From
    $target = 'IIS:\AppPools\' + $To
    foreach ($setting in $Name) {
        $have = Get-ItemProperty -LiteralPath $source -Name $setting
        $now = Get-ItemProperty -LiteralPath $target -Name $setting
        if ($null -ne $have -and $null -ne $have.PSObject.Properties['Collection']) {
            $values = @($have.Collection | ForEach-Object { [string]$_.value })
            if (Test-RemediateEqual $values @($now.Collection | ForEach-Object { [string]$_.value })) { continue }
            Clear-ItemProperty -LiteralPath $target -Name $setting
            foreach ($value in $values) { New-ItemProperty -LiteralPath $target -Name $setting -Value @{ value = $value } | Out-Null }
            $setting + '=' + ($values -join ',')
            continue
        }
        $value = ConvertFrom-RemediateIisValue $have
        if (Test-RemediateEqual $value (ConvertFrom-RemediateIisValue $now)) { continue }
        Set-ItemProperty -LiteralPath $target -Name $setting -Value $value
        $setting + '=' + [string]$value
    }
}
