"""One escaping rule per target language, used by every template through a filter.

Values from policies and inventories (site names, paths, accounts, shares) never become code:
they are written as string literals, and a value no language can carry safely (a line break,
NUL or other control character) is refused, never escaped by guesswork.
"""

from __future__ import annotations

from remediate.core.accounts import NOT_IN_USER_NAMES
from remediate.core.errors import InputError, Problem
from remediate.core.scriptable import UNSCRIPTABLE as _CONTROL

# PowerShell treats these four as single quotes too (its tokenizer's IsSingleQuote).
PS_SINGLE_QUOTES = "'\u2018\u2019\u201a\u201b"
_DOUBLED = {ord(c): c + c for c in PS_SINGLE_QUOTES}


class UnsafeValue(InputError):
    """A value that cannot be written into a script safely (exit 2)."""


# Characters a Windows user name may not contain (core.accounts, the one list policy validation
# uses too): such a name can be neither created nor written into an ADSI path.
USER_NAME_FORBIDDEN = NOT_IN_USER_NAMES


def forbidden_in_user_name(name: str) -> str | None:
    """The first character of USER_NAME_FORBIDDEN (in its order) that `name` contains, or None."""
    return next((c for c in USER_NAME_FORBIDDEN if c in name), None)


def _checked(value: object, language: str) -> str:
    text = value if isinstance(value, str) else str(value)
    if _CONTROL.search(text):
        raise UnsafeValue([Problem("(render)", None, "", f"{text!r} contains a control character (line break, "
                                                          f"NUL, ...) that no {language} script can carry safely; "
                                                          "fix the name in the policy or inventory")])
    return text


def ps_literal(value: object) -> str:
    """A PowerShell single-quoted string: every single-quote-like character doubled."""
    return "'" + _checked(value, "PowerShell").translate(_DOUBLED) + "'"


def ps_native_argument(value: object) -> str:
    """A literal passed to a native program: PowerShell 5.1 mangles embedded double quotes."""
    text = _checked(value, "PowerShell")
    if '"' in text:
        raise UnsafeValue([Problem("(render)", None, "", f"{text!r} contains a double quote, which Windows "
                                                          "PowerShell 5.1 passes to native programs mangled; "
                                                          "rename it or do this step by hand")])
    return ps_literal(text)


def vbs_literal(value: object) -> str:
    """A VBScript string literal: double quotes doubled; non-ASCII is kept (the file is UTF-16)."""
    text = _checked(value, "VBScript")
    return '"' + text.replace('"', '""') + '"'


def ps_bool(value: bool) -> str:
    return "$true" if value else "$false"


def vbs_bool(value: bool) -> str:
    return "True" if value else "False"


def comment_text(value: object) -> str:
    """Text inside a one-line comment (PowerShell `#`, VBScript `'`, .reg `;`): no line breaks."""
    return _checked(value, "script")


REG_ROOTS = {"HKLM": "HKEY_LOCAL_MACHINE", "HKCU": "HKEY_CURRENT_USER", "HKCR": "HKEY_CLASSES_ROOT",
             "HKU": "HKEY_USERS"}


def reg_key(key: str) -> str:
    """A key as .reg files name it: the full root name (`HKEY_LOCAL_MACHINE`, never `HKLM`)."""
    root, _, rest = _checked(key, ".reg").partition("\\")
    return f"{REG_ROOTS.get(root, root)}\\{rest}"


def reg_string(value: object) -> str:
    """A quoted .reg string (value names and REG_SZ data): backslash and quote escaped."""
    text = _checked(value, ".reg")
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def reg_multi(items: list[str]) -> str:
    """REG_MULTI_SZ payload for hex(7): UTF-16LE strings, each NUL-terminated, then a final NUL."""
    for item in items:
        _checked(item, ".reg")
    data = "".join(f"{item}\0" for item in items) + "\0"
    return ",".join(f"{b:02x}" for b in data.encode("utf-16-le"))
