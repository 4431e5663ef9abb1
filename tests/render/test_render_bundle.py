"""`remediate render`: the bundle's layout, determinism, encodings, .reg files and exit codes."""

from __future__ import annotations

import json

import pytest
import yaml

from remediate.inventory import load_inventory
from remediate.planner import make_plan
from remediate.policy import load_policies
from remediate.render.bundle import bundle_files
from remediate.render.outfolder import MANIFEST

from conftest import EXAMPLES, merged, plan_json, run_cli

POLICIES = EXAMPLES / "policies"
INVENTORY = EXAMPLES / "example" / "hosts.yml"
ALL = sorted(POLICIES.glob("*.yaml"))


def render(tmp_path, *policies, expect=0, extra=()):
    out = tmp_path / "bundle"
    result = run_cli("render", *policies, "-i", INVENTORY, "-o", out, *extra)
    assert result.returncode == expect, result.stderr
    return out


def files_of(folder):
    """The bundle's files, without the manifest that records them (tests/render/test_outfolder.py)."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != MANIFEST}


def test_bundle_layout_for_every_example(tmp_path):
    out = render(tmp_path, *ALL)
    files = files_of(out)
    assert {"plan.json", "REVIEW.md"} <= set(files)
    # IIS 4.0-6.0 hosts and servers before 2008 R2 get VBScript; the rest PowerShell.
    for host in ("web01", "web04", "web06", "web07", "fs02"):
        assert {f"hosts/{host}/apply.vbs", f"hosts/{host}/rollback.vbs"} <= set(files), host
    for host in ("web11", "web13", "fs01", "sql01", "dc01"):
        assert {f"hosts/{host}/apply.ps1", f"hosts/{host}/rollback.ps1"} <= set(files), host
    assert not any(name.startswith("domain/") for name in files), "every AD step names dc01 here"


def test_plan_json_is_exactly_the_plan_command_output(tmp_path):
    out = render(tmp_path, *ALL)
    _, expected = plan_json(*ALL, "-i", INVENTORY)
    assert json.loads((out / "plan.json").read_text()) == expected


def test_rendering_twice_gives_byte_identical_bundles(tmp_path):
    first = files_of(render(tmp_path, *ALL))
    second = files_of(render(tmp_path, *ALL))     # the same command again replaces the bundle
    assert first == second


def test_two_policies_on_one_host_share_one_script_in_policy_order(tmp_path):
    # reports-share, complus-component and legacy-null-session-share all touch web01.
    out = render(tmp_path, POLICIES / "reports-share.yaml", POLICIES / "complus-component.yaml")
    text = (out / "hosts" / "web01" / "apply.vbs").read_bytes().decode("utf-16")
    first, second = text.index("policy reports-share,"), text.index("policy complus-component,")
    assert first < second
    assert text.count("Sub Task") == text.count("RunTask \"Task")


def test_satisfied_policy_adds_no_host_files(tmp_path):
    out = render(tmp_path, POLICIES / "aspnet-pool-satisfied.yaml")
    assert set(files_of(out)) == {"plan.json", "REVIEW.md"}
    assert "Nothing to change." in (out / "REVIEW.md").read_text()


def test_infeasible_policy_exits_3_after_writing_plan_and_review(tmp_path, write_policy):
    stuck = write_policy({"iis": {"host": "web10"}, "constraints": {"domain_accounts": "forbidden",
                                                                    "stored_credentials": "forbidden"},
                          "access": {"account": None, "password": None}, "name": "stuck"},
                         )
    data = yaml.safe_load(stuck.read_text())
    data["iis"]["workgroup"] = True
    data["iis"].pop("domain")
    stuck.write_text(yaml.safe_dump(data))
    out = render(tmp_path, stuck, expect=3)
    assert set(files_of(out)) == {"plan.json", "REVIEW.md"}


def test_forced_infeasible_strategy_is_refused_with_its_reasons(tmp_path):
    out = tmp_path / "bundle"
    result = run_cli("render", POLICIES / "reports-share.yaml", "-i", INVENTORY, "-o", out,
                     "--strategy", "basic-auth")
    assert result.returncode == 3
    assert "basic-auth is not feasible: only for access.as: end-user" in result.stderr
    assert not out.exists()


def test_forced_feasible_strategy_is_used(tmp_path):
    out = render(tmp_path, POLICIES / "content-share.yaml", extra=("--strategy", "domain-anonymous-account"))
    assert json.loads((out / "plan.json").read_text())["plans"][0]["strategy"]["id"] == "domain-anonymous-account"


def test_an_existing_folder_that_is_not_a_bundle_is_refused(tmp_path):
    out = tmp_path / "bundle"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    result = run_cli("render", POLICIES / "reports-share.yaml", "-i", INVENTORY, "-o", out)
    assert result.returncode == 2 and "not a remediate bundle" in result.stderr
    assert (out / "notes.txt").read_text() == "mine"


def test_domain_steps_without_a_domain_host_go_to_the_domain_folder(tmp_path):
    data = yaml.safe_load((POLICIES / "sql-kerberos-delegation.yaml").read_text())
    data.pop("domain_host")
    policy = tmp_path / "p.yaml"
    policy.write_text(yaml.safe_dump(data))
    out = render(tmp_path, policy)
    assert {"domain/apply.ps1", "domain/rollback.ps1"} <= set(files_of(out))


@pytest.mark.parametrize("name, language", [("reports-share", "vbscript"), ("iusr-gmsa-pool", "powershell")])
def test_scripts_are_encoded_for_their_interpreter(tmp_path, name, language):
    out = render(tmp_path, POLICIES / f"{name}.yaml")
    for path, content in files_of(out).items():
        if path.endswith(".vbs"):
            assert content.startswith(b"\xff\xfe")
            text = content[2:].decode("utf-16-le")
        elif path.endswith(".ps1"):
            assert content.startswith(b"\xef\xbb\xbf")
            text = content[3:].decode("utf-8")
        else:
            continue
        assert "\n" not in text.replace("\r\n", ""), f"{path}: CRLF line ends only"


# ------------------------------------------------------------------ .reg files
def _reg(tmp_path, **overrides):
    data = merged(yaml.safe_load((POLICIES / "legacy-null-session-share.yaml").read_text()), overrides)
    policy = tmp_path / "p.yaml"
    policy.write_text(yaml.safe_dump(data))
    return files_of(render(tmp_path, policy))


def decode_hex7(text: str) -> list[str]:
    data = bytes(int(b, 16) for b in text.split(","))
    assert data.endswith(b"\x00\x00\x00\x00"), "each string NUL-terminated, plus a final NUL"
    return data.decode("utf-16-le")[:-2].split("\x00")


def test_reg_file_for_a_stated_list_holds_the_list_plus_the_entry(tmp_path):
    files = _reg(tmp_path)
    content = files["hosts/fs02/legacy-null-session-share.NullSessionShares.reg"]
    assert content.startswith(b"\xff\xfe")
    text = content[2:].decode("utf-16-le")
    lines = text.split("\r\n")
    assert lines[0] == "Windows Registry Editor Version 5.00" and lines[1] == ""
    assert "\n" not in text.replace("\r\n", "")
    assert "REPLACES the whole value NullSessionShares" in lines[2]
    assert "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\LanmanServer\\Parameters]" in lines
    value = next(line for line in lines if line.startswith('"NullSessionShares"=hex(7):'))
    assert decode_hex7(value.split(":", 1)[1]) == ["COMCFG", "DFS$", "public"]


def test_no_reg_file_when_the_current_list_is_unknown(tmp_path):
    files = _reg(tmp_path, resource={"null_session_shares": None})
    assert not any(name.endswith(".reg") for name in files)
    review = files["REVIEW.md"].decode()
    assert "no `.reg` for NullSessionShares on fs02" in review


def test_reg_multi_matches_the_documented_bytes():
    from remediate.render.escape import reg_multi
    assert reg_multi(["WEB"]) == "57,00,45,00,42,00,00,00,00,00"
    assert reg_multi(["COMCFG", "DFS$", "WEB"]) == (
        "43,00,4f,00,4d,00,43,00,46,00,47,00,00,00,44,00,46,00,53,00,24,00,00,00,57,00,45,00,42,00,00,00,00,00")


def test_dword_is_eight_hex_digits():
    from remediate.operations import SetRegistryValue
    from remediate.render.tasks import Task
    from remediate.render.templating import render as render_template
    op = SetRegistryValue("file_server", "HKLM\\SYSTEM\\X", "RestrictNullSessAccess", "dword", 1)
    task = Task(1, "p", "null-session-share", 1, "src", op)
    text = render_template("reg/value.reg.j2", task=task, op=op, script=type("S", (), {"host": "fs01"})())
    assert '"RestrictNullSessAccess"=dword:00000001' in text.splitlines()


def test_review_explains_each_policy_and_how_to_roll_back(tmp_path):
    review = (render(tmp_path, *ALL) / "REVIEW.md").read_text()
    for path in ALL:
        assert f"## {path.stem}" in review
    assert "## How to roll back" in review and "It cannot put back" in review
    assert "rollback.ps1" in review and "rollback.vbs" in review


def test_bundle_files_in_memory_matches_disk(tmp_path):
    inventory = load_inventory(INVENTORY)
    plans = [make_plan(p, inventory) for p in load_policies([POLICIES / "reports-share.yaml"])]
    files = bundle_files(plans, "cmd")
    assert "hosts/web01/apply.vbs" in files and "hosts/fs02/apply.vbs" not in files
