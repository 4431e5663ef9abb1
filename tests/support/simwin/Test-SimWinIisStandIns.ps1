# The IIS stand-ins the operations need, probed by tests/simwin/test_simwin_standins.py: a commit delay, one
# processModel write, a pool's applications, Remove-WebAppPool. Arguments: the simwin folder, a work folder.
. (Join-Path $args[0] 'SimWin.ps1')
Initialize-SimWin -ProgramData $args[1] -ComputerName 'web11' -State (@{ iis = @{
    paths = @{ 'Default Web Site/a' = @{ ElementTagName = 'application'; applicationPool = 'p1'; physicalPath = 'C:\a' } }
    appPools = @{ p1 = @{ state = 'Started'; processModel = @{ identityType = 'ApplicationPoolIdentity'; userName = ''; password = '' } } } } })
$out = [ordered]@{ computer = $env:COMPUTERNAME }
$out.users = @(Get-WebConfiguration -PSPath 'MACHINE/WEBROOT/APPHOST' -Filter "system.applicationHost/sites/site/application[@applicationPool='p1']").Count
Start-WebCommitDelay
Set-ItemProperty -LiteralPath 'IIS:\Sites\Default Web Site\a' -Name physicalPath -Value '\\fs01\a'
Stop-WebCommitDelay -Commit $false
$out.discarded = $SimWin.iis.paths['Default Web Site/a'].physicalPath
$global:SimWinWrites = 0
$global:SimWinFaultAt = 2
Start-WebCommitDelay
Set-ItemProperty -LiteralPath 'IIS:\Sites\Default Web Site\a' -Name physicalPath -Value '\\fs01\a'
try { Set-ItemProperty -LiteralPath 'IIS:\Sites\Default Web Site\a' -Name applicationPool -Value 'p2' } catch { $out.fault = $_.Exception.Message }
$out.pending = $SimWin.iis.paths['Default Web Site/a'].physicalPath
Close-SimWinSession
$out.uncommitted = $SimWin.iis.paths['Default Web Site/a'].physicalPath
$global:SimWinFaultAt = 0
Set-ItemProperty -LiteralPath 'IIS:\AppPools\p1' -Name processModel -Value @{ userName = 'CONTOSO\x$'; password = ''; identityType = 'SpecificUser' }
$out.identity = $SimWin.iis.appPools.p1.processModel.identityType + ' ' + $SimWin.iis.appPools.p1.processModel.userName
try { Set-ItemProperty -LiteralPath 'IIS:\AppPools\p1' -Name processModel -Value @{ idleTimeout = '0' } } catch { $out.unknown = $_.Exception.Message }
Remove-WebAppPool -Name 'p1'
$out.removed = -not $SimWin.iis.appPools.ContainsKey('p1')
ConvertTo-Json -Compress -InputObject $out
