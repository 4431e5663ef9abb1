# apppools.ps1: the pool a path runs in, and the copy of its settings into a new pool.
BeforeAll {
    . (Join-Path $PSScriptRoot '_Load.ps1') -Library state, iis, apppools
    function Reset-Pools {
        Reset-SimWinForTest -Iis @{
            paths = @{ 'Shop' = @{ ElementTagName = 'site'; applicationPool = 'RootPool' }
                       'Shop/a' = @{ ElementTagName = 'application'; applicationPool = 'AppA' }
                       'Shop/a/b' = @{ ElementTagName = 'virtualDirectory'; physicalPath = 'D:\b' } }
            appPoolDefaults = @{ managedRuntimeVersion = 'v4.0'; 'processModel.pingInterval' = '00:00:30'
                                 'processModel.loadUserProfile' = $true; 'recycling.periodicRestart.schedule' = @('01:00:00') }
            appPools = @{ RootPool = @{ processModel = @{} }
                          AppA = @{ processModel = @{}; settings = @{
                              managedRuntimeVersion = ''; 'processModel.pingInterval' = '00:00:30'
                              'processModel.loadUserProfile' = $false; 'recycling.periodicRestart.schedule' = @('02:00:00', '14:00:00') } }
                          New = @{ processModel = @{} } } }
    }
}

Describe 'Get-RemediateAppPoolOfPath' {
    BeforeAll { Reset-Pools }
    It 'takes the nearest application above a virtual directory' { Get-RemediateAppPoolOfPath -Site 'Shop' -Path '/a/b' | Should -Be 'AppA' }
    It 'takes the path''s own application' { Get-RemediateAppPoolOfPath -Site 'Shop' -Path '/a/' | Should -Be 'AppA' }
    It 'takes the site''s root application for a path under no application' { Get-RemediateAppPoolOfPath -Site 'Shop' -Path '/c/d' | Should -Be 'RootPool' }
}

Describe 'Copy-RemediateAppPoolSetting' {
    BeforeEach { Reset-Pools }
    It 'writes only the values that differ, and says which' {
        $written = @(Copy-RemediateAppPoolSetting -From 'AppA' -To 'New' -Name @('managedRuntimeVersion', 'processModel.pingInterval', 'processModel.loadUserProfile'))
        $written | Should -Be @('managedRuntimeVersion=', 'processModel.loadUserProfile=False')
        $SimWin.iis.appPools.New.settings.Keys | Sort-Object | Should -Be @('managedRuntimeVersion', 'processModel.loadUserProfile')
        $SimWin.iis.appPools.New.settings['processModel.loadUserProfile'] | Should -BeFalse
    }
    It 'replaces a collection entry by entry' {
        Copy-RemediateAppPoolSetting -From 'AppA' -To 'New' -Name 'recycling.periodicRestart.schedule' | Should -Be 'recycling.periodicRestart.schedule=02:00:00,14:00:00'
        $SimWin.iis.appPools.New.settings['recycling.periodicRestart.schedule'] | Should -Be @('02:00:00', '14:00:00')
    }
    It 'writes nothing a second time' {
        Copy-RemediateAppPoolSetting -From 'AppA' -To 'New' -Name @('managedRuntimeVersion', 'recycling.periodicRestart.schedule') | Out-Null
        $global:SimWinWrites = 0
        @(Copy-RemediateAppPoolSetting -From 'AppA' -To 'New' -Name @('managedRuntimeVersion', 'recycling.periodicRestart.schedule')).Count | Should -Be 0
        $global:SimWinWrites | Should -Be 0
    }
    It 'fails on a setting this IIS does not have rather than skip it' {
        { Copy-RemediateAppPoolSetting -From 'AppA' -To 'New' -Name 'processModel.idleTimeoutAction' } | Should -Throw '*not simulated (or not in this IIS version)*'
    }
}
