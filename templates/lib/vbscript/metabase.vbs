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
