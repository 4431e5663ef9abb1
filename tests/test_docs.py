"""The README's tables and lists stay true to the code."""

import re

from remediate.policy import STRATEGY_IDS
from remediate.strategies import CATALOGUE

from conftest import EXAMPLES, ROOT

README = (ROOT / "README.md").read_text()


def test_readme_strategy_table_matches_the_catalogue():
    rows = re.findall(r"^\| `([a-z-]+)` \| ([^|]+) \| ([^|]+) \| [^|]+ \| (low|medium|high) \|", README, re.M)
    assert [r[0] for r in rows] == list(STRATEGY_IDS)
    for (sid, versions, roles, risk), strategy in zip(rows, CATALOGUE):
        assert versions.strip() == strategy.versions_text
        assert roles.strip() == ", ".join(strategy.roles)
        assert risk == strategy.risk


def test_readme_lists_every_example_policy():
    for path in (EXAMPLES / "policies").glob("*.yaml"):
        assert f"`{path.stem}`" in README


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    command = "python3 -m venv .venv && .venv/bin/pip install '.[test]' && .venv/bin/pytest"
    assert command in README
    assert command in ci


def test_every_folder_of_code_is_a_package_a_non_editable_install_finds():
    """setup.py installs what find_packages finds: a folder of modules without __init__.py would be
    left out of a wheel and fail only after installation."""
    folders = {p.parent for p in (ROOT / "remediate").rglob("*.py")}
    assert [str(f) for f in folders if not (f / "__init__.py").exists()] == []
