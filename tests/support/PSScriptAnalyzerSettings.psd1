# PSScriptAnalyzer settings for the generated PowerShell scripts, as ansible.windows lints its
# modules (ansible-test's pslint): every default rule (the correctness and security rules among
# them) plus PSUseCompatibleSyntax for Windows PowerShell 5.1 and PowerShell 7.0. A rule left off
# is listed in ExcludeRules with its reason beside it.
# PSUseCompatibleCommands and PSUseCompatibleTypes stay off: they need platform profiles that the
# PSScriptAnalyzer build the tests use does not ship.
@{
    IncludeDefaultRules = $true
    Severity = @('Error', 'Warning', 'Information', 'ParseError')
    ExcludeRules = @()
    Rules = @{
        PSUseCompatibleSyntax = @{
            Enable = $true
            TargetVersions = @('5.1', '7.0')
        }
    }
}
