"""The Jinja2 environment over the packaged templates (imported only by commands that write text)."""

from __future__ import annotations

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
    env.filters["md"] = markdown_cell
    return env


def markdown_cell(value: object) -> str:
    """Text safe inside a Markdown table cell."""
    return str(value).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def render(name: str, **context: object) -> str:
    return environment().get_template(name).render(**context)
