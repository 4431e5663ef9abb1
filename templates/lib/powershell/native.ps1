function Invoke-RemediateNative {
    # Runs a native program (icacls, auditpol, setspn) and returns its standard output lines. Under
    # $ErrorActionPreference 'Stop', Windows PowerShell 5.1 turns a program's first line on standard error
    # into a terminating error when it is redirected (Microsoft Learn, "about_Redirection"): here the
    # preference is 'Continue' for the call only, the error lines are kept apart, and the exit code decides
    # (Microsoft Learn, "about_Automatic_Variables", $LASTEXITCODE).
    # -AnyExitCode: for a program whose exit codes are not documented, only its output counts.
    param([Parameter(Mandatory = $true)] [string] $FilePath, [string[]] $ArgumentList, [switch] $AnyExitCode)
    $ErrorActionPreference = 'Continue'
    $output = @(& $FilePath @ArgumentList 2>&1)
    $code = $LASTEXITCODE
    $lines = @($output | Where-Object { $_ -isnot [System.Management.Automation.ErrorRecord] } | ForEach-Object { [string]$_ })
    $errors = @($output | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] } | ForEach-Object { [string]$_ })
    if ($code -ne 0 -and -not $AnyExitCode) {
        $said = @($errors + $lines | Where-Object { ([string]$_).Trim() }) -join ' | '
        throw ($FilePath + ' ' + ($ArgumentList -join ' ') + ' failed with exit code ' + $code + ': ' + $said)
    }
    return $lines
}
