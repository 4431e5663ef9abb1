"""Golden bundles: the strategy scenarios marked `golden: true` (one per strategy and version
family), rendered and compared file by file.

The golden files under tests/golden/ were each read through against windows-facts.md when
they were made. After an intended change to a template, regenerate them with

    REMEDIATE_REGEN_GOLDEN=1 .venv/bin/pytest tests/render/test_golden.py

and read the diff (git diff tests/golden) before committing it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from remediate.policy import STRATEGY_IDS
from remediate.render.bundle import bundle_files

from conftest import GOLDEN
from support.scenarios import golden_scenarios

REGENERATE = os.environ.get("REMEDIATE_REGEN_GOLDEN") == "1"

SCENARIOS = golden_scenarios()   # the strategies' scenarios marked `golden: true`


def bundle(scenario: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    case = SCENARIOS[scenario]
    monkeypatch.chdir(tmp_path)             # the file's name, not a temporary path, goes into the bundle
    plan = case.plan(Path("."))
    assert plan.strategy is not None and plan.strategy.id == case.strategy
    return bundle_files([plan], f"remediate render {case.base}.yaml -i inventories/example/hosts.yml -o out")


def test_every_strategy_has_a_golden_scenario():
    assert {case.strategy for case in SCENARIOS.values()} == set(STRATEGY_IDS)


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_bundle_matches_golden(scenario, tmp_path, monkeypatch):
    files = bundle(scenario, tmp_path, monkeypatch)
    folder = GOLDEN / scenario
    if REGENERATE:
        for old in sorted(folder.rglob("*"), reverse=True) if folder.exists() else []:
            old.unlink() if old.is_file() else old.rmdir()
        for relative, content in files.items():
            target = folder / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
    expected = {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    assert sorted(files) == sorted(expected), f"files differ from {folder}"
    for relative, content in files.items():
        assert content == expected[relative], f"{scenario}/{relative} differs from the golden file"
