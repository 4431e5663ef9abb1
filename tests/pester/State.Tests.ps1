# state.ps1: how values are compared (apply decides "changed" by it, rollback "already as before").
BeforeAll { . (Join-Path $PSScriptRoot '_Load.ps1') -Library state }

Describe 'Test-RemediateEqual' {
    It 'compares dictionaries whatever the key order, nested values alike' {
        $a = [ordered]@{ userName = 'x'; identityType = 'SpecificUser'; inner = @{ b = 2; a = 1 } }
        $b = [ordered]@{ identityType = 'SpecificUser'; inner = [ordered]@{ a = 1; b = 2 }; userName = 'x' }
        Test-RemediateEqual $a $b | Should -BeTrue
    }
    It 'tells a changed nested value apart' {
        Test-RemediateEqual @{ a = @{ b = 1 } } @{ a = @{ b = 2 } } | Should -BeFalse
    }
    It 'compares lists in order' {
        Test-RemediateEqual @('COMCFG', 'public') @('COMCFG', 'public') | Should -BeTrue
        Test-RemediateEqual @('public', 'COMCFG') @('COMCFG', 'public') | Should -BeFalse
    }
    It 'takes $null as the empty string, and compares values as text' {
        Test-RemediateEqual $null '' | Should -BeTrue
        Test-RemediateEqual $true 'True' | Should -BeTrue
        Test-RemediateEqual 1 '1' | Should -BeTrue
    }
}
