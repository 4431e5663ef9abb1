' T-SQL for a DBA: a name as a [bracketed] identifier (] doubled) or as an N'...' string (' doubled).
Function SqlName(text)
    SqlName = "[" & Replace(text, "]", "]]") & "]"
End Function

Function SqlText(text)
    SqlText = "N'" & Replace(text, "'", "''") & "'"
End Function
