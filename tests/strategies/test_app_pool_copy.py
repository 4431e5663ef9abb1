"""app-pool-identity's new pool takes the settings of the pool the path runs in (issue: "a new pool that copies
the current pool's settings"): which settings per IIS version, that the identity is never among them, that the
plan names them, and that a dedicated pool changes in place with nothing copied."""

from __future__ import annotations

import pytest

from remediate.core.poolsettings import APPLICATION_HOST, METABASE, copied_pool_settings
from remediate.operations import AssignAppPool, CreateAppPool, SetAppPoolIdentity
from remediate.planner import make_plan

IDENTITY = {"processModel.identityType", "processModel.userName", "processModel.password", "AppPoolIdentityType",
            "WAMUserName", "WAMUserPass"}
# Written out from Microsoft Learn's compatibility tables (processModel: setProfileEnvironment and
# logEventOnProcessModel came with IIS 8.0, idleTimeoutAction with 8.5; the IIS Settings Schema: logonType with 7.5).
NEWER = {"7.0": {"processModel.loadUserProfile", "processModel.logonType", "processModel.manualGroupMembership",
                 "processModel.setProfileEnvironment", "processModel.logEventOnProcessModel",
                 "processModel.idleTimeoutAction"},
         "7.5": {"processModel.setProfileEnvironment", "processModel.logEventOnProcessModel",
                 "processModel.idleTimeoutAction"},
         "8.0": {"processModel.idleTimeoutAction"}, "8.5": set(), "10.0": set()}


@pytest.mark.parametrize("version", sorted(NEWER))
def test_each_iis_version_copies_what_it_has_and_never_the_identity(version):
    every = {name for name, _ in APPLICATION_HOST}
    copied = copied_pool_settings(version)
    assert set(copied) == every - NEWER[version]
    assert not set(copied) & IDENTITY
    assert {"managedRuntimeVersion", "managedPipelineMode", "enable32BitAppOnWin64",
            "recycling.periodicRestart.schedule", "processModel.idleTimeout"} <= set(copied)


def test_iis_6_copies_metabase_properties(make_policy):
    assert copied_pool_settings("6.0") == METABASE
    assert not set(METABASE) & IDENTITY
    # one metabase task creates the pool, copies and moves the path (apply.vbs), then the identity is set
    plan = make_plan(make_policy(iis={"version": "6.0", "runs_as": "process"}), forced="app-pool-identity")
    moves = [op for op in plan.steps if isinstance(op, AssignAppPool)]
    assert [op.copied_settings for op in moves] == [METABASE]


def _pool_steps(make_policy, **iis):
    policy = make_policy(iis={"version": "10.0", "os": "2022", **iis})
    plan = make_plan(policy, forced="app-pool-identity")
    assert plan.strategy is not None
    return plan


def test_a_new_pool_copies_the_settings_and_the_plan_names_them(make_policy):
    plan = _pool_steps(make_policy)
    # the pool is created with the copied settings and runs as the new identity before the path moves into it
    pool_steps = [op for op in plan.steps if isinstance(op, (CreateAppPool, SetAppPoolIdentity, AssignAppPool))]
    assert [type(op) for op in pool_steps] == [CreateAppPool, SetAppPoolIdentity, AssignAppPool]
    assert pool_steps[0].copied_settings == copied_pool_settings("10.0")
    assert pool_steps[2].copied_settings == ()
    reasons = " ".join(plan.assessment.reasons)
    assert "creates with the settings of the pool the path runs in" in reasons
    assert all(name in reasons for name in copied_pool_settings("10.0"))
    assert not any("IIS's defaults" in w or "compare" in w for w in plan.warnings + plan.assessment.warnings)


def test_a_dedicated_pool_changes_in_place_and_copies_nothing(make_policy):
    plan = _pool_steps(make_policy, app_pool="Orders", app_pool_dedicated=True)
    assert not [op for op in plan.steps if isinstance(op, (CreateAppPool, AssignAppPool))]
    assert "Orders serves this path only (iis.app_pool_dedicated), so its identity changes in place" in \
        plan.assessment.reasons
