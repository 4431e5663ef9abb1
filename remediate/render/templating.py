"""The Jinja2 environment over the packaged templates (imported only by commands that write text)."""

from __future__ import annotations

import re
from functools import cache
from importlib.resources import files

import jinja2


@cache
def environment() -> jinja2.Environment:
    root = files("remediate.templates")
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(root)),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(md=markdown_text, mdcode=markdown_code, mdfence=markdown_fence)
    env.globals["libraries"] = _libraries
    env.filters["windows_label"] = windows_label
    _script_filters(env)
    return env


def _script_filters(env: jinja2.Environment) -> None:
    """The escaping filters of every target language (remediate.render.escape)."""
    from remediate.policy import SecretRef
    from remediate.render import escape
    from remediate.render.tasks import SecretParameter

    def typed(boolean, literal):
        """A filter writing bools and ints as such, everything else as a string literal."""
        def write(value: object) -> str:
            if isinstance(value, bool):
                return boolean(value)
            return str(value) if isinstance(value, int) else literal(value)
        return write

    psvalue = typed(escape.ps_bool, escape.ps_literal)
    vbsvalue = typed(escape.vbs_bool, escape.vbs_literal)

    env.filters.update(
        ps=escape.ps_literal, psarg=escape.ps_native_argument, psvalue=psvalue,
        vbs=escape.vbs_literal, vbsvalue=vbsvalue, comment=escape.comment_text,
        secret_param=lambda ref, task: SecretParameter.of(task.policy, ref).name,
    )
    env.filters.update(reg_key=escape.reg_key, reg_string=escape.reg_string, reg_multi=escape.reg_multi)
    env.tests["secret"] = lambda value: isinstance(value, SecretRef)


# Characters with a meaning anywhere in a line for CommonMark and GitHub/GitLab/Azure DevOps
# Markdown: escapes, code, emphasis, links, raw HTML and autolinks, headings, tables,
# strikethrough, entities. A backslash before any ASCII punctuation is a literal (CommonMark 2.4).
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~&])")
_LINE_START = re.compile(r"^(\s*)(?:([-+=])|(\d+)([.)]))")   # a list item, a setext underline, an ordered list
_BACKTICKS = re.compile(r"`+")


def markdown_text(value: object) -> str:
    """A value as literal Markdown text, in prose, lists, headings and table cells alike: what it
    says is what a reader sees (`<Default Web Site>`, `\\\\fs01\\x`, `web_*_01` stay as written)."""
    text = " ".join(str(value).splitlines())
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    return _LINE_START.sub(lambda m: m.group(1) + (f"\\{m.group(2)}" if m.group(2) else f"{m.group(3)}\\{m.group(4)}"),
                           text)


def markdown_code(value: object) -> str:
    """A value as an inline code span (outside tables): delimited by more backticks than it holds
    (CommonMark 6.1), so a backtick in a name cannot end it."""
    text = " ".join(str(value).splitlines())
    fence = "`" * (max((len(run) for run in _BACKTICKS.findall(text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def markdown_fence(text: str) -> str:
    """A fence for a code block holding `text`: longer than any run of backticks in it."""
    return "`" * max(3, max((len(run) for run in _BACKTICKS.findall(text)), default=0) + 1)


def _libraries(language: str, names: list[str]) -> str:
    from remediate.render.libraries import included
    return included(language, names)


def windows_label(windows: str) -> str:
    """A Windows version as script messages name it (2008r2: Windows Server 2008 R2, 2003: Windows 2003)."""
    return "Windows Server 2008 R2" if windows == "2008r2" else f"Windows {windows}"


def render(name: str, **context: object) -> str:
    return environment().get_template(name).render(**context)
