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

Function ReadState()
    ' id -> serialized before-value
    Dim state, stream, line, tab
    Set state = CreateObject("Scripting.Dictionary")
    If Fso.FileExists(StateFile) Then
        Set stream = Fso.OpenTextFile(StateFile, 1, False, -1)
        Do While Not stream.AtEndOfStream
            line = stream.ReadLine
            tab = InStr(line, vbTab)
            If tab > 0 Then state(Unescaped(Left(line, tab - 1))) = Mid(line, tab + 1)
        Loop
        stream.Close
    End If
    Set ReadState = state
End Function

Sub WriteState(state)
    Dim stream, key, folder
    folder = Fso.GetParentFolderName(StateFile)
    If Not Fso.FolderExists(folder) Then Fso.CreateFolder folder
    Set stream = Fso.OpenTextFile(StateFile, 2, True, -1)
    For Each key In state.Keys
        stream.WriteLine Escaped(key) & vbTab & state(key)
    Next
    stream.Close
End Sub

Sub KeepSaved(before)
    ' Rollback could not restore this before-value: keep it, so that a later run can try again.
    Dim state
    Set state = ReadState()
    state(Current("id")) = Serialized(before)
    WriteState state
    Current("changed") = False
End Sub
