Function Comparable(value)
    Dim item, out
    If IsNull(value) Or IsEmpty(value) Then
        Comparable = ""
    ElseIf IsArray(value) Then
        out = ""
        For Each item In value
            out = out & CStr(item) & vbLf
        Next
        Comparable = out
    Else
        Comparable = LCase(CStr(value))
    End If
End Function

Function Escaped(text)
    Escaped = Replace(Replace(Replace(Replace(Replace(text, "%", "%25"), vbTab, "%09"), vbCr, "%0D"), vbLf, "%0A"), "|", "%7C")
End Function

Function Unescaped(text)
    Unescaped = Replace(Replace(Replace(Replace(Replace(text, "%7C", "|"), "%0A", vbLf), "%0D", vbCr), "%09", vbTab), "%25", "%")
End Function

Function Serialized(value)
    ' n: absent, b: boolean, i: number, s: text, a: list (items split by |)
    Dim item, out
    If IsNull(value) Or IsEmpty(value) Then
        Serialized = "n:"
    ElseIf IsArray(value) Then
        out = ""
        For Each item In value
            If out <> "" Then out = out & "|"
            out = out & Escaped(CStr(item))
        Next
        Serialized = "a:" & out
    ElseIf VarType(value) = vbBoolean Then
        Serialized = "b:" & CStr(CInt(value))
    ElseIf IsNumeric(value) And VarType(value) <> vbString Then
        Serialized = "i:" & CStr(value)
    Else
        Serialized = "s:" & Escaped(CStr(value))
    End If
End Function

Function Deserialized(text)
    Dim kind, body, items, i
    kind = Left(text, 2)
    body = Mid(text, 3)
    If kind = "n:" Then
        Deserialized = Null
    ElseIf kind = "b:" Then
        Deserialized = (CInt(body) <> 0)
    ElseIf kind = "i:" Then
        Deserialized = CLng(body)
    ElseIf kind = "a:" Then
        If body = "" Then
            Deserialized = Array()
        Else
            items = Split(body, "|")
            For i = 0 To UBound(items)
                items(i) = Unescaped(items(i))
            Next
            Deserialized = items
        End If
    Else
        Deserialized = Unescaped(body)
    End If
End Function

Function StateFile()
    ' %SystemRoot%\remediate\before-values.txt: Windows NT 4.0 has no %ALLUSERSPROFILE% (KB 100843 lists its
    ' variables), every version has %SystemRoot%, and only administrators may create folders there.
    Dim root
    root = Shell.ExpandEnvironmentStrings("%SystemRoot%")
    If root = "" Or InStr(root, "%") > 0 Then Err.Raise vbObjectError + 2, "remediate", "%SystemRoot% is not set: the before-values file has no safe place"
    StateFile = root & "\remediate\before-values.txt"
End Function

Function StateLines(path)
    ' The records of a complete state file (its first line is the header, its last "end"), or Null when
    ' the file was cut short: a half-written file is never read as valid.
    Dim stream, lines, line
    Set lines = CreateObject("Scripting.Dictionary")
    Set stream = Fso.OpenTextFile(path, 1, False, -1)
    If stream.AtEndOfStream Then
        line = ""
    Else
        line = stream.ReadLine
    End If
    If line <> "remediate before-values 2" Then
        stream.Close
        StateLines = Null
        Exit Function
    End If
    line = ""
    Do While Not stream.AtEndOfStream
        line = stream.ReadLine
        If line <> "end" Then lines.Add lines.Count, line
    Loop
    stream.Close
    If line = "end" Then StateLines = lines.Items Else StateLines = Null
End Function

Function ReadState()
    ' key -> serialized before-value; the key names what a task changes (never a policy or a step number).
    Dim state, path, lines, line, tab
    Set state = CreateObject("Scripting.Dictionary")
    state.CompareMode = 1
    path = StateFile()
    If Not Fso.FileExists(path) And Fso.FileExists(path & ".new") Then path = path & ".new"   ' cut between delete and rename
    If Fso.FileExists(path) Then
        lines = StateLines(path)
        If IsNull(lines) Then Err.Raise vbObjectError + 3, "remediate", path & " is incomplete or not a remediate state file: nothing was changed; look at it, then delete it"
        For Each line In lines
            tab = InStr(line, vbTab)
            If tab > 0 Then state(Unescaped(Left(line, tab - 1))) = Mid(line, tab + 1)
        Next
    End If
    Set ReadState = state
End Function

Sub WriteState(state)
    ' Written whole to a new file, then put in place of the old one.
    Dim stream, key, path, folder
    path = StateFile()
    folder = Fso.GetParentFolderName(path)
    If Not Fso.FolderExists(folder) Then Fso.CreateFolder folder
    Set stream = Fso.OpenTextFile(path & ".new", 2, True, -1)
    stream.WriteLine "remediate before-values 2"
    For Each key In state.Keys
        stream.WriteLine Escaped(key) & vbTab & state(key)
    Next
    stream.WriteLine "end"
    stream.Close
    If Fso.FileExists(path) Then Fso.DeleteFile path, True
    Fso.MoveFile path & ".new", path
End Sub

Function SaveOnce(record)
    ' Saves the task's before-value record under its key unless an earlier run saved one: the true first value
    ' is kept when two strategies change the same setting one after the other.
    Dim state
    If Current("key") = "" Then Err.Raise vbObjectError + 4, "remediate", "internal: the task names no setting to save"
    Set state = ReadState()
    SaveOnce = Not state.Exists(Current("key"))
    If SaveOnce Then
        state(Current("key")) = record
        WriteState state
    End If
End Function

Sub Restored()
    ' The undo succeeded (or the value was already as it was): only now is the saved value dropped.
    Dim state
    Set state = ReadState()
    If state.Exists(Current("key")) Then
        state.Remove Current("key")
        WriteState state
    End If
End Sub

Sub Keyed(key)
    ' What this task changes, as its before-value is saved: "metabase:IIS://localhost/W3SVC/1/Root/data:AnonymousUserName".
    Current("key") = key
End Sub
