"""YAML reading that keeps the line of every key, for messages that point into the file.

PyYAML composes a node tree that carries marks; the data is constructed from the same
tree, so lines and values cannot disagree. Duplicate keys are refused: YAML leaves them
undefined and PyYAML silently keeps the last, which would hide a typo in a policy.

Every file kind (policies, inventories, group_vars, host_vars) comes through here, so the limits
live here too: a file's size, its nesting depth and its node count with aliases expanded. An
alias is a reference, cheap to parse but copied by whatever reads the data later: "billion
laughs" (nine aliases of nine aliases, nine levels) is 1 KB of text and 387 million values, and
an alias inside its own anchor (`x: &a [*a]`) never ends. Both are checked on the composed node
tree before anything is constructed, walking it without recursion.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from remediate.core.errors import InputError, Problem

PathKey = tuple[str | int, ...]

MAX_BYTES = 10 * 1024 * 1024     # the largest real inventories are a few MB
MAX_DEPTH = 64                   # a policy nests 4 deep, an inventory's groups rarely 10
MAX_NODES = 200_000              # values in one file with aliases expanded (about 20,000 hosts' vars)


class VaultText(str):
    """An ansible-vault `!vault |` value, kept encrypted; shown masked."""

    def __repr__(self) -> str:
        return "VaultText(********)"


# libyaml's parser when PyYAML was built with it (its wheels are): several times faster, same nodes.
class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    pass


def _vault(loader: _Loader, node: yaml.Node) -> VaultText:
    return VaultText(loader.construct_scalar(node))


_Loader.add_constructor("!vault", _vault)


@dataclass
class YamlDocument:
    """Data from one YAML file with the line of each key path (1-based)."""

    file: str
    data: object
    lines: dict[PathKey, int] = field(default_factory=dict)
    _by_depth: dict[int, dict[PathKey, dict[str, int]]] = field(default_factory=dict, repr=False)

    def lines_under(self, base: PathKey) -> dict[str, int]:
        """Dotted key -> line for every key below `base`; grouped once per depth, so a file of
        many policies is read in linear time."""
        depth = len(base)
        if depth not in self._by_depth:
            groups: dict[PathKey, dict[str, int]] = {}
            for path, line in self.lines.items():
                if len(path) > depth:
                    groups.setdefault(path[:depth], {})[dotted(path[depth:])] = line
            self._by_depth[depth] = groups
        return self._by_depth[depth].get(tuple(base), {})

    def line_of(self, path: PathKey) -> int | None:
        """The line of the deepest known key on `path` (the parent's when a key is missing)."""
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), None)


def dotted(path: PathKey) -> str:
    """`('resource', 'path')` -> `resource.path`; list indices as `[0]`."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _index_lines(node: yaml.Node, path: PathKey, lines: dict[PathKey, int],
                 problems: list[Problem], file: str) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[object] = set()
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.value)
            if key in seen:
                problems.append(Problem(file, key_node.start_mark.line + 1, dotted(path + (key,)),
                                        "this key appears twice in the same mapping; keep one"))
            seen.add(key)
            lines[path + (key,)] = key_node.start_mark.line + 1
            _index_lines(value_node, path + (key,), lines, problems, file)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines[path + (i,)] = item.start_mark.line + 1
            _index_lines(item, path + (i,), lines, problems, file)


def _check_limits(root: yaml.Node, file: str) -> None:
    """Refuse a node tree deeper than MAX_DEPTH, larger than MAX_NODES with aliases expanded, or
    holding an alias inside its own anchor (endlessly deep); the problem names the line."""
    count = 0
    stack: list[tuple[yaml.Node, int, tuple | None]] = [(root, 1, None)]   # (node, depth, path above it)
    while stack:
        node, depth, above = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise InputError([Problem(file, node.start_mark.line + 1, "", f"more than {MAX_NODES:,} values once "
                                      "its aliases (*name) are expanded; split the file or use fewer aliases")])
        if depth > MAX_DEPTH:
            raise InputError([Problem(file, node.start_mark.line + 1, "", _too_deep(node, above))])
        if isinstance(node, yaml.MappingNode):
            children = [child for pair in node.value for child in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = node.value
        else:
            continue
        here = (node, above)
        stack.extend((child, depth + 1, here) for child in reversed(children))


def _too_deep(node: yaml.Node, above: tuple | None) -> str:
    """Why a path is too deep: a node that is its own ancestor (an alias inside its anchor), or depth."""
    seen = {id(node)}
    while above is not None:
        if id(above[0]) in seen:
            return "an alias (*name) refers to the anchor (&name) it is inside of, which makes the value endless"
        seen.add(id(above[0]))
        above = above[1]
    return f"nested more than {MAX_DEPTH} levels deep"


def parse_yaml(text: str, file: str) -> YamlDocument:
    """Parse one YAML document within the limits; syntax errors and duplicate keys become InputError."""
    if len(text) > MAX_BYTES:
        raise InputError([Problem(file, None, "", f"larger than {MAX_BYTES // (1024 * 1024)} MB; "
                                  "split it into several files")])
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return YamlDocument(file, None, {})
        _check_limits(node, file)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise InputError([Problem(file, line, "", f"not valid YAML: {exc.problem or exc}{_hint(exc)}")]) from None
    except yaml.YAMLError as exc:
        raise InputError([Problem(file, None, "", f"not valid YAML: {exc}")]) from None
    finally:
        loader.dispose()
    lines: dict[PathKey, int] = {}
    problems: list[Problem] = []
    _index_lines(node, (), lines, problems, file)
    if problems:
        raise InputError(problems)
    return YamlDocument(file, data, lines)


def _hint(exc: yaml.MarkedYAMLError) -> str:
    """The usual cause of an escape error in these files: a Windows path in double quotes."""
    if "unknown escape character" in str(exc.problem):
        return ("; in double quotes a backslash starts an escape: write Windows paths in single quotes "
                "('\\\\fs01\\share') or unquoted")
    return ""


def read_text(path: str | Path) -> str:
    """A file's text (UTF-8, a BOM allowed); what is wrong with it, in words, as an InputError."""
    name = str(path)
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError([Problem(name, None, "", "no such file or directory")]) from None
    except IsADirectoryError:
        raise InputError([Problem(name, None, "", "is a folder, not a file")]) from None
    except PermissionError:
        raise InputError([Problem(name, None, "", "cannot be read: permission denied")]) from None
    except OSError as exc:
        raise InputError([Problem(name, None, "", f"cannot be read: {exc.strerror or exc}")]) from None
    if len(data) > MAX_BYTES:
        raise InputError([Problem(name, None, "", f"larger than {MAX_BYTES // (1024 * 1024)} MB; "
                                  "split it into several files")])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError([Problem(name, line, "", "is not UTF-8 text (a binary file, or another encoding: "
                                  "save it as UTF-8)")]) from None


def load_yaml(path: str | Path) -> YamlDocument:
    """Read and parse a YAML file; an unreadable file is an input error too."""
    return parse_yaml(read_text(path), str(path))
