function Restore-RemediateFolderAccess {
    # Replaces a SID's explicit entries on a folder with saved ones ("type|rights|inheritance|propagation"),
    # inherited entries untouched: PurgeAccessRules, AddAccessRule and SetAccessControl on the 'Access'
    # section only, so the owner is not rewritten (Microsoft Learn, "FileSystemSecurity Class").
    param([Parameter(Mandatory = $true)] [string] $Folder, [Parameter(Mandatory = $true)] [string] $Sid,
          [string[]] $Explicit = @())
    $identity = New-Object System.Security.Principal.SecurityIdentifier $Sid
    $dir = Get-Item -LiteralPath $Folder
    $acl = $dir.GetAccessControl('Access')
    $acl.PurgeAccessRules($identity)
    foreach ($saved in @($Explicit | Where-Object { $_ })) {
        $part = ([string]$saved).Split('|')
        $rule = New-Object System.Security.AccessControl.FileSystemAccessRule($identity,
            [System.Security.AccessControl.FileSystemRights][long]$part[1], [System.Security.AccessControl.InheritanceFlags][int]$part[2],
            [System.Security.AccessControl.PropagationFlags][int]$part[3], [System.Security.AccessControl.AccessControlType]$part[0])
        $acl.AddAccessRule($rule)
    }
    $dir.SetAccessControl($acl)
}
