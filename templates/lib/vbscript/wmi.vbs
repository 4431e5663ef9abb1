Function Wmi(namespace)
    ' WMI on this computer (Windows NT 4.0 has it only with the WMI Core add-on).
    Dim service, number, description
    On Error Resume Next
    Set service = GetObject("winmgmts:{impersonationLevel=impersonate}!\\.\" & namespace)
    number = Err.Number
    description = Err.Description
    On Error GoTo 0
    If number <> 0 Then Err.Raise vbObjectError + 10, "remediate", "WMI is not available (" & Hex(number) & " " & description & "); Windows NT 4.0 needs the WMI Core add-on"
    Set Wmi = service
End Function

Function WmiInstance(wmiClass, name)
    ' The instance of wmiClass whose Name is name (case-insensitive), or Nothing; no query is built from the name.
    Dim item, found
    Set found = Nothing
    For Each item In Wmi("root\cimv2").InstancesOf(wmiClass)
        If LCase(item.Name) = LCase(name) Then Set found = item
    Next
    Set WmiInstance = found
End Function
