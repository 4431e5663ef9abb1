"""Which host names are names of hosts: a host's name becomes a folder of the bundle
(`hosts/<host>/`) and a file name under host_vars/, so only names that are valid Windows/DNS
host names (or IP addresses) are taken; anything else (`../x`, `/`, a 100,000-character
string) is bad input naming the host, never a path."""

from __future__ import annotations

import ipaddress
import re

# RFC 1123 labels (letters, digits, hyphens; 1-63 characters, no hyphen at either end) joined by
# dots, 253 characters in all. Underscores are accepted too: Ansible inventory names are often
# aliases (`web_01` with ansible_host), and Windows itself allows them in computer names.
_LABEL = r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?"
_HOST_NAME = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")
MAX_LENGTH = 253
# Names Windows reserves for devices in every folder ("Naming Files, Paths, and Namespaces").
_DEVICE_NAMES = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}


def shown(name: str, limit: int = 60) -> str:
    """A name for a message: quoted, cut to `limit` characters."""
    return repr(name if len(name) <= limit else name[:limit] + "...")


def host_name_problem(name: str) -> str | None:
    """Why `name` is not a host name an inventory may hold; None when it is one."""
    if len(name) > MAX_LENGTH:
        return f"is {len(name):,} characters long; a host name has at most {MAX_LENGTH}"
    if _HOST_NAME.fullmatch(name):
        return None
    try:
        ipaddress.ip_address(name)
        return None
    except ValueError:
        pass
    return ("is not a valid host name: use letters, digits, hyphens and underscores in dot-separated labels "
            "of at most 63 characters (or an IP address), and put the real address in ansible_host")


def folder_name_problem(name: str) -> str | None:
    """Why a host's name cannot be its bundle folder, on Windows too; None when it can."""
    problem = host_name_problem(name)
    if problem:
        return problem
    if not _HOST_NAME.fullmatch(name):
        return ("is an IP address, which cannot name a folder on Windows: give the host a name in the "
                "inventory and its address in ansible_host")
    if name.split(".")[0].lower() in _DEVICE_NAMES:
        return ("is a name Windows reserves for a device and cannot name a folder: give the host another "
                "name in the inventory and its address in ansible_host")
    return None
