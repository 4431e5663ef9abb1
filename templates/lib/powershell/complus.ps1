function Find-RemediateComPlusApplication {
    # The one COM+ server application by its name, or the one holding a component whose Name in the
    # Components collection is its ProgID (Microsoft Learn, "COMAdminCatalog object", "Applications").
    param([string] $ProgId, [string] $Application)
    $catalog = New-Object -ComObject COMAdmin.COMAdminCatalog
    $apps = $catalog.GetCollection('Applications')
    [void]$apps.Populate()
    $found = @()
    foreach ($candidate in $apps) {
        if ($Application) {
            if ($candidate.Name -eq $Application) { $found += $candidate }
            continue
        }
        $components = $apps.GetCollection('Components', $candidate.Key)
        [void]$components.Populate()
        foreach ($component in $components) { if ($component.Name -eq $ProgId) { $found += $candidate } }
    }
    $what = 'the COM+ application named ' + $Application
    if (-not $Application) { $what = 'the COM+ application holding the component ' + $ProgId }
    if ($found.Count -ne 1) { throw ('expected one of ' + $what + ', found ' + $found.Count) }
    # Activation 1 = server application (dllhost); a library application (0) has no identity
    if ($found[0].Value('Activation') -ne 1) { throw ($what + ' is a library application: only a server application has an identity (make it a server application first)') }
    return @{ catalog = $catalog; applications = $apps; application = $found[0] }
}

function Get-RemediateComPlusIdentity {
    # The application's name and Identity; its Password is write-only in the catalogue, never returned.
    param([string] $ProgId, [string] $Application)
    $found = Find-RemediateComPlusApplication -ProgId $ProgId -Application $Application
    return [ordered]@{ application = [string]$found.application.Name; identity = [string]$found.application.Value('Identity') }
}

function Set-RemediateComPlusIdentity {
    # Identity and Password together, then SaveChanges; -Shutdown stops the running application so that its
    # next activation runs as the new identity (ShutdownApplication, Microsoft Learn, "COMAdminCatalog object").
    [CmdletBinding(SupportsShouldProcess = $true)]
    param([string] $ProgId, [string] $Application, [Parameter(Mandatory = $true)] [string] $Identity,
          [securestring] $Password, [switch] $Shutdown)
    $found = Find-RemediateComPlusApplication -ProgId $ProgId -Application $Application
    if (-not $PSCmdlet.ShouldProcess([string]$found.application.Name, 'set the identity to ' + $Identity)) { return }
    $found.application.Value('Identity') = $Identity
    $plain = ''
    if ($null -ne $Password) { $plain = ConvertFrom-RemediateSecret $Password }
    $found.application.Value('Password') = $plain
    [void]$found.applications.SaveChanges()
    if ($Shutdown) { $found.catalog.ShutdownApplication([string]$found.application.Key) }
}
