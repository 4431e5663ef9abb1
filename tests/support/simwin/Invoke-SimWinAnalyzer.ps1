# PSScriptAnalyzer over a folder (recursively) or one file, with the given settings; prints the
# findings as one JSON array of {rule, file, line, message}.
param([Parameter(Mandatory)] [string] $Path, [Parameter(Mandatory)] [string] $Settings)
$ErrorActionPreference = 'Stop'
Import-Module PSScriptAnalyzer
$found = @(Invoke-ScriptAnalyzer -Path $Path -Recurse -Settings $Settings)
ConvertTo-Json -Compress -Depth 3 -InputObject @($found | ForEach-Object {
    [ordered]@{ rule = $_.RuleName; file = $_.ScriptPath; line = $_.Line; message = $_.Message } })
