"""Small checkers for generated scripts (artifacts.md): PowerShell read with tree-sitter-pwsh,
VBScript with a scanner of its string literals and block structure.

tree-sitter-pwsh knows only the ASCII apostrophe as a single quote, so a literal's content is
decoded here by PowerShell's own rule (its tokenizer's IsSingleQuote: ' U+2018 U+2019 U+201A
U+201B): two quote-like characters in a row stand for the second one, a lone one would end the
string. A literal that PowerShell would end early fails to decode.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

import tree_sitter_pwsh
from tree_sitter import Language, Node, Parser, Tree

from remediate.core.accounts import NOT_IN_USER_NAMES
from remediate.policy.model import NOT_IN_PATHS

PS_SINGLE_QUOTES = "'\u2018\u2019\u201a\u201b"
BOM_UTF8 = b"\xef\xbb\xbf"
BOM_UTF16LE = b"\xff\xfe"

# https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_commonparameters
# (Windows PowerShell 5.1: ProgressAction exists only from PowerShell 7.4).
COMMON_PARAMETERS = frozenset({
    "Debug", "ErrorAction", "ErrorVariable", "InformationAction", "InformationVariable", "OutBuffer",
    "OutVariable", "PipelineVariable", "Verbose", "WarningAction", "WarningVariable",
})


# ---------------------------------------------------------------- PowerShell: parsing

@cache
def _parser() -> Parser:
    return Parser(Language(tree_sitter_pwsh.language()))


def _source_bytes(source: str | bytes) -> bytes:
    data = source.encode("utf-8") if isinstance(source, str) else source
    return data[len(BOM_UTF8):] if data.startswith(BOM_UTF8) else data


def parse_ps(source: str | bytes) -> Tree:
    return _parser().parse(_source_bytes(source))


def _walk(node: Node) -> Iterator[Node]:
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(current.children))


def _where(node: Node) -> str:
    return f"{node.start_point.row + 1}:{node.start_point.column + 1}"


def _text(node: Node) -> str:
    return (node.text or b"").decode("utf-8")


def syntax_problems(source: str | bytes) -> list[str]:
    """ERROR and MISSING nodes as `line:col: ...` (empty when the script parses)."""
    root = parse_ps(source).root_node
    out: list[str] = []
    for node in _walk(root):
        if node.is_error:
            out.append(f"{_where(node)}: syntax error near {_text(node)[:60]!r}")
        elif node.is_missing:
            out.append(f"{_where(node)}: missing {node.type!r}")
    return out


# ---------------------------------------------------------------- PowerShell: string literals

def decode_single_quoted(body: str) -> str:
    """The value of a single-quoted literal's body (without the outer quotes), by PowerShell's rule."""
    out, i = [], 0
    while i < len(body):
        char = body[i]
        if char in PS_SINGLE_QUOTES:
            if i + 1 >= len(body) or body[i + 1] not in PS_SINGLE_QUOTES:
                raise ValueError(f"lone single-quote character {char!r} at {i}: PowerShell would end the string "
                                 f"there ({body!r})")
            out.append(body[i + 1])
            i += 2
            continue
        out.append(char)
        i += 1
    return "".join(out)


@dataclass(frozen=True)
class PsLiteral:
    """A string literal node: `value` is its decoded content, None for an expandable ("...") one."""

    raw: str
    value: str | None
    verbatim: bool
    start: int           # byte offsets in the BOM-less source
    end: int
    where: str
    error: str = ""      # why a verbatim literal could not be decoded


def _verbatim_value(raw: str) -> str:
    if raw.startswith("@"):              # @'<newline> ... <newline>'@: no escapes at all
        body = raw[2:-2]
        body = body[2:] if body.startswith("\r\n") else body[1:]
        return body[:-2] if body.endswith("\r\n") else body[:-1]
    return decode_single_quoted(raw[1:-1])


def string_literals(source: str | bytes) -> list[PsLiteral]:
    out = []
    for node in _walk(parse_ps(source).root_node):
        if node.type != "string_literal":
            continue
        raw = _text(node)
        verbatim = any(c.type in ("verbatim_string_characters", "verbatim_here_string_characters")
                       for c in node.children)
        value, error = None, ""
        if verbatim:
            try:
                value = _verbatim_value(raw)
            except ValueError as exc:
                error = str(exc)
        out.append(PsLiteral(raw, value, verbatim, node.start_byte, node.end_byte, _where(node), error))
    return out


def _masked(data: bytes, spans: list[tuple[int, int]]) -> str:
    """The source with the given byte spans blanked (newlines kept, so lines stay where they were)."""
    buf = bytearray(data)
    for start, end in spans:
        for i in range(start, end):
            if buf[i] not in (0x0A, 0x0D):
                buf[i] = 0x20
    return buf.decode("utf-8", errors="replace")


def code_text(source: str | bytes, keep: set[int] | None = None) -> str:
    """The script with every comment and string literal blanked out: what PowerShell runs as code.
    `keep`: start offsets of literals to leave in place (none by default)."""
    data = _source_bytes(source)
    spans = [(n.start_byte, n.end_byte) for n in _walk(parse_ps(data).root_node)
             if n.type == "comment" or (n.type == "string_literal" and n.start_byte not in (keep or set()))]
    return _masked(data, spans)


# ---------------------------------------------------------------- PowerShell: 7-only syntax

PS7_NODES = {
    "null_coalesce_expression": "null-coalescing operator ??",
    "ternary_expression": "ternary operator a ? b : c",
    "pipeline_chain_tail": "pipeline chain operator && or ||",
}
PS7_CODE = [
    (re.compile(r"\?\?="), "null-coalescing assignment ??="),
    (re.compile(r"\?\?"), "null-coalescing operator ??"),
    (re.compile(r"\?\.|\?\["), "null-conditional member access ?. or ?["),
    (re.compile(r"&&|\|\|"), "pipeline chain operator && or ||"),
]
FOREACH_OBJECT = {"foreach-object", "foreach", "%"}


def ps7_syntax(source: str | bytes) -> list[str]:
    """Uses of syntax that Windows PowerShell 5.1 does not have, as `line:col: what`."""
    root = parse_ps(source).root_node
    out = []
    for node in _walk(root):
        if node.type in PS7_NODES:
            out.append(f"{_where(node)}: {PS7_NODES[node.type]}")
        elif node.type == "assignment_operator" and _text(node) == "??=":
            out.append(f"{_where(node)}: null-coalescing assignment ??=")
        elif node.type == "named_block" and _text(node).lower().startswith("clean"):
            out.append(f"{_where(node)}: clean {{}} block")
    for call in commands(source):
        if call.name.lower() in FOREACH_OBJECT and any(p.lower().startswith("pa") for p in call.parameters):
            out.append(f"{call.line}: ForEach-Object -Parallel")
    for number, line in enumerate(code_text(source).splitlines(), 1):
        for pattern, what in PS7_CODE:
            for match in pattern.finditer(line):
                out.append(f"{number}:{match.start() + 1}: {what}")
    return sorted(set(out))


# ---------------------------------------------------------------- PowerShell: commands

@dataclass(frozen=True)
class Call:
    name: str
    parameters: tuple[str, ...]       # without the dash, as written
    line: int
    splat: str | None = None          # `@task` -> "task"
    start: int = 0


def _command_name(node: Node) -> str | None:
    for child in node.children:
        if child.type == "command_name":
            return _text(child)
        if child.type == "command_name_expr":
            names = [c for c in child.children if c.type == "command_name"]
            return _text(names[0]) if names else None   # `& $Get`: no static name
    return None


def commands(source: str | bytes) -> list[Call]:
    """Every command with a static name, with the parameters it passes and what it splats."""
    out = []
    for node in _walk(parse_ps(source).root_node):
        if node.type != "command":
            continue
        name = _command_name(node)
        if name is None:
            continue
        params: list[str] = []
        splat = None
        for elements in (c for c in node.children if c.type == "command_elements"):
            for element in elements.children:
                if element.type == "command_parameter":
                    params.append(_text(element).lstrip("-").rstrip(":"))
                elif element.type == "unary_expression" and _text(element).startswith("@") \
                        and element.children and element.children[0].type == "variable":
                    splat = _text(element)[1:]
        out.append(Call(name, tuple(params), node.start_point.row + 1, splat, node.start_byte))
    return out


@dataclass(frozen=True)
class Function:
    name: str
    parameters: frozenset[str]
    advanced: bool                    # [CmdletBinding()] or [Parameter()]: common parameters too


def _declared(block: Node) -> tuple[set[str], bool]:
    names, advanced = set(), False
    for node in _walk(block):
        if node.type == "script_parameter":
            variables = [c for c in node.children if c.type == "variable"]
            names.update(_text(v).lstrip("$") for v in variables)
        elif node.type == "attribute_name" and _text(node).lower() in ("cmdletbinding", "parameter"):
            advanced = True
    return names, advanced


def functions(source: str | bytes) -> dict[str, Function]:
    """Functions the script defines, by lower-case name, with the parameters they declare."""
    out = {}
    for node in _walk(parse_ps(source).root_node):
        if node.type != "function_statement":
            continue
        name = next(_text(c) for c in node.children if c.type == "function_name")
        params: set[str] = set()
        advanced = False
        for child in node.children:
            blocks = []
            if child.type == "function_parameter_declaration":
                blocks.append(child)
            elif child.type == "script_block":
                blocks += [c for c in child.children if c.type == "param_block"]
            for block in blocks:
                found, adv = _declared(block)
                params |= found
                advanced |= adv
        out[name.lower()] = Function(name, frozenset(params), advanced)
    return out


def splatted_keys(source: str | bytes) -> dict[int, tuple[str, ...]]:
    """For each command that splats `@name`: the keys of the last `$name = @{...}` before it."""
    data = _source_bytes(source)
    root = parse_ps(data).root_node
    tables: list[tuple[int, str, tuple[str, ...]]] = []
    for node in _walk(root):
        if node.type != "assignment_expression":
            continue
        left = next((c for c in node.children if c.type == "left_assignment_expression"), None)
        value = next((c for c in node.children if c.type == "assignment_value"), None)
        if left is None or value is None:
            continue
        hashes = [n for n in _walk(value) if n.type == "hash_literal_expression"]
        if not hashes or _text(value).strip()[:2] != "@{":
            continue
        keys = []
        body = next((c for c in hashes[0].children if c.type == "hash_literal_body"), None)
        for entry in (body.children if body else []):
            if entry.type != "hash_entry":
                continue
            key = next(c for c in entry.children if c.type == "key_expression")
            literal = [n for n in _walk(key) if n.type == "string_literal"]
            keys.append(_verbatim_value(_text(literal[0])) if literal else _text(key))
        tables.append((node.start_byte, _text(left).strip().lstrip("$").lower(), tuple(keys)))
    out = {}
    for call in commands(data):
        if call.splat is None:
            continue
        before = [t for t in tables if t[0] < call.start and t[1] == call.splat.lower()]
        if before:
            out[call.start] = max(before)[2]
    return out


def parameter_problems(source: str | bytes, cmdlets: dict[str, set[str]], native: set[str]) -> list[str]:
    """Calls of unknown commands, or with parameters the command does not have.

    Functions the script defines are checked against their param blocks; cmdlets against the
    table (names compared without regard to case, as PowerShell does); native programs skipped.
    A splat counts as passing the keys of the hashtable last assigned to its variable.
    """
    defined = functions(source)
    splats = splatted_keys(source)
    table = {name.lower(): {p.lower() for p in params} for name, params in cmdlets.items()}
    common = {p.lower() for p in COMMON_PARAMETERS}
    out = []
    for call in commands(source):
        name = call.name.lower()
        passed = list(call.parameters) + list(splats.get(call.start, ()))
        if call.splat is not None and call.start not in splats:
            out.append(f"{call.line}: {call.name} splats @{call.splat}, which is not a hashtable assigned before")
        if name in defined:
            function = defined[name]
            allowed = {p.lower() for p in function.parameters} | (common if function.advanced else set())
            kind = "function"
        elif name in native or name.removesuffix(".exe") in native:
            continue
        elif name in table:
            allowed = table[name] | common
            kind = "cmdlet"
        else:
            out.append(f"{call.line}: unknown command {call.name} (not a function of the script, not in the "
                       "cmdlet table, not a known native program)")
            continue
        for param in passed:
            if param.lower() not in allowed:
                out.append(f"{call.line}: {kind} {call.name} has no parameter -{param}")
    return out


# The library function that runs native programs (templates/lib/powershell/native.ps1).
NATIVE_RUNNER = "invoke-remediatenative"


def native_arguments(source: str | bytes, native: set[str]) -> list[tuple[str, PsLiteral]]:
    """String literals passed to a native program: (program, literal). A call of the library's
    Invoke-RemediateNative -FilePath 'program' -ArgumentList ... counts as a call of that program."""
    data = _source_bytes(source)
    by_start = {lit.start: lit for lit in string_literals(data)}
    out = []
    for node in _walk(parse_ps(data).root_node):
        if node.type != "command":
            continue
        name = (_command_name(node) or "").lower()
        wrapped = name == NATIVE_RUNNER
        if not wrapped and name not in native and name.removesuffix(".exe") not in native:
            continue
        literals = []
        stack = [c for c in node.children if c.type == "command_elements"]
        while stack:
            current = stack.pop()
            if current.type == "command":
                continue                     # a nested command's own arguments
            if current.type == "string_literal":
                literals.append(by_start[current.start_byte])
                continue
            stack.extend(current.children)
        literals.sort(key=lambda lit: lit.start)
        if wrapped:                          # the first literal is the program (-FilePath)
            name, literals = (literals[0].value or "").lower(), literals[1:]
        out += [(name, literal) for literal in literals]
    return out


# ---------------------------------------------------------------- VBScript

@dataclass(frozen=True)
class VbsLiteral:
    line: int
    column: int
    raw: str
    value: str


@dataclass(frozen=True)
class VbsScan:
    literals: list[VbsLiteral]
    code: list[str]                  # each line without comments, every literal replaced by ""
    problems: list[str]


_REM = re.compile(r"(?i)rem(\s|$)")


def scan_vbs(text: str) -> VbsScan:
    """String literals ("..." with "" for a quote) and code outside comments (' or Rem)."""
    literals, code, problems = [], [], []
    for number, line in enumerate(text.splitlines(), 1):
        out, i = [], 0
        while i < len(line):
            char = line[i]
            if char == '"':
                j, value = i + 1, []
                while True:
                    if j >= len(line):
                        problems.append(f"{number}:{i + 1}: unterminated string literal")
                        break
                    if line[j] == '"':
                        if j + 1 < len(line) and line[j + 1] == '"':
                            value.append('"')
                            j += 2
                            continue
                        break
                    value.append(line[j])
                    j += 1
                literals.append(VbsLiteral(number, i + 1, line[i:j + 1], "".join(value)))
                out.append('""')
                i = j + 1
                continue
            if char == "'":
                break
            statement = "".join(out).rsplit(":", 1)[-1]
            if not statement.strip() and _REM.match(line, i) and (i == 0 or not line[i - 1].isalnum()):
                break
            out.append(char)
            i += 1
        code.append("".join(out).rstrip())
    return VbsScan(literals, code, problems)


_OPENERS = [
    (re.compile(r"(?i)^(public\s+|private\s+)?sub\s+\w+"), "Sub"),
    (re.compile(r"(?i)^(public\s+|private\s+)?function\s+\w+"), "Function"),
    (re.compile(r"(?i)^if\b.*\bthen$"), "If"),
    (re.compile(r"(?i)^for\b"), "For"),
    (re.compile(r"(?i)^do\b"), "Do"),
    (re.compile(r"(?i)^select\s+case\b"), "Select"),
    (re.compile(r"(?i)^with\b"), "With"),
    (re.compile(r"(?i)^while\b"), "While"),
]
_CLOSERS = [
    (re.compile(r"(?i)^end\s+sub$"), "Sub"),
    (re.compile(r"(?i)^end\s+function$"), "Function"),
    (re.compile(r"(?i)^end\s+if$"), "If"),
    (re.compile(r"(?i)^next(\s+\w+)?$"), "For"),
    (re.compile(r"(?i)^loop\b"), "Do"),
    (re.compile(r"(?i)^end\s+select$"), "Select"),
    (re.compile(r"(?i)^end\s+with$"), "With"),
    (re.compile(r"(?i)^wend$"), "While"),
]


def vbs_blocks(code: list[str]) -> tuple[list[str], list[tuple[int, str]]]:
    """Block structure of VBScript code lines: (problems, statements run at the top level, outside
    any Sub or Function, as (line, text))."""
    stack: list[tuple[str, int]] = []
    problems, top = [], []
    for number, line in enumerate(code, 1):
        statement = line.strip()
        if not statement:
            continue
        closer = next((kind for pattern, kind in _CLOSERS if pattern.match(statement)), None)
        opener = next((kind for pattern, kind in _OPENERS if pattern.match(statement)), None)
        if closer:
            if not stack or stack[-1][0] != closer:
                opened = f"{stack[-1][0]} of line {stack[-1][1]}" if stack else "nothing"
                problems.append(f"{number}: {statement!r} closes {opened}")
            else:
                stack.pop()
            continue
        if not stack and opener not in ("Sub", "Function"):
            top.append((number, statement))
        if opener:
            if opener in ("Sub", "Function") and any(k in ("Sub", "Function") for k, _ in stack):
                problems.append(f"{number}: {opener} inside another procedure")
            stack.append((opener, number))
    problems += [f"{line}: {kind} is never closed" for kind, line in stack]
    return problems, top


# ---------------------------------------------------------------- hostile values (property tests)

# Every generated value is wrapped in markers that the hostile alphabet cannot produce (no digits,
# no Z), so each end of a value can be found in a script even where it was cut apart.
MARKERS = {"site": ("Zs9", "9sZ"), "path": ("Zp9", "9pZ"), "account": ("Za9", "9aZ"), "share": ("Zh9", "9hZ")}
HOSTILE_PIECES = [
    "'", '"', "\u2018", "\u2019", "\u201a", "\u201b",          # single quotes, as PowerShell counts them
    "\u201c", "\u201d", "\u201e",                              # double quotes, as PowerShell counts them
    "$(", ")", "$", "`", ";", "|", "[", "]", "*", "?", "&", "@", "{", "}", "#", "<#", "#>", "%", " ",
    "-", "\u2013", "\u2014", ":", ",", ".", "=", "+", "<", ">", "!", "^", "~",
    "é", "ß", "Ω", "中", "ä", "\u00a0", "İ", "\U0001d49c",                # \U0001d49c: a UTF-16 surrogate pair
]
HOSTILE_LETTERS = "abcdefxyABCXY"



def marked(field: str, text: str) -> str:
    start, end = MARKERS[field]
    return f"{start}{text}{end}"


def field_of(text: str) -> list[str]:
    """The fields whose markers occur in a piece of script text."""
    return [field for field, pair in MARKERS.items() if any(m in text for m in pair)]


def value_problems(literals: list[tuple[str, str | None, str]], code: str, allowed: set[str],
                   where: str) -> list[str]:
    """Policy values must be whole literals: every literal holding a marker decodes to one of the
    `allowed` strings exactly, and no marker is left in the code outside literals and comments.
    `literals`: (raw text, decoded value or None when it cannot be decoded or interpolates, position)."""
    out = []
    for raw, value, position in literals:
        if not field_of(raw):
            continue
        if value is None:
            out.append(f"{where}:{position}: a policy value in a literal that is not a plain single-quoted "
                       f"string (or does not decode): {raw[:200]!r}")
        elif value not in allowed:
            out.append(f"{where}:{position}: a literal holds a policy value but is not exactly a value or a "
                       f"documented derived value: {value[:300]!r}")
    for number, line in enumerate(code.splitlines(), 1):
        if field_of(line):
            out.append(f"{where}:{number}: a policy value ({', '.join(field_of(line))}) is outside any string "
                       f"literal, that is, code: {line.strip()[:200]!r}")
    return out


def ps_value_problems(source: str | bytes, allowed: set[str], where: str = "script") -> list[str]:
    literals = [(lit.raw, lit.value if lit.verbatim and not lit.error else None, lit.where)
                for lit in string_literals(source)]
    return value_problems(literals, code_text(source), allowed, where)


def vbs_value_problems(text: str, allowed: set[str], where: str = "script") -> list[str]:
    scan = scan_vbs(text)
    literals = [(lit.raw, lit.value, f"{lit.line}:{lit.column}") for lit in scan.literals]
    return scan.problems + value_problems(literals, "\n".join(scan.code), allowed, where)


def hostile_texts():
    """Hypothesis strategy: short hostile texts, and sometimes the same repeated past 300 characters."""
    from hypothesis import strategies as st
    piece = st.one_of(st.sampled_from(HOSTILE_PIECES), st.text(HOSTILE_LETTERS, min_size=1, max_size=3))
    short = st.lists(piece, min_size=1, max_size=10).map("".join)
    long = short.map(lambda text: text * (300 // len(text) + 1))
    return st.one_of(short, short, long)


@dataclass(frozen=True)
class HostileValues:
    site: str
    path: str
    account: str        # CONTOSO\<name>
    share: str

    @property
    def location(self) -> str:
        """The IIS 7+ `-Location` of the path (policy.Iis.location): `Site/path`."""
        return f"{self.site}{self.path}"

    def unc(self, server: str) -> str:
        """The share's UNC path on `server` (resource.path)."""
        return f"\\\\{server}\\{self.share}"

    def fields(self) -> dict[str, str]:
        return {"site": self.site, "path": self.path, "account": self.account, "share": self.share}


def hostile_values():
    from hypothesis import strategies as st
    texts = hostile_texts()
    # account names keep every character Windows allows in a user name (policy validation refuses the rest)
    names = texts.map(lambda text: "".join(c for c in text if c not in NOT_IN_USER_NAMES))
    # share names likewise keep every character a Windows share or folder name may have
    shares = texts.map(lambda text: "".join(c for c in text if c not in NOT_IN_PATHS and c != "\\"))
    return st.builds(lambda s, p, a, h: HostileValues(marked("site", s), "/" + marked("path", p),
                                                      "CONTOSO\\" + marked("account", a), marked("share", h)),
                     texts, texts, names, shares)


def hostile_policy(strategy: str, values: HostileValues, iis_host: str, iis_version: str, file_host: str,
                   file_os: str) -> dict:
    """A policy that `strategy` can fix, carrying the hostile values in every name it renders."""
    policy = {
        "version": 1,
        "name": "hostile",
        "iis": {"host": iis_host, "version": iis_version, "site": values.site, "path": values.path,
                "authentication": "anonymous", "domain": "CONTOSO"},
        "resource": {"kind": "unc-share", "path": f"\\\\{file_host}\\{values.share}", "host": file_host,
                     "os": file_os},
        "access": {"as": "service-account", "account": values.account, "password": {"env": "HOSTILE_PASSWORD"}},
        "prefer": [strategy],
    }
    if strategy == "vdir-connect-as":
        policy["resource"]["used_for"] = "content"
    if strategy == "app-pool-identity" and iis_version == "6.0":
        policy["iis"].update(runs_as="process", app_pool_identity="LocalService")
    if strategy == "logon-method":               # Basic logons made network logons: only site and path
        policy["iis"].update(authentication="basic", logon_method="network", ssl=True)
        policy["access"] = {"as": "end-user"}
    if strategy == "basic-auth":                 # Windows logons switched to Basic over SSL
        policy["iis"].update(authentication="ntlm", ssl=False)
        policy["access"] = {"as": "end-user"}
        policy["constraints"] = {"authentication_change": "allowed"}
    if strategy == "thread-impersonation":
        policy["iis"]["authentication"] = "ntlm"
        policy["constraints"] = {"code_changes": "allowed"}
    if strategy == "complus-identity":
        policy["resource"]["component"] = values.site      # a ProgID with the same hostile text
    if strategy == "mirrored-local-account":     # a workgroup: the account is local on both computers
        name = values.account.split("\\", 1)[1]
        policy["iis"]["workgroup"] = True
        del policy["iis"]["domain"]
        policy["access"]["account"] = name
        policy["resource"]["local_accounts"] = [name]
    if strategy == "kerberos-delegation":        # Windows logons to SQL Server; the pool account gets the SPN
        policy["iis"].update(authentication="negotiate", app_pool_identity=values.account)
        policy["resource"] = {"kind": "sql-server", "path": "\\\\sql01", "host": "sql01", "os": file_os}
        policy["access"] = {"as": "end-user"}
        policy["constraints"] = {"domain_changes": "allowed"}
        policy["domain_host"] = "dc01"
    if strategy in ("null-session-share", "null-session-pipe"):
        policy["access"] = {"as": "anonymous"}
        policy["constraints"] = {"null_sessions": "allowed", "stored_credentials": "forbidden"}
    return policy
