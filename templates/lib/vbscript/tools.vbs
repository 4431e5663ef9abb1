' Native programs: never given a secret (their command lines are visible to every user of the computer).
Function ArgQuoted(text)
    ' One argument in double quotes; trailing backslashes doubled so that they do not escape the closing quote.
    Dim tail
    If InStr(text, """") > 0 Then Err.Raise vbObjectError + 19, "remediate", "a double quote cannot be passed to a program: " & text
    tail = Len(text) - Len(RTrimBackslashes(text))
    ArgQuoted = """" & text & String(tail, "\") & """"
End Function

Function RTrimBackslashes(text)
    Dim out
    out = text
    Do While Right(out, 1) = "\"
        out = Left(out, Len(out) - 1)
    Loop
    RTrimBackslashes = out
End Function

Function RunTool(command, ByRef output)
    ' Runs a console program; its exit code, and what it wrote in output.
    Dim process
    Set process = Shell.Exec(command)
    output = ""
    Do While Not process.StdOut.AtEndOfStream
        output = output & process.StdOut.ReadAll()
    Loop
    Do While Not process.StdErr.AtEndOfStream
        output = output & process.StdErr.ReadAll()
    Loop
    Do While process.Status = 0
        WScript.Sleep 50
    Loop
    RunTool = process.ExitCode
End Function
