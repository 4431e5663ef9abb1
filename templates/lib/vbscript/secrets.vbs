Function AskSecret(policy)
    ' ScriptPW hides the typing where it exists (XP / Server 2003); elsewhere the input is echoed.
    Dim hidden
    WScript.StdOut.Write "Password for " & policy & ": "
    On Error Resume Next
    Set hidden = CreateObject("ScriptPW.Password")
    If Err.Number = 0 Then
        On Error GoTo 0
        AskSecret = hidden.GetPassword()
        WScript.Echo
    Else
        Err.Clear
        On Error GoTo 0
        AskSecret = WScript.StdIn.ReadLine
    End If
End Function

Function AskPreviousSecret(account)
    ' The password of an identity apply.vbs replaced: it was never read or saved, so a person types it.
    AskPreviousSecret = AskSecret("the previous account " & account & " (empty: leave it as it is)")
End Function
