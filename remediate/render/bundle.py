"""The bundle (docs/bundle.md): everything is rendered in memory first, so a bad value stops the
run before any file is written; outfolder.py puts it on disk."""

from __future__ import annotations

import json
from pathlib import Path

from remediate.operations import AppendRegistryValue, SetRegistryValue
from remediate.planner import Plan
from remediate.render.outfolder import write_folder
from remediate.render.refusals import check_scripts
from remediate.render.tasks import HostScript, Task, host_scripts
from remediate.render.templating import render
from remediate.report import markdown_views, plans_document

EXTENSIONS = {"powershell": "ps1", "vbscript": "vbs"}


def _crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


def encode(text: str, language: str) -> bytes:
    """PowerShell 5.1 reads UTF-8 only with a BOM; cscript and regedit want UTF-16LE with a BOM."""
    if language == "powershell":
        return b"\xef\xbb\xbf" + _crlf(text).encode("utf-8")
    if language in ("vbscript", "reg"):
        return b"\xff\xfe" + _crlf(text).encode("utf-16-le")
    return text.encode("utf-8")


def reg_files(script: HostScript) -> dict[str, tuple[Task, SetRegistryValue | AppendRegistryValue, HostScript]]:
    """`<policy>.<value>.reg` for registry steps whose whole new value is known."""
    out = {}
    for task in script.tasks:
        op = task.op
        if isinstance(op, SetRegistryValue) or (isinstance(op, AppendRegistryValue) and op.known is not None):
            out[f"{script.folder}/{task.policy}.{op.name}.reg"] = (task, op, script)
    return out


def skipped_regs(scripts: list[HostScript]) -> list[tuple[str, str, str]]:
    """Multi-string appends with no .reg, because the policy does not state the current list."""
    return [(script.host, task.policy, task.op.name) for script in scripts for task in script.tasks
            if isinstance(task.op, AppendRegistryValue) and task.op.known is None]


def bundle_files(plans: list[Plan], command: str) -> dict[str, bytes]:
    """Every file of the bundle, by relative path (a dict in a stable order)."""
    scripts = host_scripts(plans)
    check_scripts(scripts)
    files: dict[str, bytes] = {"plan.json": (json.dumps(plans_document(plans), indent=2) + "\n").encode()}
    regs: dict[str, tuple] = {}
    for script in scripts:
        ext = EXTENSIONS[script.language]
        for kind in ("apply", "rollback"):
            text = render(f"{script.language}/{kind}.{ext}.j2", script=script, script_kind=kind, command=command)
            files[f"{script.folder}/{kind}.{ext}"] = encode(text, script.language)
        regs.update(reg_files(script))
    for path, (task, op, script) in regs.items():
        files[path] = encode(render("reg/value.reg.j2", task=task, op=op, script=script), "reg")
    review = render("review.md.j2", views=markdown_views(plans), scripts=scripts, regs=sorted(regs),
                    command=command, skipped_regs=skipped_regs(scripts))
    files["REVIEW.md"] = review.encode("utf-8")
    return files


def write_bundle(files: dict[str, bytes], out_dir: Path) -> None:
    """Write the bundle to `out_dir`, replacing only a previous bundle (outfolder.py)."""
    write_folder(files, Path(out_dir))
