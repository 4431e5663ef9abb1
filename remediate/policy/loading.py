"""Loading policy files: YAML with line numbers, then the shape (pydantic), then the rules.

Every problem of every file is collected, each with file, line and dotted key, and raised
as one InputError, so nothing is planned from a half-valid set of policies.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel, ValidationError

from remediate.core.errors import InputError, Problem
from remediate.core.yamlsource import PathKey, YamlDocument, dotted, load_yaml
from remediate.policy.model import Access, Constraints, Iis, Policy, Resource, SecretRef
from remediate.policy.rules import rules

_PYDANTIC_MESSAGES = {
    "extra_forbidden": "unknown key",
    "missing": "required key is missing",
}


def _allowed_keys(model: type[BaseModel]) -> str:
    return ", ".join((f.alias or name) for name, f in model.model_fields.items() if name != "literal")


def _model_at(loc: tuple) -> type[BaseModel] | None:
    models: dict[str, type[BaseModel]] = {"iis": Iis, "resource": Resource, "access": Access,
                                          "constraints": Constraints, "password": SecretRef}
    model: type[BaseModel] = Policy
    for part in loc:
        if isinstance(part, str) and part in models:
            model = models[part]
    return model


def _loc(err) -> tuple:
    """An error's key path as the YAML spells it (no union-member names, `as` not `as_`)."""
    return tuple("as" if p == "as_" else p for p in err["loc"] if not (isinstance(p, str) and "[" in p))


def _pydantic_problems(errors: list, doc: YamlDocument, base: PathKey) -> list[Problem]:
    problems = []
    for err in errors:
        loc = _loc(err)
        kind = err["type"]
        if kind == "extra_forbidden":
            model = _model_at(loc[:-1])
            message = f"unknown key; allowed: {_allowed_keys(model)}" if model else "unknown key"
        elif kind == "literal_error":
            expected = err.get("ctx", {}).get("expected", "")
            message = f"{err['input']!r} is not allowed; allowed: {expected.replace(chr(39), '')}"
        elif kind == "value_error":
            message = str(err["ctx"]["error"])
        else:
            message = _PYDANTIC_MESSAGES.get(kind, err["msg"])
        problems.append(Problem(doc.file, doc.line_of(base + loc), dotted(loc), message))
    return problems


def _policy_entries(doc: YamlDocument) -> tuple[list[tuple[PathKey, object]], list[Problem]]:
    data = doc.data
    base: PathKey
    if isinstance(data, dict) and "policies" in data and "version" not in data:
        extra = sorted(set(data) - {"policies"})
        if extra:
            return [], [Problem(doc.file, doc.line_of((extra[0],)), extra[0],
                                "unknown key beside policies; allowed: policies")]
        data, base = data["policies"], ("policies",)
    else:
        base = ()
    if isinstance(data, list):
        return [(base + (i,), item) for i, item in enumerate(data)], []
    if isinstance(data, dict):
        return [(base, data)], []
    return [], [Problem(doc.file, doc.line_of(base), "",
                        "expected a policy (a mapping), a list of policies, or policies: [...]")]


def _without(data: object, loc: tuple) -> bool:
    """Remove the value at `loc` from nested dicts/lists; False if it cannot be removed."""
    for part in loc[:-1]:
        try:
            data = data[part]  # type: ignore[index]
        except (KeyError, IndexError, TypeError):
            return False
    if isinstance(data, dict) and loc and loc[-1] in data:
        del data[loc[-1]]
        return True
    return False


def _validate(entry: dict, doc: YamlDocument, base: PathKey) -> tuple[Policy | None, list[Problem]]:
    """Validate the shape; on errors, drop the offending keys and try again, so the rules that
    need a whole policy still run and every problem is reported in one pass."""
    data = copy.deepcopy(entry)
    problems: list[Problem] = []
    dropped: set[tuple] = set()
    for _ in range(5):
        try:
            return Policy.model_validate(data), problems
        except ValidationError as exc:
            # a key dropped for a bad value is then missing: that was said already
            errors = [e for e in exc.errors() if not (e["type"] == "missing" and _loc(e) in dropped)]
            problems.extend(_pydantic_problems(errors, doc, base))
            locs = [_loc(e) for e in errors]
            dropped.update(locs)
            if not errors or not all(_without(data, loc) for loc in locs):
                return None, problems
    return None, problems


def _parse_one(doc: YamlDocument, base: PathKey, entry: object,
               allow_literal_secrets: bool) -> tuple[Policy | None, list[Problem]]:
    if not isinstance(entry, dict):
        return None, [Problem(doc.file, doc.line_of(base), dotted(base), "a policy must be a mapping")]
    policy, problems = _validate(entry, doc, base)
    if policy is None:
        return None, problems
    shape_errors = {p.key for p in problems}
    problems += [Problem(doc.file, doc.line_of(base + key), dotted(key), message)
                 for key, message in rules(policy) if dotted(key) not in shape_errors]
    secret = policy.access.password
    if secret is not None and secret.literal is not None and not allow_literal_secrets:
        key = ("access", "password")
        problems.append(Problem(doc.file, doc.line_of(base + key), dotted(key),
                                "a literal password is refused (it would end up in files and shell history); "
                                "allowed: {env: NAME}, {file: PATH}, {prompt: true}, or run with "
                                "--allow-literal-secrets"))
    if problems:
        return None, problems
    policy._source = doc.file
    policy._lines = doc.lines_under(base)
    return policy, []


def load_policies(paths: Sequence[str | Path], allow_literal_secrets: bool = False) -> list[Policy]:
    """Load every policy of every file, or raise one InputError listing every problem."""
    policies: list[Policy] = []
    problems: list[Problem] = []
    first_seen: dict[str, str] = {}
    for path in paths:
        try:
            doc = load_yaml(path)
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        entries, found = _policy_entries(doc)
        problems.extend(found)
        for base, entry in entries:
            policy, found = _parse_one(doc, base, entry, allow_literal_secrets)
            problems.extend(found)
            if policy is None:
                continue
            if policy.name in first_seen:
                problems.append(Problem(doc.file, doc.line_of(base + ("name",)), "name",
                                        f"{policy.name} is already the name of a policy in {first_seen[policy.name]}; "
                                        "names must be unique (they name the artifacts)"))
                continue
            first_seen[policy.name] = doc.file
            policies.append(policy)
    if not paths:
        problems.append(Problem("(command line)", None, "", "give at least one policy file"))
    if problems:
        raise InputError(problems)
    return policies
