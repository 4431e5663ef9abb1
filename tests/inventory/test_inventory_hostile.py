"""Inventories that name hosts no Windows host can have, or too many of them (issue 11), through the
CLI: each is bad input (exit 2) naming the file, the line and the host, in well under a second;
never a path outside the bundle, never a walk of the filesystem, never an exhausted memory."""

from __future__ import annotations

import time

import pytest

from remediate.inventory.builder import MAX_HOSTS_PER_PATTERN, expand_range
from remediate.inventory.names import folder_name_problem, host_name_problem

from conftest import EXAMPLES, run_cli

POLICY = EXAMPLES / "policies" / "iusr-gmsa-pool.yaml"     # IIS on web10, resource on fs01


def inventory(tmp_path, web: str, name: str = "hosts.ini"):
    path = tmp_path / name
    path.write_text(f"[iis]\n{web}\n[file_servers]\nfs01\n[domain_controllers]\ndc01\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("name", ["../../escape-web", "/", "..", "a/b", "c:\\x", "web 10", "-web", "a..b",
                                  "x" * 100_000])
def test_a_host_name_that_is_not_a_host_name_is_bad_input(tmp_path, name):
    inv = inventory(tmp_path, f"'{name}'" if " " in name else name)
    out = tmp_path / "out"
    started = time.monotonic()
    result = run_cli("render", POLICY, "-i", inv, "-o", out)
    assert time.monotonic() - started < 10
    assert result.returncode == 2, result.stderr
    assert f"{inv}:2:" in result.stderr and "host" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr) < 2000
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["hosts.ini"]


def test_render_writes_nothing_outside_its_folder(tmp_path):
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    inv = inventory(work, "../../escape-web ansible_host=192.0.2.9")
    result = run_cli("render", POLICY, "-i", inv, "-o", "out", cwd=work)
    assert result.returncode == 2
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == ["a", "a/b", "a/b/hosts.ini"]


def test_a_host_named_slash_does_not_walk_the_filesystem(tmp_path):
    path = tmp_path / "hosts.yml"
    path.write_text("all:\n  hosts:\n    /:\n", encoding="utf-8")
    started = time.monotonic()
    result = run_cli("inventory", "-i", path, "--list")
    assert time.monotonic() - started < 5
    assert result.returncode == 2 and f"{path}:3:" in result.stderr and "'/'" in result.stderr


@pytest.mark.parametrize("name", ["web01", "WEB-01", "web_01", "web01.contoso.com", "192.0.2.5", "2001:db8::1",
                                  "x" * 63 + ".contoso.com"])
def test_real_host_names_and_addresses_are_kept(name):
    assert host_name_problem(name) is None


@pytest.mark.parametrize("name, why", [("2001:db8::1", "IP address"), ("con", "reserves"), ("LPT1.corp", "reserves")])
def test_names_that_cannot_be_a_folder_on_windows_are_refused_at_render(name, why):
    assert why in (folder_name_problem(name) or "")


def test_an_ipv6_host_given_to_a_policy_is_refused_by_render_naming_it(tmp_path):
    inv = inventory(tmp_path, "2001:db8::10")
    policy = tmp_path / "p.yaml"
    policy.write_text(POLICY.read_text(encoding="utf-8").replace("host: web11", "host: iis"), encoding="utf-8")
    result = run_cli("render", policy, "-i", inv, "-o", tmp_path / "out")
    assert result.returncode == 2 and "'2001:db8::10'" in result.stderr and "ansible_host" in result.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("pattern", ["web[0:99999999]", "w[0:999]x[0:999]", "w[a:z][0:999]"])
def test_host_ranges_are_capped_before_any_host_is_made(tmp_path, pattern):
    inv = inventory(tmp_path, pattern)
    started = time.monotonic()
    result = run_cli("inventory", "-i", inv, "--graph")
    assert time.monotonic() - started < 5
    assert result.returncode == 2 and f"{inv}:2:" in result.stderr
    assert f"more than {MAX_HOSTS_PER_PATTERN:,} hosts" in result.stderr


def test_the_cap_allows_a_pattern_of_exactly_the_cap():
    assert len(expand_range(f"w[1:{MAX_HOSTS_PER_PATTERN}]")) == MAX_HOSTS_PER_PATTERN
    assert expand_range("w[01:02]x[a:b]") == ["w01xa", "w01xb", "w02xa", "w02xb"]


def test_a_group_name_that_is_a_path_is_bad_input(tmp_path):
    path = tmp_path / "hosts.yml"
    path.write_text("all:\n  children:\n    ../../etc:\n      hosts:\n        web01:\n", encoding="utf-8")
    result = run_cli("inventory", "-i", path, "--list")
    assert result.returncode == 2 and "group '../../etc'" in result.stderr and "group_vars" in result.stderr


def test_an_inventory_host_named_domain_gets_its_own_folder(tmp_path):
    """The domain/ folder holds AD steps of policies naming no domain_host; a host named `domain` is
    a host like any other: hosts/domain/."""
    inv = tmp_path / "hosts.ini"
    inv.write_text("[iis]\nweb11\n[file_servers]\ndomain\n[dcs]\ndc01\n", encoding="utf-8")
    policy = tmp_path / "p.yaml"
    policy.write_text(POLICY.read_text(encoding="utf-8").replace("host: fs01", "host: domain"), encoding="utf-8")
    out = tmp_path / "out"
    result = run_cli("render", policy, "-i", inv, "-o", out)
    assert result.returncode == 0, result.stderr
    assert (out / "hosts" / "domain" / "apply.ps1").exists()
    assert not (out / "domain").exists()


def test_an_empty_inventory_is_warned_about(tmp_path):
    empty = tmp_path / "hosts.yml"
    empty.write_text("", encoding="utf-8")
    result = run_cli("inventory", "-i", empty, "--graph")
    assert result.returncode == 0
    assert f"warning: {empty}: the inventory holds no hosts" in result.stderr
