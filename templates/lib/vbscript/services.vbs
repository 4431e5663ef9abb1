' Services through WMI Win32_Service.
Sub RestartWindowsService(name)
    ' Stops the running services that depend on it (and theirs) first, then starts them all again.
    Dim service, stopped, names, i
    Set service = WmiInstance("Win32_Service", name)
    If service Is Nothing Then Err.Raise vbObjectError + 15, "remediate", "no service named " & name
    Set stopped = CreateObject("Scripting.Dictionary")
    StopServiceTree service, stopped
    names = stopped.Keys
    For i = UBound(names) To 0 Step -1
        StartNamedService names(i)
    Next
End Sub

Sub StopServiceTree(service, stopped)
    Dim dependent, rc
    For Each dependent In service.Associators_("Win32_DependentService", "Win32_Service", "Dependent")
        If dependent.State <> "Stopped" Then StopServiceTree dependent, stopped
    Next
    If service.State <> "Stopped" Then
        rc = service.StopService()
        If rc <> 0 Then Err.Raise vbObjectError + 16, "remediate", "cannot stop " & service.Name & " (Win32_Service.StopService returned " & rc & ")"
        WaitForService service.Name, "Stopped"
    End If
    If Not stopped.Exists(service.Name) Then stopped.Add service.Name, True
End Sub

Sub StartNamedService(name)
    Dim service, rc
    Set service = WmiInstance("Win32_Service", name)
    If service.State = "Running" Then Exit Sub
    rc = service.StartService()
    If rc <> 0 And rc <> 10 Then Err.Raise vbObjectError + 17, "remediate", "cannot start " & name & " (Win32_Service.StartService returned " & rc & ")"
    WaitForService name, "Running"
End Sub

Sub WaitForService(name, state)
    Dim i
    For i = 1 To 240
        If WmiInstance("Win32_Service", name).State = state Then Exit Sub
        WScript.Sleep 500
    Next
    Err.Raise vbObjectError + 18, "remediate", name & " did not reach the state " & state & " within two minutes"
End Sub
