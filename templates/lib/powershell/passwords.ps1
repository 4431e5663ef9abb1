function Compare-RemediatePassword {
    # IIS 7+ stores pool, Connect As and anonymous passwords encrypted and returns them decrypted to an
    # administrator (microsoft.iis virtual_directory, DSC_WebAppPool compare them): compared here with the
    # wanted one and never returned; $null as wanted (check mode without the secret) is not compared.
    param([string] $Live, [securestring] $Wanted)
    if ($null -eq $Wanted) { return '(not compared: check mode without the secret)' }
    if ($Live -ceq (ConvertFrom-RemediateSecret $Wanted)) { return '(as wanted)' }
    return '(another)'
}
