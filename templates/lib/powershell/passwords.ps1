function Compare-RemediatePassword {
    # IIS 7+ stores pool, Connect As and anonymous passwords encrypted and returns them decrypted to an
    # administrator (microsoft.iis virtual_directory, DSC_WebAppPool compare them): compared here with the
    # wanted one and never returned; $null as wanted (check mode without the secret) is not compared.
    param([string] $Live, [securestring] $Wanted)
    if ($null -eq $Wanted) { return '(not compared: check mode without the secret)' }
    if ($Live -ceq (ConvertFrom-RemediateSecret $Wanted)) { return '(as wanted)' }
    return '(another)'
}

function Test-RemediateCredential {
    # Whether the password is the account's, asked of its domain (DOMAIN\name) or of this computer (a local name)
    # without a logon: PrincipalContext.ValidateCredentials, which takes the bare user name (Microsoft Learn,
    # "PrincipalContext.ValidateCredentials Method").
    param([Parameter(Mandatory = $true)] [string] $Account, [Parameter(Mandatory = $true)] [securestring] $Password)
    Add-Type -AssemblyName System.DirectoryServices.AccountManagement
    $domain, $user = '.', $Account
    if ($Account.Contains('\')) { $domain, $user = $Account.Split('\', 2) }
    $type = [System.DirectoryServices.AccountManagement.ContextType]::Domain
    if ($domain -eq '.' -or $domain -eq $env:COMPUTERNAME) { $type = [System.DirectoryServices.AccountManagement.ContextType]::Machine; $domain = $env:COMPUTERNAME }
    $context = New-Object System.DirectoryServices.AccountManagement.PrincipalContext($type, $domain)
    try { return $context.ValidateCredentials($user, (ConvertFrom-RemediateSecret $Password)) } finally { $context.Dispose() }
}
