"""The characters no generated script can carry in a value: decided once, so that a policy that
`validate` accepts is one `render` can write (escape.py refuses the same ones at render time,
for inventory values that no policy check saw).

C0 and C1 controls end or corrupt a line in PowerShell, VBScript and .reg files alike;
PowerShell also ends a line at U+0085 (NEL), U+2028 and U+2029 (its tokenizer's newline set),
which a reviewer would not see.
"""

import re

UNSCRIPTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def unscriptable_problem(value: str) -> str | None:
    """Why `value` cannot be a name in a script, naming the character; None when it can."""
    found = UNSCRIPTABLE.search(value)
    if found is None:
        return None
    shown = value if len(value) <= 60 else value[:60] + "..."
    return (f"{shown!r} contains U+{ord(found.group()):04X}, a line break or other control character: control "
            "characters are not allowed in names, as no generated script can carry them safely")
