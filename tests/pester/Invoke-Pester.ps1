# Runs every *.Tests.ps1 here with Pester 5 and writes one JSON line per test: file, name, result, error.
$configuration = New-PesterConfiguration
$configuration.Run.Path = $PSScriptRoot
$configuration.Run.PassThru = $true
$configuration.Output.Verbosity = 'None'
$run = Invoke-Pester -Configuration $configuration
$rows = foreach ($test in $run.Tests) {
    [ordered]@{ file = [IO.Path]::GetFileName($test.ScriptBlock.File); name = $test.ExpandedPath; result = [string]$test.Result
                error = $(if ($test.ErrorRecord) { [string]($test.ErrorRecord | Select-Object -First 1) } else { $null }) }
}
foreach ($container in $run.Containers | Where-Object { $_.Result -eq 'Failed' -and $_.ErrorRecord }) {
    $rows = @($rows) + [ordered]@{ file = [IO.Path]::GetFileName([string]$container.Item); name = '(file)'; result = 'Failed'; error = [string]($container.ErrorRecord | Select-Object -First 1) }
}
ConvertTo-Json -InputObject @($rows) -Compress -Depth 4
