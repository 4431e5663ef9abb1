' Local accounts through the ADSI WinNT provider.
Function LocalComputer()
    Set LocalComputer = GetObject("WinNT://" & CreateObject("WScript.Network").ComputerName & ",computer")
End Function

Function LocalUser(name)
    ' The local account called name (case-insensitive), or Nothing; found by listing, so no ADsPath is built from it.
    Dim computer, user, found
    Set found = Nothing
    Set computer = LocalComputer()
    computer.Filter = Array("user")
    For Each user In computer
        If LCase(user.Name) = LCase(name) Then Set found = user
    Next
    Set LocalUser = found
End Function
