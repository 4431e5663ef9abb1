"""YAML that would exhaust time, memory or the stack (issue 11), for every file kind at once
(remediate/core/yamlsource.py reads policies, inventories, group_vars and host_vars): each is bad
input, exit 2, naming the file and line, in well under a second of work."""

from __future__ import annotations

import time

import pytest

from remediate.core.yamlsource import MAX_DEPTH, MAX_NODES

from conftest import EXAMPLES, run_cli

INVENTORY = EXAMPLES / "example" / "hosts.yml"


def billion_laughs() -> str:
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, 9):
        this, previous = chr(ord("a") + level), chr(ord("a") + level - 1)
        lines.append(f"{this}: &{this} [" + ", ".join([f"*{previous}"] * 9) + "]")
    return "\n".join(lines) + "\n"


HOSTILE = {
    "self-alias": ("x: &a [*a]\n", 1, "refers to the anchor"),
    "self-alias-in-mapping": ("a: 1\nx: &m {k: *m}\n", 2, "refers to the anchor"),
    "deep-flow": ("x: " + "[" * 990 + "]" * 990 + "\n", 1, f"more than {MAX_DEPTH} levels"),
    "deep-block": ("".join(" " * i + f"k{i}:\n" for i in range(500)), None, f"more than {MAX_DEPTH} levels"),
    "billion-laughs": (billion_laughs(), None, f"more than {MAX_NODES:,} values"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
@pytest.mark.parametrize("kind", ["policy", "inventory", "group_vars", "host_vars"])
def test_hostile_yaml_is_bad_input_quickly(tmp_path, case, kind):
    text, line, message = HOSTILE[case]
    if kind == "policy":
        target = tmp_path / "p.yaml"
        target.write_text(text, encoding="utf-8")
        args = ["validate", target]
    elif kind == "inventory":
        target = tmp_path / "hosts.yml"
        target.write_text(text, encoding="utf-8")
        args = ["inventory", "-i", target, "--graph"]
    else:
        inv = tmp_path / "hosts.yml"
        inv.write_text("all:\n  hosts:\n    web01:\n", encoding="utf-8")
        (tmp_path / kind).mkdir()
        target = tmp_path / kind / ("all.yml" if kind == "group_vars" else "web01.yml")
        target.write_text(text, encoding="utf-8")
        args = ["inventory", "-i", inv, "--graph"]
    started = time.monotonic()
    result = run_cli(*args)
    assert time.monotonic() - started < 5
    assert result.returncode == 2, result.stderr
    assert f"{target}:{line}:" in result.stderr if line else f"{target}:" in result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr


def test_a_double_quoted_unc_path_says_to_use_single_quotes(tmp_path):
    policy = tmp_path / "p.yaml"
    policy.write_text('version: 1\nresource:\n  path: "\\\\fs01\\data"\n', encoding="utf-8")
    result = run_cli("validate", policy)
    assert result.returncode == 2 and f"{policy}:3:" in result.stderr
    assert "unknown escape character" in result.stderr and "single quotes" in result.stderr


@pytest.mark.parametrize("make, message", [
    (lambda p: p.mkdir(), "is a folder, not a file"),
    (lambda p: p.write_bytes(b"\x7fELF\x02\x01\x01\x00" + bytes(range(256))), "is not UTF-8 text"),
])
def test_an_unreadable_policy_is_a_sentence(tmp_path, make, message):
    policy = tmp_path / "p.yaml"
    make(policy)
    result = run_cli("validate", policy)
    assert result.returncode == 2 and message in result.stderr
    assert "Errno" not in result.stderr and "codec" not in result.stderr
