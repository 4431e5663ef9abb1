function Get-RemediateSecret {
    # A password the script needs, read once before the first change: the parameter's value, or asked for. Check mode
    # asks for none: one not passed is $null there, and the result says apply will need it. Apply without it (no
    # console to ask on, or an empty answer) stops before the first change.
    param([string] $Policy, [string] $Parameter, [securestring] $Bound)
    if ($null -ne $Bound -and $Bound.Length -gt 0) { return $Bound }
    $what = 'the password of policy ' + $Policy + ' (-' + $Parameter + ')'
    if ($script:CheckMode) {
        $note = Add-RemediateTaskResult -Id 'preflight' -Policy $Policy -Name ('password -' + $Parameter)
        $note.message = $what + ' was not given: apply asks for it (check mode asks for no password)'
        return $null
    }
    try { $secret = Read-Host -AsSecureString -Prompt ('Password for policy ' + $Policy) } catch {
        throw ($what + ' is missing and cannot be asked for (' + $_.Exception.Message + '): nothing was changed')
    }
    if ($null -eq $secret -or $secret.Length -eq 0) { throw ($what + ' is empty: nothing was changed') }
    return $secret
}

function ConvertFrom-RemediateSecret {
    param([securestring] $Secret)
    return (New-Object System.Management.Automation.PSCredential('remediate', $Secret)).GetNetworkCredential().Password
}
