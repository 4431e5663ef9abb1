"""A host's answer -> its status: the last `REMEDIATE-RESULT {json}` line of stdout
(docs/bundle.md), the exit code, and stderr (PowerShell's CLIXML made plain text)."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

PREFIX = "REMEDIATE-RESULT"
CLIXML = "#< CLIXML"
OK, CHANGED, FAILED, UNREACHABLE, REFUSED, SKIPPED = "ok", "changed", "failed", "unreachable", "refused", "skipped"
STATUSES = (OK, CHANGED, FAILED, UNREACHABLE, REFUSED, SKIPPED)
_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_STREAMS = {"Error": "", "Warning": "WARNING: "}


@dataclass
class Outcome:
    status: str
    tasks: list[dict] = field(default_factory=list)
    message: str = ""


def outcome(stdout: bytes, stderr: bytes, exit_code: int, check: bool) -> Outcome:
    """ok / changed / failed from what the script printed and its exit code."""
    text = stdout.decode("utf-8", errors="replace")
    errors = plain_stderr(stderr)
    line = next((ln.strip() for ln in reversed(text.splitlines()) if ln.strip().startswith(PREFIX)), None)
    if line is None:
        detail = errors or _tail(text) or "no output"
        return Outcome(FAILED, [], f"no {PREFIX} line in the output (exit code {exit_code}): {detail}")
    try:
        document = json.loads(line[len(PREFIX):])
        tasks = document["tasks"]
        if not isinstance(tasks, list) or not all(isinstance(t, dict) for t in tasks):
            raise TypeError("tasks is not a list of objects")
    except (ValueError, KeyError, TypeError) as exc:
        return Outcome(FAILED, [], f"the {PREFIX} line is malformed ({exc}): {line[:200]}")
    failed = [t for t in tasks if t.get("failed")]
    changed = [t for t in tasks if t.get("changed")]
    if failed:
        first = failed[0]
        message = f"task {first.get('id') or first.get('name')} failed: {first.get('message') or 'no message'}"
        return Outcome(FAILED, tasks, _join(message, errors))
    if exit_code != 0:
        return Outcome(FAILED, tasks, _join(f"exit code {exit_code} although no task failed", errors))
    verb = "would change" if check else "changed"
    message = (f"{verb} {len(changed)} of {len(tasks)} tasks" if changed
               else "nothing to change" if tasks else "no tasks")
    return Outcome(CHANGED if changed else OK, tasks, message)


def plain_stderr(stderr: bytes) -> str:
    """stderr as text; PowerShell's `#< CLIXML` serialisation becomes the messages it holds."""
    text = stderr.decode("utf-8", errors="replace").strip()
    if not text.startswith(CLIXML):
        return text
    messages = []
    for document in re.findall(r"<Objs\b.*?</Objs>", text, re.S):
        try:
            root = ET.fromstring(document)
        except ET.ParseError:
            continue
        for node in root.iter():
            stream = node.get("S")
            if node.tag.rsplit("}", 1)[-1] == "S" and stream in _STREAMS and node.text:
                messages.append(_STREAMS[stream] + _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), node.text))
    return "".join(messages).replace("\r\n", "\n").strip() or text


def _tail(text: str, lines: int = 3) -> str:
    return " | ".join(ln.strip() for ln in text.strip().splitlines()[-lines:])


def _join(message: str, errors: str) -> str:
    return f"{message}; stderr: {errors}" if errors else message


@dataclass
class HostResult:
    """One host's line in the output, the JSON document and the journal."""

    host: str
    role: str
    status: str
    tasks: list[dict] = field(default_factory=list)
    message: str = ""
    elapsed_s: float = 0.0
    requests: int = 0

    def as_json(self) -> dict:
        return {"host": self.host, "role": self.role, "status": self.status, "tasks": self.tasks,
                "message": self.message, "elapsed_s": self.elapsed_s, "requests": self.requests}
