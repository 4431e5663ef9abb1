function Resolve-RemediateSid {
    # An account name, or a SID string, to its SID string (Microsoft Learn, "NTAccount.Translate Method");
    # an unknown account throws IdentityNotMappedException.
    param([Parameter(Mandatory = $true)] [string] $Account)
    if ($Account -match '^S-1-[0-9-]+$') { return (New-Object System.Security.Principal.SecurityIdentifier $Account).Value }
    return (New-Object System.Security.Principal.NTAccount $Account).Translate([System.Security.Principal.SecurityIdentifier]).Value
}

function Resolve-RemediateAccountName {
    # A SID string to the account's name as this computer spells it (localized for well-known SIDs;
    # Microsoft Learn, "SecurityIdentifier.Translate(Type) Method").
    param([Parameter(Mandatory = $true)] [string] $Sid)
    return (New-Object System.Security.Principal.SecurityIdentifier $Sid).Translate([System.Security.Principal.NTAccount]).Value
}

function Get-RemediateLocalUserPath {
    param([string] $Name)
    return 'WinNT://' + $env:COMPUTERNAME + '/' + $Name + ',user'
}

function Test-RemediateLocalAccount {
    # Whether this computer has a local user of that name (the ADSI WinNT provider, every Windows).
    param([Parameter(Mandatory = $true)] [string] $Name)
    return [ADSI]::Exists((Get-RemediateLocalUserPath $Name))
}

function New-RemediateLocalAccount {
    # Create('user'), SetPassword and UserFlags through the WinNT provider. The default flags are
    # ADS_UF_SCRIPT 0x1 + ADS_UF_NORMAL_ACCOUNT 0x200 + ADS_UF_DONT_EXPIRE_PASSWD 0x10000: the
    # password never expires (Microsoft Learn, "Password Never Expires (WinNT Provider)").
    [CmdletBinding(SupportsShouldProcess = $true)]
    param([Parameter(Mandatory = $true)] [string] $Name, [Parameter(Mandatory = $true)] [securestring] $Password,
          [int] $Flags = 0x10201)
    if (-not $PSCmdlet.ShouldProcess($Name, 'create the local account')) { return }
    $computer = [ADSI]('WinNT://' + $env:COMPUTERNAME + ',computer')
    $user = $computer.Create('user', $Name)
    $user.SetPassword((ConvertFrom-RemediateSecret $Password))
    $user.SetInfo()
    $user.Put('UserFlags', $Flags)
    $user.SetInfo()
}

function Set-RemediateLocalAccountPassword {
    # SetPassword through the WinNT provider; a local password can never be read back.
    [CmdletBinding(SupportsShouldProcess = $true)]
    param([Parameter(Mandatory = $true)] [string] $Name, [Parameter(Mandatory = $true)] [securestring] $Password)
    if (-not $PSCmdlet.ShouldProcess($Name, 'set the password of the local account')) { return }
    $user = [ADSI](Get-RemediateLocalUserPath $Name)
    $user.SetPassword((ConvertFrom-RemediateSecret $Password))
    $user.SetInfo()
}

function Remove-RemediateLocalAccount {
    # The computer object's Delete('user', name) through the WinNT provider.
    [CmdletBinding(SupportsShouldProcess = $true)]
    param([Parameter(Mandatory = $true)] [string] $Name)
    if (-not $PSCmdlet.ShouldProcess($Name, 'remove the local account')) { return }
    $computer = [ADSI]('WinNT://' + $env:COMPUTERNAME + ',computer')
    $computer.Delete('user', $Name)
}
