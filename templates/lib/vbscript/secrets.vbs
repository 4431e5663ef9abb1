Function ReadSecret(prompt)
    ' ScriptPW hides the typing where it exists (XP / Server 2003); elsewhere the input is echoed.
    Dim hidden
    WScript.StdOut.Write "Password for " & prompt & ": "
    On Error Resume Next
    Set hidden = CreateObject("ScriptPW.Password")
    If Err.Number = 0 Then
        On Error GoTo 0
        ReadSecret = hidden.GetPassword()
        WScript.Echo
    Else
        Err.Clear
        On Error GoTo 0
        ReadSecret = WScript.StdIn.ReadLine
    End If
End Function

Function AskSecret(policy)
    ' A policy's password, asked once (by Preflight, before the first change) and then given from memory only.
    Dim answer
    If Not Secrets.Exists(policy) Then
        answer = ReadSecret(policy)
        If answer = "" Then Err.Raise vbObjectError + 5, "remediate", "no password was given for " & policy
        Secrets(policy) = answer
    End If
    AskSecret = Secrets(policy)
End Function

Function AskPreviousSecret(account)
    ' The password of an identity apply.vbs replaced: it was never read or saved, so a person types it.
    AskPreviousSecret = ReadSecret("the previous account " & account & " (empty: leave it as it is)")
End Function
