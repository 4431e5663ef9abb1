"""What `remediate inventory --graph | --list | --host` shows, shaped as `ansible-inventory` does.

Output is for people and logs, so every secret-looking value is masked: a user can paste
it into a ticket. Functions are pure; the CLI prints what they return.
"""

from __future__ import annotations

from collections.abc import Mapping

from remediate.core.yamlsource import VaultText
from remediate.inventory import Inventory

MASK = "********"
_SECRET_KEYS = {"ansible_password", "ansible_become_password", "ansible_become_pass",
                "ansible_ssh_pass", "ansible_winrm_cert_key_pem"}
_SECRET_PARTS = ("password", "passwd", "secret", "token")


def is_secret_key(key: object) -> bool:
    name = str(key).lower()
    return name in _SECRET_KEYS or name.endswith("_pass") or any(p in name for p in _SECRET_PARTS)


def mask(variables: Mapping) -> dict:
    """A copy with secret-named keys and every vaulted value replaced by MASK, nested ones too."""
    return {key: _masked(value, is_secret_key(key)) for key, value in variables.items()}


def _masked(value: object, secret: bool = False) -> object:
    if secret or isinstance(value, VaultText):
        return MASK
    if isinstance(value, Mapping):
        return mask(value)
    if isinstance(value, list):
        return [_masked(item) for item in value]
    return value


def graph(inv: Inventory) -> str:
    """`ansible-inventory --graph`: `@group:` lines, children before hosts, in inventory order."""
    lines: list[str] = []

    def walk(name: str, depth: int) -> None:
        lines.append(_graph_line(f"@{name}:", depth))
        group = inv.groups[name]
        for child in group.children:
            walk(child, depth + 1)
        if name != "all":
            lines.extend(_graph_line(member, depth + 1) for member in group.hosts)

    walk("all", 0)
    return "\n".join(lines)


def _graph_line(text: str, depth: int) -> str:
    return "  |" * depth + "--" + text if depth else text


def to_list(inv: Inventory) -> dict:
    """`ansible-inventory --list`: groups with hosts/children (empty ones left out), merged hostvars."""
    result: dict = {}
    seen: set[str] = set()

    def add(name: str) -> None:
        seen.add(name)
        group = inv.groups[name]
        entry = {}
        if name != "all" and group.hosts:
            entry["hosts"] = list(group.hosts)
        if group.children:
            entry["children"] = list(group.children)
        if entry:
            result[name] = entry
        for child in group.children:
            if child not in seen:
                add(child)

    add("all")
    hostvars = {name: host(inv, name) for name in inv.hosts}
    result["_meta"] = {"hostvars": {name: values for name, values in hostvars.items() if values}}
    return result


def host(inv: Inventory, name: str) -> dict:
    """`ansible-inventory --host NAME`: the host's merged variables, masked."""
    return mask(inv.host_vars(name))
