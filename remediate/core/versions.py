"""IIS and Windows versions, and the facts that hang on them."""

from __future__ import annotations

from functools import cache

IIS_VERSIONS = ("4.0", "5.0", "5.1", "6.0", "7.0", "7.5", "8.0", "8.5", "10.0")
WINDOWS_VERSIONS = ("nt4", "2000", "2003", "2008", "2008r2", "2012", "2012r2", "2016", "2019",
                    "2022", "2025")

# The Windows an IIS host may run for each IIS version (the first is the default, the oldest that
# ships it): IIS 5.1 is Windows XP's, 10.0 is Windows Server 2016 and later's.
IIS_HOST_WINDOWS: dict[str, tuple[str, ...]] = {
    "4.0": ("nt4",), "5.0": ("2000",), "5.1": ("xp",), "6.0": ("2003",), "7.0": ("2008",),
    "7.5": ("2008r2",), "8.0": ("2012",), "8.5": ("2012r2",), "10.0": ("2016", "2019", "2022", "2025")}
IIS_WINDOWS = {version: names[0] for version, names in IIS_HOST_WINDOWS.items()}
HOST_WINDOWS_VERSIONS = ("nt4", "2000", "xp", *WINDOWS_VERSIONS[2:])   # every Windows, oldest first


@cache
def iis_key(version: str) -> tuple[int, int]:
    major, minor = version.split(".")
    return int(major), int(minor)


def iis_at_least(version: str, oldest: str) -> bool:
    return iis_key(version) >= iis_key(oldest)


def iis_between(version: str, oldest: str, newest: str) -> bool:
    return iis_key(oldest) <= iis_key(version) <= iis_key(newest)


def windows_at_least(os: str, oldest: str) -> bool:
    return HOST_WINDOWS_VERSIONS.index(os) >= HOST_WINDOWS_VERSIONS.index(oldest)


def uses_metabase(version: str) -> bool:
    """IIS 4.0-6.0 keep their settings in the metabase; 7.0+ in applicationHost.config."""
    return not iis_at_least(version, "7.0")


def has_password_sync(version: str) -> bool:
    """Automatic password synchronisation: IIS 4.0-5.1 (no effect from 6.0, gone in 7.0)."""
    return iis_between(version, "4.0", "5.1")


def has_app_pools(version: str) -> bool:
    return iis_at_least(version, "6.0")
