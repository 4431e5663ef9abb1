"""Ansible's YAML inventory format: groups with hosts, vars and children."""

from __future__ import annotations

from remediate.core.yamlsource import YamlDocument, dotted
from remediate.inventory.builder import InventoryBuilder, Where


def parse_yaml_inventory(doc: YamlDocument, loader: InventoryBuilder) -> None:
    """Ansible's YAML inventory: top keys are groups, each with hosts, children and vars."""
    where: Where = (doc.file, doc.line_of(()))
    if doc.data is None:
        return
    if not isinstance(doc.data, dict):
        loader.problem(where, "", "a YAML inventory must be a mapping of group names "
                                  f"(usually just `all:`), not {kind_of(doc.data)}")
        return
    if "plugin" in doc.data:
        loader.problem(where, "plugin", "this is an inventory plugin configuration, which is not "
                                        "supported; give a static YAML or INI inventory")
        return
    for name, data in doc.data.items():
        _parse_yaml_group(doc, loader, str(name), data, (name,))


def _parse_yaml_group(doc: YamlDocument, loader: InventoryBuilder, name: str, data: object,
                      path: tuple) -> None:
    loader.group(name)
    if data is None:
        return
    if not isinstance(data, dict):
        loader.problem((doc.file, doc.line_of(path)), dotted(path),
                       f"group {name!r} must be a mapping with hosts, children and vars "
                       f"(or empty), not {kind_of(data)}")
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
            loader.problem(where, dotted(at), f"{key} of group {name!r} must be a mapping, not {kind_of(value)}")
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
                               f"host {item!r} must map to its variables (or nothing), not {kind_of(item_data)}")


def kind_of(value: object) -> str:
    return {dict: "a mapping", list: "a list", str: "text", int: "a number", float: "a number",
            bool: "true/false"}.get(type(value), type(value).__name__)
