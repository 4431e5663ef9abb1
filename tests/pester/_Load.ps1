# Dot-sourced by each *.Tests.ps1 in BeforeAll: the simulated Windows, then the named libraries of
# templates/lib/powershell (only libraries whose functions are not seams: a seam's Windows body cannot
# run here, and its stand-in is what tests/simwin exercises).
param([string[]] $Library)
. (Join-Path $PSScriptRoot '../support/simwin/SimWin.ps1')
foreach ($name in $Library) { . (Join-Path $PSScriptRoot ('../../templates/lib/powershell/' + $name + '.ps1')) }

function Reset-SimWinForTest {
    # A fresh simulated host with the given IIS part of the state document.
    param([hashtable] $Iis = @{})
    $folder = Join-Path ([IO.Path]::GetTempPath()) ('remediate-pester-' + [guid]::NewGuid())
    Initialize-SimWin -State @{ iis = $Iis } -ProgramData $folder -ComputerName 'web11'
}
