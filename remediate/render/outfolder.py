"""The folder `-o DIR` names: written only when it is new, empty, or holds exactly a bundle this
program wrote there, as its manifest records it (every file and its SHA-256). Anything else in it
(a user's file, a Terraform plan.json, a script edited by hand) is refused before anything is
touched, so a re-render never deletes what it did not write. render and apply both write here.

The new files are written first to a staging folder inside DIR; only when all are written are the
previous bundle's files removed and the new ones moved in, the manifest last: a failure while
writing leaves the previous bundle as it was, and a crash between the two steps leaves a folder
without a manifest, which is refused (never guessed at) the next time.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path, PurePosixPath
from typing import NoReturn

from remediate.core.errors import InputError, Problem

MANIFEST = "remediate-manifest.json"
_STAGING = ".remediate-staging-"
_SHOWN = 5      # foreign entries named in the refusal


def manifest(files: dict[str, bytes]) -> bytes:
    """The manifest of `files` (relative POSIX paths): sorted, no timestamps, so it diffs cleanly."""
    digests = {path: hashlib.sha256(content).hexdigest() for path, content in sorted(files.items())}
    return (json.dumps({"version": 1, "files": digests}, indent=2) + "\n").encode()


def write_folder(files: dict[str, bytes], out_dir: Path) -> None:
    """Put `files` (relative path -> bytes) in `out_dir`, replacing only a previous bundle."""
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        _refuse(out_dir, "exists and is not a folder")
    for relative in files:
        if relative == MANIFEST or not _inside(relative):
            raise ValueError(f"not a bundle file name: {relative!r}")   # a bug, never the user's input
    previous = _previous_bundle(out_dir) if out_dir.exists() else []
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=_STAGING, dir=out_dir))
    except OSError as exc:
        _refuse(out_dir, f"cannot be written: {exc.strerror or exc}")
    try:
        for relative, content in files.items():
            path = staging / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        (staging / MANIFEST).write_bytes(manifest(files))
        _remove(out_dir, [MANIFEST, *previous])
        for entry in sorted(staging.iterdir(), key=lambda p: p.name == MANIFEST):   # the manifest last
            entry.rename(out_dir / entry.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _inside(relative: str) -> bool:
    path = PurePosixPath(relative)
    return not path.is_absolute() and ".." not in path.parts and "\\" not in relative and bool(path.parts)


def _previous_bundle(out_dir: Path) -> list[str]:
    """The files of the bundle `out_dir` holds ([] when it is empty); refused when it holds anything else."""
    found, foreign = _contents(out_dir)
    if not found and not foreign:
        return []
    listed = _listed(out_dir) if MANIFEST in found else None
    if listed is None:
        _refuse(out_dir, "is not empty and is not a remediate bundle (no " + MANIFEST + "): give an empty or "
                "new folder, or the folder of a previous bundle")
    foreign += sorted(set(found) - set(listed) - {MANIFEST})
    foreign += [f"{path} (missing)" for path in sorted(set(listed) - set(found))]
    foreign += [f"{path} (changed since it was written)" for path, digest in sorted(listed.items())
                if path in found and _digest(out_dir / path) != digest]
    if foreign:
        shown = ", ".join(foreign[:_SHOWN]) + (f" and {len(foreign) - _SHOWN} more" if len(foreign) > _SHOWN else "")
        _refuse(out_dir, f"holds a previous bundle plus other things, which would be lost: {shown}; move them "
                         "away, or give another folder")
    return sorted(listed)


def _contents(out_dir: Path) -> tuple[list[str], list[str]]:
    """Regular files by relative path, and anything that is not one (links, sockets, ...)."""
    files: list[str] = []
    foreign: list[str] = []
    for root, dirs, names in os.walk(out_dir):
        base = Path(root).relative_to(out_dir)
        for name in list(dirs):
            if (Path(root) / name).is_symlink():
                foreign.append((base / name).as_posix() + " (a link)")
                dirs.remove(name)
        for name in names:
            path = Path(root) / name
            relative = (base / name).as_posix()
            (files if path.is_file() and not path.is_symlink() else foreign).append(relative)
    return files, foreign


def _listed(out_dir: Path) -> dict[str, str] | None:
    """The manifest's files and digests, or None when it is not a manifest this program wrote."""
    try:
        data = json.loads((out_dir / MANIFEST).read_bytes())
        files = data["files"]
        if data.get("version") == 1 and isinstance(files, dict) and all(
                isinstance(k, str) and _inside(k) and isinstance(v, str) for k, v in files.items()):
            return files
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass
    return None


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _remove(out_dir: Path, relatives: list[str]) -> None:
    """Remove the previous bundle's files, then the folders they leave empty (deepest first)."""
    folders: set[Path] = set()
    for relative in relatives:
        path = out_dir / relative
        path.unlink(missing_ok=True)
        folders.update(p for p in path.parents if out_dir in p.parents)
    for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()


def _refuse(out_dir: Path, why: str) -> NoReturn:
    raise InputError([Problem(str(out_dir), None, "", why + " (nothing was written)")])
