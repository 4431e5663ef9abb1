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

Function AppsInPool(pool)
    ' The metabase paths of the pool's applications. In ADSI the list is the method's return value and it takes no
    ' argument (Microsoft Learn, "IIsApplicationPool.EnumAppsInPool (ADSI)": bstrBuffer is [retval][out]); the WMI
    ' method of the same name returns it in an out parameter instead.
    Dim apps
    apps = pool.EnumAppsInPool()
    If IsArray(apps) Then
        AppsInPool = apps
    ElseIf "" & apps = "" Then
        AppsInPool = Array()
    Else
        AppsInPool = Array("" & apps)
    End If
End Function

Sub DeleteAppPool(name)
    ' Deletes a pool that apply.vbs created, unless an application still uses it.
    Dim pool, apps
    Set pool = AppPoolNode(name, False)
    If pool Is Nothing Then Exit Sub
    apps = AppsInPool(pool)
    If UBound(apps) >= 0 Then
        Warn "the application pool " & name & " is left in place: applications still use it (" & Join(apps, ", ") & ")"
        Exit Sub
    End If
    GetObject("IIS://localhost/W3SVC/AppPools").Delete "IIsApplicationPool", name
    AddNote "deleted the application pool " & name & " that apply.vbs created"
End Sub

Sub CopyPoolSettings(source, target, names)
    ' Of the IIsApplicationPool properties named, what source sets itself (not what it inherits from W3SVC/AppPools,
    ' which target inherits too) is set on target.
    Dim name, copied
    copied = ""
    For Each name In names
        If MetabaseSetHere(source, name) Then
            target.Put name, source.Get(name)
            copied = copied & " " & name
        End If
    Next
    target.SetInfo
    If copied = "" Then AddNote "the new pool inherits the same settings as " & source.Name Else AddNote "copied from " & source.Name & ":" & copied
End Sub
