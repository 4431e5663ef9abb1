"""Policy validation agrees with render (issue 11): a character no script can carry is refused by
`validate` already, naming file, line and key; and a key refused for its value is reported once,
not a second time as missing."""

from __future__ import annotations

import pytest
import yaml

from remediate.core.scriptable import unscriptable_problem

from conftest import EXAMPLES, run_cli

POLICY = EXAMPLES / "policies" / "reports-share.yaml"
INVENTORY = EXAMPLES / "example" / "hosts.yml"


def write(tmp_path, **changes) -> str:
    data = yaml.safe_load(POLICY.read_text(encoding="utf-8"))
    for dotted, value in changes.items():
        section, key = dotted.split("__")
        data[section][key] = value
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize("escape, code", [("\\L", 0x2028), ("\\P", 0x2029), ("\\N", 0x85), ("\\x9b", 0x9B),
                                          ("\\v", 0x0B)])
def test_a_character_no_script_can_carry_is_refused_by_validate(tmp_path, escape, code):
    """Written as YAML double-quoted escapes: raw, YAML itself reads U+0085, U+2028, U+2029 as line breaks."""
    path = tmp_path / "p.yaml"
    text = POLICY.read_text(encoding="utf-8")
    path.write_text(text.replace("site: Default Web Site", f'site: "Default{escape}Web Site"'), encoding="utf-8")
    result = run_cli("validate", path)
    assert result.returncode == 2, result.stdout
    line = next(n for n, text in enumerate(text.split("\n"), 1) if "site:" in text)
    assert f"{path}:{line}: iis.site:" in result.stderr and f"U+{code:04X}" in result.stderr


def test_what_validate_accepts_render_writes(tmp_path):
    path = write(tmp_path, iis__site="Default Web Site \u00e9\u4e2d \u2019x\u2019")
    assert run_cli("validate", path).returncode == 0
    assert run_cli("render", path, "-i", INVENTORY, "-o", tmp_path / "out").returncode == 0


def test_printable_text_is_scriptable():
    assert unscriptable_problem("Default Web Site \u00e9 \u2019") is None


@pytest.mark.parametrize("change, key, message", [
    ({"resource__path": "D:\\reports"}, "resource.path", "drive letters are not allowed"),
    ({"iis__version": "9.9"}, "iis.version", "'9.9' is not allowed"),
])
def test_a_bad_required_value_is_reported_once(tmp_path, change, key, message):
    result = run_cli("validate", write(tmp_path, **change))
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if f" {key}:" in line]
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert "required key is missing" not in result.stderr
