"""Ansible's INI inventory format, read as ansible-core's `ini` inventory plugin reads it.

Lines before any section are hosts of `ungrouped`. `[g]` lists hosts (`name key=value
...`, split like a shell line, `#` starting a comment), `[g:vars]` one `key=value` per
line (everything after `=` is the value), `[g:children]` group names. Values are Python
literals where they parse as one (`5985` -> 5985, `True` -> True, `"'5985'"` -> '5985'),
else text, as Ansible's `ast.literal_eval` does, in host lines and `:vars` sections alike.
A `[g:vars]` or `[g:children]` entry may come before `[g]` is declared; an undeclared one
left at the end of the file is an error, as in Ansible.
"""

from __future__ import annotations

import ast
import re
import shlex
import warnings

from remediate.inventory.builder import InventoryBuilder

_SECTION = re.compile(r"^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:#.*)?$")
_GROUP_NAME = re.compile(r"^([^:\]\s]+)\s*(?:#.*)?$")


def parse_ini(text: str, file: str, loader: InventoryBuilder) -> None:
    """Add the file's groups, hosts and vars to `loader`; problems carry the line number."""
    group, state = "ungrouped", "hosts"
    pending_vars: dict[str, int] = {}  # group -> line of a [g:vars] before [g]
    pending_children: dict[str, list[tuple[str, int]]] = {}  # child -> [(parent, line)]
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        where = (file, number)
        if not line or line[0] in "#;":
            continue
        section = _SECTION.match(line)
        if section:
            group, state = section.group(1), section.group(2) or "hosts"
            if state not in ("hosts", "children", "vars"):
                loader.problem(where, line, f"unknown section type ':{state}'; "
                                            "use [group], [group:vars] or [group:children]")
                state = "skip"
                continue
            if state == "vars":
                if group not in loader.groups:
                    pending_vars.setdefault(group, number)
            else:
                pending_vars.pop(group, None)
                for parent, line_number in pending_children.pop(group, []):
                    loader.add_child(parent, group, (file, line_number))
            loader.group(group)
        elif line.startswith("[") and line.endswith("]"):
            loader.problem(where, line, "not a valid section header; write [group], [group:vars] "
                                        "or [group:children] without spaces")
            state = "skip"
        elif state == "hosts":
            _host_line(line, group, where, loader)
        elif state == "vars":
            key, equals, value = line.partition("=")
            if equals:
                loader.set_group_var(group, key.strip(), parse_value(value.strip()), where)
            else:
                loader.problem(where, line, f"expected key=value in [{group}:vars]")
        elif state == "children":
            child = _GROUP_NAME.match(line)
            if not child:
                loader.problem(where, line, f"expected one group name in [{group}:children]")
            elif child.group(1) in loader.groups:
                loader.add_child(group, child.group(1), where)
            else:
                pending_children.setdefault(child.group(1), []).append((group, number))
    for name, number in pending_vars.items():
        loader.problem((file, number), name, f"[{name}:vars] is for a group that is never declared; "
                                             f"declare it with [{name}] or [{name}:children]")
    for name, parents in pending_children.items():
        for parent, number in parents:
            loader.problem((file, number), name, f"[{parent}:children] names {name!r}, which is not a group "
                                                 f"declared with [{name}] or [{name}:children]")


def _host_line(line: str, group: str, where: tuple[str, int], loader: InventoryBuilder) -> None:
    """`pattern key=value ...`: one host pattern and its inline variables."""
    try:
        tokens = shlex.split(line, comments=True)
    except ValueError as exc:
        loader.problem(where, line, f"cannot split this host line: {exc}")
        return
    if not tokens:
        return
    variables = {}
    for token in tokens[1:]:
        key, equals, value = token.partition("=")
        if not equals:
            loader.problem(where, tokens[0], f"expected key=value after the host name, got {token!r}")
            return
        variables[key] = parse_value(value)
    loader.add_hosts(tokens[0], group, variables, where)


def parse_value(text: str) -> object:
    """A Python literal when `text` is one, else the text itself (Ansible's INI typing)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SyntaxWarning)
            value = ast.literal_eval(text)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return text
    return _plain(value)


def _plain(value: object) -> object:
    """Keep only types a YAML inventory could give, converting the rest as Ansible does."""
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if value is Ellipsis:
        return "..."
    if isinstance(value, complex):
        return str(value)
    return value
