# secrets.ps1 and passwords.ps1: a password is compared, never returned.
BeforeAll { . (Join-Path $PSScriptRoot '_Load.ps1') -Library secrets, passwords }

Describe 'Get-RemediateSecret' {
    It 'returns the bound SecureString without prompting' {
        $bound = ConvertTo-SecureString 'Pa55-word' -AsPlainText -Force
        Get-RemediateSecret -Name 'CONTOSO\svc' -Bound $bound | Should -Be $bound
    }
}

Describe 'Compare-RemediatePassword' {
    BeforeAll { $wanted = ConvertTo-SecureString 'Pa55-word' -AsPlainText -Force }
    It 'says "as wanted" for the same password' {
        Compare-RemediatePassword -Live 'Pa55-word' -Wanted $wanted | Should -Be '(as wanted)'
    }
    It 'is case-sensitive and never returns either password' {
        $said = Compare-RemediatePassword -Live 'pa55-word' -Wanted $wanted
        $said | Should -Be '(another)'
        $said | Should -Not -Match 'Pa55'
    }
    It 'does not compare without the secret (check mode)' {
        Compare-RemediatePassword -Live 'x' -Wanted $null | Should -Be '(not compared: check mode without the secret)'
    }
}
