"""Ansible-compatible inventories: YAML and INI files, directories of them, group_vars/ and host_vars/.

A team's existing Ansible inventory is read unchanged, so hosts, groups and variables
mean here what they mean to `ansible-inventory`. This module reads structure and
variables only; connection settings and secrets are interpreted elsewhere.

Variable precedence (ansible-core's documented order, "How variables are merged" in the
inventory guide and "Understanding variable precedence" in the playbook guide, as coded in
`VariableManager.get_vars` with the default `VARIABLE_PRECEDENCE` and
`inventory.helpers.sort_groups`). From lowest to highest, later wins key by key:

1. the inventory file's vars of `all`;
2. the inventory file's vars of the host's other groups, in group order;
3. `group_vars/all`;
4. `group_vars/<group>` of the host's other groups, in group order;
5. the inventory file's host vars (`host:port` sets `ansible_port` first);
6. `host_vars/<host>`.

Group order sorts by depth (longest path from `all`; a child is deeper than its
parents, so child beats parent), then `ansible_group_priority` (default 1, higher wins),
then name (plain string order, later wins). As in Ansible, `ansible_group_priority` is
taken only from the inventory file, where it is consumed and not kept as a variable; in a
group_vars/ file it is an ordinary variable. Note that, as documented, any group_vars/
file, even `group_vars/all`, beats every inventory-file group var.

Where Ansible only warns and skips (a group that is not a mapping, an unknown key in a
YAML group), this reader refuses with an InputError: a skipped group silently drops hosts.
"""

from __future__ import annotations

import copy
import difflib
import fnmatch
import re
import string
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .errors import InputError, Problem
from .inventory_ini import parse_ini
from .yamlsource import YamlDocument, dotted, parse_yaml

Decrypt = Callable[[str, str], str]
"""(vaulted text, file name) -> plain text; supplied by the secrets code."""

Where = tuple[str, int | None]

VARS_EXTENSIONS = ("", ".yml", ".yaml", ".json")
YAML_EXTENSIONS = (".yml", ".yaml", ".json")
# Ansible's IGNORED_ALWAYS names and default INVENTORY_IGNORE_EXTS for inventory directories.
_SKIPPED_NAMES = {"group_vars", "host_vars", "vars_plugins"}
_SKIPPED_ENDINGS = (".pyc", ".pyo", ".swp", ".bak", "~", ".rpm", ".md", ".txt", ".rst",
                    ".orig", ".cfg", ".retry")
_VAULT_HEADER = "$ANSIBLE_VAULT;"


@dataclass
class Group:
    """A group as written: direct hosts and child groups in file order."""

    name: str
    hosts: list[str] = field(default_factory=list)
    children: list[str] = field(default_factory=list)
    parents: list[str] = field(default_factory=list)
    vars: dict = field(default_factory=dict)
    """From the inventory file(s)."""
    file_vars: dict = field(default_factory=dict)
    """From group_vars/<name>."""
    priority: int = 1
    depth: int = 0


@dataclass
class Host:
    name: str
    vars: dict = field(default_factory=dict)
    """From the inventory file(s)."""
    file_vars: dict = field(default_factory=dict)
    """From host_vars/<name>."""


@dataclass
class Inventory:
    source: str
    groups: dict[str, Group]
    host_data: dict[str, Host]
    _members: dict[str, set[str]] = field(default_factory=dict, repr=False)

    @property
    def hosts(self) -> list[str]:
        """Host names in the order they first appear."""
        return list(self.host_data)

    def is_group(self, name: str) -> bool:
        return name in self.groups

    def groups_of(self, host: str) -> list[str]:
        """Every group holding `host`, directly or through a child group (`all` included)."""
        self._require_host(host)
        return [g for g in self.groups if host in self._members[g]]

    def host_vars(self, name: str) -> dict:
        """The host's variables merged with the precedence in the module docstring (a copy)."""
        host = self._require_host(name)
        everyone = self.groups["all"]
        groups = sorted((self.groups[g] for g in self.groups_of(name) if g != "all"),
                        key=lambda g: (g.depth, g.priority, g.name))
        layers = [everyone.vars, *(g.vars for g in groups),
                  everyone.file_vars, *(g.file_vars for g in groups),
                  host.vars, host.file_vars]
        merged: dict = {}
        for layer in layers:
            merged.update(layer)
        return copy.deepcopy(merged)

    def expand(self, name: str) -> list[str]:
        """A host name -> [it]; a group name -> its hosts and its children's, in inventory order."""
        if name in self.host_data:
            return [name]
        if name in self.groups:
            return [h for h in self.host_data if h in self._members[name]]
        raise self.unknown(name)

    def match(self, pattern: str) -> list[str]:
        """Hosts selected by an Ansible host pattern, in inventory order.

        Terms split on `,` (or `:` outside brackets); each is a host or group name, a
        shell glob, or `~regex`. Plain terms are unioned, then `&term` intersects and
        `!term` removes, whatever their order, as Ansible's `order_patterns` does; only
        exclusions or intersections start from `all`. Unlike Ansible, which warns and
        ignores, a term without wildcards that names nothing is an InputError, so a typo
        cannot widen or narrow a run unnoticed. Subscripts (`web[0]`) are not supported.
        """
        terms = _split_pattern(pattern, self.host_data)
        if not terms:
            raise InputError([Problem(self.source, None, "", "the host pattern is empty")])
        plain = [t for t in terms if t[0] not in "!&"] or ["all"]
        selected: set[str] = set().union(*(self._match_term(t) for t in plain))
        for term in terms:
            if term[0] == "&":
                selected &= self._match_term(term[1:])
        for term in terms:
            if term[0] == "!":
                selected -= self._match_term(term[1:])
        return [h for h in self.host_data if h in selected]

    def _match_term(self, term: str) -> set[str]:
        """One term as Ansible's `_enumerate_matches`: matching groups, and hosts when globbing."""
        if term in self.host_data:
            return {term}
        try:
            regex = re.compile(term[1:] if term.startswith("~") else fnmatch.translate(term))
        except re.error as exc:
            raise InputError([Problem(self.source, None, term, f"not a valid pattern: {exc}")]) from None
        groups = [g for g in self.groups if regex.match(g)]
        found = set().union(*(self._members[g] for g in groups))
        wildcard = term.startswith("~") or any(c in term for c in ".?*[")
        if wildcard or not groups:
            found |= {h for h in self.host_data if regex.match(h)}
        if not groups and not found and not wildcard:
            raise self.unknown(term)
        return found

    def unknown(self, name: str) -> InputError:
        """The error for a name that is neither a host nor a group, listing what exists."""
        close = difflib.get_close_matches(name, [*self.groups, *self.host_data], n=3)
        hint = f"did you mean {', '.join(close)}? " if close else ""
        return InputError([Problem(
            self.source, None, name,
            f"no host or group of that name (names are case-sensitive); {hint}"
            f"groups: {_short(list(self.groups))}; hosts: {_short(self.hosts)}")])

    def _require_host(self, name: str) -> Host:
        if name not in self.host_data:
            raise self.unknown(name)
        return self.host_data[name]


def load_inventory(path: str | Path, decrypt: Decrypt | None = None) -> Inventory:
    """Read an inventory file or directory with its group_vars/ and host_vars/.

    `decrypt` turns a whole-file ansible-vault text into plain text; without it an
    encrypted file is an input error, as it is for `ansible-inventory` without a vault
    password. All problems found are raised together as one InputError.
    """
    root = Path(path)
    loader = _Loader(str(path), decrypt)
    if root.is_dir():
        for file in inventory_files(root):
            loader.parse_file(file)
        vars_dir = root
    else:
        loader.parse_file(root)
        vars_dir = root.parent
    loader.raise_problems()
    inventory = loader.finish()
    loader.load_vars_dirs(inventory, vars_dir)
    loader.raise_problems()
    return inventory


def expand_range(name: str) -> list[str]:
    """`web[01:03]` -> web01 web02 web03, as Ansible's `expand_hostname_range`.

    `[a:c]` letters, `[1:9:2]` a step, a leading zero pads to the begin's width (begin and
    end must then be equally wide), several ranges multiply left to right. Raises
    ValueError with the reason; unlike Ansible an empty range (begin > end) is refused.
    """
    head, bracket, rest = name.partition("[")
    if not bracket:
        return [name]
    spec, closed, tail = rest.partition("]")
    if not closed:
        raise ValueError(f"'[' without ']' in {name!r}")
    bounds = spec.split(":")
    if len(bounds) not in (2, 3):
        raise ValueError(f"[{spec}] must be [begin:end] or [begin:end:step]")
    begin, end = bounds[0] or "0", bounds[1]
    step_text = bounds[2] if len(bounds) == 3 else "1"
    if not end:
        raise ValueError(f"[{spec}] has no end")
    if not step_text.isdigit() or int(step_text) == 0:
        raise ValueError(f"[{spec}] needs a whole step of 1 or more")
    step = int(step_text)
    letters = string.ascii_letters
    if len(begin) == len(end) == 1 and begin in letters and end in letters:
        first, last = letters.index(begin), letters.index(end)
        values = list(letters[first:last + 1:step])
    elif begin.isdigit() and end.isdigit():
        width = len(begin) if begin.startswith("0") and len(begin) > 1 else 0
        if width and len(end) != width:
            raise ValueError(f"[{spec}]: a zero-padded begin and its end must have the same width")
        first, last = int(begin), int(end)
        values = [str(i).zfill(width) for i in range(first, last + 1, step)]
    else:
        raise ValueError(f"[{spec}]: begin and end must both be numbers or both single letters")
    if first > last:
        raise ValueError(f"[{spec}]: begin is after end")
    return [expanded for value in values for expanded in expand_range(head + value + tail)]


class _Loader:
    """Builds an Inventory from parsed sources, gathering every problem on the way."""

    def __init__(self, source: str, decrypt: Decrypt | None):
        self.source = source
        self.decrypt = decrypt
        self.problems: list[Problem] = []
        self.groups: dict[str, Group] = {"all": Group("all", children=["ungrouped"]),
                                         "ungrouped": Group("ungrouped", parents=["all"])}
        self.hosts: dict[str, Host] = {}

    def problem(self, where: Where, key: str, message: str) -> None:
        self.problems.append(Problem(where[0], where[1], key, message))

    def raise_problems(self) -> None:
        if self.problems:
            raise InputError(self.problems)

    def read(self, path: Path) -> str | None:
        """A file's text, decrypted when vaulted; None (and a problem) when it cannot be had."""
        name = str(path)
        try:
            text = path.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            self.problem((name, None), "", "no such file or directory")
            return None
        except (OSError, UnicodeDecodeError) as exc:
            self.problem((name, None), "", f"cannot be read: {exc}")
            return None
        if not text.startswith(_VAULT_HEADER):
            return text
        if self.decrypt is None:
            self.problem((name, 1), "", "this file is encrypted with ansible-vault and no vault password was given")
            return None
        return self.decrypt(text, name)

    def yaml(self, text: str, file: str) -> YamlDocument | None:
        try:
            return parse_yaml(text, file)
        except InputError as exc:
            self.problems.extend(exc.problems)
            return None

    def parse_file(self, path: Path) -> None:
        """YAML by extension, or by content that is a YAML mapping; INI otherwise (as Ansible tries)."""
        text = self.read(path)
        if text is None:
            return
        file = str(path)
        if path.suffix in YAML_EXTENSIONS:
            doc = self.yaml(text, file)
            if doc is not None:
                _parse_yaml_inventory(doc, self)
            return
        try:
            doc = parse_yaml(text, file)
        except InputError:
            doc = None
        if doc is not None and isinstance(doc.data, dict):
            _parse_yaml_inventory(doc, self)
        else:
            parse_ini(text, file, self)

    def group(self, name: str) -> Group:
        if name not in self.groups:
            self.groups[name] = Group(name)
        return self.groups[name]

    def add_child(self, parent: str, child: str, where: Where) -> None:
        """Make `child` a subgroup of `parent`, refusing an edge that would close a cycle."""
        if child == "all":
            self.problem(where, child, f"'all' holds every group and cannot be a child of {parent!r}")
            return
        if child == parent or child in self._ancestors(parent):
            self.problem(where, child, f"making {child!r} a child of {parent!r} makes {child!r} "
                                       "its own ancestor; group nesting must not loop")
            return
        kid, group = self.group(child), self.group(parent)
        if child not in group.children:
            group.children.append(child)
            kid.parents.append(parent)

    def _ancestors(self, name: str) -> set[str]:
        found: set[str] = set()
        todo = list(self.groups[name].parents) if name in self.groups else []
        while todo:
            parent = todo.pop()
            if parent not in found:
                found.add(parent)
                todo.extend(self.groups[parent].parents)
        return found

    def add_hosts(self, pattern: str, group: str, variables: dict, where: Where) -> None:
        """Add the hosts of `pattern` (ranges, `:port`) to `group` with inline vars."""
        name, port = _split_port(pattern)
        try:
            names = expand_range(name)
        except ValueError as exc:
            self.problem(where, pattern, f"bad host range: {exc}")
            return
        members = self.group(group).hosts
        for host_name in names:
            host = self.hosts.setdefault(host_name, Host(host_name))
            if port is not None:
                host.vars["ansible_port"] = port
            host.vars.update(variables)
            if host_name not in members:
                members.append(host_name)

    def set_group_var(self, group: str, key: str, value: object, where: Where) -> None:
        """As Ansible's Group.set_variable: `ansible_group_priority` sets the merge priority."""
        target = self.group(group)
        if key != "ansible_group_priority":
            target.vars[key] = value
            return
        try:
            target.priority = int(value)  # type: ignore[call-overload]
        except (TypeError, ValueError):
            self.problem(where, key, f"must be a whole number, not {value!r}")

    def finish(self) -> Inventory:
        """Attach top groups to `all`, fill `all` and `ungrouped`, compute depths and members."""
        everyone, ungrouped = self.groups["all"], self.groups["ungrouped"]
        for group in self.groups.values():
            if group.name != "all" and not group.parents:
                everyone.children.append(group.name)
                group.parents.append("all")
        everyone.hosts = list(self.hosts)
        grouped = {h for g in self.groups.values() if g.name not in ("all", "ungrouped") for h in g.hosts}
        ungrouped.hosts = [h for h in self.hosts if h not in grouped]
        inventory = Inventory(self.source, self.groups, self.hosts)
        depths: dict[str, int] = {}
        for group in self.groups.values():
            group.depth = _depth(group.name, self.groups, depths)
            inventory._members[group.name] = set(_all_hosts(group.name, self.groups))
        return inventory

    def load_vars_dirs(self, inventory: Inventory, base: Path) -> None:
        """group_vars/<group> and host_vars/<host> next to the inventory, for known names only."""
        for group in inventory.groups.values():
            group.file_vars = self._vars_for(base / "group_vars", group.name)
        for host in inventory.host_data.values():
            host.file_vars = self._vars_for(base / "host_vars", host.name)

    def _vars_for(self, folder: Path, name: str) -> dict:
        merged: dict = {}
        for path in vars_files(folder, name):
            text = self.read(path)
            doc = self.yaml(text, str(path)) if text is not None else None
            if doc is None or doc.data is None:
                continue
            if isinstance(doc.data, dict):
                merged.update({str(k): v for k, v in doc.data.items()})
            else:
                self.problem((str(path), doc.line_of(())), "",
                             f"a vars file must be a mapping of variable names to values, "
                             f"not {_kind(doc.data)}")
        return merged


def _parse_yaml_inventory(doc: YamlDocument, loader: _Loader) -> None:
    """Ansible's YAML inventory: top keys are groups, each with hosts, children and vars."""
    where: Where = (doc.file, doc.line_of(()))
    if doc.data is None:
        return
    if not isinstance(doc.data, dict):
        loader.problem(where, "", "a YAML inventory must be a mapping of group names "
                                  f"(usually just `all:`), not {_kind(doc.data)}")
        return
    if "plugin" in doc.data:
        loader.problem(where, "plugin", "this is an inventory plugin configuration, which is not "
                                        "supported; give a static YAML or INI inventory")
        return
    for name, data in doc.data.items():
        _parse_yaml_group(doc, loader, str(name), data, (name,))


def _parse_yaml_group(doc: YamlDocument, loader: _Loader, name: str, data: object,
                      path: tuple) -> None:
    loader.group(name)
    if data is None:
        return
    if not isinstance(data, dict):
        loader.problem((doc.file, doc.line_of(path)), dotted(path),
                       f"group {name!r} must be a mapping with hosts, children and vars "
                       f"(or empty), not {_kind(data)}")
        return
    for key, value in data.items():
        at = path + (key,)
        where: Where = (doc.file, doc.line_of(at))
        if key not in ("hosts", "children", "vars"):
            loader.problem(where, dotted(at), f"unknown key in group {name!r}; "
                                               "a group holds only hosts, children and vars")
            continue
        if isinstance(value, str) and key != "vars":
            value = {value: None}  # Ansible accepts one bare name
        if value is None:
            continue
        if not isinstance(value, dict):
            loader.problem(where, dotted(at), f"{key} of group {name!r} must be a mapping, not {_kind(value)}")
            continue
        for item, item_data in value.items():
            item_path = at + (item,)
            item_where: Where = (doc.file, doc.line_of(item_path))
            if key == "vars":
                loader.set_group_var(name, str(item), item_data, item_where)
            elif key == "children":
                _parse_yaml_group(doc, loader, str(item), item_data, item_path)
                loader.add_child(name, str(item), item_where)
            elif item_data is None or isinstance(item_data, dict):
                loader.add_hosts(str(item), name, {str(k): v for k, v in (item_data or {}).items()},
                                 item_where)
            else:
                loader.problem(item_where, dotted(item_path),
                               f"host {item!r} must map to its variables (or nothing), not {_kind(item_data)}")


def inventory_files(folder: Path) -> Iterator[Path]:
    """Files of an inventory directory in sorted order, skipping what Ansible skips."""
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        name = entry.name
        if name.startswith(".") or name in _SKIPPED_NAMES or name.endswith(_SKIPPED_ENDINGS):
            continue
        if entry.is_dir():
            yield from inventory_files(entry)
        else:
            yield entry


def vars_files(folder: Path, name: str) -> list[Path]:
    """As Ansible's `find_vars_files`: the first of NAME, NAME.yml, .yaml, .json; a folder's files sorted."""
    for ext in VARS_EXTENSIONS:
        candidate = folder / (name + ext)
        if candidate.is_dir():
            return _folder_vars_files(candidate)
        if candidate.exists():
            return [candidate]
    return []


def _folder_vars_files(folder: Path) -> list[Path]:
    found: list[Path] = []
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if entry.name.startswith(".") or entry.name.endswith("~"):
            continue
        if entry.is_dir() and not entry.suffix:
            found.extend(_folder_vars_files(entry))
        elif entry.is_file() and entry.suffix in VARS_EXTENSIONS:
            found.append(entry)
    return found


def _split_port(pattern: str) -> tuple[str, int | None]:
    """`host:2222` -> ('host', 2222); colons inside ranges or IPv6 addresses are not ports."""
    match = re.fullmatch(r"(.+):(\d+)", pattern)
    if match and ":" not in re.sub(r"\[[^\]]*\]", "", match.group(1)):
        return match.group(1), int(match.group(2))
    return pattern, None


def _split_pattern(pattern: str, hosts: dict[str, Host]) -> list[str]:
    """As Ansible's `split_host_pattern`: commas, else colons outside brackets."""
    pattern = pattern.strip()
    if pattern in hosts:
        return [pattern]
    if "," in pattern:
        parts = pattern.split(",")
    else:
        parts = re.findall(r"(?:[^\s:\[\]]|\[[^\]]*\])+", pattern)
    return [p.strip() for p in parts if p.strip()]


def _depth(name: str, groups: dict[str, Group], known: dict[str, int]) -> int:
    """Longest path from `all`, as Ansible's Group.depth (the graph is acyclic by construction)."""
    if name not in known:
        parents = groups[name].parents
        known[name] = 1 + max(_depth(p, groups, known) for p in parents) if parents else 0
    return known[name]


def _all_hosts(name: str, groups: dict[str, Group]) -> Iterator[str]:
    yield from groups[name].hosts
    for child in groups[name].children:
        yield from _all_hosts(child, groups)


def _kind(value: object) -> str:
    return {dict: "a mapping", list: "a list", str: "text", int: "a number", float: "a number",
            bool: "true/false"}.get(type(value), type(value).__name__)


def _short(names: list[str], limit: int = 10) -> str:
    shown = ", ".join(names[:limit])
    return f"{shown} and {len(names) - limit} more" if len(names) > limit else shown or "(none)"
