' Logon auditing with auditpol (Windows Vista / Server 2008 and later): the Logon subcategory by GUID (Microsoft Learn, "auditpol set").
Function AuditLogonSetting()
    ' The Logon subcategory's setting as auditpol reports it ("Success and Failure", ...), or "" when unreadable.
    Dim output, guid, at
    guid = "{0CCE9215-69AE-11D9-BED3-505054503030}"
    AuditLogonSetting = ""
    If RunTool("auditpol.exe /get /subcategory:" & guid & " /r", output) <> 0 Then Exit Function
    at = InStr(LCase(output), LCase(guid) & ",")
    If at = 0 Then Exit Function
    output = Mid(output, at + Len(guid) + 1)
    If InStr(output, ",") > 0 Then AuditLogonSetting = Trim(Left(output, InStr(output, ",") - 1))
End Function

Sub SetAuditLogon(success, failure)
    Dim output, command
    command = "auditpol.exe /set /subcategory:{0CCE9215-69AE-11D9-BED3-505054503030}"
    If success Then command = command & " /success:enable" Else command = command & " /success:disable"
    If failure Then command = command & " /failure:enable" Else command = command & " /failure:disable"
    If RunTool(command, output) <> 0 Then Err.Raise vbObjectError + 28, "remediate", "auditpol failed: " & output
End Sub
