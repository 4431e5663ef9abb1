Function AppPoolNode(name, create)
    ' The IIS 6.0 application pool called name, or Nothing; created when create is True (never in check mode).
    Dim pools, pool, found
    Set found = Nothing
    Set pools = GetObject("IIS://localhost/W3SVC/AppPools")
    For Each pool In pools
        If LCase(pool.Name) = LCase(name) Then Set found = pool
    Next
    If found Is Nothing And create And Not CheckMode Then
        Set found = pools.Create("IIsApplicationPool", name)
        found.SetInfo
    End If
    Set AppPoolNode = found
End Function

Function PoolIdentity(name)
    ' Array(AppPoolIdentityType, WAMUserName) as text, or Null when there is no such pool.
    Dim pool
    Set pool = AppPoolNode(name, False)
    If pool Is Nothing Then
        PoolIdentity = Null
    Else
        PoolIdentity = Array(CStr(MetabaseValue(pool, "AppPoolIdentityType", 2)), "" & MetabaseValue(pool, "WAMUserName", ""))
    End If
End Function

Sub DeleteAppPool(name)
    ' Deletes a pool that apply.vbs created, unless an application still uses it.
    Dim pool, apps
    Set pool = AppPoolNode(name, False)
    If pool Is Nothing Then Exit Sub
    pool.EnumAppsInPool apps
    If IsArray(apps) Then
        If UBound(apps) >= 0 Then
            Warn "the application pool " & name & " is left in place: applications still use it (" & Join(apps, ", ") & ")"
            Exit Sub
        End If
    ElseIf "" & apps <> "" Then
        Warn "the application pool " & name & " is left in place: applications still use it (" & apps & ")"
        Exit Sub
    End If
    GetObject("IIS://localhost/W3SVC/AppPools").Delete "IIsApplicationPool", name
End Sub
