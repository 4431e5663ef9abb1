' NTFS rights on the folder behind a share: icacls where it exists (Server 2003 SP2 and later), else cacls.
Function ShareFolder(share, subpath)
    Dim item, folder
    Set item = WmiInstance("Win32_Share", share)
    If item Is Nothing Then Err.Raise vbObjectError + 20, "remediate", "no share named " & share & " on this computer"
    folder = item.Path
    If subpath <> "" Then
        If Right(folder, 1) <> "\" Then folder = folder & "\"
        folder = folder & subpath
    End If
    If Not Fso.FolderExists(folder) Then Err.Raise vbObjectError + 21, "remediate", "the folder " & folder & " of share " & share & " does not exist"
    ShareFolder = folder
End Function

Function NtfsTool()
    Dim tool
    tool = Shell.ExpandEnvironmentStrings("%SystemRoot%\System32\icacls.exe")
    If Not Fso.FileExists(tool) Then tool = Shell.ExpandEnvironmentStrings("%SystemRoot%\System32\cacls.exe")
    NtfsTool = tool
End Function

Function IsIcacls(tool)
    IsIcacls = (LCase(Fso.GetFileName(tool)) = "icacls.exe")
End Function

Function AclEntries(tool, folder, account)
    ' What tool lists for account on folder: "(OI)(CI)(RX)", "(I)(OI)(CI)(F)" (icacls) or "(OI)(CI)R" (cacls).
    Dim output, item, line, prefix, found
    If RunTool(ArgQuoted(tool) & " " & ArgQuoted(folder), output) <> 0 Then Err.Raise vbObjectError + 22, "remediate", "cannot read the permissions of " & folder & ": " & output
    Set found = CreateObject("Scripting.Dictionary")
    prefix = LCase(account) & ":"
    For Each item In Split(Replace(output, vbCr, ""), vbLf)
        line = item
        If LCase(Left(line, Len(folder))) = LCase(folder) Then line = Mid(line, Len(folder) + 1)
        line = Trim(line)
        If LCase(Left(line, Len(prefix))) = prefix Then found.Add found.Count, Mid(line, Len(prefix) + 1)
    Next
    AclEntries = found.Items
End Function

Function RightStrength(tool, rights)
    ' F > M (cacls: C) > RX (cacls: R); anything else counts as nothing.
    RightStrength = 0
    Select Case UCase(rights)
        Case "F"
            RightStrength = 3
        Case "M", "C"
            RightStrength = 2
        Case "RX"
            RightStrength = 1
        Case "R"
            If Not IsIcacls(tool) Then RightStrength = 1
    End Select
End Function

Function StrongestRight(tool, rights)
    ' icacls lists a combination as one group, "(RX,W)": its strength is that of its strongest part.
    Dim part
    StrongestRight = 0
    For Each part In Split(rights, ",")
        If RightStrength(tool, Trim(part)) > StrongestRight Then StrongestRight = RightStrength(tool, Trim(part))
    Next
End Function

Function HasRight(tool, entries, wanted)
    ' True when an allow entry that subfolders and files inherit gives right (RX, M or F) or more.
    Dim item, entry, rights
    HasRight = False
    For Each item In entries
        entry = UCase(item)
        If InStr(entry, "(OI)") > 0 And InStr(entry, "(CI)") > 0 And InStr(entry, "(IO)") = 0 And InStr(entry, "DENY") = 0 Then
            If Right(entry, 1) = ")" Then
                rights = Mid(entry, InStrRev(entry, "(") + 1)
                rights = Left(rights, Len(rights) - 1)
            Else
                rights = Mid(entry, InStrRev(entry, ")") + 1)
            End If
            If StrongestRight(tool, rights) >= RightStrength("icacls.exe", wanted) Then HasRight = True
        End If
    Next
End Function

Sub GrantNtfs(tool, folder, principal, wanted)
    ' icacls adds to the explicit rights (/grant without :r); cacls /E /G edits the ACL instead of replacing it.
    Dim output, command
    If IsIcacls(tool) Then
        command = ArgQuoted(tool) & " " & ArgQuoted(folder) & " /grant " & ArgQuoted(principal & ":(OI)(CI)" & wanted)
    Else
        command = ArgQuoted(tool) & " " & ArgQuoted(folder) & " /E /G " & ArgQuoted(principal & ":" & Replace(Replace(wanted, "RX", "R"), "M", "C"))
    End If
    If RunTool(command, output) <> 0 Then Err.Raise vbObjectError + 23, "remediate", "the grant on " & folder & " failed: " & output
End Sub

Sub RevokeNtfs(tool, folder, principal)
    ' Removes every explicit grant of principal (icacls /remove:g, cacls /E /R).
    Dim output, command
    If IsIcacls(tool) Then
        command = ArgQuoted(tool) & " " & ArgQuoted(folder) & " /remove:g " & ArgQuoted(principal)
    Else
        command = ArgQuoted(tool) & " " & ArgQuoted(folder) & " /E /R " & ArgQuoted(principal)
    End If
    If RunTool(command, output) <> 0 Then Err.Raise vbObjectError + 24, "remediate", "removing the grant on " & folder & " failed: " & output
End Sub
