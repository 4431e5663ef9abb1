function Get-RemediateSecret {
    param([string] $Name, $Bound)
    if ($null -ne $Bound) { return $Bound }
    return (Read-Host -AsSecureString -Prompt "Password for $Name")
}

function ConvertFrom-RemediateSecret {
    param([securestring] $Secret)
    return (New-Object System.Management.Automation.PSCredential('remediate', $Secret)).GetNetworkCredential().Password
}
