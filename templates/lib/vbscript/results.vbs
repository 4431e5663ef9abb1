Function JsonText(value)
    ' A JSON string; non-ASCII and control characters as \u escapes.
    Dim i, c, code, out
    out = """"
    For i = 1 To Len(value)
        c = Mid(value, i, 1)
        code = AscW(c) And &HFFFF&
        If c = """" Then
            out = out & "\"""
        ElseIf c = "\" Then
            out = out & "\\"
        ElseIf code < 32 Or code > 126 Then
            out = out & "\u" & Right("000" & Hex(code), 4)
        Else
            out = out & c
        End If
    Next
    JsonText = out & """"
End Function

Function JsonValue(value)
    Dim parts, item
    If IsNull(value) Or IsEmpty(value) Then
        JsonValue = "null"
    ElseIf IsArray(value) Then
        parts = ""
        For Each item In value
            If parts <> "" Then parts = parts & ","
            parts = parts & JsonValue(item)
        Next
        JsonValue = "[" & parts & "]"
    ElseIf VarType(value) = vbBoolean Then
        If value Then JsonValue = "true" Else JsonValue = "false"
    ElseIf IsNumeric(value) And VarType(value) <> vbString Then
        JsonValue = CStr(value)
    Else
        JsonValue = JsonText(CStr(value))
    End If
End Function

Sub StartTask(id, policy, name)
    Set Current = CreateObject("Scripting.Dictionary")
    Current.Add "id", id
    Current.Add "policy", policy
    Current.Add "name", name
    Current.Add "key", ""
    Current.Add "changed", False
    Current.Add "failed", False
    Current.Add "before", Null
    Current.Add "after", Null
    Current.Add "message", ""
    Results.Add Results.Count, Current
End Sub

Sub PrintResult()
    Dim out, key, task, field, fields
    fields = Array("id", "policy", "name", "changed", "failed", "before", "after", "message")
    out = ""
    For Each key In Results.Keys
        Set task = Results(key)
        If out <> "" Then out = out & ","
        out = out & "{"
        For Each field In fields
            If field <> "id" Then out = out & ","
            out = out & JsonText(field) & ":" & JsonValue(task(field))
        Next
        out = out & "}"
    Next
    WScript.Echo "REMEDIATE-RESULT {""host"":" & JsonText(HostName) & ",""check"":" & JsonValue(CheckMode) & ",""tasks"":[" & out & "]}"
End Sub

Sub RunTask(name)
    ' A failed task stops apply.vbs: later tasks do not run. rollback.vbs runs every undo (ContinueAfterFailure).
    If Failed And Not ContinueAfterFailure Then Exit Sub
    On Error Resume Next
    Execute name
    If Err.Number <> 0 Then
        Failed = True
        Current("failed") = True
        Current("message") = "error " & Hex(Err.Number) & ": " & Err.Description
        Err.Clear
    End If
    On Error GoTo 0
End Sub

Sub AddNote(text)
    If Current("message") = "" Then Current("message") = text Else Current("message") = Current("message") & "; " & text
End Sub

Sub Warn(text)
    AddNote text
    WScript.StdErr.WriteLine "WARNING: " & text
End Sub

Function Flag(value)
    If value Then Flag = "1" Else Flag = "0"
End Function
