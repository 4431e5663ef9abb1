"""Ansible inventories (INI, YAML, folders, group_vars/host_vars, vault): which hosts exist and
which groups they belong to. model (Inventory), builder (the public InventoryBuilder the format
readers fill), ini and yamlfile (the formats), loader (files, folders, vault), view, vault.

May import: remediate.core only.
"""

from remediate.inventory.builder import expand_range
from remediate.inventory.loader import inventory_files, load_inventory, vars_files
from remediate.inventory.model import Inventory

__all__ = ["Inventory", "expand_range", "inventory_files", "load_inventory", "vars_files"]
