Function MetabaseNode(site, path)
    ' IIS://localhost/W3SVC/<id>/Root/<path>; the site by number or by its description.
    Dim service, server, id, node
    id = ""
    If VarType(site) <> vbString Then         ' an id is written as a number, a name as text
        id = CStr(site)
    Else
        Set service = GetObject("IIS://localhost/W3SVC")
        For Each server In service
            If server.Class = "IIsWebServer" Then
                If server.ServerComment = site Then id = server.Name
            End If
        Next
    End If
    If id = "" Then Err.Raise vbObjectError + 1, "remediate", "no web site named " & site
    node = "IIS://localhost/W3SVC/" & id & "/Root"
    If path <> "/" Then node = node & path
    Set MetabaseNode = GetObject(node)
End Function

' IIS metabase helpers beyond MetabaseNode.
Function MetabaseValue(node, name, fallback)
    ' node.Get(name), or fallback when the property is set neither here nor above (ADSI error 8000500D).
    Dim value, number, description
    On Error Resume Next
    value = node.Get(name)
    number = Err.Number
    description = Err.Description
    On Error GoTo 0
    If number = &H8000500D Then
        MetabaseValue = fallback
    ElseIf number <> 0 Then
        Err.Raise number, "remediate", "cannot read " & name & " of " & node.ADsPath & ": " & description
    Else
        MetabaseValue = value
    End If
End Function

Function MetabaseParent(site, path)
    Dim cut
    cut = InStrRev(path, "/")
    If cut <= 1 Then Set MetabaseParent = MetabaseNode(site, "/") Else Set MetabaseParent = MetabaseNode(site, Left(path, cut - 1))
End Function

Function MetabaseLeaf(path)
    MetabaseLeaf = Mid(path, InStrRev(path, "/") + 1)
End Function

Function MetabaseChild(site, path)
    ' The node at path, or Nothing when its parent (which must exist) has no such child.
    Dim child, found
    If path = "/" Then
        Set MetabaseChild = MetabaseNode(site, path)
        Exit Function
    End If
    Set found = Nothing
    For Each child In MetabaseParent(site, path)
        If LCase(child.Name) = LCase(MetabaseLeaf(path)) Then Set found = child
    Next
    Set MetabaseChild = found
End Function

Function CreateMetabaseChild(site, path, nodeClass)
    ' A new node of nodeClass at path, under its existing parent; the caller sets its properties and SetInfo.
    Dim parent
    Set parent = MetabaseParent(site, path)
    Set CreateMetabaseChild = parent.Create(nodeClass, MetabaseLeaf(path))
End Function

Sub DeleteMetabaseChild(site, path, nodeClass)
    Dim parent
    Set parent = MetabaseParent(site, path)
    parent.Delete nodeClass, MetabaseLeaf(path)
End Sub

Function IsMetabaseApplication(node)
    ' True when node is an application root: its AppRoot names node itself.
    Dim root
    root = LCase("" & MetabaseValue(node, "AppRoot", ""))
    If Right(root, 1) = "/" Then root = Left(root, Len(root) - 1)
    IsMetabaseApplication = (root = LCase("/LM" & Mid(node.ADsPath, Len("IIS://localhost") + 1)))
End Function

' Changes that only work together are committed together; the metabase is backed up before the first change.
Dim PendingNodes, DirtyNodes, MetabaseBackedUp

Function PendingMetabaseNode(site, path)
    ' The node object that earlier tasks of this script Put on without SetInfo yet, or a fresh one.
    Dim node
    If IsEmpty(PendingNodes) Then
        Set PendingNodes = CreateObject("Scripting.Dictionary")
        Set DirtyNodes = CreateObject("Scripting.Dictionary")
    End If
    Set node = MetabaseNode(site, path)
    If Not PendingNodes.Exists(LCase(node.ADsPath)) Then PendingNodes.Add LCase(node.ADsPath), node
    Set PendingMetabaseNode = PendingNodes(LCase(node.ADsPath))
End Function

Sub MetabasePut(node, name, value)
    ' A change to node, committed by CommitMetabase; the metabase is backed up before the first one.
    BackUpMetabaseOnce
    node.Put name, value
    DirtyNodes(LCase(node.ADsPath)) = True
End Sub

Function CommitMetabase(node)
    ' One SetInfo for everything MetabasePut on node since PendingMetabaseNode; True when something was committed.
    Dim path
    path = LCase(node.ADsPath)
    CommitMetabase = False
    If IsEmpty(PendingNodes) Then Exit Function
    If PendingNodes.Exists(path) Then PendingNodes.Remove path
    If Not DirtyNodes.Exists(path) Then Exit Function
    DirtyNodes.Remove path
    node.SetInfo
    CommitMetabase = True
End Function

Sub BackUpMetabaseOnce()
    ' IIsComputer.Backup (Microsoft Learn, "IIsComputer.Backup (ADSI)", IIS 5.0 and 6.0 SDKs): location "remediate",
    ' the next version (MD_BACKUP_NEXT_VERSION &HFFFFFFFF), saved to disk first (MD_BACKUP_SAVE_FIRST 2); the files go
    ' to System32\Inetsrv\MetaBack. IIS 4.0: no source here confirms this method; if it fails, nothing is changed.
    Dim number, description
    If MetabaseBackedUp = True Then Exit Sub
    On Error Resume Next
    GetObject("IIS://localhost").Backup "remediate", &HFFFFFFFF, 2
    number = Err.Number
    description = Err.Description
    On Error GoTo 0
    If number <> 0 Then Err.Raise vbObjectError + 6, "remediate", "the metabase could not be backed up (" & Hex(number) & " " & description & "), so nothing was changed: back it up in IIS Manager (the computer's All Tasks, Backup/Restore Configuration) and run apply.vbs again"
    MetabaseBackedUp = True
    AddNote "metabase backed up first (IIS Manager, Backup/Restore Configuration: location remediate)"
End Sub

Function HostAccount(name)
    ' A local account as the metabase wants it, domain\user: this computer's name, a backslash, the name.
    HostAccount = CreateObject("WScript.Network").ComputerName & "\" & name
End Function

Function MetabaseSetHere(node, name)
    ' True when name is set at node itself, False when node only inherits it. GetDataPaths lists the nodes at or
    ' below node where the property is set (Microsoft Learn, "GetDataPaths", IIS ADSI; IIS_ANY_PROPERTY 0); set
    ' nowhere there, it fails with MD_ERROR_DATA_NOT_FOUND (&H800CC801).
    Dim paths, path, number, description, own
    MetabaseSetHere = False
    On Error Resume Next
    paths = node.GetDataPaths(name, 0)
    number = Err.Number
    description = Err.Description
    On Error GoTo 0
    If number = &H800CC801 Then Exit Function
    If number <> 0 Then Err.Raise number, "remediate", "cannot tell where " & name & " of " & node.ADsPath & " is set: " & description
    own = LCase(node.ADsPath)
    If Right(own, 1) = "/" Then own = Left(own, Len(own) - 1)
    For Each path In paths
        path = LCase(path)
        If Right(path, 1) = "/" Then path = Left(path, Len(path) - 1)
        If path = own Then MetabaseSetHere = True
    Next
End Function

Function MetabaseRecord(node, name, value)
    ' What rollback needs: whether the value was set here or inherited, and the value ("here:s:..." / "inherited:s:...").
    If MetabaseSetHere(node, name) Then MetabaseRecord = "here:" & Serialized(value) Else MetabaseRecord = "inherited:" & Serialized(value)
End Function

Function MetabaseWasInherited(record)
    MetabaseWasInherited = (Left(record, 10) = "inherited:")
End Function

Function MetabaseSavedValue(record)
    MetabaseSavedValue = Deserialized(Mid(record, InStr(record, ":") + 1))
End Function

Sub RestoreMetabase(node, name, record)
    ' Puts name back as it was: an inherited value is cleared at node (PutEx 1, ADS_PROPERTY_CLEAR, as Microsoft's
    ' adsutil.vbs DELETE does), so node inherits again; a value set here is written back. Already as it was: nothing.
    Dim before
    If MetabaseWasInherited(record) Then
        If Not MetabaseSetHere(node, name) Then Exit Sub
        node.PutEx 1, name, ""
    Else
        before = MetabaseSavedValue(record)
        If MetabaseSetHere(node, name) And Serialized(MetabaseValue(node, name, Null)) = Serialized(before) Then Exit Sub
        node.Put name, before
    End If
    node.SetInfo
End Sub

Function SecretDiffers(node, name, secret)
    ' True when the password at node is not the policy's: IIS ADSI returns it to an administrator (as adsutil.vbs GET
    ' does), so a second run changes nothing. Never in check mode. Saves where it was set, never the password itself.
    Current("before") = "********"
    Current("after") = "********"
    SecretDiffers = False
    If CheckMode Then
        Current("changed") = True
        ChangedPolicies(Current("policy")) = True
        Current("message") = "would set the password unless it is already the one given (check mode: not compared)"
        Exit Function
    End If
    If "" & MetabaseValue(node, name, "") = secret Then
        Current("message") = "already the password given"
        Exit Function
    End If
    Current("changed") = True
    ChangedPolicies(Current("policy")) = True
    SaveOnce MetabaseRecord(node, name, Null)
    SecretDiffers = True
End Function
