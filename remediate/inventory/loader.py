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

from collections.abc import Callable, Iterator
from pathlib import Path

from remediate.core.errors import InputError
from remediate.core.yamlsource import YamlDocument, parse_yaml, read_text
from remediate.inventory.builder import InventoryBuilder
from remediate.inventory.ini import parse_ini
from remediate.inventory.model import Inventory
from remediate.inventory.names import shown
from remediate.inventory.yamlfile import kind_of, parse_yaml_inventory

Decrypt = Callable[[str, str], str]
"""(vaulted text, file name) -> plain text; supplied by the secrets code."""

VARS_EXTENSIONS = ("", ".yml", ".yaml", ".json")
YAML_EXTENSIONS = (".yml", ".yaml", ".json")
# Ansible's IGNORED_ALWAYS names and default INVENTORY_IGNORE_EXTS for inventory directories.
_SKIPPED_NAMES = {"group_vars", "host_vars", "vars_plugins"}
_SKIPPED_ENDINGS = (".pyc", ".pyo", ".swp", ".bak", "~", ".rpm", ".md", ".txt", ".rst",
                    ".orig", ".cfg", ".retry")
_VAULT_HEADER = "$ANSIBLE_VAULT;"


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
    if not inventory.hosts:
        inventory.warnings.append(f"{path}: the inventory holds no hosts (an empty file?), so no policy's host "
                                  "can be found in it")
    return inventory


class _Loader(InventoryBuilder):
    """The builder plus what reading files needs: decryption, format detection, vars folders."""

    def __init__(self, source: str, decrypt: Decrypt | None):
        super().__init__(source)
        self.decrypt = decrypt

    def read(self, path: Path) -> str | None:
        """A file's text, decrypted when vaulted; None (and a problem) when it cannot be had."""
        name = str(path)
        try:
            text = read_text(path)
        except InputError as exc:
            self.problems.extend(exc.problems)
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
                parse_yaml_inventory(doc, self)
            return
        try:
            doc = parse_yaml(text, file)
        except InputError:
            doc = None
        if doc is not None and isinstance(doc.data, dict):
            parse_yaml_inventory(doc, self)
        else:
            parse_ini(text, file, self)

    def load_vars_dirs(self, inventory: Inventory, base: Path) -> None:
        """group_vars/<group> and host_vars/<host> next to the inventory, for known names only."""
        for group in inventory.groups.values():
            if not _one_file_name(group.name):
                self.problem((self.source, None), group.name, f"group {shown(group.name)} cannot name a file under "
                                                              "group_vars/: use letters, digits and underscores")
                continue
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
                             f"not {kind_of(doc.data)}")
        return merged


def _one_file_name(name: str) -> bool:
    """A group's name is looked up as a file: it must be one plain name, never a path."""
    return bool(name) and len(name) <= 200 and name not in (".", "..") and not any(c in name for c in "/\\\0")


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
