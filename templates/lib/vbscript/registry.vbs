' Registry through WMI StdRegProv (root\default); keys are written HKLM\... as in the plan.
Function RegistryHive(key)
    Select Case UCase(Left(key, InStr(key & "\", "\") - 1))
        Case "HKLM", "HKEY_LOCAL_MACHINE"
            RegistryHive = &H80000002
        Case "HKCU", "HKEY_CURRENT_USER"
            RegistryHive = &H80000001
        Case "HKCR", "HKEY_CLASSES_ROOT"
            RegistryHive = &H80000000
        Case "HKU", "HKEY_USERS"
            RegistryHive = &H80000003
        Case Else
            Err.Raise vbObjectError + 11, "remediate", "unknown registry root in " & key
    End Select
End Function

Function RegistrySubkey(key)
    RegistrySubkey = Mid(key, InStr(key, "\") + 1)
End Function

Function RegistryType(kind)
    ' REG_SZ 1, REG_DWORD 4, REG_MULTI_SZ 7
    Select Case kind
        Case "string"
            RegistryType = 1
        Case "dword"
            RegistryType = 4
        Case "multi_string"
            RegistryType = 7
    End Select
End Function

Function RegistryRead(key, name, kind)
    ' The value's data, or Null when it does not exist; a value of another type is an error.
    Dim reg, hive, subkey, names, types, i, found, data
    Set reg = Wmi("root\default").Get("StdRegProv")
    hive = RegistryHive(key)
    subkey = RegistrySubkey(key)
    RegistryRead = Null
    found = 0
    If reg.EnumValues(hive, subkey, names, types) <> 0 Then Exit Function
    If Not IsArray(names) Then Exit Function
    For i = 0 To UBound(names)
        If LCase(names(i)) = LCase(name) Then found = types(i)
    Next
    If found = 0 Then Exit Function
    If found <> RegistryType(kind) Then Err.Raise vbObjectError + 12, "remediate", key & "\" & name & " has registry type " & found & ", not " & kind & ": change it by hand"
    Select Case kind
        Case "dword"
            reg.GetDWORDValue hive, subkey, name, data
        Case "string"
            reg.GetStringValue hive, subkey, name, data
        Case "multi_string"
            reg.GetMultiStringValue hive, subkey, name, data
            If IsNull(data) Then data = Array()
    End Select
    RegistryRead = data
End Function

Sub RegistryWrite(key, name, kind, value)
    Dim reg, hive, subkey, rc
    Set reg = Wmi("root\default").Get("StdRegProv")
    hive = RegistryHive(key)
    subkey = RegistrySubkey(key)
    rc = reg.CreateKey(hive, subkey)
    If rc = 0 Then
        Select Case kind
            Case "dword"
                rc = reg.SetDWORDValue(hive, subkey, name, value)
            Case "string"
                rc = reg.SetStringValue(hive, subkey, name, value)
            Case "multi_string"
                rc = reg.SetMultiStringValue(hive, subkey, name, value)
        End Select
    End If
    If rc <> 0 Then Err.Raise vbObjectError + 13, "remediate", "cannot write " & key & "\" & name & " (StdRegProv returned " & rc & ")"
End Sub

Sub RegistryDelete(key, name)
    Dim reg, rc
    Set reg = Wmi("root\default").Get("StdRegProv")
    rc = reg.DeleteValue(RegistryHive(key), RegistrySubkey(key), name)
    If rc <> 0 And rc <> 2 Then Err.Raise vbObjectError + 14, "remediate", "cannot delete " & key & "\" & name & " (StdRegProv returned " & rc & ")"
End Sub

Function ListWith(list, item)
    ' list plus item at the end, unless it is there already (case-insensitive); Null counts as an empty list.
    Dim entry, i, out()
    If IsNull(list) Then
        ListWith = Array(item)
        Exit Function
    End If
    For Each entry In list
        If LCase(entry) = LCase(item) Then
            ListWith = list
            Exit Function
        End If
    Next
    ReDim out(UBound(list) + 1)
    For i = 0 To UBound(list)
        out(i) = list(i)
    Next
    out(UBound(out)) = item
    ListWith = out
End Function
