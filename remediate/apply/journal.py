"""The journal: one JSON line per host per run, appended (`--journal`, default
remediate-journal.jsonl in the current folder), written as each host finishes."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from remediate.apply.result import HostResult
from remediate.apply.secrets import mask
from remediate.core.errors import InputError, Problem

DEFAULT = "remediate-journal.jsonl"


class Journal:
    def __init__(self, path: Path, check: bool, secrets: Iterable[str] = ()):
        """Opened (created if need be) now, so an unwritable journal stops the run before it starts."""
        self.path, self.check, self.secrets = Path(path), check, list(secrets)
        self.lock = threading.Lock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.file = self.path.open("a", encoding="utf-8")
        except OSError as exc:
            raise InputError([Problem(str(path), None, "--journal", f"cannot be written: {exc.strerror}")]) from None

    def write(self, result: HostResult, policies: list[str]) -> None:
        entry = {"time": datetime.now(UTC).isoformat(timespec="seconds"), "policies": policies,
                 "host": result.host, "role": result.role, "check": self.check, "status": result.status,
                 "tasks": result.tasks, "message": result.message, "elapsed_s": result.elapsed_s}
        line = json.dumps(mask(entry, self.secrets), ensure_ascii=False, sort_keys=False)
        with self.lock:
            self.file.write(line + "\n")
            self.file.flush()

    def close(self) -> None:
        self.file.close()
