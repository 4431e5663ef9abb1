# The simulated Windows: dot-sourced before a generated script, so that its functions shadow the
# cmdlets and native programs the script calls (a function wins over a cmdlet or an executable of
# the same name). Every stand-in reads and writes one state document, $global:SimWin (a hashtable
# loaded from the JSON the test wrote), and declares only the parameters the generated scripts
# use: any other parameter is refused by PowerShell's own binder ("A parameter cannot be found
# that matches parameter name ..."), so a script that starts to use one fails loudly here.
#
# What it proves: the scripts' own logic (compare, check mode, before-values, rollback order)
# against stand-ins with the documented parameters and return shapes. What it does not: Windows
# PowerShell 5.1, the real WebAdministration provider, the registry, ACLs, services.
#
# Fault injection: $global:SimWinFaultAt = k makes the k-th changing call of a run throw.

Set-StrictMode -Off

function Initialize-SimWin {
    # Load the state document and point $env:ProgramData and $env:COMPUTERNAME at the simulated host.
    param([Parameter(Mandatory)] [hashtable] $State, [Parameter(Mandatory)] [string] $ProgramData,
          [Parameter(Mandatory)] [string] $ComputerName)
    $global:SimWin = $State
    $global:SimWinWrites = 0
    $global:SimWinFaultAt = 0
    $global:SimWinCommitDelay = $null
    $env:ProgramData = $ProgramData
    $env:COMPUTERNAME = $ComputerName.ToUpperInvariant()     # the NetBIOS name, as Windows spells it
}

function Step-SimWinWrite {
    # Every stand-in that changes the state calls this first: it counts writes and injects the fault. A fault
    # inside an open commit delay leaves the delay open, as IIS does: the script must discard it
    # (Stop-WebCommitDelay -Commit $false), or the session ends with it uncommitted (Close-SimWinSession).
    param([string] $What)
    $global:SimWinWrites++
    if ($global:SimWinFaultAt -gt 0 -and $global:SimWinWrites -eq $global:SimWinFaultAt) {
        throw ('simwin: injected fault at change ' + $global:SimWinWrites + ' (' + $What + ')')
    }
}

function Close-SimWinSession {
    # The end of a script's PowerShell session: IIS changes of a commit delay still open were never committed.
    if ($null -ne $global:SimWinCommitDelay) { $global:SimWin['iis'] = $global:SimWinCommitDelay; $global:SimWinCommitDelay = $null }
}

function Get-SimWinSection {
    # The named part of the state document, created empty when absent.
    param([string[]] $Path)
    $node = $global:SimWin
    foreach ($key in $Path) {
        if (-not $node.ContainsKey($key)) { $node[$key] = @{} }
        $node = $node[$key]
    }
    return $node
}

# ---------------------------------------------------------------- modules

function Import-Module {
    # Import-Module (Microsoft.PowerShell.Core): the modules the scripts load are simulated here.
    [CmdletBinding()]
    param([Parameter(Mandatory, Position = 0)] [string[]] $Name)
    foreach ($module in $Name) {
        if (@('WebAdministration', 'ActiveDirectory') -notcontains $module) {
            throw ('simwin: no stand-in for module ' + $module)
        }
    }
}

# ---------------------------------------------------------------- registry (Registry:: provider)

function ConvertTo-SimWinRegistryKey {
    param([string] $LiteralPath)
    if ($LiteralPath -notmatch '^Registry::(.+)$') { return $null }
    return $Matches[1].TrimEnd('\')
}

function New-SimWinRegistryKeyObject {
    # Microsoft.Win32.RegistryKey ("RegistryKey.GetValue Method"): GetValue(name, default, options)
    # returns string[] for REG_MULTI_SZ, int for REG_DWORD, string for REG_SZ.
    param([string] $Key)
    $item = [pscustomobject]@{ Name = $Key; PSPath = 'Microsoft.PowerShell.Core\Registry::' + $Key }
    $item | Add-Member -MemberType ScriptMethod -Name GetValue -Value {
        param($Name, $Default, $Options)
        $values = (Get-SimWinSection @('registry'))[$this.Name]
        if ($null -eq $values -or -not $values.ContainsKey($Name)) { return $Default }
        $entry = $values[$Name]
        if ($entry.type -eq 'MultiString') { return ,([string[]]@($entry.value)) }
        if ($entry.type -eq 'DWord') { return [int]$entry.value }
        return [string]$entry.value
    }
    return $item
}

function Get-SimWinIisItem {
    # IIS:\Sites\<site>\<path> and IIS:\AppPools\<pool> as the WebAdministration provider shows them.
    param([string] $LiteralPath)
    if ($LiteralPath -match '^IIS:\\AppPools\\(.+)$') {
        $pool = (Get-SimWinSection @('iis', 'appPools'))[$Matches[1]]
        if ($null -eq $pool) { return $null }
        return [pscustomobject]@{ ElementTagName = 'add'; name = $Matches[1]; processModel = [pscustomobject]$pool.processModel }
    }
    if ($LiteralPath -match '^IIS:\\Sites\\(.+)$') {
        $location = $Matches[1].Replace('\', '/')
        $node = (Get-SimWinSection @('iis', 'paths'))[$location]
        if ($null -eq $node) { return $null }
        return [pscustomobject]$node
    }
    return $null
}

# Application pool settings: iis.appPoolDefaults[<attribute path>] holds what every pool inherits (the schema and
# applicationPoolDefaults; an attribute absent there does not exist on the simulated IIS version), and
# iis.appPools[<pool>].settings[<attribute path>] what is set on the pool itself. recycling.periodicRestart.schedule
# is a collection: a list of "hh:mm:ss" strings.

function Get-SimWinPoolSettings {
    # The pool's own settings and the defaults, after checking that both the pool and the attribute exist.
    param([string] $Pool, [string] $Name)
    $entry = (Get-SimWinSection @('iis', 'appPools'))[$Pool]
    if ($null -eq $entry) { throw ('Cannot find path ''IIS:\AppPools\' + $Pool + ''' because it does not exist.') }
    $defaults = Get-SimWinSection @('iis', 'appPoolDefaults')
    if (-not $defaults.ContainsKey($Name)) { throw ('simwin: application pool attribute ' + $Name + ' is not simulated (or not in this IIS version)') }
    if (-not $entry.ContainsKey('settings')) { $entry['settings'] = @{} }
    return $entry['settings'], $defaults
}

function Get-SimWinPoolSetting {
    # Get-ItemProperty on IIS:\AppPools\<pool> -Name <attribute path> ("Get-ItemProperty" over the WebAdministration
    # provider): an enum attribute as its string, a collection as a ConfigurationElement whose .Collection holds
    # the entries (each with .value), any other attribute as a ConfigurationAttribute whose .Value is the value.
    param([string] $Pool, [string] $Name)
    $settings, $defaults = Get-SimWinPoolSettings -Pool $Pool -Name $Name
    $value = $defaults[$Name]
    if ($settings.ContainsKey($Name)) { $value = $settings[$Name] }
    if ($Name -eq 'recycling.periodicRestart.schedule') { return [pscustomobject]@{ Collection = @($value | ForEach-Object { [pscustomobject]@{ value = $_ } }) } }
    $enums = @('managedPipelineMode', 'recycling.logEventOnRecycle', 'processModel.logonType',
               'processModel.logEventOnProcessModel', 'processModel.idleTimeoutAction')
    if ($enums -contains $Name) { return [string]$value }
    return [pscustomobject]@{ Name = $Name.Split('.')[-1]; Value = $value }
}

function Get-Item {
    # Get-Item (Microsoft.PowerShell.Management): Registry:: keys and IIS: items here; other paths
    # go to the real cmdlet.
    [CmdletBinding()]
    param([Parameter(Mandatory)] [string] $LiteralPath)
    $key = ConvertTo-SimWinRegistryKey $LiteralPath
    if ($null -ne $key) {
        if (-not (Get-SimWinSection @('registry')).ContainsKey($key)) {
            if ($ErrorActionPreference -eq 'SilentlyContinue') { return $null }
            throw ('Cannot find path ''' + $LiteralPath + ''' because it does not exist.')
        }
        return New-SimWinRegistryKeyObject $key
    }
    if ($LiteralPath -like 'IIS:*') {
        $item = Get-SimWinIisItem $LiteralPath
        if ($null -eq $item -and $ErrorActionPreference -ne 'SilentlyContinue') {
            throw ('Cannot find path ''' + $LiteralPath + ''' because it does not exist.')
        }
        return $item
    }
    $ntfs = (Get-SimWinSection @('ntfs'))[$LiteralPath]
    if ($null -ne $ntfs) { return New-SimWinDirectory $LiteralPath }
    return Microsoft.PowerShell.Management\Get-Item -LiteralPath $LiteralPath
}

function Test-Path {
    # Test-Path (Microsoft.PowerShell.Management): Registry:: and IIS: paths here.
    [CmdletBinding()]
    param([Parameter(Mandatory)] [string] $LiteralPath)
    $key = ConvertTo-SimWinRegistryKey $LiteralPath
    if ($null -ne $key) { return (Get-SimWinSection @('registry')).ContainsKey($key) }
    if ($LiteralPath -like 'IIS:*') { return $null -ne (Get-SimWinIisItem $LiteralPath) }
    return Microsoft.PowerShell.Management\Test-Path -LiteralPath $LiteralPath
}

function Get-ItemProperty {
    # Get-ItemProperty (Microsoft.PowerShell.Management); on IIS: paths the WebAdministration
    # provider returns a ConfigurationAttribute for a simple attribute (its .Value is the value)
    # and a ConfigurationElement for an element such as processModel.
    [CmdletBinding()]
    param([Parameter(Mandatory)] [string] $LiteralPath, [Parameter(Mandatory)] [string] $Name)
    $key = ConvertTo-SimWinRegistryKey $LiteralPath
    if ($null -ne $key) {
        $values = (Get-SimWinSection @('registry'))[$key]
        if ($null -eq $values -or -not $values.ContainsKey($Name)) { throw ('Property ' + $Name + ' does not exist at path ' + $LiteralPath + '.') }
        return [pscustomobject]@{ $Name = $values[$Name].value }
    }
    if ($LiteralPath -match '^IIS:\\AppPools\\(.+)$' -and $Name -ne 'processModel') { return Get-SimWinPoolSetting -Pool $Matches[1] -Name $Name }
    $item = Get-SimWinIisItem $LiteralPath
    if ($null -eq $item) { throw ('Cannot find path ''' + $LiteralPath + ''' because it does not exist.') }
    $value = $item.$Name
    if ($value -is [pscustomobject]) { return $value }
    return [pscustomobject]@{ Name = $Name; Value = $value }
}

function Set-SimWinRegistryValue {
    param([string] $Key, [string] $Name, [string] $Type, $Value)
    $registry = Get-SimWinSection @('registry')
    if (-not $registry.ContainsKey($Key)) { throw ('Cannot find path ''Registry::' + $Key + ''' because it does not exist.') }
    if ($Type -eq 'MultiString') { $Value = @([string[]]@($Value)) }
    $registry[$Key][$Name] = @{ type = $Type; value = $Value }
}

function New-ItemProperty {
    # New-ItemProperty (Microsoft.PowerShell.Management): -PropertyType String, DWord, MultiString ...
    [CmdletBinding()]
    param([Parameter(Mandatory)] [string] $LiteralPath, [Parameter(Mandatory)] [string] $Name,
          [ValidateSet('String', 'ExpandString', 'DWord', 'MultiString')] [string] $PropertyType,
          [Parameter(Mandatory)] $Value, [switch] $Force)
    if ($LiteralPath -match '^IIS:\\AppPools\\(.+)$' -and $Name -eq 'recycling.periodicRestart.schedule' -and $Value -is [hashtable]) {
        # on IIS:\AppPools it adds an entry to a collection (-Value @{ value = '03:00:00' })
        $settings, $defaults = Get-SimWinPoolSettings -Pool $Matches[1] -Name $Name
        Step-SimWinWrite ('New-ItemProperty ' + $LiteralPath + ' ' + $Name)
        $entries = @($defaults[$Name])
        if ($settings.ContainsKey($Name)) { $entries = @($settings[$Name]) }
        $settings[$Name] = @($entries + [string]$Value['value'])
        return [pscustomobject]@{ value = [string]$Value['value'] }
    }
    $key = ConvertTo-SimWinRegistryKey $LiteralPath
    if ($null -eq $key) { throw ('simwin: New-ItemProperty on ' + $LiteralPath + ' is not simulated') }
    if (-not $PropertyType) { throw 'simwin: New-ItemProperty on the registry needs -PropertyType' }
    $values = (Get-SimWinSection @('registry'))[$key]
    if (-not $Force -and $null -ne $values -and $values.ContainsKey($Name)) { throw ('The property already exists.') }
    Step-SimWinWrite ('New-ItemProperty ' + $key + '\' + $Name)
    Set-SimWinRegistryValue -Key $key -Name $Name -Type $PropertyType -Value $Value
    return [pscustomobject]@{ $Name = $Value }
}

function Remove-ItemProperty {
    # Remove-ItemProperty (Microsoft.PowerShell.Management).
    [CmdletBinding()]
    param([Parameter(Mandatory)] [string] $LiteralPath, [Parameter(Mandatory)] [string] $Name)
    $key = ConvertTo-SimWinRegistryKey $LiteralPath
    if ($null -eq $key) { throw ('simwin: Remove-ItemProperty on ' + $LiteralPath + ' is not simulated') }
    $values = (Get-SimWinSection @('registry'))[$key]
    if ($null -eq $values -or -not $values.ContainsKey($Name)) { throw ('Property ' + $Name + ' does not exist at path ' + $LiteralPath + '.') }
    Step-SimWinWrite ('Remove-ItemProperty ' + $key + '\' + $Name)
    $values.Remove($Name)
}

function Clear-ItemProperty {
    # Clear-ItemProperty (Microsoft.PowerShell.Management); on IIS:\AppPools it empties a collection of the pool
    # (recycling.periodicRestart.schedule), which then no longer inherits the default entries.
    [CmdletBinding()]
    param([Parameter(Mandatory)] [string] $LiteralPath, [Parameter(Mandatory)] [string] $Name)
    if ($LiteralPath -notmatch '^IIS:\\AppPools\\(.+)$' -or $Name -ne 'recycling.periodicRestart.schedule') {
        throw ('simwin: Clear-ItemProperty ' + $Name + ' on ' + $LiteralPath + ' is not simulated')
    }
    $settings, $defaults = Get-SimWinPoolSettings -Pool $Matches[1] -Name $Name
    Step-SimWinWrite ('Clear-ItemProperty ' + $LiteralPath + ' ' + $Name)
    $settings[$Name] = @()
}

function Set-ItemProperty {
    # Set-ItemProperty (Microsoft.PowerShell.Management); on IIS: paths it sets an attribute of a
    # site, application or pool, dotted for a child element (processModel.userName).
    [CmdletBinding()]
    param([Parameter(Mandatory)] [string] $LiteralPath, [Parameter(Mandatory)] [string] $Name, [Parameter(Mandatory)] [AllowEmptyString()] $Value)
    $key = ConvertTo-SimWinRegistryKey $LiteralPath
    if ($null -ne $key) {
        $values = (Get-SimWinSection @('registry'))[$key]
        $type = 'String'
        if ($null -ne $values -and $values.ContainsKey($Name)) { $type = $values[$Name].type }
        Step-SimWinWrite ('Set-ItemProperty ' + $key + '\' + $Name)
        Set-SimWinRegistryValue -Key $key -Name $Name -Type $type -Value $Value
        return
    }
    if ($LiteralPath -match '^IIS:\\AppPools\\(.+)$') {
        $pool = (Get-SimWinSection @('iis', 'appPools'))[$Matches[1]]
        if ($null -eq $pool) { throw ('Cannot find path ''' + $LiteralPath + ''' because it does not exist.') }
        if ($Name -eq 'processModel' -and $Value -is [hashtable]) {
            # one write of several processModel attributes (-Value @{ userName = ...; password = ...; identityType = ... })
            foreach ($attribute in $Value.Keys) {
                if (@('identityType', 'userName', 'password') -notcontains $attribute) { throw ('simwin: processModel.' + $attribute + ' is not simulated') }
            }
            Step-SimWinWrite ('Set-ItemProperty ' + $LiteralPath + ' processModel')
            foreach ($attribute in $Value.Keys) { $pool.processModel[$attribute] = [string]$Value[$attribute] }
            return
        }
        if ($Name -notmatch '^processModel\.(identityType|userName|password)$') {
            $settings, $defaults = Get-SimWinPoolSettings -Pool $Matches[1] -Name $Name
            if ($Name -eq 'recycling.periodicRestart.schedule') { throw 'simwin: a collection is changed with Clear-ItemProperty and New-ItemProperty' }
            Step-SimWinWrite ('Set-ItemProperty ' + $LiteralPath + ' ' + $Name)
            $settings[$Name] = $Value
            return
        }
        Step-SimWinWrite ('Set-ItemProperty ' + $LiteralPath + ' ' + $Name)
        $pool.processModel[$Matches[1]] = [string]$Value
        return
    }
    if ($LiteralPath -match '^IIS:\\Sites\\(.+)$') {
        $node = (Get-SimWinSection @('iis', 'paths'))[$Matches[1].Replace('\', '/')]
        if ($null -eq $node) { throw ('Cannot find path ''' + $LiteralPath + ''' because it does not exist.') }
        if (-not $node.ContainsKey($Name)) { throw ('simwin: attribute ' + $Name + ' of ' + $LiteralPath + ' is not simulated') }
        Step-SimWinWrite ('Set-ItemProperty ' + $LiteralPath + ' ' + $Name)
        $node[$Name] = [string]$Value
        return
    }
    throw ('simwin: Set-ItemProperty on ' + $LiteralPath + ' is not simulated')
}

# ---------------------------------------------------------------- IIS configuration (WebAdministration)
# State: iis.config[<location>][<section>][<attribute>] holds what is set at that location;
# iis.defaults[<section>][<attribute>] what every location inherits when nothing is set there.

function Get-WebConfigurationProperty {
    # "Get-WebConfigurationProperty" (WebAdministration): an enum attribute comes back as a string,
    # any other as a ConfigurationAttribute object whose .Value is the effective value: set at the location,
    # else at the nearest location above it (Default Web Site for Default Web Site/a), else at the server
    # level (Microsoft Learn, "Getting Started with Configuration in IIS": settings merge down the URL path).
    [CmdletBinding()]
    param([Parameter(Mandatory)] [string] $PSPath, [string] $Location, [Parameter(Mandatory)] [string] $Filter,
          [Parameter(Mandatory)] [string] $Name)
    if ($PSPath -ne 'MACHINE/WEBROOT/APPHOST') { throw ('simwin: PSPath ' + $PSPath + ' is not simulated') }
    $defaults = (Get-SimWinSection @('iis', 'defaults'))[$Filter]
    if ($null -eq $defaults -or -not $defaults.ContainsKey($Name)) { throw ('simwin: attribute ' + $Filter + '/@' + $Name + ' has no schema default in the state') }
    $value = $defaults[$Name]
    $fromDefault = $true
    $config = Get-SimWinSection @('iis', 'config')
    $parts = @(([string]$Location).Split('/') | Where-Object { $_ })
    for ($count = $parts.Count; $count -ge 1; $count--) {
        $at = $parts[0..($count - 1)] -join '/'
        $section = $null
        if ($config.ContainsKey($at)) { $section = $config[$at][$Filter] }
        if ($null -ne $section -and $section.ContainsKey($Name)) { $value = $section[$Name]; $fromDefault = $false; break }
    }
    $enums = @('logonMethod', 'identityType', 'sslFlags')  # enum and flags attributes come back as strings
    if ($enums -contains $Name) { return [string]$value }
    return [pscustomobject]@{ Name = $Name; Value = $value; IsInheritedFromDefaultValue = $fromDefault }
}

function Set-WebConfigurationProperty {
    # "Set-WebConfigurationProperty" (WebAdministration): sets the attribute at that location.
    [CmdletBinding()]
    param([Parameter(Mandatory)] [string] $PSPath, [string] $Location, [Parameter(Mandatory)] [string] $Filter,
          [Parameter(Mandatory)] [string] $Name, [Parameter(Mandatory)] [AllowEmptyString()] $Value)
    if ($PSPath -ne 'MACHINE/WEBROOT/APPHOST') { throw ('simwin: PSPath ' + $PSPath + ' is not simulated') }
    Step-SimWinWrite ('Set-WebConfigurationProperty ' + $Location + ' ' + $Filter + '/@' + $Name)
    $section = Get-SimWinSection @('iis', 'config', $Location, $Filter)
    $section[$Name] = $Value
}

function Remove-WebConfigurationProperty {
    # "Remove-WebConfigurationProperty" (WebAdministration): clears the attribute at that location,
    # so it is inherited again.
    [CmdletBinding()]
    param([Parameter(Mandatory)] [string] $PSPath, [string] $Location, [Parameter(Mandatory)] [string] $Filter,
          [Parameter(Mandatory)] [string] $Name)
    Step-SimWinWrite ('Remove-WebConfigurationProperty ' + $Location + ' ' + $Filter + '/@' + $Name)
    $section = (Get-SimWinSection @('iis', 'config', $Location))[$Filter]
    if ($null -ne $section) { $section.Remove($Name) }
}

function Backup-WebConfiguration {
    # "Backup-WebConfiguration" (WebAdministration): a named backup of the configuration.
    [CmdletBinding()]
    param([Parameter(Mandatory)] [string] $Name)
    $backups = Get-SimWinSection @('iis', 'backups')
    $backups['count'] = 1 + [int]$backups['count']
    return [pscustomobject]@{ Name = $Name }
}

function Get-WebAppPoolState {
    # "Get-WebAppPoolState" (WebAdministration): an object whose .Value is Started or Stopped.
    [CmdletBinding()]
    param([Parameter(Mandatory)] [string] $Name)
    $pool = (Get-SimWinSection @('iis', 'appPools'))[$Name]
    if ($null -eq $pool) { throw ('simwin: no application pool ' + $Name) }
    return [pscustomobject]@{ Value = [string]$pool.state }
}

function Restart-WebAppPool {
    # "Restart-WebAppPool" (WebAdministration): recycles the pool.
    [CmdletBinding()]
    param([Parameter(Mandatory)] [string] $Name)
    $pool = (Get-SimWinSection @('iis', 'appPools'))[$Name]
    if ($null -eq $pool) { throw ('simwin: no application pool ' + $Name) }
    Step-SimWinWrite ('Restart-WebAppPool ' + $Name)
    $pool['recycles'] = 1 + [int]$pool['recycles']
}

function New-WebAppPool {
    # "New-WebAppPool" (WebAdministration): a new pool with the default identity.
    [CmdletBinding()]
    param([Parameter(Mandatory)] [string] $Name)
    $pools = Get-SimWinSection @('iis', 'appPools')
    if ($pools.ContainsKey($Name)) { throw ('simwin: application pool ' + $Name + ' already exists') }
    Step-SimWinWrite ('New-WebAppPool ' + $Name)
    $pools[$Name] = @{ state = 'Started'; recycles = 0; processModel = @{ identityType = 'ApplicationPoolIdentity'; userName = ''; password = '' } }
    return [pscustomobject]@{ Name = $Name }
}

function Start-WebCommitDelay {
    # "Start-WebCommitDelay" (WebAdministration): IIS configuration changes wait for Stop-WebCommitDelay.
    [CmdletBinding()]
    param()
    if ($null -ne $global:SimWinCommitDelay) { throw 'simwin: a commit delay is already open' }
    $global:SimWinCommitDelay = ConvertTo-Json -InputObject (Get-SimWinSection @('iis')) -Depth 30 | ConvertFrom-Json -AsHashtable
}

function Stop-WebCommitDelay {
    # "Stop-WebCommitDelay" (WebAdministration): -Commit $true writes the changes since Start-WebCommitDelay,
    # $false discards them.
    [CmdletBinding()]
    param([Parameter(Position = 0)] [bool] $Commit)
    if ($null -eq $global:SimWinCommitDelay) { throw 'simwin: no commit delay is open' }
    if (-not $Commit) { $global:SimWin['iis'] = $global:SimWinCommitDelay }
    $global:SimWinCommitDelay = $null
}

function Remove-WebAppPool {
    # "Remove-WebAppPool" (WebAdministration): deletes the pool.
    [CmdletBinding()]
    param([Parameter(Mandatory)] [string] $Name)
    $pools = Get-SimWinSection @('iis', 'appPools')
    if (-not $pools.ContainsKey($Name)) { throw ('simwin: no application pool ' + $Name) }
    Step-SimWinWrite ('Remove-WebAppPool ' + $Name)
    $pools.Remove($Name)
}

function Get-WebConfiguration {
    # "Get-WebConfiguration" (WebAdministration): the configuration elements an XPath filter selects; only
    # the applications of a pool here: system.applicationHost/sites/site/application[@applicationPool='name'],
    # and a module by name: system.webServer/globalModules/add[@name='name'] ("Global Modules <globalModules>";
    # state: iis.globalModules = @(names)).
    [CmdletBinding()]
    param([Parameter(Mandatory)] [string] $PSPath, [Parameter(Mandatory)] [string] $Filter)
    if ($PSPath -ne 'MACHINE/WEBROOT/APPHOST') { throw ('simwin: PSPath ' + $PSPath + ' is not simulated') }
    if ($Filter -match "^system\.webServer/globalModules/add\[@name='([^']*)'\]$") {
        $module = $Matches[1]
        if (@((Get-SimWinSection @('iis'))['globalModules']) -contains $module) { [pscustomobject]@{ ElementTagName = 'add'; name = $module } }
        return
    }
    if ($Filter -notmatch "^system\.applicationHost/sites/site/application\[@applicationPool='([^']*)'\]$") {
        throw ('simwin: filter ' + $Filter + ' is not simulated')
    }
    $pool = $Matches[1]
    foreach ($pair in @((Get-SimWinSection @('iis', 'paths')).GetEnumerator())) {
        if (@('site', 'application') -contains $pair.Value.ElementTagName -and $pair.Value.applicationPool -eq $pool) {
            [pscustomobject]@{ ElementTagName = 'application'; path = $pair.Key; applicationPool = $pool }
        }
    }
}

# ---------------------------------------------------------------- services

function Restart-Service {
    # "Restart-Service" (Microsoft.PowerShell.Management).
    [CmdletBinding()]
    param([Parameter(Mandatory)] [string] $Name, [switch] $Force)
    $service = (Get-SimWinSection @('services'))[$Name]
    if ($null -eq $service) { throw ('Cannot find any service with service name ''' + $Name + '''.') }
    Step-SimWinWrite ('Restart-Service ' + $Name)
    $service['restarts'] = 1 + [int]$service['restarts']
}

# ---------------------------------------------------------------- SMB shares
# State: smb.shares[<name>] = @{ path; access = @(@{ AccountName; AccessControlType; AccessRight }) }

function Get-SimWinShare {
    param([string] $Name)
    $share = (Get-SimWinSection @('smb', 'shares'))[$Name]
    if ($null -eq $share) { throw ('No MSFT_SMBShare objects found with property ''Name'' equal to ''' + $Name + '''.') }
    return $share
}

function Get-SmbShareAccess {
    # "Get-SmbShareAccess" (SmbShare): MSFT_SmbShareAccessControlEntry objects with Name,
    # ScopeName, AccountName, AccessControlType (Allow/Deny) and AccessRight (Full/Change/Read/Custom).
    [CmdletBinding()]
    param([Parameter(Mandatory)] [string] $Name)
    foreach ($entry in @((Get-SimWinShare $Name).access)) {
        [pscustomobject]@{ Name = $Name; ScopeName = '*'; AccountName = $entry.AccountName;
                           AccessControlType = $entry.AccessControlType; AccessRight = $entry.AccessRight }
    }
}

function Grant-SmbShareAccess {
    # "Grant-SmbShareAccess" (SmbShare): replaces the account's Allow entry with the right given.
    [CmdletBinding()]
    param([Parameter(Mandatory)] [string] $Name, [Parameter(Mandatory)] [string[]] $AccountName,
          [Parameter(Mandatory)] [ValidateSet('Full', 'Change', 'Read', 'Custom')] [string] $AccessRight, [switch] $Force)
    $share = Get-SimWinShare $Name
    Step-SimWinWrite ('Grant-SmbShareAccess ' + $Name)
    foreach ($account in $AccountName) {
        $share.access = @(@($share.access) | Where-Object { -not ($_.AccountName -eq $account -and $_.AccessControlType -eq 'Allow') }) +
            @(@{ AccountName = $account; AccessControlType = 'Allow'; AccessRight = $AccessRight })
    }
    Get-SmbShareAccess -Name $Name
}

function Revoke-SmbShareAccess {
    # "Revoke-SmbShareAccess" (SmbShare): removes the account's Allow entries.
    [CmdletBinding()]
    param([Parameter(Mandatory)] [string] $Name, [Parameter(Mandatory)] [string[]] $AccountName, [switch] $Force)
    $share = Get-SimWinShare $Name
    Step-SimWinWrite ('Revoke-SmbShareAccess ' + $Name)
    $share.access = @(@($share.access) | Where-Object { -not ($AccountName -contains $_.AccountName -and $_.AccessControlType -eq 'Allow') })
    Get-SmbShareAccess -Name $Name
}

function Get-CimInstance {
    # "Get-CimInstance" (CimCmdlets): the instances of a CIM class, here Win32_Share with Name and Path.
    [CmdletBinding()]
    param([Parameter(Mandatory, Position = 0)] [string] $ClassName)
    if ($ClassName -ne 'Win32_Share') { throw ('simwin: CIM class ' + $ClassName + ' is not simulated') }
    foreach ($name in @((Get-SimWinSection @('smb', 'shares')).Keys)) {
        [pscustomobject]@{ Name = $name; Path = (Get-SimWinShare $name).path }
    }
}

# ---------------------------------------------------------------- NTFS ACLs
# State: ntfs[<folder>] = @{ owner; access = @(@{ sid; type; rights; inheritance; propagation; inherited }) }

function New-SimWinRule {
    param($Entry)
    return [pscustomobject]@{ IdentityReference = [pscustomobject]@{ Value = [string]$Entry.sid };
                              AccessControlType = [string]$Entry.type; FileSystemRights = [long]$Entry.rights;
                              InheritanceFlags = [int]$Entry.inheritance; PropagationFlags = [int]$Entry.propagation;
                              IsInherited = [bool]$Entry.inherited }
}

function New-SimWinAcl {
    # A FileSystemSecurity stand-in ("FileSystemSecurity Class"): GetAccessRules, PurgeAccessRules,
    # AddAccessRule; SetAccessControl of the directory writes it back.
    param([string] $Folder)
    $entries = @((Get-SimWinSection @('ntfs'))[$Folder].access | ForEach-Object { @{} + $_ })
    $acl = [pscustomobject]@{ Folder = $Folder; Entries = [System.Collections.ArrayList]@($entries) }
    $acl | Add-Member -MemberType ScriptMethod -Name GetAccessRules -Value {
        param($IncludeExplicit, $IncludeInherited, $TargetType)
        foreach ($entry in $this.Entries) {
            if (($entry.inherited -and $IncludeInherited) -or (-not $entry.inherited -and $IncludeExplicit)) { New-SimWinRule $entry }
        }
    }
    $acl | Add-Member -MemberType ScriptMethod -Name PurgeAccessRules -Value {
        param($Sid)
        $keep = @($this.Entries | Where-Object { $_.inherited -or $_.sid -ne [string]$Sid.Value })
        $this.Entries = [System.Collections.ArrayList]@($keep)
    }
    $acl | Add-Member -MemberType ScriptMethod -Name AddAccessRule -Value {
        param($Rule)
        [void]$this.Entries.Add(@{ sid = [string]$Rule.IdentityReference.Value; type = [string]$Rule.AccessControlType;
                                   rights = [long]$Rule.FileSystemRights; inheritance = [int]$Rule.InheritanceFlags;
                                   propagation = [int]$Rule.PropagationFlags; inherited = $false })
    }
    return $acl
}

function New-SimWinDirectory {
    param([string] $Folder)
    $dir = [pscustomobject]@{ FullName = $Folder }
    $dir | Add-Member -MemberType ScriptMethod -Name GetAccessControl -Value { param($Sections) New-SimWinAcl $this.FullName }
    $dir | Add-Member -MemberType ScriptMethod -Name SetAccessControl -Value {
        param($Acl)
        Step-SimWinWrite ('SetAccessControl ' + $this.FullName)
        (Get-SimWinSection @('ntfs'))[$this.FullName].access = @($Acl.Entries)
    }
    return $dir
}

function Get-Acl {
    # "Get-Acl" (Microsoft.PowerShell.Security): the folder's security descriptor.
    [CmdletBinding()]
    param([Parameter(Mandatory)] [string] $LiteralPath)
    if ($null -eq (Get-SimWinSection @('ntfs'))[$LiteralPath]) { throw ('Cannot find path ''' + $LiteralPath + ''' because it does not exist.') }
    return New-SimWinAcl $LiteralPath
}

function icacls {
    # icacls ("icacls" command reference): only `icacls <folder> /grant *<SID>:(OI)(CI)<right>`.
    $rights = @{ 'RX' = 1179817; 'M' = 1245631; 'F' = 2032127 }
    if ($args.Count -ne 3 -or $args[1] -ne '/grant' -or [string]$args[2] -notmatch '^\*(S-[0-9-]+):\(OI\)\(CI\)(RX|M|F)$') {
        throw ('simwin: icacls ' + ($args -join ' ') + ' is not simulated')
    }
    $sid = $Matches[1]; $right = $rights[$Matches[2]]
    $acl = (Get-SimWinSection @('ntfs'))[[string]$args[0]]
    if ($null -eq $acl) { 'The system cannot find the file specified.'; $global:LASTEXITCODE = 2; return }
    Step-SimWinWrite ('icacls /grant ' + $args[0])
    $merged = $false
    foreach ($entry in @($acl.access)) {
        if ($entry.sid -eq $sid -and -not $entry.inherited -and $entry.type -eq 'Allow' -and $entry.inheritance -eq 3 -and $entry.propagation -eq 0) {
            $entry.rights = [long]$entry.rights -bor $right; $merged = $true
        }
    }
    if (-not $merged) { $acl.access = @($acl.access) + @(@{ sid = $sid; type = 'Allow'; rights = $right; inheritance = 3; propagation = 0; inherited = $false }) }
    'processed file: ' + $args[0]
    'Successfully processed 1 files; Failed processing 0 files'
    $global:LASTEXITCODE = 0
}

# ---------------------------------------------------------------- audit policy

function auditpol {
    # auditpol ("auditpol get" / "auditpol set" command references): /get /subcategory:{guid} /r
    # prints CSV (Machine Name,Policy Target,Subcategory,Subcategory GUID,Inclusion Setting,Exclusion Setting).
    $audit = Get-SimWinSection @('audit')
    $words = @{ '00' = 'No Auditing'; '10' = 'Success'; '01' = 'Failure'; '11' = 'Success and Failure' }
    if ($args.Count -eq 3 -and $args[0] -eq '/get' -and [string]$args[1] -match '^/subcategory:\{([0-9A-F-]+)\}$' -and $args[2] -eq '/r') {
        $entry = $audit[$Matches[1]]
        if ($null -eq $entry) { 'Error 0x00000057 occurred: The parameter is incorrect.'; $global:LASTEXITCODE = 87; return }
        $code = ([string][int][bool]$entry.success) + ([string][int][bool]$entry.failure)
        'Machine Name,Policy Target,Subcategory,Subcategory GUID,Inclusion Setting,Exclusion Setting'
        ''
        $env:COMPUTERNAME + ',System,' + $entry.name + ',{' + $Matches[1] + '},' + $words[$code] + ','
        $global:LASTEXITCODE = 0
        return
    }
    if ($args.Count -eq 4 -and $args[0] -eq '/set' -and [string]$args[1] -match '^/subcategory:\{([0-9A-F-]+)\}$' -and
        [string]$args[2] -match '^/success:(enable|disable)$') {
        $guid = ([string]$args[1]).Substring(14).Trim('{', '}')
        $success = $Matches[1] -eq 'enable'
        if ([string]$args[3] -notmatch '^/failure:(enable|disable)$') { throw ('simwin: auditpol ' + ($args -join ' ') + ' is not simulated') }
        $entry = $audit[$guid]
        if ($null -eq $entry) { $global:LASTEXITCODE = 87; return }
        Step-SimWinWrite ('auditpol /set ' + $guid)
        $entry.success = $success
        $entry.failure = $Matches[1] -eq 'enable'
        'The command was successfully executed.'
        $global:LASTEXITCODE = 0
        return
    }
    throw ('simwin: auditpol ' + ($args -join ' ') + ' is not simulated')
}

# ---------------------------------------------------------------- seams for Windows-only .NET, ADSI and COM
# SecurityIdentifier, NTAccount.Translate, [ADSI] and COMAdmin cannot run off Windows. The scripts
# are to call these library functions instead; the state's accounts table answers them here.
# State: accounts[<NT name>] = @{ sid; local; flags; exists }

# The library functions above that the scripts define themselves (templates/lib/powershell/accounts.ps1,
# ntfs.ps1, complus.ps1): a script's own definition would shadow the stand-in, so the copy the tests run
# has them renamed (ConvertTo-SimWinRunnable); nothing else of the script changes.
$global:SimWinSeams = @('Resolve-RemediateSid', 'Resolve-RemediateAccountName', 'Test-RemediateLocalAccount',
    'New-RemediateLocalAccount', 'Set-RemediateLocalAccountPassword', 'Remove-RemediateLocalAccount',
    'Get-RemediateComPlusIdentity', 'Set-RemediateComPlusIdentity', 'Restore-RemediateFolderAccess',
    'Test-RemediateCredential', 'Get-RemediateItemOwner', 'Protect-RemediateStateFolder', 'Get-RemediateCurrentUserSid')

function ConvertTo-SimWinRunnable {
    # A copy of the script (in $env:ProgramData of the simulated host) whose seam definitions are renamed
    # <name>-OnWindows, so the stand-ins answer; returns its path.
    param([Parameter(Mandatory)] [string] $Path)
    $text = Get-Content -LiteralPath $Path -Raw
    foreach ($seam in $global:SimWinSeams) {
        $text = [regex]::Replace($text, '(?m)^function ' + [regex]::Escape($seam) + ' \{', 'function ' + $seam + '-OnWindows {')
    }
    $copy = Join-Path $env:ProgramData ('simwin-' + (Split-Path -Leaf (Split-Path -Parent $Path)) + '-' + (Split-Path -Leaf $Path))
    Set-Content -LiteralPath $copy -Value $text -Encoding UTF8 -NoNewline
    return $copy
}

function Resolve-RemediateSid {
    # An account name (or a well-known SID string) to its SID string; throws when unknown, as
    # NTAccount.Translate does ("IdentityNotMappedException").
    param([Parameter(Mandatory)] [string] $Account)
    foreach ($pair in (Get-SimWinSection @('accounts')).GetEnumerator()) {
        if ($pair.Key -eq $Account -or $pair.Value.sid -eq $Account) { return [string]$pair.Value.sid }
    }
    throw ('Some or all identity references could not be translated. (' + $Account + ')')
}

function Resolve-RemediateAccountName {
    # A SID string to the account's NT name (SecurityIdentifier.Translate([NTAccount])).
    param([Parameter(Mandatory)] [string] $Sid)
    foreach ($pair in (Get-SimWinSection @('accounts')).GetEnumerator()) {
        if ($pair.Value.sid -eq $Sid) { return [string]$pair.Key }
    }
    throw ('Some or all identity references could not be translated. (' + $Sid + ')')
}

function Test-RemediateLocalAccount {
    # [ADSI]::Exists('WinNT://<computer>/<name>,user').
    param([Parameter(Mandatory)] [string] $Name)
    $account = (Get-SimWinSection @('accounts'))[$env:COMPUTERNAME + '\' + $Name]
    return ($null -ne $account -and [bool]$account.local)
}

# ---------------------------------------------------------------- Active Directory (ActiveDirectory module)
# State: ad[<distinguished name>] = @{ sAMAccountName; ObjectClass; userAccountControl;
#   'msDS-AllowedToDelegateTo' = @(SPNs); PrincipalsAllowedToDelegateToAccount = @(DNs) }
# (PrincipalsAllowedToDelegateToAccount stands for the msDS-AllowedToActOnBehalfOfOtherIdentity
# security descriptor that the cmdlets read and write through it.)

function Get-SimWinAdObject {
    param([string] $Identity)
    $object = (Get-SimWinSection @('ad'))[$Identity]
    if ($null -eq $object) { throw ('Cannot find an object with identity: ''' + $Identity + '''') }
    return $object
}

function ConvertTo-SimWinAdResult {
    # ADObject / ADComputer ("Get-ADObject", "Get-ADComputer"): DistinguishedName, ObjectClass and
    # the properties asked for; a multi-valued attribute as a collection of strings.
    param([string] $DistinguishedName, [string[]] $Properties)
    $object = Get-SimWinAdObject $DistinguishedName
    $result = [ordered]@{ DistinguishedName = $DistinguishedName; ObjectClass = $object.ObjectClass; Name = $object.sAMAccountName.TrimEnd('$') }
    foreach ($property in $Properties) {
        if (-not $object.ContainsKey($property)) { throw ('simwin: AD property ' + $property + ' is not in the state') }
        $result[$property] = $object[$property]
    }
    return [pscustomobject]$result
}

function Get-ADObject {
    # "Get-ADObject" (ActiveDirectory): only -LDAPFilter '(sAMAccountName=<escaped>)' here.
    [CmdletBinding()]
    param([Parameter(Mandatory)] [string] $LDAPFilter, [string[]] $Properties = @())
    if ($LDAPFilter -notmatch '^\(sAMAccountName=([^()*]+)\)$') { throw ('simwin: LDAP filter ' + $LDAPFilter + ' is not simulated') }
    $sam = $Matches[1].Replace('\5c', '\').Replace('\2a', '*').Replace('\28', '(').Replace('\29', ')')
    foreach ($pair in @((Get-SimWinSection @('ad')).GetEnumerator())) {
        if ($pair.Value.sAMAccountName -eq $sam) { ConvertTo-SimWinAdResult $pair.Key $Properties }
    }
}

function Set-ADObject {
    # "Set-ADObject" (ActiveDirectory): -Add / -Replace a multi-valued attribute, -Clear one.
    [CmdletBinding()]
    param([Parameter(Mandatory)] [string] $Identity, [hashtable] $Add, [hashtable] $Replace, [string[]] $Clear)
    $object = Get-SimWinAdObject $Identity
    Step-SimWinWrite ('Set-ADObject ' + $Identity)
    foreach ($name in @($Clear)) {
        if (-not $name) { continue }
        if ($name -eq 'msDS-AllowedToActOnBehalfOfOtherIdentity') { $object['PrincipalsAllowedToDelegateToAccount'] = @() }
        else { $object[$name] = @() }
    }
    if ($null -ne $Add) { foreach ($name in $Add.Keys) { $object[$name] = @(@($object[$name]) + @($Add[$name]) | Where-Object { $_ } | Select-Object -Unique) } }
    if ($null -ne $Replace) { foreach ($name in $Replace.Keys) { $object[$name] = @($Replace[$name]) } }
}

function Set-ADAccountControl {
    # "Set-ADAccountControl" (ActiveDirectory): TrustedToAuthForDelegation is userAccountControl
    # bit 0x1000000 (TRUSTED_TO_AUTH_FOR_DELEGATION).
    [CmdletBinding()]
    param([Parameter(Mandatory)] [string] $Identity, [Parameter(Mandatory)] [bool] $TrustedToAuthForDelegation)
    $object = Get-SimWinAdObject $Identity
    Step-SimWinWrite ('Set-ADAccountControl ' + $Identity)
    $flags = [long]$object.userAccountControl
    if ($TrustedToAuthForDelegation) { $flags = $flags -bor 16777216 } else { $flags = $flags -band (-bnot [long]16777216) }
    $object.userAccountControl = $flags
}

function Test-ADServiceAccount {
    # "Test-ADServiceAccount" (ActiveDirectory): whether this computer can use the managed service account
    # (installed with Install-ADServiceAccount). State: gmsaInstalled = @(sAMAccountNames without $).
    [CmdletBinding()]
    param([Parameter(Mandatory, Position = 0)] [string] $Identity)
    return (@($global:SimWin['gmsaInstalled']) -contains $Identity.TrimEnd('$'))
}

function Get-ADComputer {
    # "Get-ADComputer" (ActiveDirectory).
    [CmdletBinding()]
    param([Parameter(Mandatory)] [string] $Identity, [string[]] $Properties = @())
    return ConvertTo-SimWinAdResult $Identity $Properties
}

function Set-ADComputer {
    # "Set-ADComputer" (ActiveDirectory, Windows Server 2012 and later for
    # -PrincipalsAllowedToDelegateToAccount): replaces the list of principals.
    [CmdletBinding()]
    param([Parameter(Mandatory)] [string] $Identity, [Parameter(Mandatory)] [AllowEmptyCollection()] [string[]] $PrincipalsAllowedToDelegateToAccount)
    $object = Get-SimWinAdObject $Identity
    Step-SimWinWrite ('Set-ADComputer ' + $Identity)
    $object['PrincipalsAllowedToDelegateToAccount'] = @($PrincipalsAllowedToDelegateToAccount)
}

# ---------------------------------------------------------------- more seams (local accounts, COM+, folder ACL)
# Proposed library names for what the goldens do today with [ADSI] WinNT://, COMAdmin.COMAdminCatalog
# and FileSystemAccessRule over a SecurityIdentifier; stood in here over the same state document.
# State: accounts[<COMPUTER\name>] = @{ sid; local = $true; flags }; complus[<application>] =
# @{ components = @(progids); Identity; Password }.

function New-RemediateLocalAccount {
    # The WinNT provider's Create('user', name), SetPassword, UserFlags and SetInfo ("WinNT User
    # Object"); flags 0x10000 is ADS_UF_DONT_EXPIRE_PASSWD.
    param([Parameter(Mandatory)] [string] $Name, [Parameter(Mandatory)] [securestring] $Password, [int] $Flags = 0x10201)
    $accounts = Get-SimWinSection @('accounts')
    $key = $env:COMPUTERNAME + '\' + $Name
    if ($accounts.ContainsKey($key)) { throw ('The account already exists. (' + $key + ')') }
    Step-SimWinWrite ('New-RemediateLocalAccount ' + $key)
    $accounts[$key] = @{ sid = 'S-1-5-21-3623811015-3361044348-30300820-' + (1000 + $accounts.Count); local = $true; flags = $Flags }
}

function Set-RemediateLocalAccountPassword {
    # The WinNT provider's SetPassword: never readable back, so the state keeps only that it was set.
    param([Parameter(Mandatory)] [string] $Name, [Parameter(Mandatory)] [securestring] $Password)
    $account = (Get-SimWinSection @('accounts'))[$env:COMPUTERNAME + '\' + $Name]
    if ($null -eq $account) { throw ('The user name could not be found. (' + $Name + ')') }
    Step-SimWinWrite ('Set-RemediateLocalAccountPassword ' + $Name)
    $account['passwordSets'] = 1 + [int]$account['passwordSets']
}

function Test-RemediateCredential {
    # PrincipalContext.ValidateCredentials ("PrincipalContext.ValidateCredentials Method"): true when the password
    # is the account's. State: accounts[<DOMAIN\name>].password; an account without one in the state is refused
    # loudly (the test must say what its password is).
    param([Parameter(Mandatory)] [string] $Account, [Parameter(Mandatory)] [securestring] $Password)
    $entry = (Get-SimWinSection @('accounts'))[$Account]
    if ($null -eq $entry -or -not $entry.ContainsKey('password')) { throw ('simwin: no password for ' + $Account + ' in the state') }
    $plain = (New-Object System.Management.Automation.PSCredential('simwin', $Password)).GetNetworkCredential().Password
    return ([string]$entry.password -ceq $plain)
}

function Remove-RemediateLocalAccount {
    # The WinNT provider's computer Delete('user', name).
    param([Parameter(Mandatory)] [string] $Name)
    $accounts = Get-SimWinSection @('accounts')
    $key = $env:COMPUTERNAME + '\' + $Name
    if (-not $accounts.ContainsKey($key)) { throw ('The user name could not be found. (' + $Name + ')') }
    Step-SimWinWrite ('Remove-RemediateLocalAccount ' + $key)
    $accounts.Remove($key)
}

function Get-RemediateComPlusIdentity {
    # COMAdminCatalog GetCollection('Applications') / ('Components', key) ("COMAdminCatalog
    # object"): the application by its name, or the one that holds the component, and its Identity;
    # the password is write-only in the catalogue, so it is never returned.
    param([string] $ProgId, [string] $Application)
    foreach ($pair in @((Get-SimWinSection @('complus')).GetEnumerator())) {
        if (($Application -and $pair.Key -eq $Application) -or (-not $Application -and @($pair.Value.components) -contains $ProgId)) {
            return [ordered]@{ application = $pair.Key; identity = [string]$pair.Value.Identity }
        }
    }
    throw ('expected one COM+ application holding ' + $ProgId + $Application + ', found 0')
}

function Set-RemediateComPlusIdentity {
    # Sets Identity and Password of the application, and SaveChanges; -Shutdown is ShutdownApplication.
    param([string] $ProgId, [string] $Application, [Parameter(Mandatory)] [string] $Identity, [securestring] $Password,
          [switch] $Shutdown)
    $found = Get-RemediateComPlusIdentity -ProgId $ProgId -Application $Application
    Step-SimWinWrite ('Set-RemediateComPlusIdentity ' + $found.application)
    $entry = (Get-SimWinSection @('complus'))[$found.application]
    $entry.Identity = $Identity
    if ($null -ne $Password) { $entry['passwordSets'] = 1 + [int]$entry['passwordSets'] }
    if ($Shutdown) { $entry['shutdowns'] = 1 + [int]$entry['shutdowns'] }
}

function Restore-RemediateFolderAccess {
    # Replaces a SID's explicit entries on a folder with saved ones ("type|rights|inheritance|
    # propagation" strings), as PurgeAccessRules + AddAccessRule + SetAccessControl do.
    param([Parameter(Mandatory)] [string] $Folder, [Parameter(Mandatory)] [string] $Sid, [string[]] $Explicit = @())
    $acl = (Get-SimWinSection @('ntfs'))[$Folder]
    if ($null -eq $acl) { throw ('Cannot find path ''' + $Folder + ''' because it does not exist.') }
    Step-SimWinWrite ('Restore-RemediateFolderAccess ' + $Folder)
    $kept = @(@($acl.access) | Where-Object { $_.inherited -or $_.sid -ne $Sid })
    foreach ($saved in @($Explicit | Where-Object { $_ })) {
        $part = ([string]$saved).Split('|')
        $kept += @{ sid = $Sid; type = $part[0]; rights = [long]$part[1]; inheritance = [int]$part[2]; propagation = [int]$part[3]; inherited = $false }
    }
    $acl.access = $kept
}

# ---------------------------------------------------------------- the state folder under ProgramData
# The files are real (in $env:ProgramData of the simulated host); their owners and ACLs are in the state:
# programData[<path under ProgramData>] = @{ owner; protected; access = @(@{ sid; type; rights; inheritance;
# propagation }) }. A file or folder not listed there was made by the script, run by an administrator: objects an
# administrator creates are owned by the Administrators group ("All Administrators Share Ownership of Objects They
# Create", KB 100599).

function Get-SimWinProgramDataName {
    param([string] $Path)
    $root = $env:ProgramData.TrimEnd('\', '/')
    if (-not $Path.StartsWith($root)) { throw ('simwin: ' + $Path + ' is not under ProgramData') }
    return $Path.Substring($root.Length).TrimStart('\', '/').Replace('/', '\')
}

function Get-RemediateItemOwner {
    # (Get-Acl -LiteralPath $Path).GetOwner([SecurityIdentifier]) ("Get-Acl", "ObjectSecurity.GetOwner(Type) Method").
    param([Parameter(Mandatory)] [string] $Path)
    if (-not (Microsoft.PowerShell.Management\Test-Path -LiteralPath $Path)) { throw ('Cannot find path ''' + $Path + ''' because it does not exist.') }
    $item = (Get-SimWinSection @('programData'))[(Get-SimWinProgramDataName $Path)]
    if ($null -ne $item) { return [string]$item.owner }
    return 'S-1-5-32-544'
}

function Get-RemediateCurrentUserSid {
    # WindowsIdentity.GetCurrent().User ("WindowsIdentity.GetCurrent Method"): the scripts run as CONTOSO\admin.
    return 'S-1-5-21-1004336348-1177238915-682003330-500'
}

function Protect-RemediateStateFolder {
    # The folder created when missing, owner Administrators, SetAccessRuleProtection($true, $false) and full control
    # for SYSTEM and Administrators only ("FileSystemAccessRule Class", "Set-Acl"). Bookkeeping of the script, not a
    # change it remediates: no write is counted, so fault k still falls on the k-th change of a task.
    param([Parameter(Mandatory)] [string] $Path)
    if (-not (Microsoft.PowerShell.Management\Test-Path -LiteralPath $Path)) { New-Item -ItemType Directory -Path $Path | Out-Null }
    $full = @(foreach ($sid in @('S-1-5-18', 'S-1-5-32-544')) {
        @{ sid = $sid; type = 'Allow'; rights = 2032127; inheritance = 3; propagation = 0 } })
    (Get-SimWinSection @('programData'))[(Get-SimWinProgramDataName $Path)] = @{ owner = 'S-1-5-32-544'; protected = $true; access = $full }
}
