"""Templates only spell: every refusal and every Windows-version decision is made in Python,
before any template renders."""

from __future__ import annotations

import dataclasses
import re

import pytest
from test_render_vbscript import LEGACY

import remediate.render.bundle as bundle_module
from remediate.operations import AssignAppPool, CreateLocalAccount
from remediate.render.escape import UnsafeValue, forbidden_in_user_name
from remediate.render.features import WINDOWS_FEATURES, windows_has
from remediate.render.templating import environment

import support.scriptcheck as sc
from support.examplebundles import plan_of

TEMPLATES = sorted(p for p in __import__("pathlib").Path(environment().loader.searchpath[0]).rglob("*.j2"))


def test_the_environment_offers_templates_no_way_to_refuse_or_test_a_windows_version():
    env = environment()
    assert "refuse" not in env.globals
    assert "windows_at_least" not in env.tests


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_template_refuses_or_compares_windows_versions(path):
    text = path.read_text(encoding="utf-8")
    assert "refuse(" not in text and "windows_at_least" not in text
    assert not re.search(r"script\.windows\s*(==|!=|is|in|<|>)", text), "compare in Python: script.has(...)"


def test_a_refused_step_stops_the_run_before_any_template_renders(monkeypatch):
    values = sc.HostileValues("Zs9site9sZ", "/Zp9path9pZ", "CONTOSO\\Za9webanon9aZ", "Zh9share9hZ")
    policy = sc.hostile_policy("mirrored-local-account", values, *LEGACY["mirrored-local-account"])
    plan = plan_of(policy)      # a valid name: validation would refuse web*anon before any plan
    steps = plan.assessment.steps
    for i, op in enumerate(steps):
        if isinstance(op, CreateLocalAccount):
            steps[i] = dataclasses.replace(op, name="web*anon")

    def no_rendering(name: str, **context: object) -> str:
        raise AssertionError(f"{name} was rendered before the refusal")

    monkeypatch.setattr(bundle_module, "render", no_rendering)
    with pytest.raises(UnsafeValue, match="not a valid Windows account name") as refused:
        bundle_module.bundle_files([plan], "x")
    assert refused.value.problems[0].message.startswith("create_local_account for ")


@pytest.mark.parametrize(("name", "first"), [("webanon", None), ("web*anon", "*"), ("a<b>c", "<"),
                                             ('q"x/y', '"'), ("IUSR_WEB01", None), ("svc.web-01$", None)])
def test_the_first_character_windows_forbids_in_a_user_name_is_named(name, first):
    assert forbidden_in_user_name(name) == first


@pytest.mark.parametrize(("windows", "feature", "has"), [
    ("nt4", "admin_consoles", False), ("2000", "admin_consoles", True), ("nt4", "complus", False),
    ("2000", "complus", True), ("2000", "app_pools", False), ("2003", "app_pools", True),
    ("2000", "everyone_excludes_anonymous", False), ("2003", "everyone_excludes_anonymous", True),
    ("2003", "auditpol", False), ("2008", "auditpol", True), ("2025", "auditpol", True)])
def test_windows_features_start_with_the_windows_that_has_them(windows, feature, has):
    assert feature in WINDOWS_FEATURES
    assert windows_has(windows, feature) is has


def test_a_pool_copy_on_iis_7_is_create_app_pools_job_not_assign_app_pools():
    """On IIS 7+ the copied pool must exist, with its identity, before the path moves: an assign_app_pool that
    would create and copy (the IIS 6.0 form) is refused for a PowerShell host."""
    values = sc.HostileValues("Zs9site9sZ", "/Zp9path9pZ", "CONTOSO\\Za9svc9aZ", "Zh9share9hZ")
    plan = plan_of(sc.hostile_policy("app-pool-identity", values, "web11", "10.0", "fs01", "2022"))
    steps = plan.assessment.steps
    for i, op in enumerate(steps):
        if isinstance(op, AssignAppPool):
            steps[i] = dataclasses.replace(op, copied_settings=("managedRuntimeVersion",))
    with pytest.raises(UnsafeValue, match="a pool with copied settings is made by create_app_pool"):
        bundle_module.bundle_files([plan], "x")
