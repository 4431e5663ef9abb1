# iis.ps1: reading, restoring (clear what was inherited, never pin it), one commit, created pools.
BeforeAll {
    . (Join-Path $PSScriptRoot '_Load.ps1') -Library state, secrets, passwords, iis
    $section = 'system.webServer/security/authentication/anonymousAuthentication'
    function Reset-Anonymous {
        Reset-SimWinForTest -Iis @{
            defaults = @{ $section = @{ userName = 'IUSR'; enabled = $true } }
            config = @{ 'Default Web Site' = @{ $section = @{ userName = 'CONTOSO\webanon' } } }
            paths = @{ 'Default Web Site/a' = @{ ElementTagName = 'application'; applicationPool = 'Used' } }
            appPools = @{ Used = @{ processModel = @{} }; Unused = @{ processModel = @{} } } }
    }
}

Describe 'ConvertFrom-RemediateIisValue' {
    It 'unwraps a ConfigurationAttribute and keeps plain values' {
        ConvertFrom-RemediateIisValue ([pscustomobject]@{ Name = 'enabled'; Value = $false }) | Should -BeFalse
        ConvertFrom-RemediateIisValue 'Ssl' | Should -Be 'Ssl'
        ConvertFrom-RemediateIisValue $null | Should -BeNullOrEmpty
    }
}

Describe 'Restore-RemediateIisAttribute' {
    BeforeEach { Reset-Anonymous }
    It 'clears the attribute where the saved value is what the location inherits' {
        Set-RemediateIisAttribute -Location 'Default Web Site/a' -Filter $section -Name userName -Value ''
        Restore-RemediateIisAttribute -Location 'Default Web Site/a' -Filter $section -Name userName -Value 'CONTOSO\webanon'
        $SimWin.iis.config['Default Web Site/a'][$section].ContainsKey('userName') | Should -BeFalse
        Get-RemediateIisAttribute -Location 'Default Web Site/a' -Filter $section -Name userName | Should -Be 'CONTOSO\webanon'
    }
    It 'writes the saved value back where it was set at the location itself' {
        Restore-RemediateIisAttribute -Location 'Default Web Site/a' -Filter $section -Name userName -Value 'CONTOSO\other'
        $SimWin.iis.config['Default Web Site/a'][$section]['userName'] | Should -Be 'CONTOSO\other'
    }
    It 'reads a site''s parent value at the server level' {
        Get-RemediateIisParentAttribute -Location 'Default Web Site' -Filter $section -Name userName | Should -Be 'IUSR'
    }
}

Describe 'Get-RemediateIisPasswordState' {
    BeforeEach { Reset-Anonymous }
    It 'tells another password the location inherits apart from one set there' {
        $wanted = ConvertTo-SecureString 'new' -AsPlainText -Force
        $SimWin.iis.defaults[$section]['password'] = 'old'
        Get-RemediateIisPasswordState -Location 'Default Web Site/a' -Filter $section -Name password -Wanted $wanted | Should -Be '(another, inherited)'
        Set-RemediateIisAttribute -Location 'Default Web Site/a' -Filter $section -Name password -Value 'new'
        Get-RemediateIisPasswordState -Location 'Default Web Site/a' -Filter $section -Name password -Wanted $wanted | Should -Be '(as wanted)'
    }
}

Describe 'ConvertTo-RemediateXPathLiteral' {
    It 'quotes a name with either quote, and both with concat()' {
        ConvertTo-RemediateXPathLiteral 'pool' | Should -Be "'pool'"
        ConvertTo-RemediateXPathLiteral "o'pool" | Should -Be '"o''pool"'
        ConvertTo-RemediateXPathLiteral "a'b`"c" | Should -Be "concat('a', `"'`", 'b`"c')"
    }
}

Describe 'Invoke-RemediateIisCommit' {
    BeforeEach { Reset-Anonymous }
    It 'writes nothing when one change of the group throws' {
        { Invoke-RemediateIisCommit -Change {
            Set-RemediateIisAttribute -Location 'Default Web Site/a' -Filter $section -Name userName -Value 'CONTOSO\x'
            throw 'second change failed' } } | Should -Throw 'second change failed'
        $SimWin.iis.config.ContainsKey('Default Web Site/a') | Should -BeFalse
    }
    It 'writes the whole group when none throws' {
        Invoke-RemediateIisCommit -Change {
            Set-RemediateIisAttribute -Location 'Default Web Site/a' -Filter $section -Name userName -Value 'CONTOSO\x'
            Set-RemediateIisAttribute -Location 'Default Web Site/a' -Filter $section -Name password -Value 'y' }
        $SimWin.iis.config['Default Web Site/a'][$section].Keys | Sort-Object | Should -Be @('password', 'userName')
    }
}

Describe 'Remove-RemediateUnusedAppPool' {
    BeforeEach { Reset-Anonymous }
    It 'leaves a pool an application still runs in, and says so' {
        Remove-RemediateUnusedAppPool -Name 'Used' | Should -BeLike '*left in place: 1 application(s) still run in it'
        $SimWin.iis.appPools.ContainsKey('Used') | Should -BeTrue
    }
    It 'removes an unused pool, and a second call finds it gone' {
        Remove-RemediateUnusedAppPool -Name 'Unused' | Should -Be 'removed the application pool Unused that apply.ps1 created'
        Remove-RemediateUnusedAppPool -Name 'Unused' | Should -Be 'the application pool Unused is already gone'
    }
}
