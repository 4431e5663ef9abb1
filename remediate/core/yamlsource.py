"""YAML reading that keeps the line of every key, for messages that point into the file.

PyYAML composes a node tree that carries marks; the data is constructed from the same
tree, so lines and values cannot disagree. Duplicate keys are refused: YAML leaves them
undefined and PyYAML silently keeps the last, which would hide a typo in a policy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from remediate.core.errors import InputError, Problem

PathKey = tuple[str | int, ...]


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


def parse_yaml(text: str, file: str) -> YamlDocument:
    """Parse one YAML document; syntax errors and duplicate keys become InputError."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return YamlDocument(file, None, {})
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise InputError([Problem(file, line, "", f"not valid YAML: {exc.problem or exc}")]) from None
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


def load_yaml(path: str | Path) -> YamlDocument:
    """Read and parse a YAML file; an unreadable file is an input error too."""
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError([Problem(name, None, "", "no such file")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError([Problem(name, None, "", f"cannot be read: {exc}")]) from None
    return parse_yaml(text, name)
