"""Every strategy folder's scenarios, collected as data and checked against the planner."""

from __future__ import annotations

import pytest
import yaml

from remediate.policy.catalogue import STRATEGY_IDS, module_name

from support.scenarios import EXPECT_KEYS, STRATEGIES, scenario_files, scenarios

SCENARIOS = scenarios()


def test_every_strategy_folder_is_in_the_catalogue_and_has_scenarios():
    folders = {p.parent.name for p in STRATEGIES.glob("*/strategy.py")}
    assert folders == {module_name(sid) for sid in STRATEGY_IDS}
    for sid in STRATEGY_IDS:
        cases = [s for s in SCENARIOS if s.strategy == sid]
        assert any(s.expect.get("chosen") for s in cases), f"{sid}: no scenario where it is chosen"
        assert any(not s.expect.get("chosen") for s in cases), f"{sid}: no scenario where it is not chosen"


@pytest.mark.parametrize("path", scenario_files(), ids=lambda p: f"{p.parent.parent.name}/{p.stem}")
def test_scenario_files_say_only_what_the_test_reads(path):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert set(data) <= {"summary", "base", "overrides", "expect"} and {"summary", "base", "expect"} <= set(data)
    assert set(data["expect"]) <= EXPECT_KEYS and "chosen" in data["expect"]
    assert data["expect"].get("reasons"), "a scenario names at least one reason phrase"


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.id)
def test_scenario(scenario, tmp_path):
    plan = scenario.plan(tmp_path)
    expect = scenario.expect
    chosen = plan.strategy.id if plan.strategy else None
    if expect["chosen"]:
        assert chosen == scenario.strategy, f"chose {chosen}"
        reasons, steps = list(plan.assessment.reasons), [op.kind for op in plan.steps]
    else:
        assert chosen != scenario.strategy
        alternative = next(a for a in plan.alternatives if a.strategy.id == scenario.strategy)
        assert alternative.assessment.feasible == expect["feasible"], alternative.assessment.reasons
        reasons, steps = list(alternative.assessment.reasons), [op.kind for op in alternative.assessment.steps]
    for phrase in expect["reasons"]:
        assert any(phrase in reason for reason in reasons), f"{phrase!r} not in {reasons}"
    if "steps" in expect:
        assert steps == expect["steps"]
