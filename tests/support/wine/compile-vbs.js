// Compiles each VBScript file named on the command line with the VBScript engine, through the
// Script Control (cscript itself reports no compile errors under Wine). Each file must make its
// first statement after Option Explicit `Err.Raise 9999`, so that a file that compiles stops
// there instead of running. Prints one line per file: path|error number|error line|description.
var fso = new ActiveXObject("Scripting.FileSystemObject");
for (var i = 0; i < WScript.Arguments.length; i++) {
    var path = WScript.Arguments(i);
    var stream = fso.OpenTextFile(path, 1, false, -1);  // -1: Unicode (UTF-16LE)
    var text = stream.ReadAll();
    stream.Close();
    var control = new ActiveXObject("MSScriptControl.ScriptControl");
    control.Language = "VBScript";
    var number = 0, line = 0, description = "";
    try {
        control.AddCode(text);
    } catch (e) {
        number = control.Error.Number;
        line = control.Error.Line;
        description = control.Error.Description;
    }
    WScript.Echo(path + "|" + number + "|" + line + "|" + description);
}
