"""An inventory as Ansible understands it: hosts, groups (with depth and priority), variables
merged in ansible-core's order, and host patterns."""

from __future__ import annotations

import copy
import difflib
import fnmatch
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from remediate.core.errors import InputError, Problem


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
    warnings: list[str] = field(default_factory=list)
    """What is legal but probably a mistake (an empty inventory); the command line prints them."""
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


def group_depth(name: str, groups: dict[str, Group], known: dict[str, int]) -> int:
    """Longest path from `all`, as Ansible's Group.depth (the graph is acyclic by construction)."""
    if name not in known:
        parents = groups[name].parents
        known[name] = 1 + max(group_depth(p, groups, known) for p in parents) if parents else 0
    return known[name]


def hosts_below(name: str, groups: dict[str, Group]) -> Iterator[str]:
    yield from groups[name].hosts
    for child in groups[name].children:
        yield from hosts_below(child, groups)


def _short(names: list[str], limit: int = 10) -> str:
    shown = ", ".join(names[:limit])
    return f"{shown} and {len(names) - limit} more" if len(names) > limit else shown or "(none)"
