"""The secrets scripts need, read on the controller only when a run needs them.

Each SecretRef is read once per run (an environment variable, a file, a prompt, or a literal
value only with --allow-literal-secrets) and goes to the host on stdin only; `mask` hides
every value read from anything shown or written.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TypeVar, cast

from remediate.core.errors import InputError, Problem
from remediate.render.tasks import SecretParameter

MASK = "********"
Prompt = Callable[[str], str]


class SecretReader:
    def __init__(self, *, prompt: Prompt | None, allow_literal: bool = False, base_dir: Path | None = None,
                 environ: Mapping[str, str] | None = None, sources: Mapping[str, tuple[str, int | None]] = {}):
        """`sources`: policy name -> (file, line of its password) for messages."""
        self.prompt, self.allow_literal = prompt, allow_literal
        self.base_dir = base_dir or Path.cwd()
        self.environ = os.environ if environ is None else environ
        self.sources = sources
        self._cache: dict[tuple[str, str], str] = {}

    @property
    def values(self) -> list[str]:
        """Every secret read so far (for masking)."""
        return list(self._cache.values())

    def read_all(self, parameters: Iterable[SecretParameter]) -> dict[str, str]:
        """Parameter name -> value; every problem raised together, before any host is touched."""
        found: dict[str, str] = {}
        problems: list[Problem] = []
        for param in parameters:
            if param.name in found:
                continue
            try:
                found[param.name] = self.read(param)
            except InputError as exc:
                problems.extend(exc.problems)
        if problems:
            raise InputError(list(dict.fromkeys(problems)))
        return found

    def read(self, param: SecretParameter) -> str:
        ref = param.ref
        key = (("env", ref.env) if ref.env else ("file", str(self._path(ref.file))) if ref.file
               else ("literal", param.name) if ref.literal is not None else ("prompt", param.name))
        if key not in self._cache:
            self._cache[key] = self._read(param, key)
        return self._cache[key]

    def _read(self, param: SecretParameter, key: tuple[str, str]) -> str:
        ref = param.ref
        if key[0] == "env":
            if ref.env is None or ref.env not in self.environ:
                raise self._problem(param, f"environment variable {ref.env} is not set (the password of "
                                           f"policy {param.policy}, read only when a script runs)")
            return self.environ[ref.env]
        if key[0] == "file":
            try:
                return Path(key[1]).read_text(encoding="utf-8").rstrip("\r\n")
            except (OSError, UnicodeDecodeError) as exc:
                raise self._problem(param, f"cannot read the password file {key[1]} (relative paths are from "
                                           f"the current folder): {getattr(exc, 'strerror', None) or exc}") from None
        if key[0] == "literal":
            if not self.allow_literal:
                raise self._problem(param, "a password written in the policy is used only with --allow-literal-secrets")
            return ref.literal or ""
        if self.prompt is None:
            raise self._problem(param, "the password is to be asked for, but there is no terminal to ask on")
        value = self.prompt(f"Password for policy {param.policy} ({param.name}): ")
        if not value:
            raise self._problem(param, "an empty password was entered")
        return value

    def _path(self, file: str) -> Path:
        path = Path(os.path.expanduser(file))
        return path if path.is_absolute() else self.base_dir / path

    def _problem(self, param: SecretParameter, message: str) -> InputError:
        source, line = self.sources.get(param.policy, (f"policy {param.policy}", None))
        return InputError([Problem(source, line, "access.password", message)])


Masked = TypeVar("Masked")


def mask(value: Masked, secrets: Iterable[str]) -> Masked:
    """`value` (text, or lists/dicts of it) with every secret replaced by ********; the same shape."""
    ordered = sorted({s for s in secrets if s}, key=len, reverse=True)
    if not ordered:
        return value

    def scrub(item: object) -> object:
        if isinstance(item, str):
            for secret in ordered:
                item = item.replace(secret, MASK)
            return item
        if isinstance(item, list):
            return [scrub(i) for i in item]
        if isinstance(item, dict):
            return {k: scrub(v) for k, v in item.items()}
        return item
    return cast(Masked, scrub(value))
