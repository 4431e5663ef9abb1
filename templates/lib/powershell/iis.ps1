function Get-RemediateIisAttribute {
    # Enum attributes come back as strings, others as ConfigurationAttribute objects.
    param([string] $Location, [string] $Filter, [string] $Name)
    Import-Module WebAdministration
    $found = Get-WebConfigurationProperty -PSPath 'MACHINE/WEBROOT/APPHOST' -Location $Location -Filter $Filter -Name $Name
    if ($null -eq $found -or $found -is [string] -or $found -is [bool] -or $found -is [int]) { return $found }
    if ($null -ne $found.PSObject.Properties['Value']) { return $found.Value }
    return [string]$found
}

function Set-RemediateIisAttribute {
    param([string] $Location, [string] $Filter, [string] $Name, $Value)
    Import-Module WebAdministration
    Set-WebConfigurationProperty -PSPath 'MACHINE/WEBROOT/APPHOST' -Location $Location -Filter $Filter -Name $Name -Value $Value
}
