' COM+ through COMAdmin.COMAdminCatalog (Windows 2000 and later).
Function ComPlusApplications()
    Dim catalog, apps
    Set catalog = CreateObject("COMAdmin.COMAdminCatalog")
    Set apps = catalog.GetCollection("Applications")
    apps.Populate
    Set ComPlusApplications = apps
End Function

Function ComPlusApplication(apps, name, progId)
    ' The server application called name, or else the one holding the component progId.
    Dim app, components, component, found
    Set found = Nothing
    For Each app In apps
        If name <> "" Then
            If LCase(app.Name) = LCase(name) Then Set found = app
        Else
            Set components = apps.GetCollection("Components", app.Key)
            components.Populate
            For Each component In components
                If LCase(component.Value("ProgID")) = LCase(progId) Then Set found = app
            Next
        End If
        If Not found Is Nothing Then Exit For
    Next
    If found Is Nothing Then
        If name <> "" Then Err.Raise vbObjectError + 25, "remediate", "no COM+ application named " & name & ": install the component into a server application first (Component Services)"
        Err.Raise vbObjectError + 26, "remediate", "no COM+ application holds " & progId & ": install it into a server application first (Component Services)"
    End If
    If found.Value("Activation") <> 1 Then Err.Raise vbObjectError + 27, "remediate", "COM+ application " & found.Name & " is a library application, which runs in its caller's process and has no identity: move the component into a server application first"
    Set ComPlusApplication = found
End Function

Function NeedsNoPassword(identity)
    ' Built-in COM+ identities, set with an empty password (Microsoft Learn, "Applications", COM+).
    Select Case LCase(identity)
        Case "interactive user", "nt authority\localservice", "nt authority\networkservice", "nt authority\system"
            NeedsNoPassword = True
        Case Else
            NeedsNoPassword = False
    End Select
End Function
