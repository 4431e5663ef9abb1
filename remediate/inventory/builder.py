"""The public builder of an Inventory: groups, children, hosts (ranges and ports) and variables,
each problem kept with its file and line."""

from __future__ import annotations

import re
import string

from remediate.core.errors import InputError, Problem
from remediate.inventory.model import Group, Host, Inventory, group_depth, hosts_below
from remediate.inventory.names import host_name_problem, shown

MAX_HOSTS_PER_PATTERN = 10_000   # far above a real farm; `web[0:99999999]` would fill the memory

Where = tuple[str, int | None]


class InventoryBuilder:
    """Builds an Inventory from what the format readers (ini, yamlfile) find, gathering every
    problem on the way; it knows no file format, so the readers depend on it and not the reverse."""

    def __init__(self, source: str):
        self.source = source
        self.problems: list[Problem] = []
        self.groups: dict[str, Group] = {"all": Group("all", children=["ungrouped"]),
                                         "ungrouped": Group("ungrouped", parents=["all"])}
        self.hosts: dict[str, Host] = {}

    def problem(self, where: Where, key: str, message: str) -> None:
        self.problems.append(Problem(where[0], where[1], key, message))

    def raise_problems(self) -> None:
        if self.problems:
            raise InputError(self.problems)

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
            problem = host_name_problem(host_name)
            if problem:
                self.problem(where, shown(pattern), f"host {shown(host_name)} {problem}")
                return
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
            group.depth = group_depth(group.name, self.groups, depths)
            inventory._members[group.name] = set(hosts_below(group.name, self.groups))
        return inventory


def expand_range(name: str) -> list[str]:
    """`web[01:03]` -> web01 web02 web03, as Ansible's `expand_hostname_range`.

    `[a:c]` letters, `[1:9:2]` a step, a leading zero pads to the begin's width (begin and
    end must then be equally wide), several ranges multiply left to right. Raises
    ValueError with the reason; unlike Ansible an empty range (begin > end) is refused, and so
    is a pattern of more than MAX_HOSTS_PER_PATTERN hosts (counted before any is made).
    """
    texts: list[str] = []                   # the text around the brackets
    values_of: list[_PaddedRange | str] = []  # each bracket's values
    count, rest = 1, name
    while True:
        head, bracket, rest = rest.partition("[")
        texts.append(head)
        if not bracket:
            break
        spec, closed, rest = rest.partition("]")
        if not closed:
            raise ValueError(f"'[' without ']' in {name!r}")
        values = _bracket_values(spec)
        count *= len(values)
        if count > MAX_HOSTS_PER_PATTERN:
            raise ValueError(f"{name!r} names more than {MAX_HOSTS_PER_PATTERN:,} hosts; "
                             "split it into smaller ranges or groups")
        values_of.append(values)
    names = [texts[0]]
    for values, text in zip(values_of, texts[1:], strict=True):
        names = [done + values[i] + text for done in names for i in range(len(values))]
    return names


def _bracket_values(spec: str) -> _PaddedRange | str:
    """One `[begin:end(:step)]`: a range of numbers (padded by _pad) or a string of letters."""
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
        values: _PaddedRange | str = letters[first:last + 1:step]
    elif begin.isdigit() and end.isdigit():
        width = len(begin) if begin.startswith("0") and len(begin) > 1 else 0
        if width and len(end) != width:
            raise ValueError(f"[{spec}]: a zero-padded begin and its end must have the same width")
        first, last = int(begin), int(end)
        values = _PaddedRange(first, last + 1, step, width)
    else:
        raise ValueError(f"[{spec}]: begin and end must both be numbers or both single letters")
    if first > last:
        raise ValueError(f"[{spec}]: begin is after end")
    return values


class _PaddedRange:
    """Numbers of a bracket, zero-padded to `width`, without making the list (its length is checked first)."""

    def __init__(self, start: int, stop: int, step: int, width: int):
        self.numbers, self.width = range(start, stop, step), width

    def __len__(self) -> int:
        return len(self.numbers)

    def __getitem__(self, i: int) -> str:
        return str(self.numbers[i]).zfill(self.width)


def _split_port(pattern: str) -> tuple[str, int | None]:
    """`host:2222` -> ('host', 2222); colons inside ranges or IPv6 addresses are not ports."""
    match = re.fullmatch(r"(.+):(\d+)", pattern)
    if match and ":" not in re.sub(r"\[[^\]]*\]", "", match.group(1)):
        return match.group(1), int(match.group(2))
    return pattern, None
